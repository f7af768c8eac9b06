//! Property tests: hostile input never panics, canonical forms round-trip, SQL is always parameterised.

use chrono::{TimeZone, Utc};
use platen_odata::*;
use proptest::prelude::*;

const STATES: &[&str] = &["pending", "processing", "paused", "completed"];
const FIELDS: &[Field] = &[
    Field {
        path: "name",
        sql: "t.name",
        kind: FieldKind::Text,
        filterable: true,
        sortable: true,
    },
    Field {
        path: "n",
        sql: "t.n",
        kind: FieldKind::Int,
        filterable: true,
        sortable: true,
    },
    Field {
        path: "flag",
        sql: "t.flag",
        kind: FieldKind::Bool,
        filterable: true,
        sortable: true,
    },
    Field {
        path: "at",
        sql: "t.at",
        kind: FieldKind::DateTime,
        filterable: true,
        sortable: true,
    },
    Field {
        path: "status/state",
        sql: "t.state",
        kind: FieldKind::Enum(STATES),
        filterable: true,
        sortable: true,
    },
];
const MAP: FieldMap = FieldMap {
    fields: FIELDS,
    key: Field {
        path: "id",
        sql: "t.id",
        kind: FieldKind::Int,
        filterable: true,
        sortable: true,
    },
};

/// Tokens that make up plausible (and implausible) filters, to get deeper into the parser than
/// uniformly random strings do.
fn filter_soup() -> impl Strategy<Value = String> {
    let tok = prop_oneof![
        Just("("),
        Just(")"),
        Just(","),
        Just("/"),
        Just("and"),
        Just("or"),
        Just("not"),
        Just("eq"),
        Just("ne"),
        Just("gt"),
        Just("in"),
        Just("null"),
        Just("true"),
        Just("name"),
        Just("status/state"),
        Just("startswith"),
        Just("contains("),
        Just("'x'"),
        Just("'it''s'"),
        Just("'"),
        Just("42"),
        Just("-1.5e3"),
        Just("2024-01-01T00:00:00Z"),
        Just("2024-01-01T00:00:00 02:00"),
        Just("01234567-89ab-cdef-0123-456789abcdef"),
        Just("%"),
        Just("é"),
    ];
    prop::collection::vec(tok, 0..40).prop_map(|v| v.join(" "))
}

fn ident() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,8}".prop_filter("not a keyword", |s| {
        ![
            "and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "in", "true", "false", "null",
        ]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(s))
    })
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(ident(), 1..4).prop_map(|v| v.join("/"))
}

/// Short arbitrary text (any characters, including quotes, newlines and non-ASCII).
fn text() -> impl Strategy<Value = String> {
    "(?s).{0,16}"
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        text().prop_map(Literal::String),
        any::<i64>().prop_map(Literal::Int),
        (-1e300f64..1e300).prop_map(Literal::Float),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::Null),
        (0i64..253_402_300_799, 0u32..1_000_000_000)
            .prop_map(|(s, ns)| { Literal::DateTime(Utc.timestamp_opt(s, ns).single().unwrap_or_default()) }),
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}".prop_map(Literal::Guid),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
    ]
}

fn string_fn() -> impl Strategy<Value = StringFn> {
    prop_oneof![
        Just(StringFn::StartsWith),
        Just(StringFn::EndsWith),
        Just(StringFn::Contains)
    ]
}

fn expr_with(path: BoxedStrategy<String>, lit: BoxedStrategy<Literal>) -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (path.clone(), op(), lit.clone()).prop_map(|(path, op, value)| Expr::Compare { path, op, value }),
        (path.clone(), prop::collection::vec(lit, 1..5)).prop_map(|(path, values)| Expr::In { path, values }),
        (string_fn(), path.clone(), text()).prop_map(|(func, path, s)| Expr::StringFn {
            func,
            path,
            value: Literal::String(s)
        }),
        path.prop_map(Expr::BoolPath),
    ];
    leaf.prop_recursive(5, 48, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Expr::Not(Box::new(a))),
        ]
    })
}

fn any_expr() -> impl Strategy<Value = Expr> {
    expr_with(path().boxed(), literal().boxed())
}

/// Expressions over MAP's fields with literals of the right kinds (mostly), so rendering often succeeds.
fn mapped_expr() -> impl Strategy<Value = Expr> {
    let path = prop_oneof![
        Just("name"),
        Just("n"),
        Just("flag"),
        Just("at"),
        Just("status/state"),
        Just("id")
    ]
    .prop_map(str::to_owned);
    let lit = prop_oneof![
        text().prop_map(Literal::String),
        prop_oneof![Just("pending"), Just("paused")].prop_map(|s| Literal::String(s.to_owned())),
        any::<i64>().prop_map(Literal::Int),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::Null),
        (0i64..4_000_000_000)
            .prop_map(|s| Literal::DateTime(Utc.timestamp_opt(s, 0).single().unwrap_or_default())),
    ];
    expr_with(path.boxed(), lit.boxed())
}

fn sql_value() -> impl Strategy<Value = SqlValue> {
    prop_oneof![
        any::<String>().prop_map(SqlValue::Text),
        any::<i64>().prop_map(SqlValue::Int),
        (-1e300f64..1e300).prop_map(SqlValue::Float),
        any::<bool>().prop_map(SqlValue::Bool),
        Just(SqlValue::Null),
    ]
}

