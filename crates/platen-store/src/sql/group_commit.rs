//! Group commit of job changes on SQLite.
//!
//! SQLite has one writer, and `synchronous = FULL` makes every commit wait for an fsync. Job changes and new
//! jobs arriving together (a class printing at 9:00, a release station releasing twenty jobs) are therefore
//! gathered by one task and written in one transaction with one fsync; each request is still answered only after
//! the commit that holds its write, and with its own outcome.
//!
//! No change waits for company: the task takes what is queued when it is free (at most [`MAX_BATCH`]), so a
//! lone change is written at once, and a burst forms batches by itself while the previous one commits.
//!
//! A change refused by its checks (a stale version, an upload session gone) or failing with an error must not
//! take the others down with it. The batch is written optimistically, without savepoints (each would cost
//! two more statements per change): if every change writes, the batch commits; otherwise it is rolled back and
//! each change is written again in a transaction of its own, which gives each its own answer. A lost race
//! therefore costs one extra pass over its batch, and never a wrong answer.

use super::SqlStore;
use super::jobs::{Written, create_in, write_change};
use crate::{ChangeEvent, Commit, Result, StoreError};
use platen_domain::records::{Document, Job, JobChange, JobEventRecord};
use tokio::sync::{mpsc, oneshot};

/// The most writes one transaction carries: bounds how long the writer is held at a time.
const MAX_BATCH: usize = 64;
/// Writes waiting for the writer before callers wait to queue (back-pressure, not a limit on correctness).
const QUEUE: usize = 4096;

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
}

impl Pending {
    /// Writes inside the batch's transaction; `false` when a check refused the write (the batch must roll back).
    async fn write_in(
        &mut self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        store: &SqlStore,
        events: &mut Vec<ChangeEvent>,
    ) -> Result<bool> {
        match self {
            Pending::Change { change, written, .. } => match write_change(tx, store.dialect, change).await? {
                Written::Done(committed, changed) => {
                    *written = Some(Commit::Done(committed));
                    events.extend(changed);
                    Ok(true)
                }
                Written::Refused(_) => Ok(false),
            },
            Pending::Birth { birth, written, .. } => {
                let (job, doc, event) = &**birth;
                *written = Some(Box::new(create_in(tx, job, doc, event).await?));
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
        }
    }

    /// Writes in a transaction of its own, and answers.
    async fn write_alone(self, store: &SqlStore) {
        match self {
            Pending::Change { change, reply, .. } => {
                let _ = reply.send(store.commit_alone(&change).await);
            }
            Pending::Birth { birth, reply, .. } => {
                let (job, doc, event) = &*birth;
                let _ = reply.send(store.create_alone(job, doc, event).await);
            }
        }
    }
}

#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Pending>,
}

impl GroupCommit {
    /// Starts the batching task for `store` (whose `group_commit` must be `None`: the task writes through the
    /// store's other paths). It ends when every handle is dropped.
    pub(crate) fn start(store: SqlStore) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, receiver));
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
}

/// The batching task is gone: only when the store is being dropped.
fn closed() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// A write of a committed batch without its result: cannot happen (every write of a committed batch wrote).
fn unanswered() -> StoreError {
    StoreError::Corrupt("a write of a committed batch has no result".into())
}

async fn run(store: SqlStore, mut receiver: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if batch.len() == 1
            && let Some(one) = batch.pop()
        {
            one.write_alone(&store).await;
            continue;
        }
        match write_together(&store, &mut batch).await {
            Ok(true) => batch.drain(..).for_each(Pending::answer),
            Ok(false) | Err(_) => {
                for pending in batch.drain(..) {
                    pending.write_alone(&store).await;
                }
            }
        }
    }
}

/// Writes every write of `batch` in one transaction. `false` (rolled back) when any was refused or failed: the
/// caller then writes them one by one.
async fn write_together(store: &SqlStore, batch: &mut [Pending]) -> Result<bool> {
    let mut tx = store.write.begin().await?;
    let mut events: Vec<ChangeEvent> = vec![];
    for pending in batch.iter_mut() {
        if !matches!(pending.write_in(&mut tx, store, &mut events).await, Ok(true)) {
            tx.rollback().await?;
            return Ok(false);
        }
    }
    tx.commit().await?;
    store.feed.after_commit(&store.write, events).await;
    Ok(true)
}
