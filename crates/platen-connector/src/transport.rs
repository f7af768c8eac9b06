//! IPP over HTTP: one POST per request, `Content-Type: application/ipp`, with the response either buffered
//! (small answers) or handed back as a byte stream (Fetch-Document: the document follows the IPP message).

use crate::error::{Error, Result};
use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use std::path::Path;
use std::time::Duration;
use tokio_util::io::ReaderStream;

pub const IPP_CONTENT_TYPE: &str = "application/ipp";

/// An HTTP client suitable for both peers: no overall timeout (documents may be large; callers set one per
/// request where a bound makes sense), short connect timeout, idle connections kept for reuse.
pub fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(50))
        .user_agent(concat!("platen-connector/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Other(format!("building the HTTP client: {e}")))
}

/// The http(s) URL an `ipp://` / `ipps://` URI is reached at (RFC 8010 §4: ipp = http, default port 631).
pub fn http_url_of(uri: &str) -> Result<String> {
    let (scheme, rest) = uri
        .split_once("://")
        .ok_or_else(|| Error::Other(format!("'{uri}' is not a URI")))?;
    let (http_scheme, default_port) = match scheme.to_ascii_lowercase().as_str() {
        "ipp" => ("http", Some(631)),
        "ipps" => ("https", Some(631)),
        "http" => ("http", None),
        "https" => ("https", None),
        other => {
            return Err(Error::Other(format!(
                "unsupported URI scheme '{other}' in '{uri}'"
            )));
        }
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(Error::Other(format!("'{uri}' has no host")));
    }
    // A port is present when the authority ends in ":digits" outside an IPv6 literal.
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !p.contains(']'));
    let authority = match (has_port, default_port) {
        (false, Some(port)) => format!("{authority}:{port}"),
        _ => authority.to_string(),
    };
    Ok(format!("{http_scheme}://{authority}{path}"))
}

/// The `ipp(s)://` form of an http(s) URL, for the `printer-uri` attribute.
pub fn ipp_uri_of(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("https://") {
        format!("ipps://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ipp://{rest}")
    } else {
        url.to_string()
    }
}

/// A request body: the encoded IPP message, optionally followed by a document file streamed from disk.
pub struct Body {
    pub message: Bytes,
    pub document: Option<std::path::PathBuf>,
}

impl Body {
    pub fn message(message: Bytes) -> Self {
        Body {
            message,
            document: None,
        }
    }

    async fn into_reqwest(self) -> Result<(reqwest::Body, u64)> {
        let head_len = self.message.len() as u64;
        match self.document {
            None => Ok((reqwest::Body::from(self.message), head_len)),
            Some(path) => {
                let file = tokio::fs::File::open(&path).await?;
                let len = file.metadata().await?.len();
                let head = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(self.message) });
                let stream = head.chain(ReaderStream::with_capacity(file, 64 * 1024));
                Ok((reqwest::Body::wrap_stream(stream), head_len + len))
            }
        }
    }
}

/// POSTs one IPP message. The HTTP status is checked here; the IPP status is the caller's business.
pub async fn post(
    http: &reqwest::Client,
    peer: &'static str,
    url: &str,
    bearer: Option<&str>,
    body: Body,
    timeout: Option<Duration>,
) -> Result<reqwest::Response> {
    let (body, len) = body.into_reqwest().await?;
    let mut req = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, IPP_CONTENT_TYPE)
        // An explicit length: some IPP printers do not accept chunked request bodies.
        .header(reqwest::header::CONTENT_LENGTH, len)
        .body(body);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    if let Some(t) = timeout {
        req = req.timeout(t);
    }
    let resp = req
        .send()
        .await
        .map_err(|source| Error::Transport { peer, source })?;
    let status = resp.status().as_u16();
    if status != 200 {
        let body = resp.text().await.unwrap_or_default();
        return Err(Error::Http {
            peer,
            status,
            body: crate::msg::clip(&body, 500),
        });
    }
    Ok(resp)
}

/// The whole response body (IPP answers without document data are small).
pub async fn read_body(resp: reqwest::Response, peer: &'static str) -> Result<Bytes> {
    resp.bytes()
        .await
        .map_err(|source| Error::Transport { peer, source })
}

/// The response body as an `AsyncRead` (tokio flavour).
pub fn body_reader(
    resp: reqwest::Response,
) -> tokio_util::io::StreamReader<impl Stream<Item = std::io::Result<Bytes>> + Unpin, Bytes> {
    let stream = resp.bytes_stream().map_err(std::io::Error::other);
    tokio_util::io::StreamReader::new(Box::pin(stream))
}

/// Copies the rest of `reader` into `dest` (created 0600) and flushes it to disk; returns the byte count.
pub async fn copy_to_file<R: tokio::io::AsyncRead + Unpin>(mut reader: R, dest: &Path) -> Result<u64> {
    use tokio::io::AsyncWriteExt;
    let mut f = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(dest)
        .await?;
    let n = tokio::io::copy(&mut reader, &mut f).await?;
    f.flush().await?;
    f.sync_all().await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipp_uris_map_to_http_urls() {
        assert_eq!(
            http_url_of("ipp://localhost:8631/ipp/print").unwrap(),
            "http://localhost:8631/ipp/print"
        );
        assert_eq!(
            http_url_of("ipp://printer.lan/ipp/print").unwrap(),
            "http://printer.lan:631/ipp/print"
        );
        assert_eq!(http_url_of("ipps://[::1]/x").unwrap(), "https://[::1]:631/x");
        assert_eq!(http_url_of("ipp://[::1]:8631/x").unwrap(), "http://[::1]:8631/x");
        assert_eq!(http_url_of("http://h:80/p").unwrap(), "http://h:80/p");
        assert!(http_url_of("lpd://h/q").is_err());
        assert!(http_url_of("nonsense").is_err());
    }

    #[test]
    fn http_urls_map_to_ipp_uris() {
        assert_eq!(
            ipp_uri_of("http://127.0.0.1:8080/ipp/print/p"),
            "ipp://127.0.0.1:8080/ipp/print/p"
        );
        assert_eq!(
            ipp_uri_of("https://print.example.com/ipp/print/p"),
            "ipps://print.example.com/ipp/print/p"
        );
    }
}
