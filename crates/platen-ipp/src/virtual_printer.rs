//! The Graph side's IPP payload: an app configures the virtual printer it registered with
//! `PATCH /print/printers/{id}` and `Content-Type: application/ipp` (graph-print-api.md, flow 3.2 step 3).
//! The body is an IPP printer-attributes group (RFC 8010 encoding): `*-default`, `*-supported`, `*-ready`
//! and printer description attributes. Each supplied attribute replaces all values of the stored one, and
//! the Graph printer's capabilities, defaults, status, manufacturer, model and isAcceptingJobs follow, as
//! they do when a device reports itself with Update-Output-Device-Attributes.

use crate::mapping::{attribute_map, device_report};
use crate::message::Value;
use crate::printer::{apply_report, platen_graph_details, serialise, stored_attributes};
use ipp::prelude::*;
use platen_app::{App, AppError};
use platen_domain::Caller;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The operation attributes a full IPP message may carry without carrying request semantics.
const ENVELOPE: [&str; 2] = ["attributes-charset", "attributes-natural-language"];

/// Decodes the request body: either the bare printer-attributes group (tag 0x04, its attributes, and
/// optionally the end-of-attributes tag) or a whole IPP message whose only group is printer attributes.
pub fn printer_attributes(body: &[u8]) -> Result<BTreeMap<String, Value>, String> {
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
    let parsed = ipp::parser::IppParser::new(ipp::reader::IppReader::new(std::io::Cursor::new(message)))
        .parse()
        .map_err(|e| format!("The request body is not an IPP printer-attributes group ({e})."))?;
    let mut printer = BTreeMap::new();
    for g in parsed.attributes().groups() {
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

/// Stores the supplied attributes on the caller's virtual printer and maps them to its Graph properties.
pub async fn update_virtual_printer(
    app: &App,
    caller: &Caller,
    printer_id: &str,
    incoming: BTreeMap<String, Value>,
) -> Result<(), AppError> {
    // Only the supplied `*-default` values change the Graph defaults; the others keep what was set before
    // (also through JSON).
    let supplied_defaults = device_report(&incoming, platen_graph_details()).defaults;
    app.update_printer_with(caller, printer_id, move |p| {
        let mut merged = stored_attributes(&p.device_attributes);
        merged.extend(incoming);
        let report = device_report(&merged, platen_graph_details());
        let ipp_b64 = serialise(&merged).map_err(|f| AppError::Internal(f.message))?;
        apply_report(p, report, ipp_b64, false);
        let mut defaults = p.defaults.as_object().cloned().unwrap_or_default();
        defaults.extend(supplied_defaults);
        p.defaults = Json::Object(defaults);
        Ok(())
    })
    .await?;
    Ok(())
}
