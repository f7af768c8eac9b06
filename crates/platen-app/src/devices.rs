//! The device side of jobs (INFRA output devices): device tokens, the printer's view of its jobs, claiming
//! (Acknowledge-Job), fetching documents, status reports, events for long polls. Every job change goes through
//! the same state machine and commit path as the Graph side, so a device and a user can never both win.

use crate::job_door::{Intent, Otherwise};
use crate::{App, AppError, Outcome, Result};
use platen_blob::ByteStream;
use platen_domain::device::{device_abort_error_code, device_report};
use platen_domain::job::{JobEvent, Refusal};
use platen_domain::records::{DeviceEvent, Document, IppSubscription, Job, Printer};
use platen_domain::time::now_micros;
use platen_domain::usage::PrintCounts;
use platen_domain::{JobId, PrinterId, TenantId};
use platen_odata::parse_filter;
use platen_store::{JobScope, ListQuery};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// An authenticated device: the printer it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub tenant_id: TenantId,
    pub printer_id: PrinterId,
    /// Identifies the access token the device authenticated with (a prefix of its hash): two processes that
    /// share one printer identity still hold different tokens, so their claims can be told apart.
    pub session: String,
}

/// Device access tokens last an hour; devices refresh them with a new assertion.
pub const DEVICE_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn device_actor(d: &Device) -> String {
    format!("device:{}", d.printer_id)
}

impl App {
    /// Exchanges a device's signed assertion for an access token (RFC 7523 `jwt-bearer`).
    pub async fn issue_device_token(&self, assertion: &str, audience: &str) -> Result<(String, Duration)> {
        let invalid = |m: String| AppError::Forbidden(m);
        let printer_id =
            platen_auth::device_assertion_subject(assertion).map_err(|e| invalid(e.message()))?;
        let tenant = self
            .store
            .printer_tenant(&printer_id)
            .await?
            .ok_or_else(|| invalid("unknown printer".into()))?;
        let printer = self
            .store
            .get_printer(&tenant, &printer_id)
            .await?
            .ok_or_else(|| invalid("unknown printer".into()))?;
        let cert = printer
            .certificate
            .as_deref()
            .ok_or_else(|| invalid("the printer has no device certificate".into()))?;
        let der = platen_pki::decode_certificate(cert)
            .map_err(|e| AppError::Internal(format!("stored certificate: {e}")))?;
        let verified = self
            .ca
            .verify_issued(&der)
            .map_err(|e| invalid(format!("device certificate: {e}")))?;
        if verified.subject_cn != printer_id {
            return Err(invalid(
                "the device certificate was issued for another printer".into(),
            ));
        }
        platen_auth::verify_device_assertion(
            assertion,
            &verified.public_key_spki_der,
            audience,
            Duration::from_secs(60),
        )
        .map_err(|e| invalid(e.message()))?;
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        let token = hex::encode(secret);
        let expires = now_micros() + DEVICE_TOKEN_LIFETIME.as_micros() as i64;
        self.store
            .create_device_token(&hash(&token), &tenant, &printer_id, expires)
            .await?;
        // A device (or its connector) checking in: Graph shows when it was last seen.
        let mut seen = printer;
        seen.last_seen_at = Some(now_micros());
        self.store.update_printer(&seen).await?;
        if let Some(connector_id) = &seen.connector_id
            && let Some(mut c) = self.store.get_connector(&tenant, connector_id).await?
        {
            c.last_connection_at = Some(now_micros());
            self.store.update_connector(&c).await?;
        }
        Ok((token, DEVICE_TOKEN_LIFETIME))
    }

