//! Shares, their access lists, and per-user usage (viewPoint, recentPrinterShares).

use super::bind::b;
use super::bind::{audited, placeholders};
use super::exec::{Exec, Param, params};
use super::group_commit::BatchedWrite;
use super::list::Collection;
use super::rows::{self, PRINTER_COLUMNS, SHARE_COLUMNS};
use super::{SqlStore, conflict_on_unique};
use crate::{ListQuery, Page, Result, ShareList, ShareStore, ShareView, StoreError, Viewer, fields};
use async_trait::async_trait;
use platen_domain::records::{DirectoryGroup, DirectoryUser, Printer, Share};
use platen_domain::time::Micros;
use platen_odata::{Dialect, SqlValue};
use sqlx::Any;

const ONE_SHARE: &str = "the printer already has a share; Universal Print allows one share per printer";
const FROM_SHARES: &str = "shares s JOIN printers p ON p.tenant_id = s.tenant_id AND p.id = s.printer_id";
/// A share with its printer in one row: the share's columns under names of their own, the printer's under the
/// plain ones (decoded by [`share_with_printer`]).
const SHARE_WITH_PRINTER_COLUMNS: &str = "s.id AS share_id, s.display_name AS share_name, s.allow_all_users, \
    s.created_at AS share_created_at";

fn share_with_printer(row: &dyn rows::Columns) -> Result<(Share, Printer)> {
    let printer = rows::printer(row)?;
    let share = Share {
        tenant_id: printer.tenant_id.clone(),
        id: rows::id(row, "share_id")?,
        printer_id: printer.id.clone(),
        display_name: rows::text(row, "share_name")?,
        allow_all_users: rows::flag(row, "allow_all_users")?,
        created_at: rows::int(row, "share_created_at")?,
    };
    Ok((share, printer))
}

