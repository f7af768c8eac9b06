//! SHA-256 of upload sessions whose ranges arrive in order on this node, computed as the bytes stream in, so
//! that finishing the upload does not read the document again. Bounded: at most [`MAX_SESSIONS`] sessions, an
//! idle one dropped after [`IDLE`]; a session whose next range here is not the one that continues its hash
//! (out of order, or sent to another node) loses its hasher, and its document is hashed by reading it once at
//! completion instead. The recorded SHA-256 is right either way: a hasher only ever saw the bytes of ranges
//! that were written and confirmed, contiguously from byte 0.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

const MAX_SESSIONS: usize = 1024;
const IDLE: Duration = Duration::from_secs(600);

struct Entry {
    /// The byte the hash continues at.
    next: u64,
    hasher: Sha256,
    touched: Instant,
}

#[derive(Default)]
pub(crate) struct Hashers {
    sessions: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for Hashers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hashers")
            .field("sessions", &self.lock().len())
            .finish()
    }
}

impl Hashers {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Each change is one step: a panic elsewhere leaves the map consistent.
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The hasher for a range of `session` starting at `first`, taken out while the range is written: the
    /// session's own if it continues at `first`, a new one if `first` is 0 and there is room, else none (and the
    /// session's hasher, which the range would break, is dropped).
    pub(crate) fn take(&self, session: &str, first: u64) -> Option<Sha256> {
        let mut map = self.lock();
        let now = Instant::now();
        map.retain(|_, e| now.duration_since(e.touched) < IDLE);
        match map.remove(session) {
            Some(e) if e.next == first => Some(e.hasher),
            Some(_) => None,
            None if first == 0 && map.len() < MAX_SESSIONS => Some(Sha256::new()),
            None => None,
        }
    }

    /// Gives back a hasher after its range was written and confirmed; it continues at `next`.
    pub(crate) fn put_back(&self, session: &str, next: u64, hasher: Sha256) {
        let mut map = self.lock();
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map.iter().min_by_key(|(_, e)| e.touched).map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(
            session.to_string(),
            Entry {
                next,
                hasher,
                touched: Instant::now(),
            },
        );
    }

    /// The session's SHA-256 (hex) if this node hashed all of its `size` bytes; the hasher is dropped.
    pub(crate) fn finished(&self, session: &str, size: u64) -> Option<String> {
        let e = self.lock().remove(session)?;
        (e.next == size).then(|| hex::encode(e.hasher.finalize()))
    }

    pub(crate) fn forget(&self, session: &str) {
        self.lock().remove(session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_ranges_keep_their_hash_and_others_drop_it() {
        let h = Hashers::default();
        let mut a = h.take("s", 0).unwrap();
        a.update(b"hello ");
        h.put_back("s", 6, a);
        assert!(h.take("s", 3).is_none(), "out of order");
        assert!(h.finished("s", 11).is_none(), "dropped");

        let mut a = h.take("s", 0).unwrap();
        a.update(b"hello ");
        h.put_back("s", 6, a);
        let mut b = h.take("s", 6).unwrap();
        b.update(b"world");
        h.put_back("s", 11, b);
        assert_eq!(
            h.finished("s", 11).unwrap(),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert!(h.take("t", 5).is_none(), "a hash starts at byte 0");
    }

    #[test]
    fn bounded() {
        let h = Hashers::default();
        for i in 0..MAX_SESSIONS + 10 {
            let s = i.to_string();
            if let Some(x) = h.take(&s, 0) {
                h.put_back(&s, 1, x);
            }
        }
        assert!(h.lock().len() <= MAX_SESSIONS);
    }
}
