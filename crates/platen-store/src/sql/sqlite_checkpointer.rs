//! WAL checkpoints off the writer's path, and a log that starts over.
//!
//! SQLite's automatic checkpoint runs inside the commit that takes the write-ahead log past 1,000 pages, on the
//! writing connection: that commit (a whole group of job changes, each caller waiting) then also copies the
//! log's pages into the database file and fsyncs it, which showed as create-job and cancel p99.9 spikes of tens of
//! milliseconds. Automatic checkpoints are therefore off on every connection of the process, and this thread
//! runs them instead, on its own connection: `PASSIVE`, so it never waits for (or holds up) the writer or a
//! reader, as soon as the writer says it committed (at most every [`PAUSE`]) and at least every [`IDLE`] for
//! writes made elsewhere (administration through sqlx). Durability does not depend on it: a commit is durable
//! once its log frames are fsynced.
//!
//! A checkpoint copies the log into the database file but does not shorten the log: SQLite starts writing the log
//! from its beginning again only when a write transaction begins with every frame already copied. Under steady
//! writes that moment never came (the writer commits about every millisecond, a checkpoint pass takes longer),
//! so the log grew by every frame ever written: 1.2 GB in 8 s of cancels, kept on disk afterwards, every write
//! allocating new blocks. So after a pass that found little left to copy (the log has caught up), this thread
//! raises a flag; the writer ([`Checkpointer::committed`]), between two batches, copies the few frames committed
//! since ([`finish_log`], about a millisecond) and its next transaction starts the log over. The file keeps the
//! size it reached (no `journal_size_limit`: cutting a grown log back happens inside the commit that starts it
//! over, and cutting a gigabyte held the writer for hundreds of milliseconds).

use crate::{Result, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

/// The least time between two checkpoints while writes keep coming.
const PAUSE: Duration = Duration::from_millis(100);
/// The most time between two checkpoints.
const IDLE: Duration = Duration::from_secs(1);
/// A pass that copied fewer frames than this has caught up with the writer: what the writer copies itself before
/// the log starts over is about this much (a few hundred pages, about a millisecond).
const CAUGHT_UP: i64 = 256;
/// Passes in a row while the log is still catching up, before pausing again (bounds this thread's share of the
/// disk when writes outpace it).
const MAX_PASSES: usize = 8;

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
    caught_up: Arc<AtomicBool>,
}

impl Checkpointer {
    pub(crate) fn start(path: &Path) -> Result<Self> {
        let conn = open_writing(path, &format!("PRAGMA busy_timeout = 10000; {NO_AUTOCHECKPOINT}"))?;
        let (nudge, nudged) = sync_channel(1);
        let caught_up = Arc::new(AtomicBool::new(false));
        let raised = Arc::clone(&caught_up);
        std::thread::Builder::new()
            .name("platen-sqlite-checkpointer".into())
            .spawn(move || run(conn, nudged, &raised))
            .map_err(|e| StoreError::Corrupt(format!("cannot start the SQLite checkpointer: {e}")))?;
        Ok(Self { nudge, caught_up })
    }

    /// The writer committed on `conn`: the log has grown. Never blocks (a nudge already waiting covers this one);
    /// when a pass has caught up with the log since, copies the rest on `conn` ([`finish_log`]) so that the
    /// writer's next transaction starts the log over.
    pub(crate) fn committed(&self, conn: &Connection) {
        match self.nudge.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
        if self.caught_up.swap(false, Ordering::Relaxed) {
            finish_log(conn);
        }
    }
}

fn run(conn: Connection, nudged: Receiver<()>, caught_up: &AtomicBool) {
    // How far into the log the last pass had copied.
    let mut copied_so_far = 0;
    loop {
        match nudged.recv_timeout(IDLE) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // Passes until one finds little to copy: each copies what was committed during the one before.
        for _ in 0..MAX_PASSES {
            match checkpoint(&conn, &mut copied_so_far) {
                Ok(Some(this_pass)) if this_pass < CAUGHT_UP => {
                    caught_up.store(true, Ordering::Relaxed);
                    break;
                }
                Ok(Some(_)) => {}
                // Readers still on old frames (retried at the next nudge), or a failed pass.
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "a WAL checkpoint failed; the next one retries");
                    break;
                }
            }
        }
        std::thread::sleep(PAUSE);
    }
}

