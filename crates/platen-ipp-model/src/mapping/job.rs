//! A job template both ways: a Graph job's configuration as the IPP template a device prints with
//! (Fetch-Job), and an IPP client's template (Print-Job, Create-Job, Validate-Job) as Graph configuration,
//! checked against the printer's description.

use super::description::pwg_size;
use super::{JOB_FIELDS, finishing_enum, finishing_name};
use crate::message::{Value, as_bool, as_int, as_text, kw, mime, name, set, values};
use crate::printer::Attributes;
use serde_json::{Map, Value as Json, json};

/// The IPP job template attributes of a Graph job configuration (what Fetch-Job returns).
pub fn job_template(config: &Json) -> Vec<(&'static str, Value)> {
    let get = |k: &str| config.get(k).filter(|v| !v.is_null());
    let mut out: Vec<(&'static str, Value)> = JOB_FIELDS
        .iter()
        .filter_map(|f| Some((f.ipp, f.kind.to_ipp(get(f.graph)?)?)))
        .collect();
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
            .filter_map(finishing_enum)
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

/// An IPP client's job template as Graph `printJobConfiguration`.
#[derive(Debug, Default)]
pub struct Template {
    pub configuration: Map<String, Json>,
    /// Attributes (or values) the printer does not support, as sent: the unsupported-attributes group.
    pub unsupported: Vec<(String, Value)>,
}

/// Maps the job-attributes group of a job creation request. Every attribute either maps to configuration the
/// printer supports (its `*-supported` in `printer`), or is listed as unsupported; the front end decides
/// whether that fails the request (`ipp-attribute-fidelity`) or is ignored.
pub fn job_configuration(job: &Attributes, printer: &Attributes) -> Template {
    let mut t = Template::default();
    for (n, v) in job {
        let mapped = match n.as_str() {
            "finishings" => finishings(v, printer).map(|f| vec![("finishings", f)]),
            "page-ranges" => page_ranges(v, printer).map(|r| vec![("pageRanges", r)]),
            "printer-resolution" => resolution(v, printer).map(|d| vec![("dpi", d)]),
            "media-col" => media_col(v, printer),
            _ => JOB_FIELDS
                .iter()
                .find(|f| f.ipp == n)
                .filter(|_| supports(printer, n, v))
                .and_then(|f| f.kind.to_graph(v))
                .map(|g| {
                    let f = JOB_FIELDS.iter().find(|f| f.ipp == n).map_or("", |f| f.graph);
                    vec![(f, g)]
                }),
        };
        match mapped {
            Some(pairs) => {
                for (k, g) in pairs {
                    t.configuration.insert(k.to_string(), g);
                }
            }
            None => t.unsupported.push((n.clone(), v.clone())),
        }
    }
    t
}

/// Whether the printer's `{name}-supported` admits `v`: a value in its set, or inside one of its ranges.
fn supports(printer: &Attributes, attribute: &str, v: &Value) -> bool {
    let Some(supported) = printer.get(&format!("{attribute}-supported")) else {
        return false;
    };
    values(supported).into_iter().any(|s| match (s, v) {
        (Value::RangeOfInteger { min, max }, Value::Integer(i)) => min <= i && i <= max,
        (a, b) => a == b || (as_text(a).is_some() && as_text(a) == as_text(b)),
    })
}

fn finishings(v: &Value, printer: &Attributes) -> Option<Json> {
    let names: Option<Vec<&str>> = values(v)
        .into_iter()
        .map(|f| {
            supports(printer, "finishings", f)
                .then(|| as_int(f).and_then(finishing_name))
                .flatten()
        })
        .collect();
    Some(json!(names?))
}

fn page_ranges(v: &Value, printer: &Attributes) -> Option<Json> {
    if printer.get("page-ranges-supported").and_then(as_bool) != Some(true) {
        return None;
    }
    let mut last = 0;
    let mut out = vec![];
    for r in values(v) {
        let Value::RangeOfInteger { min, max } = r else {
            return None;
        };
        // RFC 8011 §5.2.7: ascending, non-overlapping, starting at page 1 or later.
        if *min < 1 || min > max || *min <= last {
            return None;
        }
        last = *max;
        out.push(json!({"start": min, "end": max}));
    }
    (!out.is_empty()).then_some(Json::Array(out))
}

fn resolution(v: &Value, printer: &Attributes) -> Option<Json> {
    match v {
        Value::Resolution { cross_feed, .. } if supports(printer, "printer-resolution", v) => {
            Some(json!(cross_feed))
        }
        _ => None,
    }
}

/// `media-col`: its size (by name, or by dimensions matched against the printer's media), source and type.
fn media_col(v: &Value, printer: &Attributes) -> Option<Vec<(&'static str, Json)>> {
    let Value::Collection(members) = v else {
        return None;
    };
    let mut out = vec![];
    for (k, mv) in members {
        match k.as_str() {
            "media-size-name" => {
                let n = as_text(mv)?;
                supports(printer, "media", &kw(&n)).then_some(())?;
                out.push(("mediaSize", json!(n)));
            }
            "media-size" => {
                let n = media_named_by_size(mv, printer)?;
                if !out.iter().any(|(k, _)| *k == "mediaSize") {
                    out.push(("mediaSize", json!(n)));
                }
            }
            "media-source" => {
                supports(printer, "media-source", mv).then_some(())?;
                out.push(("inputBin", json!(as_text(mv)?)));
            }
            "media-type" => {
                supports(printer, "media-type", mv).then_some(())?;
                out.push(("mediaType", json!(as_text(mv)?)));
            }
            // Margins pick borderless printing; the printer decides them from the media and the document.
            "media-bottom-margin" | "media-left-margin" | "media-right-margin" | "media-top-margin" => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The printer's media whose PWG size matches `media-size` (within 1 mm: clients round differently).
fn media_named_by_size(size: &Value, printer: &Attributes) -> Option<String> {
    let Value::Collection(dims) = size else {
        return None;
    };
    let get = |k: &str| {
        dims.iter()
            .find(|(n, _)| n.as_str() == k)
            .and_then(|(_, v)| as_int(v))
    };
    let (x, y) = (get("x-dimension")?, get("y-dimension")?);
    values(printer.get("media-supported")?)
        .into_iter()
        .filter_map(as_text)
        .find(|n| pwg_size(n).is_some_and(|(px, py)| (px - x).abs() <= 100 && (py - y).abs() <= 100))
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
    #![allow(clippy::unwrap_used)]
    use super::*;

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

    fn printer() -> Attributes {
        let mut p = Attributes::new();
        p.insert(
            "copies-supported".into(),
            Value::RangeOfInteger { min: 1, max: 99 },
        );
        p.insert(
            "sides-supported".into(),
            set(vec![kw("one-sided"), kw("two-sided-long-edge")]),
        );
        p.insert(
            "media-supported".into(),
            set(vec![kw("iso_a4_210x297mm"), kw("na_letter_8.5x11in")]),
        );
        p.insert("page-ranges-supported".into(), Value::Boolean(true));
        p
    }

    #[test]
    fn a_template_maps_back_through_the_same_table() {
        let config = json!({"copies": 3, "duplexMode": "flipOnLongEdge", "mediaSize": "iso_a4_210x297mm",
            "pageRanges": [{"start": 1, "end": 2}, {"start": 5, "end": 5}]});
        let template: Attributes = job_template(&config)
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect();
        let back = job_configuration(&template, &printer());
        assert!(back.unsupported.is_empty(), "{:?}", back.unsupported);
        assert_eq!(Json::Object(back.configuration), config);
    }

    #[test]
    fn unsupported_values_and_attributes_are_listed_not_mapped() {
        let mut job = Attributes::new();
        job.insert("copies".into(), Value::Integer(500));
        job.insert("sides".into(), kw("two-sided-short-edge"));
        job.insert("job-priority".into(), Value::Integer(50));
        job.insert(
            "page-ranges".into(),
            set(vec![
                Value::RangeOfInteger { min: 3, max: 4 },
                Value::RangeOfInteger { min: 1, max: 2 },
            ]),
        );
        let t = job_configuration(&job, &printer());
        assert!(t.configuration.is_empty());
        let names: Vec<&str> = t.unsupported.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["copies", "job-priority", "page-ranges", "sides"]);
    }

    #[test]
    fn media_col_by_size_finds_the_printers_media() {
        use ipp::value::IppName;
        use std::collections::BTreeMap;
        let n = |s: &str| IppName::new(s).unwrap();
        let mut size = BTreeMap::new();
        size.insert(n("x-dimension"), Value::Integer(21590));
        size.insert(n("y-dimension"), Value::Integer(27940));
        let mut col = BTreeMap::new();
        col.insert(n("media-size"), Value::Collection(size));
        col.insert(n("media-top-margin"), Value::Integer(0));
        let mut job = Attributes::new();
        job.insert("media-col".into(), Value::Collection(col));
        let t = job_configuration(&job, &printer());
        assert_eq!(
            t.configuration.get("mediaSize"),
            Some(&json!("na_letter_8.5x11in"))
        );
    }
}
