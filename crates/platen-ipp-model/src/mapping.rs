//! The one IPP ⇄ Graph mapping table: a printer's IPP attributes become the Graph printer's capabilities,
//! defaults and status (a device reporting, [`device`]), the Graph printer goes back to the IPP description an
//! IPP client reads ([`description`]), and a job template goes both ways ([`job`]: Graph configuration → the
//! template a device prints with; an IPP client's template → Graph configuration). Every direction reads the
//! same field tables below ([`JOB_FIELDS`], [`CAPABILITY_FIELDS`], [`DEFAULT_FIELDS`]) and the same keyword and
//! enum tables, so a value can never map one way and not back.

pub mod counters;
pub mod description;
pub mod device;
pub mod job;

pub use description::printer_description;
pub use device::{DeviceReport, detail_to_reason, device_report, ipp_printer_state, value_json};
pub use job::{Template, format, job_configuration, job_name, job_template};

use crate::message::{Value, as_int, as_text, kw, mime};
use ipp::prelude::*;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

/// Graph `printFinishing` values are the IPP `finishings` enum values.
const FINISHINGS: &[(i32, &str)] = &[
    (3, "none"),
    (4, "staple"),
    (5, "punch"),
    (6, "cover"),
    (7, "bind"),
    (8, "saddleStitch"),
    (9, "stitchEdge"),
    (20, "stapleTopLeft"),
    (21, "stapleBottomLeft"),
    (22, "stapleTopRight"),
    (23, "stapleBottomRight"),
    (24, "stitchLeftEdge"),
    (25, "stitchTopEdge"),
    (26, "stitchRightEdge"),
    (27, "stitchBottomEdge"),
    (28, "stapleDualLeft"),
    (29, "stapleDualTop"),
    (30, "stapleDualRight"),
    (31, "stapleDualBottom"),
    (50, "punchTopLeft"),
    (51, "punchBottomLeft"),
    (52, "punchTopRight"),
    (53, "punchBottomRight"),
];
const QUALITIES: &[(i32, &str)] = &[(3, "low"), (4, "medium"), (5, "high")];
const ORIENTATIONS: &[(i32, &str)] = &[
    (3, "portrait"),
    (4, "landscape"),
    (5, "reverseLandscape"),
    (6, "reversePortrait"),
];
/// IPP keyword ↔ Graph enum member.
type KeywordTable = &'static [(&'static str, &'static str)];
/// IPP enum ↔ Graph enum member.
type EnumTable = &'static [(i32, &'static str)];

const SIDES: KeywordTable = &[
    ("one-sided", "oneSided"),
    ("two-sided-long-edge", "flipOnLongEdge"),
    ("two-sided-short-edge", "flipOnShortEdge"),
];
const COLOR_MODES: KeywordTable = &[
    ("monochrome", "blackAndWhite"),
    ("color", "color"),
    ("auto", "auto"),
    ("process-monochrome", "grayscale"),
];

const SCALING: KeywordTable = &[
    ("auto", "auto"),
    ("auto-fit", "shrinkToFit"),
    ("fill", "fill"),
    ("fit", "fit"),
    ("none", "none"),
];

/// How one attribute's values are written on each side.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// integer ↔ number.
    Int,
    /// keyword ↔ the same string (media names, bins, media types).
    Keyword,
    /// keyword ↔ a Graph enum member through a table.
    Keywords(KeywordTable),
    /// enum ↔ a Graph enum member through a table.
    Enum(EnumTable),
    /// mimeMediaType ↔ string.
    Mime,
}

/// One attribute mapped both ways: the IPP name, the Graph property, how values convert.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub ipp: &'static str,
    pub graph: &'static str,
    pub kind: Kind,
}

const fn field(ipp: &'static str, graph: &'static str, kind: Kind) -> Field {
    Field { ipp, graph, kind }
}

/// Job template attribute ↔ `printJobConfiguration` property (single values; `finishings`, `page-ranges` and
/// `printer-resolution` have their own shapes and are handled beside the table).
pub const JOB_FIELDS: &[Field] = &[
    field("copies", "copies", Kind::Int),
    field("sides", "duplexMode", Kind::Keywords(SIDES)),
    field("print-color-mode", "colorMode", Kind::Keywords(COLOR_MODES)),
    field("media", "mediaSize", Kind::Keyword),
    field("print-quality", "quality", Kind::Enum(QUALITIES)),
    field("orientation-requested", "orientation", Kind::Enum(ORIENTATIONS)),
    field("number-up", "pagesPerSheet", Kind::Int),
    field("output-bin", "outputBin", Kind::Keyword),
    field("media-type", "mediaType", Kind::Keyword),
    field("media-source", "inputBin", Kind::Keyword),
    field("print-scaling", "scaling", Kind::Keywords(SCALING)),
];

