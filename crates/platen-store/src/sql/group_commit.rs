//! Group commit of job changes on SQLite.
//!
//! SQLite has one writer, and `synchronous = FULL` makes every commit wait for an fsync. Job changes and new
//! jobs arriving together (a class printing at 9:00, a release station releasing twenty jobs) are therefore
//! gathered by one task and written in one transaction with one fsync; each request is still answered only after
//! the commit that holds its write, and with its own outcome.
//!
//! No change waits for company: the task takes what is queued when it is free (at most [`MAX_BATCH`]), so a
//! lone change is written at once, and a burst forms batches by itself while the previous one commits. A batch is
//! written by the writer's own thread ([`super::sqlite_writer`]) in one call, with the same write code as
//! PostgreSQL's ([`super::jobs::write_change`]).
//!
//! Other small writes may join a batch too ([`GroupCommit::write`]: a share's last use, written with each new
//! job).
//!
//! A change refused by its checks (a stale version, an upload session gone, a quota) or failing with an error
//! must not take the others down with it. The batch is written optimistically, without savepoints (each would
//! cost two more statements per change): if every change writes, the batch commits; otherwise it is rolled back
//! and each change is written again in a transaction of its own, which gives each its own answer. A lost race
//! therefore costs one extra pass over its batch, and never a wrong answer.

use super::SqlStore;
use super::exec::Exec;
use super::jobs::{Written, create_in, write_change};
use super::sqlite_writer::{SqliteWriter, control, finish};
use crate::feed::ChangeFeed;
use crate::{ChangeEvent, Commit, Result, StoreError};
use futures::future::BoxFuture;
use platen_domain::records::{Document, Job, JobChange, JobEventRecord};
use platen_odata::Dialect;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

/// The most writes one transaction carries: bounds how long the writer is held at a time.
const MAX_BATCH: usize = 64;
/// Writes waiting for the writer before callers wait to queue (back-pressure, not a limit on correctness).
const QUEUE: usize = 4096;

/// A small write: the write path's code for rusqlite, run inside the batch's transaction (a future, because the
/// batch's own future drives it: the writer thread has one executor and does not nest them).
type WriteFn = dyn for<'c> Fn(&'c mut Connection) -> BoxFuture<'c, Result<()>> + Send;

/// A write waiting for the batching task, with where its answer goes.
enum Pending {
    /// A job change (the one door's write).
    Change {
        change: Box<JobChange>,
        reply: oneshot::Sender<Result<Commit>>,
        written: Option<Commit>,
    },
    /// A new job with its document and first history entry.
    Birth {
        birth: Box<(Job, Document, JobEventRecord)>,
        reply: oneshot::Sender<Result<(Job, Document)>>,
        written: Option<Box<(Job, Document)>>,
    },
    /// Another small write that may share a transaction (a share's last use): run again if its batch is.
    Write {
        write: Box<WriteFn>,
        reply: oneshot::Sender<Result<()>>,
    },
}

impl Pending {
    /// Writes inside the batch's transaction; `false` when a check refused the write (the batch must roll back).
    async fn write_in(&mut self, conn: &mut Connection, events: &mut Vec<ChangeEvent>) -> Result<bool> {
        match self {
            Pending::Change { change, written, .. } => {
                match write_change(conn, Dialect::Sqlite, change).await? {
                    Written::Done(committed, changed) => {
                        *written = Some(Commit::Done(committed));
                        events.extend(changed);
                        Ok(true)
                    }
                    Written::Refused(_) => Ok(false),
                }
            }
            Pending::Birth { birth, written, .. } => {
                let (job, doc, event) = &**birth;
                *written = Some(Box::new(create_in(conn, job, doc, event).await?));
                Ok(true)
            }
            Pending::Write { write, .. } => {
                write(conn).await?;
                Ok(true)
            }
        }
    }

