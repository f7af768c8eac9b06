//! A share's printer described to an IPP client (Get-Printer-Attributes): the IPP Everywhere attribute set.
//!
//! Three layers, later ones winning: what the printer's device (or its pull-print app) reported in IPP, kept on
//! the Graph printer; then the Graph printer's capabilities, defaults and status mapped back through the same
//! field tables the device side maps forward with; then what Platen itself decides as the printer the client
//! talks to (its URIs, name, operations, compression, job model). Attributes a device never reported and Graph
//! cannot say (a printer created through Graph alone) get the values IPP Everywhere requires, derived from what
//! is known (media sizes from their PWG self-describing names).

use super::{CAPABILITY_FIELDS, DEFAULT_FIELDS, detail_to_reason, ipp_printer_state};
use crate::message::{Value, kw, mime, name, set, text, uri, values};
use crate::printer::{Attributes, stored_attributes};
use ipp::value::{IppDateTime, IppName};
use platen_domain::records::Printer;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// What the front end knows about the printer it serves the share as.
pub struct ShareView<'a> {
    /// The share's display name (`printer-name`, `printer-info`).
    pub name: &'a str,
    /// `printer-uri-supported`: the share's URI in the scheme the request came in (`ipp` or `ipps`), with its
    /// `uri-security-supported` (`none` or `tls`) and `uri-authentication-supported` (`basic`, `none`, …).
    pub uri: &'a str,
    pub security: &'a str,
    pub authentication: &'a str,
    /// `urn:uuid:…`.
    pub uuid: &'a str,
    /// An http(s) page about the share (`printer-more-info`, `printer-supply-info-uri`).
    pub more_info: &'a str,
    /// `printer-icons`.
    pub icons: Vec<String>,
    /// The operations the endpoint implements.
    pub operations: &'a [i16],
    /// Seconds since the service started (`printer-up-time`, ≥ 1).
    pub up_time: i32,
    /// Unix seconds now, for `printer-current-time`.
    pub now_unix: i64,
    /// Jobs waiting or printing on the share.
    pub queued_job_count: i32,
    /// The largest document accepted, in bytes.
    pub max_document_size: u64,
    /// Seconds a Create-Job'd job waits for its document before it is aborted (`multiple-operation-time-out`).
    pub multiple_operation_time_out: u64,
    /// `job-creation-attributes-supported` and what is validated: the job template the endpoint maps.
    pub job_creation_attributes: &'a [&'a str],
}

/// Device-side attributes that describe the device's own endpoint, not the share: never passed through.
const DEVICE_ONLY: &[&str] = &[
    "printer-uri-supported",
    "uri-security-supported",
    "uri-authentication-supported",
    "printer-uuid",
    "printer-name",
    "printer-info",
    "operations-supported",
    "compression-supported",
    "ipp-versions-supported",
    "printer-more-info",
    "printer-icons",
    "printer-supply-info-uri",
    "multiple-document-jobs-supported",
    "which-jobs-supported",
    "job-ids-supported",
    "printer-state",
    "printer-state-reasons",
    "printer-state-message",
    "printer-is-accepting-jobs",
    "queued-job-count",
    "printer-up-time",
    "printer-current-time",
    "printer-dns-sd-name",
    "job-creation-attributes-supported",
    "printer-get-attributes-supported",
    "multiple-operation-time-out",
    "multiple-operation-time-out-action",
    "job-k-octets-supported",
    "notify-events-supported",
    "notify-pull-method-supported",
    "ipp-features-supported",
    // Job template attributes Platen does not map to Graph configuration: a client sending them gets them
    // back as unsupported, so they are not claimed (the required ones are claimed as `auto` below).
    "overrides-supported",
    "print-content-optimize-supported",
    "print-content-optimize-default",
    "print-rendering-intent-supported",
    "print-rendering-intent-default",
    "job-hold-until-supported",
    "job-hold-until-default",
    "job-priority-supported",
    "job-priority-default",
    "job-sheets-supported",
    "job-sheets-default",
    "multiple-document-handling-supported",
    "multiple-document-handling-default",
];

/// The share's printer as IPP printer attributes.
pub fn printer_description(printer: &Printer, share: &ShareView<'_>) -> Attributes {
    let mut a: Attributes = stored_attributes(&printer.device_attributes)
        .into_iter()
        .filter(|(n, _)| !DEVICE_ONLY.contains(&n.as_str()) && !n.starts_with("output-device"))
        .collect();
    graph_layer(&mut a, printer);
    required_layer(&mut a, printer);
    platen_layer(&mut a, printer, share);
    a
}

