//! Events (RFC 3995/3996 `ippget`): Create-Printer-Subscriptions, Get-Notifications (long poll with
//! `notify-wait`), Renew-Subscription, Cancel-Subscription. Events are the printer's rows in `device_events`,
//! written with the job change that causes them; the event id is the `notify-sequence-number`.

use crate::operation::{Answer, Request, app_failure, check_operation_group};
use ipp::prelude::*;
use platen_ipp_model::message::{IppResult, Value, add, as_int, new_group, op_attr, required_int, response};
use platen_ipp_model::status;
use std::time::Duration;

const SUPPORTED_EVENTS: &[&str] = &["job-fetchable", "job-state-changed"];
/// The longest a Get-Notifications with `notify-wait` is held open.
const LONG_POLL: Duration = Duration::from_secs(30);

pub async fn create_printer_subscriptions(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let templates =
        crate::notification::SubscriptionTemplate::all_of(&r.ipp, SUPPORTED_EVENTS, SUPPORTED_EVENTS)?;
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    for t in templates {
        let events = t.events;
        let lease = t.lease_secs.map(|s| Duration::from_secs(s.max(0) as u64));
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
    let ask = crate::notification::NotificationsRequest::of(&r.ipp)?;
    let mut subs = Vec::with_capacity(ask.ids.len());
    for id in &ask.ids {
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
    let events = r
        .state
        .app
        .device_events(&r.device, ask.from(), ask.wait.then_some(LONG_POLL))
        .await
        .map_err(app_failure)?;
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    ask.answer_head(&mut resp, 1);
    for (i, x) in subs.iter().enumerate() {
        let after = ask.after(i);
        for e in events
            .iter()
            .filter(|e| e.id > after && e.created_at >= x.created_at && x.events.contains(&e.event))
        {
            crate::notification::event_group(&mut resp, x.id, e, &e.event, None);
        }
    }
    Ok(resp.into())
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
