//! PEM and base64 wrapping of DER structures.
//!
//! Clients are inconsistent about how they wrap a CSR (PEM, base64 with or without padding, the
//! URL-safe alphabet, line breaks, even base64 of the PEM text), so decoding is deliberately
//! lenient about the wrapping and strict about the DER inside.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Largest textual input accepted. Real CSRs and certificates are a few KiB; the cap bounds the
/// work a hostile client can cause.
pub(crate) const MAX_INPUT_LEN: usize = 64 * 1024;

const LENIENT_PADDING: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT_PADDING);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT_PADDING);

const PEM_BEGIN: &str = "-----BEGIN ";
const PEM_DASHES: &str = "-----";

/// Decodes `input` (PEM with one of `pem_labels`, or base64 of DER, or base64 of such PEM) to DER.
/// `what` names the object in error messages, e.g. "certificate signing request".
pub(crate) fn decode_der(input: &str, pem_labels: &[&str], what: &str) -> Result<Vec<u8>, String> {
    if input.len() > MAX_INPUT_LEN {
        return Err(format!("{what} is larger than {MAX_INPUT_LEN} bytes"));
    }
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(format!("{what} is empty"));
    }
    let der = if trimmed.starts_with(PEM_BEGIN) {
        decode_pem(trimmed, pem_labels, what)?
    } else {
        let decoded =
            decode_base64(trimmed).ok_or_else(|| format!("{what} is neither PEM nor base64-encoded DER"))?;
        match std::str::from_utf8(&decoded) {
            // Some clients base64-encode the PEM text itself.
            Ok(text) if text.trim_start().starts_with(PEM_BEGIN) => {
                decode_pem(text.trim(), pem_labels, what)?
            }
            _ => decoded,
        }
    };
    if der.is_empty() {
        return Err(format!("{what} is empty"));
    }
    Ok(der)
}

fn decode_pem(text: &str, pem_labels: &[&str], what: &str) -> Result<Vec<u8>, String> {
    let malformed = || format!("{what} is not well-formed PEM");
    let after_begin = text.strip_prefix(PEM_BEGIN).ok_or_else(malformed)?;
    let (label, rest) = after_begin.split_once(PEM_DASHES).ok_or_else(malformed)?;
    if !pem_labels.contains(&label) {
        let label: String = label.chars().take(40).collect();
        return Err(format!(
            "expected a PEM block labelled {}, found \"{label}\"",
            pem_labels.join(" or ")
        ));
    }
    let end_marker = format!("-----END {label}-----");
    let (body, _) = rest
        .split_once(&end_marker)
        .ok_or_else(|| format!("{what} PEM has no END line"))?;
    decode_base64(body).ok_or_else(|| format!("{what} PEM body is not valid base64"))
}

/// Wraps DER in PEM with the conventional 64-character lines.
pub(crate) fn encode_pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    // Base64 output is ASCII, so splitting the bytes never splits a character.
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// Decodes base64 in either alphabet, ignoring whitespace and tolerating missing padding.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let engine = if compact.contains(['-', '_']) {
        &URL_SAFE_LENIENT
    } else {
        &STANDARD_LENIENT
    };
    engine.decode(compact.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: &[&str] = &["THING"];

    #[test]
    fn accepts_each_wrapping_of_the_same_bytes() {
        let der = vec![0x30, 0x03, 0xfb, 0xff, 0xfe];
        let standard = base64::engine::general_purpose::STANDARD.encode(&der);
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&der);
        let pem = format!("-----BEGIN THING-----\n{standard}\n-----END THING-----\n");
        let pem_in_base64 = base64::engine::general_purpose::STANDARD.encode(&pem);
        for input in [
            standard.as_str(),
            url_safe.as_str(),
            pem.as_str(),
            pem_in_base64.as_str(),
        ] {
            assert_eq!(
                decode_der(input, LABELS, "thing"),
                Ok(der.clone()),
                "input {input:?}"
            );
        }
        let with_breaks = format!(" {}\r\n{} ", &standard[..4], &standard[4..]);
        assert_eq!(decode_der(&with_breaks, LABELS, "thing"), Ok(der));
    }

    #[test]
    fn pem_round_trips() {
        let der: Vec<u8> = (0..=255).collect();
        let pem = encode_pem("THING", &der);
        assert!(pem.lines().all(|line| line.len() <= 64));
        assert_eq!(decode_der(&pem, LABELS, "thing"), Ok(der));
    }

    #[test]
    fn rejects_wrong_label_missing_end_and_garbage() {
        let wrong = "-----BEGIN OTHER-----\nMAMB\n-----END OTHER-----";
        assert!(decode_der(wrong, LABELS, "thing").unwrap_err().contains("OTHER"));
        let unterminated = "-----BEGIN THING-----\nMAMB\n";
        assert!(
            decode_der(unterminated, LABELS, "thing")
                .unwrap_err()
                .contains("END")
        );
        assert!(decode_der("not base64 at all!", LABELS, "thing").is_err());
        assert!(decode_der("   ", LABELS, "thing").unwrap_err().contains("empty"));
        assert!(decode_der(&"A".repeat(MAX_INPUT_LEN + 1), LABELS, "thing").is_err());
    }
}
