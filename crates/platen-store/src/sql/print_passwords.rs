//! Print passwords: looked up by (tenant, id) at login, listed by user for their owner.

use super::bind::audited;
use super::rows;
use super::{SqlStore, conflict_on_unique};
use crate::{PrintPasswordStore, Result, StoreError};
use async_trait::async_trait;
use platen_domain::records::PrintPassword;
use platen_domain::time::Micros;
use sqlx::any::AnyRow;

const COLUMNS: &str = "tenant_id, id, user_id, user_principal_name, display_name, group_ids, label, \
    password_hash, created_at, last_used_at";

fn print_password(r: &AnyRow) -> Result<PrintPassword> {
    let groups: Vec<String> = serde_json::from_value(rows::json(r, "group_ids")?)
        .map_err(|e| StoreError::Corrupt(format!("group_ids: {e}")))?;
    Ok(PrintPassword {
        tenant_id: rows::id(r, "tenant_id")?,
        id: rows::text(r, "id")?,
        user_id: rows::text(r, "user_id")?,
        user_principal_name: rows::text(r, "user_principal_name")?,
        display_name: rows::opt_text(r, "display_name")?,
        groups,
        label: rows::text(r, "label")?,
        password_hash: rows::text(r, "password_hash")?,
        created_at: rows::int(r, "created_at")?,
        last_used_at: rows::opt_int(r, "last_used_at")?,
    })
}

#[async_trait]
impl PrintPasswordStore for SqlStore {
    async fn create_print_password(&self, p: &PrintPassword) -> Result<()> {
        sqlx::query(audited(&format!(
            "INSERT INTO print_passwords ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
        )))
        .bind(p.tenant_id.as_str())
        .bind(&p.id)
        .bind(&p.user_id)
        .bind(&p.user_principal_name)
        .bind(&p.display_name)
        .bind(serde_json::Value::from(p.groups.clone()).to_string())
        .bind(&p.label)
        .bind(&p.password_hash)
        .bind(p.created_at)
        .bind(p.last_used_at)
        .execute(&self.write)
        .await
        .map_err(|e| conflict_on_unique(e, "A print password with this id already exists."))?;
        Ok(())
    }

    async fn get_print_password(&self, tenant: &str, id: &str) -> Result<Option<PrintPassword>> {
        let sql = format!("SELECT {COLUMNS} FROM print_passwords WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(print_password).transpose()
    }

    async fn list_print_passwords(&self, tenant: &str, user_id: &str) -> Result<Vec<PrintPassword>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM print_passwords WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at, id"
        );
        let rows = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(user_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(print_password).collect()
    }

    async fn delete_print_password(&self, tenant: &str, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM print_passwords WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn touch_print_password(&self, tenant: &str, id: &str, at: Micros) -> Result<()> {
        // Conditional, so that nodes (or a late writer) never move the time backwards.
        sqlx::query(
            "UPDATE print_passwords SET last_used_at = $3 \
             WHERE tenant_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(tenant)
        .bind(id)
        .bind(at)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
