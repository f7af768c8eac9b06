//! The Infrastructure Printer (Platen's `/ipp/print/{printerId}`) as seen by the proxy: every request
//! carries the device's bearer token and the INFRA operation attributes; a 401 renews the token once.
//!
//! The typed INFRA operations built on this live in `infra.rs`.

use crate::auth::TokenSource;
use crate::error::{Error, Result};
use crate::msg::{Request, Response, v};
use crate::transport::{self, Body};
use ipp::parser::AsyncIppParser;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;
use tokio_util::compat::TokioAsyncReadCompatExt;

pub const PEER: &str = "server";
/// Ordinary requests; a long poll gets its own, longer bound.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const REQUESTING_USER: &str = "platen-connector";

pub struct InfraClient {
    http: reqwest::Client,
    endpoint: String,
    printer_uri: String,
    device_uuid: String,
    tokens: Arc<TokenSource>,
    next_id: AtomicI32,
}

impl InfraClient {
    pub fn new(
        http: reqwest::Client,
        server: &str,
        printer_id: &str,
        physical_device_id: uuid::Uuid,
        tokens: Arc<TokenSource>,
    ) -> Self {
        let endpoint = format!("{server}/ipp/print/{printer_id}");
        InfraClient {
            http,
            printer_uri: transport::ipp_uri_of(&endpoint),
            endpoint,
            device_uuid: format!("urn:uuid:{physical_device_id}"),
            tokens,
            next_id: AtomicI32::new(1),
        }
    }

    pub fn tokens(&self) -> &Arc<TokenSource> {
        &self.tokens
    }

    /// A request for `op` with the operation attributes every proxy request carries.
    pub fn request(&self, op: u16) -> Result<Request> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) & 0x7FFF_FFFF;
        let mut r = Request::new(op, id.max(1), &self.printer_uri)?;
        r.op("output-device-uuid", v::uri(&self.device_uuid));
        r.op("requesting-user-name", v::name(REQUESTING_USER));
        Ok(r)
    }

    async fn post(&self, message: bytes::Bytes, timeout: Duration) -> Result<reqwest::Response> {
        for attempt in 0..2 {
            let token = self.tokens.token().await?;
            match transport::post(
                &self.http,
                PEER,
                &self.endpoint,
                Some(&token),
                Body::message(message.clone()),
                Some(timeout),
            )
            .await
            {
                Err(Error::Http { status: 401, .. }) if attempt == 0 => self.tokens.invalidate().await,
                other => return other,
            }
        }
        Err(Error::Other(
            "the server refused a freshly issued device token".into(),
        ))
    }

    /// Sends `req` and returns the response when its status is a success.
    pub async fn send(&self, req: Request) -> Result<Response> {
        self.send_with_timeout(req, REQUEST_TIMEOUT).await
    }

    pub async fn send_with_timeout(&self, req: Request, timeout: Duration) -> Result<Response> {
        let op = req.op_code();
        let resp = self.post(req.to_bytes(), timeout).await?;
        let body = transport::read_body(resp, PEER).await?;
        Response::parse(&body, PEER)?.into_success(PEER, op)
    }

    /// Sends a request whose successful response is followed by document data, and streams that data to
    /// `dest`. Returns the IPP response and the number of document bytes written.
    pub async fn send_for_document(&self, req: Request, dest: &Path) -> Result<(Response, u64)> {
        let op = req.op_code();
        // No overall timeout: the document may be large; a stalled connection surfaces as an I/O error.
        let resp = self.post(req.to_bytes(), Duration::from_secs(24 * 3600)).await?;
        let reader = transport::body_reader(resp).compat();
        let (header, attrs, rest) = AsyncIppParser::new(reader)
            .parse_parts()
            .await
            .map_err(|e| Error::protocol(PEER, format!("IPP response: {e}")))?;
        let response = Response::from_parts(&header, attrs).into_success(PEER, op)?;
        let written = transport::copy_to_file(rest.into_inner().into_inner(), dest).await?;
        Ok((response, written))
    }
}
