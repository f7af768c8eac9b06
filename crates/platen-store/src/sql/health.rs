//! Readiness: the database answers, and it holds every migration this binary knows (a node started against a
//! database another, older node migrated is not ready until it is migrated).

use super::SqlStore;
use crate::{HealthStore, PoolGauge, Result, StoreError, StoreGauges};
use async_trait::async_trait;
use sqlx::AnyPool;

fn pool_gauge(name: &'static str, pool: &AnyPool) -> PoolGauge {
    PoolGauge {
        name,
        open: pool.size(),
        idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
        max: pool.options().get_max_connections(),
    }
}

#[async_trait]
impl HealthStore for SqlStore {
    async fn readiness(&self) -> Result<()> {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.read)
                .await?;
        let known = self.migrator().iter().map(|m| m.version).max();
        match (applied, known) {
            (Some(a), Some(k)) if a >= k => Ok(()),
            (applied, known) => Err(StoreError::Corrupt(format!(
                "the database holds migrations up to {} but this binary needs {}",
                applied.map_or_else(|| "none".to_string(), |a| a.to_string()),
                known.unwrap_or_default()
            ))),
        }
    }

    async fn gauges(&self) -> Result<StoreGauges> {
        // The outbox holds only undelivered rows (delivery deletes them), so the count is of the backlog; the
        // oldest row by id is the oldest queued (ids only grow), found through the primary key.
        let (pending,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox")
            .fetch_one(&self.read)
            .await?;
        let oldest: Option<i64> = sqlx::query_scalar("SELECT created_at FROM outbox ORDER BY id LIMIT 1")
            .fetch_optional(&self.read)
            .await?;
        Ok(StoreGauges {
            outbox_pending: pending,
            outbox_oldest: oldest,
            pools: vec![pool_gauge("read", &self.read), pool_gauge("write", &self.write)],
        })
    }
}