    /// After the batch committed: answers what was written.
    fn answer(self) {
        // The caller may have gone (its request was dropped); its write is committed all the same.
        match self {
            Pending::Change { reply, written, .. } => {
                let _ = reply.send(written.ok_or_else(unanswered));
            }
            Pending::Birth { reply, written, .. } => {
                let _ = reply.send(written.map(|b| *b).ok_or_else(unanswered));
            }
            Pending::Write { reply, .. } => {
                let _ = reply.send(Ok(()));
            }
        }
    }

    /// Answers with an error: the write was not made.
    fn fail(self, error: impl Fn() -> StoreError) {
        match self {
            Pending::Change { reply, .. } => {
                let _ = reply.send(Err(error()));
            }
            Pending::Birth { reply, .. } => {
                let _ = reply.send(Err(error()));
            }
            Pending::Write { reply, .. } => {
                let _ = reply.send(Err(error()));
            }
        }
    }

    /// Writes in a transaction of its own, and answers.
    fn write_alone(self, conn: &mut Connection, feed: &ChangeFeed) {
        match self {
            Pending::Change { change, reply, .. } => {
                let _ = reply.send(change_alone(conn, feed, &change));
            }
            Pending::Birth { birth, reply, .. } => {
                let (job, doc, event) = &*birth;
                let _ = reply.send(birth_alone(conn, job, doc, event));
            }
            Pending::Write { write, reply } => {
                let _ = reply.send(write_alone(conn, &*write));
            }
        }
    }
}

fn write_alone(conn: &mut Connection, write: &WriteFn) -> Result<()> {
    control(conn, "BEGIN IMMEDIATE")?;
    match finish(write(conn)) {
        Ok(()) => commit(conn),
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    }
}

fn change_alone(conn: &mut Connection, feed: &ChangeFeed, change: &JobChange) -> Result<Commit> {
    control(conn, "BEGIN IMMEDIATE")?;
    match finish(write_change(conn, Dialect::Sqlite, change)) {
        Ok(Written::Done(committed, events)) => {
            commit(conn)?;
            feed.announce(events);
            Ok(Commit::Done(committed))
        }
        Ok(Written::Refused(refusal)) => {
            rollback(conn);
            Ok(refusal)
        }
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    }
}

fn birth_alone(
    conn: &mut Connection,
    job: &Job,
    doc: &Document,
    event: &JobEventRecord,
) -> Result<(Job, Document)> {
    control(conn, "BEGIN IMMEDIATE")?;
    match finish(create_in(conn, job, doc, event)) {
        Ok(created) => {
            commit(conn)?;
            Ok(created)
        }
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    }
}

/// Commits; a failed COMMIT leaves nothing written (SQLite rolls back what it could not commit).
fn commit(conn: &Connection) -> Result<()> {
    control(conn, "COMMIT").inspect_err(|_| rollback(conn))
}

/// Rolls back; an error here means SQLite already rolled the transaction back itself.
fn rollback(conn: &Connection) {
    let _ = control(conn, "ROLLBACK");
}

#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Pending>,
}

impl GroupCommit {
    /// Starts the batching task for `store`, writing through `writer`. It ends when every handle is dropped.
    pub(crate) fn start(store: SqlStore, writer: SqliteWriter) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, writer, receiver));
        Self { queue }
    }

    pub(crate) async fn commit(&self, change: JobChange) -> Result<Commit> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending::Change {
            change: Box::new(change),
            reply,
            written: None,
        };
        self.queue.send(pending).await.map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    pub(crate) async fn create(
        &self,
        job: Job,
        doc: Document,
        event: JobEventRecord,
    ) -> Result<(Job, Document)> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending::Birth {
            birth: Box::new((job, doc, event)),
            reply,
            written: None,
        };
        self.queue.send(pending).await.map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    /// Writes what `write` writes in the next batch, and answers what it returned in the committed run. `write`
    /// runs again if its batch is rolled back, so it must only write (no effects outside the transaction).
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        write: impl for<'c> Fn(&'c mut Connection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    ) -> Result<T> {
        let result = std::sync::Arc::new(std::sync::Mutex::new(None));
        let kept = std::sync::Arc::clone(&result);
        let write = for_any_connection(move |conn| {
            let run = write(conn);
            let kept = std::sync::Arc::clone(&kept);
            Box::pin(async move {
                let value = run.await?;
                *kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
                Ok(())
            })
        });
        let (reply, answer) = oneshot::channel();
        let pending = Pending::Write {
            write: Box::new(write),
            reply,
        };
        self.queue.send(pending).await.map_err(|_| closed())?;
        answer.await.map_err(|_| closed())??;
        let value = result.lock().unwrap_or_else(|e| e.into_inner()).take();
        value.ok_or_else(unanswered)
    }
}

