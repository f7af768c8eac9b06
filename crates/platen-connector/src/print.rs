//! The local half of a job: Print-Job (exactly once, see `recover`), following the local job until it ends,
//! and forwarding the server's cancel/abort as Cancel-Job.

use crate::backoff::{Backoff, retry};
use crate::codes::{job_state, status};
use crate::ctx::PrinterCtx;
use crate::error::Error;
use crate::job::{absorb_stop, persist, stop_reason};
use crate::journal::{JobEntry, Outcome, Phase, Stop};
use crate::local::{self, LocalJob, PrintRequest};
use std::time::Duration;

const FOLLOW_MIN: Duration = Duration::from_millis(20);
const FOLLOW_MAX: Duration = Duration::from_secs(1);

fn finish(e: &mut JobEntry, state: i32, reason: &str, message: Option<String>) {
    e.outcome = Some(Outcome {
        state,
        reasons: vec![reason.into()],
        message,
        impressions: 0,
        sheets: None,
    });
    e.phase = Phase::Finished;
}

/// Phase `Fetched` → `Printing` → Print-Job → `Printed`.
pub async fn print(ctx: &PrinterCtx, e: &mut JobEntry) {
    let document = ctx.spool_file(e.job_id);
    if !tokio::fs::try_exists(&document).await.unwrap_or(false) {
        // The spool was lost (e.g. cleaned by hand): fetch again.
        e.phase = Phase::Claimed;
        return persist(ctx, e).await;
    }
    e.phase = Phase::Printing;
    persist(ctx, e).await;
    let job_name = local::job_name(e.ticket.job_name.as_deref(), &e.marker);
    let mut minimal = false;
    let mut two_step = false;
    let mut backoff = Backoff::printer();
    loop {
        let req = PrintRequest {
            ticket: &e.ticket,
            job_name: &job_name,
            document_format: e.document_format.as_deref(),
            document: &document,
            minimal,
        };
        let sent = if two_step {
            ctx.local.create_and_send(&req).await
        } else {
            ctx.local.print_job(&req).await
        };
        match sent {
            Ok(local_id) => {
                e.local_job_id = Some(local_id);
                e.phase = Phase::Printed;
                persist(ctx, e).await;
                tracing::info!(printer = %ctx.name, job = e.job_id, local_job = local_id, "sent to the printer");
                return;
            }
            // The request may have reached the printer: only `recover` may decide to send it again.
            Err(err @ (Error::Transport { .. } | Error::Io(_))) => {
                tracing::warn!(printer = %ctx.name, job = e.job_id, error = %err, "Print-Job interrupted");
                backoff.wait().await;
                return;
            }
            Err(err) => match err.ipp_status() {
                // Refused as a whole (busy: one job at a time): nothing was created, try again.
                Some(s) if status::is_transient(s) => {
                    if backoff.failures().is_multiple_of(40) {
                        tracing::debug!(printer = %ctx.name, job = e.job_id, "printer busy; waiting");
                    }
                    backoff.wait().await;
                    absorb_stop(ctx, e).await;
                    if e.stop.is_some() {
                        return; // `recover` finds no local job and finishes with the stop.
                    }
                }
                Some(status::SERVER_ERROR_OPERATION_NOT_SUPPORTED) if !two_step => {
                    tracing::info!(printer = %ctx.name, job = e.job_id, "no Print-Job; using Create-Job + Send-Document");
                    two_step = true;
                }
                Some(status::CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED) if !minimal => {
                    tracing::info!(printer = %ctx.name, job = e.job_id, "printer refused the ticket; sending without it");
                    minimal = true;
                }
                Some(status::CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED) => {
                    finish(
                        e,
                        job_state::ABORTED,
                        "unsupported-document-format",
                        Some(err.to_string()),
                    );
                    return persist(ctx, e).await;
                }
                Some(_) => {
                    finish(e, job_state::ABORTED, "aborted-by-system", Some(err.to_string()));
                    return persist(ctx, e).await;
                }
                // HTTP-level refusal (printer restarting, wrong path): wait, nothing was created.
                None => {
                    if backoff.failures().is_multiple_of(10) {
                        tracing::warn!(printer = %ctx.name, job = e.job_id, error = %err, "printer refused Print-Job");
                    }
                    backoff.wait().await;
                }
            },
        }
    }
}

