//! App printing (the tenant's switch, the apps' share grants) and print policies.

use super::bind::{audited, b, placeholders};
use super::rows;
use super::{SqlStore, conflict_on_unique};
use crate::{PolicyStore, Result, StoreError};
use async_trait::async_trait;
use platen_domain::print_policy::{PolicyTarget, PrintPolicy};
use platen_domain::records::AppPrintGrant;
use platen_domain::time::Micros;
use sqlx::any::AnyRow;

const GRANT_COLUMNS: &str = "tenant_id, id, app_id, share_id, granted_by, granted_at";
const POLICY_COLUMNS: &str = "tenant_id, id, display_name, printer_id, group_id, force_monochrome, \
    force_duplex, max_document_bytes, max_pages, created_at";

fn grant(r: &AnyRow) -> Result<AppPrintGrant> {
    Ok(AppPrintGrant {
        tenant_id: rows::id(r, "tenant_id")?,
        id: rows::text(r, "id")?,
        app_id: rows::text(r, "app_id")?,
        share_id: rows::id(r, "share_id")?,
        granted_by: rows::text(r, "granted_by")?,
        granted_at: rows::int(r, "granted_at")?,
    })
}

fn policy(r: &AnyRow) -> Result<PrintPolicy> {
    let target = match (rows::opt_text(r, "printer_id")?, rows::opt_text(r, "group_id")?) {
        (Some(p), None) => PolicyTarget::Printer(p.into()),
        (None, Some(g)) => PolicyTarget::Group(g),
        _ => {
            return Err(StoreError::Corrupt(
                "a print policy needs exactly one of printer_id, group_id".into(),
            ));
        }
    };
    Ok(PrintPolicy {
        tenant_id: rows::id(r, "tenant_id")?,
        id: rows::text(r, "id")?,
        display_name: rows::text(r, "display_name")?,
        target,
        force_monochrome: rows::flag(r, "force_monochrome")?,
        force_duplex: rows::flag(r, "force_duplex")?,
        max_document_bytes: rows::opt_int(r, "max_document_bytes")?,
        max_pages: rows::opt_int(r, "max_pages")?,
        created_at: rows::int(r, "created_at")?,
    })
}

#[async_trait]
impl PolicyStore for SqlStore {
    async fn app_printing_enabled(&self, tenant: &str) -> Result<bool> {
        let enabled: Option<i64> =
            sqlx::query_scalar("SELECT enabled FROM app_printing WHERE tenant_id = $1")
                .bind(tenant)
                .fetch_optional(&self.read)
                .await?;
        Ok(enabled.is_some_and(|e| e != 0))
    }

    async fn set_app_printing(&self, tenant: &str, enabled: bool, at: Micros) -> Result<()> {
        sqlx::query(
            "INSERT INTO app_printing (tenant_id, enabled, updated_at) VALUES ($1,$2,$3) \
             ON CONFLICT (tenant_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at",
        )
        .bind(tenant)
        .bind(b(enabled))
        .bind(at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn create_app_print_grant(&self, g: &AppPrintGrant) -> Result<()> {
        sqlx::query(audited(&format!(
            "INSERT INTO app_print_grants ({GRANT_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6)"
        )))
        .bind(g.tenant_id.as_str())
        .bind(&g.id)
        .bind(&g.app_id)
        .bind(g.share_id.as_str())
        .bind(&g.granted_by)
        .bind(g.granted_at)
        .execute(&self.write)
        .await
        .map_err(|e| conflict_on_unique(e, "The app may already print on this share."))?;
        Ok(())
    }

    async fn list_app_print_grants(&self, tenant: &str) -> Result<Vec<AppPrintGrant>> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM app_print_grants WHERE tenant_id = $1 ORDER BY granted_at, id"
        );
        let found = sqlx::query(audited(&sql))
            .bind(tenant)
            .fetch_all(&self.read)
            .await?;
        found.iter().map(grant).collect()
    }

    async fn delete_app_print_grant(&self, tenant: &str, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM app_print_grants WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn app_print_grant_exists(&self, tenant: &str, app_id: &str, share_id: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM app_print_grants WHERE tenant_id = $1 AND app_id = $2 AND share_id = $3",
        )
        .bind(tenant)
        .bind(app_id)
        .bind(share_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(found.is_some())
    }

    async fn create_print_policy(&self, p: &PrintPolicy) -> Result<()> {
        let (printer, group) = match &p.target {
            PolicyTarget::Printer(id) => (Some(id.as_str()), None),
            PolicyTarget::Group(g) => (None, Some(g.as_str())),
        };
        sqlx::query(audited(&format!(
            "INSERT INTO print_policies ({POLICY_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
        )))
        .bind(p.tenant_id.as_str())
        .bind(&p.id)
        .bind(&p.display_name)
        .bind(printer)
        .bind(group)
        .bind(b(p.force_monochrome))
        .bind(b(p.force_duplex))
        .bind(p.max_document_bytes)
        .bind(p.max_pages)
        .bind(p.created_at)
        .execute(&self.write)
        .await
        .map_err(|e| conflict_on_unique(e, "A print policy with this id already exists."))?;
        Ok(())
    }

    async fn list_print_policies(&self, tenant: &str) -> Result<Vec<PrintPolicy>> {
        let sql = format!(
            "SELECT {POLICY_COLUMNS} FROM print_policies WHERE tenant_id = $1 ORDER BY created_at, id"
        );
        let found = sqlx::query(audited(&sql))
            .bind(tenant)
            .fetch_all(&self.read)
            .await?;
        found.iter().map(policy).collect()
    }

    async fn get_print_policy(&self, tenant: &str, id: &str) -> Result<Option<PrintPolicy>> {
        let sql = format!("SELECT {POLICY_COLUMNS} FROM print_policies WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(policy).transpose()
    }

    async fn delete_print_policy(&self, tenant: &str, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM print_policies WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn policies_for_job(
        &self,
        tenant: &str,
        printer_id: &str,
        groups: &[String],
    ) -> Result<Vec<PrintPolicy>> {
        // Two index lookups joined by OR; a token carries at most a few hundred groups.
        let by_group = if groups.is_empty() {
            String::new()
        } else {
            format!(" OR group_id IN ({})", placeholders(3, groups.len()))
        };
        let sql = format!(
            "SELECT {POLICY_COLUMNS} FROM print_policies WHERE tenant_id = $1 AND (printer_id = $2{by_group}) \
             ORDER BY created_at, id"
        );
        let mut q = sqlx::query(audited(&sql)).bind(tenant).bind(printer_id);
        for g in groups {
            q = q.bind(g.as_str());
        }
        let found = q.fetch_all(&self.read).await?;
        found.iter().map(policy).collect()
    }
}
