//! Status values an app may write: `printerStatus` (virtual printer PATCH) and `printTaskStatus` (task PATCH).

use serde_json::Value;

use super::ApiVersion;
use super::enums::{PRINTER_STATE, PRINTER_STATE_DETAIL, TASK_STATE};
use super::error::SchemaError;
use super::shape::{ComplexType, Kind, Member, Root, validate_complex};

/// v1.0 printerStatus. `state` and `details` are non-nullable but may be omitted (the caller merges the
/// PATCH with the stored status); β legacy `processing*` members are not accepted.
const PRINTER_STATUS: ComplexType = ComplexType::new(
    "printerStatus",
    &[
        Member::new("state", Kind::Enum(PRINTER_STATE)).non_nullable(),
        Member::new("details", Kind::Collection(&Kind::Enum(PRINTER_STATE_DETAIL))).non_nullable(),
        Member::new("description", Kind::String),
    ],
);

const PRINT_TASK_STATUS: ComplexType = ComplexType::new(
    "printTaskStatus",
    &[
        Member::new("state", Kind::Enum(TASK_STATE))
            .non_nullable()
            .required(),
        Member::new("description", Kind::String).non_nullable(),
    ],
);

/// Validates a printerStatus written by an app on its virtual printer; the status itself cannot be `null`.
pub fn printer_status(v: &Value) -> Result<Value, SchemaError> {
    validate_complex(&PRINTER_STATUS, v, "status", Root::NonNullable, &ApiVersion::V1)
}

/// Validates the printTaskStatus of a task PATCH: `state` is required, `description` optional (not null).
pub fn task_status(v: &Value) -> Result<Value, SchemaError> {
    validate_complex(
        &PRINT_TASK_STATUS,
        v,
        "status",
        Root::NonNullable,
        &ApiVersion::V1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::enums::PRINTER_PROCESSING_STATE_DETAIL;
    use serde_json::json;

    #[test]
    fn printer_status_accepts_documented_shapes() {
        let stopped =
            json!({"state":"stopped","details":["mediaEmpty","coverOpen"],"description":"Tray 1 empty"});
        assert_eq!(printer_status(&stopped), Ok(stopped.clone()));
        let idle = json!({"state":"idle","details":[],"description":null});
        assert_eq!(printer_status(&idle), Ok(idle.clone()));
        assert_eq!(
            printer_status(&json!({"state":"processing"})),
            Ok(json!({"state":"processing"}))
        );
    }

    #[test]
    fn printer_status_accepts_every_state_detail() {
        let all = json!({"details": PRINTER_PROCESSING_STATE_DETAIL});
        assert_eq!(printer_status(&all), Ok(all.clone()));
    }

    #[test]
    fn printer_status_refuses_non_members_nulls_and_legacy_names() {
        let target = |v| printer_status(&v).err().map(|e| e.target);
        assert_eq!(
            target(json!({"details":["disconnected"]})),
            Some("status.details[0]".to_owned())
        );
        assert_eq!(target(json!({"state":"ready"})), Some("status.state".to_owned()));
        assert_eq!(target(json!({"state":null})), Some("status.state".to_owned()));
        assert_eq!(target(json!({"details":null})), Some("status.details".to_owned()));
        assert_eq!(
            target(json!({"processingState":"idle"})),
            Some("status.processingState".to_owned())
        );
        assert_eq!(
            target(json!({"description":7})),
            Some("status.description".to_owned())
        );
        assert_eq!(target(Value::Null), Some("status".to_owned()));
    }

    #[test]
    fn task_status_requires_a_state() {
        let done = json!({"state":"completed","description":"Released at device 12"});
        assert_eq!(task_status(&done), Ok(done.clone()));
        assert_eq!(
            task_status(&json!({"state":"aborted"})),
            Ok(json!({"state":"aborted"}))
        );
        let target = |v| task_status(&v).err().map(|e| e.target);
        assert_eq!(
            target(json!({"description":"x"})),
            Some("status.state".to_owned())
        );
        assert_eq!(target(json!({"state":"done"})), Some("status.state".to_owned()));
        assert_eq!(
            target(json!({"state":"completed","description":null})),
            Some("status.description".to_owned())
        );
        assert_eq!(
            target(json!({"state":"completed","details":[]})),
            Some("status.details".to_owned())
        );
    }
}
