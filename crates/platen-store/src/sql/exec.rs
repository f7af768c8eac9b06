//! One write path, two ways to run it. A job change is written by the same code on both backends
//! ([`super::jobs::write_change`]), against [`Exec`]: on PostgreSQL through sqlx (a transaction on a pooled
//! connection), on SQLite through [`rusqlite`] on the writer's own thread ([`super::sqlite_writer`]), where
//! every statement is a plain function call instead of a round trip to sqlx's connection thread.
//!
//! The rusqlite executor never waits: its futures are ready when first polled, so the writer thread drives a whole
//! batch with one `block_on` and no runtime.

use crate::Result;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};
use std::future::Future;

/// A value bound to a `$N` placeholder. Nulls keep their type: PostgreSQL refuses a text NULL for a BIGINT.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
}

impl From<&platen_odata::SqlValue> for Param {
    fn from(v: &platen_odata::SqlValue) -> Self {
        use platen_odata::SqlValue;
        match v {
            SqlValue::Text(s) => Param::Text(Some(s.clone())),
            SqlValue::Int(i) => Param::Int(Some(*i)),
            SqlValue::Float(f) => Param::Float(Some(*f)),
            SqlValue::Bool(b) => Param::Int(Some(i64::from(*b))),
            SqlValue::Null => Param::Text(None),
        }
    }
}

/// Values that bind as a [`Param`] (what the write path stores: text, integers, 0/1 booleans, and their nulls).
pub(crate) trait ToParam {
    fn to_param(&self) -> Param;
}

impl ToParam for str {
    fn to_param(&self) -> Param {
        Param::Text(Some(self.to_string()))
    }
}
impl ToParam for String {
    fn to_param(&self) -> Param {
        Param::Text(Some(self.clone()))
    }
}
impl ToParam for Option<String> {
    fn to_param(&self) -> Param {
        Param::Text(self.clone())
    }
}
impl ToParam for Option<&str> {
    fn to_param(&self) -> Param {
        Param::Text(self.map(str::to_string))
    }
}
impl ToParam for i64 {
    fn to_param(&self) -> Param {
        Param::Int(Some(*self))
    }
}
impl ToParam for Option<i64> {
    fn to_param(&self) -> Param {
        Param::Int(*self)
    }
}
impl ToParam for bool {
    fn to_param(&self) -> Param {
        Param::Int(Some(i64::from(*self)))
    }
}
impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> Param {
        (**self).to_param()
    }
}

/// `params![a, b, …]`: the values of `$1, $2, …` in order.
macro_rules! params {
    ($($v:expr),* $(,)?) => {
        vec![$($crate::sql::exec::ToParam::to_param(&$v)),*]
    };
}
pub(crate) use params;

/// A row read by [`Exec::fetch_row`]: column names and values (only the write path's rare reads use it).
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueRow {
    pub columns: Vec<String>,
    pub values: Vec<Param>,
}

/// A connection inside a write transaction.
pub(crate) trait Exec: Send {
    /// Runs one statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: Vec<Param>) -> impl Future<Output = Result<u64>> + Send;
    /// The first column of the one row a statement returns (`INSERT … RETURNING id`).
    fn fetch_i64(&mut self, sql: &str, params: Vec<Param>) -> impl Future<Output = Result<i64>> + Send;
    /// The first row a statement returns, if any.
    fn fetch_row(
        &mut self,
        sql: &str,
        params: Vec<Param>,
    ) -> impl Future<Output = Result<Option<ValueRow>>> + Send;
}

pub(crate) fn bind_all<'q>(
    mut q: Query<'q, Any, AnyArguments>,
    params: Vec<Param>,
) -> Query<'q, Any, AnyArguments> {
    for p in params {
        q = match p {
            Param::Text(v) => q.bind(v),
            Param::Int(v) => q.bind(v),
            Param::Float(v) => q.bind(v),
        };
    }
    q
}

impl Exec for AnyConnection {
    async fn execute(&mut self, sql: &str, params: Vec<Param>) -> Result<u64> {
        let q = bind_all(sqlx::query(super::bind::audited(sql)), params);
        Ok(q.execute(&mut *self).await?.rows_affected())
    }

    async fn fetch_i64(&mut self, sql: &str, params: Vec<Param>) -> Result<i64> {
        use sqlx::Row;
        let q = bind_all(sqlx::query(super::bind::audited(sql)), params);
        let row = q.fetch_one(&mut *self).await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    async fn fetch_row(&mut self, sql: &str, params: Vec<Param>) -> Result<Option<ValueRow>> {
        use sqlx::{Column, Row, TypeInfo, ValueRef};
        let q = bind_all(sqlx::query(super::bind::audited(sql)), params);
        let Some(row) = q.fetch_optional(&mut *self).await? else {
            return Ok(None);
        };
        let mut out = ValueRow::default();
        for (i, column) in row.columns().iter().enumerate() {
            out.columns.push(column.name().to_string());
            let raw = row.try_get_raw(i)?;
            let value = if raw.is_null() {
                Param::Text(None)
            } else if raw.type_info().name().eq_ignore_ascii_case("TEXT") {
                Param::Text(row.try_get::<Option<String>, _>(i)?)
            } else if raw.type_info().name().eq_ignore_ascii_case("REAL") {
                Param::Float(row.try_get::<Option<f64>, _>(i)?)
            } else {
                Param::Int(row.try_get::<Option<i64>, _>(i)?)
            };
            out.values.push(value);
        }
        Ok(Some(out))
    }
}

/// Binds `params` to the statement's `$N` parameters by name (SQLite numbers named parameters in order of first
/// appearance, so `$4` may well be its first).
pub(crate) fn bind_sqlite(stmt: &mut rusqlite::CachedStatement<'_>, params: Vec<Param>) -> Result<()> {
    for (i, p) in params.into_iter().enumerate() {
        let Some(index) = stmt.parameter_index(&format!("${}", i + 1))? else {
            continue;
        };
        match p {
            Param::Text(v) => stmt.raw_bind_parameter(index, v)?,
            Param::Int(v) => stmt.raw_bind_parameter(index, v)?,
            Param::Float(v) => stmt.raw_bind_parameter(index, v)?,
        }
    }
    Ok(())
}

impl Exec for rusqlite::Connection {
    async fn execute(&mut self, sql: &str, params: Vec<Param>) -> Result<u64> {
        let mut stmt = self.prepare_cached(sql)?;
        bind_sqlite(&mut stmt, params)?;
        Ok(stmt.raw_execute()? as u64)
    }

    async fn fetch_i64(&mut self, sql: &str, params: Vec<Param>) -> Result<i64> {
        let mut stmt = self.prepare_cached(sql)?;
        bind_sqlite(&mut stmt, params)?;
        let mut rows = stmt.raw_query();
        let row = rows.next()?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        Ok(row.get::<_, i64>(0)?)
    }

    async fn fetch_row(&mut self, sql: &str, params: Vec<Param>) -> Result<Option<ValueRow>> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.prepare_cached(sql)?;
        bind_sqlite(&mut stmt, params)?;
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = stmt.raw_query();
        let Some(row) = rows.next()? else {
            return Ok(None);
        };
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(match row.get_ref(i)? {
                ValueRef::Null => Param::Text(None),
                ValueRef::Integer(v) => Param::Int(Some(v)),
                ValueRef::Real(v) => Param::Float(Some(v)),
                ValueRef::Text(v) | ValueRef::Blob(v) => {
                    Param::Text(Some(String::from_utf8_lossy(v).into_owned()))
                }
            });
        }
        Ok(Some(ValueRow { columns, values }))
    }
}
