//! A printer's IPP description as Platen keeps it on its Graph printer (`deviceAttributes`: the IPP encoding,
//! for an exact round trip in Get-Output-Device-Attributes, plus JSON for people and tests), and what a
//! description changes on the Graph printer. A device (INFRA Update-Output-Device-Attributes) and an app
//! (Graph PATCH of its virtual printer with an IPP body) describe printers the same way, so both front ends
//! store and map descriptions through here.

use crate::mapping::{DeviceReport, attribute_map, device_report};
use crate::message::{IppResult, Value, add, response};
use crate::parse::parse;
use crate::status;
use base64::Engine;
use ipp::prelude::*;
use platen_domain::records::Printer;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

/// A printer-attributes group by attribute name.
pub type Attributes = BTreeMap<String, Value>;

/// The printer attributes stored on a Graph printer (empty when there are none or they do not parse).
pub fn stored_attributes(device_attributes: &Json) -> Attributes {
    device_attributes
        .get("ipp")
        .and_then(Json::as_str)
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|bytes| {
            parse(&bytes)
                .ok()?
                .message
                .attributes()
                .groups_of(DelimiterTag::PrinterAttributes)
                .next()
                .map(attribute_map)
        })
        .unwrap_or_default()
}

/// The IPP encoding of printer attributes, as stored (base64).
pub fn serialise(attrs: &Attributes) -> IppResult<String> {
    let header = IppHeader::new(IppVersion::v2_0(), 0, 0);
    let mut m = response(&header, status::OK, None)?;
    for (n, v) in attrs {
        add(&mut m, DelimiterTag::PrinterAttributes, n, v.clone());
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(crate::encode::to_bytes(&m)))
}

/// Stores what a printer's IPP attributes say (already merged with what was reported before) on its Graph
/// printer. `replace_defaults`: whether the reported `*-default` values become the Graph defaults.
pub fn apply_report(p: &mut Printer, report: DeviceReport, ipp_b64: String, replace_defaults: bool) {
    if !report.capabilities.is_empty() {
        p.capabilities = Json::Object(report.capabilities);
    }
    if !report.defaults.is_empty() {
        if p.factory_defaults.as_object().is_none_or(|m| m.is_empty()) {
            p.factory_defaults = Json::Object(report.defaults.clone());
        }
        if replace_defaults {
            p.defaults = Json::Object(report.defaults);
        }
    }
    if let Some(s) = report.state {
        p.status_state = s.to_string();
        p.status_details = report.details;
        p.status_description = report.description.or(Some(String::new()));
    }
    if report.manufacturer.is_some() {
        p.manufacturer = report.manufacturer;
        p.model = report.model;
    }
    if report.accepting_jobs.is_some() {
        p.is_accepting_jobs = report.accepting_jobs;
    }
    p.device_attributes = json!({"ipp": ipp_b64, "attributes": report.raw});
}

/// An app's description of its virtual printer: each supplied attribute replaces all values of the stored
/// one, and only the supplied `*-default` values change the Graph defaults; the others keep what was set
/// before (also through JSON).
pub fn apply_virtual_printer_attributes(p: &mut Printer, incoming: Attributes) -> IppResult<()> {
    let supplied_defaults = device_report(&incoming, graph_details()).defaults;
    let mut merged = stored_attributes(&p.device_attributes);
    merged.extend(incoming);
    let report = device_report(&merged, graph_details());
    let ipp_b64 = serialise(&merged)?;
    apply_report(p, report, ipp_b64, false);
    let mut defaults = p.defaults.as_object().cloned().unwrap_or_default();
    defaults.extend(supplied_defaults);
    p.defaults = Json::Object(defaults);
    Ok(())
}

/// The operation attributes a full IPP message may carry without carrying request semantics.
const ENVELOPE: [&str; 2] = ["attributes-charset", "attributes-natural-language"];

