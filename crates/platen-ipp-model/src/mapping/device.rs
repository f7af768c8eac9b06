//! A device's IPP description (Update-Output-Device-Attributes, or an app's IPP PATCH) as Graph values.

use super::{CAPABILITY_FIELDS, DEFAULT_FIELDS, Kind};
use crate::message::{Value, as_bool, as_int, as_text, values};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

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
    for f in CAPABILITY_FIELDS {
        let mut list: Vec<Json> = get(f.ipp)
            .map(|v| values(v).into_iter().filter_map(|v| f.kind.to_graph(v)).collect())
            .unwrap_or_default();
        if list.is_empty() {
            continue;
        }
        if matches!(f.kind, Kind::Mime) {
            // Every printer takes octet-stream (auto-detect); Graph lists real formats only.
            list.retain(|m| m != "application/octet-stream");
        }
        caps.insert(f.graph.into(), Json::Array(list));
    }
    if let Some(c) = get("color-supported").and_then(as_bool) {
        caps.insert("isColorPrintingSupported".into(), json!(c));
    } else if let Some(Json::Array(colors)) = caps.get("colorModes") {
        let color = colors.iter().any(|c| c == "color");
        caps.insert("isColorPrintingSupported".into(), json!(color));
    }
    if let Some(Value::RangeOfInteger { min, max }) = get("copies-supported") {
        caps.insert("copiesPerJob".into(), json!({"start": min, "end": max}));
    }
    let dpis: Vec<i32> = get("printer-resolution-supported")
        .map(|v| {
            values(v)
                .into_iter()
                .filter_map(|r| match r {
                    Value::Resolution { cross_feed, .. } => Some(*cross_feed),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if !dpis.is_empty() {
        caps.insert("dpis".into(), json!(dpis));
    }
    if let Some(b) = get("page-ranges-supported").and_then(as_bool) {
        caps.insert("isPageRangeSupported".into(), json!(b));
    }

    let mut defaults = Map::new();
    for f in DEFAULT_FIELDS {
        if let Some(v) = get(f.ipp).and_then(|v| f.kind.to_graph(v)) {
            defaults.insert(f.graph.into(), v);
        }
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

fn texts(v: Option<&Value>) -> Vec<String> {
    v.map(|v| values(v).into_iter().filter_map(as_text).collect())
        .unwrap_or_default()
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
}
