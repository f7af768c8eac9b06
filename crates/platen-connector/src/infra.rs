//! The INFRA operations (PWG 5100.18) and ippget notifications (RFC 3996) the proxy sends.

use crate::codes::op;
use crate::error::Result;
use crate::ipp_client::InfraClient;
use crate::journal::Outcome;
use crate::msg::{self, Response, v};
use crate::ticket::Ticket;
use ipp::attribute::IppAttribute;
use ipp::model::DelimiterTag;
use std::path::Path;
use std::time::Duration;

pub const EVENTS: &[&str] = &["job-fetchable", "job-state-changed"];

/// One event-notification group of a Get-Notifications response.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub subscription_id: Option<i32>,
    pub sequence_number: Option<i32>,
    pub event: String,
    pub job_id: Option<i32>,
    pub job_state: Option<i32>,
    pub job_state_reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notifications {
    pub events: Vec<Event>,
    /// `notify-get-interval`: seconds to wait before the next poll when nothing happened.
    pub get_interval: Option<i32>,
}

/// The answer to Update-Active-Jobs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActiveJobsDiff {
    /// (job-id, the server's job state) for listed or assigned jobs whose state differs from ours.
    pub changed: Vec<(i32, i32)>,
    /// Listed jobs the server does not know or has not assigned to this device.
    pub unknown: Vec<i32>,
}

impl InfraClient {
    pub async fn update_output_device_attributes(&self, attrs: &[IppAttribute]) -> Result<()> {
        let mut r = self.request(op::UPDATE_OUTPUT_DEVICE_ATTRIBUTES)?;
        for a in attrs {
            r.push(DelimiterTag::PrinterAttributes, a.clone());
        }
        self.send(r).await.map(drop)
    }

    pub async fn deregister_output_device(&self) -> Result<()> {
        self.send(self.request(op::DEREGISTER_OUTPUT_DEVICE)?)
            .await
            .map(drop)
    }

    /// Create-Printer-Subscriptions (ippget); returns the subscription id.
    pub async fn create_subscription(&self, lease_secs: i32) -> Result<i32> {
        let mut r = self.request(op::CREATE_PRINTER_SUBSCRIPTIONS)?;
        r.add(
            DelimiterTag::SubscriptionAttributes,
            "notify-pull-method",
            v::keyword("ippget"),
        );
        r.add(
            DelimiterTag::SubscriptionAttributes,
            "notify-events",
            v::keywords(EVENTS),
        );
        r.add(
            DelimiterTag::SubscriptionAttributes,
            "notify-lease-duration",
            v::integer(lease_secs),
        );
        let resp = self.send(r).await?;
        resp.groups(DelimiterTag::SubscriptionAttributes)
            .chain(resp.op_group())
            .find_map(|g| msg::int(g, "notify-subscription-id"))
            .ok_or_else(|| crate::error::Error::protocol("server", "no notify-subscription-id in the answer"))
    }

    pub async fn renew_subscription(&self, id: i32, lease_secs: i32) -> Result<()> {
        let mut r = self.request(op::RENEW_SUBSCRIPTION)?;
        r.op("notify-subscription-id", v::integer(id));
        r.add(
            DelimiterTag::SubscriptionAttributes,
            "notify-lease-duration",
            v::integer(lease_secs),
        );
        self.send(r).await.map(drop)
    }

    pub async fn cancel_subscription(&self, id: i32) -> Result<()> {
        let mut r = self.request(op::CANCEL_SUBSCRIPTION)?;
        r.op("notify-subscription-id", v::integer(id));
        self.send(r).await.map(drop)
    }

    /// Get-Notifications with `notify-wait`: the server holds the request until an event arrives or its
    /// long-poll period (about 30 s) ends.
    pub async fn get_notifications(&self, id: i32, next_sequence: i32) -> Result<Notifications> {
        let mut r = self.request(op::GET_NOTIFICATIONS)?;
        r.op("notify-subscription-ids", v::integer(id));
        r.op("notify-sequence-numbers", v::integer(next_sequence));
        r.op("notify-wait", v::boolean(true));
        let resp = self.send_with_timeout(r, Duration::from_secs(75)).await?;
        Ok(parse_notifications(&resp))
    }

