//! The web console's sign-in sessions: one lookup by the SHA-256 of the cookie's secret per page.

use super::bind::audited;
use super::rows;
use super::{SqlStore, conflict_on_unique};
use crate::{ConsoleSessionStore, Result, StoreError};
use async_trait::async_trait;
use platen_domain::records::ConsoleSession;
use platen_domain::time::Micros;
use sqlx::any::AnyRow;

const COLUMNS: &str = "id_hash, tenant_id, user_id, user_principal_name, display_name, group_ids, \
    directory_roles, issuer, created_at, expires_at";

fn string_list(r: &AnyRow, col: &str) -> Result<Vec<String>> {
    serde_json::from_value(rows::json(r, col)?).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn console_session(r: &AnyRow) -> Result<ConsoleSession> {
    Ok(ConsoleSession {
        id_hash: rows::text(r, "id_hash")?,
        tenant_id: rows::id(r, "tenant_id")?,
        user_id: rows::text(r, "user_id")?,
        user_principal_name: rows::opt_text(r, "user_principal_name")?,
        display_name: rows::opt_text(r, "display_name")?,
        groups: string_list(r, "group_ids")?,
        directory_roles: string_list(r, "directory_roles")?,
        issuer: rows::text(r, "issuer")?,
        created_at: rows::int(r, "created_at")?,
        expires_at: rows::int(r, "expires_at")?,
    })
}

#[async_trait]
impl ConsoleSessionStore for SqlStore {
    async fn create_console_session(&self, s: &ConsoleSession) -> Result<()> {
        sqlx::query(audited(&format!(
            "INSERT INTO console_sessions ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
        )))
        .bind(&s.id_hash)
        .bind(s.tenant_id.as_str())
        .bind(&s.user_id)
        .bind(&s.user_principal_name)
        .bind(&s.display_name)
        .bind(serde_json::Value::from(s.groups.clone()).to_string())
        .bind(serde_json::Value::from(s.directory_roles.clone()).to_string())
        .bind(&s.issuer)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&self.write)
        .await
        .map_err(|e| conflict_on_unique(e, "A console session with this id already exists."))?;
        Ok(())
    }

    async fn get_console_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>> {
        let sql = format!("SELECT {COLUMNS} FROM console_sessions WHERE id_hash = $1");
        let row = sqlx::query(audited(&sql))
            .bind(id_hash)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(console_session).transpose()
    }

    async fn delete_console_session(&self, id_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_expired_console_sessions(&self, now: Micros, limit: u32) -> Result<u64> {
        // One bounded batch through the expiry index, so the writer is never held by a long delete.
        let done = sqlx::query(audited(&format!(
            "DELETE FROM console_sessions WHERE id_hash IN \
             (SELECT id_hash FROM console_sessions WHERE expires_at < $1 ORDER BY expires_at LIMIT {})",
            limit.max(1)
        )))
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }
}
