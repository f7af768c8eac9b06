//! [`ObjectReader`]: strict, key-by-key reading of a JSON object body that refuses leftovers.

use serde_json::{Map, Value};

use super::enums::EnumType;
use super::error::{SchemaError, child_path, describe};
use super::primitives;

/// Reads the members of one JSON object and remembers which were used, so that [`ObjectReader::finish`]
/// can refuse every key the handler did not expect.
///
/// ```ignore
/// let mut body = ObjectReader::new(&json, "body")?;
/// let name = body.string("displayName", 50)?;
/// let printer = body.bind("printer@odata.bind")?;
/// let allow_all = body.opt_bool("allowAllUsers")?;
/// body.finish(&["id", "createdDateTime"])?;
/// ```
#[derive(Debug)]
pub struct ObjectReader<'a> {
    object: &'a Map<String, Value>,
    /// JSON path of the object; `""` for a request body.
    path: String,
    used: Vec<&'a str>,
}

impl<'a> ObjectReader<'a> {
    /// Reader for a top-level request body: error targets are the bare keys (`displayName`).
    /// `what` only names the value if it is not an object: "body" gives "The request body must be a JSON
    /// object…", anything else `'what' must be a JSON object…`.
    pub fn new(value: &'a Value, what: &str) -> Result<Self, SchemaError> {
        match value.as_object() {
            Some(object) => Ok(Self {
                object,
                path: String::new(),
                used: Vec::new(),
            }),
            None => {
                let subject = if what == "body" {
                    "The request body".to_owned()
                } else {
                    format!("'{what}'")
                };
                Err(SchemaError::new(
                    format!(
                        "{subject} must be a JSON object, but the request has {}",
                        describe(value)
                    ),
                    "",
                ))
            }
        }
    }

    /// Reader for a nested object found at JSON path `path` (e.g. `properties`); error targets are
    /// `path.key`. `null` is refused like any other non-object.
    pub fn at(value: &'a Value, path: &str) -> Result<Self, SchemaError> {
        match value.as_object() {
            Some(object) => Ok(Self {
                object,
                path: path.to_owned(),
                used: Vec::new(),
            }),
            None => Err(SchemaError::wrong_type(path, "a JSON object", value)),
        }
    }

    /// JSON path of `key` inside this object, for building errors about it.
    pub fn path_of(&self, key: &str) -> String {
        child_path(&self.path, key)
    }

