//! A small declarative description of Graph complex types and the one validator that walks it.
//!
//! Each type family file declares its complex types as `const` tables of [`Member`]s; [`validate_complex`]
//! checks a JSON value against such a table and returns the normalised copy to store.

use serde_json::{Map, Value};

use super::ApiVersion;
use super::enums::EnumType;
use super::error::{SchemaError, child_path, item_path};
use super::primitives::{self, IntegerBounds};

/// The type of one member (or of the items of a collection member).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Boolean,
    Integer(IntegerBounds),
    Double,
    String,
    Enum(EnumType),
    Complex(&'static ComplexType),
    Collection(&'static Kind),
}

impl Kind {
    pub(crate) const INT32: Kind = Kind::Integer(IntegerBounds::INT32);
    pub(crate) const INT64: Kind = Kind::Integer(IntegerBounds::INT64);
}

/// One structural property of a complex type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    pub name: &'static str,
    pub kind: Kind,
    /// `false` for CSDL `Nullable="false"`: an explicit `null` is rejected.
    pub nullable: bool,
    /// Must be present in the input.
    pub required: bool,
    /// Exists only in the beta schema; rejected on v1.0.
    pub beta_only: bool,
}

impl Member {
    /// An optional, nullable member available in v1.0 and beta (the common case).
    pub(crate) const fn new(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            kind,
            nullable: true,
            required: false,
            beta_only: false,
        }
    }

    pub(crate) const fn non_nullable(self) -> Self {
        Self {
            nullable: false,
            ..self
        }
    }

    pub(crate) const fn required(self) -> Self {
        Self {
            required: true,
            ..self
        }
    }

    pub(crate) const fn beta_only(self) -> Self {
        Self {
            beta_only: true,
            ..self
        }
    }
}

/// An input spelling accepted for a member and stored under the member's own name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Alias {
    pub input: &'static str,
    pub member: &'static str,
}

/// A check across members, run on the normalised object; gets the object's path.
pub(crate) type ObjectRule = fn(&Map<String, Value>, &str) -> Result<(), SchemaError>;

#[derive(Debug, Clone, Copy)]
pub(crate) struct ComplexType {
    /// CSDL name without namespace, e.g. `printJobConfiguration`.
    pub name: &'static str,
    pub members: &'static [Member],
    pub aliases: &'static [Alias],
    pub rule: Option<ObjectRule>,
}

impl ComplexType {
    pub(crate) const fn new(name: &'static str, members: &'static [Member]) -> Self {
        Self {
            name,
            members,
            aliases: &[],
            rule: None,
        }
    }

    pub(crate) const fn with_aliases(self, aliases: &'static [Alias]) -> Self {
        Self { aliases, ..self }
    }

    pub(crate) const fn with_rule(self, rule: ObjectRule) -> Self {
        Self {
            rule: Some(rule),
            ..self
        }
    }

    fn member(&self, key: &str) -> Option<&'static Member> {
        let name = self
            .aliases
            .iter()
            .find(|a| a.input == key)
            .map_or(key, |a| a.member);
        self.members.iter().find(|m| m.name == name)
    }

    /// `@odata.type` (some SDKs send it on complex values) and `<member>@odata.type` are tolerated and dropped.
    fn is_ignored_annotation(&self, key: &str) -> bool {
        key.starts_with("@odata.type")
            || key
                .strip_suffix("@odata.type")
                .is_some_and(|member| self.member(member).is_some())
    }
}

/// Whether the value of the member holding this complex type may be `null` as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    Nullable,
    NonNullable,
}

/// Validates `value` as an instance of `complex` found at `target` and returns the normalised value.
pub(crate) fn validate_complex(
    complex: &ComplexType,
    value: &Value,
    target: &str,
    root: Root,
    version: &ApiVersion,
) -> Result<Value, SchemaError> {
    match value {
        Value::Null if root == Root::Nullable => Ok(Value::Null),
        Value::Null => Err(SchemaError::not_nullable(target)),
        _ => validate_object(complex, value, target, version).map(Value::Object),
    }
}

