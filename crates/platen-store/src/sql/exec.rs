//! One write path, two ways to run it. A job change is written by the same code on both backends
//! ([`super::jobs::write_change`]), against [`Exec`]: on PostgreSQL through sqlx (a transaction on a pooled
//! connection), on SQLite through [`rusqlite`] on the writer's own thread ([`super::sqlite_writer`]), where
//! every statement is a plain function call instead of a round trip to sqlx's connection thread.
//!
//! The rusqlite executor never waits: its futures are ready when first polled, so the writer thread drives a whole
//! batch with one `block_on` and no runtime.

use super::rows::Columns;
use crate::Result;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};
use std::future::Future;
use std::sync::LazyLock;

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

/// A connection inside a write transaction.
pub(crate) trait Exec: Send {
    /// Runs one statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: Vec<Param>) -> impl Future<Output = Result<u64>> + Send;
    /// The first row a statement returns (`INSERT … RETURNING id`, a row read inside the transaction), decoded.
    fn fetch_optional<T: Send>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(&dyn Columns) -> Result<T> + Send,
    ) -> impl Future<Output = Result<Option<T>>> + Send;
    /// Every row a statement returns, decoded (a handful: an upload session's ranges).
    fn fetch_all<T: Send>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(&dyn Columns) -> Result<T> + Send,
    ) -> impl Future<Output = Result<Vec<T>>> + Send;
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

    async fn fetch_optional<T: Send>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(&dyn Columns) -> Result<T> + Send,
    ) -> Result<Option<T>> {
        let q = bind_all(sqlx::query(super::bind::audited(sql)), params);
        let row = q.fetch_optional(&mut *self).await?;
        row.as_ref().map(|row| decode(row)).transpose()
    }

    async fn fetch_all<T: Send>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(&dyn Columns) -> Result<T> + Send,
    ) -> Result<Vec<T>> {
        let q = bind_all(sqlx::query(super::bind::audited(sql)), params);
        let rows = q.fetch_all(&mut *self).await?;
        rows.iter().map(|row| decode(row)).collect()
    }
}

/// `$1` … `$128`: the names bound on every statement, made once.
static PLACEHOLDERS: LazyLock<Vec<String>> = LazyLock::new(|| (1..=128).map(|i| format!("${i}")).collect());

/// Binds `params` to the statement's `$N` parameters by name (SQLite numbers named parameters in order of first
/// appearance, so `$4` may well be its first).
pub(crate) fn bind_sqlite(stmt: &mut rusqlite::CachedStatement<'_>, params: Vec<Param>) -> Result<()> {
    for (i, p) in params.into_iter().enumerate() {
        let name = match PLACEHOLDERS.get(i) {
            Some(name) => std::borrow::Cow::Borrowed(name.as_str()),
            None => std::borrow::Cow::Owned(format!("${}", i + 1)),
        };
        let Some(index) = stmt.parameter_index(&name)? else {
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

    async fn fetch_optional<T: Send>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(&dyn Columns) -> Result<T> + Send,
    ) -> Result<Option<T>> {
        super::sqlite_reader::first_row(self, sql, params, decode)
    }

    async fn fetch_all<T: Send>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(&dyn Columns) -> Result<T> + Send,
    ) -> Result<Vec<T>> {
        super::sqlite_reader::all_rows(self, sql, params, decode)
    }
}
