//! Throttling policy: how many job creations per user, per printer and per app, and how many uploaded bytes per
//! user, a window of time allows, and how many uploads a user may have in progress at once. Off unless configured (every limit `None`). Counts are kept in fixed windows in
//! the store, so every node of an installation counts together; a window is `window_secs` long and starts at a
//! multiple of it, so a burst straddling two windows may reach twice a limit (the price of one counter per
//! window instead of a log of every request).

use crate::time::Micros;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// At most `limit` units (jobs, bytes) per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub limit: u64,
    pub window_secs: u64,
}

impl Limit {
    fn window_micros(&self) -> i64 {
        i64::try_from(self.window_secs.max(1)).unwrap_or(i64::MAX / 1_000_000) * 1_000_000
    }

    /// The start of the window `now` falls in.
    pub fn window_start(&self, now: Micros) -> Micros {
        now - now.rem_euclid(self.window_micros())
    }

    /// How long until the window `now` falls in ends (at least a second: `Retry-After` counts whole seconds).
    pub fn retry_after(&self, now: Micros) -> Duration {
        let left = self.window_start(now) + self.window_micros() - now;
        Duration::from_micros(u64::try_from(left).unwrap_or(0)).max(Duration::from_secs(1))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThrottlePolicy {
    /// Job creations by one user (delegated callers), whatever the printer.
    #[serde(default)]
    pub jobs_per_user: Option<Limit>,
    /// Job creations on one printer (through it or any share of it).
    #[serde(default)]
    pub jobs_per_printer: Option<Limit>,
    /// Job creations through one client app (the token's `appid`/`azp`).
    #[serde(default)]
    pub jobs_per_app: Option<Limit>,
    /// Document bytes uploaded for one user's jobs (Graph upload sessions and IPP documents).
    #[serde(default)]
    pub upload_bytes_per_user: Option<Limit>,
    /// Document uploads one user may have in progress at once on one node (Graph range PUTs and IPP documents
    /// being received). Per node, unlike the windows above: it protects a node's connections and disk
    /// bandwidth, and an upload that dies with its node must not hold a slot anywhere.
    #[serde(default)]
    pub concurrent_uploads_per_user: Option<u64>,
}

impl ThrottlePolicy {
    pub fn is_off(&self) -> bool {
        *self == ThrottlePolicy::default()
    }
}

/// Which counter a charge goes to: `jobs:user:{id}`, `jobs:printer:{id}`, `jobs:app:{id}`, `bytes:user:{id}`.
pub fn bucket(what: &str, whose: &str, id: &str) -> String {
    format!("{what}:{whose}:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned_and_retry_after_counts_to_the_next() {
        let l = Limit {
            limit: 5,
            window_secs: 600,
        };
        let t = 1_796_551_234_500_000; // 10:00:34.5 UTC
        assert_eq!(l.window_start(t), 1_796_551_200_000_000);
        assert_eq!(l.retry_after(t), Duration::from_micros(565_500_000));
        assert_eq!(l.retry_after(1_796_551_799_999_999), Duration::from_secs(1));
    }
}
