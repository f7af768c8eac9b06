//! The local IPP printer (ippeveprinter, an IPP Everywhere printer, CUPS): printer attributes, Print-Job
//! with the document streamed from the spool file, job state, cancel, and finding a job by its name.

use crate::codes::{op, status};
use crate::error::{Error, Result};
use crate::msg::{self, Request, Response, v};
use crate::ticket::Ticket;
use crate::transport::{self, Body};
use ipp::model::DelimiterTag;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

pub const PEER: &str = "local printer";
const TIMEOUT: Duration = Duration::from_secs(30);

/// A local job's state as Get-Job-Attributes reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalJob {
    pub state: i32,
    pub reasons: Vec<String>,
    pub message: Option<String>,
    pub impressions: i32,
    /// `job-media-sheets-completed`, when the printer reports it.
    pub sheets: Option<i32>,
}

pub struct LocalPrinter {
    http: reqwest::Client,
    url: String,
    uri: String,
    next_id: AtomicI32,
}

/// What the connector sends with Print-Job.
pub struct PrintRequest<'a> {
    pub ticket: &'a Ticket,
    pub job_name: &'a str,
    pub document_format: Option<&'a str>,
    pub document: &'a Path,
    /// Leave out every optional job template attribute (after the printer refused one).
    pub minimal: bool,
}

impl LocalPrinter {
    pub fn new(http: reqwest::Client, uri: &str) -> Result<Self> {
        Ok(LocalPrinter {
            url: transport::http_url_of(uri)?,
            uri: uri.to_string(),
            http,
            next_id: AtomicI32::new(1),
        })
    }

    pub fn uri(&self) -> &str {
        &self.uri
    }

