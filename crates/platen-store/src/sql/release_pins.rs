//! Release PINs: the argon2 hash of each user's PIN for secure release's station, found by UPN.

use super::SqlStore;
use super::bind::audited;
use super::rows;
use crate::{ReleasePinStore, Result};
use async_trait::async_trait;
use platen_domain::secure_release::ReleasePin;
use sqlx::any::AnyRow;

const COLUMNS: &str = "tenant_id, user_id, upn, display_name, pin_hash, updated_at";

fn pin(r: &AnyRow) -> Result<ReleasePin> {
    Ok(ReleasePin {
        tenant_id: rows::id(r, "tenant_id")?,
        user_id: rows::text(r, "user_id")?,
        upn: rows::text(r, "upn")?,
        display_name: rows::opt_text(r, "display_name")?,
        pin_hash: rows::text(r, "pin_hash")?,
        updated_at: rows::int(r, "updated_at")?,
    })
}

impl SqlStore {
    async fn one_pin(&self, tenant: &str, column: &str, value: &str) -> Result<Option<ReleasePin>> {
        let sql = format!("SELECT {COLUMNS} FROM release_pins WHERE tenant_id = $1 AND {column} = $2");
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(value)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(pin).transpose()
    }
}

#[async_trait]
impl ReleasePinStore for SqlStore {
    async fn put_release_pin(&self, p: &ReleasePin) -> Result<()> {
        // A UPN moves with its user: a row of another user holding the same UPN (renamed since) gives way.
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM release_pins WHERE tenant_id = $1 AND upn = $2 AND user_id <> $3")
            .bind(p.tenant_id.as_str())
            .bind(&p.upn)
            .bind(&p.user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(audited(&format!(
            "INSERT INTO release_pins ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6) \
             ON CONFLICT (tenant_id, user_id) DO UPDATE SET upn = excluded.upn, \
             display_name = excluded.display_name, pin_hash = excluded.pin_hash, updated_at = excluded.updated_at"
        )))
        .bind(p.tenant_id.as_str())
        .bind(&p.user_id)
        .bind(&p.upn)
        .bind(&p.display_name)
        .bind(&p.pin_hash)
        .bind(p.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn release_pin_by_upn(&self, tenant: &str, upn: &str) -> Result<Option<ReleasePin>> {
        self.one_pin(tenant, "upn", &upn.to_ascii_lowercase()).await
    }

    async fn release_pin_of(&self, tenant: &str, user_id: &str) -> Result<Option<ReleasePin>> {
        self.one_pin(tenant, "user_id", user_id).await
    }

    async fn delete_release_pin(&self, tenant: &str, user_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM release_pins WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant)
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
