//! Printers and their registration operations.

use super::bind::b;
use super::bind::{audited, placeholders};
use super::exec::params;
use super::list::Collection;
use super::rows::{self, PRINTER_COLUMNS, to_json};
use super::{SqlStore, conflict_on_unique};
use crate::{ListQuery, Page, PrinterStore, Result, StoreError, fields};
use async_trait::async_trait;
use platen_domain::records::{Printer, PrinterOperation};
use platen_odata::SqlValue;

#[async_trait]
impl PrinterStore for SqlStore {
    async fn create_printer(&self, p: &Printer, op: &PrinterOperation) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO printers (tenant_id, id, display_name, manufacturer, model, is_accepting_jobs, status_state, \
             status_details, status_description, location, defaults, factory_defaults, capabilities, registered_at, \
             has_physical_device, physical_device_id, last_seen_at, connector_id, registered_by_app, certificate) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)",
        )
        .bind(p.tenant_id.as_str())
        .bind(p.id.as_str())
        .bind(&p.display_name)
        .bind(&p.manufacturer)
        .bind(&p.model)
        .bind(p.is_accepting_jobs.map(b))
        .bind(&p.status_state)
        .bind(serde_json::to_string(&p.status_details).unwrap_or_else(|_| "[]".into()))
        .bind(&p.status_description)
        .bind(to_json(&p.location))
        .bind(to_json(&p.defaults))
        .bind(to_json(&p.factory_defaults))
        .bind(to_json(&p.capabilities))
        .bind(p.registered_at)
        .bind(b(p.has_physical_device))
        .bind(&p.physical_device_id)
        .bind(p.last_seen_at)
        .bind(&p.connector_id)
        .bind(&p.registered_by_app)
        .bind(&p.certificate)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_on_unique(e, "a printer with this id already exists"))?;
        sqlx::query(
            "INSERT INTO printer_operations (tenant_id, id, created_at, state, description, certificate, printer_id) \
             VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(op.tenant_id.as_str())
        .bind(&op.id)
        .bind(op.created_at)
        .bind(&op.state)
        .bind(&op.description)
        .bind(&op.certificate)
        .bind(op.printer_id.as_deref())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.shares_written();
        Ok(())
    }

    async fn get_operation(&self, tenant: &str, id: &str) -> Result<Option<PrinterOperation>> {
        let row = sqlx::query(
            "SELECT tenant_id, id, created_at, state, description, certificate, printer_id FROM printer_operations \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(rows::operation).transpose()
    }

    async fn printers_by_ids(&self, tenant: &str, ids: &[&str]) -> Result<Vec<Printer>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let placeholders = placeholders(2, ids.len());
        let sql = format!(
            "SELECT {PRINTER_COLUMNS} FROM printers p WHERE p.tenant_id = $1 AND p.id IN ({})",
            placeholders
        );
        let mut q = sqlx::query(audited(&sql)).bind(tenant);
        for id in ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter().map(rows::printer).collect()
    }

    async fn get_printer(&self, tenant: &str, id: &str) -> Result<Option<Printer>> {
        let sql = format!("SELECT {PRINTER_COLUMNS} FROM printers p WHERE p.tenant_id = $1 AND p.id = $2");
        self.lookup(&sql, params![tenant, id], |row| rows::printer(row))
            .await
    }

    async fn list_printers(&self, tenant: &str, q: &ListQuery) -> Result<Page<Printer>> {
        let coll = Collection {
            columns: PRINTER_COLUMNS,
            from: "printers p",
            scope: vec!["p.tenant_id = $1".into()],
            params: vec![SqlValue::Text(tenant.into())],
            fields: fields::printers(self.dialect),
        };
        self.list_page(coll, q, |row| rows::printer(row)).await
    }

    async fn update_printer(&self, p: &Printer) -> Result<()> {
        let done = sqlx::query(
            "UPDATE printers SET display_name=$3, manufacturer=$4, model=$5, is_accepting_jobs=$6, status_state=$7, \
             status_details=$8, status_description=$9, location=$10, defaults=$11, factory_defaults=$12, \
             capabilities=$13, last_seen_at=$14, connector_id=$15, device_attributes=$16 WHERE tenant_id=$1 AND id=$2",
        )
        .bind(p.tenant_id.as_str())
        .bind(p.id.as_str())
        .bind(&p.display_name)
        .bind(&p.manufacturer)
        .bind(&p.model)
        .bind(p.is_accepting_jobs.map(b))
        .bind(&p.status_state)
        .bind(serde_json::to_string(&p.status_details).unwrap_or_else(|_| "[]".into()))
        .bind(&p.status_description)
        .bind(to_json(&p.location))
        .bind(to_json(&p.defaults))
        .bind(to_json(&p.factory_defaults))
        .bind(to_json(&p.capabilities))
        .bind(p.last_seen_at)
        .bind(&p.connector_id)
        .bind((!p.device_attributes.is_null()).then(|| to_json(&p.device_attributes)))
        .execute(&self.write)
        .await?;
        self.shares_written();
        if done.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn delete_printer(&self, tenant: &str, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let shares: Vec<String> =
            sqlx::query_scalar("SELECT id FROM shares WHERE tenant_id = $1 AND printer_id = $2")
                .bind(tenant)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        for share in &shares {
            super::shares::delete_share_rows(&mut tx, tenant, share).await?;
        }
        for table in [
            "device_tokens",
            "ipp_subscriptions",
            "device_events",
            "task_triggers",
            "print_policies",
        ] {
            sqlx::query(audited(&format!(
                "DELETE FROM {table} WHERE tenant_id = $1 AND printer_id = $2"
            )))
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        let done = sqlx::query("DELETE FROM printers WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.shares_written();
        Ok(done.rows_affected() > 0)
    }
}
