//! Change-notification subscriptions.

use super::SqlStore;
use super::bind::audited;
use super::rows;
use crate::{Result, StoreError, SubscriptionStore};
use async_trait::async_trait;
use platen_domain::records::Subscription;
use platen_domain::time::Micros;
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, tenant_id, app_id, creator_id, change_type, resource, resource_kind, resource_key, \
    notification_url, lifecycle_notification_url, client_state, notification_query_options, \
    latest_supported_tls_version, expires_at, created_at";

fn subscription(r: &AnyRow) -> Result<Subscription> {
    Ok(Subscription {
        id: rows::text(r, "id")?,
        tenant_id: rows::id(r, "tenant_id")?,
        app_id: rows::text(r, "app_id")?,
        creator_id: rows::text(r, "creator_id")?,
        change_type: rows::text(r, "change_type")?,
        resource: rows::text(r, "resource")?,
        resource_kind: rows::text(r, "resource_kind")?,
        resource_key: rows::text(r, "resource_key")?,
        notification_url: rows::text(r, "notification_url")?,
        lifecycle_notification_url: rows::opt_text(r, "lifecycle_notification_url")?,
        client_state: rows::opt_text(r, "client_state")?,
        notification_query_options: rows::opt_text(r, "notification_query_options")?,
        latest_supported_tls_version: rows::opt_text(r, "latest_supported_tls_version")?,
        expires_at: rows::int(r, "expires_at")?,
        created_at: rows::int(r, "created_at")?,
    })
}

#[async_trait]
impl SubscriptionStore for SqlStore {
    async fn create_subscription(&self, x: &Subscription) -> Result<()> {
        let done = sqlx::query(audited(&format!(
            "INSERT INTO subscriptions ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)"
        )))
        .bind(&x.id)
        .bind(x.tenant_id.as_str())
        .bind(&x.app_id)
        .bind(&x.creator_id)
        .bind(&x.change_type)
        .bind(&x.resource)
        .bind(&x.resource_kind)
        .bind(&x.resource_key)
        .bind(&x.notification_url)
        .bind(&x.lifecycle_notification_url)
        .bind(&x.client_state)
        .bind(&x.notification_query_options)
        .bind(&x.latest_supported_tls_version)
        .bind(x.expires_at)
        .bind(x.created_at)
        .execute(&self.write)
        .await;
        self.subscriptions_changed();
        done?;
        Ok(())
    }

    async fn get_subscription(&self, tenant: &str, id: &str) -> Result<Option<Subscription>> {
        let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(subscription).transpose()
    }

    async fn list_subscriptions(&self, tenant: &str, app: Option<&str>) -> Result<Vec<Subscription>> {
        // `$2 IS NULL`: every app's (an administrator's view); otherwise one app's own.
        let sql = format!(
            "SELECT {COLUMNS} FROM subscriptions WHERE tenant_id = $1 AND ($2 IS NULL OR app_id = $2) \
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(app)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(subscription).collect()
    }

    async fn update_subscription(&self, x: &Subscription) -> Result<()> {
        let done = sqlx::query(
            "UPDATE subscriptions SET expires_at = $3, notification_url = $4, lifecycle_notification_url = $5, \
             client_state = $6 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(x.tenant_id.as_str())
        .bind(&x.id)
        .bind(x.expires_at)
        .bind(&x.notification_url)
        .bind(&x.lifecycle_notification_url)
        .bind(&x.client_state)
        .execute(&self.write)
        .await;
        self.subscriptions_changed();
        let done = done?;
        if done.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn delete_subscription(&self, tenant: &str, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM outbox WHERE tenant_id = $1 AND subscription_id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM subscriptions WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let committed = tx.commit().await;
        self.subscriptions_changed();
        committed?;
        Ok(done.rows_affected() > 0)
    }

    async fn subscriptions_for(
        &self,
        tenant: &str,
        kind: &str,
        key: &str,
        now: Micros,
    ) -> Result<Vec<Subscription>> {
        let Some(cache) = &self.subscription_cache else {
            return self.subscriptions_of_resource(tenant, kind, key, Some(now)).await;
        };
        match cache.get(tenant, kind, key, now) {
            Ok(known) => Ok(known),
            Err(ticket) => {
                let all = self.subscriptions_of_resource(tenant, kind, key, None).await?;
                let current = all.iter().filter(|s| s.expires_at > now).cloned().collect();
                cache.keep(ticket, tenant, kind, key, all);
                Ok(current)
            }
        }
    }

    async fn remove_expired_subscriptions(&self, now: Micros, limit: u32) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM subscriptions WHERE expires_at <= $1 ORDER BY expires_at LIMIT {}",
            limit.max(1)
        );
        let rows = sqlx::query(audited(&sql)).bind(now).fetch_all(&self.read).await?;
        let expired: Vec<Subscription> = rows.iter().map(subscription).collect::<Result<_>>()?;
        // Every node sweeps: report only the subscriptions this call removed, not those another node took first.
        let mut removed = Vec::with_capacity(expired.len());
        for x in expired {
            if self.delete_subscription(&x.tenant_id, &x.id).await? {
                removed.push(x);
            }
        }
        Ok(removed)
    }
}

impl SqlStore {
    /// The subscriptions watching a resource, those expiring after `unexpired_at` if given.
    async fn subscriptions_of_resource(
        &self,
        tenant: &str,
        kind: &str,
        key: &str,
        unexpired_at: Option<Micros>,
    ) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM subscriptions WHERE tenant_id = $1 AND resource_kind = $2 AND resource_key = $3 \
             AND expires_at > $4 ORDER BY id"
        );
        let rows = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(kind)
            .bind(key)
            .bind(unexpired_at.unwrap_or(Micros::MIN))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(subscription).collect()
    }

    /// After any write to `subscriptions` (before its answer), so that no later lookup sees the old set.
    fn subscriptions_changed(&self) {
        if let Some(cache) = &self.subscription_cache {
            cache.invalidate();
        }
    }
}