/// Distinct `$n` placeholder numbers in `sql`, in first-appearance order.
fn placeholders(sql: &str) -> Vec<usize> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let n: usize = sql[start..j].parse().expect("placeholder number");
            if !out.contains(&n) {
                out.push(n);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

proptest! {
    // No failure persistence: regression files would land outside this crate's usual layout; a failure
    // prints its minimal input, which belongs in a unit test.
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parse_query_never_panics(raw in any::<String>()) {
        let _ = parse_query(&raw);
        let _ = next_link_query(&raw, "t");
    }

    #[test]
    fn parse_query_never_panics_on_query_like_input(
        raw in r"(\$?(filter|select|orderby|top|skip|skiptoken|count|expand|search|format|foo)=[a-z0-9 '(),;/=$%+&*-]{0,30}&?){0,6}"
    ) {
        let _ = parse_query(&raw);
    }

    #[test]
    fn parse_filter_never_panics(raw in any::<String>()) {
        let _ = parse_filter(&raw);
    }

    #[test]
    fn parse_filter_never_panics_on_token_soup(raw in filter_soup()) {
        if let Ok(e) = parse_filter(&raw) {
            // Anything accepted round-trips through its canonical form.
            prop_assert_eq!(parse_filter(&e.to_string()), Ok(e));
        }
    }

    #[test]
    fn expr_display_round_trips(e in any_expr()) {
        let text = e.to_string();
        prop_assert_eq!(parse_filter(&text), Ok(e), "{}", text);
    }

    #[test]
    fn filter_round_trips_through_a_query_string(e in any_expr()) {
        let encoded: String = url_encode(&e.to_string());
        prop_assume!(encoded.len() < platen_odata::limits::MAX_QUERY_LEN - 16);
        let q = parse_query(&format!("$filter={encoded}&$top=3")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(q.filter, Some(e));
    }

    #[test]
    fn render_is_fully_parameterised(e in mapped_expr(), first in 1usize..50, pg in any::<bool>()) {
        let dialect = if pg { Dialect::Postgres } else { Dialect::Sqlite };
        if let Ok((sql, values)) = render_filter(&e, &MAP, dialect, first) {
            let ps = placeholders(&sql);
            prop_assert_eq!(ps.len(), values.len(), "{}", sql);
            let expected: Vec<usize> = (first..first + values.len()).collect();
            prop_assert_eq!(ps, expected, "{}", sql);
            // No client text in the SQL: the only quotes are the fixed LIKE escape (and the "C" collation).
            let stripped = sql.replace("ESCAPE '\\'", "").replace("COLLATE \"C\"", "");
            prop_assert!(!stripped.contains('\'') && !stripped.contains('"'), "{}", sql);
            prop_assert_eq!(
                sql.matches('(').count(), sql.matches(')').count(), "{}", sql
            );
        }
    }

    #[test]
    fn keyset_is_fully_parameterised(
        order in prop::collection::vec((0usize..5, any::<bool>()), 0..4),
        first in 1usize..20,
    ) {
        let orderby: Vec<OrderBy> = order
            .iter()
            .map(|(i, d)| OrderBy { path: FIELDS[*i].path.to_owned(), descending: *d })
            .collect();
        let Ok(keys) = sort_keys(&orderby, &MAP) else { return Ok(()) };
        // `id` is never in `order` here, so the tie-breaker always ends the keys.
        prop_assert_eq!(keys.last().map(|k| (k.field, k.descending)), Some((MAP.key, false)));
        prop_assert_eq!(keys.len(), orderby.len() + 1);
        let after: Vec<SqlValue> = keys
            .iter()
            .map(|k| match k.field.kind {
                FieldKind::Text => SqlValue::Text("x".into()),
                FieldKind::Enum(m) => SqlValue::Text(m[0].into()),
                FieldKind::Bool => SqlValue::Bool(true),
                FieldKind::Int | FieldKind::DateTime => SqlValue::Int(1),
            })
            .collect();
        let (sql, values) = render_keyset(&keys, &after, first).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&values, &after);
        let expected: Vec<usize> = (first..first + values.len()).collect();
        prop_assert_eq!(placeholders(&sql), expected, "{}", sql);
        prop_assert_eq!(sql.matches('(').count(), sql.matches(')').count(), "{}", sql);
    }

    #[test]
    fn skiptoken_round_trips(values in prop::collection::vec(sql_value(), 0..6), fp in any::<String>()) {
        let token = encode_skiptoken(&values, &fp);
        prop_assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        prop_assert_eq!(decode_skiptoken(&token, &fp), Ok(values));
        // And through a next link.
        let q = parse_query(&next_link_query("$top=2&$skip=4", &token)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(q.skiptoken, Some(token));
        prop_assert_eq!(q.skip, None);
    }

    #[test]
    fn skiptoken_decode_never_panics(token in any::<String>(), fp in any::<String>()) {
        let _ = decode_skiptoken(&token, &fp);
    }
}

/// Percent-encode everything but unreserved characters (what a careful client does).
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
