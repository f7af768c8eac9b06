//! What a value's bytes must be for its tag (RFC 8010 §3.5, §3.9) before `ipp::value::IppValue::parse` may
//! see them. Fixed-size values must have exactly their size: `IppValue::parse` would ignore extra bytes.
//! textWithLanguage and nameWithLanguage must hold exactly a length-prefixed language and a length-prefixed
//! text: `IppValue::parse` slices by the inner lengths without checking them, which panics.
//! String length limits and UTF-8 are left to `IppValue::parse`, which reports them as errors.

/// Value tags the `ipp` crate decodes (0x10-0x4a): beyond that are tags no IPP version defines, and 0x7f,
/// the extension tag (RFC 8010 §3.5.2), which no IPP/2.x attribute uses.
pub(super) fn check_tag(tag: u8) -> Result<(), String> {
    if tag > 0x4a {
        return Err(format!("unsupported value tag 0x{tag:02x}"));
    }
    Ok(())
}

pub(super) fn check(tag: u8, bytes: &[u8]) -> Result<(), String> {
    let exact = |n: usize, what: &str| {
        if bytes.len() == n {
            Ok(())
        } else {
            Err(format!(
                "{what} value (tag 0x{tag:02x}) of {} bytes, not {n}",
                bytes.len()
            ))
        }
    };
    match tag {
        0x21 => exact(4, "an integer"),
        0x22 => exact(1, "a boolean"),
        0x23 => exact(4, "an enum"),
        0x31 => exact(11, "a dateTime"),
        0x32 => exact(9, "a resolution"),
        0x33 => exact(8, "a rangeOfInteger"),
        0x35 | 0x36 => with_language(tag, bytes),
        _ => Ok(()),
    }
}

/// textWithLanguage / nameWithLanguage (RFC 8010 §3.9): u16 a, a bytes of language, u16 b, b bytes of text,
/// and the value-length is exactly 4 + a + b.
fn with_language(tag: u8, bytes: &[u8]) -> Result<(), String> {
    let err = |why: &str| Err(format!("a withLanguage value (tag 0x{tag:02x}): {why}"));
    let Some((a, rest)) = bytes.split_first_chunk::<2>() else {
        return err("no language length");
    };
    let a = usize::from(u16::from_be_bytes(*a));
    if rest.len() < a {
        return err("the language is longer than the value");
    }
    let Some((b, text)) = rest[a..].split_first_chunk::<2>() else {
        return err("no text length");
    };
    let b = usize::from(u16::from_be_bytes(*b));
    if text.len() != b {
        return err("the text length does not match the value length");
    }
    Ok(())
}
