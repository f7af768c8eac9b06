//! Strict checks for single JSON values against Edm primitive types and enumerations.
//! None of them accept `null`; callers decide about nullability first.

use serde_json::{Map, Value};

use super::enums::EnumType;
use super::error::SchemaError;

/// Enumerations with at most this many members list them all in error messages.
const MAX_LISTED_MEMBERS: usize = 20;

pub(crate) fn boolean(value: &Value, target: &str) -> Result<bool, SchemaError> {
    value
        .as_bool()
        .ok_or_else(|| SchemaError::wrong_type(target, "an Edm.Boolean (true or false)", value))
}

pub(crate) fn string<'v>(value: &'v Value, target: &str) -> Result<&'v str, SchemaError> {
    value
        .as_str()
        .ok_or_else(|| SchemaError::wrong_type(target, "an Edm.String", value))
}

/// Any JSON number (Edm.Double).
pub(crate) fn double(value: &Value, target: &str) -> Result<f64, SchemaError> {
    value
        .as_f64()
        .ok_or_else(|| SchemaError::wrong_type(target, "an Edm.Double (a JSON number)", value))
}

/// A JSON integer (no fraction, not written as a float such as `1.0`) within `bounds`.
pub(crate) fn integer(value: &Value, target: &str, bounds: IntegerBounds) -> Result<i64, SchemaError> {
    let expected = format!("an {} (a whole JSON number)", bounds.edm_type);
    let Value::Number(number) = value else {
        return Err(SchemaError::wrong_type(target, &expected, value));
    };
    match number.as_i64() {
        Some(n) if (bounds.min..=bounds.max).contains(&n) => Ok(n),
        Some(n) => Err(bounds.out_of_range(target, &n.to_string())),
        None if number.is_u64() => Err(bounds.out_of_range(target, &number.to_string())),
        None => Err(SchemaError::wrong_type(target, &expected, value)),
    }
}

/// Inclusive range an integer member accepts, together with the Edm type (and its range) it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IntegerBounds {
    pub edm_type: &'static str,
    type_min: i64,
    type_max: i64,
    pub min: i64,
    pub max: i64,
}

impl IntegerBounds {
    pub(crate) const INT32: Self = Self::whole_type("Edm.Int32", i32::MIN as i64, i32::MAX as i64);
    pub(crate) const INT64: Self = Self::whole_type("Edm.Int64", i64::MIN, i64::MAX);

    const fn whole_type(edm_type: &'static str, type_min: i64, type_max: i64) -> Self {
        Self {
            edm_type,
            type_min,
            type_max,
            min: type_min,
            max: type_max,
        }
    }

    /// The same Edm type restricted to `min..=max` (callers keep that inside the type's own range).
    pub(crate) const fn within(self, min: i64, max: i64) -> Self {
        Self { min, max, ..self }
    }

    /// The same Edm type restricted to `min..` (up to the type's maximum).
    pub(crate) const fn at_least(self, min: i64) -> Self {
        Self { min, ..self }
    }

    fn out_of_range(&self, target: &str, got: &str) -> SchemaError {
        let rule = if (self.min, self.max) == (self.type_min, self.type_max) {
            format!("within the {} range {}..={}", self.edm_type, self.min, self.max)
        } else if self.max == self.type_max {
            format!("at least {}", self.min)
        } else {
            format!("between {} and {}", self.min, self.max)
        };
        SchemaError::new(
            format!("'{target}' must be {rule}, but the request has {got}"),
            target,
        )
    }
}

/// A member name of `enum_type`, matched case-sensitively; returns the canonical `'static` name.
pub(crate) fn enum_member(
    value: &Value,
    target: &str,
    enum_type: &EnumType,
) -> Result<&'static str, SchemaError> {
    let expected = format!("a {} member name (a string)", enum_type.name);
    let Some(given) = value.as_str() else {
        return Err(SchemaError::wrong_type(target, &expected, value));
    };
    if let Some(member) = enum_type.members.iter().find(|m| **m == given) {
        return Ok(member);
    }
    let mut message = format!(
        "'{target}' has the value '{given}', which is not a member of {}",
        enum_type.name
    );
    if let Some(close) = enum_type.members.iter().find(|m| m.eq_ignore_ascii_case(given)) {
        message.push_str(&format!(
            "; member names are case-sensitive: did you mean '{close}'?"
        ));
    } else if enum_type.members.len() <= MAX_LISTED_MEMBERS {
        message.push_str(&format!(" (allowed: {})", enum_type.members.join(", ")));
    }
    Err(SchemaError::new(message, target))
}

