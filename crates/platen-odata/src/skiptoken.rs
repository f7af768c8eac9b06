//! Opaque `$skiptoken`s for keyset paging.
//!
//! A token is base64url (no padding) of a small JSON document: a format version, a hash of the query
//! fingerprint, and the sort-key values of the last row returned. It is not signed: the values only
//! ever become bound parameters of a keyset condition and are type-checked against the sort keys
//! (`render_keyset`), so a forged token can at worst select rows the client could select anyway. The
//! fingerprint hash exists to turn the *accidental* misuse — replaying a next link's token with another
//! filter or order — into a clear 400 instead of a silently wrong page.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::ODataError;
use crate::limits::{MAX_SKIPTOKEN_LEN, MAX_SKIPTOKEN_VALUES};
use crate::query::QueryOptions;
use crate::sql::SqlValue;

const VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(rename = "v")]
    version: u8,
    /// Hash of the caller's fingerprint string, hex.
    #[serde(rename = "f")]
    fingerprint: String,
    #[serde(rename = "k")]
    values: Vec<WireValue>,
}

/// Short, explicitly tagged value encoding (so 1 and 1.0 stay distinct).
#[derive(Serialize, Deserialize)]
enum WireValue {
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "i")]
    Int(i64),
    /// Rust's shortest round-trip text form: serde_json's default float parsing is not exact, and a
    /// keyset position must be.
    #[serde(rename = "f")]
    Float(String),
    #[serde(rename = "b")]
    Bool(bool),
    #[serde(rename = "n")]
    Null,
}

/// Opaque, URL-safe skip token carrying the sort-key values of the last row of a page, plus a fingerprint
/// of the query so a token cannot be replayed against a different query. Callers may mix more into
/// `fingerprint` than [`query_fingerprint`] (e.g. the collection's route) to scope tokens further.
/// Non-finite floats cannot be represented and are encoded as null (which `render_keyset` rejects).
pub fn encode_skiptoken(values: &[SqlValue], fingerprint: &str) -> String {
    let wire = Wire {
        version: VERSION,
        fingerprint: fingerprint_hash(fingerprint),
        values: values
            .iter()
            .map(|v| match v {
                SqlValue::Text(s) => WireValue::Text(s.clone()),
                SqlValue::Int(i) => WireValue::Int(*i),
                SqlValue::Float(x) if x.is_finite() => WireValue::Float(format!("{x:?}")),
                SqlValue::Float(_) | SqlValue::Null => WireValue::Null,
                SqlValue::Bool(b) => WireValue::Bool(*b),
            })
            .collect(),
    };
    // Serialising this plain struct cannot fail; an empty token would just be rejected on decode.
    let json = serde_json::to_vec(&wire).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Decode a token produced by [`encode_skiptoken`] with the same `fingerprint`.
pub fn decode_skiptoken(token: &str, fingerprint: &str) -> Result<Vec<SqlValue>, ODataError> {
    let bad = |m: &str| ODataError::InvalidSkipToken(m.to_owned());
    if token.len() > MAX_SKIPTOKEN_LEN {
        return Err(bad("it is too long"));
    }
    // Tolerate padding some clients or proxies may add.
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad("it is malformed"))?;
    let wire: Wire = serde_json::from_slice(&bytes).map_err(|_| bad("it is malformed"))?;
    if wire.version != VERSION {
        return Err(bad("it was issued by an incompatible server version"));
    }
    if wire.fingerprint != fingerprint_hash(fingerprint) {
        return Err(bad(
            "it was issued for a different query; keep $filter and $orderby unchanged when paging",
        ));
    }
    if wire.values.len() > MAX_SKIPTOKEN_VALUES {
        return Err(bad("it is malformed"));
    }
    wire.values
        .into_iter()
        .map(|v| {
            Ok(match v {
                WireValue::Text(s) => SqlValue::Text(s),
                WireValue::Int(i) => SqlValue::Int(i),
                WireValue::Float(x) => match x.parse::<f64>() {
                    Ok(x) if x.is_finite() => SqlValue::Float(x),
                    _ => return Err(bad("it is malformed")),
                },
                WireValue::Bool(b) => SqlValue::Bool(b),
                WireValue::Null => SqlValue::Null,
            })
        })
        .collect()
}

