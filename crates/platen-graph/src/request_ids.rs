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
}

tokio::task_local! {
    static CURRENT: RequestIds;
}

impl RequestIds {
    pub fn current() -> RequestIds {
        CURRENT.try_with(Clone::clone).unwrap_or_else(|_| RequestIds {
            request_id: uuid::Uuid::new_v4().to_string(),
            client_request_id: None,
        })
    }
}

pub async fn middleware(req: Request, next: Next) -> Response {
    let client_request_id = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_string);
    let ids = RequestIds {
        request_id: uuid::Uuid::new_v4().to_string(),
        client_request_id,
    };
    let mut resp = CURRENT.scope(ids.clone(), next.run(req)).await;
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ids.request_id) {
        headers.insert("request-id", v);
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
