//! The β legacy names of `printerCapabilities` and `printerDefaults` (`supported*`, `feedDirections`,
//! `documentMimeType`, `printQuality`, …) and their v1.0 counterparts.
//!
//! Platen stores one canonical form, the v1.0 shape: a β client's legacy members are folded into the v1.0
//! members on input ([`fold_legacy`]), so they never reappear on v1.0; β responses carry the v1.0 members plus
//! the legacy ones derived from them ([`with_legacy`]), the names the β schema documents (its
//! `getCapabilities()` example uses the `supported*` names only).

use serde_json::{Map, Value};

use super::ApiVersion;
use super::enums::{PRINT_COLOR_CONFIGURATION, PRINT_MEDIA_TYPE, PRINTER_FEED_DIRECTION};
use super::error::{SchemaError, child_path};

/// How a legacy member's value becomes the v1.0 member's value, and back.
#[derive(Debug, Clone, Copy)]
enum Conversion {
    /// The same value under another name.
    Same,
    /// Enum members renamed (legacy, v1.0), item by item for lists.
    Renamed(&'static [(&'static str, &'static str)]),
    /// A legacy enum whose members are a subset of the v1.0 values (or strings): v1.0 values outside it have
    /// no legacy spelling and are left out of the legacy member.
    Subset(&'static [&'static str]),
    /// `integerRange`: the legacy `minimum`/`maximum` are the v1.0 `start`/`end`.
    Range,
    /// A legacy `integerRange` for a v1.0 list of integers (`supportedPagesPerSheet` → `pagesPerSheet`).
    RangeAsList,
}

/// One legacy member and the v1.0 member it stands for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LegacyName {
    legacy: &'static str,
    modern: &'static str,
    conversion: Conversion,
}

const fn legacy(legacy: &'static str, modern: &'static str, conversion: Conversion) -> LegacyName {
    LegacyName {
        legacy,
        modern,
        conversion,
    }
}

/// printDuplexConfiguration ↔ printDuplexMode.
const DUPLEX: &[(&str, &str)] = &[
    ("oneSided", "oneSided"),
    ("twoSidedLongEdge", "flipOnLongEdge"),
    ("twoSidedShortEdge", "flipOnShortEdge"),
];

/// printPresentationDirection ↔ printMultipageLayout (β capitalises the C of `counterClockwise`).
const PRESENTATION: &[(&str, &str)] = &[
    ("clockwiseFromTopLeft", "clockwiseFromTopLeft"),
    ("counterClockwiseFromTopLeft", "counterclockwiseFromTopLeft"),
    ("counterClockwiseFromTopRight", "counterclockwiseFromTopRight"),
    ("clockwiseFromTopRight", "clockwiseFromTopRight"),
    ("counterClockwiseFromBottomLeft", "counterclockwiseFromBottomLeft"),
    ("clockwiseFromBottomLeft", "clockwiseFromBottomLeft"),
    (
        "counterClockwiseFromBottomRight",
        "counterclockwiseFromBottomRight",
    ),
    ("clockwiseFromBottomRight", "clockwiseFromBottomRight"),
];

pub(crate) const CAPABILITY_NAMES: &[LegacyName] = &[
    legacy(
        "feedDirections",
        "feedOrientations",
        Conversion::Subset(PRINTER_FEED_DIRECTION),
    ),
    legacy(
        "supportedColorConfigurations",
        "colorModes",
        Conversion::Subset(PRINT_COLOR_CONFIGURATION),
    ),
    legacy("supportedCopiesPerJob", "copiesPerJob", Conversion::Range),
    legacy("supportedDocumentMimeTypes", "contentTypes", Conversion::Same),
    legacy(
        "supportedDuplexConfigurations",
        "duplexModes",
        Conversion::Renamed(DUPLEX),
    ),
    legacy("supportedFinishings", "finishings", Conversion::Same),
    legacy("supportedMediaColors", "mediaColors", Conversion::Same),
    legacy("supportedMediaSizes", "mediaSizes", Conversion::Same),
    legacy(
        "supportedMediaTypes",
        "mediaTypes",
        Conversion::Subset(PRINT_MEDIA_TYPE),
    ),
    legacy("supportedOrientations", "orientations", Conversion::Same),
    legacy("supportedOutputBins", "outputBins", Conversion::Same),
    legacy("supportedPagesPerSheet", "pagesPerSheet", Conversion::RangeAsList),
    legacy(
        "supportedPresentationDirections",
        "multipageLayouts",
        Conversion::Renamed(PRESENTATION),
    ),
    legacy("supportedPrintQualities", "qualities", Conversion::Same),
];

