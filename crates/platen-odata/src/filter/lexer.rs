//! Tokeniser for `$filter`. Works on bytes (every token boundary is ASCII) and records byte offsets for
//! error messages.

use chrono::{DateTime, NaiveDate, Utc};

use super::SyntaxError;
use crate::limits::MAX_IDENT_LEN;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    LParen,
    RParen,
    Comma,
    Slash,
    /// Identifier or keyword; keywords are recognised by the parser, case-insensitively.
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    DateTime(DateTime<Utc>),
    Guid(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    /// Byte offset of the token's first character.
    pub pos: usize,
}

impl Token {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match &self.tok {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::Slash => "'/'".into(),
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Str(_) => "a string literal".into(),
            Tok::Int(i) => format!("number {i}"),
            Tok::Float(x) => format!("number {x}"),
            Tok::DateTime(_) => "a date/time literal".into(),
            Tok::Guid(g) => format!("GUID {g}"),
        }
    }
}

pub(crate) fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

pub(crate) fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, SyntaxError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'/' => {
                i += 1;
                Tok::Slash
            }
            b'\'' => {
                let (s, end) = string_literal(src, i)?;
                i = end;
                Tok::Str(s)
            }
            // GUIDs and dates can start with a digit or a letter, so they are tried before numbers
            // and identifiers.
            _ if guid_at(b, i) => {
                i += 36;
                Tok::Guid(src[start..i].to_ascii_lowercase())
            }
            _ if date_at(b, i) => {
                let (dt, end) = datetime_literal(src, i)?;
                i = end;
                Tok::DateTime(dt)
            }
            b'-' | b'0'..=b'9' => {
                let (t, end) = number_literal(src, i)?;
                i = end;
                t
            }
            _ if is_ident_start(c) => {
                while i < b.len() && is_ident_char(b[i]) {
                    i += 1;
                }
                if i - start > MAX_IDENT_LEN {
                    return Err(SyntaxError::new(
                        start,
                        format!("identifier is longer than {MAX_IDENT_LEN} characters"),
                    ));
                }
                Tok::Ident(src[start..i].to_owned())
            }
            _ => {
                let ch = src.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
                return Err(SyntaxError::new(i, format!("unexpected character '{ch}'")));
            }
        };
        out.push(Token { tok, pos: start });
    }
    Ok(out)
}

/// `'...'` with `''` as an escaped quote. Returns the content and the offset after the closing quote.
fn string_literal(src: &str, open: usize) -> Result<(String, usize), SyntaxError> {
    let b = src.as_bytes();
    let mut out = String::new();
    let mut seg = open + 1;
    let mut i = open + 1;
    // Scanning bytes for `'` is UTF-8 safe: 0x27 never occurs inside a multi-byte sequence.
    while i < b.len() {
        if b[i] == b'\'' {
            out.push_str(&src[seg..i]);
            if b.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                seg = i;
                continue;
            }
            return Ok((out, i + 1));
        }
        i += 1;
    }
    Err(SyntaxError::new(
        open,
        "unterminated string literal (missing closing ')",
    ))
}

/// 8-4-4-4-12 hex digits, not followed by more identifier characters.
fn guid_at(b: &[u8], i: usize) -> bool {
    let Some(s) = b.get(i..i + 36) else { return false };
    let shape_ok = s.iter().enumerate().all(|(k, &c)| match k {
        8 | 13 | 18 | 23 => c == b'-',
        _ => c.is_ascii_hexdigit(),
    });
    shape_ok && b.get(i + 36).is_none_or(|&c| !is_ident_char(c) && c != b'-')
}

/// `YYYY-MM-DD` at `i`.
fn date_at(b: &[u8], i: usize) -> bool {
    let Some(s) = b.get(i..i + 10) else { return false };
    s.iter().enumerate().all(|(k, &c)| match k {
        4 | 7 => c == b'-',
        _ => c.is_ascii_digit(),
    })
}

