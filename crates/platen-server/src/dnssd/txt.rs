//! The TXT record of a share's `_ipp._tcp` / `_ipps._tcp` service: the keys IPP Everywhere and AirPrint
//! clients read (Apple's "Bonjour Printing Specification" 1.2.1, PWG 5100.14 §5.4). Pure, so every key is
//! tested here.

use platen_domain::records::{Printer, Share};
use platen_domain::share_printer::{PrinterTraits, location_note};
use platen_domain::share_printer_uuid;

/// One TXT string (`key=value`) is at most 255 bytes (RFC 6763 §6.1).
const MAX_ENTRY: usize = 255;

/// The TXT record of `share` (whose printer is `printer`) on the listener at `public_url`; `tls` for
/// `_ipps._tcp`. In the order clients expect (`txtvers` first).
pub fn txt_record(share: &Share, printer: &Printer, public_url: &str, tls: bool) -> Vec<(String, String)> {
    let traits = PrinterTraits::of(printer);
    let flag = |b: bool| if b { "T" } else { "F" }.to_string();
    let mut txt: Vec<(&str, String)> = vec![
        ("txtvers", "1".into()),
        ("qtotal", "1".into()),
        ("rp", format!("ipp/shares/{}", share.id)),
        ("ty", make_and_model(share, printer)),
        ("adminurl", public_url.to_string()),
    ];
    if let Some(note) = location_note(&printer.location) {
        txt.push(("note", note));
    }
    txt.extend([
        ("priority", "50".to_string()),
        ("product", "(Platen)".into()),
        ("pdl", formats(&traits.formats)),
        // iOS lists a printer only with a non-empty URF; `none` says "no Apple raster, send PDF".
        (
            "URF",
            if traits.takes_urf() {
                urf(&traits)
            } else {
                "none".into()
            },
        ),
        ("UUID", share_printer_uuid(&share.id).to_string()),
        ("Color", flag(traits.color)),
        ("Duplex", flag(traits.duplex)),
    ]);
    if tls {
        txt.push(("TLS", "1.2".into()));
    }
    // The share's IPP endpoint asks for a user name and password (HTTP Basic); with this key macOS and iOS
    // ask the user for them instead of failing the job.
    txt.push(("air", "username,password".into()));
    txt.push(("kind", "document".into()));
    txt.into_iter()
        .map(|(k, v)| {
            let v = fit(&v, MAX_ENTRY - k.len() - 1);
            (k.to_string(), v)
        })
        .collect()
}

