//! Where document bytes live. Everything streams: bytes go from the request body to storage and from storage
//! to the response without a whole document ever being held in memory. A `put` returns only after the bytes
//! are durable, so the database row that points at them may be committed next.
//!
//! [`LocalDisk`] is the embedded default; [`PostgresBlobs`] keeps the bytes in PostgreSQL and [`S3Blobs`] in
//! an S3-compatible object store, so that several nodes share them.

mod local;
mod postgres;
mod range_writer;
mod s3;

pub use local::LocalDisk;
pub use postgres::{DEFAULT_CHUNK_SIZE, PostgresBlobs};
pub use s3::{S3Blobs, S3Config};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

/// SHA-256 (hex) and length of a byte stream, read once.
pub async fn digest(mut body: ByteStream) -> Result<Stored, BlobError> {
    use futures::StreamExt;
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        size += chunk.len() as u64;
        hasher.update(&chunk);
    }
    Ok(Stored {
        size,
        sha256_hex: hex::encode(hasher.finalize()),
    })
}

pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob not found: {0}")]
    NotFound(String),
    #[error("invalid blob key: {0}")]
    InvalidKey(String),
    /// The incoming stream failed (client disconnected, body read error) or exceeded its declared size.
    #[error("source stream failed: {0}")]
    Source(String),
    #[error("storage I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The storage service (a database, an object store) failed.
    #[error("storage backend error: {0}")]
    Backend(String),
}

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub size: u64,
    pub sha256_hex: String,
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Streams `body` into `key`, failing if it yields more than `max_len` bytes. Durable on return.
    async fn put(&self, key: &str, body: ByteStream, max_len: u64) -> Result<Stored, BlobError>;
    /// Streams the blob's bytes.
    async fn get(&self, key: &str) -> Result<(u64, ByteStream), BlobError>;
    /// Streams `len` bytes of the blob from byte `offset` (a ranged download). A range reaching past the end is
    /// cut at the end: the caller checks ranges against the document's recorded size.
    async fn get_range(&self, key: &str, offset: u64, len: u64) -> Result<ByteStream, BlobError>;
    /// Concatenates `parts` in order into `key`, hashing as it goes (the pieces of upload sessions started
    /// before ranges were written in place; nothing else uses it).
    async fn compose(&self, key: &str, parts: &[String]) -> Result<Stored, BlobError>;
    /// Whether an upload's ranges are written into the upload's blob itself, at their offsets (local disk), rather
    /// than each under a key of its own (stores that cannot write into the middle of a blob).
    fn writes_in_place(&self) -> bool {
        false
    }
    /// Where the range of the upload `key` that starts at `offset` is written until [`BlobStore::finish_upload`]
    /// (`tag` is unique per write): `key` itself when the store [writes in place](BlobStore::writes_in_place).
    fn part_key(&self, key: &str, offset: u64, tag: &str) -> String {
        if self.writes_in_place() {
            key.to_string()
        } else {
            format!("{key}.part-{offset}-{tag}")
        }
    }
    /// Writes exactly `len` bytes of `body` at `offset` of the upload `key`, under `part` (from
    /// [`BlobStore::part_key`]); anything else is a [`BlobError::Source`]. Durable on return. Disjoint ranges of
    /// one upload may be written at once, from several nodes; the caller makes sure no two writes overlap.
    async fn put_part(
        &self,
        key: &str,
        part: &str,
        offset: u64,
        body: ByteStream,
        len: u64,
    ) -> Result<(), BlobError>;
    /// Makes the upload's parts (covering `0..size` exactly, in offset order) the blob `key`, without copying
    /// where the store can. With `sha256_hex` (the caller hashed the bytes as they arrived) the bytes are not
    /// read again; without, they are read once. Idempotent: once finished, it answers the finished blob (parts
    /// already consumed are not needed again).
    async fn finish_upload(
        &self,
        key: &str,
        parts: &[String],
        size: u64,
        sha256_hex: Option<String>,
    ) -> Result<Stored, BlobError>;
    /// Deleting a missing blob is not an error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}

/// Keys are `/`-separated segments of `[A-Za-z0-9._-]`, never `.` or `..`.
pub fn validate_key(key: &str) -> Result<(), BlobError> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(BlobError::InvalidKey(key.to_string()))
    }
}
