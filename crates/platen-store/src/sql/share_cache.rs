//! Shares with their printers, and users' last use of shares, kept in memory on SQLite.
//!
//! A `GET` of a share, and every job created on one, reads the share, its printer and the caller's last use of
//! it. That is one statement, but on SQLite a read transaction's locks cost more than the lookup itself, and the
//! rows nearly never change. On SQLite this process is the database's only writer and every write to these rows
//! goes through this store, which forgets what it wrote once the write has committed; a lookup that raced such
//! a write is not kept (a generation count), so the cache never answers older than the last committed write.
//!
//! Who a restricted share allows is not kept: for a user on such a share the statement runs every time (the
//! cache answers administrators, apps, and users of shares that allow all users). PostgreSQL serves several
//! nodes, whose writes this node would learn of only through a hint that may be lost; there the statement runs
//! every time.

use crate::ShareView;
use platen_domain::records::{Printer, Share};
use platen_domain::time::Micros;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Shares kept at most; past it, start over (a tenant has one share per printer: thousands, not millions).
const MAX_SHARES: usize = 20_000;
/// Users' last uses kept at most; past it, start over.
const MAX_USES: usize = 200_000;

/// (tenant, share id) and (tenant, user id in lower case, share id).
type ShareKey = (String, String);
type UseKey = (String, String, String);

#[derive(Default)]
pub(crate) struct ShareCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    shares: HashMap<ShareKey, Arc<(Share, Printer)>>,
    last_uses: HashMap<UseKey, Option<Micros>>,
}

/// Taken before a lookup in the database; its answer is kept only if nothing was written meanwhile.
pub(crate) struct Ticket(u64);

impl ShareCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The share's view for `user` if everything it needs is known and `restricted_viewer` (a user who is not an
    /// administrator) does not need the share's access lists; else a ticket for [`ShareCache::keep`].
    pub(crate) fn view(
        &self,
        tenant: &str,
        id: &str,
        user: &str,
        restricted_viewer: bool,
    ) -> Result<ShareView, Ticket> {
        let inner = self.lock();
        let share = inner.shares.get(&(tenant.to_owned(), id.to_owned()));
        let last_use = inner
            .last_uses
            .get(&(tenant.to_owned(), user.to_ascii_lowercase(), id.to_owned()));
        match (share, last_use) {
            (Some(found), Some(last_used)) if !restricted_viewer || found.0.allow_all_users => {
                Ok(ShareView {
                    share: found.0.clone(),
                    printer: found.1.clone(),
                    last_used: *last_used,
                    visible: true,
                })
            }
            _ => Err(Ticket(inner.generation)),
        }
    }

    /// Keeps what the database answered for `user`.
    pub(crate) fn keep(&self, ticket: Ticket, user: &str, view: &ShareView) {
        let mut inner = self.lock();
        if inner.generation != ticket.0 {
            return;
        }
        let tenant = view.share.tenant_id.to_string();
        let id = view.share.id.to_string();
        if inner.shares.len() >= MAX_SHARES {
            inner.shares.clear();
        }
        if inner.last_uses.len() >= MAX_USES {
            inner.last_uses.clear();
        }
        inner.last_uses.insert(
            (tenant.clone(), user.to_ascii_lowercase(), id.clone()),
            view.last_used,
        );
        inner
            .shares
            .insert((tenant, id), Arc::new((view.share.clone(), view.printer.clone())));
    }

    /// A share or a printer was written (rare): forget everything (a share's deletion takes its uses along).
    pub(crate) fn forget_shares(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.shares.clear();
        inner.last_uses.clear();
    }

    /// A user's use of a share was written.
    pub(crate) fn forget_use(&self, tenant: &str, user: &str, share: &str) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner
            .last_uses
            .remove(&(tenant.to_owned(), user.to_ascii_lowercase(), share.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(allow_all_users: bool, last_used: Option<Micros>) -> ShareView {
        let printer = crate::conformance::printer("t", "p", "P");
        ShareView {
            share: Share {
                tenant_id: "t".into(),
                id: "s".into(),
                printer_id: "p".into(),
                display_name: "S".into(),
                allow_all_users,
                created_at: 1,
            },
            printer,
            last_used,
            visible: true,
        }
    }

    #[test]
    fn answers_what_it_kept_until_a_write_and_never_keeps_a_raced_lookup() {
        let cache = ShareCache::default();
        let Err(ticket) = cache.view("t", "s", "Alice", false) else {
            panic!("empty")
        };
        cache.keep(ticket, "alice", &view(true, Some(7)));
        let known = cache.view("t", "s", "ALICE", true).ok().expect("kept");
        assert_eq!((known.last_used, known.share.id.as_str()), (Some(7), "s"));
        assert!(
            cache.view("t", "s", "bob", false).is_err(),
            "bob's last use is not known"
        );

        // A lookup that started before a write is not kept after it.
        let Err(stale) = cache.view("t", "s", "bob", false) else {
            panic!("unknown")
        };
        cache.forget_use("t", "alice", "s");
        cache.keep(stale, "bob", &view(true, None));
        assert!(cache.view("t", "s", "bob", false).is_err());
        assert!(
            cache.view("t", "s", "alice", false).is_err(),
            "alice's use was written"
        );

        let Err(ticket) = cache.view("t", "s", "alice", false) else {
            panic!("forgotten")
        };
        cache.keep(ticket, "alice", &view(true, Some(8)));
        assert_eq!(
            cache.view("t", "s", "alice", false).ok().map(|v| v.last_used),
            Some(Some(8))
        );
        cache.forget_shares();
        assert!(cache.view("t", "s", "alice", false).is_err());
    }

    #[test]
    fn a_restricted_share_is_not_answered_for_a_user() {
        let cache = ShareCache::default();
        let Err(ticket) = cache.view("t", "s", "alice", false) else {
            panic!("empty")
        };
        cache.keep(ticket, "alice", &view(false, None));
        assert!(
            cache.view("t", "s", "alice", false).is_ok(),
            "administrators and apps"
        );
        assert!(
            cache.view("t", "s", "alice", true).is_err(),
            "a user needs the access lists"
        );
    }
}
