//! Platen's device side: the PWG 5100.18 (INFRA) Infrastructure Printer endpoint, one per printer at
//! `{public_url}/ipp/print/{printerId}`, and the device token endpoint `{public_url}/device/token` where a device
//! trades an assertion signed with its registration key (RFC 7523) for a short-lived access token.
//! Every printer share is also an IPP Everywhere printer for people's computers at
//! `{public_url}/ipp/shares/{shareId}` (`everywhere`). Served by the same process as the Graph API.

mod endpoint;
mod events;
mod everywhere;
mod jobs;
mod notification;
mod operation;
mod printer;
mod token;

use axum::Router;
use axum::routing::{get, post};
use platen_app::App;
use platen_app::served::{self, Auth, Endpoint, Errors, Method, Payload, Row};
use std::sync::Arc;

pub use platen_ipp_model::{op, status};

#[derive(Clone)]
pub struct IppState {
    pub app: App,
    /// Absolute base URL (no trailing slash); the token endpoint's audience is `{public_url}/device/token`.
    pub public_url: String,
    /// Bearer tokens of people printing to shares (trusted issuers, as on Graph).
    pub verifier: platen_auth::Verifier,
    /// Accept print passwords over plain `ipp://` from other machines (off: they cross the network in clear).
    pub allow_insecure_basic: bool,
    /// When the service started (Unix seconds): `printer-up-time` and jobs' `time-at-*` count from it.
    pub started_unix: i64,
    /// The TLS listener's absolute base URL (`https://…`, no trailing slash), when TLS is on. A request's
    /// `platen_app::ConnectionInfo` extension says whether it came over TLS; `ConnectionInfo::public_url`
    /// picks between the two.
    pub tls_public_url: Option<String>,
}

/// The device and IPP routes: the router is built from these rows and the OpenAPI document describes them.
pub const ROWS: &[Row<Arc<IppState>>] = &[
    Row {
        endpoint: Endpoint::new(
            Method::Post,
            "/device/token",
            "A device trades an assertion signed with its registration key for an access token (RFC 7523).",
        )
        .auth(Auth::DeviceAssertion)
        .request(Payload::Form(token::request_schema))
        .responds(&[(200, Payload::Json(token::response_schema))])
        .errors(Errors::OAuth),
        handler: || post(token::handle),
    },
    Row {
        endpoint: Endpoint::new(
            Method::Post,
            "/ipp/print/{printer_id}",
            "The printer's PWG 5100.18 (INFRA) endpoint: the device fetches jobs and documents, reports state.",
        )
        .auth(Auth::DeviceToken)
        .request(Payload::Ipp)
        .responds(&[(200, Payload::Ipp)])
        .errors(Errors::Ipp),
        handler: || post(endpoint::handle),
    },
    Row {
        endpoint: Endpoint::new(
            Method::Post,
            "/ipp/shares/{share_id}",
            "The share as an IPP Everywhere printer for people's computers and phones.",
        )
        .auth(Auth::IppClient)
        .request(Payload::Ipp)
        .responds(&[(200, Payload::Ipp)])
        .errors(Errors::Ipp),
        handler: || post(everywhere::handle),
    },
    Row {
        endpoint: Endpoint::new(
            Method::Post,
            "/ipp/shares/{share_id}/jobs/{job_id}",
            "A job of the share's IPP Everywhere printer, by its URI.",
        )
        .auth(Auth::IppClient)
        .request(Payload::Ipp)
        .responds(&[(200, Payload::Ipp)])
        .errors(Errors::Ipp),
        handler: || post(everywhere::handle),
    },
    Row {
        endpoint: Endpoint::new(Method::Get, "/ipp/shares/{share_id}/icon.png", "The share printer's icon.")
            .auth(Auth::Public)
            .responds(&[(200, Payload::Bytes("image/png"))])
            .errors(Errors::Text),
        handler: || get(everywhere::info::icon),
    },
    Row {
        endpoint: Endpoint::new(
            Method::Get,
            "/ipp/shares/{share_id}/info",
            "The share printer's information page (printer-more-info).",
        )
        .auth(Auth::Public)
        .responds(&[(200, Payload::Bytes("text/html"))])
        .errors(Errors::Text),
        handler: || get(everywhere::info::page),
    },
];

/// The device routes. A panic in a handler answers 500 instead of dropping the connection (the parser is
/// total, so none is expected; this is the same safety net the Graph router has).
pub fn router(state: IppState) -> Router {
    let state = Arc::new(state);
    served::router(ROWS, served::method_not_allowed)
        .with_state(state)
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
}