/// The Graph printer's capabilities and defaults, mapped back through the field tables.
fn graph_layer(a: &mut Attributes, printer: &Printer) {
    let caps = &printer.capabilities;
    for f in CAPABILITY_FIELDS {
        let list: Vec<Value> = caps
            .get(f.graph)
            .and_then(Json::as_array)
            .map(|l| l.iter().filter_map(|g| f.kind.to_ipp(g)).collect())
            .unwrap_or_default();
        if !list.is_empty() {
            a.insert(f.ipp.into(), Value::Array(list));
        }
    }
    if let Some(c) = caps.get("isColorPrintingSupported").and_then(Json::as_bool) {
        a.insert("color-supported".into(), Value::Boolean(c));
    }
    if let Some(r) = caps.get("copiesPerJob") {
        let min = r.get("start").and_then(Json::as_i64).unwrap_or(1);
        let max = r.get("end").and_then(Json::as_i64).unwrap_or(1);
        a.insert(
            "copies-supported".into(),
            Value::RangeOfInteger {
                min: i32::try_from(min).unwrap_or(1).max(1),
                max: i32::try_from(max).unwrap_or(1).max(1),
            },
        );
    }
    if let Some(dpis) = caps.get("dpis").and_then(Json::as_array) {
        let r: Vec<Value> = dpis
            .iter()
            .filter_map(Json::as_i64)
            .filter_map(|d| i32::try_from(d).ok())
            .map(dpi)
            .collect();
        if !r.is_empty() {
            a.insert("printer-resolution-supported".into(), Value::Array(r));
        }
    }
    if let Some(b) = caps.get("isPageRangeSupported").and_then(Json::as_bool) {
        a.insert("page-ranges-supported".into(), Value::Boolean(b));
    }
    for f in DEFAULT_FIELDS {
        if let Some(v) = printer.defaults.get(f.graph).and_then(|g| f.kind.to_ipp(g)) {
            a.insert(f.ipp.into(), v);
        }
    }
    if let Some(d) = printer
        .defaults
        .get("dpi")
        .and_then(Json::as_i64)
        .and_then(|d| i32::try_from(d).ok())
    {
        a.insert("printer-resolution-default".into(), dpi(d));
    }
    if let Some(fs) = printer.defaults.get("finishings").and_then(Json::as_array) {
        let v: Vec<Value> = fs
            .iter()
            .filter_map(Json::as_str)
            .filter_map(super::finishing_enum)
            .map(Value::Enum)
            .collect();
        if !v.is_empty() {
            a.insert("finishings-default".into(), set(v));
        }
    }
}

