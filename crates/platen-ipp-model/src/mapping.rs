//! The one IPP ⇄ Graph mapping table: a printer's IPP attributes become the Graph printer's capabilities,
//! defaults and status, the Graph status goes back to IPP printer-state and reasons, and a Graph job's
//! configuration becomes the IPP job template a device prints with. The keyword and enum tables below are
//! read in both directions.

use crate::message::{Value, as_bool, as_int, as_text, kw, mime, name, set, values};
use ipp::prelude::*;
use serde_json::{Map, Value as Json, json};
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
const SIDES: &[(&str, &str)] = &[
    ("one-sided", "oneSided"),
    ("two-sided-long-edge", "flipOnLongEdge"),
    ("two-sided-short-edge", "flipOnShortEdge"),
];
/// IPP keyword ↔ Graph enum member.
type KeywordTable = &'static [(&'static str, &'static str)];

const COLOR_MODES: &[(&str, &str)] = &[
    ("monochrome", "blackAndWhite"),
    ("color", "color"),
    ("auto", "auto"),
    ("process-monochrome", "grayscale"),
];

fn lookup_num(table: &[(i32, &'static str)], n: i32) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
}
fn lookup_str(table: &[(&'static str, &'static str)], s: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == s).map(|(_, v)| *v)
}
fn rev_num(table: &[(i32, &'static str)], s: &str) -> Option<i32> {
    table.iter().find(|(_, v)| *v == s).map(|(k, _)| *k)
}
fn rev_str(table: &[(&'static str, &'static str)], s: &str) -> Option<&'static str> {
    table.iter().find(|(_, v)| *v == s).map(|(k, _)| *k)
}

/// The printer attributes group as a name → value map.
pub fn attribute_map(group: &IppAttributeGroup) -> BTreeMap<String, Value> {
    group
        .attributes()
        .iter()
        .map(|a| (a.name().as_str().to_string(), a.value().clone()))
        .collect()
}

fn texts(v: Option<&Value>) -> Vec<String> {
    v.map(|v| values(v).into_iter().filter_map(as_text).collect())
        .unwrap_or_default()
}
fn ints(v: Option<&Value>) -> Vec<i32> {
    v.map(|v| values(v).into_iter().filter_map(as_int).collect())
        .unwrap_or_default()
}

/// What Update-Output-Device-Attributes tells about the printer, as Graph values.
pub struct DeviceReport {
    pub capabilities: Map<String, Json>,
    pub defaults: Map<String, Json>,
    pub state: Option<&'static str>,
    pub details: Vec<String>,
    pub description: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub accepting_jobs: Option<bool>,
    /// Every reported attribute as JSON, for Get-Output-Device-Attributes and debugging.
    pub raw: Map<String, Json>,
}

pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Integer(i) | Value::Enum(i) => json!(i),
        Value::Boolean(b) => json!(b),
        Value::RangeOfInteger { min, max } => json!({"min": min, "max": max}),
        Value::Resolution {
            cross_feed,
            feed,
            units,
        } => json!({"crossFeed": cross_feed, "feed": feed, "units": units}),
        Value::Array(items) => Json::Array(items.iter().map(value_json).collect()),
        Value::Collection(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.as_str().to_string(), value_json(v)))
                .collect(),
        ),
        other => as_text(other).map(Json::String).unwrap_or(Json::Null),
    }
}

/// `media-empty-error` → `mediaEmpty`: IPP printer-state-reasons keywords as Graph detail names.
fn reason_to_detail(reason: &str) -> Option<String> {
    let base = reason
        .trim_end_matches("-report")
        .trim_end_matches("-warning")
        .trim_end_matches("-error");
    if base == "none" || base.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, part) in base.split('-').enumerate() {
        if i == 0 {
            out.push_str(part);
        } else {
            let mut c = part.chars();
            if let Some(f) = c.next() {
                out.extend(f.to_uppercase());
                out.push_str(c.as_str());
            }
        }
    }
    Some(out)
}

/// Graph printer state → IPP printer-state (3 idle, 4 processing, 5 stopped).
pub fn ipp_printer_state(graph: &str) -> i32 {
    match graph {
        "processing" => 4,
        "stopped" => 5,
        _ => 3,
    }
}

