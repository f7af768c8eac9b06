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
    let mut resp = (status, json_body(v)).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    resp
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
