//! One paging routine for every collection: filter, order and keyset-page in SQL, fetching one row more than
//! the page to learn whether another page follows.

use super::SqlStore;
use super::bind::audited;
use super::bind::{bind_scalar, bind_values};
use super::exec::{Param, bind_sqlite};
use super::rows::{self, Columns};
use super::sqlite_reader::{ColumnNames, NamedRow};
use crate::{ListQuery, Page, Result};
use platen_odata::{
    Dialect, FieldKind, FieldMap, SqlValue, render_filter, render_keyset, render_order_by, sort_keys,
};

/// The fixed part of a collection query: selected columns, FROM clause, and scope conditions with their values
/// (numbered from `$1`).
pub(crate) struct Collection<'a> {
    pub columns: &'a str,
    pub from: &'a str,
    pub scope: Vec<String>,
    pub params: Vec<SqlValue>,
    pub fields: &'a FieldMap,
}

impl SqlStore {
    pub(crate) async fn list_page<T: Send + 'static>(
        &self,
        coll: Collection<'_>,
        query: &ListQuery,
        decode: impl Fn(&dyn Columns) -> Result<T> + Send + 'static,
    ) -> Result<Page<T>> {
        let Collection {
            columns,
            from,
            mut scope,
            mut params,
            fields,
        } = coll;
        if let Some(filter) = &query.filter {
            let (sql, values) = render_filter(filter, fields, self.dialect, params.len() + 1)?;
            scope.push(format!("({sql})"));
            params.extend(values);
        }
        let count_where = scope.join(" AND ");
        let count_params = params.clone();

        let keys = sort_keys(&query.orderby, fields)?;
        if let Some(after) = &query.after {
            let (sql, values) = render_keyset(&keys, after, params.len() + 1)?;
            scope.push(format!("({sql})"));
            params.extend(values);
        }
        let key_columns: String = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!(", {} AS sort_key_{i}", k.field.sql))
            .collect();
        let limit = query.limit.max(1) as usize;
        let offset = if query.after.is_some() {
            0
        } else {
            query.skip.min(i64::MAX as u64) as i64
        };
        let sql = format!(
            "SELECT {columns}{key_columns} FROM {from} WHERE {} ORDER BY {} LIMIT {} OFFSET {offset}",
            scope.join(" AND "),
            render_order_by(&keys),
            limit + 1,
        );
        let count_sql = match query.count_cap {
            Some(cap) => format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM {from} WHERE {count_where} LIMIT {}) capped",
                cap.max(1)
            ),
            None => format!("SELECT COUNT(*) FROM {from} WHERE {count_where}"),
        };
        let plan = PagePlan {
            // Only the count was asked for: no rows.
            rows: (query.limit > 0 || !query.count).then_some((sql, params)),
            count: query.count.then_some((count_sql, count_params)),
            limit,
            keys: keys.iter().map(|k| k.field.kind).collect(),
        };
        // A page in the collection's own order without a filter, a count or an offset walks the index of its scope
        // for the page and one row more: work bounded by the page, read on the calling thread without a hand-off
        // (a filter may make a page scan, and that must not hold a runtime worker).
        let bounded = query.filter.is_none() && query.orderby.is_empty() && offset == 0 && !query.count;
        match &self.sqlite_reads {
            Some(reader) if bounded => reader.page_here(plan, &decode),
            Some(reader) => reader.clone().page(plan, decode).await,
            None => self.page_through_sqlx(plan, decode).await,
        }
    }

    async fn page_through_sqlx<T>(
        &self,
        plan: PagePlan,
        decode: impl Fn(&dyn Columns) -> Result<T>,
    ) -> Result<Page<T>> {
        let mut page = PageBuilder::new(&plan);
        if let Some((sql, params)) = &plan.rows {
            let rows = bind_values(
                sqlx::query(audited(sql)).persistent(self.reuses_page_statements()),
                params,
            )
            .fetch_all(&self.read)
            .await?;
            for row in &rows {
                if !page.push(row, &decode)? {
                    break;
                }
            }
        }
        let count = match &plan.count {
            Some((sql, params)) => Some(
                bind_scalar(
                    sqlx::query_scalar::<_, i64>(audited(sql)).persistent(self.reuses_page_statements()),
                    params,
                )
                .fetch_one(&self.read)
                .await?,
            ),
            None => None,
        };
        Ok(page.finish(count))
    }
}

