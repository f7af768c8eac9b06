//! Parsing raw URL query strings into [`QueryOptions`], and rebuilding them for next links.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::error::ODataError;
use crate::filter::{is_ident_char, is_ident_start, parse_filter};
use crate::limits::{
    MAX_EXPAND_DEPTH, MAX_EXPAND_ITEMS, MAX_IDENT_LEN, MAX_ORDERBY_ITEMS, MAX_PATH_SEGMENTS, MAX_QUERY_LEN,
    MAX_SELECT_ITEMS, MAX_TOP_SKIP,
};
use crate::query::{Expand, OrderBy, QueryOption, QueryOptions};

/// Parse a raw (still percent-encoded) URL query string, e.g. `$filter=displayName%20eq%20'x'&$top=5`.
///
/// Option names are case-insensitive and the `$` prefix is optional (`filter=` == `$filter=`), as Graph
/// beta allows. `+` means space (form encoding). Duplicate system options, empty values, unknown
/// `$`-prefixed options, malformed numbers and out-of-range `$top`/`$skip` are errors. Parameters that
/// are not system options (e.g. `tempauthtoken=` or `validationToken=`) are ignored. Leading `?`s are
/// tolerated (all of them, as [`next_link_query`] drops them all: a `??$top=1` must mean the same on every page).
pub fn parse_query(raw: &str) -> Result<QueryOptions, ODataError> {
    if raw.len() > MAX_QUERY_LEN {
        return Err(ODataError::InvalidQuery(format!(
            "the query string is longer than {MAX_QUERY_LEN} bytes"
        )));
    }
    let raw = raw.trim_start_matches('?');
    let mut opts = QueryOptions::default();
    let mut seen = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        // A name that does not decode cannot be a system option; leave it to whoever owns it.
        let Some(name) = decode(raw_name) else { continue };
        let Some(option) = classify(&name)? else { continue };
        let value = decode(raw_value).ok_or_else(|| {
            ODataError::option(option.name(), "the value is not valid percent-encoded UTF-8")
        })?;
        apply(&mut opts, &mut seen, option, &value, 0)?;
    }
    Ok(opts)
}

/// Percent-decode one query component, with `+` as space. `None` if the result is not UTF-8.
fn decode(component: &str) -> Option<String> {
    let spaced: Cow<'_, str> = if component.contains('+') {
        Cow::Owned(component.replace('+', " "))
    } else {
        Cow::Borrowed(component)
    };
    percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(Cow::into_owned)
}

/// Which system option a parameter name denotes. `Ok(None)`: not ours (no `$`, unknown name).
fn classify(name: &str) -> Result<Option<QueryOption>, ODataError> {
    match QueryOption::from_name(name) {
        Some(o) => Ok(Some(o)),
        None if name.starts_with('$') => Err(ODataError::UnknownOption(name.to_owned())),
        None => Ok(None),
    }
}

fn apply(
    opts: &mut QueryOptions,
    seen: &mut Vec<QueryOption>,
    option: QueryOption,
    value: &str,
    depth: usize,
) -> Result<(), ODataError> {
    let name = option.name();
    if seen.contains(&option) {
        return Err(ODataError::DuplicateOption(name.to_owned()));
    }
    seen.push(option);
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ODataError::option(name, "the value is empty"));
    }
    match option {
        QueryOption::Select => opts.select = Some(parse_select(trimmed)?),
        QueryOption::Filter => opts.filter = Some(parse_filter(value)?),
        QueryOption::OrderBy => opts.orderby = parse_orderby(trimmed)?,
        QueryOption::Top => opts.top = Some(parse_count_value(name, trimmed)?),
        QueryOption::Skip => opts.skip = Some(parse_count_value(name, trimmed)?),
        QueryOption::SkipToken => opts.skiptoken = Some(trimmed.to_owned()),
        QueryOption::Count => {
            opts.count = Some(match trimmed.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(ODataError::option(name, "expected 'true' or 'false'")),
            })
        }
        QueryOption::Expand => opts.expand = parse_expand(trimmed, depth + 1)?,
        // Free text: kept as sent (the route decides whether and how to search).
        QueryOption::Search => opts.search = Some(value.to_owned()),
        QueryOption::Format => opts.format = Some(trimmed.to_owned()),
        QueryOption::Id if depth > 0 => {
            return Err(ODataError::option(
                name,
                "it names an entity and cannot be nested in $expand",
            ));
        }
        QueryOption::Id => opts.id = Some(trimmed.to_owned()),
    }
    Ok(())
}

