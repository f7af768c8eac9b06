//! The job pipeline of one printer: claim → fetch → print → follow → report, one job at a time (an
//! ippeveprinter-class device prints one job at a time and answers "busy" to a second).
//!
//! Every step is driven from the journal entry's phase (see `journal.rs` for the phases and the restart
//! rules); the entry is saved before each side effect that must not be repeated.

use crate::backoff::{Backoff, best_effort, retry, retry_io};
use crate::codes::{job_state, status};
use crate::ctx::PrinterCtx;
use crate::infra::ActiveJobsDiff;
use crate::journal::{JobEntry, Outcome, Phase, Stop};
use std::sync::Arc;

/// The worker: first the jobs the journal holds (a previous run's), then fetchable jobs as they come.
pub async fn worker(ctx: Arc<PrinterCtx>, resumed: Vec<JobEntry>) {
    for e in resumed {
        tracing::info!(printer = %ctx.name, job = e.job_id, phase = ?e.phase, "resuming job");
        drive(&ctx, e).await;
    }
    loop {
        let job_id = ctx.shared.next_job().await;
        if ctx.shared.is_active(job_id) {
            continue;
        }
        if let Some(entry) = claim(&ctx, job_id).await {
            drive(&ctx, entry).await;
        }
    }
}

/// Saves the entry (retrying I/O failures) and publishes its device state to the other tasks.
pub async fn persist(ctx: &PrinterCtx, e: &JobEntry) {
    retry_io("saving a journal entry", || ctx.journal.save(e)).await;
    if e.phase != Phase::Claiming {
        ctx.shared.set_active(e.job_id, e.device_state());
    }
}

/// Drops a job from the journal and the spool: it is finished, or it was never ours.
async fn forget(ctx: &PrinterCtx, job_id: i32) {
    retry_io("removing a journal entry", || ctx.journal.remove(job_id)).await;
    let _ = tokio::fs::remove_file(ctx.spool_file(job_id)).await;
    ctx.shared.clear_active(job_id);
}

/// Fetch-Job then Acknowledge-Job; `None` when the job is not (or no longer) ours to print.
async fn claim(ctx: &PrinterCtx, job_id: i32) -> Option<JobEntry> {
    let ticket = match retry("Fetch-Job", Backoff::server(), || ctx.infra.fetch_job(job_id)).await {
        Ok(t) => t,
        Err(e) => {
            tracing::info!(printer = %ctx.name, job = job_id, error = %e, "job not fetchable; skipped");
            return None;
        }
    };
    if let Some(Stop::State(_) | Stop::Forget) = ctx.shared.take_stop(job_id) {
        return None;
    }
    let mut entry = JobEntry::new(job_id, ticket);
    persist(ctx, &entry).await;
    if acknowledge(ctx, job_id).await {
        entry.phase = Phase::Claimed;
        persist(ctx, &entry).await;
        tracing::info!(printer = %ctx.name, job = job_id, "job claimed");
        Some(entry)
    } else {
        forget(ctx, job_id).await;
        None
    }
}

/// Where a job stands, judged from an Update-Active-Jobs answer in which we listed it as pending (3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimStatus {
    /// Claimed by this printer's device (the server reports it processing or stopped).
    Ours,
    /// Still waiting to be claimed: the server agrees it is pending (or held).
    Unclaimed,
    /// Unknown to the server, not assigned to this device, or already ended.
    Gone,
}

pub fn claim_status(diff: &ActiveJobsDiff, job_id: i32) -> ClaimStatus {
    if diff.unknown.contains(&job_id) {
        return ClaimStatus::Gone;
    }
    match diff.changed.iter().find(|(id, _)| *id == job_id).map(|(_, s)| *s) {
        Some(job_state::PROCESSING | job_state::PROCESSING_STOPPED) => ClaimStatus::Ours,
        None | Some(job_state::PENDING | job_state::PENDING_HELD) => ClaimStatus::Unclaimed,
        Some(_) => ClaimStatus::Gone,
    }
}

/// Acknowledge-Job, the exclusive claim. When an answer was lost and the retry is refused (the job is no
/// longer fetchable, possibly because our first attempt succeeded), the server's view of the job decides.
async fn acknowledge(ctx: &PrinterCtx, job_id: i32) -> bool {
    let mut backoff = Backoff::server();
    let mut answer_lost = false;
    loop {
        match ctx.infra.acknowledge_job(job_id).await {
            Ok(()) => return true,
            Err(e) if e.is_transient() => {
                answer_lost = true;
                tracing::warn!(printer = %ctx.name, job = job_id, error = %e, "Acknowledge-Job failed; retrying");
                backoff.wait().await;
            }
            Err(e) if answer_lost => {
                let listed = [(job_id, job_state::PENDING)];
                let status = retry("Update-Active-Jobs", Backoff::server(), || {
                    ctx.infra.update_active_jobs(&listed)
                })
                .await
                .map(|diff| claim_status(&diff, job_id))
                .unwrap_or(ClaimStatus::Gone);
                tracing::info!(printer = %ctx.name, job = job_id, error = %e, ?status, "claim settled after a lost answer");
                match status {
                    ClaimStatus::Ours => return true,
                    ClaimStatus::Gone => return false,
                    // Not claimed after all: one more ordinary attempt.
                    ClaimStatus::Unclaimed => answer_lost = false,
                }
            }
            Err(e) if e.ipp_status() == Some(status::CLIENT_ERROR_NOT_FETCHABLE) => {
                tracing::info!(printer = %ctx.name, job = job_id, "job claimed by another device");
                return false;
            }
            Err(e) => {
                tracing::info!(printer = %ctx.name, job = job_id, error = %e, "job gone before the claim");
                return false;
            }
        }
    }
}

