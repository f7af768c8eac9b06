//! `request-id` and `client-request-id`: assigned (or echoed) by a middleware for every request, available to
//! error rendering through a task-local, and returned as response headers.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

#[derive(Debug, Clone, Default)]
pub struct RequestIds {
    pub request_id: String,
    pub client_request_id: Option<String>,
    /// `Prefer: include-unknown-enum-members`: the client reads evolvable enum members (see
    /// `schema::enums::hides_member`); without it they are answered as `unknownFutureValue`.
    pub include_unknown_enum_members: bool,
}

const INCLUDE_UNKNOWN: &str = "include-unknown-enum-members";

tokio::task_local! {
    static CURRENT: RequestIds;
}

impl RequestIds {
    pub fn current() -> RequestIds {
        CURRENT.try_with(Clone::clone).unwrap_or_else(|_| RequestIds {
            request_id: uuid::Uuid::new_v4().to_string(),
            client_request_id: None,
            include_unknown_enum_members: false,
        })
    }
}

/// A request id given by the server before routing (its logging span names it); Graph answers with it.
#[derive(Debug, Clone)]
pub struct AssignedRequestId(pub String);

pub async fn middleware(req: Request, next: Next) -> Response {
    let client_request_id = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_string);
    // `Prefer` may repeat and lists preferences separated by commas (RFC 7240).
    let include_unknown_enum_members = req
        .headers()
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case(INCLUDE_UNKNOWN));
    let request_id = req
        .extensions()
        .get::<AssignedRequestId>()
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), |a| a.0.clone());
    let ids = RequestIds {
        request_id,
        client_request_id,
        include_unknown_enum_members,
    };
    let mut resp = CURRENT.scope(ids.clone(), next.run(req)).await;
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ids.request_id) {
        headers.insert("request-id", v);
    }
    if ids.include_unknown_enum_members {
        headers.insert("preference-applied", HeaderValue::from_static(INCLUDE_UNKNOWN));
    }
    if let Some(v) = ids
        .client_request_id
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        headers.insert("client-request-id", v);
    }
    resp
}
