//! Tenant settings, and the small directory of users and groups, filled from tokens seen and from share access
//! lists.

use super::SqlStore;
use super::bind::b;
use super::rows::{self, to_json};
use crate::{Result, SettingsStore};
use async_trait::async_trait;
use platen_domain::records::{DirectoryGroup, DirectoryUser, PrintSettings};
use platen_domain::time::now_micros;
use sqlx::Any;

pub(crate) async fn upsert_user_in(
    tx: &mut sqlx::Transaction<'_, Any>,
    tenant: &str,
    u: &DirectoryUser,
) -> Result<()> {
    // Keep known names when the caller only knows the id (a `$ref` add names nothing but the id).
    sqlx::query(
        "INSERT INTO directory_users (tenant_id, id, display_name, user_principal_name, updated_at) \
         VALUES ($1,$2,$3,$4,$5) ON CONFLICT (tenant_id, id) DO UPDATE SET \
         display_name = COALESCE(excluded.display_name, directory_users.display_name), \
         user_principal_name = COALESCE(excluded.user_principal_name, directory_users.user_principal_name), \
         updated_at = excluded.updated_at",
    )
    .bind(tenant)
    .bind(u.id.to_ascii_lowercase())
    .bind(&u.display_name)
    .bind(&u.user_principal_name)
    .bind(now_micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_group_in(
    tx: &mut sqlx::Transaction<'_, Any>,
    tenant: &str,
    g: &DirectoryGroup,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO directory_groups (tenant_id, id, display_name, updated_at) VALUES ($1,$2,$3,$4) \
         ON CONFLICT (tenant_id, id) DO UPDATE SET \
         display_name = COALESCE(excluded.display_name, directory_groups.display_name), updated_at = excluded.updated_at",
    )
    .bind(tenant)
    .bind(g.id.to_ascii_lowercase())
    .bind(&g.display_name)
    .bind(now_micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl SettingsStore for SqlStore {
    async fn upsert_user(&self, tenant: &str, u: &DirectoryUser) -> Result<()> {
        let mut tx = self.write.begin().await?;
        upsert_user_in(&mut tx, tenant, u).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn upsert_group(&self, tenant: &str, g: &DirectoryGroup) -> Result<()> {
        let mut tx = self.write.begin().await?;
        upsert_group_in(&mut tx, tenant, g).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_settings(&self, tenant: &str) -> Result<Option<PrintSettings>> {
        let row = sqlx::query(
            "SELECT document_conversion_enabled, printer_discovery_settings FROM print_settings WHERE tenant_id = $1",
        )
        .bind(tenant)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(PrintSettings {
                document_conversion_enabled: rows::flag(&r, "document_conversion_enabled")?,
                printer_discovery_settings: rows::json(&r, "printer_discovery_settings")?,
            })
        })
        .transpose()
    }

    async fn put_settings(&self, tenant: &str, v: &PrintSettings) -> Result<()> {
        sqlx::query(
            "INSERT INTO print_settings (tenant_id, document_conversion_enabled, printer_discovery_settings) \
             VALUES ($1,$2,$3) ON CONFLICT (tenant_id) DO UPDATE SET \
             document_conversion_enabled = excluded.document_conversion_enabled, \
             printer_discovery_settings = excluded.printer_discovery_settings",
        )
        .bind(tenant)
        .bind(b(v.document_conversion_enabled))
        .bind(to_json(&v.printer_discovery_settings))
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
