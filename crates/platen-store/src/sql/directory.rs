//! The small directory of users and groups, filled from tokens seen and from share access lists.

use super::SqlStore;
use crate::Result;
use platen_domain::records::{DirectoryGroup, DirectoryUser};
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

pub(crate) async fn upsert_user(s: &SqlStore, tenant: &str, u: &DirectoryUser) -> Result<()> {
    let mut tx = s.write.begin().await?;
    upsert_user_in(&mut tx, tenant, u).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn upsert_group(s: &SqlStore, tenant: &str, g: &DirectoryGroup) -> Result<()> {
    let mut tx = s.write.begin().await?;
    upsert_group_in(&mut tx, tenant, g).await?;
    tx.commit().await?;
    Ok(())
}
