//! App printing (Platen's opt-in, off by default): a tenant's administrators let applications print on the
//! shares they grant. The rule (which operations, which roles) is `platen_domain::permissions::app_printing`;
//! here are the tenant's switch, the grants, and the checks that need them.

use crate::jobs::actor;
use crate::{App, AppError, Result};
use platen_domain::permissions::{
    Access, JobPath, PermissionDenied, authorize_app_printing, is_app_printing_request,
};
use platen_domain::records::{AppPrintGrant, Share};
use platen_domain::time::now_micros;
use platen_domain::{Caller, Operation};

/// The tenant's switch and its grants, as administrators see them.
#[derive(Debug, Clone)]
pub struct AppPrinting {
    pub enabled: bool,
    pub grants: Vec<AppPrintGrant>,
}

impl App {
    /// The access app printing gives a request the contract refused: `None` when app printing has nothing to
    /// say (a delegated caller, an operation or path it does not cover, a tenant that has not switched it on), so
    /// the contract's refusal stands unchanged; otherwise its own decision.
    pub async fn app_printing_access(
        &self,
        caller: &Caller,
        op: Operation,
        path: JobPath,
    ) -> Result<Option<std::result::Result<Access, PermissionDenied>>> {
        if !is_app_printing_request(caller, op, path)
            || !self.store.app_printing_enabled(&caller.tenant_id).await?
        {
            return Ok(None);
        }
        Ok(Some(authorize_app_printing(caller, op, path)))
    }

    /// An application reaching a share through app printing (not with an administrator's reach): only a share
    /// granted to it.
    pub(crate) async fn ensure_app_granted(&self, caller: &Caller, share: &Share) -> Result<()> {
        let app_id = caller.app_id.as_deref().unwrap_or_default().to_ascii_lowercase();
        if !app_id.is_empty()
            && self
                .store
                .app_print_grant_exists(&caller.tenant_id, &app_id, &share.id)
                .await?
        {
            return Ok(());
        }
        Err(AppError::Forbidden(
            "The application is not granted printing on this printer share; an administrator grants it under \
             /platen/app-printing/grants."
                .into(),
        ))
    }

    pub async fn app_printing(&self, caller: &Caller) -> Result<AppPrinting> {
        Ok(AppPrinting {
            enabled: self.store.app_printing_enabled(&caller.tenant_id).await?,
            grants: self.store.list_app_print_grants(&caller.tenant_id).await?,
        })
    }

    pub async fn set_app_printing(&self, caller: &Caller, enabled: bool) -> Result<()> {
        Ok(self
            .store
            .set_app_printing(&caller.tenant_id, enabled, now_micros())
            .await?)
    }

    /// Lets the app with client id `app_id` print on a share of the tenant (404 for an unknown share, 409 for a
    /// grant that exists).
    pub async fn grant_app_printing(
        &self,
        caller: &Caller,
        app_id: &str,
        share_id: &str,
    ) -> Result<AppPrintGrant> {
        let app_id = app_id.trim().to_ascii_lowercase();
        if app_id.is_empty() || app_id.len() > 128 {
            return Err(AppError::bad_request("appId must be an application (client) id."));
        }
        let share = self.existing_share(caller, share_id).await?;
        let grant = AppPrintGrant {
            tenant_id: caller.tenant_id.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            app_id,
            share_id: share.id,
            granted_by: actor(caller),
            granted_at: now_micros(),
        };
        self.store.create_app_print_grant(&grant).await?;
        Ok(grant)
    }

    pub async fn revoke_app_printing(&self, caller: &Caller, grant_id: &str) -> Result<()> {
        if self
            .store
            .delete_app_print_grant(&caller.tenant_id, grant_id)
            .await?
        {
            Ok(())
        } else {
            Err(AppError::not_found("app printing grant"))
        }
    }
}
