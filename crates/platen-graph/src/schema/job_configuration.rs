//! `printJobConfiguration` (job create / PATCH / redirect) and β `printerDocumentConfiguration`.

use serde_json::Value;

use super::ApiVersion;
use super::enums::{
    COLOR_MODE, DUPLEX_MODE, FEED_DIRECTION, FEED_ORIENTATION, FINISHING, MULTIPAGE_LAYOUT, ORIENTATION,
    QUALITY, SCALING,
};
use super::error::SchemaError;
use super::primitives::IntegerBounds;
use super::shape::{ComplexType, Kind, Member, Root, validate_complex};
use super::shared_types::{INTEGER_RANGE, PRINT_MARGIN};

/// Largest `copies` Platen accepts.
pub const MAX_COPIES: i64 = 9999;

const JOB_MEMBER_COUNT: usize = 19;

/// The members of printJobConfiguration; the beta schema has exactly the same ones.
const JOB_MEMBERS: [Member; JOB_MEMBER_COUNT] = [
    Member::new("collate", Kind::Boolean),
    Member::new("colorMode", Kind::Enum(COLOR_MODE)),
    Member::new(
        "copies",
        Kind::Integer(IntegerBounds::INT32.within(1, MAX_COPIES)),
    ),
    Member::new("dpi", Kind::Integer(IntegerBounds::INT32.at_least(1))),
    Member::new("duplexMode", Kind::Enum(DUPLEX_MODE)),
    Member::new("feedOrientation", Kind::Enum(FEED_ORIENTATION)),
    Member::new("finishings", Kind::Collection(&Kind::Enum(FINISHING))),
    Member::new("fitPdfToPage", Kind::Boolean),
    Member::new("inputBin", Kind::String),
    Member::new("margin", Kind::Complex(&PRINT_MARGIN)),
    Member::new("mediaSize", Kind::String),
    Member::new("mediaType", Kind::String),
    Member::new("multipageLayout", Kind::Enum(MULTIPAGE_LAYOUT)),
    Member::new("orientation", Kind::Enum(ORIENTATION)),
    Member::new("outputBin", Kind::String),
    Member::new("pageRanges", Kind::Collection(&Kind::Complex(&INTEGER_RANGE))),
    Member::new("pagesPerSheet", Kind::INT32),
    Member::new("quality", Kind::Enum(QUALITY)),
    Member::new("scaling", Kind::Enum(SCALING)),
];

const FEED_DIRECTION_MEMBER: Member = Member::new("feedDirection", Kind::Enum(FEED_DIRECTION));

/// printerDocumentConfiguration = printJobConfiguration + `feedDirection`.
const DOCUMENT_MEMBERS: [Member; JOB_MEMBER_COUNT + 1] = {
    let mut members = [FEED_DIRECTION_MEMBER; JOB_MEMBER_COUNT + 1];
    let mut index = 0;
    while index < JOB_MEMBER_COUNT {
        members[index] = JOB_MEMBERS[index];
        index += 1;
    }
    members
};

pub(crate) const PRINT_JOB_CONFIGURATION: ComplexType =
    ComplexType::new("printJobConfiguration", &JOB_MEMBERS);

const PRINTER_DOCUMENT_CONFIGURATION: ComplexType =
    ComplexType::new("printerDocumentConfiguration", &DOCUMENT_MEMBERS);

/// Validates a printJobConfiguration (the `configuration` of a job create, job PATCH or redirect) and
/// returns the value to store. The member is non-nullable on printJob, so `null` is refused.
/// On beta, `pageRanges` items may also use the legacy `minimum`/`maximum`.
pub fn job_configuration(v: &Value, version: &ApiVersion) -> Result<Value, SchemaError> {
    validate_complex(
        &PRINT_JOB_CONFIGURATION,
        v,
        "configuration",
        Root::NonNullable,
        version,
    )
}

