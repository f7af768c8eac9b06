//! The download URL (`/downloads/{id}?tempauthtoken=…`) that `$value` redirects to: GET (and HEAD) stream the
//! document, whole or one byte range. Like the upload URL it needs no `Authorization` header (the URL's own
//! secret authenticates it); one that arrives anyway is ignored.

use crate::byte_range::{Served, serve};
use crate::error::{GraphError, GraphResult};
use crate::handlers::uploads::token_of;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use platen_app::App;
use platen_domain::records::Document;

pub async fn handle(
    app: &App,
    method: &Method,
    ticket: &str,
    raw_query: &str,
    headers: &HeaderMap,
) -> GraphResult<Response> {
    if *method != Method::GET && *method != Method::HEAD {
        return Err(GraphError::method_not_allowed("GET, HEAD"));
    }
    let token = token_of(raw_query, "download")?;
    let doc = app.redeem_download(ticket, &token).await?;
    let size = u64::try_from(doc.size).unwrap_or(0);
    let etag = doc.sha256.as_deref().map(|s| format!("\"{s}\""));
    // A Range whose If-Range names another version of the document gets the whole current one.
    let if_range_holds = match headers.get(header::IF_RANGE) {
        None => true,
        Some(v) => etag.as_deref().is_some_and(|e| v.as_bytes() == e.as_bytes()),
    };
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| if_range_holds);
    let (status, span) = match serve(range, size) {
        Served::Whole => (StatusCode::OK, None),
        Served::Part { offset, len } => (StatusCode::PARTIAL_CONTENT, Some((offset, len))),
        Served::Unsatisfiable => {
            let mut r = GraphError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "invalidRange",
                format!("The requested range is not within the document's {size} bytes."),
            )
            .into_response();
            r.headers_mut()
                .insert(header::CONTENT_RANGE, numbers(format!("bytes */{size}")));
            return Ok(r);
        }
    };
    let body = if *method == Method::HEAD {
        Body::empty()
    } else {
        Body::from_stream(app.read_document(&doc, span).await?)
    };
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    let length = span.map_or(size, |(_, len)| len);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Some((offset, len)) = span {
        let v = format!("bytes {offset}-{}/{size}", offset + len - 1);
        h.insert(header::CONTENT_RANGE, numbers(v));
    }
    describe(h, &doc, etag.as_deref());
    Ok(resp)
}

/// Headers that describe the document itself, on every successful answer.
fn describe(h: &mut HeaderMap, doc: &Document, etag: Option<&str>) {
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let ct = HeaderValue::from_str(&doc.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    // Someone's document behind a bearer URL: no shared cache may keep it.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Some(e) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        h.insert(header::ETAG, e);
    }
    if let Some(sha) = doc.sha256.as_deref().and_then(|s| HeaderValue::from_str(s).ok()) {
        h.insert("x-platen-content-sha256", sha);
    }
}

/// A header value made of ASCII digits, spaces and punctuation: always valid.
fn numbers(v: String) -> HeaderValue {
    HeaderValue::try_from(v).unwrap_or(HeaderValue::from_static("bytes */0"))
}
