//! Platen's own administration of tenant policies, outside the Graph roots but with Graph's bearer tokens, JSON
//! conventions and errors (the permissions are rows of `platen_domain::permissions`: the tenant print settings'
//! for app printing, printer administration's for print policies, each with the Printer Administrator role).
//!
//! App printing (off by default; with it off every Graph route answers as the contract says):
//! - `GET /platen/app-printing` → `{"enabled": false}`; `PATCH` with `{"enabled": true}` switches it;
//! - `GET /platen/app-printing/grants` → `{"value": [{"id", "appId", "shareId", "grantedBy", "grantedDateTime"}]}`;
//!   `POST` `{"appId": "{client id}", "shareId": "{share id}"}` → 201; `DELETE …/grants/{id}` → 204.
//!
//! Print policies, applied when a job starts:
//! - `GET /platen/print-policies` → `{"value": [policy]}`; `POST` a policy → 201; `GET`/`DELETE …/{id}`;
//! - a policy: `{"id", "displayName", "printerId" | "groupId", "forceMonochrome", "forceDuplex",
//!   "maxDocumentBytes", "maxPages", "createdDateTime"}` (exactly one of `printerId`, `groupId`).

use crate::ctx::GraphState;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{object_body, schema_error};
use crate::print_passwords::{authorized, limited_body};
use crate::response::{json, no_content, ok};
use crate::schema::ObjectReader;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{delete, get, patch, post};
use platen_app::NewPrintPolicy;
use platen_app::served::{self, Endpoint, Method, Payload, Row};
use platen_domain::Operation;
use platen_domain::print_policy::{PolicyTarget, PrintPolicy};
use platen_domain::records::AppPrintGrant;
use platen_domain::time::to_graph;
use serde_json::{Value, json};
use std::sync::Arc;

const GRANTS: &str = "/platen/app-printing/grants";
const POLICIES: &str = "/platen/print-policies";

const GRANT: &str = "/platen/app-printing/grants/{id}";
const POLICY: &str = "/platen/print-policies/{id}";

/// App printing and print policies: the router is built from these rows and the OpenAPI document describes them.
pub(crate) const ROWS: &[Row<Arc<GraphState>>] = &[
    Row {
        endpoint: Endpoint::new(Method::Get, "/platen/app-printing", "Whether applications may print (tenant switch).")
            .responds(&[(200, Payload::Json(switch_schema))]),
        handler: || get(app_printing),
    },
    Row {
        endpoint: Endpoint::new(Method::Patch, "/platen/app-printing", "Switch app printing on or off.")
            .request(Payload::Json(switch_schema))
            .responds(&[(200, Payload::Json(switch_schema))]),
        handler: || patch(switch_app_printing),
    },
    Row {
        endpoint: Endpoint::new(Method::Get, GRANTS, "The shares each application may print to.")
            .responds(&[(200, Payload::Json(|| list_schema(grant_schema())))]),
        handler: || get(list_grants),
    },
    Row {
        endpoint: Endpoint::new(Method::Post, GRANTS, "Let an application print to a share.")
            .request(Payload::Json(|| {
                json!({"type": "object", "required": ["appId", "shareId"], "properties": {
                    "appId": {"type": "string", "maxLength": 128}, "shareId": {"type": "string", "maxLength": 64}}})
            }))
            .responds(&[(201, Payload::Json(grant_schema))]),
        handler: || post(grant),
    },
    Row {
        endpoint: Endpoint::new(Method::Delete, GRANT, "Revoke an application's grant.")
            .responds(&[(204, Payload::None)]),
        handler: || delete(revoke),
    },
    Row {
        endpoint: Endpoint::new(Method::Get, POLICIES, "The print policies.")
            .responds(&[(200, Payload::Json(|| list_schema(policy_schema())))]),
        handler: || get(list_policies),
    },
    Row {
        endpoint: Endpoint::new(Method::Post, POLICIES, "Create a print policy for a printer or a group.")
            .request(Payload::Json(policy_schema))
            .responds(&[(201, Payload::Json(policy_schema))]),
        handler: || post(create_policy),
    },
    Row {
        endpoint: Endpoint::new(Method::Get, POLICY, "One print policy.")
            .responds(&[(200, Payload::Json(policy_schema))]),
        handler: || get(get_policy),
    },
    Row {
        endpoint: Endpoint::new(Method::Delete, POLICY, "Delete a print policy.")
            .responds(&[(204, Payload::None)]),
        handler: || delete(delete_policy),
    },
];

