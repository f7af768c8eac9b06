//! Readiness: the database answers, and it holds every migration this binary knows (a node started against a
//! database another, older node migrated is not ready until it is migrated).

use super::SqlStore;
use crate::{HealthStore, Result, StoreError};
use async_trait::async_trait;

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
}
