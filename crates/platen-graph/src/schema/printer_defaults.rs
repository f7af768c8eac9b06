//! `printerDefaults` (printer / share `defaults`).

use serde_json::Value;

use super::ApiVersion;
use super::enums::{
    COLOR_CONFIGURATION, COLOR_MODE, DUPLEX_CONFIGURATION, DUPLEX_MODE, FINISHING, MULTIPAGE_LAYOUT,
    ORIENTATION, PRESENTATION_DIRECTION, QUALITY, SCALING,
};
use super::error::SchemaError;
use super::legacy_names::{DEFAULT_NAMES, Fold, as_shown, fold_legacy};
use super::shape::{ComplexType, Kind, Member, Root, validate_complex};

const PRINTER_DEFAULTS: ComplexType = ComplexType::new(
    "printerDefaults",
    &[
        Member::new("colorMode", Kind::Enum(COLOR_MODE)),
        Member::new("contentType", Kind::String),
        Member::new("copiesPerJob", Kind::INT32),
        Member::new("dpi", Kind::INT32),
        Member::new("duplexMode", Kind::Enum(DUPLEX_MODE)),
        Member::new("finishings", Kind::Collection(&Kind::Enum(FINISHING))),
        Member::new("fitPdfToPage", Kind::Boolean),
        Member::new("inputBin", Kind::String),
        Member::new("mediaColor", Kind::String),
        Member::new("mediaSize", Kind::String),
        Member::new("mediaType", Kind::String),
        Member::new("multipageLayout", Kind::Enum(MULTIPAGE_LAYOUT)),
        Member::new("orientation", Kind::Enum(ORIENTATION)),
        Member::new("outputBin", Kind::String),
        Member::new("pagesPerSheet", Kind::INT32),
        Member::new("quality", Kind::Enum(QUALITY)),
        Member::new("scaling", Kind::Enum(SCALING)),
        // β legacy names.
        Member::new("documentMimeType", Kind::String).beta_only(),
        Member::new("duplexConfiguration", Kind::Enum(DUPLEX_CONFIGURATION)).beta_only(),
        Member::new("pdfFitToPage", Kind::Boolean).beta_only(),
        Member::new("presentationDirection", Kind::Enum(PRESENTATION_DIRECTION)).beta_only(),
        Member::new("printColorConfiguration", Kind::Enum(COLOR_CONFIGURATION)).beta_only(),
        Member::new("printQuality", Kind::Enum(QUALITY)).beta_only(),
    ],
);

/// Validates a printerDefaults value and returns the value to store: the canonical (v1.0) shape, β legacy
/// members folded into their v1.0 members; `null` (nullable member) is returned as is.
pub fn printer_defaults(v: &Value, version: &ApiVersion) -> Result<Value, SchemaError> {
    let mut value = validate_complex(&PRINTER_DEFAULTS, v, "defaults", Root::Nullable, version)?;
    fold_legacy(&mut value, DEFAULT_NAMES, "defaults", Fold::Strict)?;
    Ok(value)
}

/// Stored defaults as `version` shows them: v1.0 names only on v1.0; on β also the legacy names.
pub fn defaults_for(stored: &Value, version: &ApiVersion) -> Value {
    as_shown(stored, DEFAULT_NAMES, version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn documented_defaults() -> Value {
        json!({"copiesPerJob":1,"finishings":["none"],"mediaColor":"white","mediaType":"stationery",
            "mediaSize":"North America Letter","pagesPerSheet":1,"orientation":"portrait","outputBin":"tray-1",
            "inputBin":"auto","contentType":"application/oxps","fitPdfToPage":false,
            "multipageLayout":"clockwiseFromTopLeft","colorMode":"color","quality":"medium","duplexMode":"oneSided",
            "dpi":600,"scaling":"shrinkToFit"})
    }

    #[test]
    fn documented_defaults_are_accepted_on_both_versions() {
        for version in [ApiVersion::V1, ApiVersion::Beta] {
            assert_eq!(
                printer_defaults(&documented_defaults(), &version),
                Ok(documented_defaults())
            );
        }
        assert_eq!(printer_defaults(&Value::Null, &ApiVersion::V1), Ok(Value::Null));
    }

    #[test]
    fn legacy_members_only_on_beta_and_stored_under_v1_names() {
        let legacy = json!({"documentMimeType":"application/pdf","duplexConfiguration":"twoSidedLongEdge",
            "pdfFitToPage":true,"presentationDirection":"counterClockwiseFromTopLeft",
            "printColorConfiguration":"grayscale","printQuality":"high"});
        assert_eq!(
            printer_defaults(&legacy, &ApiVersion::Beta),
            Ok(
                json!({"contentType":"application/pdf","duplexMode":"flipOnLongEdge","fitPdfToPage":true,
                "multipageLayout":"counterclockwiseFromTopLeft","colorMode":"grayscale","quality":"high"})
            )
        );
        let e = printer_defaults(&legacy, &ApiVersion::V1).err();
        assert!(e.is_some_and(|e| e.message.contains("beta")));
        let e = printer_defaults(
            &json!({"presentationDirection":"counterclockwiseFromTopLeft"}),
            &ApiVersion::Beta,
        );
        assert!(e.is_err_and(|e| e.message.contains("did you mean 'counterClockwiseFromTopLeft'")));
    }

    #[test]
    fn wrong_types_and_unknown_members_are_refused() {
        let target = |v| printer_defaults(&v, &ApiVersion::V1).err().map(|e| e.target);
        assert_eq!(
            target(json!({"copiesPerJob":"1"})),
            Some("defaults.copiesPerJob".to_owned())
        );
        assert_eq!(
            target(json!({"fitPdfToPage":0})),
            Some("defaults.fitPdfToPage".to_owned())
        );
        assert_eq!(
            target(json!({"finishings":["staples"]})),
            Some("defaults.finishings[0]".to_owned())
        );
        assert_eq!(target(json!({"copies":1})), Some("defaults.copies".to_owned()));
        assert_eq!(
            target(json!({"quality":"best"})),
            Some("defaults.quality".to_owned())
        );
    }

    #[test]
    fn stored_defaults_are_shown_in_each_versions_shape() {
        let stored = json!({"quality":"high","duplexMode":"flipOnShortEdge"});
        assert_eq!(defaults_for(&stored, &ApiVersion::V1), stored);
        assert_eq!(
            defaults_for(&stored, &ApiVersion::Beta),
            json!({"quality":"high","printQuality":"high","duplexMode":"flipOnShortEdge",
                "duplexConfiguration":"twoSidedShortEdge"})
        );
        let old_row = json!({"printQuality":"low","pdfFitToPage":false});
        assert_eq!(
            defaults_for(&old_row, &ApiVersion::V1),
            json!({"quality":"low","fitPdfToPage":false})
        );
    }
}