/// Validates a β printerDocumentConfiguration (`printDocument.configuration`); `null` clears it.
pub fn document_configuration(v: &Value) -> Result<Value, SchemaError> {
    validate_complex(
        &PRINTER_DOCUMENT_CONFIGURATION,
        v,
        "configuration",
        Root::Nullable,
        &ApiVersion::Beta,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The configuration of the redirect example in the docs.
    fn redirect_example() -> Value {
        json!({"feedOrientation":"longEdgeFirst","pageRanges":[{"start":1,"end":1}],"quality":"medium",
            "dpi":600,"orientation":"landscape","copies":1,"duplexMode":"oneSided","colorMode":"blackAndWhite",
            "inputBin":"by-pass-tray","outputBin":"output-tray","mediaSize":"A4",
            "margin":{"top":0,"bottom":0,"left":0,"right":0},"mediaType":"stationery","finishings":null,
            "pagesPerSheet":1,"multipageLayout":"clockwiseFromTopLeft","scaling":"shrinkToFit"})
    }

    fn error_target(v: Value) -> Option<String> {
        job_configuration(&v, &ApiVersion::V1).err().map(|e| e.target)
    }

    #[test]
    fn the_documented_redirect_configuration_is_accepted_unchanged() {
        for version in [ApiVersion::V1, ApiVersion::Beta] {
            assert_eq!(
                job_configuration(&redirect_example(), &version),
                Ok(redirect_example())
            );
        }
    }

    #[test]
    fn every_member_accepts_null_and_the_empty_object_is_valid() {
        let all_null: serde_json::Map<String, Value> = JOB_MEMBERS
            .iter()
            .map(|m| (m.name.to_owned(), Value::Null))
            .collect();
        let all_null = Value::Object(all_null);
        assert_eq!(
            job_configuration(&all_null, &ApiVersion::V1),
            Ok(all_null.clone())
        );
        assert_eq!(job_configuration(&json!({}), &ApiVersion::V1), Ok(json!({})));
    }

    #[test]
    fn the_configuration_itself_must_be_an_object() {
        assert_eq!(error_target(Value::Null), Some("configuration".to_owned()));
        assert_eq!(error_target(json!("A4")), Some("configuration".to_owned()));
    }

    #[test]
    fn unknown_and_misspelled_members_are_refused() {
        assert_eq!(
            error_target(json!({"copy":1})),
            Some("configuration.copy".to_owned())
        );
        assert_eq!(
            error_target(json!({"Copies":1})),
            Some("configuration.Copies".to_owned())
        );
        assert_eq!(
            error_target(json!({"feedDirection":"longEdgeFirst"})),
            Some("configuration.feedDirection".to_owned())
        );
        let beta = job_configuration(&json!({"feedDirection":"longEdgeFirst"}), &ApiVersion::Beta);
        assert!(
            beta.is_err(),
            "feedDirection belongs to printerDocumentConfiguration only"
        );
    }

    #[test]
    fn wrong_types_are_refused() {
        assert_eq!(
            error_target(json!({"copies":"2"})),
            Some("configuration.copies".to_owned())
        );
        assert_eq!(
            error_target(json!({"copies":1.5})),
            Some("configuration.copies".to_owned())
        );
        assert_eq!(
            error_target(json!({"collate":"true"})),
            Some("configuration.collate".to_owned())
        );
        assert_eq!(
            error_target(json!({"mediaSize":4})),
            Some("configuration.mediaSize".to_owned())
        );
        assert_eq!(
            error_target(json!({"finishings":"staple"})),
            Some("configuration.finishings".to_owned())
        );
        assert_eq!(
            error_target(json!({"margin":[0]})),
            Some("configuration.margin".to_owned())
        );
        assert_eq!(
            error_target(json!({"margin":{"top":"0"}})),
            Some("configuration.margin.top".to_owned())
        );
        assert_eq!(
            error_target(json!({"pageRanges":[{"start":1,"end":"2"}]})),
            Some("configuration.pageRanges[0].end".to_owned())
        );
    }

    #[test]
    fn copies_and_dpi_are_range_checked() {
        assert!(job_configuration(&json!({"copies":9999,"dpi":1}), &ApiVersion::V1).is_ok());
        assert_eq!(
            error_target(json!({"copies":0})),
            Some("configuration.copies".to_owned())
        );
        assert_eq!(
            error_target(json!({"copies":10000})),
            Some("configuration.copies".to_owned())
        );
        assert_eq!(
            error_target(json!({"dpi":0})),
            Some("configuration.dpi".to_owned())
        );
        assert_eq!(
            error_target(json!({"dpi":-300})),
            Some("configuration.dpi".to_owned())
        );
    }

    #[test]
    fn bad_enum_names_are_refused() {
        assert_eq!(
            error_target(json!({"colorMode":"Color"})),
            Some("configuration.colorMode".to_owned())
        );
        assert_eq!(
            error_target(json!({"duplexMode":"twoSidedLongEdge"})),
            Some("configuration.duplexMode".to_owned())
        );
        assert_eq!(
            error_target(json!({"finishings":["staple","edgeStitch"]})),
            Some("configuration.finishings[1]".to_owned())
        );
        assert_eq!(
            error_target(json!({"orientation":3})),
            Some("configuration.orientation".to_owned())
        );
        let ok = json!({"finishings":["staple","punchQuadTop","unknownFutureValue"],"scaling":"fit"});
        assert_eq!(job_configuration(&ok, &ApiVersion::V1), Ok(ok.clone()));
    }

    #[test]
    fn beta_page_ranges_accept_legacy_bounds_only_on_beta() {
        let legacy = json!({"pageRanges":[{"minimum":1,"maximum":3}]});
        assert!(job_configuration(&legacy, &ApiVersion::Beta).is_ok());
        assert!(error_target(legacy).is_some_and(|t| t.starts_with("configuration.pageRanges[0].m")));
    }

    #[test]
    fn odata_type_is_tolerated_and_dropped() {
        let sent = json!({"@odata.type":"#microsoft.graph.printJobConfiguration","copies":2});
        assert_eq!(job_configuration(&sent, &ApiVersion::V1), Ok(json!({"copies":2})));
    }

    #[test]
    fn document_configuration_adds_feed_direction() {
        let mut with_direction = redirect_example();
        if let Some(map) = with_direction.as_object_mut() {
            map.insert("feedDirection".to_owned(), json!("shortEdgeFirst"));
        }
        assert_eq!(
            document_configuration(&with_direction),
            Ok(with_direction.clone())
        );
        assert_eq!(document_configuration(&Value::Null), Ok(Value::Null));
        assert!(document_configuration(&json!({"feedDirection":"sideways"})).is_err());
        assert!(document_configuration(&json!({"pageRanges":[{"minimum":1,"maximum":2}]})).is_ok());
        assert!(document_configuration(&json!({"copies":0})).is_err());
    }
}