#[async_trait]
impl ShareStore for SqlStore {
    async fn create_share(&self, sh: &Share) -> Result<()> {
        sqlx::query(
            "INSERT INTO shares (tenant_id, id, printer_id, display_name, allow_all_users, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(sh.tenant_id.as_str())
        .bind(sh.id.as_str())
        .bind(sh.printer_id.as_str())
        .bind(&sh.display_name)
        .bind(b(sh.allow_all_users))
        .bind(sh.created_at)
        .execute(&self.write)
        .await
        .map_err(|e| conflict_on_unique(e, ONE_SHARE))?;
        self.shares_written();
        Ok(())
    }

    async fn get_share(&self, tenant: &str, id: &str) -> Result<Option<Share>> {
        let sql = format!("SELECT {SHARE_COLUMNS} FROM shares s WHERE s.tenant_id = $1 AND s.id = $2");
        self.lookup(&sql, params![tenant, id], |row| rows::share(row))
            .await
    }

    async fn find_share(&self, id: &str) -> Result<Option<Share>> {
        let sql = format!("SELECT {SHARE_COLUMNS} FROM shares s WHERE s.id = $1");
        let row = sqlx::query(audited(&sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(rows::share).transpose()
    }

    async fn share_allows_unauthenticated_ipp(&self, tenant: &str, share_id: &str) -> Result<bool> {
        let allowed: Option<i64> = sqlx::query_scalar(
            "SELECT allow_unauthenticated FROM share_ipp_settings WHERE tenant_id = $1 AND share_id = $2",
        )
        .bind(tenant)
        .bind(share_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(allowed.unwrap_or(0) != 0)
    }

    async fn set_share_allows_unauthenticated_ipp(
        &self,
        tenant: &str,
        share_id: &str,
        allow: bool,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO share_ipp_settings (tenant_id, share_id, allow_unauthenticated) VALUES ($1,$2,$3) \
             ON CONFLICT (tenant_id, share_id) DO UPDATE SET allow_unauthenticated = excluded.allow_unauthenticated",
        )
        .bind(tenant)
        .bind(share_id)
        .bind(i64::from(allow))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn share_of_printer(&self, tenant: &str, printer_id: &str) -> Result<Option<Share>> {
        let sql =
            format!("SELECT {SHARE_COLUMNS} FROM shares s WHERE s.tenant_id = $1 AND s.printer_id = $2");
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(printer_id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(rows::share).transpose()
    }

    async fn list_shares(&self, tenant: &str, viewer: Option<&Viewer>, q: &ListQuery) -> Result<Page<Share>> {
        let mut params = vec![SqlValue::Text(tenant.into())];
        let mut scope = vec!["s.tenant_id = $1".to_string()];
        if let Some(v) = viewer {
            scope.push(visible_condition(v, &mut params));
        }
        let coll = Collection {
            columns: SHARE_COLUMNS,
            from: FROM_SHARES,
            scope,
            params,
            fields: fields::shares(self.dialect),
        };
        self.list_page(coll, q, |row| rows::share(row)).await
    }

    async fn share_visible_to(&self, tenant: &str, share_id: &str, viewer: &Viewer) -> Result<bool> {
        let mut params = vec![SqlValue::Text(tenant.into()), SqlValue::Text(share_id.into())];
        let cond = visible_condition(viewer, &mut params);
        let sql = format!("SELECT COUNT(*) FROM shares s WHERE s.tenant_id = $1 AND s.id = $2 AND {cond}");
        let n: i64 = super::bind::bind_scalar(sqlx::query_scalar(audited(&sql)), &params)
            .fetch_one(&self.read)
            .await?;
        Ok(n > 0)
    }

    async fn update_share(&self, sh: &Share) -> Result<()> {
        let done = sqlx::query(
            "UPDATE shares SET printer_id = $3, display_name = $4, allow_all_users = $5 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(sh.tenant_id.as_str())
        .bind(sh.id.as_str())
        .bind(sh.printer_id.as_str())
        .bind(&sh.display_name)
        .bind(b(sh.allow_all_users))
        .execute(&self.write)
        .await
        .map_err(|e| conflict_on_unique(e, ONE_SHARE))?;
        self.shares_written();
        if done.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn delete_share(&self, tenant: &str, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let gone = delete_share_rows(&mut tx, tenant, id).await?;
        tx.commit().await?;
        self.shares_written();
        Ok(gone)
    }

    async fn add_allowed_user(&self, tenant: &str, share_id: &str, user: &DirectoryUser) -> Result<()> {
        let mut tx = self.write.begin().await?;
        super::directory::upsert_user_in(&mut tx, tenant, user).await?;
        sqlx::query(
            "INSERT INTO share_allowed_users (tenant_id, share_id, user_id) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
        )
        .bind(tenant)
        .bind(share_id)
        .bind(user.id.to_ascii_lowercase())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_allowed_group(&self, tenant: &str, share_id: &str, group: &DirectoryGroup) -> Result<()> {
        let mut tx = self.write.begin().await?;
        super::directory::upsert_group_in(&mut tx, tenant, group).await?;
        sqlx::query(
            "INSERT INTO share_allowed_groups (tenant_id, share_id, group_id) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
        )
        .bind(tenant)
        .bind(share_id)
        .bind(group.id.to_ascii_lowercase())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_allowed_user(&self, tenant: &str, share_id: &str, user_id: &str) -> Result<bool> {
        remove_member(self, ShareList::AllowedUsers, tenant, share_id, user_id).await
    }

    async fn remove_allowed_group(&self, tenant: &str, share_id: &str, group_id: &str) -> Result<bool> {
        remove_member(self, ShareList::AllowedGroups, tenant, share_id, group_id).await
    }

    async fn list_allowed_users(
        &self,
        tenant: &str,
        share_id: &str,
        q: &ListQuery,
    ) -> Result<Page<DirectoryUser>> {
        let coll = Collection {
            columns: "a.user_id AS id, u.display_name, u.user_principal_name",
            from: "share_allowed_users a LEFT JOIN directory_users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id",
            scope: vec!["a.tenant_id = $1".into(), "a.share_id = $2".into()],
            params: vec![SqlValue::Text(tenant.into()), SqlValue::Text(share_id.into())],
            fields: &fields::USERS,
        };
        self.list_page(coll, q, |row| {
            Ok(DirectoryUser {
                id: rows::text(row, "id")?,
                display_name: rows::opt_text(row, "display_name")?,
                user_principal_name: rows::opt_text(row, "user_principal_name")?,
            })
        })
        .await
    }

    async fn list_allowed_groups(
        &self,
        tenant: &str,
        share_id: &str,
        q: &ListQuery,
    ) -> Result<Page<DirectoryGroup>> {
        let coll = Collection {
            columns: "a.group_id AS id, g.display_name",
            from: "share_allowed_groups a LEFT JOIN directory_groups g ON g.tenant_id = a.tenant_id AND g.id = a.group_id",
            scope: vec!["a.tenant_id = $1".into(), "a.share_id = $2".into()],
            params: vec![SqlValue::Text(tenant.into()), SqlValue::Text(share_id.into())],
            fields: &fields::GROUPS,
        };
        self.list_page(coll, q, |row| {
            Ok(DirectoryGroup {
                id: rows::text(row, "id")?,
                display_name: rows::opt_text(row, "display_name")?,
            })
        })
        .await
    }

    async fn share_list_contains(
        &self,
        tenant: &str,
        share_id: &str,
        list: ShareList,
        member_id: &str,
    ) -> Result<bool> {
        let (table, column) = list_table(list);
        let sql = format!("SELECT 1 FROM {table} WHERE tenant_id = $1 AND share_id = $2 AND {column} = $3");
        let found: Option<i32> = sqlx::query_scalar(audited(&sql))
            .bind(tenant)
            .bind(share_id)
            .bind(member_id.to_ascii_lowercase())
            .fetch_optional(&self.read)
            .await?;
        Ok(found.is_some())
    }

    async fn record_share_use(&self, tenant: &str, share_id: &str, user_id: &str, at: Micros) -> Result<()> {
        // With the job it follows (a new job), in the writer's next batch rather than a commit of its own.
        let values = params![tenant, user_id.to_ascii_lowercase(), share_id, at];
        self.batched_write(ShareUse(values)).await?;
        if let Some(cache) = &self.share_cache {
            cache.forget_use(tenant, user_id, share_id);
        }
        Ok(())
    }

    async fn share_last_used(&self, tenant: &str, share_id: &str, user_id: &str) -> Result<Option<Micros>> {
        self.lookup(
            "SELECT last_used_at FROM share_usage WHERE tenant_id = $1 AND user_id = $2 AND share_id = $3",
            params![tenant, user_id.to_ascii_lowercase(), share_id],
            |row| rows::int(row, "last_used_at"),
        )
        .await
    }

    async fn shares_last_used(
        &self,
        tenant: &str,
        share_ids: &[String],
        user_id: &str,
    ) -> Result<Vec<(String, Micros)>> {
        if share_ids.is_empty() {
            return Ok(vec![]);
        }
        // A page is at most a few hundred ids: one placeholder each, through the primary key.
        let placeholders = placeholders(3, share_ids.len());
        let sql = format!(
            "SELECT share_id, last_used_at FROM share_usage WHERE tenant_id = $1 AND user_id = $2 \
             AND share_id IN ({})",
            placeholders
        );
        let mut q = sqlx::query_as(audited(&sql))
            .bind(tenant)
            .bind(user_id.to_ascii_lowercase());
        for id in share_ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(&self.read).await?)
    }

    async fn recent_shares(&self, tenant: &str, viewer: &Viewer, limit: u32) -> Result<Vec<(Share, Micros)>> {
        let mut params = vec![SqlValue::Text(tenant.into())];
        let cond = visible_condition(viewer, &mut params);
        let user = format!("${}", params.len() + 1);
        params.push(SqlValue::Text(viewer.user_id.to_ascii_lowercase()));
        let sql = format!(
            "SELECT {SHARE_COLUMNS}, u.last_used_at FROM share_usage u JOIN shares s ON s.tenant_id = u.tenant_id \
             AND s.id = u.share_id WHERE u.tenant_id = $1 AND u.user_id = {user} AND {cond} \
             ORDER BY u.last_used_at DESC LIMIT {}",
            limit.max(1)
        );
        let rows = super::bind::bind_values(sqlx::query(audited(&sql)), &params)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok((rows::share(r)?, rows::int(r, "last_used_at")?)))
            .collect()
    }

    async fn all_shares_with_printers(&self, limit: u32) -> Result<Vec<(Share, Printer)>> {
        let sql = format!(
            "SELECT {SHARE_WITH_PRINTER_COLUMNS}, {PRINTER_COLUMNS} FROM {FROM_SHARES} \
             ORDER BY s.created_at, s.tenant_id, s.id LIMIT {}",
            limit.max(1)
        );
        let rows = sqlx::query(audited(&sql)).fetch_all(&self.read).await?;
        rows.iter().map(|r| share_with_printer(r)).collect()
    }

    async fn share_view(
        &self,
        tenant: &str,
        id: &str,
        user_id: &str,
        viewer: Option<&Viewer>,
    ) -> Result<Option<ShareView>> {
        let ticket = match &self.share_cache {
            Some(cache) => match cache.view(tenant, id, user_id, viewer.is_some()) {
                Ok(known) => return Ok(Some(known)),
                Err(ticket) => Some(ticket),
            },
            None => None,
        };
        let mut params = vec![
            SqlValue::Text(tenant.into()),
            SqlValue::Text(id.into()),
            SqlValue::Text(user_id.to_ascii_lowercase()),
        ];
        let visible = match viewer {
            Some(v) => visible_condition(v, &mut params),
            None => "1 = 1".into(),
        };
        let sql = format!(
            "SELECT {SHARE_WITH_PRINTER_COLUMNS}, {PRINTER_COLUMNS}, \
             (SELECT u.last_used_at FROM share_usage u WHERE u.tenant_id = s.tenant_id AND u.user_id = $3 \
             AND u.share_id = s.id) AS last_used_at, CASE WHEN {visible} THEN 1 ELSE 0 END AS visible \
             FROM {FROM_SHARES} WHERE s.tenant_id = $1 AND s.id = $2"
        );
        let view = self
            .lookup(&sql, params.iter().map(Param::from).collect(), |row| {
                let (share, printer) = share_with_printer(row)?;
                Ok(ShareView {
                    share,
                    printer,
                    last_used: rows::opt_int(row, "last_used_at")?,
                    visible: rows::flag(row, "visible")?,
                })
            })
            .await?;
        if let (Some(cache), Some(ticket), Some(view)) = (&self.share_cache, ticket, &view) {
            cache.keep(ticket, user_id, view);
        }
        Ok(view)
    }
}

impl SqlStore {
    /// A share or a printer was written, and the write has committed: the share cache forgets what it kept.
    pub(crate) fn shares_written(&self) {
        if let Some(cache) = &self.share_cache {
            cache.forget_shares();
        }
    }
}

/// SQL condition "viewer may use share s", with the viewer's values appended to `params`.
fn visible_condition(viewer: &Viewer, params: &mut Vec<SqlValue>) -> String {
    params.push(SqlValue::Text(viewer.user_id.to_ascii_lowercase()));
    let user = params.len();
    let mut cond = format!(
        "(s.allow_all_users = 1 OR EXISTS (SELECT 1 FROM share_allowed_users a WHERE a.tenant_id = s.tenant_id \
         AND a.share_id = s.id AND a.user_id = ${user})"
    );
    // Tokens carry at most a few hundred groups (Entra caps the claim), so an IN list stays small.
    let groups: Vec<String> = viewer
        .groups
        .iter()
        .take(1000)
        .map(|g| {
            params.push(SqlValue::Text(g.to_ascii_lowercase()));
            format!("${}", params.len())
        })
        .collect();
    if !groups.is_empty() {
        cond.push_str(&format!(
            " OR EXISTS (SELECT 1 FROM share_allowed_groups g WHERE g.tenant_id = s.tenant_id AND g.share_id = s.id \
             AND g.group_id IN ({}))",
            groups.join(",")
        ));
    }
    cond.push(')');
    cond
}

pub(crate) async fn delete_share_rows(
    tx: &mut sqlx::Transaction<'_, Any>,
    tenant: &str,
    id: &str,
) -> Result<bool> {
    for table in [
        "share_allowed_users",
        "share_allowed_groups",
        "share_usage",
        "share_ipp_settings",
        "app_print_grants",
    ] {
        sqlx::query(audited(&format!(
            "DELETE FROM {table} WHERE tenant_id = $1 AND share_id = $2"
        )))
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    let done = sqlx::query("DELETE FROM shares WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes one user or group (`column` of `table`) from a share's access list.
/// The table holding `list` and its member column (ids stored lower-cased).
fn list_table(list: ShareList) -> (&'static str, &'static str) {
    match list {
        ShareList::AllowedUsers => ("share_allowed_users", "user_id"),
        ShareList::AllowedGroups => ("share_allowed_groups", "group_id"),
    }
}

async fn remove_member(
    s: &SqlStore,
    list: ShareList,
    tenant: &str,
    share_id: &str,
    id: &str,
) -> Result<bool> {
    let (table, column) = list_table(list);
    let sql = format!("DELETE FROM {table} WHERE tenant_id = $1 AND share_id = $2 AND {column} = $3");
    let done = sqlx::query(audited(&sql))
        .bind(tenant)
        .bind(share_id)
        .bind(id.to_ascii_lowercase())
        .execute(&s.write)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A user's last use of a share: (tenant, user, share, at).
#[derive(Clone)]
struct ShareUse(Vec<Param>);

impl BatchedWrite for ShareUse {
    type Out = ();
    async fn run<E: Exec>(&self, conn: &mut E, _: Dialect) -> Result<()> {
        conn.execute(
            "INSERT INTO share_usage (tenant_id, user_id, share_id, last_used_at) VALUES ($1,$2,$3,$4) \
             ON CONFLICT (tenant_id, user_id, share_id) DO UPDATE SET last_used_at = excluded.last_used_at",
            self.0.clone(),
        )
        .await?;
        Ok(())
    }
}