    /// The device behind an access token, which must be for the printer the request addresses.
    pub async fn authenticate_device(&self, token: &str, printer_id: &str) -> Result<Device> {
        let (tenant, printer, expires) = self
            .store
            .device_token(&hash(token))
            .await?
            .ok_or_else(|| AppError::Forbidden("unknown device token".into()))?;
        if expires <= now_micros() {
            return Err(AppError::Forbidden("the device token has expired".into()));
        }
        if !printer.eq_ignore_ascii_case(printer_id) {
            return Err(AppError::Forbidden(
                "the device token is for another printer".into(),
            ));
        }
        // Deleting a printer revokes its devices at once.
        self.store
            .get_printer(&tenant, &printer)
            .await?
            .ok_or_else(|| AppError::Forbidden("the printer was deleted".into()))?;
        // When each device last called in (any IPP request with its token), for alerting on silent printers.
        metrics::gauge!("platen_device_last_seen_timestamp_seconds", "printer" => printer.to_string())
            .set(now_micros() as f64 / 1e6);
        Ok(Device {
            tenant_id: tenant.into(),
            printer_id: printer.into(),
            session: hash(token)[..16].to_string(),
        })
    }

    pub async fn device_printer(&self, d: &Device) -> Result<Printer> {
        self.store
            .get_printer(&d.tenant_id, &d.printer_id)
            .await?
            .ok_or_else(|| AppError::not_found("printer"))
    }

    /// Stores what the device reported (Update-Output-Device-Attributes), already mapped to Graph values.
    pub async fn update_device_printer(
        &self,
        d: &Device,
        change: impl FnOnce(&mut Printer),
    ) -> Result<Printer> {
        let mut p = self.device_printer(d).await?;
        change(&mut p);
        p.last_seen_at = Some(now_micros());
        self.store.update_printer(&p).await?;
        Ok(p)
    }

    /// Updates the printConnector a printer belongs to from what its connector reports.
    pub async fn update_connector_of(
        &self,
        d: &Device,
        app_version: Option<String>,
        os: Option<String>,
    ) -> Result<()> {
        let p = self.device_printer(d).await?;
        let Some(id) = p.connector_id else { return Ok(()) };
        let Some(mut c) = self.store.get_connector(&d.tenant_id, &id).await? else {
            return Ok(());
        };
        if let Some(v) = app_version {
            c.app_version = v;
        }
        if let Some(v) = os {
            c.operating_system = v;
        }
        c.last_connection_at = Some(now_micros());
        self.store.update_connector(&c).await?;
        Ok(())
    }

    /// Jobs a device may see: `fetchable` (waiting to be claimed), `not-completed`, `completed` or `all`.
    pub async fn device_jobs(&self, d: &Device, which: &str, limit: u32) -> Result<Vec<Job>> {
        let filter = match which {
            "fetchable" => Some("isFetchable eq true"),
            "not-completed" => Some("status/state in ('pending','processing','stopped','paused')"),
            "completed" => Some("status/state in ('completed','canceled','aborted')"),
            _ => None,
        };
        let query = ListQuery {
            filter: filter
                .map(parse_filter)
                .transpose()
                .map_err(|e| AppError::Internal(e.message()))?,
            limit,
            ..ListQuery::default()
        };
        let scope = JobScope {
            printer_id: Some(d.printer_id.clone()),
            share_id: None,
            owner_id: None,
        };
        Ok(self.store.list_jobs(&d.tenant_id, &scope, &query).await?.items)
    }

    pub async fn device_job(&self, d: &Device, job_id: JobId) -> Result<Job> {
        self.store
            .get_job(&d.tenant_id, job_id)
            .await?
            .filter(|j| j.printer_id == d.printer_id)
            .ok_or_else(|| AppError::not_found("print job"))
    }