/// A small write that rides in the SQLite writer's next batch (no commit and fsync of its own), or is a
/// transaction of its own on PostgreSQL: written once against [`Exec`]. On SQLite `run` runs again if its batch is
/// rolled back, so it must only write (no effects outside the transaction).
pub(crate) trait BatchedWrite: Clone + Send + 'static {
    type Out: Send + 'static;
    /// Writes on `conn`; `dialect` says which database (PostgreSQL takes row locks that SQLite's single writer does
    /// not need).
    fn run<E: Exec>(&self, conn: &mut E, dialect: Dialect) -> impl Future<Output = Result<Self::Out>> + Send;
}

impl SqlStore {
    /// Writes `write`: in the writer's next batch on SQLite, in a transaction of its own on PostgreSQL.
    pub(crate) async fn batched_write<W: BatchedWrite>(&self, write: W) -> Result<W::Out> {
        match &self.group_commit {
            Some(group) => {
                group
                    .write(move |conn| {
                        let write = write.clone();
                        Box::pin(async move { write.run(conn, Dialect::Sqlite).await })
                    })
                    .await
            }
            None => {
                let mut tx = self.write.begin().await?;
                let out = write.run(&mut *tx, self.dialect).await?;
                tx.commit().await?;
                Ok(out)
            }
        }
    }
}

/// `write` as a write for a connection of any lifetime (closures' lifetimes are not inferred higher-ranked).
fn for_any_connection<F>(write: F) -> F
where
    F: for<'c> Fn(&'c mut Connection) -> BoxFuture<'c, Result<()>>,
{
    write
}

/// The batching task is gone: only when the store is being dropped.
fn closed() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// A write of a committed batch without its result: cannot happen (every write of a committed batch wrote).
fn unanswered() -> StoreError {
    StoreError::Corrupt("a write of a committed batch has no result".into())
}

async fn run(store: SqlStore, writer: SqliteWriter, mut receiver: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let pending = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        // sqlx's writer connection is held while the batch is written: every other write of this process goes
        // through it, so the two connections never meet at SQLite's write lock.
        let turn = match store.write.acquire().await {
            Ok(turn) => turn,
            Err(_) => {
                pending.into_iter().for_each(|p| p.fail(closed));
                continue;
            }
        };
        let feed = store.feed.clone();
        // If the thread is gone, the batch went with it and its callers see their answer channels closed.
        let _ = writer.run(move |conn| write_batch(conn, &feed, pending)).await;
        drop(turn);
    }
}

/// Writes `batch` together when it can, else each write alone; answers every caller.
fn write_batch(conn: &mut Connection, feed: &ChangeFeed, mut batch: Vec<Pending>) {
    if batch.len() > 1
        && let Ok(Some(events)) = write_together(conn, &mut batch)
    {
        feed.announce(events);
        batch.into_iter().for_each(Pending::answer);
        return;
    }
    for pending in batch {
        pending.write_alone(conn, feed);
    }
}

/// Writes every write of `batch` in one transaction, and commits: the events to announce. `None` (rolled back)
/// when any was refused or failed: the caller then writes them one by one.
fn write_together(conn: &mut Connection, batch: &mut [Pending]) -> Result<Option<Vec<ChangeEvent>>> {
    control(conn, "BEGIN IMMEDIATE")?;
    let mut events: Vec<ChangeEvent> = vec![];
    for pending in batch.iter_mut() {
        if !matches!(finish(pending.write_in(conn, &mut events)), Ok(true)) {
            rollback(conn);
            return Ok(None);
        }
    }
    commit(conn)?;
    Ok(Some(events))
}
