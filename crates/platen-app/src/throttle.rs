//! Throttling (off unless configured, `AppConfig::throttling`): job creations per user, per printer and per app,
//! and uploaded bytes per user, counted in fixed windows in the store so every node counts together; and uploads in
//! progress per user, counted on each node. A request
//! over a limit is refused with [`AppError::Throttled`] (Graph: 429 with `Retry-After`; IPP: server-error-busy)
//! and changes nothing else.

use crate::{App, AppError, Result, in_flight};
use platen_domain::Caller;
use platen_domain::records::Job;
use platen_domain::throttling::{Limit, bucket};
use platen_domain::time::now_micros;

/// The longest window a purge keeps counters for: anything older than this is past every window.
const KEEP_WINDOWS: i64 = 2;

impl App {
    /// Counts `amount` against `limit` in `bucket`; refuses when the window's total goes over the limit.
    async fn charge(&self, tenant: &str, bucket: &str, limit: &Limit, amount: u64, what: &str) -> Result<()> {
        let now = now_micros();
        let used = self
            .store
            .add_to_window(
                tenant,
                bucket,
                limit.window_start(now),
                i64::try_from(amount).unwrap_or(i64::MAX),
            )
            .await?;
        if u64::try_from(used).unwrap_or(0) > limit.limit {
            return Err(AppError::Throttled {
                retry_after: limit.retry_after(now),
                message: format!(
                    "Too many {what}: at most {} per {} s; retry after the window ends.",
                    limit.limit, limit.window_secs
                ),
            });
        }
        Ok(())
    }

    /// A job is about to be created by `caller` on printer `printer_id`.
    pub(crate) async fn charge_job_creation(&self, caller: &Caller, printer_id: &str) -> Result<()> {
        let policy = &self.config.throttling;
        let tenant = &caller.tenant_id;
        if let Some(l) = &policy.jobs_per_user
            && caller.is_delegated()
        {
            let b = bucket("jobs", "user", &caller.object_id.to_ascii_lowercase());
            self.charge(tenant, &b, l, 1, "print jobs from this user").await?;
        }
        if let Some(l) = &policy.jobs_per_app
            && let Some(app) = &caller.app_id
        {
            let b = bucket("jobs", "app", &app.to_ascii_lowercase());
            self.charge(tenant, &b, l, 1, "print jobs from this app").await?;
        }
        if let Some(l) = &policy.jobs_per_printer {
            let b = bucket("jobs", "printer", printer_id);
            self.charge(tenant, &b, l, 1, "print jobs on this printer")
                .await?;
        }
        Ok(())
    }

    /// `bytes` of a document of `job` are about to be received.
    pub(crate) async fn charge_upload(&self, job: &Job, bytes: u64) -> Result<()> {
        if let Some(l) = &self.config.throttling.upload_bytes_per_user {
            let b = bucket("bytes", "user", &job.created_by.id);
            self.charge(
                &job.tenant_id,
                &b,
                l,
                bytes,
                "document bytes uploaded by this user",
            )
            .await?;
        }
        Ok(())
    }

    /// A slot for one more upload of `job`'s owner in progress on this node, when that is limited; hold it until
    /// the body is stored or refused.
    pub(crate) fn upload_slot(&self, job: &Job) -> Result<Option<in_flight::Slot>> {
        let Some(limit) = self.config.throttling.concurrent_uploads_per_user else {
            return Ok(None);
        };
        let key = format!(
            "{}/{}",
            job.tenant_id.as_str(),
            job.created_by.id.to_ascii_lowercase()
        );
        match self.uploads_in_flight.try_take(&key, limit) {
            Some(slot) => Ok(Some(slot)),
            None => Err(AppError::Throttled {
                retry_after: std::time::Duration::from_secs(1),
                message: format!(
                    "Too many uploads in progress for this user: at most {limit} at once; retry when one has finished."
                ),
            }),
        }
    }

    /// Deletes counters of windows long past; returns how many.
    pub(crate) async fn purge_throttle_windows(&self) -> Result<u64> {
        let p = &self.config.throttling;
        let longest = [
            p.jobs_per_user,
            p.jobs_per_printer,
            p.jobs_per_app,
            p.upload_bytes_per_user,
        ]
        .iter()
        .flatten()
        .map(|l| l.window_secs)
        .max();
        let Some(secs) = longest else { return Ok(0) };
        let keep = i64::try_from(secs).unwrap_or(i64::MAX / 4_000_000) * 1_000_000 * KEEP_WINDOWS;
        Ok(self
            .store
            .purge_windows(now_micros().saturating_sub(keep))
            .await?)
    }
}