/// What IPP Everywhere requires and neither the device nor Graph said: derived from what is known.
fn required_layer(a: &mut Attributes, printer: &Printer) {
    let mut or_insert = |n: &str, v: Value| {
        a.entry(n.to_string()).or_insert(v);
    };
    or_insert("charset-configured", charset());
    or_insert("charset-supported", charset());
    or_insert("natural-language-configured", language());
    or_insert("generated-natural-language-supported", language());
    or_insert("copies-default", Value::Integer(1));
    or_insert("copies-supported", Value::RangeOfInteger { min: 1, max: 999 });
    or_insert("finishings-default", Value::Enum(3));
    or_insert("finishings-supported", Value::Enum(3));
    or_insert("orientation-requested-default", Value::Enum(3));
    or_insert(
        "orientation-requested-supported",
        Value::Array(vec![Value::Enum(3), Value::Enum(4)]),
    );
    or_insert("print-quality-default", Value::Enum(4));
    or_insert("print-quality-supported", Value::Enum(4));
    or_insert("sides-default", kw("one-sided"));
    or_insert("sides-supported", kw("one-sided"));
    or_insert("number-up-default", Value::Integer(1));
    or_insert("number-up-supported", Value::Integer(1));
    or_insert("print-color-mode-default", kw("monochrome"));
    or_insert("print-color-mode-supported", kw("monochrome"));
    or_insert("print-content-optimize-default", kw("auto"));
    or_insert("print-content-optimize-supported", kw("auto"));
    or_insert("print-rendering-intent-default", kw("auto"));
    or_insert("print-rendering-intent-supported", kw("auto"));
    or_insert("print-scaling-default", kw("auto"));
    or_insert(
        "print-scaling-supported",
        set(vec![kw("auto"), kw("fit"), kw("fill"), kw("none")]),
    );
    or_insert("printer-resolution-default", dpi(300));
    or_insert("printer-resolution-supported", dpi(300));
    or_insert("media-source-supported", kw("auto"));
    or_insert("media-type-supported", kw("stationery"));
    or_insert("output-bin-default", kw("face-down"));
    or_insert("output-bin-supported", kw("face-down"));
    or_insert("pdl-override-supported", kw("attempted"));
    or_insert(
        "printer-geo-location",
        Value::Other {
            tag: 0x12,
            data: Default::default(),
        },
    );
    or_insert("printer-organization", text(""));
    or_insert("printer-organizational-unit", text(""));
    or_insert("preferred-attributes-supported", Value::Boolean(false));
    for m in ["bottom", "left", "right", "top"] {
        or_insert(
            &format!("media-{m}-margin-supported"),
            Value::Integer(HARDWARE_MARGIN),
        );
    }
    let make_model = match (&printer.manufacturer, &printer.model) {
        (_, Some(model)) => model.clone(),
        (Some(m), None) => m.clone(),
        (None, None) => "Platen printer share".to_string(),
    };
    or_insert("printer-make-and-model", text(&make_model));
    let formats: Vec<String> = a
        .get("document-format-supported")
        .map(|v| {
            values(v)
                .into_iter()
                .filter_map(crate::message::as_text)
                .collect()
        })
        .unwrap_or_default();
    let cmd: Vec<&str> = formats.iter().filter_map(|f| command_set(f)).collect();
    let manufacturer = printer.manufacturer.as_deref().unwrap_or("Platen");
    a.entry("printer-device-id".into()).or_insert_with(|| {
        text(&format!(
            "MFG:{};MDL:{};CMD:{};",
            device_id_safe(manufacturer),
            device_id_safe(&make_model),
            if cmd.is_empty() {
                "PDF".to_string()
            } else {
                cmd.join(",")
            }
        ))
    });
    if formats.iter().any(|f| f == "image/pwg-raster") {
        a.entry("pwg-raster-document-resolution-supported".into())
            .or_insert_with(|| set(vec![dpi(300)]));
        a.entry("pwg-raster-document-type-supported".into())
            .or_insert_with(|| set(vec![kw("black_1"), kw("sgray_8"), kw("srgb_8")]));
        a.entry("pwg-raster-document-sheet-back".into())
            .or_insert_with(|| kw("normal"));
    }
    if formats.iter().any(|f| f == "image/urf") {
        a.entry("urf-supported".into()).or_insert_with(|| {
            set(["V1.4", "CP1", "W8", "SRGB24", "RS300", "DM1"]
                .iter()
                .map(|k| kw(k))
                .collect())
        });
    }
    media_layer(a, printer);
}

/// media-default/supported/ready and the media-col attributes, from the media names (PWG self-describing
/// names carry their size: `iso_a4_210x297mm`, `na_letter_8.5x11in`).
fn media_layer(a: &mut Attributes, printer: &Printer) {
    let mut names: Vec<String> = a
        .get("media-supported")
        .map(|v| {
            values(v)
                .into_iter()
                .filter_map(crate::message::as_text)
                .collect()
        })
        .unwrap_or_default();
    names.retain(|n| pwg_size(n).is_some());
    if names.is_empty() {
        names = vec!["iso_a4_210x297mm".into(), "na_letter_8.5x11in".into()];
        a.insert(
            "media-supported".into(),
            set(names.iter().map(|n| kw(n)).collect()),
        );
    }
    let default = a
        .get("media-default")
        .and_then(crate::message::as_text)
        .filter(|d| names.contains(d))
        .or_else(|| {
            printer
                .defaults
                .get("mediaSize")
                .and_then(Json::as_str)
                .map(str::to_string)
        })
        .filter(|d| names.contains(d))
        .unwrap_or_else(|| names[0].clone());
    a.insert("media-default".into(), kw(&default));
    a.entry("media-ready".into()).or_insert_with(|| kw(&default));
    let cols = |list: &[String]| set(list.iter().filter_map(|n| media_col(n)).collect());
    a.entry("media-col-database".into())
        .or_insert_with(|| cols(&names));
    a.entry("media-col-default".into())
        .or_insert_with(|| cols(std::slice::from_ref(&default)));
    a.entry("media-col-ready".into())
        .or_insert_with(|| cols(std::slice::from_ref(&default)));
    a.entry("media-size-supported".into()).or_insert_with(|| {
        set(names
            .iter()
            .filter_map(|n| pwg_size(n))
            .map(|(x, y)| size_col(x, y))
            .collect())
    });
    a.entry("media-col-supported".into()).or_insert_with(|| {
        set([
            "media-size",
            "media-size-name",
            "media-source",
            "media-type",
            "media-bottom-margin",
            "media-left-margin",
            "media-right-margin",
            "media-top-margin",
        ]
        .iter()
        .map(|k| kw(k))
        .collect())
    });
}

