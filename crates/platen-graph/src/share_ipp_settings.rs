//! `GET`/`PATCH /platen/shares/{shareId}/ipp`: Platen's own settings of a share's IPP printer, which Graph's
//! printerShare has no place for. Read with the share's read permission; changed by administrators with its
//! write permission (`PrinterShare.ReadWrite.All` and the Printer Administrator role):
//!
//! ```json
//! {"allowUnauthenticatedPrinting": false}
//! ```
//!
//! `allowUnauthenticatedPrinting`: the printer takes jobs without credentials (kiosks on trusted networks), if
//! the share also allows all users; the job records the client's `requesting-user-name` and is marked
//! unauthenticated.

use crate::ctx::GraphState;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{json_body, schema_error};
use crate::print_passwords::{caller, limited_body};
use crate::response::ok;
use crate::schema::ObjectReader;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::{get, patch};
use platen_app::ShareIppSettings;
use platen_app::served::{self, Endpoint, Method, Payload, Row};
use platen_domain::Operation;
use platen_domain::permissions::authorize;
use serde_json::json;
use std::sync::Arc;

const PATH: &str = "/platen/shares/{share_id}/ipp";

/// A share's IPP Everywhere settings: the router is built from these rows and the OpenAPI document describes them.
pub(crate) const ROWS: &[Row<Arc<GraphState>>] = &[
    Row {
        endpoint: Endpoint::new(Method::Get, PATH, "A share's IPP Everywhere settings.")
            .responds(&[(200, Payload::Json(settings_schema))]),
        handler: || get(read),
    },
    Row {
        endpoint: Endpoint::new(Method::Patch, PATH, "Change a share's IPP Everywhere settings.")
            .request(Payload::Json(settings_schema))
            .responds(&[(200, Payload::Json(settings_schema))]),
        handler: || patch(update),
    },
];

pub(crate) fn routes() -> Router<Arc<GraphState>> {
    served::router(ROWS, crate::print_passwords::not_allowed)
}

fn settings_schema() -> serde_json::Value {
    json!({"type": "object", "required": ["allowUnauthenticatedPrinting"],
        "properties": {"allowUnauthenticatedPrinting": {"type": "boolean"}}})
}

fn wire(s: ShareIppSettings) -> serde_json::Value {
    json!({"allowUnauthenticatedPrinting": s.allow_unauthenticated_printing})
}

async fn read(
    State(state): State<Arc<GraphState>>,
    Path(share_id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (parts, _) = req.into_parts();
    let caller = caller(&state, &parts).await?;
    authorize(&caller, Operation::GetShare)?;
    let settings = state.app.share_ipp_settings(&caller, &share_id).await?;
    Ok(ok(&wire(settings)))
}

async fn update(
    State(state): State<Arc<GraphState>>,
    Path(share_id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (parts, body) = req.into_parts();
    let caller = caller(&state, &parts).await?;
    let access = authorize(&caller, Operation::UpdateShare)?;
    let body = limited_body(&state, body).await?;
    let value = json_body(&body)?.ok_or_else(|| GraphError::bad_request("A JSON body is required."))?;
    let mut r = ObjectReader::new(&value, "body").map_err(schema_error)?;
    let allow = r
        .opt_bool("allowUnauthenticatedPrinting")
        .map_err(schema_error)?
        .ok_or_else(|| GraphError::bad_request("allowUnauthenticatedPrinting is required."))?;
    r.finish(&[]).map_err(schema_error)?;
    let settings = ShareIppSettings {
        allow_unauthenticated_printing: allow,
    };
    let saved = state
        .app
        .set_share_ipp_settings(&caller, &access, &share_id, settings)
        .await?;
    Ok(ok(&wire(saved)))
}
