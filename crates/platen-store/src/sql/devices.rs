//! The device side: device tokens, IPP subscriptions and the per-printer event log devices long-poll.

use super::SqlStore;
use super::bind::audited;
use super::exec::{Exec, params};
use super::rows;
use crate::{DeviceStore, Result, StoreError};
use async_trait::async_trait;
use platen_domain::JobId;
use platen_domain::job::effects::DeviceNotice;
use platen_domain::records::{DeviceEvent, IppSubscription, Job};
use platen_domain::time::{Micros, now_micros};

#[async_trait]
impl DeviceStore for SqlStore {
    async fn printer_tenant(&self, printer_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT tenant_id FROM printers WHERE id = $1")
            .bind(printer_id)
            .fetch_optional(&self.read)
            .await?)
    }

    async fn create_device_token(
        &self,
        hash: &str,
        tenant: &str,
        printer: &str,
        expires_at: Micros,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        // Expired tokens of this printer go as new ones arrive, so the table stays small without a sweeper.
        sqlx::query("DELETE FROM device_tokens WHERE tenant_id = $1 AND printer_id = $2 AND expires_at < $3")
            .bind(tenant)
            .bind(printer)
            .bind(now_micros())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO device_tokens (token_sha256, tenant_id, printer_id, expires_at) VALUES ($1,$2,$3,$4)",
        )
        .bind(hash)
        .bind(tenant)
        .bind(printer)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn device_token(&self, hash: &str) -> Result<Option<(String, String, Micros)>> {
        let row = sqlx::query(
            "SELECT tenant_id, printer_id, expires_at FROM device_tokens WHERE token_sha256 = $1",
        )
        .bind(hash)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok((
                rows::text(&r, "tenant_id")?,
                rows::text(&r, "printer_id")?,
                rows::int(&r, "expires_at")?,
            ))
        })
        .transpose()
    }

    async fn device_events(
        &self,
        tenant: &str,
        printer: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DeviceEvent>> {
        let sql = format!(
            "SELECT id, printer_id, event, job_id, job_state, created_at FROM device_events WHERE tenant_id = $1 \
             AND printer_id = $2 AND id > $3 ORDER BY id LIMIT {}",
            limit.max(1)
        );
        let rows = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(printer)
            .bind(after)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DeviceEvent {
                    id: rows::int(r, "id")?,
                    printer_id: rows::id(r, "printer_id")?,
                    event: rows::text(r, "event")?,
                    job_id: rows::job_id(r, "job_id")?,
                    job_state: i32::try_from(rows::int(r, "job_state")?).unwrap_or_default(),
                    created_at: rows::int(r, "created_at")?,
                })
            })
            .collect()
    }

    async fn last_device_event_id(&self, tenant: &str, printer: &str) -> Result<i64> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT MAX(id) FROM device_events WHERE tenant_id = $1 AND printer_id = $2")
                .bind(tenant)
                .bind(printer)
                .fetch_one(&self.read)
                .await?;
        Ok(id.unwrap_or(0))
    }

    async fn create_ipp_subscription(&self, x: &IppSubscription) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO ipp_subscriptions (tenant_id, printer_id, events, lease_expires_at, created_at, owner_id, \
             job_id) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
        )
        .bind(x.tenant_id.as_str())
        .bind(x.printer_id.as_str())
        .bind(x.events.join(","))
        .bind(x.lease_expires_at)
        .bind(x.created_at)
        .bind(&x.owner_id)
        .bind(x.job_id.map(|j| j.get()))
        .fetch_one(&self.write)
        .await?)
    }

    async fn get_ipp_subscription(&self, tenant: &str, id: i64) -> Result<Option<IppSubscription>> {
        let row = sqlx::query(
            "SELECT tenant_id, id, printer_id, events, lease_expires_at, created_at, owner_id, job_id \
             FROM ipp_subscriptions \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(IppSubscription {
                tenant_id: rows::id(&r, "tenant_id")?,
                id: rows::int(&r, "id")?,
                printer_id: rows::id(&r, "printer_id")?,
                events: rows::text(&r, "events")?
                    .split(',')
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect(),
                lease_expires_at: rows::int(&r, "lease_expires_at")?,
                created_at: rows::int(&r, "created_at")?,
                owner_id: rows::opt_text(&r, "owner_id")?,
                job_id: rows::opt_int(&r, "job_id")?.map(JobId::new),
            })
        })
        .transpose()
    }

    async fn renew_ipp_subscription(&self, tenant: &str, id: i64, lease_expires_at: Micros) -> Result<()> {
        let done = sqlx::query(
            "UPDATE ipp_subscriptions SET lease_expires_at = $3 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id)
        .bind(lease_expires_at)
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn cancel_ipp_subscription(&self, tenant: &str, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM ipp_subscriptions WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Writes a job change's device events (decided in `platen_domain::job::effects`) inside its transaction.
pub(crate) async fn insert_events<E: Exec>(tx: &mut E, job: &Job, events: &[DeviceNotice]) -> Result<()> {
    for e in events {
        tx.execute(
            "INSERT INTO device_events (tenant_id, printer_id, event, job_id, job_state, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6)",
            params![
                job.tenant_id.as_str(),
                job.printer_id.as_str(),
                e.event,
                job.id.get(),
                i64::from(e.job_state),
                now_micros(),
            ],
        )
        .await?;
    }
    Ok(())
}