    /// Get-Jobs `which-jobs=fetchable` for this device; job ids, oldest first.
    pub async fn fetchable_jobs(&self) -> Result<Vec<i32>> {
        let mut r = self.request(op::GET_JOBS)?;
        r.op("which-jobs", v::keyword("fetchable"));
        r.op("requested-attributes", v::keywords(&["job-id"]));
        let resp = self.send(r).await?;
        let mut ids: Vec<i32> = resp
            .groups(DelimiterTag::JobAttributes)
            .filter_map(|g| msg::int(g, "job-id"))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    pub async fn fetch_job(&self, job_id: i32) -> Result<Ticket> {
        let mut r = self.request(op::FETCH_JOB)?;
        r.op("job-id", v::integer(job_id));
        let resp = self.send(r).await?;
        Ok(resp
            .group(DelimiterTag::JobAttributes)
            .map(Ticket::from_job_group)
            .unwrap_or_default())
    }

    /// The atomic claim: a second claimant gets client-error-not-fetchable.
    pub async fn acknowledge_job(&self, job_id: i32) -> Result<()> {
        let mut r = self.request(op::ACKNOWLEDGE_JOB)?;
        r.op("job-id", v::integer(job_id));
        self.send(r).await.map(drop)
    }

    /// Fetch-Document 1 into `dest`; returns the document-format the server announced.
    pub async fn fetch_document(
        &self,
        job_id: i32,
        accepted: &[String],
        dest: &Path,
    ) -> Result<Option<String>> {
        let mut r = self.request(op::FETCH_DOCUMENT)?;
        r.op("job-id", v::integer(job_id));
        r.op("document-number", v::integer(1));
        if !accepted.is_empty() {
            r.op("document-format-accepted", v::mimes(accepted));
        }
        let (resp, bytes) = self.send_for_document(r, dest).await?;
        tracing::debug!(job_id, bytes, "document fetched");
        Ok(resp
            .op_group()
            .and_then(|g| msg::string(g, "document-format"))
            .or_else(|| {
                resp.group(DelimiterTag::DocumentAttributes)
                    .and_then(|g| msg::string(g, "document-format"))
            }))
    }

    pub async fn acknowledge_document(&self, job_id: i32) -> Result<()> {
        let mut r = self.request(op::ACKNOWLEDGE_DOCUMENT)?;
        r.op("job-id", v::integer(job_id));
        r.op("document-number", v::integer(1));
        self.send(r).await.map(drop)
    }

    pub async fn update_job_status(&self, job_id: i32, o: &Outcome) -> Result<()> {
        let mut r = self.request(op::UPDATE_JOB_STATUS)?;
        r.op("job-id", v::integer(job_id));
        r.job("output-device-job-state", v::enumv(o.state));
        let reasons = if o.reasons.is_empty() {
            vec!["none".to_string()]
        } else {
            o.reasons.clone()
        };
        r.job("output-device-job-state-reasons", v::keywords(&reasons));
        if let Some(m) = &o.message {
            r.job("output-device-job-state-message", v::text(m));
        }
        r.job("job-impressions-completed", v::integer(o.impressions));
        if let Some(sheets) = o.sheets {
            r.job("job-media-sheets-completed", v::integer(sheets));
        }
        self.send(r).await.map(drop)
    }

    pub async fn update_document_status(&self, job_id: i32, state: i32, impressions: i32) -> Result<()> {
        let mut r = self.request(op::UPDATE_DOCUMENT_STATUS)?;
        r.op("job-id", v::integer(job_id));
        r.op("document-number", v::integer(1));
        r.add(
            DelimiterTag::DocumentAttributes,
            "output-device-document-state",
            v::enumv(state),
        );
        r.add(
            DelimiterTag::DocumentAttributes,
            "impressions-completed",
            v::integer(impressions),
        );
        self.send(r).await.map(drop)
    }

    /// Update-Active-Jobs with (job-id, output-device-job-state) pairs; `jobs` must not be empty.
    pub async fn update_active_jobs(&self, jobs: &[(i32, i32)]) -> Result<ActiveJobsDiff> {
        let mut r = self.request(op::UPDATE_ACTIVE_JOBS)?;
        let ids: Vec<i32> = jobs.iter().map(|(id, _)| *id).collect();
        let states: Vec<i32> = jobs.iter().map(|(_, s)| *s).collect();
        r.op("job-ids", v::integers(&ids));
        r.op("output-device-job-states", v::enums(&states));
        let resp = self.send(r).await?;
        Ok(parse_active_jobs(&resp))
    }
}

pub fn parse_notifications(resp: &Response) -> Notifications {
    let events = resp
        .groups(DelimiterTag::EventNotificationAttributes)
        .map(|g| Event {
            subscription_id: msg::int(g, "notify-subscription-id"),
            sequence_number: msg::int(g, "notify-sequence-number"),
            event: msg::string(g, "notify-subscribed-event").unwrap_or_default(),
            job_id: msg::int(g, "notify-job-id").or_else(|| msg::int(g, "job-id")),
            job_state: msg::int(g, "job-state"),
            job_state_reasons: msg::strings(g, "job-state-reasons"),
        })
        .collect();
    Notifications {
        events,
        get_interval: resp.op_group().and_then(|g| msg::int(g, "notify-get-interval")),
    }
}

pub fn parse_active_jobs(resp: &Response) -> ActiveJobsDiff {
    let (ids, states) = resp
        .op_group()
        .map(|g| (msg::ints(g, "job-ids"), msg::ints(g, "output-device-job-states")))
        .unwrap_or_default();
    ActiveJobsDiff {
        changed: ids.into_iter().zip(states).collect(),
        unknown: resp
            .group(DelimiterTag::UnsupportedAttributes)
            .map(|g| msg::ints(g, "job-ids"))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::Request;

    /// Builds a "response" with the same encoder (group tags and values are what matter to the parser).
    fn response(build: impl FnOnce(&mut Request)) -> Response {
        let mut r = Request::new(0, 1, "ipp://h/p").unwrap();
        build(&mut r);
        Response::parse(&r.to_bytes(), "test").unwrap()
    }

    #[test]
    fn events_are_read_one_group_each() {
        // IppAttributes::add merges attributes into the first group of a tag, so encode two event groups
        // by hand: operation group, then 0x07 twice.
        let mut bytes = Request::new(0, 1, "ipp://h/p").unwrap().to_bytes().to_vec();
        bytes.pop(); // end-of-attributes
        bytes.extend(attr(0x21, "notify-get-interval", &30i32.to_be_bytes()));
        for (seq, job, state, reason, event) in [
            (1i32, 10i32, 3i32, "job-fetchable", "job-fetchable"),
            (2, 9, 7, "job-canceled-by-user", "job-state-changed"),
        ] {
            bytes.push(0x07);
            bytes.extend(attr(0x21, "notify-subscription-id", &5i32.to_be_bytes()));
            bytes.extend(attr(0x21, "notify-sequence-number", &seq.to_be_bytes()));
            bytes.extend(attr(0x44, "notify-subscribed-event", event.as_bytes()));
            bytes.extend(attr(0x21, "job-id", &job.to_be_bytes()));
            bytes.extend(attr(0x23, "job-state", &state.to_be_bytes()));
            bytes.extend(attr(0x44, "job-state-reasons", reason.as_bytes()));
        }
        bytes.push(0x03);
        let n = parse_notifications(&Response::parse(&bytes, "test").unwrap());
        assert_eq!(n.get_interval, Some(30));
        assert_eq!(n.events.len(), 2);
        assert_eq!(n.events[0].event, "job-fetchable");
        assert_eq!(n.events[0].job_id, Some(10));
        assert_eq!(n.events[1].sequence_number, Some(2));
        assert_eq!(n.events[1].job_state, Some(7));
        assert_eq!(n.events[1].job_state_reasons, ["job-canceled-by-user"]);
    }

    fn attr(tag: u8, name: &str, value: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend((name.len() as u16).to_be_bytes());
        out.extend(name.as_bytes());
        out.extend((value.len() as u16).to_be_bytes());
        out.extend(value);
        out
    }

    #[test]
    fn active_jobs_differences_and_unknown_ids() {
        let resp = response(|r| {
            r.op("job-ids", v::integers(&[4, 6]));
            r.op("output-device-job-states", v::enums(&[7, 8]));
            r.add(DelimiterTag::UnsupportedAttributes, "job-ids", v::integers(&[9]));
        });
        let d = parse_active_jobs(&resp);
        assert_eq!(d.changed, [(4, 7), (6, 8)]);
        assert_eq!(d.unknown, [9]);
        assert_eq!(parse_active_jobs(&response(|_| {})), ActiveJobsDiff::default());
    }
}
