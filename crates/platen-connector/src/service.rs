//! One printer's service: start-up (device attributes, reconciliation, subscription, fetchable scan),
//! then three tasks: the job worker, the notification long poll, and periodic maintenance.

use crate::backoff::Backoff;
use crate::codes::{job_state, status};
use crate::ctx::PrinterCtx;
use crate::device::{fingerprint, output_device_attributes};
use crate::infra::Event;
use crate::job::{ClaimStatus, claim_status, persist, worker};
use crate::journal::{JobEntry, Phase, Stop};
use crate::msg::{self, v};
use ipp::attribute::IppAttribute;
use ipp::model::DelimiterTag;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Subscriptions are renewed at half their lease; a lost connector's subscription expires on its own.
const LEASE_SECS: i32 = 3600;
const MAINTENANCE_TICK: Duration = Duration::from_secs(15);
/// Every this many ticks: Get-Jobs fetchable and Update-Active-Jobs, the safety net for missed events.
const RESCAN_TICKS: u32 = 4;
/// Device attributes are re-sent at least this often even when unchanged: another connector serving the
/// same printer may have deregistered (printer shown stopped) when it shut down.
const ATTRIBUTES_REFRESH: Duration = Duration::from_secs(60);

pub async fn serve(ctx: Arc<PrinterCtx>, shutdown: CancellationToken) {
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = run_tasks(ctx.clone()) => {}
    }
    goodbye(&ctx).await;
}

async fn run_tasks(ctx: Arc<PrinterCtx>) {
    let resumed = start(&ctx).await;
    tracing::info!(printer = %ctx.name, resumed = resumed.len(), queued = ctx.shared.queued(), "serving");
    tokio::join!(
        worker(ctx.clone(), resumed),
        events(ctx.clone()),
        maintenance(ctx.clone())
    );
}

/// Start-up, repeated until the server answers.
async fn start(ctx: &PrinterCtx) -> Vec<JobEntry> {
    let mut backoff = Backoff::server();
    let mut attrs = AttributeState::default();
    loop {
        let attempt = async {
            attrs.refresh(ctx, true).await?;
            let resumed = reconcile_journal(ctx).await?;
            let sub = ctx.infra.create_subscription(LEASE_SECS).await?;
            ctx.shared.set_subscription(Some(sub));
            scan_fetchable(ctx).await?;
            Ok::<_, crate::error::Error>(resumed)
        };
        match attempt.await {
            Ok(resumed) => return resumed,
            Err(e) => {
                if backoff.failures().is_multiple_of(10) {
                    tracing::warn!(printer = %ctx.name, error = %e, "start-up failed; retrying");
                }
                backoff.wait().await;
            }
        }
    }
}

/// Update-Active-Jobs for the journal's jobs, and the restart rules that depend on the server's answer.
async fn reconcile_journal(ctx: &PrinterCtx) -> crate::error::Result<Vec<JobEntry>> {
    let mut entries = ctx.journal.load_all().map_err(crate::error::Error::Io)?;
    if entries.is_empty() {
        return Ok(entries);
    }
    let listed: Vec<(i32, i32)> = entries.iter().map(|e| (e.job_id, e.device_state())).collect();
    let diff = ctx.infra.update_active_jobs(&listed).await?;
    let mut keep = Vec::new();
    for mut e in entries.drain(..) {
        let unknown = diff.unknown.contains(&e.job_id);
        let server_state = diff
            .changed
            .iter()
            .find(|(id, _)| *id == e.job_id)
            .map(|(_, s)| *s);
        if e.phase == Phase::Claiming {
            // Crashed between recording the claim and learning the server's answer to it.
            match claim_status(&diff, e.job_id) {
                ClaimStatus::Ours => e.phase = Phase::Claimed,
                ClaimStatus::Unclaimed => match ctx.infra.acknowledge_job(e.job_id).await {
                    Ok(()) => e.phase = Phase::Claimed,
                    // Start-up is retried as a whole; the server's answer then tells whether this one landed.
                    Err(err) if err.is_transient() => return Err(err),
                    Err(_) => {
                        drop_entry(ctx, e.job_id).await;
                        continue;
                    }
                },
                ClaimStatus::Gone => {
                    drop_entry(ctx, e.job_id).await;
                    continue;
                }
            }
        } else if unknown {
            e.stop = Some(Stop::Forget);
        }
        if let Some(s @ (job_state::CANCELED | job_state::ABORTED)) = server_state
            && e.phase != Phase::Finished
        {
            e.stop = Some(Stop::State(s));
        }
        persist(ctx, &e).await;
        keep.push(e);
    }
    Ok(keep)
}