/// A date (`2024-01-01`, taken as midnight UTC) or DateTimeOffset (`2024-01-01T10:00:00.5+02:00`).
fn datetime_literal(src: &str, start: usize) -> Result<(DateTime<Utc>, usize), SyntaxError> {
    let b = src.as_bytes();
    let mut i = start + 10;
    let bad = |msg: &str| SyntaxError::new(start, format!("invalid date/time literal: {msg}"));
    if b.get(i).is_some_and(|&c| c == b'T' || c == b't') {
        i += 1;
        while i < b.len() && matches!(b[i], b'0'..=b'9' | b':' | b'.' | b'+' | b'-' | b'Z' | b'z') {
            i += 1;
        }
    }
    let mut text = src[start..i].to_owned();
    // A '+' in an offset that the client forgot to percent-encode arrives as a space (form encoding).
    // `...T10:00:00 02:00` cannot mean anything else, so read it as `+02:00`.
    if text.len() > 10 && !has_zone(&text[11..]) && offset_at(b, i) {
        text.push('+');
        text.push_str(&src[i + 1..i + 6]);
        i += 6;
    }
    if b.get(i).is_some_and(|&c| is_ident_char(c) || c == b'.') {
        return Err(bad("unexpected characters after it"));
    }
    parse_datetime(&text)
        .map(|dt| (dt, i))
        .ok_or_else(|| bad(&format!("'{text}'")))
}

fn has_zone(time: &str) -> bool {
    time.contains(['Z', 'z', '+', '-'])
}

/// ` HH:MM` followed by a token boundary.
fn offset_at(b: &[u8], i: usize) -> bool {
    let Some(s) = b.get(i..i + 6) else { return false };
    s[0] == b' '
        && s[1].is_ascii_digit()
        && s[2].is_ascii_digit()
        && s[3] == b':'
        && s[4].is_ascii_digit()
        && s[5].is_ascii_digit()
        && b.get(i + 6)
            .is_none_or(|&c| !is_ident_char(c) && c != b':' && c != b'.')
}

/// Parse `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]`. A missing zone means UTC (lenient:
/// OData requires one, but some clients omit it and UTC is what Graph stores).
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let date = text.get(..10)?;
    let rest = text.get(10..)?;
    if rest.is_empty() {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc());
    }
    let rest = rest.strip_prefix(['T', 't'])?;
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time, zone) = rest.split_at(zone_at);
    let zone = if zone.is_empty() { "Z" } else { zone };
    // RFC 3339 requires seconds; OData makes them optional.
    let seconds = if time.len() == 5 { ":00" } else { "" };
    let full = format!("{date}T{time}{seconds}{zone}");
    DateTime::parse_from_rfc3339(&full)
        .ok()
        .map(|dt| dt.with_timezone(&Utc))
}

