//! Reads on SQLite without sqlx's per-statement hand-offs.
//!
//! A read through sqlx is a round trip to the connection's own thread (two wake-ups, about 35–40 µs here) for a
//! lookup by primary key that SQLite answers in a few µs from its page cache. The reads every request makes (the
//! job or share it names) therefore run here, on the calling thread, on a read-only connection taken from a small
//! pool: WAL lets them run beside the writer and never wait for it. Only lookups through a unique index run on
//! the caller's thread; a page of a collection (whose filter may make it slow) runs on a blocking thread, still
//! in one hand-off for the whole page instead of sqlx's one per statement and one per row.

use super::exec::{Exec, Param};
use super::list::PagePlan;
use super::rows::Columns;
use crate::{Page, Result, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Idle connections kept: one per runtime worker is enough; more only while more threads read at once.
const KEPT: usize = 16;

const PRAGMAS: &str =
    "PRAGMA busy_timeout = 10000; PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456;";

pub(crate) struct SqliteReader {
    path: PathBuf,
    idle: Mutex<Vec<ReadConnection>>,
}

/// A pooled read connection and the column names of the lookups it has prepared (a lookup then finds its
/// columns without asking SQLite for their names or building a map each time).
struct ReadConnection {
    conn: Connection,
    names: std::collections::HashMap<String, ColumnNames>,
}

/// Lookups kept per connection: the lookups by key are a few dozen fixed statements.
const NAMES_KEPT: usize = 256;

impl SqliteReader {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<ReadConnection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch(PRAGMAS)?;
        Ok(ReadConnection {
            conn,
            names: Default::default(),
        })
    }

    /// The first row `sql` returns with `params`, decoded, on the calling thread.
    pub(crate) fn optional<T>(
        &self,
        sql: &str,
        params: Vec<Param>,
        decode: impl FnOnce(&dyn Columns) -> Result<T>,
    ) -> Result<Option<T>> {
        self.with_connection(|read| {
            if read.names.len() >= NAMES_KEPT && !read.names.contains_key(sql) {
                read.names.clear();
            }
            let mut stmt = read.conn.prepare_cached(sql)?;
            let names = read
                .names
                .entry(sql.to_string())
                .or_insert_with(|| ColumnNames::of(&stmt));
            first_of(&mut stmt, names, params, decode)
        })
    }

    /// Every row `sql` returns with `params`, decoded, on the calling thread: for reads bounded by a page (the
    /// rows of a page's ids through an index).
    pub(crate) fn all<T>(
        &self,
        sql: &str,
        params: Vec<Param>,
        decode: impl Fn(&dyn Columns) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.with_connection(|read| all_rows(&read.conn, sql, params, decode))
    }

    /// A page of a collection, on a blocking thread: a page's cost depends on its filter, and a slow one must
    /// not hold up the runtime's workers. One hand-off for the whole page, each row decoded where it is read.
    pub(crate) async fn page<T: Send + 'static>(
        self: Arc<Self>,
        plan: PagePlan,
        decode: impl Fn(&dyn Columns) -> Result<T> + Send + 'static,
    ) -> Result<Page<T>> {
        tokio::task::spawn_blocking(move || self.with_connection(|read| plan.run_sqlite(&read.conn, &decode)))
            .await
            .map_err(|e| StoreError::Corrupt(format!("a page read did not finish: {e}")))?
    }

    /// A page of a collection on the calling thread, for a page whose cost is bounded by its size.
    pub(crate) fn page_here<T>(
        &self,
        plan: PagePlan,
        decode: &impl Fn(&dyn Columns) -> Result<T>,
    ) -> Result<Page<T>> {
        self.with_connection(|read| plan.run_sqlite(&read.conn, decode))
    }

    fn with_connection<T>(&self, f: impl FnOnce(&mut ReadConnection) -> Result<T>) -> Result<T> {
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut conn = match taken {
            Some(conn) => conn,
            None => self.open()?,
        };
        let out = f(&mut conn);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < KEPT {
            idle.push(conn);
        }
        out
    }
}

/// The first row `sql` returns on `conn`, decoded (also the writer's `Exec::fetch_optional`).
pub(crate) fn first_row<T>(
    conn: &Connection,
    sql: &str,
    params: Vec<Param>,
    decode: impl FnOnce(&dyn Columns) -> Result<T>,
) -> Result<Option<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let names = ColumnNames::of(&stmt);
    first_of(&mut stmt, &names, params, decode)
}