/// `ty`: the printer's make and model, else its name, else the share's.
fn make_and_model(share: &Share, printer: &Printer) -> String {
    let make_model = [&printer.manufacturer, &printer.model]
        .iter()
        .filter_map(|s| s.as_deref().map(str::trim))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    [
        make_model.as_str(),
        printer.display_name.trim(),
        share.display_name.trim(),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or("Platen printer")
    .to_string()
}

/// `pdl`: the formats, comma-separated, as many whole ones as fit in one TXT string (PDF and Apple raster
/// first: iOS lists a printer only if `pdl` names one of them).
fn formats(formats: &[String]) -> String {
    let mut ordered: Vec<&str> = formats
        .iter()
        .map(String::as_str)
        .filter(|f| *f == "application/pdf" || *f == "image/urf")
        .collect();
    ordered.extend(
        formats
            .iter()
            .map(String::as_str)
            .filter(|f| *f != "application/pdf" && *f != "image/urf"),
    );
    let mut out = String::new();
    for f in ordered {
        if out.len() + 1 + f.len() > MAX_ENTRY - "pdl=".len() {
            break;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(f);
    }
    out
}

/// `URF`: what the printer does with Apple raster: version, one copy at a time, 8-bit gray (and 24-bit sRGB
/// when it prints color), duplex, and its resolutions (300 dpi when it reported none).
fn urf(traits: &PrinterTraits) -> String {
    let mut keys = vec!["V1.4".to_string(), "CP1".into(), "W8".into()];
    if traits.color {
        keys.push("SRGB24".into());
    }
    if traits.duplex {
        keys.push("DM1".into());
    }
    let resolutions = if traits.resolutions.is_empty() {
        "300".to_string()
    } else {
        traits
            .resolutions
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("-")
    };
    keys.push(format!("RS{resolutions}"));
    keys.join(",")
}

/// `value` cut to at most `max` bytes at a character boundary, without control characters.
fn fit(value: &str, max: usize) -> String {
    let mut out = String::new();
    for c in value.chars().map(|c| if c.is_control() { ' ' } else { c }) {
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn share() -> Share {
        Share {
            tenant_id: "t".into(),
            id: "0b5e7c2a-1111-4222-8333-444455556666".into(),
            printer_id: "p".into(),
            display_name: "Lobby".into(),
            allow_all_users: true,
            created_at: 1,
        }
    }

    fn printer(capabilities: serde_json::Value) -> Printer {
        let mut p = base_printer();
        p.capabilities = capabilities;
        p
    }

    /// A printer record as the store returns it.
    fn base_printer() -> Printer {
        Printer {
            tenant_id: "t".into(),
            id: "p".into(),
            display_name: "Lobby printer".into(),
            manufacturer: Some("Contoso".into()),
            model: Some("L1".into()),
            is_accepting_jobs: None,
            status_state: "idle".into(),
            status_details: vec![],
            status_description: None,
            location: json!({"roomName": "Lobby", "building": "B1"}),
            defaults: json!({}),
            factory_defaults: json!({}),
            capabilities: json!({}),
            registered_at: 0,
            is_shared: true,
            has_physical_device: true,
            physical_device_id: None,
            last_seen_at: None,
            connector_id: None,
            registered_by_app: None,
            certificate: None,
            device_attributes: json!(null),
        }
    }

    fn get<'a>(txt: &'a [(String, String)], key: &str) -> Option<&'a str> {
        txt.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn an_airprint_printer_gets_every_key() {
        let p = printer(json!({
            "contentTypes": ["image/pwg-raster", "image/urf", "application/pdf"],
            "colorModes": ["color"], "duplexModes": ["oneSided", "flipOnLongEdge"], "dpis": [300, 600],
        }));
        let txt = txt_record(&share(), &p, "https://print.example:8443", true);
        let keys: Vec<&str> = txt.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "txtvers", "qtotal", "rp", "ty", "adminurl", "note", "priority", "product", "pdl", "URF",
                "UUID", "Color", "Duplex", "TLS", "air", "kind"
            ]
        );
        assert_eq!(
            get(&txt, "rp"),
            Some("ipp/shares/0b5e7c2a-1111-4222-8333-444455556666")
        );
        assert_eq!(get(&txt, "ty"), Some("Contoso L1"));
        assert_eq!(get(&txt, "note"), Some("Lobby, B1"));
        assert_eq!(get(&txt, "adminurl"), Some("https://print.example:8443"));
        assert_eq!(
            get(&txt, "pdl"),
            Some("image/urf,application/pdf,image/pwg-raster")
        );
        assert_eq!(get(&txt, "URF"), Some("V1.4,CP1,W8,SRGB24,DM1,RS300-600"));
        assert_eq!(
            get(&txt, "UUID").unwrap(),
            share_printer_uuid(&share().id).to_string()
        );
        assert_eq!((get(&txt, "Color"), get(&txt, "Duplex")), (Some("T"), Some("T")));
        assert_eq!(get(&txt, "TLS"), Some("1.2"));
        assert_eq!(get(&txt, "air"), Some("username,password"));
        assert_eq!(get(&txt, "product"), Some("(Platen)"));
        assert_eq!(get(&txt, "kind"), Some("document"));
    }

    #[test]
    fn plain_ipp_has_no_tls_key_and_a_pdf_printer_says_urf_none() {
        let p = printer(json!({"contentTypes": ["application/pdf"], "colorModes": ["blackAndWhite"]}));
        let txt = txt_record(&share(), &p, "http://print.example:8080", false);
        assert_eq!(get(&txt, "TLS"), None);
        assert_eq!(get(&txt, "URF"), Some("none"));
        assert_eq!(get(&txt, "pdl"), Some("application/pdf"));
        assert_eq!((get(&txt, "Color"), get(&txt, "Duplex")), (Some("F"), Some("F")));
    }

    #[test]
    fn a_printer_that_reported_nothing_is_advertised_as_a_pdf_printer_named_after_itself() {
        let mut p = printer(json!(null));
        p.manufacturer = None;
        p.model = Some("  ".into());
        p.location = json!({});
        let txt = txt_record(&share(), &p, "http://h", false);
        assert_eq!(get(&txt, "pdl"), Some("application/pdf"));
        assert_eq!(get(&txt, "ty"), Some("Lobby printer"));
        assert_eq!(get(&txt, "note"), None);
    }

    #[test]
    fn every_entry_fits_in_a_txt_string() {
        let many: Vec<String> = (0..60).map(|i| format!("application/x-format-{i}")).collect();
        let mut p = printer(json!({"contentTypes": many}));
        p.manufacturer = Some("Ä".repeat(200));
        p.location = json!({"roomName": "x\u{7}y".repeat(100)});
        let txt = txt_record(&share(), &p, "http://h", false);
        for (k, v) in &txt {
            assert!(k.len() + 1 + v.len() <= 255, "{k} is {} bytes", v.len());
            assert!(!v.chars().any(char::is_control), "{k}");
        }
        let pdl = get(&txt, "pdl").unwrap();
        assert!(
            pdl.split(',').all(|f| f.starts_with("application/x-format-")),
            "{pdl}"
        );
        assert!(get(&txt, "ty").unwrap().chars().all(|c| c == 'Ä'));
    }
}