/// A page's statements, ready to run on either executor.
pub(crate) struct PagePlan {
    /// The page's rows: one more than the page, to learn whether another follows.
    pub rows: Option<(String, Vec<SqlValue>)>,
    /// `$count`'s statement.
    pub count: Option<(String, Vec<SqlValue>)>,
    pub limit: usize,
    /// The kinds of the `sort_key_N` columns, for the next page's keyset.
    pub keys: Vec<FieldKind>,
}

impl PagePlan {
    /// Runs the plan on a SQLite connection of [`super::sqlite_reader`]: every row decoded where it is read.
    pub(crate) fn run_sqlite<T>(
        &self,
        conn: &rusqlite::Connection,
        decode: &impl Fn(&dyn Columns) -> Result<T>,
    ) -> Result<Page<T>> {
        let mut page = PageBuilder::new(self);
        if let Some((sql, params)) = &self.rows {
            let mut stmt = conn.prepare_cached(sql)?;
            bind_sqlite(&mut stmt, params.iter().map(Param::from).collect())?;
            let names = ColumnNames::of(&stmt);
            let mut rows = stmt.raw_query();
            while let Some(row) = rows.next()? {
                if !page.push(&NamedRow::new(row, &names), decode)? {
                    break;
                }
            }
        }
        let count = match &self.count {
            Some((sql, params)) => {
                let mut stmt = conn.prepare_cached(sql)?;
                bind_sqlite(&mut stmt, params.iter().map(Param::from).collect())?;
                let mut rows = stmt.raw_query();
                Some(match rows.next()? {
                    Some(row) => row.get::<_, i64>(0)?,
                    None => 0,
                })
            }
            None => None,
        };
        Ok(page.finish(count))
    }
}

/// Collects a page's items as its rows arrive.
struct PageBuilder<'p, T> {
    plan: &'p PagePlan,
    items: Vec<T>,
    last_keys: Option<Vec<SqlValue>>,
    more: bool,
}

impl<'p, T> PageBuilder<'p, T> {
    fn new(plan: &'p PagePlan) -> Self {
        Self {
            plan,
            items: Vec::with_capacity(plan.limit.min(1000)),
            last_keys: None,
            more: false,
        }
    }

    /// Takes one row; `false` once the row past the page has been seen (another page follows).
    fn push(&mut self, row: &dyn Columns, decode: &impl Fn(&dyn Columns) -> Result<T>) -> Result<bool> {
        if self.items.len() == self.plan.limit {
            self.more = true;
            return Ok(false);
        }
        self.items.push(decode(row)?);
        if self.items.len() == self.plan.limit {
            self.last_keys = Some(sort_values(row, &self.plan.keys)?);
        }
        Ok(true)
    }

    fn finish(self, count: Option<i64>) -> Page<T> {
        Page {
            items: self.items,
            next: if self.more { self.last_keys } else { None },
            count,
        }
    }
}

impl SqlStore {
    /// Whether a page's statements may be prepared once and reused. On PostgreSQL they are not: after five runs
    /// a prepared statement gets a generic plan, chosen without the values, and a filter on a skewed column
    /// (`state = 'completed'` where nearly every job is pending) then walks an index of every matching owner's
    /// jobs instead of the one that fits (measured: a user's completed jobs page went from 1 ms to 233 ms at
    /// 10^6 jobs). An unnamed statement is planned with its values, every time. SQLite plans without values
    /// either way and keeps its statement cache.
    fn reuses_page_statements(&self) -> bool {
        self.dialect != Dialect::Postgres
    }
}

fn sort_values(row: &dyn Columns, kinds: &[FieldKind]) -> Result<Vec<SqlValue>> {
    kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let col = format!("sort_key_{i}");
            Ok(match kind {
                FieldKind::Text | FieldKind::Enum(_) => SqlValue::Text(rows::text(row, &col)?),
                FieldKind::Int | FieldKind::DateTime | FieldKind::Bool => {
                    SqlValue::Int(rows::int(row, &col)?)
                }
            })
        })
        .collect()
}
