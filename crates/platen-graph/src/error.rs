//! The one Graph error type. Every failure, from a malformed path to a store error, is rendered here as
//! `{"error":{"code","message","innerError":{"code"?,"request-id","date","client-request-id"}}}` with the right
//! status and headers. Internal details are logged, never sent.

use crate::request_ids::RequestIds;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use platen_app::{AppError, UploadFailure, describe_refusal};
use platen_domain::job::Refusal;
use serde_json::json;

#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub inner_code: Option<&'static str>,
    pub www_authenticate: Option<String>,
    pub allow: Option<Box<str>>,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            inner_code: None,
            www_authenticate: None,
            allow: None,
            retry_after: None,
        }
    }
    pub fn inner(mut self, inner: &'static str) -> Self {
        self.inner_code = Some(inner);
        self
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalidRequest", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "itemNotFound", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "accessDenied", message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "notAllowed", message)
    }
    /// `allow` is the resource's `Allow` header: its methods, comma-separated (empty: none).
    pub fn method_not_allowed(allow: impl Into<String>) -> Self {
        let allow: Box<str> = allow.into().into_boxed_str();
        let allowed = if allow.is_empty() { "none" } else { &*allow };
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "notSupported",
            format!("The HTTP method is not supported for this resource; allowed: {allowed}."),
        );
        e.allow = Some(allow);
        e
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            "An internal error occurred; the request id identifies it in the server log.",
        )
    }
    pub fn unauthenticated(message: impl Into<String>, www_authenticate: String) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message);
        e.www_authenticate = Some(www_authenticate);
        e
    }
}

impl From<AppError> for GraphError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(m) => GraphError::not_found(m),
            AppError::Gone(m) => GraphError::new(StatusCode::GONE, "itemNotFound", m).inner("documentPurged"),
            AppError::Forbidden(m) => GraphError::forbidden(m),
            AppError::PolicyRefused(m) => GraphError::forbidden(m).inner("printPolicyViolation"),
            AppError::QuotaExceeded(m) => GraphError::forbidden(m).inner("printQuotaExceeded"),
            AppError::Conflict(m) => GraphError::conflict(m),
            AppError::BadRequest { message, inner } => {
                let mut g = GraphError::bad_request(message);
                g.inner_code = inner;
                g
            }
            AppError::UnsupportedSetting(u) => GraphError::bad_request(u.to_string()),
            AppError::Refused(r) => refusal(r),
            AppError::Upload { failure, message } => upload_failure(failure, message),
            e @ AppError::DownloadLinkInvalid => {
                GraphError::new(StatusCode::UNAUTHORIZED, "unauthenticated", e.to_string())
                    .inner("invalidToken")
            }
            AppError::BadCredentials => GraphError::unauthenticated(
                "The user name or print password is wrong.",
                r#"Basic realm="platen", charset="UTF-8""#.into(),
            ),
            AppError::TooManyFailures { retry_after } => {
                let secs = retry_after.as_secs().max(1);
                let message = format!("Too many failed sign-ins; retry in {secs} s.");
                let mut g = GraphError::new(StatusCode::TOO_MANY_REQUESTS, "activityLimitReached", message)
                    .inner("throttledRequest");
                g.retry_after = Some(secs);
                g
            }
            AppError::Throttled { retry_after, message } => {
                let mut g = GraphError::new(StatusCode::TOO_MANY_REQUESTS, "activityLimitReached", message)
                    .inner("throttledRequest");
                g.retry_after = Some(retry_after.as_secs().max(1));
                g
            }
            AppError::Store(platen_store::StoreError::Query(q)) => q.into(),
            AppError::Store(platen_store::StoreError::Conflict(m)) => GraphError::conflict(m),
            AppError::Store(platen_store::StoreError::NotFound) => {
                GraphError::not_found("The resource was not found.")
            }
            other => {
                tracing::error!(error = %other, "internal error");
                GraphError::internal()
            }
        }
    }
}

impl From<platen_odata::ODataError> for GraphError {
    fn from(e: platen_odata::ODataError) -> Self {
        GraphError::new(StatusCode::BAD_REQUEST, e.code(), e.message()).inner(e.inner_code())
    }
}

impl From<platen_domain::PermissionDenied> for GraphError {
    fn from(e: platen_domain::PermissionDenied) -> Self {
        GraphError::forbidden(e.0)
    }
}

/// State-machine refusals: starting an incomplete upload is a bad request; everything else conflicts with the
/// job's current state.
fn refusal(r: Refusal) -> GraphError {
    match r {
        Refusal::UploadIncomplete => {
            GraphError::bad_request(describe_refusal(r)).inner("uploadSessionIncomplete")
        }
        _ => GraphError::conflict(describe_refusal(r)),
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let ids = RequestIds::current();
        let mut inner = serde_json::Map::new();
        if let Some(code) = self.inner_code {
            inner.insert("code".into(), json!(code));
        }
        inner.insert("request-id".into(), json!(ids.request_id));
        inner.insert(
            "date".into(),
            json!(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string()),
        );
        if let Some(client) = &ids.client_request_id {
            inner.insert("client-request-id".into(), json!(client));
        }
        let body = json!({"error": {"code": self.code, "message": self.message, "innerError": inner}});
        let mut resp = (self.status, crate::response::json_body(&body)).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::response::JSON_CONTENT_TYPE),
        );
        if let Some(w) = self.www_authenticate.and_then(|w| HeaderValue::from_str(&w).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, w);
        }
        if let Some(allow) = self.allow.as_deref().and_then(|a| HeaderValue::from_str(a).ok()) {
            headers.insert(header::ALLOW, allow);
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

pub type GraphResult<T> = Result<T, GraphError>;

/// Graph's wire form of an upload refusal: status, error code and inner error code.
fn upload_failure(failure: UploadFailure, message: String) -> GraphError {
    use UploadFailure as U;
    let (status, code, inner) = match failure {
        U::MalformedRange => (StatusCode::BAD_REQUEST, "invalidRange", "invalidParameterFormat"),
        U::DocumentTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalidRequest",
            "maxFileSizeExceeded",
        ),
        U::InvalidCredential => (StatusCode::UNAUTHORIZED, "unauthenticated", "invalidToken"),
        U::FragmentLengthMismatch => (StatusCode::BAD_REQUEST, "invalidRange", "fragmentLengthMismatch"),
        U::FragmentTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalidRange",
            "maxFragmentLengthExceeded",
        ),
        U::FragmentOverlap => (
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalidRange",
            "fragmentOverlap",
        ),
        U::SessionNotFound => (StatusCode::NOT_FOUND, "itemNotFound", "uploadSessionNotFound"),
    };
    let mut g = GraphError::new(status, code, message).inner(inner);
    if failure == U::InvalidCredential {
        g.www_authenticate = Some(r#"Bearer realm="platen-upload", error="invalid_token""#.into());
    }
    g
}