/// `$top`/`$skip`: ASCII digits only (no sign, no exponent), at most [`MAX_TOP_SKIP`].
fn parse_count_value(name: &str, s: &str) -> Result<u64, ODataError> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ODataError::option(
            name,
            format!("'{s}' is not a non-negative integer"),
        ));
    }
    match s.parse::<u64>() {
        Ok(n) if n <= MAX_TOP_SKIP => Ok(n),
        _ => Err(ODataError::option(
            name,
            format!("the value must not exceed {MAX_TOP_SKIP}"),
        )),
    }
}

/// An OData simple identifier, ASCII only (every Graph property name is).
fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && b.len() <= MAX_IDENT_LEN && is_ident_start(b[0]) && b.iter().all(|&c| is_ident_char(c))
}

/// `a/b/c` of identifiers.
fn is_path(s: &str) -> bool {
    let mut n = 0;
    s.split('/').all(|seg| {
        n += 1;
        n <= MAX_PATH_SEGMENTS && is_identifier(seg)
    })
}

fn parse_select(s: &str) -> Result<Vec<String>, ODataError> {
    let mut out: Vec<String> = Vec::new();
    for item in s.split(',').map(str::trim) {
        if item != "*" && !is_identifier(item) {
            let what = if item.is_empty() {
                "an empty item".to_owned()
            } else {
                format!("'{item}'")
            };
            return Err(ODataError::option(
                "$select",
                format!("{what} is not a property name"),
            ));
        }
        if !out.iter().any(|s| s == item) {
            out.push(item.to_owned());
        }
        if out.len() > MAX_SELECT_ITEMS {
            return Err(ODataError::option(
                "$select",
                format!("at most {MAX_SELECT_ITEMS} properties"),
            ));
        }
    }
    Ok(out)
}

fn parse_orderby(s: &str) -> Result<Vec<OrderBy>, ODataError> {
    let mut out: Vec<OrderBy> = Vec::new();
    for item in s.split(',') {
        let mut words = item.split_whitespace();
        let (Some(path), dir, None) = (words.next(), words.next(), words.next()) else {
            return Err(ODataError::option(
                "$orderby",
                format!("'{}' is not 'property [asc|desc]'", item.trim()),
            ));
        };
        if !is_path(path) {
            return Err(ODataError::option(
                "$orderby",
                format!("'{path}' is not a property path"),
            ));
        }
        let descending = match dir.map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(ODataError::option(
                    "$orderby",
                    format!("expected 'asc' or 'desc', found '{other}'"),
                ));
            }
        };
        if out.iter().any(|o| o.path.eq_ignore_ascii_case(path)) {
            return Err(ODataError::option(
                "$orderby",
                format!("property '{path}' is listed more than once"),
            ));
        }
        out.push(OrderBy {
            path: path.to_owned(),
            descending,
        });
        if out.len() > MAX_ORDERBY_ITEMS {
            return Err(ODataError::option(
                "$orderby",
                format!("at most {MAX_ORDERBY_ITEMS} properties"),
            ));
        }
    }
    Ok(out)
}