    /// Acknowledge-Job: the atomic claim. A job that is no longer fetchable (claimed by another output
    /// device, canceled, held) is refused with `NotFetchable`; a repeat by the device that claimed it (same
    /// `output-device-uuid`) is fine. Devices that name no uuid cannot repeat a claim.
    pub async fn acknowledge_job(
        &self,
        d: &Device,
        job_id: JobId,
        output_device: Option<&str>,
    ) -> Result<Job> {
        let job = self.device_job(d, job_id).await?;
        // The claimant is the output device (its uuid) on this device session: a repeat from the same device and
        // session is the same claim; anyone else, even with a copied identity, is another claimant.
        let claimant = Some(format!(
            "{}#{}",
            output_device.unwrap_or("").to_ascii_lowercase(),
            d.session
        ));
        let mine = claimant.clone();
        let claim = Intent::new(JobEvent::DeviceAcknowledged, device_actor(d)).edit(move |j| {
            j.acknowledged_at = Some(now_micros());
            j.acquired_by = mine.clone();
        });
        match self.change_job(job, claim).await?.into_outcome()? {
            Outcome::Changed(j) => Ok(j),
            Outcome::Unchanged(j) if j.acquired_by == claimant => Ok(j),
            Outcome::Unchanged(_) => Err(AppError::Refused(Refusal::NotFetchable)),
        }
    }

    /// Fetch-Document: the job's payload for the device that claimed it (or may claim it).
    pub async fn device_document(&self, d: &Device, job_id: JobId) -> Result<(Document, u64, ByteStream)> {
        let job = self.device_job(d, job_id).await?;
        if !job.phase.is_readable_by_device() {
            return Err(AppError::Refused(Refusal::NotFetchable));
        }
        let doc = self
            .store
            .list_documents(&d.tenant_id, job.id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::not_found("print document"))?;
        // A converted payload (an OXPS upload to a PDF-only printer) replaces the upload for the device.
        let doc = doc.for_device();
        let key = doc
            .blob_key
            .clone()
            .ok_or_else(|| AppError::not_found("print document content"))?;
        let (len, stream) = self.blobs.get(&key).await?;
        self.store
            .mark_document_downloaded(&d.tenant_id, &doc.id, now_micros())
            .await?;
        Ok((doc, len, stream))
    }

    /// Update-Job-Status: the device's progress and final state. A report that changes nothing (the device
    /// confirming a cancel Graph already shows) is recorded in the job's history.
    pub async fn device_job_status(
        &self,
        d: &Device,
        job_id: JobId,
        state: i32,
        reasons: &[String],
        message: Option<String>,
        counts: PrintCounts,
    ) -> Result<Job> {
        let job = self.device_job(d, job_id).await?;
        let Some(event) = device_report(state, reasons) else {
            return Ok(job);
        };
        let reason = message.filter(|m| !m.is_empty());
        // An abort by the device carries its cause as the job's errorCode (see `device_abort_error_code`).
        let error_code = (event == JobEvent::DeviceAborted).then(|| device_abort_error_code(reasons));
        // A report that changes nothing (the device confirming a cancel Graph already shows) is history only.
        // The counters ride on a report that moves the job (the final one carries the totals).
        let report = Intent::new(event, device_actor(d))
            .reason(reason)
            .edit(move |j| {
                j.counts = j.counts.merged(counts);
                if error_code.is_some() {
                    j.error_code = error_code;
                }
            })
            .otherwise(Otherwise::Note(|phase| {
                format!("the device confirmed {}", phase.graph_state())
            }));
        self.change_job(job, report).await?.into_job()
    }

    // ---- ippget events ---------------------------------------------------------------------------------

    pub async fn create_device_subscription(
        &self,
        d: &Device,
        events: Vec<String>,
        lease: Option<Duration>,
    ) -> Result<IppSubscription> {
        let now = now_micros();
        let mut x = IppSubscription {
            tenant_id: d.tenant_id.clone(),
            id: 0,
            printer_id: d.printer_id.clone(),
            events,
            lease_expires_at: lease
                .filter(|l| !l.is_zero())
                .map(|l| now + l.as_micros() as i64)
                .unwrap_or(0),
            created_at: now,
            owner_id: None,
            job_id: None,
        };
        x.id = self.store.create_ipp_subscription(&x).await?;
        Ok(x)
    }

