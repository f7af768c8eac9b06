//! Events (RFC 3995/3996 `ippget`): Create-Printer-Subscriptions, Get-Notifications (long poll with
//! `notify-wait`), Renew-Subscription, Cancel-Subscription. Events are the printer's rows in `device_events`,
//! written with the job change that causes them; the event id is the `notify-sequence-number`.

use crate::operation::{Answer, Request, app_failure, check_operation_group};
use ipp::prelude::*;
use platen_ipp_model::message::{
    IppFailure, IppResult, Value, add, as_bool, as_int, as_text, kw, new_group, op_attr, required_int,
    response, text, values,
};
use platen_ipp_model::status;
use std::time::Duration;

const SUPPORTED_EVENTS: &[&str] = &["job-fetchable", "job-state-changed"];
/// The longest a Get-Notifications with `notify-wait` is held open.
const LONG_POLL: Duration = Duration::from_secs(30);

pub async fn create_printer_subscriptions(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let groups: Vec<&IppAttributeGroup> = r
        .ipp
        .attributes()
        .groups_of(DelimiterTag::SubscriptionAttributes)
        .collect();
    if groups.is_empty() {
        return Err(IppFailure::bad_request(
            "a subscription attributes group is required",
        ));
    }
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    for g in groups {
        let get = |n: &str| {
            g.attributes()
                .iter()
                .find(|a| a.name().as_str() == n)
                .map(|a| a.value())
        };
        if get("notify-recipient-uri").is_some() {
            return Err(IppFailure::new(
                status::ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                "only the ippget pull method is supported",
            ));
        }
        if let Some(method) = get("notify-pull-method").and_then(as_text)
            && method != "ippget"
        {
            return Err(IppFailure::new(
                status::ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                "only the ippget pull method is supported",
            ));
        }
        let mut events: Vec<String> = get("notify-events")
            .map(|v| values(v).into_iter().filter_map(as_text).collect())
            .unwrap_or_default();
        events.retain(|e| SUPPORTED_EVENTS.contains(&e.as_str()));
        if events.is_empty() {
            events = SUPPORTED_EVENTS.iter().map(|e| e.to_string()).collect();
        }
        let lease = get("notify-lease-duration")
            .and_then(as_int)
            .map(|s| Duration::from_secs(s.max(0) as u64));
        let x = r
            .state
            .app
            .create_device_subscription(&r.device, events, lease)
            .await
            .map_err(app_failure)?;
        new_group(
            &mut resp,
            DelimiterTag::SubscriptionAttributes,
            vec![
                (
                    "notify-subscription-id",
                    Value::Integer(i32::try_from(x.id).unwrap_or(i32::MAX)),
                ),
                (
                    "notify-lease-duration",
                    Value::Integer(lease.map(|l| l.as_secs() as i32).unwrap_or(0)),
                ),
            ],
        );
    }
    Ok(resp.into())
}

pub async fn get_notifications(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let ids: Vec<i64> = op_attr(&r.ipp, "notify-subscription-ids")
        .map(|v| values(v).into_iter().filter_map(as_int).map(i64::from).collect())
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(IppFailure::bad_request("notify-subscription-ids is required"));
    }
    let seqs: Vec<i64> = op_attr(&r.ipp, "notify-sequence-numbers")
        .map(|v| values(v).into_iter().filter_map(as_int).map(i64::from).collect())
        .unwrap_or_default();
    let wait = op_attr(&r.ipp, "notify-wait").and_then(as_bool).unwrap_or(false);
    let mut subs = Vec::with_capacity(ids.len());
    for id in &ids {
        subs.push(
            r.state
                .app
                .device_subscription(&r.device, *id)
                .await
                .map_err(app_failure)?,
        );
    }
    // All subscriptions of one request belong to this printer: read its events once from the smallest wanted
    // sequence number, then hand each subscription what it asked for.
    let from = ids
        .iter()
        .enumerate()
        .map(|(i, _)| seqs.get(i).copied().unwrap_or(1).max(1) - 1)
        .min()
        .unwrap_or(0);
    let events = r
        .state
        .app
        .device_events(&r.device, from, wait.then_some(LONG_POLL))
        .await
        .map_err(app_failure)?;
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    add(
        &mut resp,
        DelimiterTag::OperationAttributes,
        "notify-get-interval",
        Value::Integer(if wait { 0 } else { 10 }),
    );
    add(
        &mut resp,
        DelimiterTag::OperationAttributes,
        "printer-up-time",
        Value::Integer(1),
    );
    for (i, x) in subs.iter().enumerate() {
        let after = seqs.get(i).copied().unwrap_or(1).max(1) - 1;
        for e in events
            .iter()
            .filter(|e| e.id > after && e.created_at >= x.created_at && x.events.contains(&e.event))
        {
            let (_, reason) = platen_domain::device::ipp_job_state(phase_of(e.job_state));
            new_group(
                &mut resp,
                DelimiterTag::EventNotificationAttributes,
                vec![
                    (
                        "notify-subscription-id",
                        Value::Integer(i32::try_from(x.id).unwrap_or(i32::MAX)),
                    ),
                    (
                        "notify-sequence-number",
                        Value::Integer(i32::try_from(e.id).unwrap_or(i32::MAX)),
                    ),
                    ("notify-subscribed-event", kw(&e.event)),
                    ("notify-text", text(&format!("job {} {}", e.job_id, e.event))),
                    (
                        "job-id",
                        Value::Integer(i32::try_from(e.job_id.get()).unwrap_or(i32::MAX)),
                    ),
                    ("job-state", Value::Enum(e.job_state)),
                    ("job-state-reasons", kw(reason)),
                ],
            );
        }
    }
    Ok(resp.into())
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

pub async fn renew_subscription(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let id = i64::from(required_int(&r.ipp, "notify-subscription-id")?);
    let lease = op_attr(&r.ipp, "notify-lease-duration")
        .and_then(as_int)
        .map(|s| Duration::from_secs(s.max(0) as u64));
    r.state
        .app
        .renew_device_subscription(&r.device, id, lease)
        .await
        .map_err(app_failure)?;
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    add(
        &mut resp,
        DelimiterTag::OperationAttributes,
        "notify-lease-duration",
        Value::Integer(lease.map(|l| l.as_secs() as i32).unwrap_or(0)),
    );
    Ok(resp.into())
}

pub async fn cancel_subscription(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let id = i64::from(required_int(&r.ipp, "notify-subscription-id")?);
    r.state
        .app
        .cancel_device_subscription(&r.device, id)
        .await
        .map_err(app_failure)?;
    Ok(response(r.ipp.header(), status::OK, None)?.into())
}