/// What Platen itself decides: the share as the printer the client talks to.
fn platen_layer(a: &mut Attributes, printer: &Printer, share: &ShareView<'_>) {
    let mut put = |n: &str, v: Value| {
        a.insert(n.to_string(), v);
    };
    put("printer-uri-supported", uri(share.uri));
    put("uri-security-supported", kw(share.security));
    put("uri-authentication-supported", kw(share.authentication));
    put("printer-uuid", uri(share.uuid));
    put("printer-name", name(&truncate(share.name, 127)));
    put("printer-info", text(&truncate(share.name, 127)));
    put("printer-more-info", uri(share.more_info));
    put("printer-supply-info-uri", uri(share.more_info));
    put("printer-icons", set(share.icons.iter().map(|i| uri(i)).collect()));
    put(
        "operations-supported",
        set(share
            .operations
            .iter()
            .map(|o| Value::Enum(i32::from(*o)))
            .collect()),
    );
    put(
        "compression-supported",
        set(vec![kw("none"), kw("deflate"), kw("gzip")]),
    );
    put("ipp-versions-supported", set(vec![kw("1.1"), kw("2.0")]));
    put("ipp-features-supported", kw("ipp-everywhere"));
    put("multiple-document-jobs-supported", Value::Boolean(false));
    put(
        "multiple-operation-time-out",
        Value::Integer(i32::try_from(share.multiple_operation_time_out).unwrap_or(i32::MAX)),
    );
    put("multiple-operation-time-out-action", kw("abort-job"));
    put(
        "which-jobs-supported",
        set(vec![kw("completed"), kw("not-completed"), kw("all")]),
    );
    put("job-ids-supported", Value::Boolean(true));
    put("printer-get-attributes-supported", kw("document-format"));
    put(
        "job-creation-attributes-supported",
        set(share.job_creation_attributes.iter().map(|k| kw(k)).collect()),
    );
    let k_octets = i32::try_from(share.max_document_size / 1024).unwrap_or(i32::MAX);
    put(
        "job-k-octets-supported",
        Value::RangeOfInteger {
            min: 0,
            max: k_octets.max(1),
        },
    );
    put(
        "printer-state",
        Value::Enum(ipp_printer_state(&printer.status_state)),
    );
    let reasons: Vec<Value> = printer
        .status_details
        .iter()
        .map(|d| kw(&detail_to_reason(d)))
        .collect();
    put(
        "printer-state-reasons",
        if reasons.is_empty() {
            kw("none")
        } else {
            set(reasons)
        },
    );
    put(
        "printer-state-message",
        text(printer.status_description.as_deref().unwrap_or("")),
    );
    put(
        "printer-is-accepting-jobs",
        Value::Boolean(printer.is_accepting_jobs.unwrap_or(true)),
    );
    put("queued-job-count", Value::Integer(share.queued_job_count.max(0)));
    put("printer-up-time", Value::Integer(share.up_time.max(1)));
    put("printer-current-time", date_time(share.now_unix));
    let changed = printer.registered_at.max(printer.last_seen_at.unwrap_or(0)) / 1_000_000;
    put("printer-config-change-date-time", date_time(changed));
    put("printer-state-change-date-time", date_time(changed));
    let since_start =
        |t: i64| i32::try_from((t - (share.now_unix - i64::from(share.up_time))).max(0)).unwrap_or(0);
    put("printer-config-change-time", Value::Integer(since_start(changed)));
    put("printer-state-change-time", Value::Integer(since_start(changed)));
    let location = printer
        .location
        .get("streetAddress")
        .or_else(|| printer.location.get("site"))
        .and_then(Json::as_str)
        .unwrap_or("");
    a.entry("printer-location".into())
        .or_insert_with(|| text(&truncate(location, 127)));
    let formats: Vec<Value> = a
        .get("document-format-supported")
        .map(|v| values(v).into_iter().cloned().collect())
        .unwrap_or_default();
    let mut formats: Vec<Value> = formats
        .into_iter()
        .filter(|f| crate::message::as_text(f).as_deref() != Some("application/octet-stream"))
        .collect();
    if formats.is_empty() {
        formats.push(mime("application/pdf"));
    }
    formats.push(mime("application/octet-stream"));
    a.insert("document-format-supported".into(), Value::Array(formats));
    a.entry("document-format-default".into())
        .or_insert_with(|| mime("application/octet-stream"));
    let pdf = a.get("document-format-supported").is_some_and(|v| {
        values(v)
            .iter()
            .any(|f| crate::message::as_text(f).as_deref() == Some("application/pdf"))
    });
    if pdf {
        a.entry("page-ranges-supported".into())
            .or_insert(Value::Boolean(true));
    }
    a.entry("identify-actions-default".into())
        .or_insert_with(|| kw("display"));
    a.entry("identify-actions-supported".into())
        .or_insert_with(|| kw("display"));
    a.entry("printer-kind".into()).or_insert_with(|| kw("document"));
}

