//! The SQLite writer's own thread and connection, for the job door's writes ([`super::group_commit`]).
//!
//! sqlx runs each SQLite connection on a thread of its own and every statement is a round trip to it: two
//! thread wake-ups, about 35–40 µs on these machines, against a few µs for the statement itself. A cancel writes
//! five statements, so that round trip was the writer's ceiling (about 2,500–3,000 cancels/s however commits
//! were grouped). Here a whole batch is one call: the batch is handed to this thread once, runs every statement
//! as a plain function call through rusqlite (the same SQLite library sqlx links), and answers each caller.
//!
//! This connection and sqlx's writer connection would otherwise compete for SQLite's write lock (and lose time
//! in its busy handler's sleeps): the group commit therefore holds sqlx's writer connection while a batch runs
//! here, so inside this process writes take turns without SQLite ever seeing them collide.

use crate::{Result, StoreError};
use rusqlite::Connection;
use std::path::Path;
use tokio::sync::oneshot;

type Work = Box<dyn FnOnce(&mut Connection) + Send>;

#[derive(Clone)]
pub(crate) struct SqliteWriter {
    work: std::sync::mpsc::Sender<Work>,
}

/// The same settings as sqlx's connections (`super::sqlite_pragmas`): above all `synchronous = FULL`, so that a
/// committed write, and therefore every answer given after it, survives power loss; and foreign keys enforced.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; \
    PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456; PRAGMA temp_store = MEMORY;";

/// Prepared statements kept per connection: the write path has a few dozen distinct statements (a rollup's
/// statement differs by its number of rows).
const STATEMENT_CACHE: usize = 128;

impl SqliteWriter {
    /// Opens the database file at `path` (already created and migrated through sqlx) and starts the thread; the
    /// thread ends when every handle is dropped.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let conn = super::sqlite_checkpointer::open_writing(path, PRAGMAS)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let checkpointer = super::sqlite_checkpointer::Checkpointer::start(path)?;
        let (work, queue) = std::sync::mpsc::channel::<Work>();
        std::thread::Builder::new()
            .name("platen-sqlite-writer".into())
            .spawn(move || {
                let mut conn = conn;
                while let Ok(job) = queue.recv() {
                    // A bug in one batch must not leave the process without a writer: the batch's callers see
                    // their answer channels closed (a 500), the next batch is written as usual.
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn))).is_err() {
                        tracing::error!("a batch of the SQLite writer panicked; its writes were not made");
                        let _ = conn.execute_batch("ROLLBACK");
                    }
                    checkpointer.committed(&conn);
                }
            })
            .map_err(|e| StoreError::Corrupt(format!("cannot start the SQLite writer thread: {e}")))?;
        Ok(Self { work })
    }

    /// Runs `f` on the writer's thread with its connection, and returns what it returned.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> T + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = oneshot::channel();
        self.work
            .send(Box::new(move |conn| {
                let _ = answer.send(f(conn));
            }))
            .map_err(|_| gone())?;
        answered.await.map_err(|_| gone())
    }
}

fn gone() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// Runs `statement` (BEGIN IMMEDIATE, COMMIT, ROLLBACK) on `conn`.
pub(crate) fn control(conn: &Connection, statement: &str) -> Result<()> {
    conn.execute_batch(statement)?;
    Ok(())
}

/// Drives a future of the write path to its end on this thread: [`super::exec::Exec`]'s statements for rusqlite
/// run when polled and never wait, so this returns after the first poll.
pub(crate) fn finish<F: std::future::Future>(future: F) -> F::Output {
    futures::executor::block_on(future)
}