/// Every row `sql` returns on `conn`, decoded (the writer's `Exec::fetch_all`).
pub(crate) fn all_rows<T>(
    conn: &Connection,
    sql: &str,
    params: Vec<Param>,
    decode: impl Fn(&dyn Columns) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let names = ColumnNames::of(&stmt);
    super::exec::bind_sqlite(&mut stmt, params)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(decode(&NamedRow::new(row, &names))?);
    }
    Ok(out)
}

fn first_of<T>(
    stmt: &mut rusqlite::CachedStatement<'_>,
    names: &ColumnNames,
    params: Vec<Param>,
    decode: impl FnOnce(&dyn Columns) -> Result<T>,
) -> Result<Option<T>> {
    super::exec::bind_sqlite(stmt, params)?;
    let mut rows = stmt.raw_query();
    match rows.next()? {
        Some(row) => decode(&NamedRow::new(row, names)).map(Some),
        None => Ok(None),
    }
}

/// A row with its statement's column names resolved once per statement: rusqlite finds a column by name by asking
/// SQLite for every column's name and comparing it case-insensitively, a third of a job page's CPU.
pub(crate) struct NamedRow<'r, 's> {
    pub row: &'r rusqlite::Row<'s>,
    pub names: &'r ColumnNames,
    /// How many columns this row has been asked for so far (the position in [`ColumnNames::asked`]).
    pub asks: std::cell::Cell<usize>,
}

impl<'r, 's> NamedRow<'r, 's> {
    pub(crate) fn new(row: &'r rusqlite::Row<'s>, names: &'r ColumnNames) -> Self {
        Self {
            row,
            names,
            asks: std::cell::Cell::new(0),
        }
    }

    fn index(&self, col: &str) -> Result<usize> {
        let nth = self.asks.get();
        self.asks.set(nth + 1);
        self.names.index(nth, col)
    }
}

/// A statement's column names and their positions, and the order in which a decoder asks for them: a decoder asks
/// for the same columns in the same order on every row, so after the first row each name is found by one string
/// comparison at its learned position instead of a hash lookup (the hashing was a tenth of a job page's CPU).
pub(crate) struct ColumnNames {
    names: Vec<String>,
    by_name: std::collections::HashMap<String, usize>,
    asked: std::cell::RefCell<Vec<usize>>,
}

impl ColumnNames {
    pub(crate) fn of(stmt: &rusqlite::Statement<'_>) -> Self {
        let names: Vec<String> = stmt.column_names().into_iter().map(str::to_string).collect();
        let by_name = names.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        Self {
            names,
            by_name,
            asked: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// The position of `col`, the `nth` column a row's decoder asked for.
    fn index(&self, nth: usize, col: &str) -> Result<usize> {
        let learned = self.asked.borrow().get(nth).copied();
        if let Some(i) = learned
            && self.names.get(i).is_some_and(|n| n == col)
        {
            return Ok(i);
        }
        let i = self
            .by_name
            .get(col)
            .copied()
            .ok_or_else(|| StoreError::Corrupt(format!("no column {col}")))?;
        let mut asked = self.asked.borrow_mut();
        if asked.len() == nth {
            asked.push(i);
        } else if let Some(slot) = asked.get_mut(nth) {
            *slot = i;
        }
        Ok(i)
    }
}

impl Columns for NamedRow<'_, '_> {
    fn opt_text_at(&self, col: &str) -> Result<Option<String>> {
        Ok(self.row.get::<_, Option<String>>(self.index(col)?)?)
    }
    fn opt_int_at(&self, col: &str) -> Result<Option<i64>> {
        Ok(self.row.get::<_, Option<i64>>(self.index(col)?)?)
    }
}

impl super::SqlStore {
    /// The rows of a page's ids by key (a page's documents): on SQLite on the calling thread, else through sqlx.
    pub(crate) async fn lookup_all<T: Send>(
        &self,
        sql: &str,
        values: Vec<Param>,
        decode: impl Fn(&dyn Columns) -> Result<T> + Send,
    ) -> Result<Vec<T>> {
        if let Some(reader) = &self.sqlite_reads {
            return reader.all(sql, values, decode);
        }
        let mut conn = self.read.acquire().await?;
        Exec::fetch_all(&mut *conn, sql, values, decode).await
    }

    /// A lookup by key (a job, a share, a printer): on SQLite on the calling thread, else through [`Exec`] on a
    /// read connection (the statements a write transaction runs).
    pub(crate) async fn lookup<T: Send>(
        &self,
        sql: &str,
        values: Vec<Param>,
        decode: impl Fn(&dyn Columns) -> Result<T> + Send,
    ) -> Result<Option<T>> {
        if let Some(reader) = &self.sqlite_reads {
            return reader.optional(sql, values, decode);
        }
        let mut conn = self.read.acquire().await?;
        Exec::fetch_optional(&mut *conn, sql, values, decode).await
    }
}
