//! Platen's own endpoints for print passwords, outside the Graph roots but with Graph's bearer tokens, JSON
//! conventions and errors:
//!
//! - `GET /platen/print-passwords`: the caller's own passwords (never a secret or a hash);
//! - `POST /platen/print-passwords` `{"label": "…"}`: 201 with the new password, shown this one time;
//! - `DELETE /platen/print-passwords/{id}`: 204; another user's is 404 unless the caller is a Printer
//!   Administrator.
//!
//! Application tokens are refused (403) by the use cases: a print password stands for a user.

use crate::ctx::{GraphState, authenticate};
use crate::error::{GraphError, GraphResult};
use crate::handlers::{json_body, schema_error};
use crate::response::{json, no_content, ok};
use crate::schema::ObjectReader;
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{delete, get, post};
use platen_app::served::{self, Endpoint, Method, Payload, Row};
use platen_domain::Caller;
use platen_domain::records::PrintPassword;
use platen_domain::time::to_graph;
use serde_json::{Map, Value, json};
use std::net::SocketAddr;
use std::sync::Arc;

const COLLECTION: &str = "/platen/print-passwords";

const ONE: &str = "/platen/print-passwords/{id}";

/// Platen's print password endpoints: the router is built from these rows and the OpenAPI document describes them.
pub(crate) const ROWS: &[Row<Arc<GraphState>>] = &[
    Row {
        endpoint: Endpoint::new(
            Method::Get,
            COLLECTION,
            "The caller's print passwords (never the secrets).",
        )
        .responds(&[(200, Payload::Json(password_list_schema))]),
        handler: || get(list),
    },
    Row {
        endpoint: Endpoint::new(
            Method::Post,
            COLLECTION,
            "Create a print password; the answer is the only place its secret appears.",
        )
        .request(Payload::Json(
            || json!({"type": "object", "properties": {"label": {"type": "string", "maxLength": 100}}}),
        ))
        .responds(&[(201, Payload::Json(password_schema))]),
        handler: || post(create),
    },
    Row {
        endpoint: Endpoint::new(Method::Delete, ONE, "Revoke one of the caller's print passwords.")
            .responds(&[(204, Payload::None)]),
        handler: || delete(revoke),
    },
];

pub(crate) fn routes() -> Router<Arc<GraphState>> {
    served::router(ROWS, not_allowed)
}

/// The 405 of Platen's own endpoints: a Graph error with the path's `Allow` header.
pub(crate) fn not_allowed(allow: String) -> Response {
    axum::response::IntoResponse::into_response(GraphError::method_not_allowed(allow))
}

fn password_schema() -> Value {
    json!({"type": "object", "required": ["id", "createdAt"], "properties": {
        "id": {"type": "string"},
        "label": {"type": "string"},
        "createdAt": {"type": "string", "format": "date-time"},
        "lastUsedAt": {"type": "string", "format": "date-time", "nullable": true},
        "userPrincipalName": {"type": "string", "nullable": true},
        "password": {"type": "string"},
    }})
}

fn password_list_schema() -> Value {
    json!({"type": "object", "required": ["value"], "properties": {"value": {"type": "array", "items": password_schema()}}})
}

/// The caller of a verified bearer token, remembered in the directory as on Graph routes.
pub(crate) async fn caller(state: &GraphState, parts: &Parts) -> GraphResult<Caller> {
    let ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let caller = authenticate(&state.verifier, &parts.headers, ip).await?;
    state.app.remember_user(&caller).await?;
    Ok(caller)
}

/// The caller of a request to one of Platen's own endpoints, allowed to perform `op`, and the request's body
/// (not read yet).
pub(crate) async fn authorized(
    state: &GraphState,
    req: axum::extract::Request,
    op: platen_domain::Operation,
) -> GraphResult<(Caller, axum::body::Body)> {
    let (parts, body) = req.into_parts();
    let caller = caller(state, &parts).await?;
    platen_domain::permissions::authorize(&caller, op)?;
    Ok((caller, body))
}

/// A request body of Platen's own endpoints, read whole up to the JSON limit (413 beyond).
pub(crate) async fn limited_body(state: &GraphState, body: axum::body::Body) -> GraphResult<bytes::Bytes> {
    crate::dispatch::read_body(body, state.max_json_body).await
}

/// The wire form: camelCase, Graph's DateTimeOffset, no hash.
fn wire(p: &PrintPassword) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(p.id));
    m.insert("label".into(), json!(p.label));
    m.insert("createdAt".into(), json!(to_graph(p.created_at)));
    m.insert("lastUsedAt".into(), json!(p.last_used_at.map(to_graph)));
    m.insert("userPrincipalName".into(), json!(p.user_principal_name));
    m
}

async fn list(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (parts, _) = req.into_parts();
    let caller = caller(&state, &parts).await?;
    let passwords = state.app.list_print_passwords(&caller, &caller.object_id).await?;
    let value: Vec<Value> = passwords.iter().map(|p| Value::Object(wire(p))).collect();
    Ok(ok(&json!({ "value": value })))
}

async fn create(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (parts, body) = req.into_parts();
    let caller = caller(&state, &parts).await?;
    let body = limited_body(&state, body).await?;
    // The body is optional: no label is an empty one.
    let label = match json_body(&body)? {
        None => String::new(),
        Some(v) => {
            let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
            let label = r.opt_string("label", 100).map_err(schema_error)?;
            r.finish(&["id", "createdAt", "lastUsedAt", "userPrincipalName", "password"])
                .map_err(schema_error)?;
            label.unwrap_or_default()
        }
    };
    let new = state.app.create_print_password(&caller, &label).await?;
    let mut body = wire(&new.record);
    body.insert("password".into(), Value::String(new.password));
    let mut resp = json(StatusCode::CREATED, &Value::Object(body));
    let location = format!("{}{COLLECTION}/{}", state.public_url, new.record.id);
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    // The password is in this body only: no cache may keep it.
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

async fn revoke(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (parts, _) = req.into_parts();
    let caller = caller(&state, &parts).await?;
    // Ids are base32, so the raw segment is the id; anything else is simply unknown to the use case.
    let id = parts.uri.path().rsplit('/').next().unwrap_or_default();
    state.app.revoke_print_password(&caller, id).await?;
    Ok(no_content())
}