fn charset() -> Value {
    Value::new_charset("utf-8").unwrap_or(Value::NoValue)
}
fn language() -> Value {
    Value::new_natural_language("en").unwrap_or(Value::NoValue)
}
fn dpi(d: i32) -> Value {
    Value::Resolution {
        cross_feed: d,
        feed: d,
        units: 3,
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// IEEE 1284 device ID values may not contain `;` or `:`.
fn device_id_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c == ';' || c == ':' { ' ' } else { c })
        .collect()
}

/// The IEEE 1284 command-set name of a document format.
fn command_set(format: &str) -> Option<&'static str> {
    Some(match format {
        "application/pdf" => "PDF",
        "application/postscript" => "PS",
        "image/pwg-raster" => "PWGRaster",
        "image/urf" => "URF",
        "image/jpeg" => "JPEG",
        "application/vnd.hp-pcl" => "PCL",
        _ => return None,
    })
}

/// The size of a PWG self-describing media name in hundredths of millimetres (`iso_a4_210x297mm` →
/// 21000 × 29700); `None` for other names.
pub fn pwg_size(name: &str) -> Option<(i32, i32)> {
    let dims = name.rsplit('_').next()?;
    let (scale, dims) = if let Some(d) = dims.strip_suffix("mm") {
        (100.0, d)
    } else if let Some(d) = dims.strip_suffix("in") {
        (2540.0, d)
    } else {
        return None;
    };
    let (x, y) = dims.split_once('x')?;
    let x: f64 = x.parse().ok()?;
    let y: f64 = y.parse().ok()?;
    let to = |v: f64| {
        let h = (v * scale).round();
        (h > 0.0 && h < 1.0e7).then_some(h as i32)
    };
    Some((to(x)?, to(y)?))
}

fn size_col(x: i32, y: i32) -> Value {
    let mut m = BTreeMap::new();
    insert(&mut m, "x-dimension", Value::Integer(x));
    insert(&mut m, "y-dimension", Value::Integer(y));
    Value::Collection(m)
}

/// The margin claimed for a printer that never reported its own, in hundredths of millimetres: 0 would claim
/// borderless printing, which such a printer may not do; 4.23 mm (1/6 in) is the usual hardware margin.
const HARDWARE_MARGIN: i32 = 423;

/// A `media-col` for a PWG media name.
fn media_col(media: &str) -> Option<Value> {
    let (x, y) = pwg_size(media)?;
    let mut m = BTreeMap::new();
    insert(&mut m, "media-size", size_col(x, y));
    insert(&mut m, "media-size-name", kw(media));
    for side in ["bottom", "left", "right", "top"] {
        insert(
            &mut m,
            &format!("media-{side}-margin"),
            Value::Integer(HARDWARE_MARGIN),
        );
    }
    Some(Value::Collection(m))
}

fn insert(m: &mut BTreeMap<IppName, Value>, k: &str, v: Value) {
    if let Ok(k) = IppName::new(k) {
        m.insert(k, v);
    }
}

/// RFC 2579 DateAndTime in UTC.
pub fn date_time(unix: i64) -> Value {
    use chrono::{Datelike, TimeZone, Timelike, Utc};
    let t = Utc.timestamp_opt(unix, 0).single().unwrap_or_default();
    Value::DateTime(IppDateTime {
        year: u16::try_from(t.year()).unwrap_or(1970),
        month: t.month() as u8,
        day: t.day() as u8,
        hour: t.hour() as u8,
        minutes: t.minute() as u8,
        seconds: t.second() as u8,
        deci_seconds: 0,
        utc_dir: '+',
        utc_hours: 0,
        utc_mins: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pwg_names_carry_their_size() {
        assert_eq!(pwg_size("iso_a4_210x297mm"), Some((21000, 29700)));
        assert_eq!(pwg_size("na_letter_8.5x11in"), Some((21590, 27940)));
        assert_eq!(pwg_size("custom"), None);
        assert_eq!(pwg_size("iso_a4_0x297mm"), None);
    }
}
