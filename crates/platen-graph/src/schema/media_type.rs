//! Syntax check for a media type (`type/subtype` with optional `; name=value` parameters, RFC 9110 §8.3.1).

/// RFC 6838 §4.2 limits type and subtype names to 127 characters each.
const MAX_NAME_LEN: usize = 127;

/// `Ok(())` when `text` is a concrete media type such as `application/pdf` or `text/plain; charset="utf-8"`;
/// otherwise a short reason. Wildcards (`*/*`, `image/*`) are refused: a document has one concrete type.
pub(crate) fn check_media_type(text: &str) -> Result<(), String> {
    let (essence, parameters) = text.split_once(';').map_or((text, None), |(e, p)| (e, Some(p)));
    let essence = essence.trim_end_matches([' ', '\t']);
    let Some((kind, subtype)) = essence.split_once('/') else {
        return Err("it has no '/' between type and subtype".to_owned());
    };
    check_name("type", kind)?;
    check_name("subtype", subtype)?;
    match parameters {
        Some(rest) => check_parameters(rest),
        None => Ok(()),
    }
}

fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("its {what} is empty"));
    }
    if name == "*" {
        return Err(format!("its {what} is a wildcard"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!("its {what} is longer than {MAX_NAME_LEN} characters"));
    }
    if !is_token(name) {
        return Err(format!(
            "its {what} '{name}' contains characters that are not allowed"
        ));
    }
    Ok(())
}

/// `*( OWS ";" OWS [ name "=" ( token / quoted-string ) ] )`, given the text after the first `;`.
fn check_parameters(mut rest: &str) -> Result<(), String> {
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            return Ok(());
        }
        if let Some(after) = rest.strip_prefix(';') {
            rest = after;
            continue;
        }
        let Some((name, after_name)) = rest.split_once('=') else {
            return Err(format!("parameter '{rest}' has no '='"));
        };
        if !is_token(name) {
            return Err(format!("parameter name '{name}' is not valid"));
        }
        let after_value = if after_name.starts_with('"') {
            skip_quoted_string(after_name)
                .ok_or_else(|| format!("parameter '{name}' has an unterminated quoted value"))?
        } else {
            let end = after_name.find([' ', '\t', ';']).unwrap_or(after_name.len());
            let (value, tail) = after_name.split_at(end);
            if !is_token(value) {
                return Err(format!("parameter '{name}' has an invalid value '{value}'"));
            }
            tail
        };
        let after_value = after_value.trim_start_matches([' ', '\t']);
        if !(after_value.is_empty() || after_value.starts_with(';')) {
            return Err(format!("unexpected text after parameter '{name}'"));
        }
        rest = after_value;
    }
}

/// Given text starting with `"`, returns what follows the closing quote (None if there is none or a
/// character is not allowed inside a quoted-string).
fn skip_quoted_string(text: &str) -> Option<&str> {
    let mut chars = text.char_indices().skip(1);
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return Some(&text[index + 1..]),
            '\\' => {
                let (_, escaped) = chars.next()?;
                if !is_quotable(escaped) {
                    return None;
                }
            }
            c if !is_quotable(c) => return None,
            _ => {}
        }
    }
    None
}

/// HTAB, SP, visible ASCII and obs-text (non-ASCII).
fn is_quotable(c: char) -> bool {
    c == '\t' || c == ' ' || c.is_ascii_graphic() || !c.is_ascii()
}

fn is_token(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_token_char)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_document_types_are_valid() {
        for ok in [
            "application/pdf",
            "application/oxps",
            "image/pwg-raster",
            "application/vnd.ms-xpsdocument",
            "text/plain; charset=utf-8",
            "text/plain;charset=\"utf-8\"",
            "multipart/mixed; boundary=\"a b;c\"; x=y",
            "application/PDF",
            "text/plain;",
            "text/plain ; a=b",
        ] {
            assert_eq!(check_media_type(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn malformed_types_are_invalid() {
        for bad in [
            "",
            "pdf",
            "application/",
            "/pdf",
            "*/*",
            "image/*",
            "application/pdf extra",
            "application /pdf",
            " application/pdf",
            "application/pdf; charset",
            "application/pdf; charset=\"utf-8",
            "application/pdf; a=b c",
            "application/p(d)f",
            "application/pdf; =x",
            "appli\u{e9}cation/pdf",
        ] {
            assert!(check_media_type(bad).is_err(), "{bad:?} should be invalid");
        }
        assert!(check_media_type(&format!("application/{}", "x".repeat(128))).is_err());
    }
}