pub(crate) fn object<'v>(
    value: &'v Value,
    target: &str,
    type_name: &str,
) -> Result<&'v Map<String, Value>, SchemaError> {
    value
        .as_object()
        .ok_or_else(|| SchemaError::wrong_type(target, &format!("a JSON object ({type_name})"), value))
}

pub(crate) fn array<'v>(
    value: &'v Value,
    target: &str,
    type_name: &str,
) -> Result<&'v Vec<Value>, SchemaError> {
    value
        .as_array()
        .ok_or_else(|| SchemaError::wrong_type(target, &format!("a JSON array ({type_name})"), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::enums::{COLOR_MODE, PRINTER_STATE_DETAIL};
    use serde_json::json;

    const INT32: IntegerBounds = IntegerBounds::INT32;

    #[test]
    fn int32_accepts_whole_numbers_in_range() {
        assert_eq!(integer(&json!(7), "x", INT32), Ok(7));
        assert_eq!(
            integer(&json!(-2147483648i64), "x", INT32),
            Ok(i64::from(i32::MIN))
        );
    }

    #[test]
    fn int32_rejects_fractions_strings_and_overflow() {
        for bad in [json!(1.5), json!(1.0), json!("2"), json!(true), json!([1])] {
            let e = integer(&bad, "copies", INT32).err();
            assert!(
                e.is_some_and(|e| e.message.contains("Edm.Int32") && e.target == "copies"),
                "{bad}"
            );
        }
        let e = integer(&json!(2147483648i64), "copies", INT32).err();
        assert!(e.is_some_and(|e| e.message.contains("range")));
    }

    #[test]
    fn int64_rejects_values_beyond_i64() {
        assert!(integer(&json!(u64::MAX), "size", IntegerBounds::INT64).is_err());
        assert_eq!(
            integer(&json!(i64::MAX), "size", IntegerBounds::INT64),
            Ok(i64::MAX)
        );
    }

    #[test]
    fn bounded_integers_explain_the_bounds() {
        let copies = INT32.within(1, 9999);
        let e = integer(&json!(0), "configuration.copies", copies).err();
        assert!(e.is_some_and(|e| e.message.contains("between 1 and 9999")));
        let dpi = INT32.at_least(1);
        let e = integer(&json!(0), "configuration.dpi", dpi).err();
        assert!(e.is_some_and(|e| e.message.contains("at least 1")));
    }

    #[test]
    fn booleans_strings_and_doubles_are_strict() {
        assert_eq!(boolean(&json!(true), "x"), Ok(true));
        assert!(boolean(&json!("true"), "x").is_err());
        assert!(boolean(&json!(1), "x").is_err());
        assert_eq!(string(&json!("a"), "x"), Ok("a"));
        assert!(string(&json!(1), "x").is_err());
        assert_eq!(double(&json!(1), "x"), Ok(1.0));
        assert_eq!(double(&json!(-47.6), "x"), Ok(-47.6));
        assert!(double(&json!("1.5"), "x").is_err());
    }

    #[test]
    fn enum_members_are_case_sensitive_and_helpful() {
        assert_eq!(
            enum_member(&json!("color"), "colorMode", &COLOR_MODE),
            Ok("color")
        );
        let e = enum_member(&json!("Color"), "colorMode", &COLOR_MODE).err();
        assert!(e.is_some_and(|e| e.message.contains("did you mean 'color'")));
        let e = enum_member(&json!("purple"), "colorMode", &COLOR_MODE).err();
        assert!(e.is_some_and(|e| e.message.contains("allowed: blackAndWhite, grayscale")));
        let e = enum_member(&json!("disconnected"), "details[0]", &PRINTER_STATE_DETAIL).err();
        assert!(e.is_some_and(|e| !e.message.contains("allowed") && e.target == "details[0]"));
        assert!(enum_member(&json!(2), "colorMode", &COLOR_MODE).is_err());
    }
}
