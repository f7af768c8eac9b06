//! Collections small and bounded enough to be read whole rather than paged in SQL: a job's documents and tasks,
//! a printer's share, connector and task triggers, the print services and their endpoints, the calling app's task
//! definitions, a user's recent shares. The OData options are applied here, to the rendered items, with the
//! rules the SQL renderer follows (names and strings case-insensitive), or refused with Graph's 400 where the
//! route lists them as unsupported. None is ignored: a client that asked for a page, an order or a shape and got
//! something else would be misled silently.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::paging::{filter_items, select};
use crate::response::collection;
use crate::wire::Obj;
use platen_odata::QueryOption::{self, Expand, Search, SkipToken};
use platen_odata::QueryOptions;
use serde_json::Value;
use std::cmp::Ordering;

/// Whether the route renders `$expand` itself (then its items arrive expanded) or refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expansion {
    Rendered,
    Refused,
}

/// Refused on every in-memory collection: they are never paged, so no skip token of Platen's can name a place
/// in one, and no print collection supports `$search`.
const NEVER: &[QueryOption] = &[SkipToken, Search];

/// The collection answer for `items` (already rendered, and expanded if `expansion` says so): the request's
/// options applied, except those in `unsupported`, which are a 400.
pub fn small_collection(
    ctx: &Ctx,
    context: &str,
    items: Vec<Obj>,
    unsupported: &[QueryOption],
    expansion: Expansion,
) -> GraphResult<Value> {
    let (items, count) = shape(&ctx.query, items, unsupported, expansion)?;
    Ok(collection(ctx.context(context), items, count, None))
}

/// The options of `q` applied to `items`: the values to return and `@odata.count` if asked for.
pub fn shape(
    q: &QueryOptions,
    items: Vec<Obj>,
    unsupported: &[QueryOption],
    expansion: Expansion,
) -> GraphResult<(Vec<Value>, Option<i64>)> {
    q.ensure_supported(unsupported)?;
    q.ensure_supported(NEVER)?;
    if expansion == Expansion::Refused && q.has(Expand) {
        return Err(GraphError::bad_request(
            "$expand is not supported on this collection.",
        ));
    }
    ensure_json_format(q)?;
    if q.top == Some(0) {
        return Err(GraphError::bad_request("$top must be at least 1."));
    }
    let mut items = filter_items(q, items);
    order(q, &mut items)?;
    let count = q.count.unwrap_or(false).then_some(items.len() as i64);
    let skip = usize::try_from(q.skip.unwrap_or(0)).unwrap_or(usize::MAX);
    let top = q
        .top
        .map_or(usize::MAX, |t| usize::try_from(t).unwrap_or(usize::MAX));
    let values = items
        .into_iter()
        .skip(skip)
        .take(top)
        .map(|m| select(m, q).map(Value::Object))
        .collect::<GraphResult<Vec<_>>>()?;
    Ok((values, count))
}

/// Every response is JSON; `$format` may only ask for that.
pub(crate) fn ensure_json_format(q: &QueryOptions) -> GraphResult<()> {
    match q.format.as_deref() {
        None => Ok(()),
        Some(f) => {
            let media = f.split(';').next().unwrap_or_default().trim();
            if media.eq_ignore_ascii_case("json") || media.eq_ignore_ascii_case("application/json") {
                Ok(())
            } else {
                Err(GraphError::bad_request(format!(
                    "$format: '{f}' is not supported; responses are JSON."
                )))
            }
        }
    }
}

/// `$orderby` over the rendered items: a stable sort, nulls first ascending, as the SQL renderer orders. A path
/// whose first segment no item has is a 400 (an empty collection has nothing to order and nothing to check).
fn order(q: &QueryOptions, items: &mut [Obj]) -> GraphResult<()> {
    for key in &q.orderby {
        let head = key.path.split('/').next().unwrap_or_default();
        if !items.is_empty()
            && !items
                .iter()
                .any(|m| m.keys().any(|k| k.eq_ignore_ascii_case(head)))
        {
            return Err(GraphError::bad_request(format!(
                "$orderby: '{}' is not a property of this resource.",
                key.path
            )));
        }
    }
    items.sort_by(|a, b| {
        q.orderby
            .iter()
            .map(|key| {
                let o = compare(lookup(a, &key.path), lookup(b, &key.path));
                if key.descending { o.reverse() } else { o }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    Ok(())
}

fn lookup<'a>(item: &'a Obj, path: &str) -> &'a Value {
    let mut segments = path.split('/');
    let first = segments.next().unwrap_or_default();
    let start = item
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(first))
        .map_or(&Value::Null, |(_, v)| v);
    segments.fold(start, |v, seg| {
        v.as_object()
            .and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(seg))
                    .map(|(_, v)| v)
            })
            .unwrap_or(&Value::Null)
    })
}

/// Nulls first, then booleans, numbers, strings (case-insensitive); anything else compares equal.
fn compare(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            _ => 4,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .zip(y.as_f64())
            .and_then(|(x, y)| x.partial_cmp(&y))
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items() -> Vec<Obj> {
        ["b", "C", "a"]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let Value::Object(m) = json!({"id": n, "rank": i}) else {
                    unreachable!()
                };
                m
            })
            .collect()
    }

    fn query(s: &str) -> QueryOptions {
        platen_odata::parse_query(s).expect("a valid query")
    }

    fn ids(values: &[Value]) -> Vec<&str> {
        values
            .iter()
            .map(|v| v["id"].as_str().unwrap_or_default())
            .collect()
    }

    #[test]
    fn orders_skips_takes_and_counts_before_paging() {
        let (values, count) = shape(
            &query("$orderby=id desc&$skip=1&$top=1&$count=true"),
            items(),
            &[],
            Expansion::Refused,
        )
        .unwrap();
        assert_eq!(ids(&values), ["b"]);
        assert_eq!(count, Some(3));
    }

    #[test]
    fn unsupported_and_unknown_options_are_refused() {
        for q in [
            "$top=1",
            "$search=x",
            "$skiptoken=abc",
            "$expand=x",
            "$format=xml",
            "$orderby=nope",
        ] {
            let unsupported = [QueryOption::Top];
            assert!(
                shape(&query(q), items(), &unsupported, Expansion::Refused).is_err(),
                "{q}"
            );
        }
        assert!(shape(&query("$format=json"), items(), &[], Expansion::Refused).is_ok());
    }
}
