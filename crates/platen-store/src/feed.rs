//! The change feed: "job J of printer P in tenant T changed", delivered to every subscriber on every node once
//! the change has committed. It wakes waiters (a device's long poll, a delivery worker) instead of making them
//! poll the database in a tight loop.
//!
//! - PostgreSQL: once the change has committed, `pg_notify('platen_changes', …)` in a transaction of its own
//!   with `synchronous_commit` off reaches every node that `LISTEN`s (each node's feed listens on one dedicated
//!   connection, opened by the first [`ChangeFeed::subscribe`]). Not inside the change's own transaction:
//!   PostgreSQL holds a cluster-wide lock from a notifying transaction's pre-commit until its commit is
//!   flushed, which would serialise every job change of every node behind one fsync at a time.
//! - SQLite (one process): an in-process broadcast after the commit.
//!
//! An event is a hint, not a log: a subscriber that lags behind the broadcast buffer, or a listener whose
//! connection dropped and reconnected, may miss events. Waiters re-read the store after a wakeup and keep a
//! timer as a backstop.

use crate::Result;
use platen_domain::{JobId, PrinterId, TenantId};
use platen_odata::Dialect;
use serde_json::json;
use sqlx::Any;
use sqlx::postgres::PgListener;
use std::sync::Arc;
use tokio::sync::{OnceCell, broadcast};

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "platen_changes";

/// How many events a slow subscriber may fall behind before it sees `RecvError::Lagged`.
const BUFFER: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent {
    pub tenant: TenantId,
    pub printer_id: PrinterId,
    pub job_id: JobId,
}

impl ChangeEvent {
    fn payload(&self) -> String {
        json!({"t": self.tenant, "p": self.printer_id, "j": self.job_id}).to_string()
    }

    fn parse(payload: &str) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_str(payload).ok()?;
        Some(Self {
            tenant: v["t"].as_str()?.into(),
            printer_id: v["p"].as_str()?.into(),
            job_id: v["j"].as_i64()?.into(),
        })
    }
}

#[derive(Clone)]
pub struct ChangeFeed {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<ChangeEvent>,
    /// PostgreSQL: the URL the listener connects to; SQLite: none.
    postgres_url: Option<String>,
    listener: OnceCell<tokio::task::AbortHandle>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(task) = self.listener.get() {
            task.abort();
        }
    }
}

impl ChangeFeed {
    pub(crate) fn new(dialect: Dialect, url: &str) -> Self {
        let (sender, _) = broadcast::channel(BUFFER);
        Self {
            inner: Arc::new(Inner {
                sender,
                postgres_url: (dialect == Dialect::Postgres).then(|| url.to_string()),
                listener: OnceCell::new(),
            }),
        }
    }

    /// Whether the feed carries other processes' changes too (PostgreSQL), not only this one's (SQLite).
    pub fn spans_nodes(&self) -> bool {
        self.inner.postgres_url.is_some()
    }

    /// A receiver of every change committed from now on (by this process, and on PostgreSQL by any node).
    /// On PostgreSQL the first call opens the listening connection and returns once it listens.
    pub async fn subscribe(&self) -> Result<broadcast::Receiver<ChangeEvent>> {
        if let Some(url) = &self.inner.postgres_url {
            self.inner
                .listener
                .get_or_try_init(|| listen(url, self.inner.sender.clone()))
                .await?;
        }
        Ok(self.inner.sender.subscribe())
    }

    /// After the change committed: PostgreSQL tells every node (a hint: when this fails, or the process dies
    /// first, waiters fall back to their timers); SQLite tells this process's subscribers.
    /// Tells this node's waiters about committed changes (SQLite: this node is the only writer).
    pub(crate) fn announce(&self, events: Vec<ChangeEvent>) {
        for e in events {
            // No subscribers is not an error.
            let _ = self.inner.sender.send(e);
        }
    }

    pub(crate) async fn after_commit(&self, pool: &sqlx::Pool<Any>, events: Vec<ChangeEvent>) {
        if events.is_empty() {
            return;
        }
        if self.inner.postgres_url.is_none() {
            self.announce(events);
            return;
        }
        // One statement, so one implicit transaction: set_config(…, true) makes its commit skip the WAL
        // flush wait (a lost hint costs nothing), then the notifications go out when it commits.
        let mut sql = String::from("SELECT set_config('synchronous_commit', 'off', true)");
        for i in 0..events.len() {
            sql.push_str(&format!(", pg_notify($1, ${})", i + 2));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(CHANNEL);
        for e in &events {
            query = query.bind(e.payload());
        }
        if let Err(e) = query.execute(pool).await {
            tracing::warn!(error = %e, "change notification not sent; other nodes' waiters fall back to their timers");
        }
    }
}

/// Opens the dedicated LISTEN connection and forwards notifications to `sender` until aborted.
async fn listen(url: &str, sender: broadcast::Sender<ChangeEvent>) -> Result<tokio::task::AbortHandle> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    let task = tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => match ChangeEvent::parse(n.payload()) {
                    Some(e) => {
                        let _ = sender.send(e);
                    }
                    None => tracing::warn!(payload = n.payload(), "malformed change notification"),
                },
                Ok(None) => {
                    tracing::warn!(
                        "change feed connection lost and re-established; events may have been missed"
                    )
                }
                Err(e) => {
                    tracing::warn!(error = %e, "change feed listener failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(task.abort_handle())
}

/// The events of a committed job change: the job, and the job a redirect created.
pub(crate) fn changes_of(
    job: &platen_domain::records::Job,
    redirected: Option<&platen_domain::records::Job>,
) -> Vec<ChangeEvent> {
    std::iter::once(job)
        .chain(redirected)
        .map(|j| ChangeEvent {
            tenant: j.tenant_id.clone(),
            printer_id: j.printer_id.clone(),
            job_id: j.id,
        })
        .collect()
}