/// One `PASSIVE` pass on `conn`: how many frames it copied into the database file, or `None` when it could not
/// copy the whole log (a reader still reads old frames, or another checkpoint was running). `copied_before` is
/// how far into the log the previous pass had copied (SQLite reports it only from a pass), updated here.
fn checkpoint(conn: &Connection, copied_before: &mut i64) -> rusqlite::Result<Option<i64>> {
    // (busy, frames in the log, frames of it copied)
    let (busy, log, copied): (i64, i64, i64) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    // A log holding fewer frames than were copied before has started over since.
    let this_pass = if copied >= *copied_before {
        copied - *copied_before
    } else {
        copied
    };
    *copied_before = copied;
    Ok((busy == 0 && copied >= log).then_some(this_pass))
}

/// Copies what is left of the log into the database file on the writer's own connection, between two batches,
/// so that the writer's next transaction starts the log over (SQLite does so when every frame is copied and no
/// reader still reads the old ones). Called after the checkpointer caught up: a few hundred frames at most.
fn finish_log(conn: &Connection) {
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::warn!(error = %e, "a WAL checkpoint on the writer failed; the log starts over later");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// A new database `db.sqlite3` in a directory of its own: `pragmas` (a page size must come before WAL mode),
    /// then WAL mode without automatic checkpoints (as every connection of the process), then `setup`.
    fn database(pragmas: &str, setup: &str) -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("db.sqlite3")).unwrap();
        conn.execute_batch(&format!(
            "{pragmas} PRAGMA journal_mode = WAL; {NO_AUTOCHECKPOINT} {setup}"
        ))
        .unwrap();
        (dir, conn)
    }

    /// A commit leaves the log as it is (no automatic checkpoint on the writer); the checkpointer, nudged, copies
    /// it into the database file.
    #[test]
    fn commits_do_not_checkpoint_and_the_checkpointer_does() {
        let (dir, conn) = database("", "CREATE TABLE t (x BLOB);");
        let path = dir.path().join("db.sqlite3");
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
        checkpointer.committed(&conn);
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

    /// Steady commits, back to back, each nudging the checkpointer as the writer does: the log starts over again
    /// and again, so its file stays a small part of what was written (it grew by every frame before).
    #[test]
    fn under_steady_commits_the_log_starts_over() {
        // Small pages keep the disk this test writes small; `synchronous = FULL` as the writer has it.
        let (dir, conn) = database(
            "PRAGMA page_size = 1024; PRAGMA synchronous = FULL;",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, x BLOB); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
             INSERT INTO t SELECT i, randomblob(900) FROM n;",
        );
        let checkpointer = Checkpointer::start(&dir.path().join("db.sqlite3")).unwrap();
        let start = Instant::now();
        let mut commits = 0u64;
        while start.elapsed() < Duration::from_millis(1500) {
            // Four rows on four pages: four frames per commit at least.
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; UPDATE t SET x = randomblob(900) WHERE id IN ({}, {}, {}, {}); COMMIT;",
                commits % 250 + 1,
                commits % 250 + 251,
                commits % 250 + 501,
                commits % 250 + 751
            ))
            .unwrap();
            checkpointer.committed(&conn);
            commits += 1;
        }
        let written = commits * 4 * 1024;
        let log_file = std::fs::metadata(dir.path().join("db.sqlite3-wal"))
            .unwrap()
            .len();
        assert!(commits >= 500, "only {commits} commits in 1.5 s");
        assert!(
            log_file * 3 < written,
            "the log's file holds {log_file} bytes after {written} bytes written in {commits} commits"
        );
    }
}
