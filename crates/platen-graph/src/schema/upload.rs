//! `printDocumentUploadProperties` (the `properties` parameter of `createUploadSession`).

use serde_json::Value;

use super::error::SchemaError;
use super::media_type::check_media_type;
use super::primitives::{self, IntegerBounds};
use super::reader::ObjectReader;

/// Longest accepted `documentName`, in characters.
pub const MAX_DOCUMENT_NAME_CHARS: usize = 256;

/// Validated upload properties of a printDocument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadProperties {
    /// Non-empty, at most [`MAX_DOCUMENT_NAME_CHARS`] characters.
    pub document_name: String,
    /// Syntactically valid concrete media type, exactly as sent.
    pub content_type: String,
    /// Size in bytes, at least 1.
    pub size: i64,
}

/// Validates the `properties` object of a createUploadSession request; all three members are required.
pub fn upload_properties(v: &Value) -> Result<UploadProperties, SchemaError> {
    let mut reader = ObjectReader::at(v, "properties")?;
    let document_name = reader.string("documentName", MAX_DOCUMENT_NAME_CHARS)?;
    let content_type = reader.string("contentType", usize::MAX)?;
    if let Err(reason) = check_media_type(&content_type) {
        let target = reader.path_of("contentType");
        return Err(SchemaError::new(
            format!(
                "'{target}' must be a media type such as 'application/pdf', but '{content_type}' is not: {reason}"
            ),
            target,
        ));
    }
    let size_value = reader.required("size")?;
    let size_target = reader.path_of("size");
    if size_value.is_null() {
        return Err(SchemaError::not_nullable(&size_target));
    }
    let size = primitives::integer(size_value, &size_target, IntegerBounds::INT64.at_least(1))?;
    reader.finish(&[])?;
    Ok(UploadProperties {
        document_name,
        content_type,
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_example_is_accepted() {
        let got = upload_properties(
            &json!({"documentName":"TestFile.pdf","contentType":"application/pdf","size":4533322}),
        );
        let expected = UploadProperties {
            document_name: "TestFile.pdf".to_owned(),
            content_type: "application/pdf".to_owned(),
            size: 4533322,
        };
        assert_eq!(got, Ok(expected));
    }

    fn target_of(v: Value) -> Option<String> {
        upload_properties(&v).err().map(|e| e.target)
    }

    #[test]
    fn every_member_is_required_and_non_null() {
        assert_eq!(
            target_of(json!({"contentType":"application/pdf","size":1})),
            Some("properties.documentName".to_owned())
        );
        assert_eq!(
            target_of(json!({"documentName":"a","size":1})),
            Some("properties.contentType".to_owned())
        );
        assert_eq!(
            target_of(json!({"documentName":"a","contentType":"application/pdf"})),
            Some("properties.size".to_owned())
        );
        let null_size = json!({"documentName":"a","contentType":"application/pdf","size":null});
        assert_eq!(target_of(null_size), Some("properties.size".to_owned()));
        assert_eq!(target_of(Value::Null), Some("properties".to_owned()));
    }

    #[test]
    fn values_are_checked() {
        let base =
            |name: Value, ct: Value, size: Value| json!({"documentName":name,"contentType":ct,"size":size});
        let pdf = json!("application/pdf");
        assert_eq!(
            target_of(base(json!(""), pdf.clone(), json!(1))),
            Some("properties.documentName".to_owned())
        );
        let long_name = "n".repeat(MAX_DOCUMENT_NAME_CHARS + 1);
        assert_eq!(
            target_of(base(json!(long_name), pdf.clone(), json!(1))),
            Some("properties.documentName".to_owned())
        );
        let longest_name = "é".repeat(MAX_DOCUMENT_NAME_CHARS);
        assert!(upload_properties(&base(json!(longest_name), pdf.clone(), json!(1))).is_ok());
        assert_eq!(
            target_of(base(json!("a"), json!("pdf"), json!(1))),
            Some("properties.contentType".to_owned())
        );
        assert_eq!(
            target_of(base(json!("a"), pdf.clone(), json!(0))),
            Some("properties.size".to_owned())
        );
        assert_eq!(
            target_of(base(json!("a"), pdf.clone(), json!("10"))),
            Some("properties.size".to_owned())
        );
        assert_eq!(
            target_of(base(json!("a"), pdf, json!(1.5))),
            Some("properties.size".to_owned())
        );
    }

    #[test]
    fn large_sizes_and_parameters_are_fine_but_unknown_members_are_not() {
        let big = json!({"documentName":"a.pdf","contentType":"application/pdf; version=1.7","size":5_000_000_000i64});
        assert!(upload_properties(&big).is_ok_and(|p| p.size == 5_000_000_000));
        let extra = json!({"documentName":"a","contentType":"application/pdf","size":1,"pages":3});
        assert_eq!(target_of(extra), Some("properties.pages".to_owned()));
        let typed = json!({"@odata.type":"#microsoft.graph.printDocumentUploadProperties",
            "documentName":"a","contentType":"application/pdf","size":1});
        assert!(upload_properties(&typed).is_ok());
    }
}
