//! One paging routine for every collection: filter, order and keyset-page in SQL, fetching one row more than
//! the page to learn whether another page follows.

use super::SqlStore;
use super::bind::audited;
use super::bind::{bind_scalar, bind_values};
use crate::{ListQuery, Page, Result};
use platen_odata::{
    Dialect, FieldKind, FieldMap, SqlValue, render_filter, render_keyset, render_order_by, sort_keys,
};
use sqlx::Row;
use sqlx::any::AnyRow;

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
    pub(crate) async fn list_page<T>(
        &self,
        coll: Collection<'_>,
        query: &ListQuery,
        decode: impl Fn(&AnyRow) -> Result<T>,
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
        let limit = i64::from(query.limit.max(1));
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
        let rows = if query.limit == 0 && query.count {
            Vec::new() // only the count was asked for
        } else {
            bind_values(
                sqlx::query(audited(&sql)).persistent(self.reuses_page_statements()),
                &params,
            )
            .fetch_all(&self.read)
            .await?
        };
        let more = rows.len() as i64 > limit;
        let mut items = Vec::with_capacity(rows.len());
        let mut next = None;
        for (i, row) in rows.iter().take(limit as usize).enumerate() {
            items.push(decode(row)?);
            if more && i as i64 == limit - 1 {
                next = Some(sort_values(row, &keys)?);
            }
        }
        let count = if query.count {
            let sql = match query.count_cap {
                Some(cap) => format!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM {from} WHERE {count_where} LIMIT {}) capped",
                    cap.max(1)
                ),
                None => format!("SELECT COUNT(*) FROM {from} WHERE {count_where}"),
            };
            Some(
                bind_scalar(
                    sqlx::query_scalar::<_, i64>(audited(&sql)).persistent(self.reuses_page_statements()),
                    &count_params,
                )
                .fetch_one(&self.read)
                .await?,
            )
        } else {
            None
        };
        Ok(Page { items, next, count })
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

fn sort_values(row: &AnyRow, keys: &[platen_odata::SortKey]) -> Result<Vec<SqlValue>> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let col = format!("sort_key_{i}");
            Ok(match k.field.kind {
                FieldKind::Text | FieldKind::Enum(_) => {
                    SqlValue::Text(row.try_get::<String, _>(col.as_str())?)
                }
                FieldKind::Int | FieldKind::DateTime | FieldKind::Bool => {
                    SqlValue::Int(row.try_get::<i64, _>(col.as_str())?)
                }
            })
        })
        .collect()
}