pub(crate) const DEFAULT_NAMES: &[LegacyName] = &[
    legacy("documentMimeType", "contentType", Conversion::Same),
    legacy("duplexConfiguration", "duplexMode", Conversion::Renamed(DUPLEX)),
    legacy("pdfFitToPage", "fitPdfToPage", Conversion::Same),
    legacy(
        "presentationDirection",
        "multipageLayout",
        Conversion::Renamed(PRESENTATION),
    ),
    legacy(
        "printColorConfiguration",
        "colorMode",
        Conversion::Subset(PRINT_COLOR_CONFIGURATION),
    ),
    legacy("printQuality", "quality", Conversion::Same),
];

/// The most integers a legacy `supportedPagesPerSheet` range may stand for (devices offer up to 16 or so).
const MAX_PAGES_PER_SHEET_VALUES: i64 = 256;

/// How [`fold_legacy`] treats a legacy member it cannot fold cleanly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fold {
    /// A request body: a legacy member that contradicts its v1.0 member, or cannot be stored in the v1.0
    /// shape, is a 400.
    Strict,
    /// Stored data written before the canonical form: the v1.0 member wins, an unconvertible legacy one is dropped.
    Lenient,
}

/// Replaces the legacy members of `value` (an object, validated; anything else is left alone) by their v1.0
/// members. A legacy member sent together with its v1.0 member must agree with it: either it converts to the
/// v1.0 value, or it is what a β response shows for that value (a β client writing back what it read).
pub(crate) fn fold_legacy(
    value: &mut Value,
    names: &[LegacyName],
    target: &str,
    fold: Fold,
) -> Result<(), SchemaError> {
    let Value::Object(members) = value else {
        return Ok(());
    };
    for name in names {
        let Some(legacy_value) = members.remove(name.legacy) else {
            continue;
        };
        let path = child_path(target, name.legacy);
        let converted = match to_modern(name.conversion, &legacy_value) {
            Ok(converted) => converted,
            Err(reason) if fold == Fold::Strict => {
                return Err(SchemaError::new(format!("'{path}' {reason}"), path));
            }
            Err(_) => continue,
        };
        match members.get(name.modern) {
            None => {
                members.insert(name.modern.to_owned(), converted);
            }
            Some(modern) if agree(name, modern, &converted, &legacy_value) || fold == Fold::Lenient => {}
            Some(_) => {
                return Err(SchemaError::new(
                    format!(
                        "'{path}' and '{}' are the same property (the β legacy and the v1.0 name) and disagree",
                        child_path(target, name.modern)
                    ),
                    path,
                ));
            }
        }
    }
    Ok(())
}

fn agree(name: &LegacyName, modern: &Value, converted: &Value, legacy_value: &Value) -> bool {
    modern == converted || to_legacy(name.conversion, modern).as_ref() == Some(legacy_value)
}

/// A stored value as `version` shows it: the v1.0 members only on v1.0; on β also the legacy members.
pub(crate) fn as_shown(stored: &Value, names: &[LegacyName], version: &ApiVersion) -> Value {
    let mut canonical = stored.clone();
    // Rows written before the canonical form may still hold legacy names; lenient folding refuses nothing.
    fold_legacy(&mut canonical, names, "", Fold::Lenient).unwrap_or(());
    match version {
        ApiVersion::V1 => canonical,
        ApiVersion::Beta => with_legacy(&canonical, names),
    }
}

/// `value` (canonical, an object) with the legacy members derived from its v1.0 members added, for β.
fn with_legacy(value: &Value, names: &[LegacyName]) -> Value {
    let Value::Object(members) = value else {
        return value.clone();
    };
    let mut out = members.clone();
    for name in names {
        if let Some(legacy_value) = members
            .get(name.modern)
            .and_then(|modern| to_legacy(name.conversion, modern))
        {
            out.insert(name.legacy.to_owned(), legacy_value);
        }
    }
    Value::Object(out)
}

/// The v1.0 value of a legacy value; `Err` says why it has no v1.0 form.
fn to_modern(conversion: Conversion, legacy_value: &Value) -> Result<Value, String> {
    if legacy_value.is_null() {
        return Ok(Value::Null);
    }
    Ok(match conversion {
        Conversion::Same | Conversion::Subset(_) => legacy_value.clone(),
        Conversion::Renamed(pairs) => each_string(legacy_value, |s| {
            pairs.iter().find(|(l, _)| *l == s).map(|(_, m)| *m)
        }),
        Conversion::Range => Value::Object(range_as_start_end(legacy_value)),
        Conversion::RangeAsList => range_as_list(legacy_value)?,
    })
}