/// Decodes the body of the Graph PATCH of a virtual printer (`Content-Type: application/ipp`): either the bare
/// printer-attributes group (tag 0x04, its attributes, and optionally the end-of-attributes tag) or a whole
/// IPP message whose only group is printer attributes. The error is a message for the caller.
pub fn printer_attributes(body: &[u8]) -> Result<Attributes, String> {
    const PRINTER_ATTRIBUTES_TAG: u8 = 0x04;
    const END_OF_ATTRIBUTES_TAG: u8 = 0x03;
    let message = match body.first() {
        None => return Err("The IPP request body is empty; send a printer-attributes group.".into()),
        Some(&PRINTER_ATTRIBUTES_TAG) => {
            // A bare group: give it a message header (version 2.0, operation and request id unused).
            let mut m = vec![2, 0, 0, 0, 0, 0, 0, 1];
            m.extend_from_slice(body);
            if body.last() != Some(&END_OF_ATTRIBUTES_TAG) {
                m.push(END_OF_ATTRIBUTES_TAG);
            }
            m
        }
        Some(_) => body.to_vec(),
    };
    let parsed = parse(&message)
        .map_err(|e| format!("The request body is not an IPP printer-attributes group ({e})."))?;
    let mut printer = BTreeMap::new();
    for g in parsed.message.attributes().groups() {
        match g.tag() {
            DelimiterTag::PrinterAttributes => printer.extend(attribute_map(g)),
            DelimiterTag::OperationAttributes => {
                if let Some(a) = g
                    .attributes()
                    .iter()
                    .map(|a| a.name().as_str())
                    .find(|n| !ENVELOPE.contains(n))
                {
                    return Err(format!(
                        "Operation attributes such as '{a}' are not allowed: the body carries printer attributes only."
                    ));
                }
            }
            other => {
                return Err(format!(
                    "Only printer attributes are allowed in the body, not a {other:?} group."
                ));
            }
        }
    }
    if printer.is_empty() {
        return Err("The IPP body holds no printer attributes.".into());
    }
    Ok(printer)
}

/// The Graph printerProcessingStateDetail names Platen recognises in printer-state-reasons.
pub fn graph_details() -> &'static [&'static str] {
    &[
        "paused",
        "mediaJam",
        "mediaNeeded",
        "mediaLow",
        "mediaEmpty",
        "coverOpen",
        "interlockOpen",
        "outputTrayMissing",
        "outputAreaFull",
        "markerSupplyLow",
        "markerSupplyEmpty",
        "inputTrayMissing",
        "outputAreaAlmostFull",
        "markerWasteAlmostFull",
        "markerWasteFull",
        "fuserOverTemp",
        "fuserUnderTemp",
        "other",
        "movingToPaused",
        "shutdown",
        "connectingToDevice",
        "timedOut",
        "stopping",
        "stoppedPartially",
        "tonerLow",
        "tonerEmpty",
        "spoolAreaFull",
        "doorOpen",
        "opticalPhotoConductorNearEndOfLife",
        "opticalPhotoConductorLifeOver",
        "developerLow",
        "developerEmpty",
        "interpreterResourceUnavailable",
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_text_with_language_overrun_in_a_patch_body_is_refused() {
        let mut body = vec![0x04, 0x35];
        body.extend_from_slice(&12u16.to_be_bytes());
        body.extend_from_slice(b"printer-info");
        body.extend_from_slice(&7u16.to_be_bytes());
        body.extend_from_slice(&[0x00, 0x02, b'e', b'n', 0x00, 0xff, b'x']);
        body.push(0x03);
        let e = printer_attributes(&body).unwrap_err();
        assert!(
            e.starts_with("The request body is not an IPP printer-attributes group"),
            "{e}"
        );
    }

    #[test]
    fn stored_attributes_read_back_whole() {
        let mut attrs = Attributes::new();
        attrs.insert("copies-default".into(), Value::Integer(2));
        attrs.insert(
            "number-up-supported".into(),
            Value::Array(vec![Value::Integer(1), Value::RangeOfInteger { min: 2, max: 16 }]),
        );
        let stored = json!({"ipp": serialise(&attrs).unwrap()});
        assert_eq!(stored_attributes(&stored), attrs);
    }
}