async fn drop_entry(ctx: &PrinterCtx, job_id: i32) {
    tracing::info!(printer = %ctx.name, job = job_id, "unfinished claim was not ours; dropped");
    crate::backoff::retry_io("removing a journal entry", || ctx.journal.remove(job_id)).await;
}

async fn scan_fetchable(ctx: &PrinterCtx) -> crate::error::Result<()> {
    for id in ctx.infra.fetchable_jobs().await? {
        ctx.shared.enqueue(id);
    }
    Ok(())
}

/// Update-Active-Jobs for the jobs the worker holds: stop requests for those the server ended.
async fn reconcile_active(ctx: &PrinterCtx) -> crate::error::Result<()> {
    let active = ctx.shared.active_jobs();
    if active.is_empty() {
        return Ok(());
    }
    let diff = ctx.infra.update_active_jobs(&active).await?;
    for (id, state) in diff.changed {
        if matches!(state, job_state::CANCELED | job_state::ABORTED) && ctx.shared.is_active(id) {
            ctx.shared.request_stop(id, Stop::State(state));
        }
    }
    for id in diff.unknown {
        if ctx.shared.is_active(id) {
            ctx.shared.request_stop(id, Stop::Forget);
        }
    }
    Ok(())
}

fn handle_event(ctx: &PrinterCtx, ev: &Event) {
    let Some(job_id) = ev.job_id else { return };
    let fetchable = ev.event == "job-fetchable" || ev.job_state_reasons.iter().any(|r| r == "job-fetchable");
    match ev.job_state {
        Some(s @ (job_state::CANCELED | job_state::ABORTED)) => {
            ctx.shared.dequeue_removed(job_id);
            ctx.shared.request_stop(job_id, Stop::State(s));
        }
        Some(job_state::COMPLETED) => ctx.shared.dequeue_removed(job_id),
        _ if fetchable => ctx.shared.enqueue(job_id),
        _ => {}
    }
}

/// The ippget long poll. Any gap (lost connection, lost subscription) ends with a rescan, so an event
/// missed in the gap cannot leave a job behind.
async fn events(ctx: Arc<PrinterCtx>) {
    let mut next_seq = 1;
    let mut backoff = Backoff::server();
    let mut renewed = Instant::now();
    let mut resync = false;
    loop {
        let sub = match ctx.shared.subscription() {
            Some(s) => s,
            None => match ctx.infra.create_subscription(LEASE_SECS).await {
                Ok(s) => {
                    ctx.shared.set_subscription(Some(s));
                    (next_seq, renewed, resync) = (1, Instant::now(), true);
                    s
                }
                Err(e) => {
                    tracing::warn!(printer = %ctx.name, error = %e, "cannot subscribe; retrying");
                    backoff.wait().await;
                    continue;
                }
            },
        };
        if resync {
            match async { scan_fetchable(&ctx).await.and(reconcile_active(&ctx).await) }.await {
                Ok(()) => resync = false,
                Err(e) => {
                    tracing::warn!(printer = %ctx.name, error = %e, "rescan failed; retrying");
                    backoff.wait().await;
                    continue;
                }
            }
        }
        if renewed.elapsed() > Duration::from_secs(LEASE_SECS as u64 / 2) {
            match ctx.infra.renew_subscription(sub, LEASE_SECS).await {
                Ok(()) => renewed = Instant::now(),
                Err(e) if !e.is_transient() => ctx.shared.set_subscription(None),
                Err(_) => {}
            }
            continue;
        }
        let started = Instant::now();
        match ctx.infra.get_notifications(sub, next_seq).await {
            Ok(n) => {
                backoff.reset();
                for ev in &n.events {
                    handle_event(&ctx, ev);
                    if let Some(seq) = ev.sequence_number {
                        next_seq = next_seq.max(seq + 1);
                    }
                }
                // A server that answers at once despite notify-wait: honour notify-get-interval.
                if n.events.is_empty() && started.elapsed() < Duration::from_secs(2) {
                    let secs = n.get_interval.unwrap_or(5).clamp(1, 30) as u64;
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                }
            }
            Err(e)
                if matches!(
                    e.ipp_status(),
                    Some(
                        status::CLIENT_ERROR_NOT_FOUND
                            | status::CLIENT_ERROR_GONE
                            | status::CLIENT_ERROR_NOT_POSSIBLE
                    )
                ) =>
            {
                tracing::info!(printer = %ctx.name, error = %e, "subscription lost; subscribing again");
                ctx.shared.set_subscription(None);
            }
            Err(e) => {
                if backoff.failures().is_multiple_of(10) {
                    tracing::warn!(printer = %ctx.name, error = %e, "Get-Notifications failed; retrying");
                }
                resync = true;
                backoff.wait().await;
                if !e.is_transient() {
                    ctx.shared.set_subscription(None);
                }
            }
        }
    }
}