/// The legacy value β shows for a v1.0 value; `None` when it has no legacy spelling.
fn to_legacy(conversion: Conversion, modern: &Value) -> Option<Value> {
    if modern.is_null() {
        return Some(Value::Null);
    }
    match conversion {
        Conversion::Same => Some(modern.clone()),
        Conversion::Renamed(pairs) => {
            spelled(modern, |s| pairs.iter().find(|(_, m)| *m == s).map(|(l, _)| *l))
        }
        Conversion::Subset(members) => spelled(modern, |s| members.iter().copied().find(|m| *m == s)),
        Conversion::Range => {
            let mut range = range_as_start_end(modern);
            for (bound, legacy_bound) in [("start", "minimum"), ("end", "maximum")] {
                if let Some(v) = range.get(bound).cloned() {
                    range.insert(legacy_bound.to_owned(), v);
                }
            }
            Some(Value::Object(range))
        }
        Conversion::RangeAsList => {
            let numbers: Vec<i64> = modern.as_array()?.iter().filter_map(Value::as_i64).collect();
            let (low, high) = (numbers.iter().min()?, numbers.iter().max()?);
            Some(serde_json::json!({"start": low, "end": high, "minimum": low, "maximum": high}))
        }
    }
}

/// Each string of `v` (a string or a list of them) renamed; a name with no counterpart is kept as sent.
fn each_string(v: &Value, rename: impl Fn(&str) -> Option<&'static str>) -> Value {
    let one = |item: &Value| match item.as_str().and_then(&rename) {
        Some(renamed) => Value::from(renamed),
        None => item.clone(),
    };
    match v {
        Value::Array(items) => Value::Array(items.iter().map(one).collect()),
        other => one(other),
    }
}

/// Like [`each_string`], but list items without a counterpart are left out and a scalar without one is `None`.
fn spelled(v: &Value, rename: impl Fn(&str) -> Option<&'static str>) -> Option<Value> {
    match v {
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|i| i.as_str().and_then(&rename).map(Value::from))
                .collect(),
        )),
        other => other.as_str().and_then(&rename).map(Value::from),
    }
}

/// An `integerRange` with `start`/`end` only (`minimum`/`maximum` standing in for missing ones).
fn range_as_start_end(range: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for (bound, legacy_bound) in [("start", "minimum"), ("end", "maximum")] {
        if let Some(v) = range
            .get(bound)
            .filter(|v| !v.is_null())
            .or_else(|| range.get(legacy_bound).filter(|v| !v.is_null()))
        {
            out.insert(bound.to_owned(), v.clone());
        }
    }
    out
}

