//! SHA-256 of upload sessions whose ranges arrive in order on this node, computed as the bytes stream in, so
//! that finishing the upload does not read the document again. Bounded: at most [`MAX_SESSIONS`] sessions, an
//! idle one dropped after [`IDLE`]; a session whose next range here is not the one that continues its hash
//! (out of order, or sent to another node) loses its hasher, and its document is hashed by reading it once at
//! completion instead. The recorded SHA-256 is right either way: a hasher only ever saw the bytes of ranges
//! that were written and confirmed, contiguously from byte 0.

use bytes::Bytes;
use futures::StreamExt;
use platen_blob::ByteStream;
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

/// Chunks queued for a range's hashing thread: the receiver waits (and so the network does) beyond them.
const CHUNKS_QUEUED_FOR_HASHING: usize = 32;

/// Hashes one range's bytes on a thread of its own, beside the request task that receives them and the thread
/// that writes them. SHA-256 is the costliest step of an upload (about 0.7 ms per MiB on this machine's SHA
/// extensions, five times the receiving); done on the request task it came between receiving a chunk and asking
/// for the next, and the upload went no faster than the two added together.
pub(crate) struct RangeHashing {
    done: tokio::task::JoinHandle<Option<Sha256>>,
}

impl RangeHashing {
    /// Starts hashing the `len` bytes of a range, continuing `hasher`; `body` is the range's body, which gives
    /// the hashing thread each chunk (shared, not copied) as it passes.
    pub(crate) fn start(hasher: Sha256, len: u64, body: ByteStream) -> (Self, ByteStream) {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(CHUNKS_QUEUED_FOR_HASHING);
        let done = tokio::task::spawn_blocking(move || {
            let (mut hasher, mut seen) = (hasher, 0u64);
            while seen < len {
                let chunk = rx.blocking_recv()?;
                seen += chunk.len() as u64;
                hasher.update(&chunk);
            }
            // Exactly the range's bytes, no more: what the blob store refuses beyond them is not hashed.
            (seen == len).then_some(hasher)
        });
        let body = body
            .then(move |chunk| {
                let tx = tx.clone();
                async move {
                    if let Ok(bytes) = &chunk {
                        // A closed channel means the thread has its `len` bytes (or stopped): nothing to add.
                        let _ = tx.send(bytes.clone()).await;
                    }
                    chunk
                }
            })
            .boxed();
        (Self { done }, body)
    }

    /// The hasher after all of the range's bytes; `None` if it did not see exactly them (the body ended early,
    /// or the thread failed).
    pub(crate) async fn finish(self) -> Option<Sha256> {
        self.done.await.ok().flatten()
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

    #[tokio::test]
    async fn a_range_is_hashed_beside_its_body_and_only_whole() {
        let chunks = || {
            futures::stream::iter([&b"hello "[..], b"wor", b"ld"].map(|c| Ok(Bytes::from_static(c)))).boxed()
        };
        let (hashing, body) = RangeHashing::start(Sha256::new(), 11, chunks());
        let passed: Vec<Bytes> = body.map(|c| c.unwrap()).collect().await;
        assert_eq!(passed.concat(), b"hello world", "the body passes unchanged");
        let h = hashing.finish().await.unwrap();
        assert_eq!(
            hex::encode(h.finalize()),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );

        // A body that ends short (its writer stopped reading, or the client went away) leaves no hasher.
        let (hashing, body) = RangeHashing::start(Sha256::new(), 12, chunks());
        drop(body.collect::<Vec<_>>().await);
        assert!(hashing.finish().await.is_none());
        // Nor does one that goes on past the range.
        let (hashing, body) = RangeHashing::start(Sha256::new(), 7, chunks());
        drop(body.collect::<Vec<_>>().await);
        assert!(hashing.finish().await.is_none());
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
