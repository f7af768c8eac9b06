//! Skip tokens: any string a client sends back is either a 400 or the values of a position; values Platen
//! encodes always decode to themselves, and only for the query they were issued for.

#![no_main]

use libfuzzer_sys::fuzz_target;
use platen_fuzz::assert_client_error;
use platen_odata::{SqlValue, decode_skiptoken, encode_skiptoken};

/// Sort values built from the input: one tag byte, then the value's bytes.
fn values_from(data: &[u8]) -> Vec<SqlValue> {
    data.chunks(9)
        .map(|c| {
            let rest = &c[1.min(c.len())..];
            let mut n = [0u8; 8];
            n[..rest.len()].copy_from_slice(rest);
            match c[0] % 4 {
                0 => SqlValue::Int(i64::from_le_bytes(n)),
                1 => SqlValue::Text(String::from_utf8_lossy(rest).into_owned()),
                2 => SqlValue::Bool(rest.first().is_some_and(|b| b % 2 == 1)),
                _ => SqlValue::Null,
            }
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = std::str::from_utf8(data) {
        match decode_skiptoken(token, "fuzz|fingerprint") {
            Ok(values) => {
                let again = encode_skiptoken(&values, "fuzz|fingerprint");
                assert_eq!(decode_skiptoken(&again, "fuzz|fingerprint").ok(), Some(values));
            }
            Err(e) => assert_client_error(&e),
        }
    }
    let values = values_from(data);
    let token = encode_skiptoken(&values, "fuzz|fingerprint");
    if values.len() <= platen_odata::limits::MAX_SKIPTOKEN_VALUES {
        assert_eq!(
            decode_skiptoken(&token, "fuzz|fingerprint").ok(),
            Some(values),
            "{token}"
        );
    }
    match decode_skiptoken(&token, "another|query") {
        Ok(v) => panic!("a token decoded for another query: {v:?}"),
        Err(e) => assert_client_error(&e),
    }
});