fn validate_object(
    complex: &ComplexType,
    value: &Value,
    target: &str,
    version: &ApiVersion,
) -> Result<Map<String, Value>, SchemaError> {
    let input = primitives::object(value, target, complex.name)?;
    let mut output = Map::new();
    for (key, member_value) in input {
        if complex.is_ignored_annotation(key) {
            continue;
        }
        let path = child_path(target, key);
        let member = resolve_member(complex, key, &path, version)?;
        if output.contains_key(member.name) {
            return Err(given_twice(complex, member, path));
        }
        output.insert(
            member.name.to_owned(),
            validate_member(member, member_value, &path, version)?,
        );
    }
    if let Some(missing) = complex
        .members
        .iter()
        .find(|m| m.required && !output.contains_key(m.name))
    {
        return Err(SchemaError::required(&child_path(target, missing.name)));
    }
    if let Some(rule) = complex.rule {
        rule(&output, target)?;
    }
    Ok(output)
}

/// The member that input key `key` (at `path`) denotes, if it exists in `version`.
fn resolve_member(
    complex: &ComplexType,
    key: &str,
    path: &str,
    version: &ApiVersion,
) -> Result<&'static Member, SchemaError> {
    let name = complex.name;
    match complex.member(key) {
        None => Err(SchemaError::new(
            format!("Property '{path}' is not supported: {name} has no member '{key}'"),
            path,
        )),
        Some(member) if member.beta_only && *version == ApiVersion::V1 => Err(SchemaError::new(
            format!(
                "Property '{path}' is only available in the beta API: {name} has no member '{key}' in v1.0"
            ),
            path,
        )),
        Some(member) => Ok(member),
    }
}

/// The error for a member sent under two of its spellings (e.g. `subunit` and `subUnit`).
fn given_twice(complex: &ComplexType, member: &Member, path: String) -> SchemaError {
    let aliases = complex
        .aliases
        .iter()
        .filter(|a| a.member == member.name)
        .map(|a| a.input);
    let spellings: Vec<&str> = std::iter::once(member.name).chain(aliases).collect();
    SchemaError::new(
        format!(
            "Property '{path}' is given more than once (as '{}')",
            spellings.join("' / '")
        ),
        path,
    )
}

fn validate_member(
    member: &Member,
    value: &Value,
    path: &str,
    version: &ApiVersion,
) -> Result<Value, SchemaError> {
    match value {
        Value::Null if member.nullable => Ok(Value::Null),
        Value::Null => Err(SchemaError::not_nullable(path)),
        _ => validate_kind(&member.kind, value, path, version),
    }
}

fn validate_kind(kind: &Kind, value: &Value, path: &str, version: &ApiVersion) -> Result<Value, SchemaError> {
    match kind {
        Kind::Boolean => primitives::boolean(value, path).map(Value::Bool),
        Kind::Integer(bounds) => primitives::integer(value, path, *bounds).map(Value::from),
        Kind::Double => primitives::double(value, path).map(|_| value.clone()),
        Kind::String => primitives::string(value, path).map(Value::from),
        Kind::Enum(enum_type) => primitives::enum_member(value, path, enum_type).map(Value::from),
        Kind::Complex(complex) => validate_object(complex, value, path, version).map(Value::Object),
        Kind::Collection(item_kind) => {
            let items = primitives::array(value, path, &collection_name(item_kind))?;
            let mut output = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let item_target = item_path(path, index);
                if item.is_null() {
                    return Err(SchemaError::new(
                        format!("'{item_target}' is null; collection items cannot be null"),
                        item_target,
                    ));
                }
                output.push(validate_kind(item_kind, item, &item_target, version)?);
            }
            Ok(Value::Array(output))
        }
    }
}