    /// The raw value of `key` (if present), marking the key as used.
    pub fn take(&mut self, key: &str) -> Option<&'a Value> {
        let (stored_key, value) = self.object.get_key_value(key)?;
        if !self.used.contains(&stored_key.as_str()) {
            self.used.push(stored_key.as_str());
        }
        Some(value)
    }

    /// The raw value of `key`, which must be present (it may be `null`).
    pub fn required(&mut self, key: &str) -> Result<&'a Value, SchemaError> {
        self.take(key)
            .ok_or_else(|| SchemaError::required(&self.path_of(key)))
    }

    /// A required, non-null, non-empty string of at most `max_chars` characters.
    pub fn string(&mut self, key: &str, max_chars: usize) -> Result<String, SchemaError> {
        let value = self.required(key)?;
        let text = self.checked_string(key, value, max_chars)?;
        if text.is_empty() {
            let target = self.path_of(key);
            return Err(SchemaError::new(format!("'{target}' cannot be empty"), target));
        }
        Ok(text)
    }

    /// An optional string of at most `max_chars` characters (may be empty); `null` is refused.
    pub fn opt_string(&mut self, key: &str, max_chars: usize) -> Result<Option<String>, SchemaError> {
        self.opt_non_null(key)?
            .map(|value| self.checked_string(key, value, max_chars))
            .transpose()
    }

    /// An optional, nullable string: `None` = absent, `Some(None)` = explicit `null` (clear it).
    pub fn nullable_string(
        &mut self,
        key: &str,
        max_chars: usize,
    ) -> Result<Option<Option<String>>, SchemaError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(value) => self.checked_string(key, value, max_chars).map(|s| Some(Some(s))),
        }
    }

    /// An optional boolean; `null` is refused.
    pub fn opt_bool(&mut self, key: &str) -> Result<Option<bool>, SchemaError> {
        let path = self.path_of(key);
        self.opt_non_null(key)?
            .map(|value| primitives::boolean(value, &path))
            .transpose()
    }

    /// An optional, nullable boolean: `None` = absent, `Some(None)` = explicit `null`.
    pub fn nullable_bool(&mut self, key: &str) -> Result<Option<Option<bool>>, SchemaError> {
        let path = self.path_of(key);
        match self.take(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(value) => primitives::boolean(value, &path).map(|b| Some(Some(b))),
        }
    }

    /// A required member of enumeration `enum_name` whose member names are `members` (case-sensitive).
    pub fn enum_member(
        &mut self,
        key: &str,
        enum_name: &'static str,
        members: &'static [&'static str],
    ) -> Result<&'static str, SchemaError> {
        let value = self.required(key)?;
        let path = self.path_of(key);
        if value.is_null() {
            return Err(SchemaError::not_nullable(&path));
        }
        primitives::enum_member(value, &path, &EnumType::new(enum_name, members))
    }

    /// A required `…@odata.bind` reference (a non-empty string, usually a URL).
    pub fn bind(&mut self, key: &str) -> Result<String, SchemaError> {
        self.string(key, usize::MAX)
    }

    /// An optional `…@odata.bind` reference; when present it must be a non-empty string.
    pub fn opt_bind(&mut self, key: &str) -> Result<Option<String>, SchemaError> {
        if !self.object.contains_key(key) {
            return Ok(None);
        }
        self.bind(key).map(Some)
    }

    /// A required nested object, read with its own reader (whose `finish` the caller must call too).
    pub fn object(&mut self, key: &str) -> Result<ObjectReader<'a>, SchemaError> {
        let value = self.required(key)?;
        ObjectReader::at(value, &self.path_of(key))
    }

    /// An optional nested object; `null` is refused.
    pub fn opt_object(&mut self, key: &str) -> Result<Option<ObjectReader<'a>>, SchemaError> {
        let path = self.path_of(key);
        self.opt_non_null(key)?
            .map(|value| ObjectReader::at(value, &path))
            .transpose()
    }

    /// Fails on the first key (in the object's order) that was not read: `"Property 'x' is read-only"` for
    /// keys in `read_only`, else `"Property 'x' is not supported on this resource"`. `@odata.type…` keys and
    /// `<used key>@odata.type` annotations are ignored; every other annotation must have been taken.
    pub fn finish(self, read_only: &[&str]) -> Result<(), SchemaError> {
        for key in self.object.keys() {
            if self.used.contains(&key.as_str()) || self.is_ignored_annotation(key) {
                continue;
            }
            let target = self.path_of(key);
            let message = if read_only.contains(&key.as_str()) {
                format!("Property '{target}' is read-only")
            } else {
                format!("Property '{target}' is not supported on this resource")
            };
            return Err(SchemaError::new(message, target));
        }
        Ok(())
    }

    fn is_ignored_annotation(&self, key: &str) -> bool {
        key.starts_with("@odata.type")
            || key
                .strip_suffix("@odata.type")
                .is_some_and(|member| self.used.contains(&member))
    }

    fn opt_non_null(&mut self, key: &str) -> Result<Option<&'a Value>, SchemaError> {
        match self.take(key) {
            Some(Value::Null) => Err(SchemaError::not_nullable(&self.path_of(key))),
            other => Ok(other),
        }
    }

    fn checked_string(&self, key: &str, value: &Value, max_chars: usize) -> Result<String, SchemaError> {
        let path = self.path_of(key);
        if value.is_null() {
            return Err(SchemaError::not_nullable(&path));
        }
        let text = primitives::string(value, &path)?;
        let length = text.chars().count();
        if length > max_chars {
            return Err(SchemaError::new(
                format!("'{path}' must be at most {max_chars} characters long, but it has {length}"),
                path,
            ));
        }
        Ok(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::enums::PRINT_EVENT;
    use serde_json::json;

    #[test]
    fn a_share_create_body_reads_cleanly() {
        let body = json!({"displayName":"ShareName","allowAllUsers":false,
            "printer@odata.bind":"https://graph.microsoft.com/v1.0/print/printers/{id}"});
        let mut reader = ObjectReader::new(&body, "body").unwrap();
        assert_eq!(reader.string("displayName", 50).unwrap(), "ShareName");
        assert_eq!(reader.opt_bool("allowAllUsers").unwrap(), Some(false));
        assert!(
            reader
                .bind("printer@odata.bind")
                .unwrap()
                .ends_with("/printers/{id}")
        );
        assert_eq!(reader.finish(&[]), Ok(()));
    }

    #[test]
    fn non_objects_are_refused() {
        let e = ObjectReader::new(&json!([1]), "body").err();
        assert!(e.is_some_and(
            |e| e.message == "The request body must be a JSON object, but the request has an array"
        ));
        let e = ObjectReader::new(&json!("x"), "certificateSigningRequest").unwrap_err();
        assert_eq!(
            e.message,
            "'certificateSigningRequest' must be a JSON object, but the request has the string \"x\""
        );
        let e = ObjectReader::at(&Value::Null, "properties").unwrap_err();
        assert_eq!(
            e.message,
            "'properties' must be a JSON object, but the request has null"
        );
        assert_eq!(e.target, "properties");
    }

    #[test]
    fn leftovers_are_refused_read_only_first_named() {
        let body = json!({"displayName":"x","id":"1","colour":"red"});
        let mut reader = ObjectReader::new(&body, "body").unwrap();
        reader.take("displayName");
        let e = reader.finish(&["id"]).err();
        // serde_json orders keys alphabetically unless `preserve_order` is on: "colour" < "id".
        let e = e.unwrap();
        assert!(
            e.message == "Property 'colour' is not supported on this resource"
                || e.message == "Property 'id' is read-only",
            "{e:?}"
        );
        let body = json!({"id":"1"});
        let reader = ObjectReader::new(&body, "body").unwrap();
        let e = reader.finish(&["id"]).unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.target.as_str()),
            ("Property 'id' is read-only", "id")
        );
    }

    #[test]
    fn odata_type_keys_are_ignored_but_other_annotations_need_taking() {
        let body = json!({"@odata.type":"#microsoft.graph.printerShare","displayName":"x",
            "displayName@odata.type":"#String"});
        let mut reader = ObjectReader::new(&body, "body").unwrap();
        reader.take("displayName");
        assert_eq!(reader.finish(&[]), Ok(()));

        let body = json!({"@odata.context":"x"});
        let e = ObjectReader::new(&body, "body").unwrap().finish(&[]).unwrap_err();
        assert_eq!(
            e.message,
            "Property '@odata.context' is not supported on this resource"
        );

        let body = json!({"other@odata.type":"#String"});
        assert!(ObjectReader::new(&body, "body").unwrap().finish(&[]).is_err());
    }

    #[test]
    fn string_rules() {
        let body = json!({"empty":"","long":"abcdef","num":5,"nul":null,"ok":"été"});
        let mut r = ObjectReader::new(&body, "body").unwrap();
        assert!(
            r.string("missing", 10)
                .is_err_and(|e| e.message == "Property 'missing' is required")
        );
        assert!(
            r.string("empty", 10)
                .is_err_and(|e| e.message.contains("cannot be empty"))
        );
        assert_eq!(r.opt_string("empty", 10).unwrap(), Some(String::new()));
        assert!(
            r.string("long", 5)
                .is_err_and(|e| e.message.contains("at most 5 characters"))
        );
        assert!(
            r.string("num", 5)
                .is_err_and(|e| e.message.contains("Edm.String"))
        );
        assert!(
            r.string("nul", 5)
                .is_err_and(|e| e.message.contains("cannot be null"))
        );
        assert!(r.opt_string("nul", 5).is_err());
        assert_eq!(r.nullable_string("nul", 5).unwrap(), Some(None));
        assert_eq!(r.nullable_string("absent", 5).unwrap(), None);
        assert_eq!(r.string("ok", 3).unwrap(), "été");
        assert_eq!(r.opt_string("absent", 3).unwrap(), None);
    }

    #[test]
    fn bool_rules() {
        let body = json!({"t":true,"s":"true","n":null});
        let mut r = ObjectReader::new(&body, "body").unwrap();
        assert_eq!(r.opt_bool("t").unwrap(), Some(true));
        assert!(r.opt_bool("s").is_err_and(|e| e.target == "s"));
        assert!(r.opt_bool("n").is_err());
        assert_eq!(r.nullable_bool("n").unwrap(), Some(None));
        assert_eq!(r.nullable_bool("absent").unwrap(), None);
    }

    #[test]
    fn binds_enums_and_nested_objects() {
        let body = json!({"event":"jobStarted","definition@odata.bind":"https://x/print/taskDefinitions/1",
            "createdBy":{"displayName":"App","appId":"nope"},"bad":"JobStarted"});
        let mut r = ObjectReader::new(&body, "body").unwrap();
        assert_eq!(
            r.enum_member("event", "printEvent", PRINT_EVENT).unwrap(),
            "jobStarted"
        );
        assert!(
            r.enum_member("bad", "printEvent", PRINT_EVENT)
                .is_err_and(|e| e.message.contains("did you mean"))
        );
        assert!(r.bind("definition@odata.bind").is_ok());
        assert_eq!(r.opt_bind("printer@odata.bind").unwrap(), None);
        let mut created_by = r.object("createdBy").unwrap();
        assert_eq!(
            created_by.opt_string("displayName", 100).unwrap().as_deref(),
            Some("App")
        );
        let e = created_by.finish(&["appId"]).unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.target.as_str()),
            ("Property 'createdBy.appId' is read-only", "createdBy.appId")
        );
        assert!(r.opt_object("absent").unwrap().is_none());
        assert_eq!(r.finish(&[]), Ok(()));
    }

    #[test]
    fn empty_binds_are_refused() {
        let body = json!({"printer@odata.bind":""});
        let mut r = ObjectReader::new(&body, "body").unwrap();
        assert!(r.opt_bind("printer@odata.bind").is_err());
    }
}
