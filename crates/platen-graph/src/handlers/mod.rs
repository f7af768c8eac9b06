//! Thin handlers: decode the request, authorize the operation, call the use case, render the result.

pub mod connectors;
pub mod documents;
pub mod downloads;
pub mod jobs;
pub mod print;
pub mod printers;
pub mod provisioning_errors;
pub mod pull;
pub mod reports;
pub mod shares;
pub mod subscriptions;
pub mod uploads;
pub mod user_print;

use crate::error::{GraphError, GraphResult};
use bytes::Bytes;
use serde_json::Value;

/// Parses a request body as JSON. An empty body (actions without parameters) is `None`.
pub fn json_body(body: &Bytes) -> GraphResult<Option<Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| GraphError::bad_request(format!("The request body is not valid JSON: {e}.")))?;
    if has_nul(&v) {
        return Err(GraphError::bad_request(
            "Strings in the request body must not contain NUL characters.",
        ));
    }
    Ok(Some(v))
}

/// An action's parameters: `None` for an empty body or the JSON literal `null`, which Microsoft's JavaScript client
/// sends for `.post(null)` (the Graph SDK's way to call an action without parameters).
pub fn action_body(body: &Bytes) -> GraphResult<Option<Value>> {
    Ok(json_body(body)?.filter(|v| !v.is_null()))
}

/// Actions without parameters (start, cancel, restoreFactoryDefaults, …) accept an empty body (with or without a
/// JSON content type), `null`, or `{}`.
pub fn expect_no_parameters(body: &Bytes) -> GraphResult<()> {
    match action_body(body)? {
        None => Ok(()),
        Some(Value::Object(m)) if m.is_empty() => Ok(()),
        Some(_) => Err(GraphError::bad_request("This action takes no parameters.")),
    }
}

/// NUL characters cannot be stored (PostgreSQL text refuses them) and have no business in print metadata.
fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(a) => a.iter().any(has_nul),
        Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// A JSON object body is required.
pub fn object_body(body: &Bytes) -> GraphResult<Value> {
    match json_body(body)? {
        Some(v @ Value::Object(_)) => Ok(v),
        Some(_) => Err(GraphError::bad_request("The request body must be a JSON object.")),
        None => Err(GraphError::bad_request("A JSON request body is required.")),
    }
}

pub fn schema_error(e: crate::schema::SchemaError) -> GraphError {
    GraphError::bad_request(e.message)
}

/// The id at the end of an entity URL used in `@odata.bind` / `@odata.id`, with any host:
/// `https://graph.microsoft.com/v1.0/print/printers/{id}`, a relative `print/printers/{id}`, or `printers('{id}')`.
pub fn id_from_url(url: &str, collection: &[&str]) -> GraphResult<String> {
    let bad = || GraphError::bad_request(format!("'{url}' is not a URL of a {} entity.", collection[0]));
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .to_string()
        })
        .collect();
    let last = segs.last().ok_or_else(bad)?;
    // `printers('id')` / `users('id')` key syntax.
    if let Some((name, rest)) = last.split_once("('") {
        if collection.iter().any(|c| c.eq_ignore_ascii_case(name)) {
            return rest
                .strip_suffix("')")
                .filter(|id| !id.is_empty())
                .map(|id| id.to_ascii_lowercase())
                .ok_or_else(bad);
        }
        return Err(bad());
    }
    let parent = segs
        .len()
        .checked_sub(2)
        .and_then(|i| segs.get(i))
        .ok_or_else(bad)?;
    if collection.iter().any(|c| c.eq_ignore_ascii_case(parent)) && !last.is_empty() {
        Ok(last.to_ascii_lowercase())
    } else {
        Err(bad())
    }
}

/// `/$count`: the bare number as `text/plain`.
pub fn count_response(n: i64) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain;charset=utf-8")],
        n.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_urls() {
        let p = &["printers"];
        assert_eq!(
            id_from_url("https://graph.microsoft.com/v1.0/print/printers/ABC", p).unwrap(),
            "abc"
        );
        assert_eq!(
            id_from_url("http://127.0.0.1:8080/beta/print/printers/x?y", p).unwrap(),
            "x"
        );
        assert_eq!(id_from_url("print/printers('p1')", p).unwrap(), "p1");
        assert!(id_from_url("https://h/v1.0/print/shares/x", p).is_err());
        assert!(id_from_url("", p).is_err());
        let u = &["users", "directoryObjects"];
        assert_eq!(
            id_from_url("https://graph.microsoft.com/v1.0/directoryObjects/u1", u).unwrap(),
            "u1"
        );
    }
}
