//! What the connector tells the Infrastructure Printer about the local printer: the printer description
//! attributes for Update-Output-Device-Attributes, and manufacturer/model for registration.

use crate::host::HostInfo;
use crate::msg::{self, Response, v};
use ipp::attribute::IppAttribute;
use ipp::model::DelimiterTag;

/// Attributes that describe the local endpoint rather than the device (its URIs, its own IPP features,
/// clocks), or that the Infrastructure Printer answers for itself.
const LOCAL_ONLY: &[&str] = &[
    "charset-configured",
    "charset-supported",
    "compression-supported",
    "generated-natural-language-supported",
    "ipp-features-supported",
    "ipp-versions-supported",
    "job-ids-supported",
    "multiple-operation-time-out",
    "multiple-operation-time-out-action",
    "natural-language-configured",
    "operations-supported",
    "printer-config-change-date-time",
    "printer-config-change-time",
    "printer-current-time",
    "printer-dns-sd-name",
    "printer-get-attributes-supported",
    "printer-icons",
    "printer-more-info",
    "printer-name",
    "printer-state-change-date-time",
    "printer-state-change-time",
    "printer-strings-languages-supported",
    "printer-strings-uri",
    "printer-supply-info-uri",
    "printer-up-time",
    "printer-uri-supported",
    "printer-uuid",
    "printer-xri-supported",
    "reference-uri-schemes-supported",
    "uri-authentication-supported",
    "uri-security-supported",
    "which-jobs-supported",
];

/// The printer-attributes group to send with Update-Output-Device-Attributes.
pub fn output_device_attributes(local: &Response, host: &HostInfo) -> Vec<IppAttribute> {
    let mut out: Vec<IppAttribute> = local
        .group(DelimiterTag::PrinterAttributes)
        .map(|g| {
            g.attributes()
                .iter()
                .filter(|a| !LOCAL_ONLY.contains(&a.name().as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    // The connector's identity, under the names Universal Print connectors use.
    for (name, value) in [
        (
            "Microsoft-universal-print-connector-app-version",
            host.app_version.as_str(),
        ),
        (
            "Microsoft-universal-print-connector-operating-system",
            host.operating_system.as_str(),
        ),
    ] {
        out.push(IppAttribute::new(
            ipp::value::BoundedString::new_truncated(name),
            v::text(value),
        ));
    }
    out
}

/// A digest of the attributes that matter for change detection (what would be sent, minus nothing).
pub fn fingerprint(attrs: &[IppAttribute]) -> Vec<u8> {
    attrs.iter().flat_map(|a| a.to_bytes().to_vec()).collect()
}

/// (manufacturer, model) of the local printer: from `printer-device-id` (IEEE 1284 `MFG:`/`MDL:`) when
/// present, else by splitting `printer-make-and-model` at its first space.
pub fn make_and_model(local: &Response) -> (String, String) {
    let g = local.group(DelimiterTag::PrinterAttributes);
    let device_id = g
        .and_then(|g| msg::string(g, "printer-device-id"))
        .unwrap_or_default();
    let field = |keys: &[&str]| {
        device_id.split(';').find_map(|kv| {
            let (k, val) = kv.split_once(':')?;
            keys.iter()
                .any(|key| k.trim().eq_ignore_ascii_case(key))
                .then(|| val.trim().to_string())
                .filter(|s| !s.is_empty())
        })
    };
    let make_model = g
        .and_then(|g| msg::string(g, "printer-make-and-model"))
        .unwrap_or_default();
    let (split_make, split_model) = match make_model.trim().split_once(' ') {
        Some((m, rest)) => (m.to_string(), rest.trim().to_string()),
        None => (make_model.trim().to_string(), make_model.trim().to_string()),
    };
    let make = field(&["MFG", "MANUFACTURER"]).unwrap_or(split_make);
    let model = field(&["MDL", "MODEL"]).unwrap_or(split_model);
    (
        if make.is_empty() { "Unknown".into() } else { make },
        if model.is_empty() {
            "IPP Printer".into()
        } else {
            model
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::Request;

    fn printer(build: impl FnOnce(&mut Request)) -> Response {
        let mut r = Request::new(0, 1, "ipp://h/p").unwrap();
        build(&mut r);
        Response::parse(&r.to_bytes(), "test").unwrap()
    }

    fn host() -> HostInfo {
        HostInfo {
            fqdn: "h".into(),
            operating_system: "Linux".into(),
            app_version: "platen-connector/0.1.0".into(),
        }
    }

    #[test]
    fn local_endpoint_attributes_are_not_forwarded() {
        let p = printer(|r| {
            r.add(
                DelimiterTag::PrinterAttributes,
                "printer-uri-supported",
                v::uri("ipp://localhost:8631/ipp/print"),
            );
            r.add(
                DelimiterTag::PrinterAttributes,
                "media-supported",
                v::keywords(&["iso_a4_210x297mm"]),
            );
            r.add(DelimiterTag::PrinterAttributes, "printer-state", v::enumv(3));
            r.add(
                DelimiterTag::PrinterAttributes,
                "operations-supported",
                v::enums(&[2, 4]),
            );
            r.add(
                DelimiterTag::PrinterAttributes,
                "document-format-supported",
                v::mimes(&["application/pdf"]),
            );
        });
        let names: Vec<String> = output_device_attributes(&p, &host())
            .iter()
            .map(|a| a.name().as_str().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "media-supported",
                "printer-state",
                "document-format-supported",
                "Microsoft-universal-print-connector-app-version",
                "Microsoft-universal-print-connector-operating-system"
            ]
        );
    }

    #[test]
    fn make_and_model_prefers_the_device_id() {
        let p = printer(|r| {
            r.add(
                DelimiterTag::PrinterAttributes,
                "printer-make-and-model",
                v::text("Example Printer"),
            );
            r.add(
                DelimiterTag::PrinterAttributes,
                "printer-device-id",
                v::text("MFG:Contoso;MDL:L 100;CMD:PDF;"),
            );
        });
        assert_eq!(make_and_model(&p), ("Contoso".into(), "L 100".into()));
        let p = printer(|r| {
            r.add(
                DelimiterTag::PrinterAttributes,
                "printer-make-and-model",
                v::text("HP LaserJet 400"),
            );
        });
        assert_eq!(make_and_model(&p), ("HP".into(), "LaserJet 400".into()));
        assert_eq!(
            make_and_model(&printer(|_| {})),
            ("Unknown".into(), "IPP Printer".into())
        );
    }
}