/// `*-supported` printer attribute ↔ `printerCapabilities` list property.
pub const CAPABILITY_FIELDS: &[Field] = &[
    field("document-format-supported", "contentTypes", Kind::Mime),
    field(
        "print-color-mode-supported",
        "colorModes",
        Kind::Keywords(COLOR_MODES),
    ),
    field("sides-supported", "duplexModes", Kind::Keywords(SIDES)),
    field("media-supported", "mediaSizes", Kind::Keyword),
    field("media-type-supported", "mediaTypes", Kind::Keyword),
    field("output-bin-supported", "outputBins", Kind::Keyword),
    field("media-source-supported", "inputBins", Kind::Keyword),
    field("print-quality-supported", "qualities", Kind::Enum(QUALITIES)),
    field(
        "orientation-requested-supported",
        "orientations",
        Kind::Enum(ORIENTATIONS),
    ),
    field("finishings-supported", "finishings", Kind::Enum(FINISHINGS)),
    field("number-up-supported", "pagesPerSheet", Kind::Int),
];

/// `*-default` printer attribute ↔ `printerDefaults` property.
pub const DEFAULT_FIELDS: &[Field] = &[
    field("copies-default", "copiesPerJob", Kind::Int),
    field("sides-default", "duplexMode", Kind::Keywords(SIDES)),
    field(
        "print-color-mode-default",
        "colorMode",
        Kind::Keywords(COLOR_MODES),
    ),
    field("media-default", "mediaSize", Kind::Keyword),
    field("document-format-default", "contentType", Kind::Mime),
    field("output-bin-default", "outputBin", Kind::Keyword),
    field("media-type-default", "mediaType", Kind::Keyword),
    field("print-quality-default", "quality", Kind::Enum(QUALITIES)),
    field(
        "orientation-requested-default",
        "orientation",
        Kind::Enum(ORIENTATIONS),
    ),
    field("number-up-default", "pagesPerSheet", Kind::Int),
];

/// `finishings` enum values ↔ Graph `printFinishing` members (lists on both sides).
pub(crate) fn finishing_name(n: i32) -> Option<&'static str> {
    FINISHINGS.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
}
pub(crate) fn finishing_enum(name: &str) -> Option<i32> {
    FINISHINGS.iter().find(|(_, v)| *v == name).map(|(k, _)| *k)
}

impl Kind {
    /// One IPP value as its Graph value; `None` when it has no Graph counterpart.
    pub fn to_graph(self, v: &Value) -> Option<Json> {
        match self {
            Kind::Int => as_int(v).map(|i| json!(i)),
            Kind::Keyword | Kind::Mime => as_text(v).map(Json::String),
            Kind::Keywords(table) => {
                let t = as_text(v)?;
                table.iter().find(|(k, _)| *k == t).map(|(_, g)| json!(g))
            }
            Kind::Enum(table) => {
                let n = as_int(v)?;
                table.iter().find(|(k, _)| *k == n).map(|(_, g)| json!(g))
            }
        }
    }

    /// One Graph value as its IPP value; `None` when it has no IPP counterpart.
    pub fn to_ipp(self, g: &Json) -> Option<Value> {
        match self {
            Kind::Int => g.as_i64().and_then(|i| i32::try_from(i).ok()).map(Value::Integer),
            Kind::Keyword => g.as_str().filter(|s| !s.is_empty()).map(kw),
            Kind::Mime => g.as_str().filter(|s| !s.is_empty()).map(mime),
            Kind::Keywords(table) => {
                let s = g.as_str()?;
                table.iter().find(|(_, v)| *v == s).map(|(k, _)| kw(k))
            }
            Kind::Enum(table) => {
                let s = g.as_str()?;
                table.iter().find(|(_, v)| *v == s).map(|(k, _)| Value::Enum(*k))
            }
        }
    }
}

/// The printer attributes group as a name → value map.
pub fn attribute_map(group: &IppAttributeGroup) -> BTreeMap<String, Value> {
    group
        .attributes()
        .iter()
        .map(|a| (a.name().as_str().to_string(), a.value().clone()))
        .collect()
}
