//! Complex types used by more than one family: `integerRange` and `printMargin`.

use serde_json::{Map, Value};

use super::error::SchemaError;
use super::shape::{ComplexType, Kind, Member};

/// `integerRange`: inclusive `start`/`end` (Int64); beta also has the legacy `minimum`/`maximum`.
pub(crate) const INTEGER_RANGE: ComplexType = ComplexType::new(
    "integerRange",
    &[
        Member::new("start", Kind::INT64),
        Member::new("end", Kind::INT64),
        Member::new("minimum", Kind::INT64).beta_only(),
        Member::new("maximum", Kind::INT64).beta_only(),
    ],
)
.with_rule(bounds_are_ordered);

/// `printMargin`: four Int32 values in microns.
pub(crate) const PRINT_MARGIN: ComplexType = ComplexType::new(
    "printMargin",
    &[
        Member::new("top", Kind::INT32),
        Member::new("bottom", Kind::INT32),
        Member::new("left", Kind::INT32),
        Member::new("right", Kind::INT32),
    ],
);

/// An inclusive range whose lower bound exceeds its upper bound is empty and certainly a client mistake.
fn bounds_are_ordered(range: &Map<String, Value>, target: &str) -> Result<(), SchemaError> {
    for (low, high) in [("start", "end"), ("minimum", "maximum")] {
        let low_value = range.get(low).and_then(Value::as_i64);
        let high_value = range.get(high).and_then(Value::as_i64);
        if let (Some(l), Some(h)) = (low_value, high_value)
            && l > h
        {
            return Err(SchemaError::new(
                format!("'{target}' is an empty range: {low} ({l}) is greater than {high} ({h})"),
                target,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ApiVersion;
    use crate::schema::shape::{Root, validate_complex};
    use serde_json::json;

    fn range(value: Value, version: ApiVersion) -> Result<Value, SchemaError> {
        validate_complex(&INTEGER_RANGE, &value, "r", Root::Nullable, &version)
    }

    #[test]
    fn integer_range_accepts_start_end_and_beta_min_max() {
        assert!(range(json!({"start":1,"end":9999}), ApiVersion::V1).is_ok());
        assert!(range(json!({"start":3,"end":3}), ApiVersion::V1).is_ok());
        assert!(range(json!({"minimum":1,"maximum":5}), ApiVersion::Beta).is_ok());
        assert!(range(json!({"minimum":1,"maximum":5}), ApiVersion::V1).is_err());
    }

    #[test]
    fn integer_range_rejects_reversed_bounds() {
        let e = range(json!({"start":5,"end":2}), ApiVersion::V1).err();
        assert!(e.is_some_and(|e| e.message.contains("empty range") && e.target == "r"));
        assert!(range(json!({"minimum":5,"maximum":2}), ApiVersion::Beta).is_err());
    }

    #[test]
    fn margins_are_int32() {
        let m = |v| validate_complex(&PRINT_MARGIN, &v, "margin", Root::Nullable, &ApiVersion::V1);
        assert!(m(json!({"top":0,"bottom":0,"left":0,"right":0})).is_ok());
        assert!(m(json!({"top":0.5})).is_err());
        assert!(m(json!({"inner":1})).is_err());
    }
}
