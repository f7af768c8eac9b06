//! Binding OData values to `Any` queries. Booleans are stored as BIGINT 0/1 on both backends.

use platen_odata::SqlValue;
use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs, QueryScalar};

pub(crate) type AnyQuery<'q> = Query<'q, Any, AnyArguments>;

pub(crate) fn bind_values<'q>(mut q: AnyQuery<'q>, values: &'q [SqlValue]) -> AnyQuery<'q> {
    for v in values {
        q = match v {
            SqlValue::Text(s) => q.bind(s.as_str()),
            SqlValue::Int(i) => q.bind(*i),
            SqlValue::Float(f) => q.bind(*f),
            SqlValue::Bool(b) => q.bind(i64::from(*b)),
            SqlValue::Null => q.bind(Option::<String>::None),
        };
    }
    q
}

pub(crate) fn bind_scalar<'q, O>(
    mut q: QueryScalar<'q, Any, O, AnyArguments>,
    values: &'q [SqlValue],
) -> QueryScalar<'q, Any, O, AnyArguments> {
    for v in values {
        q = match v {
            SqlValue::Text(s) => q.bind(s.as_str()),
            SqlValue::Int(i) => q.bind(*i),
            SqlValue::Float(f) => q.bind(*f),
            SqlValue::Bool(b) => q.bind(i64::from(*b)),
            SqlValue::Null => q.bind(Option::<String>::None),
        };
    }
    q
}

#[allow(dead_code)]
pub(crate) type AnyQueryAs<'q, O> = QueryAs<'q, Any, O, AnyArguments>;

pub(crate) fn b(v: bool) -> i64 {
    i64::from(v)
}

/// `$first, $first+1, …` for `count` values bound in that order (an `IN (…)` list of a page's ids: at most a
/// few hundred).
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Marks SQL text this crate assembled from constant fragments, field-registry expressions and `$N`
/// placeholders as safe: values are always bound, never interpolated.
pub(crate) fn audited(sql: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql.to_string())
}