/// `-?digits(.digits)?([eE][+-]?digits)?`, which must end at a token boundary.
fn number_literal(src: &str, start: usize) -> Result<(Tok, usize), SyntaxError> {
    let b = src.as_bytes();
    let digits = |mut i: usize| {
        let from = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        (i, i > from)
    };
    let mut i = start;
    if b[i] == b'-' {
        i += 1;
    }
    let (end, any) = digits(i);
    if !any {
        return Err(SyntaxError::new(start, "unexpected character '-'"));
    }
    i = end;
    let mut is_float = false;
    if b.get(i) == Some(&b'.') {
        let (end, any) = digits(i + 1);
        if !any {
            return Err(SyntaxError::new(
                start,
                "invalid number: expected digits after '.'",
            ));
        }
        i = end;
        is_float = true;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let (end, any) = digits(j);
        if !any {
            return Err(SyntaxError::new(
                start,
                "invalid number: expected digits in the exponent",
            ));
        }
        i = end;
        is_float = true;
    }
    if b.get(i)
        .is_some_and(|&c| is_ident_char(c) || c == b'.' || c == b'-')
    {
        return Err(SyntaxError::new(start, "invalid number literal"));
    }
    let text = &src[start..i];
    let tok = if is_float {
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Tok::Float(x),
            _ => return Err(SyntaxError::new(start, "decimal literal is out of range")),
        }
    } else {
        match text.parse::<i64>() {
            Ok(v) => Tok::Int(v),
            Err(_) => return Err(SyntaxError::new(start, "integer literal is out of range")),
        }
    };
    Ok((tok, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s)
            .expect("tokenize")
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn basic_tokens() {
        assert_eq!(
            toks("a/b eq 'x''y' and (c,1)"),
            vec![
                Tok::Ident("a".into()),
                Tok::Slash,
                Tok::Ident("b".into()),
                Tok::Ident("eq".into()),
                Tok::Str("x'y".into()),
                Tok::Ident("and".into()),
                Tok::LParen,
                Tok::Ident("c".into()),
                Tok::Comma,
                Tok::Int(1),
                Tok::RParen,
            ]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("-5 1.5 2e3 -1.25E-2"),
            vec![
                Tok::Int(-5),
                Tok::Float(1.5),
                Tok::Float(2000.0),
                Tok::Float(-0.0125)
            ]
        );
        assert_eq!(toks("-9223372036854775808"), vec![Tok::Int(i64::MIN)]);
        assert!(tokenize("9223372036854775808").is_err());
        assert!(tokenize("1e999").is_err());
        assert!(tokenize("12abc").is_err());
        assert!(tokenize("1.").is_err());
        assert!(tokenize("-x").is_err());
    }

    #[test]
    fn guids() {
        assert_eq!(
            toks("ABCDEF01-2345-6789-abcd-ef0123456789"),
            vec![Tok::Guid("abcdef01-2345-6789-abcd-ef0123456789".into())]
        );
        assert_eq!(
            toks("12345678-1234-1234-1234-123456789012)"),
            vec![
                Tok::Guid("12345678-1234-1234-1234-123456789012".into()),
                Tok::RParen
            ]
        );
    }

    #[test]
    fn datetimes() {
        let dt = |s: &str| match toks(s).as_slice() {
            [Tok::DateTime(d)] => d.to_rfc3339(),
            other => panic!("{other:?}"),
        };
        assert_eq!(dt("2024-01-01T00:00:00Z"), "2024-01-01T00:00:00+00:00");
        assert_eq!(dt("2024-01-01T02:00:00+02:00"), "2024-01-01T00:00:00+00:00");
        assert_eq!(dt("2024-01-01T02:00:00 02:00"), "2024-01-01T00:00:00+00:00");
        assert_eq!(
            dt("2024-01-01T00:00:00.123456Z"),
            "2024-01-01T00:00:00.123456+00:00"
        );
        assert_eq!(dt("2024-01-01T10:30Z"), "2024-01-01T10:30:00+00:00");
        assert_eq!(dt("2024-01-01T10:30:00"), "2024-01-01T10:30:00+00:00");
        assert_eq!(dt("2024-01-01"), "2024-01-01T00:00:00+00:00");
        assert!(tokenize("2024-13-01T00:00:00Z").is_err());
        assert!(tokenize("2024-01-01Tfoo").is_err());
        assert!(tokenize("2024-01-01x").is_err());
    }

    #[test]
    fn errors_have_positions() {
        let e = tokenize("a eq 'abc").expect_err("unterminated");
        assert_eq!(e.pos, 5);
        let e = tokenize("a eq #").expect_err("bad char");
        assert_eq!(e.pos, 5);
        assert!(e.message.contains('#'));
        assert!(tokenize(&"a".repeat(MAX_IDENT_LEN + 1)).is_err());
    }

    #[test]
    fn unicode_in_strings_and_errors() {
        assert_eq!(toks("'héllo'"), vec![Tok::Str("héllo".into())]);
        let e = tokenize("é").expect_err("non-ascii ident");
        assert!(e.message.contains('é'));
    }
}
