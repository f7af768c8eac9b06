//! Retention (`[retention]`): document bytes go some time after their job ends (default 1 day), job records
//! later (default 90 days). Every node runs the purge; each step is a bounded batch through partial indexes
//! of finished jobs with a pause between batches, so requests keep the writer; racing nodes only find less to
//! do. Reports keep their numbers: they read archived jobs and usage rollups, never jobs.

use crate::{App, Result};
use platen_domain::time::{Micros, now_micros};
use platen_store::PurgeScope;
use std::time::Duration;

/// How long finished jobs keep their document bytes and their records; `None` keeps them.
#[derive(Debug, Clone)]
pub struct RetentionPolicy {
    pub documents: Option<Duration>,
    pub jobs: Option<Duration>,
    /// A cap on the bytes of stored documents: beyond it, finished jobs' bytes go oldest first, whatever their age
    /// and whatever their printer's own retention.
    pub max_document_bytes: Option<u64>,
    /// Printers with retention of their own (`[retention.printers."<id>"]`); every other printer's jobs follow
    /// `documents` and `jobs`.
    pub printers: Vec<PrinterRetention>,
    /// Jobs per batch.
    pub batch: u32,
    /// Least pause between batches; a pause is at least as long as the batch took (see [`yield_after`]).
    pub pause: Duration,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            documents: Some(Duration::from_secs(24 * 3600)),
            jobs: Some(Duration::from_secs(90 * 24 * 3600)),
            max_document_bytes: None,
            printers: Vec::new(),
            batch: 50,
            pause: Duration::from_millis(10),
        }
    }
}

/// One printer's own retention, what it does not set taken from the global one; `None` keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterRetention {
    pub printer_id: String,
    pub documents: Option<Duration>,
    pub jobs: Option<Duration>,
}

/// What one purge pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Jobs whose document bytes were deleted.
    pub documents: u64,
    /// Jobs whose records were deleted.
    pub jobs: u64,
    /// Jobs whose document bytes were deleted early to get under `max_document_bytes`.
    pub for_space: u64,
}

/// How long a background batch waits before the next: as long as it held the writer, and at least `least`, so
/// background work takes at most half of the writer's time and requests queued behind a batch go first.
pub(crate) fn yield_after(batch_took: Duration, least: Duration) -> Duration {
    batch_took.max(least)
}

fn cutoff(now: Micros, keep: Duration) -> Micros {
    now.saturating_sub(i64::try_from(keep.as_micros()).unwrap_or(i64::MAX))
}

impl App {
    /// Purges everything older than the policy allows as of `now` (a parameter so tests can move the clock),
    /// batch by batch; returns what it purged.
    pub async fn purge_retained(&self, now: Micros) -> Result<Purged> {
        let policy = &self.config.retention;
        let mut purged = Purged::default();
        // The global retention for every printer without its own, then each printer with its own.
        let others = PurgeScope::Except(policy.printers.iter().map(|p| p.printer_id.clone()).collect());
        let scopes = std::iter::once((others, policy.documents, policy.jobs)).chain(
            policy
                .printers
                .iter()
                .map(|p| (PurgeScope::Printer(p.printer_id.clone()), p.documents, p.jobs)),
        );
        for (scope, documents, jobs) in scopes {
            if let Some(keep) = documents {
                purged.documents += self
                    .batches("documents", |limit| {
                        self.store.purge_document_bytes(&scope, cutoff(now, keep), limit)
                    })
                    .await?;
            }
            if let Some(keep) = jobs {
                purged.jobs += self
                    .batches("jobs", |limit| {
                        self.store.purge_job_records(&scope, cutoff(now, keep), limit)
                    })
                    .await?;
            }
        }
        if let Some(cap) = policy.max_document_bytes {
            purged.for_space = self.purge_for_space(now, cap).await?;
        }
        Ok(purged)
    }

    /// While the stored document bytes exceed `cap`, deletes the bytes of the jobs that finished first.
    async fn purge_for_space(&self, now: Micros, cap: u64) -> Result<u64> {
        let policy = &self.config.retention;
        let mut total = 0;
        loop {
            let stored = u64::try_from(self.store.stored_document_bytes().await?).unwrap_or(0);
            if stored <= cap {
                return Ok(total);
            }
            let done = self
                .store
                .purge_document_bytes(&PurgeScope::All, now, policy.batch)
                .await?;
            if done == 0 {
                tracing::warn!(
                    stored,
                    cap,
                    "stored documents exceed retention.max_document_bytes, but only jobs not finished hold bytes"
                );
                return Ok(total);
            }
            total += done;
            purge_progress("space", done);
            tokio::time::sleep(policy.pause).await;
        }
    }

    /// Runs `step` until a batch comes back short, pausing between batches.
    async fn batches<F, Fut>(&self, what: &'static str, step: F) -> Result<u64>
    where
        F: Fn(u32) -> Fut,
        Fut: std::future::Future<Output = platen_store::Result<u64>>,
    {
        let policy = &self.config.retention;
        until_short(policy.batch, policy.pause, step, |done| {
            purge_progress(what, done)
        })
        .await
    }
}

/// Runs `step(batch)` until a batch comes back short, pausing after each full one as [`yield_after`] says and
/// telling `progress` each batch's count: the total.
pub(crate) async fn until_short<F, Fut>(
    batch: u32,
    least_pause: Duration,
    step: F,
    mut progress: impl FnMut(u64),
) -> Result<u64>
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = platen_store::Result<u64>>,
{
    let mut total = 0;
    loop {
        let started = std::time::Instant::now();
        let done = step(batch).await?;
        total += done;
        progress(done);
        if done < u64::from(batch) {
            return Ok(total);
        }
        tokio::time::sleep(yield_after(started.elapsed(), least_pause)).await;
    }
}

/// Counts a purge batch in `platen_retention_purged_jobs_total{what}` (what: `documents` — bytes deleted after
/// `retention.documents`; `jobs` — records deleted; `space` — bytes deleted early for `max_document_bytes`), batch
/// by batch, so a long purge shows its progress.
fn purge_progress(what: &'static str, done: u64) {
    if done > 0 {
        metrics::counter!("platen_retention_purged_jobs_total", "what" => what).increment(done);
    }
}

/// Purges every `every` until the returned handle is aborted.
pub fn spawn_retention(app: App, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
        loop {
            tick.tick().await;
            match app.purge_retained(now_micros()).await {
                Ok(p) if p == Purged::default() => {}
                Ok(p) => tracing::info!(
                    documents = p.documents,
                    jobs = p.jobs,
                    for_space = p.for_space,
                    "retention purge"
                ),
                Err(e) => tracing::warn!(error = %e, "retention purge failed"),
            }
        }
    })
}

#[cfg(test)]
mod tests;
