//! Job events for people's IPP clients (RFC 3995/3996 `ippget`): Create-Printer-Subscriptions,
//! Get-Notifications (with `notify-wait` held up to 30 s), Renew-Subscription, Cancel-Subscription. A
//! subscription is its user's; it hears of the jobs that user may see (`App::share_events`).

use super::job_attributes::{unix_now, up_time_at};
use super::request::{Outcome, ShareRequest, app_failure};
use crate::operation::Answer;
use ipp::prelude::*;
use platen_domain::Operation;
use platen_domain::records::DeviceEvent;
use platen_ipp_model::message::{
    IppFailure, Value, add, as_int, kw, new_group, op_attr, required_int, response,
};
use platen_ipp_model::status;
use std::time::Duration;

/// The events a client may subscribe to, in the order they are named when one event stands for several.
pub const EVENTS: &[&str] = &["job-created", "job-completed", "job-state-changed"];
/// The longest lease granted (a client renews before it ends); 0 asks for this too.
pub const MAX_LEASE: Duration = Duration::from_secs(86_400);
const LONG_POLL: Duration = Duration::from_secs(30);

/// The client events one stored event stands for: a job becoming fetchable is a job created (started: the
/// state change that comes with it is an event of its own); a change to a final state completed it.
fn client_events(e: &DeviceEvent) -> Vec<&'static str> {
    if e.event == platen_domain::job::effects::JOB_FETCHABLE {
        return vec!["job-created"];
    }
    let mut out = vec!["job-state-changed"];
    if e.job_state >= platen_domain::device::ipp_state::CANCELED {
        out.push("job-completed");
    }
    out
}

fn lease_of(v: Option<&Value>) -> Duration {
    match v.and_then(as_int) {
        Some(s) if s > 0 => Duration::from_secs(s as u64).min(MAX_LEASE),
        _ => MAX_LEASE,
    }
}

pub async fn create_printer_subscriptions(r: &ShareRequest) -> Outcome<Answer> {
    create_subscriptions(r, false).await
}

/// Create-Job-Subscriptions: each template names its job (`notify-job-id`), which must be one the caller may
/// read; the subscription hears of that job only.
pub async fn create_job_subscriptions(r: &ShareRequest) -> Outcome<Answer> {
    create_subscriptions(r, true).await
}

async fn create_subscriptions(r: &ShareRequest, of_jobs: bool) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::ListJobs)?;
    r.check_share_access(caller, &access).await?;
    let templates = crate::notification::SubscriptionTemplate::all_of(&r.ipp, EVENTS, &["job-completed"])?;
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    for t in templates {
        let events = t.events;
        let lease = match t.lease_secs {
            Some(s) if s > 0 => Duration::from_secs(s as u64).min(MAX_LEASE),
            _ => MAX_LEASE,
        };
        let job = match (of_jobs, t.job_id) {
            (false, _) => None,
            (true, None) => {
                return Err(
                    IppFailure::bad_request("notify-job-id is required for a job subscription").into(),
                );
            }
            (true, Some(id)) => {
                let read = r.access(Operation::GetJob)?.1;
                let job = r
                    .state
                    .app
                    .find_job(caller, &read, &r.target(), &id.to_string())
                    .await
                    .map_err(app_failure)?;
                Some(job.id)
            }
        };
        let x = r
            .state
            .app
            .create_share_subscription(caller, &r.share, events, Some(lease), job)
            .await
            .map_err(app_failure)?;
        new_group(
            &mut resp,
            DelimiterTag::SubscriptionAttributes,
            vec![
                ("notify-subscription-id", Value::Integer(int32(x.id))),
                (
                    "notify-lease-duration",
                    Value::Integer(int32(lease.as_secs() as i64)),
                ),
            ],
        );
    }
    Ok(resp.into())
}

pub async fn get_notifications(r: &ShareRequest) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::ListJobs)?;
    let ask = crate::notification::NotificationsRequest::of(&r.ipp)?;
    let app = &r.state.app;
    let mut subs = Vec::with_capacity(ask.ids.len());
    for id in &ask.ids {
        subs.push(
            app.share_subscription(caller, &access, &r.share, *id)
                .await
                .map_err(app_failure)?,
        );
    }
    let events = app
        .share_events(
            caller,
            &access,
            &r.share,
            ask.from(),
            ask.wait.then_some(LONG_POLL),
        )
        .await
        .map_err(app_failure)?;
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    ask.answer_head(&mut resp, up_time_at(r, unix_now()));
    let printer_uri = r.printer_uri();
    for (i, x) in subs.iter().enumerate() {
        for e in events
            .iter()
            .filter(|e| e.id > ask.after(i) && e.created_at >= x.created_at)
            .filter(|e| x.job_id.is_none_or(|j| j == e.job_id))
        {
            let named = client_events(e)
                .into_iter()
                .find(|n| x.events.iter().any(|s| s == n));
            if let Some(event) = named {
                crate::notification::event_group(&mut resp, x.id, e, event, Some(&printer_uri));
            }
        }
    }
    Ok(resp.into())
}

pub async fn renew_subscription(r: &ShareRequest) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::ListJobs)?;
    let id = i64::from(required_int(&r.ipp, "notify-subscription-id")?);
    let lease = lease_of(op_attr(&r.ipp, "notify-lease-duration"));
    r.state
        .app
        .renew_share_subscription(caller, &access, &r.share, id, Some(lease))
        .await
        .map_err(app_failure)?;
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    add(
        &mut resp,
        DelimiterTag::OperationAttributes,
        "notify-lease-duration",
        Value::Integer(int32(lease.as_secs() as i64)),
    );
    Ok(resp.into())
}

pub async fn cancel_subscription(r: &ShareRequest) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::ListJobs)?;
    let id = i64::from(required_int(&r.ipp, "notify-subscription-id")?);
    r.state
        .app
        .cancel_share_subscription(caller, &access, &r.share, id)
        .await
        .map_err(app_failure)?;
    Ok(response(r.ipp.header(), status::OK, None)?.into())
}

fn int32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// The notification attributes of the printer description.
pub fn description() -> Vec<(&'static str, Value)> {
    vec![
        (
            "notify-events-supported",
            Value::Array(EVENTS.iter().map(|e| kw(e)).collect()),
        ),
        ("notify-events-default", kw("job-completed")),
        ("notify-pull-method-supported", kw("ippget")),
        (
            "notify-lease-duration-supported",
            Value::RangeOfInteger {
                min: 0,
                max: int32(MAX_LEASE.as_secs() as i64),
            },
        ),
        (
            "notify-lease-duration-default",
            Value::Integer(int32(MAX_LEASE.as_secs() as i64)),
        ),
        ("notify-max-events-supported", Value::Integer(100)),
    ]
}
