//! `GET /platen/openapi.json`: the OpenAPI document of everything this server routes, generated at start from the
//! Graph route table, each front end's route rows and the endpoints this crate routes itself (described here and
//! routed by these same descriptions' paths).

use axum::http::header;
use axum::response::IntoResponse;
use platen_app::served::{Auth, Endpoint, Errors, Method, Payload};
use std::sync::Arc;

pub const OPENAPI: Endpoint = Endpoint::new(
    Method::Get,
    "/platen/openapi.json",
    "This document: OpenAPI 3.0 of every endpoint, generated from the route tables and each version's CSDL.",
)
.auth(Auth::Public)
.responds(&[(200, Payload::Json(|| serde_json::json!({"type": "object"})))])
.errors(Errors::Text);

pub const CA_CERTIFICATE: Endpoint = Endpoint::new(
    Method::Get,
    "/platen/ca.pem",
    "Platen's CA certificate, to trust the TLS listener's certificate and check printers' certificates.",
)
.auth(Auth::Public)
.responds(&[(200, Payload::Bytes("application/x-pem-file"))])
.errors(Errors::Text);

pub const METRICS: Endpoint = Endpoint::new(
    Method::Get,
    "/metrics",
    "Prometheus metrics: to loopback clients, or to anyone with [metrics] public = true (403 otherwise).",
)
.auth(Auth::Public)
.responds(&[(200, Payload::Text)])
.errors(Errors::Text);

/// The document of every endpoint `platen serve` routes (the console's HTML pages are a browser interface, not an
/// API, and are left out).
pub fn document(public_url: &str) -> serde_json::Value {
    let mut served = platen_graph::served_endpoints();
    served.extend(platen_ipp::ROWS.iter().map(|r| r.endpoint));
    served.extend([OPENAPI, CA_CERTIFICATE, METRICS]);
    platen_graph::openapi::document(public_url, &served)
}

/// The route serving the document, generated once.
pub fn route(public_url: &str) -> axum::Router {
    let body: Arc<str> = document(public_url).to_string().into();
    axum::Router::new().route(
        OPENAPI.path,
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response() }
        })
        .fallback(only(OPENAPI)),
    )
}

/// The 405 of a path this crate routes with one method: the described method in `Allow`.
pub fn only(endpoint: Endpoint) -> impl Fn() -> std::future::Ready<axum::response::Response> + Clone {
    move || {
        std::future::ready(platen_app::served::method_not_allowed(
            endpoint.method.as_str().to_string(),
        ))
    }
}