/// Moves the stop request the server posted (if any) into the entry.
pub async fn absorb_stop(ctx: &PrinterCtx, e: &mut JobEntry) {
    if let Some(stop) = ctx.shared.take_stop(e.job_id)
        && e.stop != Some(stop)
        && e.phase != Phase::Finished
    {
        tracing::info!(printer = %ctx.name, job = e.job_id, ?stop, phase = ?e.phase, "stop requested by the server");
        e.stop = Some(stop);
        persist(ctx, e).await;
    }
}

/// The outcome to report for a job stopped before anything reached the printer.
fn stopped_outcome(state: i32) -> Outcome {
    Outcome {
        state,
        reasons: vec![stop_reason(state).into()],
        message: None,
        impressions: 0,
        sheets: None,
    }
}

pub fn stop_reason(state: i32) -> &'static str {
    if state == job_state::ABORTED {
        "aborted-by-system"
    } else {
        "job-canceled-by-user"
    }
}

/// Runs one job from its current phase to the end.
pub async fn drive(ctx: &PrinterCtx, mut e: JobEntry) {
    loop {
        absorb_stop(ctx, &mut e).await;
        // A stop before the document reached the printer: nothing to cancel locally.
        if matches!(e.phase, Phase::Claiming | Phase::Claimed | Phase::Fetched) {
            match e.stop {
                Some(Stop::Forget) => return forget(ctx, e.job_id).await,
                Some(Stop::State(s)) => {
                    e.outcome = Some(stopped_outcome(s));
                    e.phase = Phase::Finished;
                    persist(ctx, &e).await;
                }
                None => {}
            }
        }
        match e.phase {
            Phase::Claiming | Phase::Claimed => fetch(ctx, &mut e).await,
            Phase::Fetched => crate::print::print(ctx, &mut e).await,
            Phase::Printing => crate::print::recover(ctx, &mut e).await,
            Phase::Printed => crate::print::follow(ctx, &mut e).await,
            Phase::Finished => {
                report(ctx, &e).await;
                return forget(ctx, e.job_id).await;
            }
        }
    }
}

/// Fetch-Document into the spool, then Acknowledge-Document.
async fn fetch(ctx: &PrinterCtx, e: &mut JobEntry) {
    let formats = ctx.shared.formats();
    let dest = ctx.spool_file(e.job_id);
    match retry("Fetch-Document", Backoff::server(), || {
        ctx.infra.fetch_document(e.job_id, &formats, &dest)
    })
    .await
    {
        Ok(format) => {
            e.document_format = format.or_else(|| e.ticket.document_format.clone());
            e.phase = Phase::Fetched;
            persist(ctx, e).await;
            best_effort("Acknowledge-Document", || {
                ctx.infra.acknowledge_document(e.job_id)
            })
            .await;
        }
        Err(err) => {
            tracing::warn!(printer = %ctx.name, job = e.job_id, error = %err, "document not fetchable");
            e.outcome = Some(Outcome {
                state: job_state::ABORTED,
                reasons: vec!["document-access-error".into()],
                message: Some(format!("The connector could not fetch the document: {err}")),
                impressions: 0,
                sheets: None,
            });
            e.phase = Phase::Finished;
            persist(ctx, e).await;
        }
    }
}

/// Update-Document-Status and Update-Job-Status with the final state; repeated while the server is
/// unreachable (the entry stays in the journal until this returns).
async fn report(ctx: &PrinterCtx, e: &JobEntry) {
    let Some(o) = &e.outcome else { return };
    if e.stop == Some(Stop::Forget) {
        return;
    }
    let doc = retry("Update-Document-Status", Backoff::server(), || {
        ctx.infra.update_document_status(e.job_id, o.state, o.impressions)
    })
    .await;
    if let Err(err) = doc {
        tracing::debug!(printer = %ctx.name, job = e.job_id, error = %err, "Update-Document-Status refused");
    }
    match retry("Update-Job-Status", Backoff::server(), || {
        ctx.infra.update_job_status(e.job_id, o)
    })
    .await
    {
        Ok(()) => tracing::info!(
            printer = %ctx.name,
            job = e.job_id,
            state = job_state::name(o.state),
            "final state reported"
        ),
        // E.g. not-possible: the server already ended the job (a cancel that raced the device).
        Err(err)
            if err
                .ipp_status()
                .is_some_and(|s| s != status::CLIENT_ERROR_BAD_REQUEST) =>
        {
            tracing::info!(
                printer = %ctx.name,
                job = e.job_id,
                error = %err,
                "the server did not take the final state"
            )
        }
        Err(err) => {
            tracing::warn!(printer = %ctx.name, job = e.job_id, error = %err, "final state not reported")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_view_decides_an_unsettled_claim() {
        let diff = ActiveJobsDiff {
            changed: vec![(1, 5), (2, 7), (3, 4), (6, 6)],
            unknown: vec![4],
        };
        assert_eq!(claim_status(&diff, 1), ClaimStatus::Ours);
        assert_eq!(claim_status(&diff, 6), ClaimStatus::Ours);
        assert_eq!(claim_status(&diff, 2), ClaimStatus::Gone);
        assert_eq!(claim_status(&diff, 4), ClaimStatus::Gone);
        assert_eq!(claim_status(&diff, 3), ClaimStatus::Unclaimed);
        // Not mentioned: the server agrees with the pending state we listed.
        assert_eq!(claim_status(&diff, 5), ClaimStatus::Unclaimed);
    }
}