    pub async fn device_subscription(&self, d: &Device, id: i64) -> Result<IppSubscription> {
        let x = self
            .store
            .get_ipp_subscription(&d.tenant_id, id)
            .await?
            .filter(|x| x.printer_id == d.printer_id)
            .ok_or_else(|| AppError::not_found("subscription"))?;
        if x.lease_expires_at != 0 && x.lease_expires_at < now_micros() {
            return Err(AppError::not_found("subscription"));
        }
        Ok(x)
    }

    pub async fn renew_device_subscription(
        &self,
        d: &Device,
        id: i64,
        lease: Option<Duration>,
    ) -> Result<()> {
        self.device_subscription(d, id).await?;
        let expires = lease
            .filter(|l| !l.is_zero())
            .map(|l| now_micros() + l.as_micros() as i64)
            .unwrap_or(0);
        Ok(self
            .store
            .renew_ipp_subscription(&d.tenant_id, id, expires)
            .await?)
    }

    pub async fn cancel_device_subscription(&self, d: &Device, id: i64) -> Result<()> {
        self.device_subscription(d, id).await?;
        self.store.cancel_ipp_subscription(&d.tenant_id, id).await?;
        Ok(())
    }

    /// Events after `after` for the printer; when `wait` is set and there are none, waits up to `wait` for a
    /// job change of the printer to commit (woken through `device_wakeups`, by this node's job door or by the
    /// change feed for other nodes' changes; a slow re-check covers a feed that missed one).
    pub async fn device_events(
        &self,
        d: &Device,
        after: i64,
        wait: Option<Duration>,
    ) -> Result<Vec<DeviceEvent>> {
        self.printer_events(&d.tenant_id, &d.printer_id, after, wait)
            .await
    }

    /// A printer's events after `after` (a page), waiting up to `wait` for one when there are none.
    pub(crate) async fn printer_events(
        &self,
        tenant: &str,
        printer: &str,
        after: i64,
        wait: Option<Duration>,
    ) -> Result<Vec<DeviceEvent>> {
        let Some(deadline) = wait.map(|w| tokio::time::Instant::now() + w) else {
            return Ok(self
                .store
                .device_events(tenant, printer, after, EVENT_PAGE)
                .await?);
        };
        let wakeups = self.device_wakeups.wait_for(tenant, printer);
        let mut waiting = None;
        loop {
            let notified = wakeups.signal().notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let events = self
                .store
                .device_events(tenant, printer, after, EVENT_PAGE)
                .await?;
            if !events.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(events);
            }
            waiting.get_or_insert_with(LongPoll::begin);
            let recheck = (tokio::time::Instant::now() + LONG_POLL_RECHECK).min(deadline);
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep_until(recheck) => {}
            }
        }
    }

    pub async fn last_device_event(&self, d: &Device) -> Result<i64> {
        Ok(self
            .store
            .last_device_event_id(&d.tenant_id, &d.printer_id)
            .await?)
    }
}

/// How many events one read of a printer's events returns at most.
pub(crate) const EVENT_PAGE: u32 = 100;

/// How often a waiting long poll looks at the database anyway, in case a wake-up was lost (a change feed that
/// reconnected). Wake-ups answer changes at once; this bounds the worst case, at one query per waiting device per
/// period.
const LONG_POLL_RECHECK: Duration = Duration::from_secs(5);

/// A device's long poll that is waiting, counted in `platen_device_long_polls` until it answers or its client goes
/// away (the future is dropped).
struct LongPoll;

impl LongPoll {
    fn begin() -> Self {
        metrics::gauge!("platen_device_long_polls").increment(1.0);
        LongPoll
    }
}

impl Drop for LongPoll {
    fn drop(&mut self) {
        metrics::gauge!("platen_device_long_polls").decrement(1.0);
    }
}