/// Phase `Printing` (a Print-Job whose answer we do not know): the marker in the local job-name tells
/// whether the printer has the job. Found → follow it; absent → print (or, if stopped, finish).
pub async fn recover(ctx: &PrinterCtx, e: &mut JobEntry) {
    let found = retry("finding the local job", Backoff::printer(), || {
        ctx.local.find_job(&e.marker)
    })
    .await;
    match found {
        Ok(Some(local_id)) if waits_for_data(ctx, local_id).await => {
            // A Create-Job whose Send-Document never arrived: remove the empty job, then print.
            let _ = ctx.local.cancel_job(local_id).await;
            e.phase = Phase::Fetched;
        }
        Ok(Some(local_id)) => {
            tracing::info!(printer = %ctx.name, job = e.job_id, local_job = local_id, "found the job on the printer");
            e.local_job_id = Some(local_id);
            e.phase = Phase::Printed;
        }
        Ok(None) => match e.stop {
            Some(Stop::State(s)) => finish(e, s, stop_reason(s), None),
            Some(Stop::Forget) => finish(e, job_state::CANCELED, "job-canceled-by-user", None),
            None => e.phase = Phase::Fetched,
        },
        Err(err) => {
            // The printer cannot list its jobs: without that answer, sending again could print twice.
            tracing::error!(printer = %ctx.name, job = e.job_id, error = %err, "cannot tell whether the printer has the job");
            finish(
                e,
                job_state::ABORTED,
                "aborted-by-system",
                Some(format!("Delivery state unknown: {err}")),
            );
        }
    }
    persist(ctx, e).await;
}

/// True for a held local job still waiting for its document (ippeveprinter: pending-held +
/// job-data-insufficient, PAPPL: job-incoming).
async fn waits_for_data(ctx: &PrinterCtx, local_id: i32) -> bool {
    match ctx.local.job(local_id).await {
        Ok(Some(j)) => {
            j.state == job_state::PENDING_HELD
                && j.reasons
                    .iter()
                    .any(|r| r == "job-data-insufficient" || r == "job-incoming")
        }
        _ => false,
    }
}

/// The final outcome from the local job's terminal state and the server's stop request.
pub fn outcome_of(j: &LocalJob, stop: Option<Stop>) -> Outcome {
    let (state, reasons) = match (j.state, stop) {
        (job_state::COMPLETED, _) => {
            let mut r: Vec<String> = j
                .reasons
                .iter()
                .filter(|r| r.starts_with("job-completed"))
                .cloned()
                .collect();
            if r.is_empty() {
                r.push("job-completed-successfully".into());
            }
            (job_state::COMPLETED, r)
        }
        (_, Some(Stop::State(s))) => (s, vec![stop_reason(s).to_string()]),
        (job_state::CANCELED, _) => (job_state::CANCELED, vec!["job-canceled-at-device".into()]),
        (state, _) => (state, vec!["aborted-by-system".into()]),
    };
    Outcome {
        state,
        reasons,
        message: j.message.clone(),
        impressions: j.impressions,
        sheets: j.sheets,
    }
}

