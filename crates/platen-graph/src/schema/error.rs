//! The one error every validator returns, plus the helpers that build its JSON-path targets.

use serde_json::Value;

/// A request body that does not match the schema. The HTTP layer turns it into a 400 Graph error whose
/// message is `message` and whose `target` is `target`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SchemaError {
    /// Human-readable, self-contained explanation (it names the offending path itself).
    pub message: String,
    /// JSON path of the offending value, e.g. `configuration.copies` or `configuration.pageRanges[0].end`;
    /// `""` means the whole body.
    pub target: String,
}

impl SchemaError {
    pub fn new(message: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            target: target.into(),
        }
    }

    pub(crate) fn wrong_type(target: &str, expected: &str, got: &Value) -> Self {
        Self::new(
            format!(
                "{} must be {expected}, but the request has {}",
                subject(target),
                describe(got)
            ),
            target,
        )
    }

    pub(crate) fn required(target: &str) -> Self {
        Self::new(format!("Property '{target}' is required"), target)
    }

    pub(crate) fn not_nullable(target: &str) -> Self {
        Self::new(format!("{} cannot be null", subject(target)), target)
    }
}

/// Path of member `key` inside the value at `parent` (`""` = the body itself).
pub(crate) fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Path of item `index` of the array at `parent`.
pub(crate) fn item_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// How a path is named at the start of a message: `'configuration.copies'`, or "The request body" for `""`.
fn subject(target: &str) -> String {
    if target.is_empty() {
        "The request body".to_owned()
    } else {
        format!("'{target}'")
    }
}

/// Short description of a JSON value for error messages ("the string \"2\"", "the number 1.5", "an array").
pub(crate) fn describe(value: &Value) -> String {
    const MAX_SHOWN_CHARS: usize = 40;
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > MAX_SHOWN_CHARS => {
            let head: String = s.chars().take(MAX_SHOWN_CHARS).collect();
            format!("the string \"{head}…\"")
        }
        Value::String(s) => format!("the string \"{s}\""),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_join_members_and_items() {
        assert_eq!(child_path("", "copies"), "copies");
        assert_eq!(child_path("configuration", "copies"), "configuration.copies");
        assert_eq!(
            item_path("configuration.pageRanges", 2),
            "configuration.pageRanges[2]"
        );
    }

    #[test]
    fn values_are_described_briefly() {
        assert_eq!(describe(&json!("2")), "the string \"2\"");
        assert_eq!(describe(&json!(1.5)), "the number 1.5");
        assert_eq!(describe(&json!([1])), "an array");
        assert_eq!(describe(&json!(null)), "null");
        let long = "x".repeat(100);
        assert_eq!(
            describe(&json!(long)),
            format!("the string \"{}…\"", "x".repeat(40))
        );
    }

    #[test]
    fn the_empty_path_is_named_the_request_body() {
        assert_eq!(
            SchemaError::not_nullable("").message,
            "The request body cannot be null"
        );
        assert_eq!(
            SchemaError::not_nullable("status.state").message,
            "'status.state' cannot be null"
        );
    }

    #[test]
    fn display_is_the_message() {
        let e = SchemaError::wrong_type("configuration.copies", "an Edm.Int32", &json!("2"));
        assert_eq!(e.target, "configuration.copies");
        assert_eq!(
            e.to_string(),
            "'configuration.copies' must be an Edm.Int32, but the request has the string \"2\""
        );
    }
}
