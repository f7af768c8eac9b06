//! Which change-notification subscriptions watch a resource, kept in memory on SQLite.
//!
//! Every job change asks "who subscribed to this printer's jobs?", and nearly always the answer is "nobody":
//! a query per change for nothing. On SQLite this process is the database's only writer, so the answer can be
//! kept and dropped exactly when a subscription is created, renewed or deleted (all through this store). A
//! lookup that raced such a write is not kept (a generation count), so the cache never holds a stale answer.
//! Expiry needs no invalidation: entries keep the subscriptions with their `expires_at`, filtered at each use.
//!
//! PostgreSQL serves several nodes, whose subscription writes this node would learn about only through the
//! change feed, a hint that may be lost; there the query runs every time.

use platen_domain::records::Subscription;
use platen_domain::time::Micros;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Distinct watched resources kept at most (printers and task definitions looked up); past it, start over.
const MAX_ENTRIES: usize = 100_000;

type Key = (String, String, String);

#[derive(Default)]
pub(crate) struct SubscriptionCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    by_resource: HashMap<Key, Arc<Vec<Subscription>>>,
}

/// Taken before a lookup in the database; the answer is kept only if no write happened meanwhile.
pub(crate) struct Ticket(u64);

impl SubscriptionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The unexpired subscriptions of the resource if known, else a ticket for [`SubscriptionCache::keep`].
    pub(crate) fn get(
        &self,
        tenant: &str,
        kind: &str,
        key: &str,
        now: Micros,
    ) -> Result<Vec<Subscription>, Ticket> {
        let inner = self.lock();
        match inner
            .by_resource
            .get(&(tenant.to_owned(), kind.to_owned(), key.to_owned()))
        {
            Some(all) => Ok(all.iter().filter(|s| s.expires_at > now).cloned().collect()),
            None => Err(Ticket(inner.generation)),
        }
    }

    /// Keeps what the database answered (every subscription of the resource, expired ones too).
    pub(crate) fn keep(&self, ticket: Ticket, tenant: &str, kind: &str, key: &str, all: Vec<Subscription>) {
        let mut inner = self.lock();
        if inner.generation != ticket.0 {
            return;
        }
        if inner.by_resource.len() >= MAX_ENTRIES {
            inner.by_resource.clear();
        }
        inner.by_resource.insert(
            (tenant.to_owned(), kind.to_owned(), key.to_owned()),
            Arc::new(all),
        );
    }

    /// A subscription was written: forget everything (subscription writes are rare).
    pub(crate) fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.by_resource.clear();
    }
}
