//! Printer shares and their access lists.

use crate::jobs::{share_forbidden, viewer_of};
use crate::{App, AppError, Result};
use platen_domain::Caller;
use platen_domain::permissions::Access;
use platen_domain::records::{DirectoryGroup, DirectoryUser, Printer, Share};
use platen_domain::time::now_micros;
use platen_store::{ListQuery, Page, ShareList, ShareView};

#[derive(Default)]
pub struct ShareUpdate {
    pub display_name: Option<String>,
    pub allow_all_users: Option<bool>,
    pub printer_id: Option<String>,
}

impl App {
    pub async fn create_share(
        &self,
        caller: &Caller,
        display_name: String,
        printer_id: &str,
        allow_all_users: bool,
    ) -> Result<Share> {
        if self
            .store
            .get_printer(&caller.tenant_id, printer_id)
            .await?
            .is_none()
        {
            return Err(AppError::bad_request(format!(
                "printer@odata.bind: the printer '{printer_id}' does not exist."
            )));
        }
        let share = Share {
            tenant_id: caller.tenant_id.clone(),
            id: uuid::Uuid::new_v4().to_string().into(),
            printer_id: printer_id.into(),
            display_name,
            allow_all_users,
            created_at: now_micros(),
        };
        self.store.create_share(&share).await.map_err(conflict)?;
        self.share_wakeup.notify_one();
        Ok(share)
    }

    /// A share the caller may see: administrators see all; users see shares they may print to.
    pub async fn get_share(&self, caller: &Caller, access: &Access, id: &str) -> Result<Share> {
        let share = self
            .store
            .get_share(&caller.tenant_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("printer share"))?;
        self.ensure_share_usable(caller, access, &share).await?;
        Ok(share)
    }

    /// A share the caller may see (as [`App::get_share`] decides), with its printer and the caller's last use of
    /// it, in one read for administrators and users.
    pub async fn get_share_view(&self, caller: &Caller, access: &Access, id: &str) -> Result<ShareView> {
        let viewer = (caller.is_delegated() && !access.admin).then(|| viewer_of(caller));
        let view = self
            .store
            .share_view(&caller.tenant_id, id, &caller.object_id, viewer.as_ref())
            .await?
            .ok_or_else(|| AppError::not_found("printer share"))?;
        if !access.admin && !caller.is_delegated() {
            self.ensure_app_granted(caller, &view.share).await?;
        }
        if view.visible {
            Ok(view)
        } else {
            Err(share_forbidden())
        }
    }

    pub async fn list_shares(
        &self,
        caller: &Caller,
        access: &Access,
        query: &ListQuery,
    ) -> Result<Page<Share>> {
        let viewer = (!access.admin).then(|| viewer_of(caller));
        Ok(self
            .store
            .list_shares(&caller.tenant_id, viewer.as_ref(), query)
            .await?)
    }

    pub async fn update_share(&self, caller: &Caller, id: &str, update: ShareUpdate) -> Result<Share> {
        let mut share = self
            .store
            .get_share(&caller.tenant_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("printer share"))?;
        if let Some(printer_id) = update.printer_id {
            if self
                .store
                .get_printer(&caller.tenant_id, &printer_id)
                .await?
                .is_none()
            {
                return Err(AppError::bad_request(format!(
                    "printer@odata.bind: the printer '{printer_id}' does not exist."
                )));
            }
            share.printer_id = printer_id.into();
        }
        if let Some(v) = update.display_name {
            share.display_name = v;
        }
        if let Some(v) = update.allow_all_users {
            share.allow_all_users = v;
        }
        self.store.update_share(&share).await.map_err(conflict)?;
        self.share_wakeup.notify_one();
        Ok(share)
    }

    pub async fn delete_share(&self, caller: &Caller, id: &str) -> Result<()> {
        if self.store.delete_share(&caller.tenant_id, id).await? {
            self.share_wakeup.notify_one();
            Ok(())
        } else {
            Err(AppError::not_found("printer share"))
        }
    }

    pub(crate) async fn existing_share(&self, caller: &Caller, id: &str) -> Result<Share> {
        self.store
            .get_share(&caller.tenant_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("printer share"))
    }