pub(crate) fn routes() -> Router<Arc<GraphState>> {
    served::router(ROWS, crate::print_passwords::not_allowed)
}

/// The body of Platen's on/off switches: `{"enabled": true|false}`.
pub(crate) fn switch_schema() -> Value {
    json!({"type": "object", "required": ["enabled"], "properties": {"enabled": {"type": "boolean"}}})
}

/// Reads a switch's body (`read_only`: members a client may echo back from the answer).
pub(crate) async fn read_switch(
    state: &GraphState,
    body: axum::body::Body,
    read_only: &[&str],
) -> GraphResult<bool> {
    let value = object_body(&limited_body(state, body).await?)?;
    let mut r = ObjectReader::new(&value, "body").map_err(schema_error)?;
    let enabled = r
        .opt_bool("enabled")
        .map_err(schema_error)?
        .ok_or_else(|| GraphError::bad_request("enabled is required."))?;
    r.finish(read_only).map_err(schema_error)?;
    Ok(enabled)
}

fn list_schema(items: Value) -> Value {
    json!({"type": "object", "required": ["value"], "properties": {"value": {"type": "array", "items": items}}})
}

fn grant_schema() -> Value {
    json!({"type": "object", "properties": {
        "id": {"type": "string"}, "appId": {"type": "string"}, "shareId": {"type": "string"},
        "grantedBy": {"type": "string"}, "grantedDateTime": {"type": "string", "format": "date-time"}}})
}

fn policy_schema() -> Value {
    json!({"type": "object", "required": ["displayName"], "properties": {
        "id": {"type": "string"},
        "displayName": {"type": "string", "maxLength": 100},
        "printerId": {"type": "string", "nullable": true, "maxLength": 64},
        "groupId": {"type": "string", "nullable": true, "maxLength": 128},
        "forceMonochrome": {"type": "boolean"},
        "forceDuplex": {"type": "boolean"},
        "maxDocumentBytes": {"type": "integer", "nullable": true},
        "maxPages": {"type": "integer", "nullable": true},
        "createdDateTime": {"type": "string", "format": "date-time"},
    }})
}

fn grant_wire(g: &AppPrintGrant) -> Value {
    json!({
        "id": g.id,
        "appId": g.app_id,
        "shareId": g.share_id,
        "grantedBy": g.granted_by,
        "grantedDateTime": to_graph(g.granted_at),
    })
}

fn policy_wire(p: &PrintPolicy) -> Value {
    let (printer, group) = match &p.target {
        PolicyTarget::Printer(id) => (Some(id.as_str()), None),
        PolicyTarget::Group(g) => (None, Some(g.as_str())),
    };
    json!({
        "id": p.id,
        "displayName": p.display_name,
        "printerId": printer,
        "groupId": group,
        "forceMonochrome": p.force_monochrome,
        "forceDuplex": p.force_duplex,
        "maxDocumentBytes": p.max_document_bytes,
        "maxPages": p.max_pages,
        "createdDateTime": to_graph(p.created_at),
    })
}

/// 201 with the created entity and its `Location`.
fn created(state: &GraphState, collection: &str, id: &str, body: &Value) -> Response {
    let mut resp = json(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(&format!("{}{collection}/{id}", state.public_url)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

async fn app_printing(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ReadAppPrinting).await?;
    let current = state.app.app_printing(&caller).await?;
    Ok(ok(&json!({"enabled": current.enabled})))
}

async fn switch_app_printing(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, body) = authorized(&state, req, Operation::ManageAppPrinting).await?;
    let enabled = read_switch(&state, body, &[]).await?;
    state.app.set_app_printing(&caller, enabled).await?;
    Ok(ok(&json!({"enabled": enabled})))
}

async fn list_grants(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ReadAppPrinting).await?;
    let current = state.app.app_printing(&caller).await?;
    let value: Vec<Value> = current.grants.iter().map(grant_wire).collect();
    Ok(ok(&json!({ "value": value })))
}

