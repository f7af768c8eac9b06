//! JSON responses the Graph way: OData content type on every JSON body, `@odata.context`, no body on 204.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

pub const JSON_CONTENT_TYPE: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

pub fn json_body(v: &Value) -> Body {
    Body::from(serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec()))
}

pub fn json(status: StatusCode, v: &Value) -> Response {
    let body = if crate::request_ids::RequestIds::current().include_unknown_enum_members || !hides_any(v) {
        json_body(v)
    } else {
        let mut seen = v.clone();
        hide_evolvable(&mut seen);
        json_body(&seen)
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    resp
}

/// Evolvable enum values in a response: printer status `details` (a `status` object's details; job state
/// details have no evolvable members) and `finishings` (capabilities, defaults, job configurations;
/// β capabilities' legacy `supportedFinishings`).
fn evolvable(key: &str, parent: &Map<String, Value>) -> Option<&'static [&'static str]> {
    use crate::schema::enums::{PRINT_FINISHING, PRINTER_PROCESSING_STATE_DETAIL};
    match key {
        "details" if parent.contains_key("state") => Some(PRINTER_PROCESSING_STATE_DETAIL),
        "finishings" | "supportedFinishings" => Some(PRINT_FINISHING),
        _ => None,
    }
}

/// Whether `v` holds an evolvable member a client must not see unasked (checked before copying anything).
pub(crate) fn hides_any(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, x)| match (evolvable(k, m), x) {
            (Some(members), Value::Array(items)) => items.iter().any(|i| {
                i.as_str()
                    .is_some_and(|s| crate::schema::enums::hides_member(members, s))
            }),
            _ => hides_any(x),
        }),
        Value::Array(items) => items.iter().any(hides_any),
        _ => false,
    }
}

/// Replaces every evolvable member in `v` by `unknownFutureValue`.
pub(crate) fn hide_evolvable(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let keys: Vec<(String, Option<&'static [&'static str]>)> =
                m.keys().map(|k| (k.clone(), evolvable(k, m))).collect();
            for (k, members) in keys {
                let Some(x) = m.get_mut(&k) else { continue };
                match (members, x) {
                    (Some(members), Value::Array(items)) => {
                        for i in items.iter_mut() {
                            if let Some(s) = i.as_str() {
                                *i = Value::String(crate::schema::enums::as_seen(members, s, false));
                            }
                        }
                    }
                    (_, x) => hide_evolvable(x),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide_evolvable),
        _ => {}
    }
}

/// A JSON body already serialised, whose evolvable members were hidden as it was written.
pub fn json_bytes(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut resp = (status, Body::from(bytes)).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    resp
}

/// Whether this request's evolvable enum members are answered as `unknownFutureValue` (no `Prefer:
/// include-unknown-enum-members`).
pub fn hides_evolvable() -> bool {
    !crate::request_ids::RequestIds::current().include_unknown_enum_members
}

/// An entity serialised straight into its body (200).
pub fn entity_response(v: &impl serde::Serialize) -> crate::error::GraphResult<Response> {
    serialised(v, 1024)
}

/// `v` serialised straight into a 200 body of about `capacity` bytes (a `Serialize` that hides evolvable members
/// itself: nothing is checked after).
pub fn serialised(v: &impl serde::Serialize, capacity: usize) -> crate::error::GraphResult<Response> {
    let mut bytes = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut bytes, v).map_err(|e| {
        tracing::error!(error = %e, "a response did not serialise");
        crate::error::GraphError::internal()
    })?;
    Ok(json_bytes(StatusCode::OK, bytes))
}

pub fn ok(v: &Value) -> Response {
    json(StatusCode::OK, v)
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// `{"@odata.context": …, …entity}`.
pub fn entity(context: String, mut body: Map<String, Value>) -> Value {
    let mut out = Map::with_capacity(body.len() + 1);
    out.insert("@odata.context".into(), Value::String(context));
    out.append(&mut body);
    Value::Object(out)
}

/// `{"@odata.context", "@odata.count"?, "value": […], "@odata.nextLink"?}`.
pub fn collection(
    context: String,
    items: Vec<Value>,
    count: Option<i64>,
    next_link: Option<String>,
) -> Value {
    let mut out = Map::new();
    out.insert("@odata.context".into(), Value::String(context));
    if let Some(c) = count {
        out.insert("@odata.count".into(), Value::from(c));
    }
    out.insert("value".into(), Value::Array(items));
    if let Some(n) = next_link {
        out.insert("@odata.nextLink".into(), Value::String(n));
    }
    Value::Object(out)
}
