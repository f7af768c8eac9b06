//! What an HTTP endpoint outside the Graph route table serves, as data: Platen's own `/platen/…` endpoints, the
//! device token and IPP endpoints, health and metrics. Each front end builds its router from rows that pair
//! one of these with the handler, and the OpenAPI document (`platen_graph::openapi`) is generated from the
//! same rows, so the description cannot drift from what is routed.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Whether a request with the HTTP method `method` is one of `methods` (HEAD is GET without the body).
    pub fn answers(methods: &[Method], method: &axum::http::Method) -> bool {
        let name = if *method == axum::http::Method::HEAD {
            "GET"
        } else {
            method.as_str()
        };
        methods.iter().any(|m| m.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Anyone (health, metadata, the CA certificate).
    Public,
    /// A Graph bearer token (users and apps of a trusted issuer).
    Bearer,
    /// The credential carried in the URL itself (`?token=…` of upload and download URLs).
    UrlCredential,
    /// A device's assertion (RFC 7523) in the form body.
    DeviceAssertion,
    /// A device's access token (INFRA).
    DeviceToken,
    /// IPP Everywhere: a bearer token, a print password (Basic), or none where the share allows it.
    IppClient,
}

/// The shape of an endpoint's failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errors {
    /// Graph's `{"error": {"code", "message"}}`.
    Graph,
    /// OAuth 2.0's `{"error", "error_description"}` (RFC 6749 §5.2).
    OAuth,
    /// An IPP response with a status code (HTTP 200), or an HTTP status before the message is read.
    Ipp,
    /// Plain text.
    Text,
}

/// A request or response body.
#[derive(Clone, Copy)]
pub enum Payload {
    None,
    /// JSON of the schema the function returns (a JSON Schema object).
    Json(fn() -> Value),
    /// `application/x-www-form-urlencoded` fields of the schema the function returns.
    Form(fn() -> Value),
    /// An IPP message (`application/ipp`), possibly followed by document data.
    Ipp,
    /// Bytes of the given media type (`*/*`: whatever the stored document is).
    Bytes(&'static str),
    /// Plain text.
    Text,
}

/// One method on one path.
#[derive(Clone, Copy)]
pub struct Endpoint {
    /// The path, with `{name}` for each captured segment (axum's syntax, which OpenAPI shares).
    pub path: &'static str,
    pub method: Method,
    pub summary: &'static str,
    pub auth: Auth,
    pub request: Payload,
    /// The success answers; every endpoint may also answer the error shape of its front end.
    pub responses: &'static [(u16, Payload)],
    /// Query parameters the endpoint reads: name, required.
    pub query: &'static [(&'static str, bool)],
    /// Request headers the endpoint reads: name, required.
    pub headers: &'static [(&'static str, bool)],
    pub errors: Errors,
}

impl Endpoint {
    /// A Graph-style endpoint: bearer token, no body, Graph errors; the builders below say the rest.
    pub const fn new(method: Method, path: &'static str, summary: &'static str) -> Endpoint {
        Endpoint {
            path,
            method,
            summary,
            auth: Auth::Bearer,
            request: Payload::None,
            responses: &[],
            query: &[],
            headers: &[],
            errors: Errors::Graph,
        }
    }
    pub const fn headers(mut self, headers: &'static [(&'static str, bool)]) -> Endpoint {
        self.headers = headers;
        self
    }
    pub const fn auth(mut self, auth: Auth) -> Endpoint {
        self.auth = auth;
        self
    }
    pub const fn request(mut self, request: Payload) -> Endpoint {
        self.request = request;
        self
    }
    pub const fn responds(mut self, responses: &'static [(u16, Payload)]) -> Endpoint {
        self.responses = responses;
        self
    }
    pub const fn query(mut self, query: &'static [(&'static str, bool)]) -> Endpoint {
        self.query = query;
        self
    }
    pub const fn errors(mut self, errors: Errors) -> Endpoint {
        self.errors = errors;
        self
    }

    /// The `Allow` header of a path served by `endpoints`: the methods of its rows, in order.
    pub fn allow_header(endpoints: &[Endpoint], path: &str) -> String {
        endpoints
            .iter()
            .filter(|e| e.path == path)
            .map(|e| e.method.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A row of a front end's route table: what is served, and the handler that serves it.
pub struct Row<S> {
    pub endpoint: Endpoint,
    pub handler: fn() -> axum::routing::MethodRouter<S>,
}

/// The router of `rows`: one axum route per path with every row's method on it, and for any other method
/// the answer `not_allowed` makes from the path's `Allow` header.
pub fn router<S: Clone + Send + Sync + 'static>(
    rows: &[Row<S>],
    not_allowed: fn(String) -> axum::response::Response,
) -> axum::Router<S> {
    let endpoints: Vec<Endpoint> = rows.iter().map(|r| r.endpoint).collect();
    let mut router = axum::Router::new();
    let mut done: Vec<&str> = Vec::new();
    for row in rows {
        let path = row.endpoint.path;
        if done.contains(&path) {
            continue;
        }
        done.push(path);
        let allow = Endpoint::allow_header(&endpoints, path);
        let methods = rows
            .iter()
            .filter(|r| r.endpoint.path == path)
            .fold(axum::routing::MethodRouter::new(), |acc, r| {
                acc.merge((r.handler)())
            })
            .fallback(move || {
                let allow = allow.clone();
                async move { not_allowed(allow) }
            });
        router = router.route(path, methods);
    }
    router
}

/// A plain-text 405 with the path's `Allow` header, for endpoints whose failures are not Graph errors.
pub fn method_not_allowed(allow: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        [(axum::http::header::ALLOW, allow)],
        "Method not allowed.",
    )
        .into_response()
}
