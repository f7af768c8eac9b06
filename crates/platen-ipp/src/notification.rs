//! One event as an IPP event notification group (RFC 3995 §5.3.1), for both endpoints' Get-Notifications:
//! devices' (INFRA) and people's IPP clients' (shares).

use ipp::prelude::*;
use platen_domain::records::DeviceEvent;
use platen_ipp_model::message::{
    IppFailure, IppResult, Msg, Value, add, as_bool, as_int, as_text, kw, new_group, op_attr, text, uri,
    values,
};

/// One subscription template of a Create-*-Subscriptions request (RFC 3995 §5.3): the `ippget` pull method
/// only, its events (those of `supported`; `default` when none is named) and its lease (seconds, when given).
pub struct SubscriptionTemplate {
    pub events: Vec<String>,
    pub lease_secs: Option<i32>,
    /// `notify-job-id` (Create-Job-Subscriptions).
    pub job_id: Option<i32>,
}

impl SubscriptionTemplate {
    /// Every subscription attributes group of the request; at least one is required.
    pub fn all_of(req: &Msg, supported: &[&str], default: &[&str]) -> IppResult<Vec<Self>> {
        let groups: Vec<&IppAttributeGroup> = req
            .attributes()
            .groups_of(DelimiterTag::SubscriptionAttributes)
            .collect();
        if groups.is_empty() {
            return Err(IppFailure::bad_request(
                "a subscription attributes group is required",
            ));
        }
        groups
            .into_iter()
            .map(|g| Self::of(g, supported, default))
            .collect()
    }

    fn of(g: &IppAttributeGroup, supported: &[&str], default: &[&str]) -> IppResult<Self> {
        let get = |n: &str| {
            g.attributes()
                .iter()
                .find(|a| a.name().as_str() == n)
                .map(|a| a.value())
        };
        let push = get("notify-recipient-uri").is_some();
        let other_pull = get("notify-pull-method")
            .and_then(as_text)
            .is_some_and(|m| m != "ippget");
        if push || other_pull {
            return Err(IppFailure::new(
                platen_ipp_model::status::ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                "only the ippget pull method is supported",
            ));
        }
        let mut events: Vec<String> = get("notify-events")
            .map(|v| values(v).into_iter().filter_map(as_text).collect())
            .unwrap_or_default();
        events.retain(|e| supported.contains(&e.as_str()));
        if events.is_empty() {
            events = default.iter().map(|e| e.to_string()).collect();
        }
        Ok(SubscriptionTemplate {
            events,
            lease_secs: get("notify-lease-duration").and_then(as_int),
            job_id: get("notify-job-id").and_then(as_int),
        })
    }
}

/// What a Get-Notifications asks for (RFC 3996 §5.2.1).
pub struct NotificationsRequest {
    pub ids: Vec<i64>,
    sequence_numbers: Vec<i64>,
    pub wait: bool,
}

impl NotificationsRequest {
    pub fn of(req: &Msg) -> IppResult<Self> {
        let ints = |n: &str| -> Vec<i64> {
            op_attr(req, n)
                .map(|v| values(v).into_iter().filter_map(as_int).map(i64::from).collect())
                .unwrap_or_default()
        };
        let ids = ints("notify-subscription-ids");
        if ids.is_empty() {
            return Err(IppFailure::bad_request("notify-subscription-ids is required"));
        }
        Ok(NotificationsRequest {
            ids,
            sequence_numbers: ints("notify-sequence-numbers"),
            wait: op_attr(req, "notify-wait").and_then(as_bool).unwrap_or(false),
        })
    }

    /// The last sequence number the client has of its `i`-th subscription (events after it are wanted).
    pub fn after(&self, i: usize) -> i64 {
        self.sequence_numbers.get(i).copied().unwrap_or(1).max(1) - 1
    }

    /// Where to start reading to answer every subscription of the request.
    pub fn from(&self) -> i64 {
        (0..self.ids.len()).map(|i| self.after(i)).min().unwrap_or(0)
    }

    /// The operation attributes of the answer: when to ask again, and the printer's clock.
    pub fn answer_head(&self, resp: &mut IppRequestResponse, up_time: i32) {
        let interval = if self.wait { 0 } else { 10 };
        add(
            resp,
            DelimiterTag::OperationAttributes,
            "notify-get-interval",
            Value::Integer(interval),
        );
        add(
            resp,
            DelimiterTag::OperationAttributes,
            "printer-up-time",
            Value::Integer(up_time),
        );
    }
}

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
        ("notify-job-id", Value::Integer(int32(e.job_id.get()))),
        ("job-id", Value::Integer(int32(e.job_id.get()))),
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
