//! Secure release ("hold until released"), outside the Graph roots but with Graph's bearer tokens, JSON
//! conventions and errors. Held jobs themselves are plain Graph: `paused` with `releaseWait` and a processing task
//! of the built-in "Secure release" definition, readable and cancelable on the usual routes.
//!
//! - `GET /platen/secure-release/printers/{printerId}` → `{"printerId", "enabled"}`; `PUT` `{"enabled": true}`
//!   switches it (printer administration, as print policies);
//! - `POST /platen/secure-release/jobs/{jobId}/release` `{}` releases the caller's held job to its printer, or
//!   `{"shareId": "…"}` to the printer of another share the caller may print to → `{"id", "printerId",
//!   "state"}` of the job that will print (a new job on the other printer when released elsewhere);
//! - `GET /platen/release-pin` → `{"isSet"}`; `PUT` `{"pin": "4 to 12 digits"}` → 204; `DELETE` → 204: the
//!   caller's PIN for the release station (`/console/release/{printerId}`), stored as argon2 only.

use crate::ctx::GraphState;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{object_body, schema_error};
use crate::platen_policies::{read_switch, switch_schema};
use crate::print_passwords::{authorized, limited_body};
use crate::response::{no_content, ok};
use crate::schema::ObjectReader;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use platen_app::served::{self, Endpoint, Method, Payload, Row};
use platen_domain::{JobId, Operation};
use serde_json::{Value, json};
use std::sync::Arc;

const PRINTER: &str = "/platen/secure-release/printers/{printerId}";
const RELEASE: &str = "/platen/secure-release/jobs/{jobId}/release";
const PIN: &str = "/platen/release-pin";

pub(crate) const ROWS: &[Row<Arc<GraphState>>] = &[
    Row {
        endpoint: Endpoint::new(Method::Get, PRINTER, "Whether a printer holds its jobs until released.")
            .responds(&[(200, Payload::Json(setting_schema))]),
        handler: || get(setting),
    },
    Row {
        endpoint: Endpoint::new(Method::Put, PRINTER, "Switch secure release on or off for a printer.")
            .request(Payload::Json(switch_schema))
            .responds(&[(200, Payload::Json(setting_schema))]),
        handler: || put(switch),
    },
    Row {
        endpoint: Endpoint::new(Method::Post, RELEASE, "Release one's own held job, here or to another share.")
            .request(Payload::Json(|| {
                json!({"type": "object", "properties": {"shareId": {"type": "string", "maxLength": 64}}})
            }))
            .responds(&[(200, Payload::Json(released_schema))]),
        handler: || post(release),
    },
    Row {
        endpoint: Endpoint::new(Method::Get, PIN, "Whether the caller has a release PIN (never the PIN).")
            .responds(&[(200, Payload::Json(|| {
                json!({"type": "object", "required": ["isSet"], "properties": {"isSet": {"type": "boolean"}}})
            }))]),
        handler: || get(pin_state),
    },
    Row {
        endpoint: Endpoint::new(Method::Put, PIN, "Set the caller's release PIN (4 to 12 digits).")
            .request(Payload::Json(|| {
                json!({"type": "object", "required": ["pin"], "properties": {
                    "pin": {"type": "string", "pattern": "^[0-9]{4,12}$"}}})
            }))
            .responds(&[(204, Payload::None)]),
        handler: || put(set_pin),
    },
    Row {
        endpoint: Endpoint::new(Method::Delete, PIN, "Remove the caller's release PIN.")
            .responds(&[(204, Payload::None)]),
        handler: || delete(delete_pin),
    },
];

pub(crate) fn routes() -> Router<Arc<GraphState>> {
    served::router(ROWS, crate::print_passwords::not_allowed)
}

fn setting_schema() -> Value {
    json!({"type": "object", "required": ["printerId", "enabled"], "properties": {
        "printerId": {"type": "string"}, "enabled": {"type": "boolean"}}})
}

fn released_schema() -> Value {
    json!({"type": "object", "required": ["id", "printerId", "state"], "properties": {
        "id": {"type": "string"}, "printerId": {"type": "string"}, "state": {"type": "string"}}})
}

async fn setting(
    State(state): State<Arc<GraphState>>,
    Path(printer_id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ReadPrintPolicies).await?;
    let printer_id = printer_id.to_ascii_lowercase();
    let enabled = state.app.secure_release_enabled(&caller, &printer_id).await?;
    Ok(ok(&json!({"printerId": printer_id, "enabled": enabled})))
}

async fn switch(
    State(state): State<Arc<GraphState>>,
    Path(printer_id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (caller, body) = authorized(&state, req, Operation::ManagePrintPolicies).await?;
    let enabled = read_switch(&state, body, &["printerId"]).await?;
    let printer_id = printer_id.to_ascii_lowercase();
    state
        .app
        .set_secure_release(&caller, &printer_id, enabled)
        .await?;
    Ok(ok(&json!({"printerId": printer_id, "enabled": enabled})))
}

async fn release(
    State(state): State<Arc<GraphState>>,
    Path(job_id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (caller, body) = authorized(&state, req, Operation::CancelJob).await?;
    let job_id: JobId = job_id
        .parse()
        .map_err(|_| GraphError::not_found("The print job does not exist."))?;
    // No body releases the job where it was sent.
    let bytes = limited_body(&state, body).await?;
    let value = if bytes.is_empty() {
        json!({})
    } else {
        object_body(&bytes)?
    };
    let mut r = ObjectReader::new(&value, "body").map_err(schema_error)?;
    let share = r.opt_string("shareId", 64).map_err(schema_error)?;
    r.finish(&[]).map_err(schema_error)?;
    let share = share.map(|s| s.to_ascii_lowercase());
    let job = state
        .app
        .release_held_job(&caller, job_id, share.as_deref())
        .await?;
    Ok(ok(&json!({
        "id": job.id.to_string(),
        "printerId": job.printer_id,
        "state": job.phase.graph_state(),
    })))
}

async fn pin_state(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ManageOwnReleasePin).await?;
    let set = state.app.has_release_pin(&caller).await?;
    Ok(ok(&json!({ "isSet": set })))
}

async fn set_pin(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, body) = authorized(&state, req, Operation::ManageOwnReleasePin).await?;
    let value = object_body(&limited_body(&state, body).await?)?;
    let mut r = ObjectReader::new(&value, "body").map_err(schema_error)?;
    let pin = r.string("pin", 12).map_err(schema_error)?;
    r.finish(&[]).map_err(schema_error)?;
    state.app.set_release_pin(&caller, &pin).await?;
    Ok(no_content())
}

async fn delete_pin(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ManageOwnReleasePin).await?;
    state.app.delete_release_pin(&caller).await?;
    Ok(no_content())
}