/// `mediaEmpty` → `media-empty`: Graph detail names as IPP printer-state-reasons keywords.
pub fn detail_to_reason(detail: &str) -> String {
    let mut out = String::new();
    for c in detail.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn device_report(attrs: &BTreeMap<String, Value>, known_details: &[&str]) -> DeviceReport {
    let get = |n: &str| attrs.get(n);
    let mut caps = Map::new();
    let formats = texts(get("document-format-supported"));
    if !formats.is_empty() {
        caps.insert(
            "contentTypes".into(),
            json!(
                formats
                    .into_iter()
                    .filter(|f| f != "application/octet-stream")
                    .collect::<Vec<_>>()
            ),
        );
    }
    let colors: Vec<&str> = texts(get("print-color-mode-supported"))
        .iter()
        .filter_map(|c| lookup_str(COLOR_MODES, c))
        .collect();
    if !colors.is_empty() {
        caps.insert("colorModes".into(), json!(colors));
    }
    if let Some(c) = get("color-supported").and_then(as_bool) {
        caps.insert("isColorPrintingSupported".into(), json!(c));
    } else if !colors.is_empty() {
        caps.insert(
            "isColorPrintingSupported".into(),
            json!(colors.contains(&"color")),
        );
    }
    let sides: Vec<&str> = texts(get("sides-supported"))
        .iter()
        .filter_map(|s| lookup_str(SIDES, s))
        .collect();
    if !sides.is_empty() {
        caps.insert("duplexModes".into(), json!(sides));
    }
    if let Some(Value::RangeOfInteger { min, max }) = get("copies-supported") {
        caps.insert("copiesPerJob".into(), json!({"start": min, "end": max}));
    }
    let media = texts(get("media-supported"));
    if !media.is_empty() {
        caps.insert("mediaSizes".into(), json!(media));
    }
    for (ipp, graph) in [
        ("media-type-supported", "mediaTypes"),
        ("output-bin-supported", "outputBins"),
        ("media-source-supported", "inputBins"),
    ] {
        let v = texts(get(ipp));
        if !v.is_empty() {
            caps.insert(graph.into(), json!(v));
        }
    }
    let q: Vec<&str> = ints(get("print-quality-supported"))
        .into_iter()
        .filter_map(|n| lookup_num(QUALITIES, n))
        .collect();
    if !q.is_empty() {
        caps.insert("qualities".into(), json!(q));
    }
    let o: Vec<&str> = ints(get("orientation-requested-supported"))
        .into_iter()
        .filter_map(|n| lookup_num(ORIENTATIONS, n))
        .collect();
    if !o.is_empty() {
        caps.insert("orientations".into(), json!(o));
    }
    let f: Vec<&str> = ints(get("finishings-supported"))
        .into_iter()
        .filter_map(|n| lookup_num(FINISHINGS, n))
        .collect();
    if !f.is_empty() {
        caps.insert("finishings".into(), json!(f));
    }
    let dpis: Vec<i32> = get("printer-resolution-supported")
        .map(|v| {
            values(v)
                .into_iter()
                .filter_map(|r| {
                    if let Value::Resolution { cross_feed, .. } = r {
                        Some(*cross_feed)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if !dpis.is_empty() {
        caps.insert("dpis".into(), json!(dpis));
    }
    let up = ints(get("number-up-supported"));
    if !up.is_empty() {
        caps.insert("pagesPerSheet".into(), json!(up));
    }
    if let Some(b) = get("page-ranges-supported").and_then(as_bool) {
        caps.insert("isPageRangeSupported".into(), json!(b));
    }

    let mut defaults = Map::new();
    if let Some(c) = get("copies-default").and_then(as_int) {
        defaults.insert("copiesPerJob".into(), json!(c));
    }
    let pairs: [(&str, &str, KeywordTable); 2] = [
        ("sides-default", "duplexMode", SIDES),
        ("print-color-mode-default", "colorMode", COLOR_MODES),
    ];
    for (ipp, graph, table) in pairs {
        if let Some(v) = get(ipp).and_then(as_text).and_then(|t| lookup_str(table, &t)) {
            defaults.insert(graph.into(), json!(v));
        }
    }
    for (ipp, graph) in [
        ("media-default", "mediaSize"),
        ("document-format-default", "contentType"),
        ("output-bin-default", "outputBin"),
        ("media-type-default", "mediaType"),
    ] {
        if let Some(v) = get(ipp).and_then(as_text) {
            defaults.insert(graph.into(), json!(v));
        }
    }
    if let Some(v) = get("print-quality-default")
        .and_then(as_int)
        .and_then(|n| lookup_num(QUALITIES, n))
    {
        defaults.insert("quality".into(), json!(v));
    }
    if let Some(v) = get("orientation-requested-default")
        .and_then(as_int)
        .and_then(|n| lookup_num(ORIENTATIONS, n))
    {
        defaults.insert("orientation".into(), json!(v));
    }
    if let Some(v) = get("number-up-default").and_then(as_int) {
        defaults.insert("pagesPerSheet".into(), json!(v));
    }

    let state = get("printer-state").and_then(as_int).map(|s| match s {
        3 => "idle",
        4 => "processing",
        5 => "stopped",
        _ => "unknown",
    });
    let details = texts(get("printer-state-reasons"))
        .iter()
        .filter_map(|r| reason_to_detail(r))
        .filter(|d| known_details.contains(&d.as_str()))
        .collect();
    let make_model = get("printer-make-and-model").and_then(as_text);
    let manufacturer = make_model
        .as_deref()
        .and_then(|m| m.split_whitespace().next())
        .map(str::to_string);
    DeviceReport {
        capabilities: caps,
        defaults,
        state,
        details,
        description: get("printer-state-message").and_then(as_text),
        manufacturer,
        model: make_model,
        accepting_jobs: get("printer-is-accepting-jobs").and_then(as_bool),
        raw: attrs.iter().map(|(k, v)| (k.clone(), value_json(v))).collect(),
    }
}

/// The IPP job template attributes of a Graph job configuration (what Fetch-Job returns).
pub fn job_template(config: &Json) -> Vec<(&'static str, Value)> {
    let mut out = vec![];
    let get = |k: &str| config.get(k).filter(|v| !v.is_null());
    if let Some(c) = get("copies")
        .and_then(Json::as_i64)
        .and_then(|c| i32::try_from(c).ok())
    {
        out.push(("copies", Value::Integer(c)));
    }
    if let Some(s) = get("duplexMode")
        .and_then(Json::as_str)
        .and_then(|d| rev_str(SIDES, d))
    {
        out.push(("sides", kw(s)));
    }
    if let Some(s) = get("colorMode")
        .and_then(Json::as_str)
        .and_then(|d| rev_str(COLOR_MODES, d))
    {
        out.push(("print-color-mode", kw(s)));
    }
    if let Some(m) = get("mediaSize").and_then(Json::as_str) {
        out.push(("media", kw(m)));
    }
    if let Some(q) = get("quality")
        .and_then(Json::as_str)
        .and_then(|q| rev_num(QUALITIES, q))
    {
        out.push(("print-quality", Value::Enum(q)));
    }
    if let Some(o) = get("orientation")
        .and_then(Json::as_str)
        .and_then(|o| rev_num(ORIENTATIONS, o))
    {
        out.push(("orientation-requested", Value::Enum(o)));
    }
    if let Some(n) = get("pagesPerSheet")
        .and_then(Json::as_i64)
        .and_then(|n| i32::try_from(n).ok())
    {
        out.push(("number-up", Value::Integer(n)));
    }
    if let Some(b) = get("outputBin").and_then(Json::as_str) {
        out.push(("output-bin", kw(b)));
    }
    if let Some(d) = get("dpi")
        .and_then(Json::as_i64)
        .and_then(|d| i32::try_from(d).ok())
    {
        out.push((
            "printer-resolution",
            Value::Resolution {
                cross_feed: d,
                feed: d,
                units: 3,
            },
        ));
    }
    if let Some(fs) = get("finishings").and_then(Json::as_array) {
        let v: Vec<Value> = fs
            .iter()
            .filter_map(Json::as_str)
            .filter_map(|f| rev_num(FINISHINGS, f))
            .map(Value::Enum)
            .collect();
        if !v.is_empty() {
            out.push(("finishings", set(v)));
        }
    }
    if let Some(rs) = get("pageRanges").and_then(Json::as_array) {
        let v: Vec<Value> = rs
            .iter()
            .filter_map(|r| Some((r.get("start")?.as_i64()?, r.get("end")?.as_i64()?)))
            .filter_map(|(a, b)| {
                Some(Value::RangeOfInteger {
                    min: i32::try_from(a).ok()?,
                    max: i32::try_from(b).ok()?,
                })
            })
            .collect();
        if !v.is_empty() {
            out.push(("page-ranges", set(v)));
        }
    }
    out
}

pub fn job_name(display_name: Option<&str>, document_name: &str) -> Value {
    name(
        display_name
            .filter(|n| !n.is_empty())
            .unwrap_or(if document_name.is_empty() {
                "job"
            } else {
                document_name
            }),
    )
}

pub fn format(content_type: &str) -> Value {
    mime(if content_type.is_empty() {
        "application/octet-stream"
    } else {
        content_type
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_become_graph_details() {
        assert_eq!(
            reason_to_detail("media-empty-error").as_deref(),
            Some("mediaEmpty")
        );
        assert_eq!(reason_to_detail("none"), None);
        assert_eq!(reason_to_detail("toner-low-report").as_deref(), Some("tonerLow"));
    }

    #[test]
    fn details_become_reasons_and_back() {
        assert_eq!(detail_to_reason("mediaEmpty"), "media-empty");
        assert_eq!(
            reason_to_detail(&detail_to_reason("markerSupplyLow")).as_deref(),
            Some("markerSupplyLow")
        );
    }

    #[test]
    fn configuration_becomes_job_template() {
        let t = job_template(
            &json!({"copies": 2, "duplexMode": "flipOnLongEdge", "colorMode": "blackAndWhite", "quality": "high",
            "pageRanges": [{"start": 1, "end": 3}]}),
        );
        let names: Vec<&str> = t.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            vec![
                "copies",
                "sides",
                "print-color-mode",
                "print-quality",
                "page-ranges"
            ]
        );
    }
}
