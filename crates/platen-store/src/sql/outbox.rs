//! The notification outbox. Rows are written in the same transaction as the change they announce, leased by
//! one delivery worker at a time (any node), and deleted once delivered: at least once, never lost.

use super::SqlStore;
use super::bind::audited;
use super::exec::{Exec, params};
use super::rows;
use crate::{OutboxStore, Result};
use async_trait::async_trait;
use platen_domain::JobId;
use platen_domain::records::{NewNotification, NotificationResource, OutboxItem, job_path};
use platen_domain::time::{Micros, now_micros};
use platen_odata::Dialect;
use serde_json::json;

/// The change-specific part of a notification: `changeType`, `resource`, `resourceData`.
fn change_payload(n: &NewNotification, redirected_job: Option<JobId>) -> Option<String> {
    let (resource, odata_type, id) = match &n.resource {
        NotificationResource::Task {
            definition_id,
            task_id,
        } => (
            format!("print/taskDefinitions/{definition_id}/tasks/{task_id}"),
            "#microsoft.graph.printTask",
            task_id.clone(),
        ),
        NotificationResource::Job { printer_id, job_id } => {
            let job = job_id.or(redirected_job)?;
            (
                job_path(printer_id, job),
                "#microsoft.graph.printJob",
                job.to_string(),
            )
        }
    };
    Some(
        json!({
            "changeType": n.change_type,
            "resource": resource,
            "resourceData": {"@odata.type": odata_type, "@odata.id": resource, "id": id},
        })
        .to_string(),
    )
}

pub(crate) async fn insert_change<E: Exec>(
    tx: &mut E,
    n: &NewNotification,
    redirected_job: Option<JobId>,
) -> Result<()> {
    let Some(payload) = change_payload(n, redirected_job) else {
        return Ok(());
    };
    insert(
        tx,
        &n.tenant_id,
        &n.subscription_id,
        "change",
        &payload,
        now_micros(),
    )
    .await
}

async fn insert<E: Exec>(
    tx: &mut E,
    tenant: &str,
    subscription: &str,
    kind: &str,
    payload: &str,
    now: Micros,
) -> Result<()> {
    tx.execute(
        "INSERT INTO outbox (tenant_id, subscription_id, kind, payload, created_at, next_attempt_at, attempts, \
         lease_until) VALUES ($1,$2,$3,$4,$5,$5,0,0)",
        params![tenant, subscription, kind, payload, now],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn enqueue_lifecycle(
        &self,
        tenant: &str,
        subscription: &str,
        payload: &str,
        now: Micros,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        insert(&mut *tx, tenant, subscription, "lifecycle", payload, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_notifications(
        &self,
        now: Micros,
        lease_until: Micros,
        limit: u32,
    ) -> Result<Vec<OutboxItem>> {
        // PostgreSQL: SKIP LOCKED lets several nodes claim disjoint batches concurrently.
        let lock = match self.dialect {
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET lease_until = $2, attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox \
             WHERE next_attempt_at <= $1 AND lease_until <= $1 ORDER BY id LIMIT {}{lock}) \
             RETURNING id, tenant_id, subscription_id, kind, payload, created_at, attempts",
            limit.max(1)
        );
        let rows = sqlx::query(audited(&sql))
            .bind(now)
            .bind(lease_until)
            .fetch_all(&self.write)
            .await?;
        let mut items = rows
            .iter()
            .map(|r| {
                Ok(OutboxItem {
                    id: rows::int(r, "id")?,
                    tenant_id: rows::id(r, "tenant_id")?,
                    subscription_id: rows::text(r, "subscription_id")?,
                    kind: rows::text(r, "kind")?,
                    payload: rows::text(r, "payload")?,
                    created_at: rows::int(r, "created_at")?,
                    attempts: rows::int(r, "attempts")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        items.sort_by_key(|i| i.id);
        Ok(items)
    }

    async fn delete_notifications(&self, ids: &[i64]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for id in ids {
            sqlx::query("DELETE FROM outbox WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn retry_notification(&self, id: i64, next_attempt_at: Micros, error: &str) -> Result<()> {
        sqlx::query("UPDATE outbox SET next_attempt_at = $2, lease_until = 0, last_error = $3 WHERE id = $1")
            .bind(id)
            .bind(next_attempt_at)
            .bind(error)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