/// What was last sent with Update-Output-Device-Attributes.
#[derive(Default)]
struct AttributeState {
    fingerprint: Vec<u8>,
    sent_at: Option<Instant>,
}

impl AttributeState {
    /// Reads the local printer and sends its attributes when they changed (or `force`). An unreachable
    /// printer is reported as stopped / timed-out, so that the Graph printer shows it.
    async fn refresh(&mut self, ctx: &PrinterCtx, force: bool) -> crate::error::Result<()> {
        let attrs = match ctx.local.printer_attributes().await {
            Ok(resp) => {
                if let Some(g) = resp.group(DelimiterTag::PrinterAttributes) {
                    ctx.shared
                        .set_formats(msg::strings(g, "document-format-supported"));
                }
                output_device_attributes(&resp, &ctx.host)
            }
            Err(e) => {
                tracing::warn!(printer = %ctx.name, uri = ctx.local.uri(), error = %e, "local printer unreachable");
                vec![
                    IppAttribute::new(
                        ipp::value::BoundedString::new_truncated("printer-state"),
                        v::enumv(5),
                    ),
                    IppAttribute::new(
                        ipp::value::BoundedString::new_truncated("printer-state-reasons"),
                        v::keywords(&["timed-out"]),
                    ),
                ]
            }
        };
        let fp = fingerprint(&attrs);
        let stale = self.sent_at.is_none_or(|t| t.elapsed() > ATTRIBUTES_REFRESH);
        if force || stale || fp != self.fingerprint {
            ctx.infra.update_output_device_attributes(&attrs).await?;
            self.fingerprint = fp;
            self.sent_at = Some(Instant::now());
        }
        Ok(())
    }
}

async fn maintenance(ctx: Arc<PrinterCtx>) {
    let mut attrs = AttributeState::default();
    let mut tick = tokio::time::interval(MAINTENANCE_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u32 = 0;
    loop {
        tick.tick().await;
        n = n.wrapping_add(1);
        // The first tick fires at once; start-up has just done all of this.
        if n == 1 {
            continue;
        }
        if let Err(e) = attrs.refresh(&ctx, false).await {
            tracing::debug!(printer = %ctx.name, error = %e, "device attributes not sent");
        }
        if n.is_multiple_of(RESCAN_TICKS) {
            let rescan = async { scan_fetchable(&ctx).await.and(reconcile_active(&ctx).await) };
            if let Err(e) = rescan.await {
                tracing::debug!(printer = %ctx.name, error = %e, "periodic rescan failed");
            }
        }
    }
}

/// On shutdown: drop the subscription and deregister the device (bounded: the server may be down).
async fn goodbye(ctx: &PrinterCtx) {
    let bye = async {
        if let Some(sub) = ctx.shared.subscription() {
            let _ = ctx.infra.cancel_subscription(sub).await;
        }
        ctx.infra.deregister_output_device().await
    };
    match tokio::time::timeout(Duration::from_secs(5), bye).await {
        Ok(Ok(())) => tracing::info!(printer = %ctx.name, "deregistered"),
        Ok(Err(e)) => tracing::info!(printer = %ctx.name, error = %e, "deregistration not acknowledged"),
        Err(_) => tracing::info!(printer = %ctx.name, "deregistration timed out"),
    }
}
