//! Tenant settings and connectors.

use super::SqlStore;
use super::bind::audited;
use super::bind::b;
use super::list::Collection;
use super::rows::{self, to_json};
use crate::{ListQuery, Page, Result, StoreError, fields};
use platen_domain::records::{Connector, PrintSettings};
use platen_odata::SqlValue;

pub(crate) async fn get_settings(s: &SqlStore, tenant: &str) -> Result<Option<PrintSettings>> {
    let row = sqlx::query(
        "SELECT document_conversion_enabled, printer_discovery_settings FROM print_settings WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(&s.read)
    .await?;
    row.map(|r| {
        Ok(PrintSettings {
            document_conversion_enabled: rows::flag(&r, "document_conversion_enabled")?,
            printer_discovery_settings: rows::json(&r, "printer_discovery_settings")?,
        })
    })
    .transpose()
}

pub(crate) async fn put_settings(s: &SqlStore, tenant: &str, v: &PrintSettings) -> Result<()> {
    sqlx::query(
        "INSERT INTO print_settings (tenant_id, document_conversion_enabled, printer_discovery_settings) \
         VALUES ($1,$2,$3) ON CONFLICT (tenant_id) DO UPDATE SET \
         document_conversion_enabled = excluded.document_conversion_enabled, \
         printer_discovery_settings = excluded.printer_discovery_settings",
    )
    .bind(tenant)
    .bind(b(v.document_conversion_enabled))
    .bind(to_json(&v.printer_discovery_settings))
    .execute(&s.write)
    .await?;
    Ok(())
}

const CONNECTOR_COLUMNS: &str = "c.tenant_id, c.id, c.display_name, c.fully_qualified_domain_name, \
    c.operating_system, c.app_version, c.location, c.registered_at, c.last_connection_at";

pub(crate) async fn create_connector(s: &SqlStore, c: &Connector) -> Result<()> {
    sqlx::query(
        "INSERT INTO connectors (tenant_id, id, display_name, fully_qualified_domain_name, operating_system, \
         app_version, location, registered_at, last_connection_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(&c.tenant_id)
    .bind(&c.id)
    .bind(&c.display_name)
    .bind(&c.fully_qualified_domain_name)
    .bind(&c.operating_system)
    .bind(&c.app_version)
    .bind(to_json(&c.location))
    .bind(c.registered_at)
    .bind(c.last_connection_at)
    .execute(&s.write)
    .await?;
    Ok(())
}

pub(crate) async fn list_connectors(s: &SqlStore, tenant: &str, q: &ListQuery) -> Result<Page<Connector>> {
    let coll = Collection {
        columns: CONNECTOR_COLUMNS,
        from: "connectors c",
        scope: vec!["c.tenant_id = $1".into()],
        params: vec![SqlValue::Text(tenant.into())],
        fields: &fields::CONNECTORS,
    };
    s.list_page(coll, q, rows::connector).await
}

pub(crate) async fn get_connector(s: &SqlStore, tenant: &str, id: &str) -> Result<Option<Connector>> {
    let sql = format!("SELECT {CONNECTOR_COLUMNS} FROM connectors c WHERE c.tenant_id = $1 AND c.id = $2");
    let row = sqlx::query(audited(&sql))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&s.read)
        .await?;
    row.as_ref().map(rows::connector).transpose()
}

pub(crate) async fn update_connector(s: &SqlStore, c: &Connector) -> Result<()> {
    let done = sqlx::query(
        "UPDATE connectors SET display_name=$3, fully_qualified_domain_name=$4, operating_system=$5, \
         app_version=$6, location=$7, last_connection_at=$8 WHERE tenant_id=$1 AND id=$2",
    )
    .bind(&c.tenant_id)
    .bind(&c.id)
    .bind(&c.display_name)
    .bind(&c.fully_qualified_domain_name)
    .bind(&c.operating_system)
    .bind(&c.app_version)
    .bind(to_json(&c.location))
    .bind(c.last_connection_at)
    .execute(&s.write)
    .await?;
    if done.rows_affected() == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub(crate) async fn delete_connector(s: &SqlStore, tenant: &str, id: &str) -> Result<bool> {
    let mut tx = s.write.begin().await?;
    sqlx::query("UPDATE printers SET connector_id = NULL WHERE tenant_id = $1 AND connector_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query("DELETE FROM connectors WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}