/// Fingerprint of the parts of a query that determine row order and membership ($filter, $orderby,
/// $search), from their canonical forms, so re-parsing the same query (with different spacing, keyword
/// case or percent-encoding) gives the same string.
pub fn query_fingerprint(opts: &QueryOptions) -> String {
    let mut canon = String::from("filter=");
    if let Some(f) = &opts.filter {
        let _ = write!(canon, "{f}");
    }
    canon.push_str("\norderby=");
    for ob in &opts.orderby {
        let _ = write!(
            canon,
            "{} {},",
            ob.path,
            if ob.descending { "desc" } else { "asc" }
        );
    }
    canon.push_str("\nsearch=");
    if let Some(s) = &opts.search {
        canon.push_str(s);
    }
    format!("{:016x}", fnv1a64(canon.as_bytes()))
}

fn fingerprint_hash(fingerprint: &str) -> String {
    format!("{:016x}", fnv1a64(fingerprint.as_bytes()))
}

/// FNV-1a, 64 bit. Not cryptographic and doesn't need to be (see the module comment); chosen over
/// `DefaultHasher` because its output is specified and therefore stable across Rust releases, which
/// matters for tokens held by clients across a server upgrade.
fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_query;

    #[test]
    fn round_trip() {
        let vals = vec![
            SqlValue::Text("a'b\"c/é".into()),
            SqlValue::Int(-5),
            SqlValue::Float(1.0),
            SqlValue::Float(-8.363_803_288_624_704e299),
            SqlValue::Bool(true),
            SqlValue::Null,
        ];
        let t = encode_skiptoken(&vals, "fp");
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{t}"
        );
        assert_eq!(decode_skiptoken(&t, "fp"), Ok(vals));
    }

    #[test]
    fn fingerprint_mismatch_is_rejected() {
        let t = encode_skiptoken(&[SqlValue::Int(1)], "one");
        let e = decode_skiptoken(&t, "two").expect_err("mismatch");
        assert!(e.message().contains("different query"), "{e}");
    }

    #[test]
    fn garbage_is_rejected() {
        for t in [
            "",
            "!!!",
            "abc",
            &"A".repeat(MAX_SKIPTOKEN_LEN + 1),
            &URL_SAFE_NO_PAD.encode(b"{\"v\":2}"),
        ] {
            assert!(
                matches!(decode_skiptoken(t, "fp"), Err(ODataError::InvalidSkipToken(_))),
                "{t}"
            );
        }
        let future = URL_SAFE_NO_PAD.encode(format!(
            "{{\"v\":2,\"f\":\"{}\",\"k\":[]}}",
            fingerprint_hash("fp")
        ));
        assert!(decode_skiptoken(&future, "fp").is_err());
    }

    #[test]
    fn padded_tokens_are_accepted() {
        let t = encode_skiptoken(&[SqlValue::Int(1)], "fp");
        let padded = format!("{t}{}", "=".repeat((4 - t.len() % 4) % 4));
        assert_eq!(decode_skiptoken(&padded, "fp"), Ok(vec![SqlValue::Int(1)]));
    }

    #[test]
    fn non_finite_floats_become_null() {
        let t = encode_skiptoken(&[SqlValue::Float(f64::NAN)], "fp");
        assert_eq!(decode_skiptoken(&t, "fp"), Ok(vec![SqlValue::Null]));
    }

    #[test]
    fn fingerprint_is_canonical() {
        let a =
            parse_query("$filter=displayName%20eq%20'x'%20and%20copies%20gt%201&$orderby=a%20desc&$top=5")
                .expect("a");
        let b =
            parse_query("filter=(DISPLAYNAME+EQ+'x')+AND+1+lt+copies&%24orderby=a+DESC&$skip=10").expect("b");
        let c = parse_query("$filter=displayName eq 'y' and copies gt 1&$orderby=a desc").expect("c");
        let d = parse_query("$filter=displayName eq 'x' and copies gt 1&$orderby=a").expect("d");
        // Property-name case is kept (it is what the client sent), so normalise it for this comparison.
        let b_fixed =
            parse_query("filter=(displayName+EQ+'x')+AND+1+lt+copies&%24orderby=a+DESC").expect("b");
        assert_ne!(query_fingerprint(&a), query_fingerprint(&b));
        assert_eq!(query_fingerprint(&a), query_fingerprint(&b_fixed));
        assert_ne!(query_fingerprint(&a), query_fingerprint(&c));
        assert_ne!(query_fingerprint(&a), query_fingerprint(&d));
        assert_eq!(
            query_fingerprint(&QueryOptions::default()),
            query_fingerprint(&QueryOptions::default())
        );
    }

    #[test]
    fn fnv_reference_values() {
        // Published FNV-1a 64 test vectors: the token format depends on these never changing.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