/// `documents($select=id;$top=2),tasks`. Nested option values are already decoded, so they are not
/// decoded again (a literal `%` inside a nested `$filter` string stays a `%`).
fn parse_expand(s: &str, depth: usize) -> Result<Vec<Expand>, ODataError> {
    if depth > MAX_EXPAND_DEPTH {
        return Err(ODataError::option(
            "$expand",
            format!("nesting deeper than {MAX_EXPAND_DEPTH} levels"),
        ));
    }
    let mut out = Vec::new();
    for item in split_top_level(s, b',')? {
        let item = item.trim();
        let (path, inner) = match item.find('(') {
            Some(open) => {
                let Some(inner) = item[open + 1..].strip_suffix(')') else {
                    return Err(ODataError::option(
                        "$expand",
                        format!("'{item}' has text after its ')'"),
                    ));
                };
                (item[..open].trim(), Some(inner))
            }
            None => (item, None),
        };
        if path != "*" && !is_path(path) {
            let what = if path.is_empty() {
                "an empty item".to_owned()
            } else {
                format!("'{path}'")
            };
            return Err(ODataError::option(
                "$expand",
                format!("{what} is not a navigation property"),
            ));
        }
        let mut options = QueryOptions::default();
        if let Some(inner) = inner {
            if inner.trim().is_empty() {
                return Err(ODataError::option(
                    "$expand",
                    format!("empty options for '{path}'"),
                ));
            }
            let mut seen = Vec::new();
            for pair in split_top_level(inner, b';')? {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let option = QueryOption::from_name(name.trim()).ok_or_else(|| {
                    ODataError::option("$expand", format!("'{}' is not a query option", name.trim()))
                })?;
                if matches!(option, QueryOption::SkipToken | QueryOption::Format) {
                    return Err(ODataError::option(
                        "$expand",
                        format!("{option} cannot be used inside $expand"),
                    ));
                }
                apply(&mut options, &mut seen, option, value, depth)?;
            }
        }
        out.push(Expand {
            path: path.to_owned(),
            options,
        });
        if out.len() > MAX_EXPAND_ITEMS {
            return Err(ODataError::option(
                "$expand",
                format!("at most {MAX_EXPAND_ITEMS} items"),
            ));
        }
    }
    Ok(out)
}

/// Split on `sep` outside parentheses and single-quoted strings (`''` toggles twice, so it is handled).
fn split_top_level(s: &str, sep: u8) -> Result<Vec<&str>, ODataError> {
    let unbalanced = || ODataError::option("$expand", "unbalanced parentheses or quotes");
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0usize, false, 0);
    for (i, &c) in s.as_bytes().iter().enumerate() {
        match c {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth = depth.checked_sub(1).ok_or_else(unbalanced)?,
            _ if c == sep && !quoted && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 || quoted {
        return Err(unbalanced());
    }
    parts.push(&s[start..]);
    Ok(parts)
}

/// Characters escaped in the appended token: everything but RFC 3986 unreserved.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Rebuild the query string for `@odata.nextLink`: every original parameter kept verbatim (same
/// encoding, same order) except `$skiptoken` and `$skip` (the first page consumed the skip; the token now
/// encodes the position), then `$skiptoken=<token>` appended. No leading `?`.
pub fn next_link_query(raw: &str, skiptoken: &str) -> String {
    let raw = raw.trim_start_matches('?');
    let mut parts: Vec<Cow<'_, str>> = raw
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let name = p.split_once('=').map_or(*p, |(n, _)| n);
            !matches!(
                decode(name).as_deref().and_then(QueryOption::from_name),
                Some(QueryOption::SkipToken | QueryOption::Skip)
            )
        })
        .map(Cow::Borrowed)
        .collect();
    parts.push(Cow::Owned(format!(
        "$skiptoken={}",
        utf8_percent_encode(skiptoken, COMPONENT)
    )));
    let joined = parts.join("&");
    // A kept parameter whose name starts with `?` (`&?$x` was sent) must not end up first as it is: the next
    // request's leading `?` would be dropped and the parameter become a system option (found by the `odata_query`
    // fuzz target). Percent-encoded, it decodes to the same name, which stays not ours.
    match joined.strip_prefix('?') {
        Some(rest) => format!("%3F{rest}"),
        None => joined,
    }
}

#[cfg(test)]
mod tests;
