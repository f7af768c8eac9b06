//! One event as an IPP event notification group (RFC 3995 §5.3.1), for both endpoints' Get-Notifications:
//! devices' (INFRA) and people's IPP clients' (shares).

use ipp::prelude::*;
use platen_domain::records::DeviceEvent;
use platen_ipp_model::message::{Value, kw, new_group, text, uri};

/// Appends `e` as delivered to subscription `subscription`, named `event` (the subscribed event it stands for),
/// with the printer's URI when the client needs it.
pub fn event_group(
    resp: &mut IppRequestResponse,
    subscription: i64,
    e: &DeviceEvent,
    event: &str,
    printer_uri: Option<&str>,
) {
    let (_, reason) = platen_domain::device::ipp_job_state(phase_of(e.job_state));
    let mut attrs = vec![
        ("notify-subscription-id", Value::Integer(int32(subscription))),
        ("notify-sequence-number", Value::Integer(int32(e.id))),
        ("notify-subscribed-event", kw(event)),
        ("notify-text", text(&format!("job {} {event}", e.job_id))),
        ("notify-job-id", Value::Integer(int32(e.job_id))),
        ("job-id", Value::Integer(int32(e.job_id))),
        ("job-state", Value::Enum(e.job_state)),
        ("job-state-reasons", kw(reason)),
    ];
    if let Some(u) = printer_uri {
        attrs.push(("notify-printer-uri", uri(u)));
    }
    new_group(resp, DelimiterTag::EventNotificationAttributes, attrs);
}

fn int32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// The phase an event's job state stands for, to name its reason.
fn phase_of(state: i32) -> platen_domain::job::JobPhase {
    use platen_domain::job::JobPhase as P;
    match state {
        3 => P::Queued,
        4 => P::Held,
        5 => P::Processing,
        6 => P::Stopped,
        7 => P::Canceled,
        8 => P::Aborted,
        _ => P::Completed,
    }
}
