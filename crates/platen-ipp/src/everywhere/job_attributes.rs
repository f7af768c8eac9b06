//! A Graph job as an IPP job object: its state from the one phase table (`platen_domain::device`), its
//! template from the one mapping table, its times relative to the service's start.

use super::request::ShareRequest;
use platen_domain::JobId;
use platen_domain::device::ipp_job_state;
use platen_domain::records::{Document, Job};
use platen_ipp_model::mapping::description::date_time;
use platen_ipp_model::mapping::{job_name, job_template};
use platen_ipp_model::message::{Value, as_text, kw, mime, name, text, uri, values};

/// Which attributes a request asked for (`requested-attributes`), with the operation's default.
pub struct Requested {
    names: Vec<String>,
}

impl Requested {
    pub fn of(r: &ShareRequest, default: &[&str]) -> Self {
        let names: Vec<String> = platen_ipp_model::message::op_attr(&r.ipp, "requested-attributes")
            .map(|v| values(v).into_iter().filter_map(as_text).collect())
            .unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect());
        Requested { names }
    }

    fn has(&self, n: &str) -> bool {
        self.names.iter().any(|x| x == n)
    }

    fn wants(&self, attribute: &str, template: bool) -> bool {
        self.has("all")
            || self.has(attribute)
            || (template && self.has("job-template"))
            || (!template && self.has("job-description"))
    }
}

/// Seconds since the service started, as RFC 8011's `time-at-*` and `printer-up-time` count (≥ 1).
pub fn up_time_at(r: &ShareRequest, unix: i64) -> i32 {
    i32::try_from((unix - r.state.started_unix).max(1)).unwrap_or(i32::MAX)
}

/// The job's attributes the caller asked for. `detail`: the caller owns the job (or administers the share);
/// others see only what identifies it and its state, not its name or owner (RFC 8011 §5.3 privacy).
pub fn job_attributes(
    r: &ShareRequest,
    job: &Job,
    document: Option<&Document>,
    requested: &Requested,
    detail: bool,
) -> Vec<(String, Value)> {
    let (state, reason) = ipp_job_state(job.phase);
    let mut out: Vec<(String, Value, bool)> = vec![
        ("job-id".into(), Value::Integer(id32(job.id)), false),
        ("job-uri".into(), uri(&r.job_uri(job.id)), false),
        ("job-printer-uri".into(), uri(&r.printer_uri()), false),
        ("job-state".into(), Value::Enum(state), false),
        ("job-state-reasons".into(), kw(reason), false),
        (
            "job-state-message".into(),
            text(
                job.status_reason
                    .as_deref()
                    .unwrap_or(job.phase.graph_status(job.completion).description),
            ),
            false,
        ),
        (
            "job-printer-up-time".into(),
            Value::Integer(up_time_at(r, unix_now())),
            false,
        ),
        (
            "time-at-creation".into(),
            Value::Integer(up_time_at(r, job.created_at / 1_000_000)),
            false,
        ),
        (
            "date-time-at-creation".into(),
            date_time(job.created_at / 1_000_000),
            false,
        ),
    ];
    let times = [
        ("processing", job.acknowledged_at),
        ("completed", job.completed_at),
    ];
    for (what, at) in times {
        out.push((
            format!("time-at-{what}"),
            at.map_or(Value::NoValue, |t| Value::Integer(up_time_at(r, t / 1_000_000))),
            false,
        ));
        out.push((
            format!("date-time-at-{what}"),
            at.map_or(Value::NoValue, |t| date_time(t / 1_000_000)),
            false,
        ));
    }
    if detail {
        let doc_name = document.map(|d| d.display_name.as_str()).unwrap_or("");
        out.push((
            "job-name".into(),
            job_name(job.display_name.as_deref(), doc_name),
            false,
        ));
        let owner = job
            .created_by
            .user_principal_name
            .as_deref()
            .or(job.created_by.display_name.as_deref())
            .unwrap_or(&job.created_by.id);
        out.push(("job-originating-user-name".into(), name(owner), false));
        let uploaded = document.is_some_and(|d| d.uploaded_at.is_some());
        out.push((
            "number-of-documents".into(),
            Value::Integer(i32::from(uploaded)),
            false,
        ));
        if let Some(d) = document.filter(|d| d.uploaded_at.is_some()) {
            let k = i32::try_from((d.size + 1023) / 1024).unwrap_or(i32::MAX);
            out.push(("job-k-octets".into(), Value::Integer(k), false));
            out.push(("document-format".into(), mime(&d.content_type), false));
        }
        for (n, v) in job_template(&job.configuration) {
            out.push((n.to_string(), v, true));
        }
    }
    out.into_iter()
        .filter(|(n, _, template)| requested.wants(n, *template))
        .map(|(n, v, _)| (n, v))
        .collect()
}

/// Graph job ids are small positive numbers; IPP's are 32-bit.
pub fn id32(id: JobId) -> i32 {
    i32::try_from(id.get()).unwrap_or(i32::MAX)
}

pub fn unix_now() -> i64 {
    platen_domain::time::now_micros() / 1_000_000
}
