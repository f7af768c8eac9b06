//! A printer share as ordinary IPP clients see it (the IPP Everywhere printer at `ipp/shares/{shareId}` and
//! its DNS-SD advertisement): a stable UUID, and what the share's printer takes and does, read from the Graph
//! printer's `capabilities`. Both the IPP endpoint and the DNS-SD advertiser read these, so a client sees the
//! same printer whichever way it found it.

use crate::records::Printer;
use serde_json::Value;
use uuid::Uuid;

/// The namespace of [`share_printer_uuid`]'s name-based UUIDs (a random UUID fixed once for Platen).
const SHARE_PRINTER_NAMESPACE: Uuid = Uuid::from_u128(0x6c1f_2b0e_8d4a_4f57_9a3e_52b1_0c7d_e913);

/// Formats a printer takes when it has not reported any: what nearly every IPP printer and CUPS queue prints.
pub const DEFAULT_FORMATS: &[&str] = &["application/pdf"];

/// The IPP `printer-uuid` (and DNS-SD `UUID`) of a share's printer: a name-based (v5) UUID of the share id,
/// so it stays the same across restarts, nodes and store migrations, and differs from share to share even
/// when two shares are re-pointed at one printer in turn.
pub fn share_printer_uuid(share_id: &str) -> Uuid {
    Uuid::new_v5(&SHARE_PRINTER_NAMESPACE, share_id.as_bytes())
}

/// What a share's printer takes and does, from the Graph printer's `capabilities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterTraits {
    /// Document formats (MIME types, lower case, no parameters, in the printer's order); [`DEFAULT_FORMATS`]
    /// when it reported none.
    pub formats: Vec<String>,
    /// It prints in color (`colorModes` has `color` or `auto`, or `isColorPrintingSupported`).
    pub color: bool,
    /// It prints on both sides (`duplexModes` has `flipOnLongEdge` or `flipOnShortEdge`).
    pub duplex: bool,
    /// Resolutions in dots per inch (`dpis`), ascending, without duplicates.
    pub resolutions: Vec<u32>,
}

impl PrinterTraits {
    pub fn of(printer: &Printer) -> Self {
        Self::from_capabilities(&printer.capabilities)
    }

    /// Never fails: capabilities come from devices and apps, so whatever is malformed is left out.
    pub fn from_capabilities(caps: &Value) -> Self {
        let mut formats: Vec<String> = Vec::new();
        for format in strings(caps, "contentTypes").filter_map(media_type) {
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        if formats.is_empty() {
            formats = DEFAULT_FORMATS.iter().map(|f| f.to_string()).collect();
        }
        let color = strings(caps, "colorModes").any(|m| m == "color" || m == "auto")
            || caps.get("isColorPrintingSupported") == Some(&Value::Bool(true));
        let duplex = strings(caps, "duplexModes").any(|m| m == "flipOnLongEdge" || m == "flipOnShortEdge");
        let mut resolutions: Vec<u32> = caps
            .get("dpis")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .filter_map(|d| u32::try_from(d).ok())
            .filter(|d| *d > 0)
            .collect();
        resolutions.sort_unstable();
        resolutions.dedup();
        Self {
            formats,
            color,
            duplex,
            resolutions,
        }
    }

    /// Whether it takes Apple raster (`image/urf`), which AirPrint clients send when they do not send PDF.
    pub fn takes_urf(&self) -> bool {
        self.formats.iter().any(|f| f == "image/urf")
    }
}

fn strings<'a>(caps: &'a Value, key: &str) -> impl Iterator<Item = &'a str> {
    caps.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// `type/subtype` of a media type (parameters dropped, lower case), or None when it is not one: the value
/// ends up in IPP keywords and DNS-SD TXT lists, where a space, comma or control character would break it.
fn media_type(raw: &str) -> Option<String> {
    let essence = raw.split(';').next()?.trim().to_ascii_lowercase();
    let (kind, sub) = essence.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    (token(kind) && token(sub)).then_some(essence)
}

/// A short human description of where a printer is, from its Graph `location` (room, floor, building, site,
/// city, whichever are set), e.g. for the DNS-SD `note` and IPP `printer-location`.
pub fn location_note(location: &Value) -> Option<String> {
    let parts: Vec<&str> = ["roomName", "floor", "building", "site", "city"]
        .iter()
        .filter_map(|k| location.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn the_uuid_is_stable_and_differs_between_shares() {
        let a = share_printer_uuid("3f2b8c1e-0000-4000-8000-000000000001");
        assert_eq!(a, share_printer_uuid("3f2b8c1e-0000-4000-8000-000000000001"));
        assert_ne!(a, share_printer_uuid("3f2b8c1e-0000-4000-8000-000000000002"));
        assert_eq!(a.get_version_num(), 5);
        // Pinned: a change would make every client see new printers.
        assert_eq!(
            share_printer_uuid("share-1").to_string(),
            "4f7bb4bf-e293-5857-b6df-06ff9cb5b1c7"
        );
    }

    #[test]
    fn traits_come_from_the_graph_capabilities() {
        let t = PrinterTraits::from_capabilities(&json!({
            "contentTypes": ["application/pdf", "image/urf", "Image/PWG-Raster; q=1", "application/pdf"],
            "colorModes": ["blackAndWhite", "color"],
            "duplexModes": ["oneSided", "flipOnLongEdge"],
            "dpis": [600, 300, 600],
        }));
        assert_eq!(t.formats, ["application/pdf", "image/urf", "image/pwg-raster"]);
        assert!(t.color && t.duplex && t.takes_urf());
        assert_eq!(t.resolutions, [300, 600]);
    }

    #[test]
    fn a_monochrome_simplex_printer_says_so() {
        let t = PrinterTraits::from_capabilities(&json!({
            "contentTypes": ["application/pdf"],
            "colorModes": ["blackAndWhite", "grayscale"],
            "duplexModes": ["oneSided"],
        }));
        assert!(!t.color && !t.duplex && !t.takes_urf());
        assert!(PrinterTraits::from_capabilities(&json!({"isColorPrintingSupported": true})).color);
        assert!(PrinterTraits::from_capabilities(&json!({"colorModes": ["auto"]})).color);
        assert!(PrinterTraits::from_capabilities(&json!({"duplexModes": ["flipOnShortEdge"]})).duplex);
    }

    #[test]
    fn missing_or_malformed_capabilities_fall_back_to_pdf() {
        for caps in [
            json!({}),
            json!(null),
            json!({"contentTypes": "application/pdf"}),
            json!({"contentTypes": [1, null, "", "pdf", "text/plain, image/jpeg", "a b/c", "x/"]}),
            json!({"colorModes": "color", "duplexModes": [true], "dpis": ["300", -1, 0]}),
        ] {
            let t = PrinterTraits::from_capabilities(&caps);
            assert_eq!(t.formats, DEFAULT_FORMATS, "{caps}");
            assert!(!t.color && !t.duplex && t.resolutions.is_empty(), "{caps}");
        }
    }

    #[test]
    fn location_notes_join_what_is_set() {
        assert_eq!(
            location_note(&json!({"roomName": "2.14", "floor": " 2 ", "building": "B1", "city": ""})),
            Some("2.14, 2, B1".to_string())
        );
        assert_eq!(location_note(&json!({"latitude": 1.0})), None);
        assert_eq!(location_note(&json!(null)), None);
    }
}
