//! `printerCapabilities` (printer / share `capabilities`).

use serde_json::Value;

use super::ApiVersion;
use super::enums::{
    COLOR_CONFIGURATION, COLOR_MODE, DUPLEX_CONFIGURATION, DUPLEX_MODE, FEED_DIRECTION, FEED_ORIENTATION,
    FINISHING, MEDIA_TYPE, MULTIPAGE_LAYOUT, ORIENTATION, PRESENTATION_DIRECTION, QUALITY, SCALING,
};
use super::error::SchemaError;
use super::legacy_names::{CAPABILITY_NAMES, Fold, as_shown, fold_legacy};
use super::shape::{ComplexType, Kind, Member, Root, validate_complex};
use super::shared_types::INTEGER_RANGE;

const INT32S: Kind = Kind::Collection(&Kind::INT32);
const STRINGS: Kind = Kind::Collection(&Kind::String);
const RANGE: Kind = Kind::Complex(&INTEGER_RANGE);

const fn list_of(item: &'static Kind) -> Kind {
    Kind::Collection(item)
}

const PRINTER_CAPABILITIES: ComplexType = ComplexType::new(
    "printerCapabilities",
    &[
        Member::new("bottomMargins", INT32S),
        Member::new("collation", Kind::Boolean),
        Member::new("colorModes", list_of(&Kind::Enum(COLOR_MODE))),
        Member::new("contentTypes", STRINGS),
        Member::new("copiesPerJob", RANGE),
        Member::new("dpis", INT32S),
        Member::new("duplexModes", list_of(&Kind::Enum(DUPLEX_MODE))),
        Member::new("feedOrientations", list_of(&Kind::Enum(FEED_ORIENTATION))),
        Member::new("finishings", list_of(&Kind::Enum(FINISHING))),
        Member::new("inputBins", STRINGS),
        Member::new("isColorPrintingSupported", Kind::Boolean),
        Member::new("isPageRangeSupported", Kind::Boolean),
        Member::new("leftMargins", INT32S),
        Member::new("mediaColors", STRINGS),
        Member::new("mediaSizes", STRINGS),
        Member::new("mediaTypes", STRINGS),
        Member::new("multipageLayouts", list_of(&Kind::Enum(MULTIPAGE_LAYOUT))),
        Member::new("orientations", list_of(&Kind::Enum(ORIENTATION))),
        Member::new("outputBins", STRINGS),
        Member::new("pagesPerSheet", INT32S),
        Member::new("qualities", list_of(&Kind::Enum(QUALITY))),
        Member::new("rightMargins", INT32S),
        Member::new("scalings", list_of(&Kind::Enum(SCALING))),
        Member::new("supportsFitPdfToPage", Kind::Boolean),
        Member::new("topMargins", INT32S),
        // Documented (Int32) but in neither schema: accepted as an optional extra on both versions.
        Member::new("queueBufferSizeInBytes", Kind::INT32),
        // β legacy names.
        Member::new("feedDirections", list_of(&Kind::Enum(FEED_DIRECTION))).beta_only(),
        Member::new(
            "supportedColorConfigurations",
            list_of(&Kind::Enum(COLOR_CONFIGURATION)),
        )
        .beta_only(),
        Member::new("supportedCopiesPerJob", RANGE).beta_only(),
        Member::new("supportedDocumentMimeTypes", STRINGS).beta_only(),
        Member::new(
            "supportedDuplexConfigurations",
            list_of(&Kind::Enum(DUPLEX_CONFIGURATION)),
        )
        .beta_only(),
        Member::new("supportedFinishings", list_of(&Kind::Enum(FINISHING))).beta_only(),
        Member::new("supportedMediaColors", STRINGS).beta_only(),
        Member::new("supportedMediaSizes", STRINGS).beta_only(),
        Member::new("supportedMediaTypes", list_of(&Kind::Enum(MEDIA_TYPE))).beta_only(),
        Member::new("supportedOrientations", list_of(&Kind::Enum(ORIENTATION))).beta_only(),
        Member::new("supportedOutputBins", STRINGS).beta_only(),
        Member::new("supportedPagesPerSheet", RANGE).beta_only(),
        Member::new(
            "supportedPresentationDirections",
            list_of(&Kind::Enum(PRESENTATION_DIRECTION)),
        )
        .beta_only(),
        Member::new("supportedPrintQualities", list_of(&Kind::Enum(QUALITY))).beta_only(),
    ],
);

/// Validates a printerCapabilities value and returns the value to store: the canonical (v1.0) shape, β legacy
/// members folded into their v1.0 members; `null` is returned as is.
pub fn printer_capabilities(v: &Value, version: &ApiVersion) -> Result<Value, SchemaError> {
    let mut value = validate_complex(&PRINTER_CAPABILITIES, v, "capabilities", Root::Nullable, version)?;
    fold_legacy(&mut value, CAPABILITY_NAMES, "capabilities", Fold::Strict)?;
    Ok(value)
}