    fn request(&self, op: u16) -> Result<Request> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) & 0x7FFF_FFFF;
        Request::new(op, id.max(1), &self.uri)
    }

    async fn send(&self, req: Request) -> Result<Response> {
        let op = req.op_code();
        let resp = transport::post(
            &self.http,
            PEER,
            &self.url,
            None,
            Body::message(req.to_bytes()),
            Some(TIMEOUT),
        )
        .await?;
        let body = transport::read_body(resp, PEER).await?;
        Response::parse(&body, PEER)?.into_success(PEER, op)
    }

    /// Get-Printer-Attributes (all).
    pub async fn printer_attributes(&self) -> Result<Response> {
        let mut r = self.request(op::GET_PRINTER_ATTRIBUTES)?;
        r.op(
            "requested-attributes",
            v::keywords(&["all", "media-col-database"]),
        );
        self.send(r).await
    }

    /// Print-Job; returns the local job id. The printer's "busy" answer (ippeveprinter prints one job at a
    /// time) comes back as a transient `Error::Ipp`.
    pub async fn print_job(&self, p: &PrintRequest<'_>) -> Result<i32> {
        let mut r = self.request(op::PRINT_JOB)?;
        let user = p.ticket.user_name.as_deref().unwrap_or("platen");
        r.op("requesting-user-name", v::name(user));
        r.op("job-name", v::name(p.job_name));
        if let Some(f) = p.document_format {
            r.op("document-format", v::mime(f));
        }
        for (name, value) in p.ticket.job_attributes(p.minimal) {
            r.job(name, value);
        }
        let body = Body {
            message: r.to_bytes(),
            document: Some(p.document.to_path_buf()),
        };
        // Uploading a large document to a slow printer takes a while; allow for it.
        let resp = transport::post(
            &self.http,
            PEER,
            &self.url,
            None,
            body,
            Some(Duration::from_secs(600)),
        )
        .await?;
        let bytes = transport::read_body(resp, PEER).await?;
        let resp = Response::parse(&bytes, PEER)?.into_success(PEER, op::PRINT_JOB)?;
        resp.group(DelimiterTag::JobAttributes)
            .and_then(|g| msg::int(g, "job-id"))
            .ok_or_else(|| Error::protocol(PEER, "Print-Job answer without job-id"))
    }

    /// Create-Job + Send-Document, for printers without Print-Job. If Send-Document fails, the empty job is
    /// canceled so that a retry does not leave it behind.
    pub async fn create_and_send(&self, p: &PrintRequest<'_>) -> Result<i32> {
        let mut r = self.request(op::CREATE_JOB)?;
        let user = p.ticket.user_name.as_deref().unwrap_or("platen");
        r.op("requesting-user-name", v::name(user));
        r.op("job-name", v::name(p.job_name));
        for (name, value) in p.ticket.job_attributes(p.minimal) {
            r.job(name, value);
        }
        let resp = self.send(r).await?;
        let job_id = resp
            .group(DelimiterTag::JobAttributes)
            .and_then(|g| msg::int(g, "job-id"))
            .ok_or_else(|| Error::protocol(PEER, "Create-Job answer without job-id"))?;
        let mut r = self.request(op::SEND_DOCUMENT)?;
        r.op("job-id", v::integer(job_id));
        r.op("requesting-user-name", v::name(user));
        if let Some(f) = p.document_format {
            r.op("document-format", v::mime(f));
        }
        r.op("last-document", v::boolean(true));
        let body = Body {
            message: r.to_bytes(),
            document: Some(p.document.to_path_buf()),
        };
        let sent = async {
            let resp = transport::post(
                &self.http,
                PEER,
                &self.url,
                None,
                body,
                Some(Duration::from_secs(600)),
            )
            .await?;
            let bytes = transport::read_body(resp, PEER).await?;
            Response::parse(&bytes, PEER)?.into_success(PEER, op::SEND_DOCUMENT)
        };
        match sent.await {
            Ok(_) => Ok(job_id),
            Err(e) => {
                let _ = self.cancel_job(job_id).await;
                Err(e)
            }
        }
    }

    /// The job's state, or `None` when the printer does not know the job (any more).
    pub async fn job(&self, job_id: i32) -> Result<Option<LocalJob>> {
        let mut r = self.request(op::GET_JOB_ATTRIBUTES)?;
        r.op("job-id", v::integer(job_id));
        r.op("requesting-user-name", v::name("platen"));
        r.op(
            "requested-attributes",
            v::keywords(&[
                "job-state",
                "job-state-reasons",
                "job-state-message",
                "job-impressions-completed",
                "job-media-sheets-completed",
            ]),
        );
        match self.send(r).await {
            Ok(resp) => {
                let g = resp
                    .group(DelimiterTag::JobAttributes)
                    .ok_or_else(|| Error::protocol(PEER, "Get-Job-Attributes answer without job group"))?;
                Ok(Some(LocalJob {
                    state: msg::int(g, "job-state")
                        .ok_or_else(|| Error::protocol(PEER, "no job-state in the answer"))?,
                    reasons: msg::strings(g, "job-state-reasons"),
                    message: msg::string(g, "job-state-message"),
                    impressions: msg::int(g, "job-impressions-completed").unwrap_or(0),
                    sheets: msg::int(g, "job-media-sheets-completed"),
                }))
            }
            Err(e)
                if matches!(
                    e.ipp_status(),
                    Some(status::CLIENT_ERROR_NOT_FOUND | status::CLIENT_ERROR_GONE)
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Cancel-Job. A job that already ended (not-possible) or is unknown counts as done: the caller reads
    /// the job's real final state afterwards.
    pub async fn cancel_job(&self, job_id: i32) -> Result<()> {
        let mut r = self.request(op::CANCEL_JOB)?;
        r.op("job-id", v::integer(job_id));
        r.op("requesting-user-name", v::name("platen"));
        match self.send(r).await {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.ipp_status(),
                    Some(
                        status::CLIENT_ERROR_NOT_POSSIBLE
                            | status::CLIENT_ERROR_NOT_FOUND
                            | status::CLIENT_ERROR_GONE
                    )
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The id of a job whose name contains `marker` (active or finished), if the printer still lists it.
    pub async fn find_job(&self, marker: &str) -> Result<Option<i32>> {
        for which in ["not-completed", "completed"] {
            let mut r = self.request(op::GET_JOBS)?;
            r.op("requesting-user-name", v::name("platen"));
            r.op("which-jobs", v::keyword(which));
            r.op("requested-attributes", v::keywords(&["job-id", "job-name"]));
            let resp = match self.send(r).await {
                Ok(resp) => resp,
                // Not every printer keeps (or lists) finished jobs; the active ones are what matter most.
                Err(e) if which == "completed" && e.ipp_status().is_some() => return Ok(None),
                Err(e) => return Err(e),
            };
            let found = resp.groups(DelimiterTag::JobAttributes).find_map(|g| {
                let name = msg::string(g, "job-name")?;
                if name.contains(marker) {
                    msg::int(g, "job-id")
                } else {
                    None
                }
            });
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }
}

/// The local job-name: the original name with our marker, clipped so the marker always survives.
pub fn job_name(original: Option<&str>, marker: &str) -> String {
    let suffix = format!(" [{marker}]");
    let room = 255usize.saturating_sub(suffix.len());
    let base = msg::clip(original.unwrap_or("Untitled"), room);
    format!("{base}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_keep_the_marker() {
        assert_eq!(job_name(Some("Report"), "platen-1-ab"), "Report [platen-1-ab]");
        assert_eq!(job_name(None, "m"), "Untitled [m]");
        let long = "x".repeat(400);
        let n = job_name(Some(&long), "platen-7-0011");
        assert!(n.len() <= 255);
        assert!(n.ends_with("[platen-7-0011]"));
    }
}
