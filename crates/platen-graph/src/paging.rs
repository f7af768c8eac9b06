//! Turning OData options into a store [`ListQuery`] and a page back into a Graph collection with an absolute
//! `@odata.nextLink`. Skip tokens are bound to the collection and the query that produced them.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::response::{collection, serialised};
use axum::response::Response;
use platen_odata::QueryOption::{self, Count, Expand, OrderBy, Search, Select, Skip, SkipToken, Top};
use platen_odata::{
    QueryOptions, SqlValue, decode_skiptoken, encode_skiptoken, evaluate, next_link_query, query_fingerprint,
};
use platen_store::{ListQuery, Page};
use serde::Serialize;
use serde_json::{Map, Value};

/// Graph's Universal Print pages are at most 100 items (the printers list is documented as capped at 100).
pub const MAX_PAGE: u32 = 100;

fn fingerprint(ctx: &Ctx) -> String {
    format!("{}|{}", ctx.path, query_fingerprint(&ctx.query))
}

pub fn list_query(ctx: &Ctx) -> GraphResult<ListQuery> {
    list_query_for(ctx, &ctx.query)
}

pub fn list_query_for(ctx: &Ctx, q: &QueryOptions) -> GraphResult<ListQuery> {
    let limit = q
        .top
        .map(|t| t.min(u64::from(MAX_PAGE)) as u32)
        .unwrap_or(MAX_PAGE);
    if q.top == Some(0) {
        return Err(GraphError::bad_request("$top must be at least 1."));
    }
    let after = q
        .skiptoken
        .as_deref()
        .map(|t| decode_skiptoken(t, &fingerprint(ctx)))
        .transpose()?;
    Ok(ListQuery {
        filter: q.filter.clone(),
        orderby: q.orderby.clone(),
        limit,
        skip: q.skip.unwrap_or(0),
        after,
        count: q.count.unwrap_or(false),
        count_cap: None,
    })
}

/// What a `/$count` segment refuses. The SDKs' templates offer `$filter` and `$search` there; no print collection
/// supports `$search`, and paging, ordering and shaping options mean nothing for a bare number.
const NOT_ON_COUNT: &[QueryOption] = &[Select, OrderBy, Top, Skip, SkipToken, Count, Expand, Search];

/// The store query behind a `/$count` segment: the collection's `$filter`, counted, with no page worth reading.
pub fn count_query(ctx: &Ctx) -> GraphResult<ListQuery> {
    ctx.reject(NOT_ON_COUNT)?;
    Ok(ListQuery {
        filter: ctx.query.filter.clone(),
        limit: 1,
        count: true,
        ..ListQuery::default()
    })
}

/// The `/$count` answer for a page the store counted with [`count_query`].
pub fn counted<T>(page: &Page<T>) -> axum::response::Response {
    crate::handlers::count_response(page.count.unwrap_or(0))
}

/// `/$count` of a small collection held in memory: how many of its rendered items pass `$filter`.
pub fn count_items(ctx: &Ctx, items: Vec<Map<String, Value>>) -> GraphResult<axum::response::Response> {
    ctx.reject(NOT_ON_COUNT)?;
    let n = filter_items(&ctx.query, items).len();
    Ok(crate::handlers::count_response(n as i64))
}

/// `$filter` applied in memory to the rendered items of a small collection (at most a handful of items: a job's
/// documents and tasks, a printer's share and connector, the service endpoints), with the rules the SQL renderer
/// follows: property names and string comparisons case-insensitive.
pub fn filter_items(q: &QueryOptions, items: Vec<Map<String, Value>>) -> Vec<Map<String, Value>> {
    let Some(filter) = &q.filter else { return items };
    items
        .into_iter()
        .filter(|m| evaluate(filter, &Value::Object(m.clone())))
        .collect()
}

/// Renders a page whose items are already rendered: `$select` applied, `@odata.count` if asked,
/// `@odata.nextLink` if more follow.
pub fn page_json<T>(
    ctx: &Ctx,
    context: &str,
    page: Page<T>,
    rendered: Vec<Map<String, Value>>,
) -> GraphResult<Value> {
    let items = rendered
        .into_iter()
        .map(|m| select(m, &ctx.query).map(Value::Object))
        .collect::<GraphResult<Vec<_>>>()?;
    let next = next_link(ctx, page.next);
    Ok(collection(ctx.context(context), items, page.count, next))
}