/// `Collection(printFinishing)`, `Collection(Edm.Int32)`, … for messages.
fn collection_name(item_kind: &Kind) -> String {
    let item = match item_kind {
        Kind::Boolean => "Edm.Boolean",
        Kind::Integer(bounds) => bounds.edm_type,
        Kind::Double => "Edm.Double",
        Kind::String => "Edm.String",
        Kind::Enum(enum_type) => enum_type.name,
        Kind::Complex(complex) => complex.name,
        Kind::Collection(_) => "Collection",
    };
    format!("Collection({item})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::enums::COLOR_MODE;
    use serde_json::json;

    const INNER: ComplexType = ComplexType::new("inner", &[Member::new("n", Kind::INT32)]);
    const SAMPLE: ComplexType = ComplexType::new(
        "sample",
        &[
            Member::new("flag", Kind::Boolean),
            Member::new("must", Kind::String).required().non_nullable(),
            Member::new("modes", Kind::Collection(&Kind::Enum(COLOR_MODE))),
            Member::new("inner", Kind::Complex(&INNER)),
            Member::new("betaThing", Kind::Double).beta_only(),
            Member::new("canonical", Kind::String),
        ],
    )
    .with_aliases(&[Alias {
        input: "Canonical",
        member: "canonical",
    }]);

    fn check(value: Value, version: ApiVersion) -> Result<Value, SchemaError> {
        validate_complex(&SAMPLE, &value, "root", Root::Nullable, &version)
    }

    #[test]
    fn valid_input_is_copied_with_nulls_kept_and_aliases_renamed() {
        let got = check(
            json!({"must":"x","flag":null,"Canonical":"c","@odata.type":"#x.sample"}),
            ApiVersion::V1,
        );
        assert_eq!(got, Ok(json!({"must":"x","flag":null,"canonical":"c"})));
    }

    #[test]
    fn errors_carry_the_json_path() {
        let e = check(json!({"must":"x","inner":{"n":"1"}}), ApiVersion::V1).err();
        assert_eq!(e.map(|e| e.target), Some("root.inner.n".to_owned()));
        let e = check(json!({"must":"x","modes":["color",null]}), ApiVersion::V1).err();
        assert_eq!(e.map(|e| e.target), Some("root.modes[1]".to_owned()));
        let e = check(json!({"must":"x","modes":"color"}), ApiVersion::V1).err();
        assert!(e.is_some_and(|e| e.message.contains("Collection(printColorMode)")));
    }

    #[test]
    fn required_non_nullable_unknown_and_beta_members_are_enforced() {
        assert!(check(json!({}), ApiVersion::V1).is_err_and(|e| e.target == "root.must"));
        assert!(
            check(json!({"must":null}), ApiVersion::V1).is_err_and(|e| e.message.contains("cannot be null"))
        );
        assert!(check(json!({"must":"x","nope":1}), ApiVersion::V1).is_err_and(|e| e.target == "root.nope"));
        assert!(
            check(json!({"must":"x","betaThing":1}), ApiVersion::V1)
                .is_err_and(|e| e.message.contains("beta"))
        );
        assert!(check(json!({"must":"x","betaThing":1}), ApiVersion::Beta).is_ok());
    }

    #[test]
    fn both_spellings_of_an_aliased_member_are_refused() {
        let e = check(
            json!({"must":"x","canonical":"a","Canonical":"b"}),
            ApiVersion::V1,
        )
        .err();
        assert!(e.is_some_and(|e| e.message.contains("more than once")));
    }

    #[test]
    fn member_type_annotations_are_dropped_but_other_annotations_refused() {
        let got = check(
            json!({"must":"x","modes@odata.type":"#Collection(x)"}),
            ApiVersion::V1,
        );
        assert_eq!(got, Ok(json!({"must":"x"})));
        assert!(check(json!({"must":"x","@odata.id":"y"}), ApiVersion::V1).is_err());
        assert!(check(json!({"must":"x","nope@odata.type":"y"}), ApiVersion::V1).is_err());
    }

    #[test]
    fn root_nullability_is_the_callers_choice() {
        assert_eq!(check(Value::Null, ApiVersion::V1), Ok(Value::Null));
        let strict = validate_complex(&SAMPLE, &Value::Null, "root", Root::NonNullable, &ApiVersion::V1);
        assert!(strict.is_err());
        assert!(check(json!([]), ApiVersion::V1).is_err_and(|e| e.message.contains("JSON object (sample)")));
    }
}
