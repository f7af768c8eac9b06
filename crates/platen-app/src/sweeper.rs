//! Background clean-up: expired upload sessions end (their partial blob is listed as an orphan as their row
//! goes); blobs no longer referenced by any row are deleted, oldest first, batch after batch until none is left
//! (a completed upload leaves nothing here: its blob is its document's; retention leaves many at once); and
//! throttling counters of windows long past, expired download URLs and expired console sessions go. Runs on every
//! node; each step is idempotent, so nodes may overlap safely.

use crate::App;
use platen_domain::time::now_micros;
use std::time::Duration;

impl App {
    /// One pass; returns how many sessions and blobs it removed.
    pub async fn sweep(&self) -> crate::Result<(usize, usize)> {
        let expired = self.store.expired_upload_sessions(now_micros(), 500).await?;
        for id in &expired {
            self.store.delete_upload_session(id).await?;
        }
        let orphans = self.delete_orphan_blobs().await?;
        self.purge_throttle_windows().await?;
        // Bounded batches through the expiry index; the rest waits for the next pass.
        self.store.purge_download_tickets(now_micros(), 1000).await?;
        self.purge_console_sessions().await?;
        Ok((expired.len(), orphans))
    }

    /// Deletes unreferenced blobs in batches until a batch comes back short, pausing between batches so requests
    /// get the writer: a retention purge lists thousands a second, more than one batch a minute could follow.
    async fn delete_orphan_blobs(&self) -> crate::Result<usize> {
        let mut deleted = 0;
        loop {
            let started = std::time::Instant::now();
            let orphans = self.store.orphan_blobs(ORPHAN_BATCH).await?;
            for key in &orphans {
                self.blobs.delete(key).await?;
            }
            self.store.forget_orphan_blobs(&orphans).await?;
            deleted += orphans.len();
            if orphans.len() < ORPHAN_BATCH as usize {
                return Ok(deleted);
            }
            let pause = crate::retention::yield_after(started.elapsed(), Duration::from_millis(10));
            tokio::time::sleep(pause).await;
        }
    }
}

/// Orphan blobs looked up and deleted per batch (small: each batch holds the writer while it forgets them).
const ORPHAN_BATCH: u32 = 200;

/// Sweeps every `every` until the returned handle is aborted.
pub fn spawn_sweeper(app: App, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match app.sweep().await {
                Ok((0, 0)) => {}
                Ok((sessions, blobs)) => {
                    tracing::info!(sessions, blobs, "swept expired uploads and orphan blobs")
                }
                Err(e) => tracing::warn!(error = %e, "sweep failed"),
            }
        }
    })
}