/// Every integer of a closed range, as v1.0 `pagesPerSheet` lists them.
fn range_as_list(range: &Value) -> Result<Value, String> {
    let bounds = range_as_start_end(range);
    let bound = |name: &str| bounds.get(name).and_then(Value::as_i64);
    let (Some(low), Some(high)) = (bound("start"), bound("end")) else {
        return Err("needs both bounds to be stored as the v1.0 'pagesPerSheet' list".into());
    };
    if low < 1 || high - low >= MAX_PAGES_PER_SHEET_VALUES {
        return Err(format!(
            "must lie within 1..{MAX_PAGES_PER_SHEET_VALUES} to be stored as the v1.0 'pagesPerSheet' list"
        ));
    }
    Ok(Value::Array((low..=high).map(Value::from).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn folded(mut v: Value, names: &[LegacyName]) -> Result<Value, SchemaError> {
        fold_legacy(&mut v, names, "capabilities", Fold::Strict).map(|()| v)
    }

    #[test]
    fn every_legacy_capability_folds_into_its_v1_member() {
        let legacy = json!({"supportedCopiesPerJob":{"minimum":1,"maximum":99},
            "supportedDocumentMimeTypes":["application/pdf"],"supportedMediaTypes":["stationery","labels"],
            "supportedPresentationDirections":["counterClockwiseFromTopLeft"],"supportedPrintQualities":["high"],
            "supportedColorConfigurations":["color"],"supportedDuplexConfigurations":["oneSided","twoSidedLongEdge"],
            "supportedFinishings":["none"],"supportedMediaColors":["white"],"supportedMediaSizes":["A4"],
            "supportedOrientations":["portrait"],"supportedOutputBins":["face-down"],
            "supportedPagesPerSheet":{"start":1,"end":4},"feedDirections":["longEdgeFirst"]});
        let modern = json!({"copiesPerJob":{"start":1,"end":99},"contentTypes":["application/pdf"],
            "mediaTypes":["stationery","labels"],"multipageLayouts":["counterclockwiseFromTopLeft"],
            "qualities":["high"],"colorModes":["color"],"duplexModes":["oneSided","flipOnLongEdge"],
            "finishings":["none"],"mediaColors":["white"],"mediaSizes":["A4"],"orientations":["portrait"],
            "outputBins":["face-down"],"pagesPerSheet":[1,2,3,4],"feedOrientations":["longEdgeFirst"]});
        assert_eq!(folded(legacy, CAPABILITY_NAMES), Ok(modern));
    }

    #[test]
    fn every_legacy_default_folds_into_its_v1_member() {
        let legacy = json!({"documentMimeType":"application/pdf","duplexConfiguration":"twoSidedShortEdge",
            "pdfFitToPage":true,"presentationDirection":"counterClockwiseFromBottomRight",
            "printColorConfiguration":"grayscale","printQuality":"low","dpi":600});
        let modern = json!({"contentType":"application/pdf","duplexMode":"flipOnShortEdge","fitPdfToPage":true,
            "multipageLayout":"counterclockwiseFromBottomRight","colorMode":"grayscale","quality":"low","dpi":600});
        assert_eq!(folded(legacy, DEFAULT_NAMES), Ok(modern));
    }

    #[test]
    fn beta_output_adds_the_legacy_names_and_folds_back_to_the_same_value() {
        let modern = json!({"copiesPerJob":{"start":1,"end":9},"pagesPerSheet":[1,2,4],
            "mediaTypes":["stationery","custom-stock"],"colorModes":["color","unknownFutureValue"],
            "duplexModes":["flipOnShortEdge"],"multipageLayouts":["counterclockwiseFromTopRight"],"dpis":[600]});
        let shown = with_legacy(&modern, CAPABILITY_NAMES);
        assert_eq!(
            shown["supportedCopiesPerJob"],
            json!({"start":1,"end":9,"minimum":1,"maximum":9})
        );
        assert_eq!(
            shown["supportedPagesPerSheet"],
            json!({"start":1,"end":4,"minimum":1,"maximum":4})
        );
        assert_eq!(shown["supportedMediaTypes"], json!(["stationery"]));
        assert_eq!(shown["supportedColorConfigurations"], json!(["color"]));
        assert_eq!(
            shown["supportedDuplexConfigurations"],
            json!(["twoSidedShortEdge"])
        );
        assert_eq!(
            shown["supportedPresentationDirections"],
            json!(["counterClockwiseFromTopRight"])
        );
        assert_eq!(shown["dpis"], json!([600]));
        assert_eq!(folded(shown, CAPABILITY_NAMES), Ok(modern));
    }

    #[test]
    fn defaults_without_a_legacy_spelling_show_no_legacy_member() {
        let shown = with_legacy(
            &json!({"colorMode":"unknownFutureValue","quality":null}),
            DEFAULT_NAMES,
        );
        assert_eq!(
            shown,
            json!({"colorMode":"unknownFutureValue","quality":null,"printQuality":null})
        );
    }

    #[test]
    fn a_legacy_member_contradicting_its_v1_member_is_refused() {
        let e = folded(
            json!({"colorModes":["color"],"supportedColorConfigurations":["grayscale"]}),
            CAPABILITY_NAMES,
        );
        assert!(e.is_err_and(
            |e| e.target == "capabilities.supportedColorConfigurations" && e.message.contains("disagree")
        ));
        let agreeing =
            json!({"copiesPerJob":{"start":1,"end":5},"supportedCopiesPerJob":{"minimum":1,"maximum":5}});
        assert_eq!(
            folded(agreeing, CAPABILITY_NAMES),
            Ok(json!({"copiesPerJob":{"start":1,"end":5}}))
        );
    }

    #[test]
    fn pages_per_sheet_ranges_must_be_closed_and_small() {
        for bad in [
            json!({"start":1}),
            json!({"start":1,"end":100000}),
            json!({"start":0,"end":4}),
        ] {
            let e = folded(json!({"supportedPagesPerSheet": bad}), CAPABILITY_NAMES);
            assert!(e.is_err_and(|e| e.target == "capabilities.supportedPagesPerSheet"));
        }
    }

    #[test]
    fn lenient_folding_keeps_the_v1_member_and_drops_what_cannot_be_folded() {
        let mut stored = json!({"colorModes":["color"],"supportedColorConfigurations":["grayscale"],
            "supportedPagesPerSheet":{"start":1},"supportedMediaSizes":["A5"]});
        assert!(fold_legacy(&mut stored, CAPABILITY_NAMES, "capabilities", Fold::Lenient).is_ok());
        assert_eq!(stored, json!({"colorModes":["color"],"mediaSizes":["A5"]}));
    }

    #[test]
    fn null_legacy_members_clear_their_v1_member() {
        assert_eq!(
            folded(
                json!({"supportedMediaSizes":null,"printQuality":null}),
                CAPABILITY_NAMES
            ),
            Ok(json!({"mediaSizes":null,"printQuality":null}))
        );
    }
}
