//! Counts ended jobs into the usage rollups in the background, batch by batch (the store's fold; see
//! `platen_store::sql::usage_fold` for why job ends no longer add to the rollups themselves). Usage reads fold
//! whatever is still pending first, so this keeps reads cheap rather than correct. Runs on every node; folds are
//! serialised by the store, so nodes may overlap safely.

use crate::App;
use std::time::Duration;

/// Jobs counted per fold: each fold holds the writer (on SQLite it rides a batch of requests' writes), so small
/// enough not to show in those requests' latency, large enough that a burst's jobs share their rollup rows.
const FOLD_BATCH: u32 = 500;

impl App {
    /// Counts every job pending, batch after batch until one comes back short, pausing between batches so
    /// requests get the writer; returns how many (and adds them to `platen_usage_folded_jobs_total`).
    pub async fn fold_usage(&self) -> crate::Result<u64> {
        let step = |limit| self.store.fold_usage(limit);
        crate::retention::until_short(FOLD_BATCH, Duration::from_millis(10), step, |done| {
            if done > 0 {
                metrics::counter!("platen_usage_folded_jobs_total").increment(done);
            }
        })
        .await
    }
}

/// Folds every `every` until the returned handle is aborted.
pub fn spawn_usage_folder(app: App, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = app.fold_usage().await {
                tracing::warn!(error = %e, "counting ended jobs into usage reports failed");
            }
        }
    })
}
