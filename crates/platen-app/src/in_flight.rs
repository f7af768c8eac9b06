//! Uploads in progress on this node, counted per user, for `concurrent_uploads_per_user`. A slot is taken before
//! the first byte of a body is read and given back when its guard drops (the body stored, refused, or the client
//! gone), so a slot cannot leak past the request that took it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Default)]
pub(crate) struct InFlight {
    counts: Mutex<HashMap<String, u64>>,
}

/// One upload's slot; dropping it frees the slot.
#[derive(Debug)]
pub(crate) struct Slot {
    owner: Arc<InFlight>,
    key: String,
}

impl InFlight {
    /// The counts; a panic elsewhere while holding the lock leaves them consistent (each change is one step).
    fn counts(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A slot for `key` if it has fewer than `limit` in progress.
    pub(crate) fn try_take(self: &Arc<Self>, key: &str, limit: u64) -> Option<Slot> {
        let mut counts = self.counts();
        let n = counts.entry(key.to_string()).or_insert(0);
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(Slot {
            owner: Arc::clone(self),
            key: key.to_string(),
        })
    }

    #[cfg(test)]
    fn in_progress(&self, key: &str) -> u64 {
        self.counts().get(key).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.owner.counts();
        if let Some(n) = counts.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InFlight;
    use std::sync::Arc;

    #[test]
    fn slots_are_counted_per_key_and_freed_on_drop() {
        let f = Arc::new(InFlight::default());
        let a1 = f.try_take("a", 2).unwrap();
        let a2 = f.try_take("a", 2).unwrap();
        assert!(f.try_take("a", 2).is_none());
        let b = f.try_take("b", 2).unwrap();
        assert_eq!(f.in_progress("a"), 2);
        drop(a1);
        let a3 = f.try_take("a", 2).unwrap();
        drop((a2, a3, b));
        assert_eq!(f.in_progress("a"), 0);
        assert!(f.counts().is_empty(), "no key is left behind");
    }
}
