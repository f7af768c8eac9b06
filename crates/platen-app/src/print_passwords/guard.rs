//! What a node remembers about print password logins, in memory and bounded: credentials verified in the last
//! minute (so argon2 is not paid on every IPP request of a job), recent failures per user and per address (so
//! guessing is refused before any lookup or hash), and when each password's `last_used_at` was last written.
//! Every method takes `now`, so the tests drive time without sleeping.

use super::PrintPasswordPolicy;
use platen_domain::{Caller, TenantId};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// SHA-256 of (tenant, lower-case UPN, normalized password): the cache never holds a password.
pub(crate) type CredentialKey = [u8; 32];

pub(crate) fn credential_key(tenant: &str, upn: &str, password: &str) -> CredentialKey {
    let mut h = Sha256::new();
    for part in [tenant, &upn.to_ascii_lowercase(), password] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
}

struct Verified {
    tenant: TenantId,
    id: String,
    /// The caller the password stands for, without the request's address.
    caller: Caller,
    at: Instant,
}

/// Failures of one key within a fixed window that starts at its first failure.
struct Window {
    started: Instant,
    failures: u32,
}

struct Limiter<K> {
    windows: HashMap<K, Window>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    fn new() -> Self {
        Self {
            windows: HashMap::new(),
        }
    }

    /// How long `key` is still refused, if it is.
    fn blocked(&self, key: &K, p: &PrintPasswordPolicy, now: Instant) -> Option<Duration> {
        let w = self.windows.get(key)?;
        let age = now.saturating_duration_since(w.started);
        (w.failures >= p.max_failures && age < p.failure_window).then(|| p.failure_window - age)
    }

    fn fail(&mut self, key: &K, p: &PrintPasswordPolicy, now: Instant) {
        if let Some(w) = self.windows.get_mut(key) {
            if now.saturating_duration_since(w.started) < p.failure_window {
                w.failures = w.failures.saturating_add(1);
            } else {
                *w = Window {
                    started: now,
                    failures: 1,
                };
            }
            return;
        }
        if self.windows.len() >= p.limiter_capacity {
            self.windows
                .retain(|_, w| now.saturating_duration_since(w.started) < p.failure_window);
            // Still full of live windows: give up the oldest, the one closest to expiring anyway.
            if self.windows.len() >= p.limiter_capacity
                && let Some(oldest) = self
                    .windows
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(k, _)| k.clone())
            {
                self.windows.remove(&oldest);
            }
        }
        self.windows.insert(
            key.clone(),
            Window {
                started: now,
                failures: 1,
            },
        );
    }

    fn clear(&mut self, key: &K) {
        self.windows.remove(key);
    }
}

struct State {
    verified: HashMap<CredentialKey, Verified>,
    /// Bumped by every revocation: a login that read its record before a revocation does not cache it after.
    epoch: u64,
    by_user: Limiter<(String, String)>,
    by_remote: Limiter<IpAddr>,
    touched: HashMap<(String, String), Instant>,
}

pub(crate) struct Guard {
    policy: PrintPasswordPolicy,
    state: Mutex<State>,
}

fn user_key(tenant: &str, upn: &str) -> (String, String) {
    (tenant.to_string(), upn.to_ascii_lowercase())
}

impl Guard {
    pub(crate) fn new(policy: PrintPasswordPolicy) -> Self {
        Self {
            policy,
            state: Mutex::new(State {
                verified: HashMap::new(),
                epoch: 0,
                by_user: Limiter::new(),
                by_remote: Limiter::new(),
                touched: HashMap::new(),
            }),
        }
    }

    /// A panic while holding the lock leaves plain maps behind, still usable: recover them rather than fail
    /// every later login.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn remote_blocked(&self, remote: IpAddr, now: Instant) -> Option<Duration> {
        self.state().by_remote.blocked(&remote, &self.policy, now)
    }

    pub(crate) fn user_blocked(&self, tenant: &str, upn: &str, now: Instant) -> Option<Duration> {
        self.state()
            .by_user
            .blocked(&user_key(tenant, upn), &self.policy, now)
    }

    /// The password id and caller of a credential verified less than the cache lifetime ago.
    pub(crate) fn cached(&self, key: &CredentialKey, now: Instant) -> Option<(String, Caller)> {
        let s = self.state();
        let v = s.verified.get(key)?;
        (now.saturating_duration_since(v.at) < self.policy.cache_ttl)
            .then(|| (v.id.clone(), v.caller.clone()))
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.state().epoch
    }

    /// Caches a credential verified against a record read at `epoch`, unless a revocation came since.
    pub(crate) fn remember(&self, key: CredentialKey, id: &str, caller: &Caller, epoch: u64, now: Instant) {
        let mut s = self.state();
        if s.epoch != epoch || self.policy.cache_capacity == 0 {
            return;
        }
        if s.verified.len() >= self.policy.cache_capacity && !s.verified.contains_key(&key) {
            let ttl = self.policy.cache_ttl;
            s.verified
                .retain(|_, v| now.saturating_duration_since(v.at) < ttl);
            if s.verified.len() >= self.policy.cache_capacity
                && let Some(oldest) = s.verified.iter().min_by_key(|(_, v)| v.at).map(|(k, _)| *k)
            {
                s.verified.remove(&oldest);
            }
        }
        s.verified.insert(
            key,
            Verified {
                tenant: caller.tenant_id.clone(),
                id: id.to_string(),
                caller: caller.clone(),
                at: now,
            },
        );
    }

    /// A wrong password (or user name) for `upn`, from `remote`.
    pub(crate) fn failed(&self, tenant: &str, upn: &str, remote: Option<IpAddr>, now: Instant) {
        let mut s = self.state();
        s.by_user.fail(&user_key(tenant, upn), &self.policy, now);
        if let Some(r) = remote {
            s.by_remote.fail(&r, &self.policy, now);
        }
    }

    /// A verified login forgives the user's earlier typos (not the address's: it may be shared).
    pub(crate) fn succeeded(&self, tenant: &str, upn: &str) {
        self.state().by_user.clear(&user_key(tenant, upn));
    }

    /// Drops every cached login of a revoked password, at once.
    pub(crate) fn forget(&self, tenant: &str, id: &str) {
        let mut s = self.state();
        s.epoch = s.epoch.wrapping_add(1);
        s.verified.retain(|_, v| !(v.tenant == tenant && v.id == id));
        s.touched.remove(&(tenant.to_string(), id.to_string()));
    }

    /// Whether `last_used_at` should be written now: at most once per touch interval per password.
    pub(crate) fn should_touch(&self, tenant: &str, id: &str, now: Instant) -> bool {
        let interval = self.policy.touch_interval;
        let mut s = self.state();
        let key = (tenant.to_string(), id.to_string());
        if let Some(last) = s.touched.get(&key)
            && now.saturating_duration_since(*last) < interval
        {
            return false;
        }
        if s.touched.len() >= self.policy.cache_capacity.max(1) && !s.touched.contains_key(&key) {
            s.touched
                .retain(|_, t| now.saturating_duration_since(*t) < interval);
            // Still full: forgetting costs at most one extra write per password.
            if s.touched.len() >= self.policy.cache_capacity.max(1) {
                s.touched.clear();
            }
        }
        s.touched.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests;
