//! Printer and output-device operations: Get-Printer-Attributes, Update/Get-Output-Device-Attributes,
//! Deregister-Output-Device, Acknowledge-Identify-Printer.

use crate::operation::{Answer, Request, app_failure, check_operation_group};
use ipp::prelude::*;
use platen_ipp_model::mapping::{attribute_map, detail_to_reason, device_report, ipp_printer_state};
use platen_ipp_model::message::{
    IppFailure, IppResult, Value, add, as_text, group, kw, mime, name, response, set, text, uri,
};
use platen_ipp_model::printer::{apply_report, graph_details, serialise, stored_attributes};
use platen_ipp_model::{op, status};
use serde_json::Value as Json;

fn printer_uri(r: &Request) -> String {
    format!("{}/ipp/print/{}", r.state.public_url, r.device.printer_id)
}

pub async fn get_printer_attributes(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let p = r.state.app.device_printer(&r.device).await.map_err(app_failure)?;
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    let formats: Vec<String> = p
        .capabilities
        .get("contentTypes")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).map(str::to_string).collect())
        .filter(|v: &Vec<String>| !v.is_empty())
        .unwrap_or_else(|| vec!["application/pdf".into(), "application/octet-stream".into()]);
    let reasons: Vec<Value> = if p.status_details.is_empty() {
        vec![kw("none")]
    } else {
        p.status_details
            .iter()
            .map(|d| kw(&detail_to_reason(d)))
            .collect()
    };
    let t = DelimiterTag::PrinterAttributes;
    let attrs: Vec<(&str, Value)> = vec![
        ("printer-uri-supported", uri(&printer_uri(r))),
        ("uri-security-supported", kw("none")),
        ("uri-authentication-supported", kw("requesting-user-name")),
        ("printer-name", name(&p.display_name)),
        ("printer-uuid", uri(&format!("urn:uuid:{}", p.id))),
        ("printer-make-and-model", text(p.model.as_deref().unwrap_or(""))),
        ("printer-state", Value::Enum(ipp_printer_state(&p.status_state))),
        ("printer-state-reasons", set(reasons)),
        (
            "printer-is-accepting-jobs",
            Value::Boolean(p.is_accepting_jobs != Some(false)),
        ),
        (
            "operations-supported",
            set(op::SUPPORTED.iter().map(|o| Value::Enum(i32::from(*o))).collect()),
        ),
        (
            "which-jobs-supported",
            set(["fetchable", "not-completed", "completed", "all"]
                .iter()
                .map(|w| kw(w))
                .collect()),
        ),
        ("ipp-versions-supported", set(vec![kw("1.1"), kw("2.0")])),
        (
            "charset-configured",
            Value::new_charset("utf-8").unwrap_or(Value::NoValue),
        ),
        (
            "charset-supported",
            Value::new_charset("utf-8").unwrap_or(Value::NoValue),
        ),
        (
            "natural-language-configured",
            Value::new_natural_language("en").unwrap_or(Value::NoValue),
        ),
        (
            "generated-natural-language-supported",
            Value::new_natural_language("en").unwrap_or(Value::NoValue),
        ),
        ("document-format-default", mime(&formats[0])),
        (
            "document-format-supported",
            set(formats.iter().map(|f| mime(f)).collect()),
        ),
        ("pdl-override-supported", kw("not-attempted")),
        ("compression-supported", kw("none")),
        (
            "notify-events-supported",
            set(vec![kw("job-fetchable"), kw("job-state-changed")]),
        ),
        ("notify-pull-method-supported", kw("ippget")),
        (
            "notify-lease-duration-supported",
            Value::RangeOfInteger {
                min: 0,
                max: 67_108_863,
            },
        ),
        ("printer-up-time", Value::Integer(up_time())),
    ];
    for (n, v) in attrs {
        add(&mut resp, t, n, v);
    }
    Ok(resp.into())
}

/// Seconds since this process started (RFC 8011 `printer-up-time`).
fn up_time() -> i32 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    i32::try_from(start.elapsed().as_secs())
        .unwrap_or(i32::MAX)
        .max(1)
}

pub async fn update_output_device_attributes(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let incoming = group(&r.ipp, DelimiterTag::PrinterAttributes)
        .map(attribute_map)
        .unwrap_or_default();
    let current = r.state.app.device_printer(&r.device).await.map_err(app_failure)?;
    // Devices send only what changed: merge into what they reported before.
    let mut merged = stored_attributes(&current.device_attributes);
    merged.extend(incoming);
    let report = device_report(&merged, graph_details());
    let connector_version = merged
        .get("Microsoft-universal-print-connector-app-version")
        .and_then(as_text);
    let connector_os = merged
        .get("Microsoft-universal-print-connector-operating-system")
        .and_then(as_text);
    let ipp_b64 = serialise(&merged)?;
    r.state
        .app
        .update_device_printer(&r.device, move |p| {
            // The device's own defaults seed the Graph defaults once; later an administrator's choice wins.
            let seed_defaults = p.defaults.as_object().is_none_or(|m| m.is_empty());
            apply_report(p, report, ipp_b64, seed_defaults);
        })
        .await
        .map_err(app_failure)?;
    // A connector reports itself through its printers (Microsoft's extension attributes): keep its
    // printConnector's appVersion and operatingSystem current.
    if connector_version.is_some() || connector_os.is_some() {
        r.state
            .app
            .update_connector_of(&r.device, connector_version, connector_os)
            .await
            .map_err(app_failure)?;
    }
    Ok(response(r.ipp.header(), status::OK, None)?.into())
}

pub async fn get_output_device_attributes(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let p = r.state.app.device_printer(&r.device).await.map_err(app_failure)?;
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    for (n, v) in stored_attributes(&p.device_attributes) {
        add(&mut resp, DelimiterTag::PrinterAttributes, &n, v);
    }
    Ok(resp.into())
}

pub async fn deregister_output_device(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    r.state
        .app
        .update_device_printer(&r.device, |p| {
            p.status_state = "stopped".into();
            p.status_details = vec!["shutdown".into()];
            p.status_description = Some("The output device deregistered.".into());
        })
        .await
        .map_err(app_failure)?;
    Ok(response(r.ipp.header(), status::OK, None)?.into())
}

/// Platen has no Identify-Printer requests queued for devices, so there is never anything to acknowledge.
pub async fn acknowledge_identify_printer(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    Err(IppFailure::new(
        status::NOT_POSSIBLE,
        "no Identify-Printer request is pending",
    ))
}
