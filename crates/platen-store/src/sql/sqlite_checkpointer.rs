//! WAL checkpoints off the writer's path.
//!
//! SQLite's automatic checkpoint runs inside the commit that takes the write-ahead log past 1,000 pages, on the
//! writing connection: that commit (a whole group of job changes, each caller waiting) then also copies the
//! log's pages into the database file and fsyncs it, which showed as create-job and cancel p99.9 spikes of tens of
//! milliseconds. Automatic checkpoints are therefore off on every connection of the process, and this thread
//! runs them instead, on its own connection: `PASSIVE`, so it never waits for (or holds up) the writer or a
//! reader, as soon as the writer says it committed (at most every [`PAUSE`]) and at least every [`IDLE`] for
//! writes made elsewhere (administration through sqlx). Durability does not depend on it: a commit is durable
//! once its log frames are fsynced.

use crate::{Result, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

/// The least time between two checkpoints while writes keep coming.
const PAUSE: Duration = Duration::from_millis(100);
/// The most time between two checkpoints.
const IDLE: Duration = Duration::from_secs(1);

/// Turns SQLite's own automatic checkpoints off on a connection (every connection of the process that writes).
pub(crate) const NO_AUTOCHECKPOINT: &str = "PRAGMA wal_autocheckpoint = 0;";

/// A read-write connection of this process to the database at `path` (created and migrated through sqlx), with
/// `pragmas` applied and SQLite's automatic checkpoints off.
pub(crate) fn open_writing(path: &Path, pragmas: &str) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(pragmas)?;
    conn.execute_batch(NO_AUTOCHECKPOINT)?;
    Ok(conn)
}

/// The writer's handle: [`Self::committed`] after each commit. The thread ends when the handle is dropped.
pub(crate) struct Checkpointer {
    nudge: SyncSender<()>,
}

impl Checkpointer {
    pub(crate) fn start(path: &Path) -> Result<Self> {
        let conn = open_writing(path, &format!("PRAGMA busy_timeout = 10000; {NO_AUTOCHECKPOINT}"))?;
        let (nudge, nudged) = sync_channel(1);
        std::thread::Builder::new()
            .name("platen-sqlite-checkpointer".into())
            .spawn(move || run(conn, nudged))
            .map_err(|e| StoreError::Corrupt(format!("cannot start the SQLite checkpointer: {e}")))?;
        Ok(Self { nudge })
    }

    /// The writer committed: the log has grown. Never blocks (a nudge already waiting covers this one).
    pub(crate) fn committed(&self) {
        match self.nudge.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }
}

fn run(conn: Connection, nudged: Receiver<()>) {
    loop {
        match nudged.recv_timeout(IDLE) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // (busy, pages in the log, pages checkpointed); a busy or failed pass is retried at the next nudge.
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "a WAL checkpoint failed; the next one retries");
        }
        std::thread::sleep(PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// A commit leaves the log as it is (no automatic checkpoint on the writer); the checkpointer, nudged, copies
    /// it into the database file.
    #[test]
    fn commits_do_not_checkpoint_and_the_checkpointer_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; {NO_AUTOCHECKPOINT} CREATE TABLE t (x BLOB);"
        ))
        .unwrap();
        let db_size = || std::fs::metadata(&path).unwrap().len();
        let before = db_size();
        // About 1,500 pages: past SQLite's automatic threshold (1,000) had it been on.
        conn.execute_batch(
            "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) \
             INSERT INTO t SELECT randomblob(3000) FROM n; COMMIT;",
        )
        .unwrap();
        assert_eq!(db_size(), before, "the commit copied the log into the database");

        let checkpointer = Checkpointer::start(&path).unwrap();
        checkpointer.committed();
        let start = Instant::now();
        while db_size() < before + 1500 * 3000 {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no checkpoint within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let rows: i64 = Connection::open(&path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1500);
    }
}