/// Stored capabilities as `version` shows them: v1.0 names only on v1.0; on β also the legacy names.
pub fn capabilities_for(stored: &Value, version: &ApiVersion) -> Value {
    as_shown(stored, CAPABILITY_NAMES, version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn modern_capabilities() -> Value {
        json!({"isColorPrintingSupported":true,"supportsFitPdfToPage":true,"collation":false,
            "contentTypes":["application/pdf","application/oxps","image/pwg-raster"],
            "copiesPerJob":{"start":1,"end":9999},"dpis":[300,600],"duplexModes":["oneSided","flipOnLongEdge"],
            "colorModes":["blackAndWhite","color"],"feedOrientations":["longEdgeFirst"],"finishings":["none"],
            "inputBins":["auto","tray-1"],"isPageRangeSupported":true,"mediaColors":["white"],
            "mediaSizes":["A4","North America Letter"],"mediaTypes":["stationery"],
            "multipageLayouts":["clockwiseFromTopLeft"],"orientations":["portrait","landscape"],
            "outputBins":["face-down"],"pagesPerSheet":[1,2,4],"qualities":["medium","high"],
            "scalings":["auto","fit"],"topMargins":[4234],"bottomMargins":[4234],"leftMargins":[4234],
            "rightMargins":[4234],"queueBufferSizeInBytes":1048576})
    }

    #[test]
    fn modern_capabilities_are_accepted_on_both_versions() {
        for version in [ApiVersion::V1, ApiVersion::Beta] {
            assert_eq!(
                printer_capabilities(&modern_capabilities(), &version),
                Ok(modern_capabilities())
            );
        }
        let with_nulls = json!({"dpis":null,"copiesPerJob":null});
        assert_eq!(
            printer_capabilities(&with_nulls, &ApiVersion::V1),
            Ok(with_nulls.clone())
        );
    }

    #[test]
    fn legacy_beta_capabilities_are_accepted_on_beta_only_and_stored_under_v1_names() {
        let legacy = json!({"supportedCopiesPerJob":{"minimum":1,"maximum":9999},
            "supportedDocumentMimeTypes":["application/pdf"],"supportedMediaTypes":["stationery","labels"],
            "supportedPresentationDirections":["clockwiseFromTopLeft"],"supportedPrintQualities":["high"],
            "supportedColorConfigurations":["color"],"supportedDuplexConfigurations":["oneSided"],
            "supportedFinishings":["none"],"supportedMediaColors":["white"],"supportedMediaSizes":["A4"],
            "supportedOrientations":["portrait"],"supportedOutputBins":["face-down"],
            "supportedPagesPerSheet":{"start":1,"end":16},"feedDirections":["longEdgeFirst"]});
        let stored = printer_capabilities(&legacy, &ApiVersion::Beta);
        let pages: Vec<i64> = (1..=16).collect();
        assert_eq!(
            stored,
            Ok(
                json!({"copiesPerJob":{"start":1,"end":9999},"contentTypes":["application/pdf"],
                "mediaTypes":["stationery","labels"],"multipageLayouts":["clockwiseFromTopLeft"],
                "qualities":["high"],"colorModes":["color"],"duplexModes":["oneSided"],"finishings":["none"],
                "mediaColors":["white"],"mediaSizes":["A4"],"orientations":["portrait"],"outputBins":["face-down"],
                "pagesPerSheet":pages,"feedOrientations":["longEdgeFirst"]})
            )
        );
        let e = printer_capabilities(&legacy, &ApiVersion::V1).err();
        assert!(e.is_some_and(|e| e.message.contains("beta")));
    }

    #[test]
    fn v1_copies_per_job_rejects_legacy_range_members() {
        let e = printer_capabilities(&json!({"copiesPerJob":{"minimum":1}}), &ApiVersion::V1).err();
        assert_eq!(
            e.map(|e| e.target),
            Some("capabilities.copiesPerJob.minimum".to_owned())
        );
    }

    #[test]
    fn wrong_item_types_and_enum_names_are_refused() {
        let target = |v| printer_capabilities(&v, &ApiVersion::V1).err().map(|e| e.target);
        assert_eq!(
            target(json!({"dpis":[300,"600"]})),
            Some("capabilities.dpis[1]".to_owned())
        );
        assert_eq!(target(json!({"dpis":300})), Some("capabilities.dpis".to_owned()));
        assert_eq!(
            target(json!({"colorModes":["colour"]})),
            Some("capabilities.colorModes[0]".to_owned())
        );
        assert_eq!(
            target(json!({"contentTypes":[null]})),
            Some("capabilities.contentTypes[0]".to_owned())
        );
        assert_eq!(
            target(json!({"queueBufferSizeInBytes":-0.5})),
            Some("capabilities.queueBufferSizeInBytes".to_owned())
        );
        assert_eq!(
            target(json!({"supportedMediaTypes":["labels"]})),
            Some("capabilities.supportedMediaTypes".to_owned())
        );
        assert_eq!(
            target(json!({"colorMode":["color"]})),
            Some("capabilities.colorMode".to_owned())
        );
    }

    #[test]
    fn stored_capabilities_are_shown_in_each_versions_shape() {
        let stored = json!({"mediaSizes":["A4"],"copiesPerJob":{"start":1,"end":9}});
        assert_eq!(capabilities_for(&stored, &ApiVersion::V1), stored);
        let beta = capabilities_for(&stored, &ApiVersion::Beta);
        assert_eq!(beta["mediaSizes"], json!(["A4"]));
        assert_eq!(beta["supportedMediaSizes"], json!(["A4"]));
        assert_eq!(
            beta["supportedCopiesPerJob"],
            json!({"start":1,"end":9,"minimum":1,"maximum":9})
        );
        // A row stored verbatim before the canonical form shows v1.0 names only on v1.0.
        let old_row = json!({"supportedMediaSizes":["A5"]});
        assert_eq!(
            capabilities_for(&old_row, &ApiVersion::V1),
            json!({"mediaSizes":["A5"]})
        );
    }
}
