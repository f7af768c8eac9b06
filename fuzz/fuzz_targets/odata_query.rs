//! The OData query-string parser and the SQL it renders for every collection, in both dialects: any input is
//! either a 400 or a query whose SQL binds exactly the values it names (user text only ever reaches SQL as a
//! bound value), whose next link parses back to the same query, and whose in-memory evaluation terminates.

#![no_main]

use libfuzzer_sys::fuzz_target;
use platen_fuzz::{assert_client_error, field_maps, parsed_query};
use platen_odata::{
    Dialect, SqlValue, decode_skiptoken, encode_skiptoken, evaluate, next_link_query, parse_query,
    query_fingerprint, render_filter, render_keyset, render_order_by, sort_keys,
};
use serde_json::json;

/// The placeholders `$n` in `sql`.
fn placeholders(sql: &str) -> Vec<usize> {
    let bytes = sql.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let digits: String = sql[i + 1..].chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                out.push(n);
            }
            i += 1 + digits.len();
        } else {
            i += 1;
        }
    }
    out
}

fn check_binds(sql: &str, values: &[SqlValue], first: usize) {
    let used = placeholders(sql);
    for n in &used {
        assert!(
            *n >= first && *n < first + values.len(),
            "placeholder ${n} of {} values in {sql}",
            values.len()
        );
    }
    for n in first..first + values.len() {
        assert!(used.contains(&n), "value ${n} is bound but not used in {sql}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(q) = parsed_query(data) else {
        return;
    };
    // parsed_query succeeded, so the input is UTF-8.
    let raw = String::from_utf8_lossy(data);
    let raw = raw.as_ref();
    let fingerprint = query_fingerprint(&q);

    // The next page's link carries the same query and the new position.
    let next = next_link_query(raw, "NEXT_TOKEN");
    let again =
        parse_query(&next).unwrap_or_else(|e| panic!("next link {next:?} of {raw:?} does not parse: {e:?}"));
    assert_eq!(again.skiptoken.as_deref(), Some("NEXT_TOKEN"), "{next:?}");
    assert_eq!(query_fingerprint(&again), fingerprint, "{next:?}");

    for map in field_maps() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            if let Some(filter) = &q.filter {
                match render_filter(filter, map, dialect, 3) {
                    Ok((sql, values)) => check_binds(&sql, &values, 3),
                    Err(e) => assert_client_error(&e),
                }
            }
        }
        let keys = match sort_keys(&q.orderby, map) {
            Ok(keys) => keys,
            Err(e) => {
                assert_client_error(&e);
                continue;
            }
        };
        let order = render_order_by(&keys);
        assert!(placeholders(&order).is_empty(), "{order}");
        // A position after a row whose sort values are all text: a skip token round trip, then the keyset.
        let after: Vec<SqlValue> = keys.iter().map(|_| SqlValue::Text("x".into())).collect();
        let token = encode_skiptoken(&after, &fingerprint);
        let decoded = decode_skiptoken(&token, &fingerprint).expect("our own skip token decodes");
        match render_keyset(&keys, &decoded, 1) {
            Ok((sql, values)) => check_binds(&sql, &values, 1),
            Err(e) => assert_client_error(&e),
        }
    }

    if let Some(filter) = &q.filter {
        let doc = json!({
            "id": "42", "displayName": "Printer", "isShared": true, "createdDateTime": "2026-12-06T10:00:00Z",
            "status": {"state": "processing", "details": ["none"]}, "copies": 2, "ratio": 1.5,
            "location": {"building": "B", "floor": null}, "tags": ["a", "b"],
        });
        let _ = evaluate(filter, &doc);
    }
    if let Some(token) = &q.skiptoken
        && let Err(e) = decode_skiptoken(token, &fingerprint)
    {
        assert_client_error(&e);
    }
});
