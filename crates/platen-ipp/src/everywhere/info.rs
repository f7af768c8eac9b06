//! The pages a share's IPP description points at: `printer-icons` (a PNG print dialogs show beside the
//! printer) and `printer-more-info` (a page about the share: its name, state and how to print to it).

use crate::IppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

const ICON: &[u8] = include_bytes!("../../assets/printer-128.png");

pub async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

pub async fn page(State(state): State<Arc<IppState>>, Path(share_id): Path<String>) -> Response {
    let (share, printer) = match state.app.share_with_printer(&share_id.to_ascii_lowercase()).await {
        Ok(found) => found,
        Err(platen_app::AppError::NotFound(_)) => {
            return (StatusCode::NOT_FOUND, "No such printer share.").into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "share page");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "The share cannot be read now (the server log says why).",
            )
                .into_response();
        }
    };
    let uri = format!(
        "{}/ipp/shares/{}",
        state.public_url.replacen("http", "ipp", 1),
        share.id
    );
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name}</title></head><body>\
         <h1>{name}</h1><p>Printer state: {state}{details}</p>\
         <p>Add this printer with the address <code>{uri}</code> and your print password.</p></body></html>",
        name = escape(&share.display_name),
        state = escape(&printer.status_state),
        details = if printer.status_details.is_empty() {
            String::new()
        } else {
            format!(" ({})", escape(&printer.status_details.join(", ")))
        },
        uri = escape(&uri),
    ))
    .into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