async fn grant(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, body) = authorized(&state, req, Operation::ManageAppPrinting).await?;
    let value = object_body(&limited_body(&state, body).await?)?;
    let mut r = ObjectReader::new(&value, "body").map_err(schema_error)?;
    let app_id = r.string("appId", 128).map_err(schema_error)?;
    let share_id = r.string("shareId", 64).map_err(schema_error)?;
    r.finish(&["id", "grantedBy", "grantedDateTime"])
        .map_err(schema_error)?;
    let g = state
        .app
        .grant_app_printing(&caller, &app_id, &share_id.to_ascii_lowercase())
        .await?;
    Ok(created(&state, GRANTS, &g.id, &grant_wire(&g)))
}

async fn revoke(
    State(state): State<Arc<GraphState>>,
    Path(id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ManageAppPrinting).await?;
    state.app.revoke_app_printing(&caller, &id).await?;
    Ok(no_content())
}

async fn list_policies(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ReadPrintPolicies).await?;
    let value: Vec<Value> = state
        .app
        .list_print_policies(&caller)
        .await?
        .iter()
        .map(policy_wire)
        .collect();
    Ok(ok(&json!({ "value": value })))
}

async fn get_policy(
    State(state): State<Arc<GraphState>>,
    Path(id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ReadPrintPolicies).await?;
    Ok(ok(&policy_wire(&state.app.get_print_policy(&caller, &id).await?)))
}

async fn create_policy(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, body) = authorized(&state, req, Operation::ManagePrintPolicies).await?;
    let value = object_body(&limited_body(&state, body).await?)?;
    let new = read_policy(&value)?;
    let p = state.app.create_print_policy(&caller, new).await?;
    Ok(created(&state, POLICIES, &p.id, &policy_wire(&p)))
}

/// A new policy from its JSON: exactly one of `printerId` and `groupId`, and the rules.
fn read_policy(value: &Value) -> GraphResult<NewPrintPolicy> {
    let mut r = ObjectReader::new(value, "body").map_err(schema_error)?;
    let display_name = r.string("displayName", 100).map_err(schema_error)?;
    let printer = r.opt_string("printerId", 64).map_err(schema_error)?;
    let group = r.opt_string("groupId", 128).map_err(schema_error)?;
    let target = match (printer, group) {
        (Some(p), None) => PolicyTarget::Printer(p.into()),
        (None, Some(g)) => PolicyTarget::Group(g),
        _ => {
            return Err(GraphError::bad_request(
                "A print policy applies to a printer or to a group: give exactly one of printerId and groupId.",
            ));
        }
    };
    let force_monochrome = r
        .opt_bool("forceMonochrome")
        .map_err(schema_error)?
        .unwrap_or(false);
    let force_duplex = r.opt_bool("forceDuplex").map_err(schema_error)?.unwrap_or(false);
    let max_document_bytes = match r.take("maxDocumentBytes") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            GraphError::bad_request("maxDocumentBytes must be an integer number of bytes.")
        })?),
    };
    let max_pages = match r.take("maxPages") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| GraphError::bad_request("maxPages must be an integer number of pages."))?,
        ),
    };
    r.finish(&["id", "createdDateTime"]).map_err(schema_error)?;
    Ok(NewPrintPolicy {
        display_name,
        target,
        force_monochrome,
        force_duplex,
        max_document_bytes,
        max_pages,
    })
}

async fn delete_policy(
    State(state): State<Arc<GraphState>>,
    Path(id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ManagePrintPolicies).await?;
    state.app.delete_print_policy(&caller, &id).await?;
    Ok(no_content())
}
