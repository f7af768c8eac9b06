//! Connectors: the on-premises agents that register and serve printers.

use super::SqlStore;
use super::bind::audited;
use super::list::Collection;
use super::rows::{self, to_json};
use crate::{ConnectorStore, ListQuery, Page, Result, StoreError, fields};
use async_trait::async_trait;
use platen_domain::records::Connector;
use platen_odata::SqlValue;

const CONNECTOR_COLUMNS: &str = "c.tenant_id, c.id, c.display_name, c.fully_qualified_domain_name, \
    c.operating_system, c.app_version, c.location, c.registered_at, c.last_connection_at";

#[async_trait]
impl ConnectorStore for SqlStore {
    async fn create_connector(&self, c: &Connector) -> Result<()> {
        sqlx::query(
            "INSERT INTO connectors (tenant_id, id, display_name, fully_qualified_domain_name, operating_system, \
             app_version, location, registered_at, last_connection_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(c.tenant_id.as_str())
        .bind(&c.id)
        .bind(&c.display_name)
        .bind(&c.fully_qualified_domain_name)
        .bind(&c.operating_system)
        .bind(&c.app_version)
        .bind(to_json(&c.location))
        .bind(c.registered_at)
        .bind(c.last_connection_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn list_connectors(&self, tenant: &str, q: &ListQuery) -> Result<Page<Connector>> {
        let coll = Collection {
            columns: CONNECTOR_COLUMNS,
            from: "connectors c",
            scope: vec!["c.tenant_id = $1".into()],
            params: vec![SqlValue::Text(tenant.into())],
            fields: &fields::CONNECTORS,
        };
        self.list_page(coll, q, |row| rows::connector(row)).await
    }

    async fn get_connector(&self, tenant: &str, id: &str) -> Result<Option<Connector>> {
        let sql =
            format!("SELECT {CONNECTOR_COLUMNS} FROM connectors c WHERE c.tenant_id = $1 AND c.id = $2");
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(rows::connector).transpose()
    }

    async fn update_connector(&self, c: &Connector) -> Result<()> {
        let done = sqlx::query(
            "UPDATE connectors SET display_name=$3, fully_qualified_domain_name=$4, operating_system=$5, \
             app_version=$6, location=$7, last_connection_at=$8 WHERE tenant_id=$1 AND id=$2",
        )
        .bind(c.tenant_id.as_str())
        .bind(&c.id)
        .bind(&c.display_name)
        .bind(&c.fully_qualified_domain_name)
        .bind(&c.operating_system)
        .bind(&c.app_version)
        .bind(to_json(&c.location))
        .bind(c.last_connection_at)
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn delete_connector(&self, tenant: &str, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
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
        self.shares_written(); // its printers' connector
        Ok(done.rows_affected() > 0)
    }
}
