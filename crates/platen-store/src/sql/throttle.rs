//! Throttling counters: fixed windows added to atomically, so concurrent requests on any node count together.

use super::SqlStore;
use crate::{Result, ThrottleStore};
use async_trait::async_trait;
use platen_domain::time::Micros;

#[async_trait]
impl ThrottleStore for SqlStore {
    async fn add_to_window(
        &self,
        tenant: &str,
        bucket: &str,
        window_start: Micros,
        amount: i64,
    ) -> Result<i64> {
        let used: i64 = sqlx::query_scalar(
            "INSERT INTO throttle_windows (tenant_id, bucket, window_start, used) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id, bucket, window_start) DO UPDATE SET used = throttle_windows.used + excluded.used \
             RETURNING used",
        )
        .bind(tenant)
        .bind(bucket)
        .bind(window_start)
        .bind(amount)
        .fetch_one(&self.write)
        .await?;
        Ok(used)
    }

    async fn purge_windows(&self, before: Micros) -> Result<u64> {
        let done = sqlx::query("DELETE FROM throttle_windows WHERE window_start < $1")
            .bind(before)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