/// Phase `Printed`: poll the local job until it ends; a stop request becomes Cancel-Job.
pub async fn follow(ctx: &PrinterCtx, e: &mut JobEntry) {
    let Some(local_id) = e.local_job_id else {
        e.phase = Phase::Printing;
        return persist(ctx, e).await;
    };
    let mut interval = FOLLOW_MIN;
    let mut last: Option<(i32, Vec<String>)> = None;
    let mut failures = 0u32;
    loop {
        absorb_stop(ctx, e).await;
        if e.stop.is_some() && !e.local_cancel_sent {
            match ctx.local.cancel_job(local_id).await {
                Ok(()) => {
                    tracing::info!(printer = %ctx.name, job = e.job_id, local_job = local_id, "Cancel-Job sent");
                    e.local_cancel_sent = true;
                    persist(ctx, e).await;
                    interval = FOLLOW_MIN;
                }
                Err(err) => {
                    tracing::warn!(printer = %ctx.name, job = e.job_id, error = %err, "Cancel-Job failed")
                }
            }
        }
        match ctx.local.job(local_id).await {
            Ok(Some(j)) if job_state::is_terminal(j.state) => {
                e.outcome = Some(outcome_of(&j, e.stop));
                e.phase = Phase::Finished;
                return persist(ctx, e).await;
            }
            Ok(Some(j)) => {
                failures = 0;
                let now = (j.state, j.reasons.clone());
                if last.as_ref() != Some(&now) {
                    progress(ctx, e.job_id, &j).await;
                    last = Some(now);
                }
            }
            Ok(None) => {
                e.outcome = Some(Outcome {
                    state: job_state::ABORTED,
                    reasons: vec!["aborted-by-system".into()],
                    message: Some(format!(
                        "The printer no longer knows its job {local_id}; whether it printed is unknown."
                    )),
                    impressions: 0,
                    sheets: None,
                });
                e.phase = Phase::Finished;
                return persist(ctx, e).await;
            }
            Err(err) => {
                failures += 1;
                if failures % 30 == 1 {
                    tracing::warn!(printer = %ctx.name, job = e.job_id, error = %err, "cannot read the local job");
                }
                interval = FOLLOW_MAX.max(interval);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = ctx.shared.stop_posted() => {}
        }
        interval = (interval * 3 / 2).min(FOLLOW_MAX);
    }
}

/// Reports an intermediate local state (processing, stopped…) once; not retried, the final report is.
async fn progress(ctx: &PrinterCtx, job_id: i32, j: &LocalJob) {
    let o = Outcome {
        state: j.state,
        reasons: j.reasons.clone(),
        message: j.message.clone(),
        impressions: j.impressions,
        sheets: j.sheets,
    };
    let sent = tokio::time::timeout(Duration::from_secs(5), ctx.infra.update_job_status(job_id, &o)).await;
    if let Ok(Err(err)) = sent {
        tracing::debug!(printer = %ctx.name, job = job_id, error = %err, "progress not reported");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(state: i32, reasons: &[&str]) -> LocalJob {
        LocalJob {
            state,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            message: None,
            impressions: 1,
            sheets: None,
        }
    }

    #[test]
    fn completed_is_reported_only_for_a_completed_local_job() {
        let o = outcome_of(&local(9, &["job-completed-successfully"]), None);
        assert_eq!(
            (o.state, o.reasons[0].as_str()),
            (9, "job-completed-successfully")
        );
        // Even when the server asked for a cancel that arrived too late, the device truth wins.
        assert_eq!(outcome_of(&local(9, &[]), Some(Stop::State(7))).state, 9);
        for state in [7, 8] {
            assert_ne!(outcome_of(&local(state, &[]), None).state, 9);
        }
    }

    #[test]
    fn a_server_stop_is_reported_with_the_servers_state() {
        let o = outcome_of(&local(7, &["job-canceled-by-user"]), Some(Stop::State(8)));
        assert_eq!((o.state, o.reasons[0].as_str()), (8, "aborted-by-system"));
        let o = outcome_of(&local(7, &[]), Some(Stop::State(7)));
        assert_eq!((o.state, o.reasons[0].as_str()), (7, "job-canceled-by-user"));
        let o = outcome_of(&local(7, &[]), None);
        assert_eq!(o.reasons[0], "job-canceled-at-device");
        let o = outcome_of(&local(8, &["document-format-error"]), None);
        assert_eq!((o.state, o.reasons[0].as_str()), (8, "aborted-by-system"));
    }
}