    pub async fn allow_user(&self, caller: &Caller, share_id: &str, user_id: &str) -> Result<()> {
        self.existing_share(caller, share_id).await?;
        let user = DirectoryUser {
            id: user_id.to_string(),
            display_name: None,
            user_principal_name: None,
        };
        Ok(self
            .store
            .add_allowed_user(&caller.tenant_id, share_id, &user)
            .await?)
    }

    pub async fn disallow_user(&self, caller: &Caller, share_id: &str, user_id: &str) -> Result<()> {
        self.existing_share(caller, share_id).await?;
        if self
            .store
            .remove_allowed_user(&caller.tenant_id, share_id, user_id)
            .await?
        {
            Ok(())
        } else {
            Err(AppError::not_found("allowed user"))
        }
    }

    pub async fn allow_group(&self, caller: &Caller, share_id: &str, group_id: &str) -> Result<()> {
        self.existing_share(caller, share_id).await?;
        let group = DirectoryGroup {
            id: group_id.to_string(),
            display_name: None,
        };
        Ok(self
            .store
            .add_allowed_group(&caller.tenant_id, share_id, &group)
            .await?)
    }

    pub async fn disallow_group(&self, caller: &Caller, share_id: &str, group_id: &str) -> Result<()> {
        self.existing_share(caller, share_id).await?;
        if self
            .store
            .remove_allowed_group(&caller.tenant_id, share_id, group_id)
            .await?
        {
            Ok(())
        } else {
            Err(AppError::not_found("allowed group"))
        }
    }

    pub async fn allowed_users(
        &self,
        caller: &Caller,
        share_id: &str,
        q: &ListQuery,
    ) -> Result<Page<DirectoryUser>> {
        self.existing_share(caller, share_id).await?;
        Ok(self
            .store
            .list_allowed_users(&caller.tenant_id, share_id, q)
            .await?)
    }

    pub async fn allowed_groups(
        &self,
        caller: &Caller,
        share_id: &str,
        q: &ListQuery,
    ) -> Result<Page<DirectoryGroup>> {
        self.existing_share(caller, share_id).await?;
        Ok(self
            .store
            .list_allowed_groups(&caller.tenant_id, share_id, q)
            .await?)
    }

    /// Succeeds when `member_id` is itself on the share's `list` (`…/allowedUsers/{id}` names an entry of the
    /// list, not anyone who may use the share); not found otherwise, or when the share does not exist.
    pub async fn ensure_on_share_list(
        &self,
        caller: &Caller,
        share_id: &str,
        list: ShareList,
        member_id: &str,
    ) -> Result<()> {
        self.existing_share(caller, share_id).await?;
        let listed = self
            .store
            .share_list_contains(&caller.tenant_id, share_id, list, member_id)
            .await?;
        match (listed, list) {
            (true, _) => Ok(()),
            (false, ShareList::AllowedUsers) => Err(AppError::not_found("allowed user")),
            (false, ShareList::AllowedGroups) => Err(AppError::not_found("allowed group")),
        }
    }

    /// Every share of every tenant with its printer, oldest first, at most `limit`. No caller: this is for the
    /// server's own DNS-SD advertiser, which tells the local network about shares; never answer a request
    /// with it (it crosses tenants).
    pub async fn shares_for_discovery(&self, limit: u32) -> Result<Vec<(Share, Printer)>> {
        Ok(self.store.all_shares_with_printers(limit).await?)
    }

    /// The caller's recently used shares (newest first) that they may still use.
    pub async fn recent_shares(&self, caller: &Caller, limit: u32) -> Result<Vec<(Share, i64)>> {
        Ok(self
            .store
            .recent_shares(&caller.tenant_id, &viewer_of(caller), limit)
            .await?)
    }
}

fn conflict(e: platen_store::StoreError) -> AppError {
    match e {
        platen_store::StoreError::Conflict(m) => AppError::Conflict(m),
        platen_store::StoreError::NotFound => AppError::not_found("printer share"),
        other => other.into(),
    }
}