/// The absolute `@odata.nextLink` of a page that has more after it.
fn next_link(ctx: &Ctx, next: Option<Vec<SqlValue>>) -> Option<String> {
    next.map(|values| {
        let token = encode_skiptoken(&values, &fingerprint(ctx));
        format!(
            "{}/{}?{}",
            ctx.root(),
            ctx.path,
            next_link_query(&ctx.raw_query, &token)
        )
    })
}

/// How each item of a page is written (for a page serialised straight into its body).
pub trait ItemJson<T> {
    fn serialize_item<S: serde::Serializer>(&self, item: &T, s: S) -> Result<S::Ok, S::Error>;
}

/// A page without `$select` or `$expand`, serialised straight into its body, each item written by `item` (the same
/// keys, in the same order, as [`page_json`] gives; evolvable members hidden by `item`).
pub fn page_response<T>(
    ctx: &Ctx,
    context: &str,
    page: Page<T>,
    item: impl ItemJson<T>,
) -> GraphResult<Response> {
    let body = PageBody {
        context: ctx.context(context),
        count: page.count,
        next: next_link(ctx, page.next),
        items: &page.items,
        item,
    };
    // About what a job renders to, so the buffer rarely grows.
    serialised(&body, 512 + 768 * body.items.len())
}

struct PageBody<'a, T, R> {
    context: String,
    count: Option<i64>,
    next: Option<String>,
    items: &'a [T],
    item: R,
}

impl<T, R: ItemJson<T>> Serialize for PageBody<'_, T, R> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // Byte order of the keys, as a rendered collection object has them.
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("@odata.context", &self.context)?;
        if let Some(c) = self.count {
            m.serialize_entry("@odata.count", &c)?;
        }
        if let Some(n) = &self.next {
            m.serialize_entry("@odata.nextLink", n)?;
        }
        m.serialize_entry("value", &Items(self))?;
        m.end()
    }
}

struct Items<'p, 'a, T, R>(&'p PageBody<'a, T, R>);

impl<T, R: ItemJson<T>> Serialize for Items<'_, '_, T, R> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.items.len()))?;
        for t in self.0.items {
            seq.serialize_element(&Item(&self.0.item, t))?;
        }
        seq.end()
    }
}

struct Item<'r, 't, R, T>(&'r R, &'t T);

impl<T, R: ItemJson<T>> Serialize for Item<'_, '_, R, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_item(self.1, s)
    }
}

/// Applies `$select` to a rendered entity: only the named properties (annotations stay). Unknown names are a 400.
pub fn select(mut obj: Map<String, Value>, q: &QueryOptions) -> GraphResult<Map<String, Value>> {
    let Some(names) = &q.select else { return Ok(obj) };
    if names.iter().any(|n| n == "*") {
        return Ok(obj);
    }
    for n in names {
        if !obj.keys().any(|k| k.eq_ignore_ascii_case(n)) && !SELECTABLE_WHEN_ABSENT.contains(&n.as_str()) {
            return Err(GraphError::bad_request(format!(
                "$select: '{n}' is not a property of this resource."
            )));
        }
    }
    // Expanded navigations are returned alongside the selected properties.
    obj.retain(|k, _| {
        k.starts_with('@')
            || names.iter().any(|n| n.eq_ignore_ascii_case(k))
            || q.expand.iter().any(|e| e.path.eq_ignore_ascii_case(k))
    });
    Ok(obj)
}

/// Properties that exist but are omitted unless asked for (or are navigations rendered on demand).
const SELECTABLE_WHEN_ABSENT: &[&str] = &["capabilities", "defaults", "documents", "tasks", "viewPoint"];

/// Whether `$select` names a property (case-insensitively).
pub fn selects(q: &QueryOptions, name: &str) -> bool {
    q.select
        .as_ref()
        .is_some_and(|s| s.iter().any(|n| n.eq_ignore_ascii_case(name)))
}
