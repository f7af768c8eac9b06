//! Platen's Microsoft Graph HTTP layer: `/{v1.0|beta}/print/…`, `/me|users/{id}/print/…`, and upload URLs.
//!
//! One fallback handler routes every request: the path is normalised and matched in [`route`], the bearer
//! token verified in [`ctx`], and a thin handler per resource calls the use case in `platen-app`. Every
//! failure is a [`GraphError`]. Platen's own print password endpoints (`/platen/print-passwords`) are ordinary
//! axum routes beside it, with the same tokens and errors.

pub mod byte_range;
mod ctx;
mod dispatch;
mod error;
mod handlers;
mod in_memory;
mod job_json;
pub mod metadata;
pub mod openapi;
mod paging;
mod platen_policies;
mod platen_quotas;
mod platen_release;
mod print_passwords;
mod reports;
mod request_ids;
mod response;
mod route;
pub mod route_table;
pub mod schema;
mod share_ipp_settings;
mod wire;

pub use ctx::GraphState;
pub use dispatch::RouteTemplate;
pub use error::GraphError;
pub use request_ids::AssignedRequestId;

use axum::Router;
use std::sync::Arc;

/// Every endpoint this crate serves outside the Graph route table (`/platen/…`, upload and download URLs,
/// health), for the OpenAPI document.
pub fn served_endpoints() -> Vec<platen_app::served::Endpoint> {
    [
        print_passwords::ROWS,
        platen_policies::ROWS,
        platen_quotas::ROWS,
        platen_release::ROWS,
        share_ipp_settings::ROWS,
    ]
    .into_iter()
    .flatten()
    .map(|r| r.endpoint)
    .chain(dispatch::SERVED.iter().copied())
    .collect()
}

/// The Graph API router. Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so jobs record
/// the submitter's IP address.
pub fn router(state: GraphState) -> Router {
    let state = Arc::new(state);
    Router::new()
        .merge(print_passwords::routes())
        .merge(platen_policies::routes())
        .merge(platen_quotas::routes())
        .merge(platen_release::routes())
        .merge(share_ipp_settings::routes())
        .fallback(dispatch::handle)
        .with_state(state)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(GraphError::internal())
        }))
        .layer(axum::middleware::from_fn(request_ids::middleware))
}
