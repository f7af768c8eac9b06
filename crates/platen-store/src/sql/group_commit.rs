//! Group commit of job changes on SQLite.
//!
//! SQLite has one writer, and `synchronous = FULL` makes every commit wait for an fsync. Job changes arriving
//! together (a class printing at 9:00, a release station releasing twenty jobs) are therefore gathered by one
//! task and written in one transaction with one fsync; each request is still answered only after the commit
//! that holds its change, and with its own outcome.
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
use super::jobs::{Written, write_change};
use crate::{ChangeEvent, Commit, Result, StoreError};
use platen_domain::records::JobChange;
use tokio::sync::{mpsc, oneshot};

/// The most changes one transaction carries: bounds how long the writer is held at a time.
const MAX_BATCH: usize = 64;
/// Changes waiting for the writer before callers wait to queue (back-pressure, not a limit on correctness).
const QUEUE: usize = 4096;

struct Pending {
    change: JobChange,
    reply: oneshot::Sender<Result<Commit>>,
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
        self.queue
            .send(Pending { change, reply })
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

/// The batching task is gone: only when the store is being dropped.
fn closed() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

async fn run(store: SqlStore, mut receiver: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if batch.len() == 1
            && let Some(one) = batch.pop()
        {
            let outcome = store.commit_alone(&one.change).await;
            let _ = one.reply.send(outcome);
            continue;
        }
        match write_together(&store, &batch).await {
            Ok(Some(answers)) => {
                for (pending, answer) in batch.drain(..).zip(answers) {
                    // The caller may have gone (its request was dropped); its change is committed all the same.
                    let _ = pending.reply.send(Ok(answer));
                }
            }
            Ok(None) | Err(_) => {
                for pending in batch.drain(..) {
                    let outcome = store.commit_alone(&pending.change).await;
                    let _ = pending.reply.send(outcome);
                }
            }
        }
    }
}

/// Writes every change of `batch` in one transaction. `None` (rolled back) when any change was refused or
/// failed: the caller then writes them one by one.
async fn write_together(store: &SqlStore, batch: &[Pending]) -> Result<Option<Vec<Commit>>> {
    let mut tx = store.write.begin().await?;
    let mut answers = Vec::with_capacity(batch.len());
    let mut events: Vec<ChangeEvent> = vec![];
    for pending in batch {
        match write_change(&mut tx, store.dialect, &pending.change).await {
            Ok(Written::Done(committed, changed)) => {
                answers.push(Commit::Done(committed));
                events.extend(changed);
            }
            Ok(Written::Refused(_)) | Err(_) => {
                tx.rollback().await?;
                return Ok(None);
            }
        }
    }
    tx.commit().await?;
    store.feed.after_commit(&store.write, events).await;
    Ok(Some(answers))
}
