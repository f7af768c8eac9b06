//! Blobs in PostgreSQL, for several Platen nodes on one database: every node sees every document without a
//! shared file system or an object store.
//!
//! A blob is one row in `platen_blobs.objects` (size, SHA-256, number of chunks) and its bytes are rows of
//! `platen_blobs.chunks` (`key`, `seq`, `data BYTEA`) of [`DEFAULT_CHUNK_SIZE`] bytes each (the last one shorter).
//! The store creates its own schema at open, outside the numbered migrations: documents may live elsewhere
//! (local disk, another database) and the main schema does not depend on where.
//!
//! - `put` streams the body into chunk rows inside one transaction, so the blob is wholly there (and durable,
//!   with PostgreSQL's default `synchronous_commit`) once `put` returns, or absent; at most one chunk of the
//!   body is in memory at a time.
//! - `get` streams the chunks one query at a time.
//! - `compose` copies the parts' chunks server-side (`INSERT … SELECT`), then streams the result once through
//!   the process to hash it, all in one transaction.
//! - Writers of the same key serialise on a transaction-scoped advisory lock.
//! - An upload session's ranges (`put_part`) are chunk rows under a key of their own per range, each range in
//!   its own transaction; `finish_upload` renames and renumbers the rows (`UPDATE … SET key, seq`: the chunks'
//!   TOASTed bytes are not rewritten, so finishing is a metadata step) and hashes by reading once only when the
//!   caller did not hash the ranges as they arrived.

use crate::{BlobError, BlobStore, ByteStream, Stored, validate_key};
use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

/// Bytes per chunk row: large enough that a 1 GiB document is ~2000 rows, small enough to hold in memory.
pub const DEFAULT_CHUNK_SIZE: usize = 512 * 1024;

const SCHEMA: &str = "\
    CREATE SCHEMA IF NOT EXISTS platen_blobs; \
    CREATE TABLE IF NOT EXISTS platen_blobs.objects ( \
        key TEXT PRIMARY KEY, size BIGINT NOT NULL, sha256 TEXT NOT NULL, chunks INTEGER NOT NULL, \
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()); \
    CREATE TABLE IF NOT EXISTS platen_blobs.chunks ( \
        key TEXT NOT NULL, seq INTEGER NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (key, seq)); \
    ALTER TABLE platen_blobs.chunks ALTER COLUMN data SET STORAGE EXTERNAL;";

#[derive(Debug, Clone)]
pub struct PostgresBlobs {
    pool: PgPool,
    chunk_size: usize,
}

fn db(e: sqlx::Error) -> BlobError {
    BlobError::Backend(e.to_string())
}

impl PostgresBlobs {
    /// Connects to `postgres://…` and creates the blob schema if it is missing.
    pub async fn open(url: &str) -> Result<Self, BlobError> {
        Self::open_with_pool(url, 8).await
    }

    /// [`PostgresBlobs::open`] with at most `max_connections` connections.
    pub async fn open_with_pool(url: &str, max_connections: u32) -> Result<Self, BlobError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(db)?;
        Self::with_pool(pool).await
    }

    /// Uses an existing pool; creates the blob schema if it is missing.
    pub async fn with_pool(pool: PgPool) -> Result<Self, BlobError> {
        let mut tx = pool.begin().await.map_err(db)?;
        // Nodes starting together would race on CREATE … IF NOT EXISTS; one at a time.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('platen_blobs schema', 0))")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::raw_sql(SCHEMA).execute(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Self {
            pool,
            chunk_size: DEFAULT_CHUNK_SIZE,
        })
    }

    /// Chunk rows of `bytes` bytes (at least 1); tests use small ones to cross chunk boundaries.
    pub fn with_chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.max(1);
        self
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a transaction holding `key`'s writer lock, with any previous blob of that key removed.
    /// Streams `body` into `key`'s chunk rows from sequence 0 (filling each chunk to the chunk size), failing past
    /// `max_len` bytes, hashing into `hasher` if given. Returns the size and the next free sequence number.
    async fn write_chunks(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        key: &str,
        body: &mut ByteStream,
        max_len: u64,
        mut hasher: Option<&mut Sha256>,
    ) -> Result<(u64, i32), BlobError> {
        let mut size = 0u64;
        let mut seq = 0i32;
        let mut buf = BytesMut::with_capacity(self.chunk_size);
        while let Some(piece) = body.next().await {
            let piece = piece.map_err(|e| BlobError::Source(e.to_string()))?;
            if size + piece.len() as u64 > max_len {
                return Err(BlobError::Source(format!(
                    "more than the declared {max_len} bytes"
                )));
            }
            size += piece.len() as u64;
            if let Some(h) = hasher.as_deref_mut() {
                h.update(&piece);
            }
            let mut rest: &[u8] = &piece;
            while !rest.is_empty() {
                let take = (self.chunk_size - buf.len()).min(rest.len());
                buf.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                if buf.len() == self.chunk_size {
                    insert_chunk(tx, key, seq, &buf).await?;
                    buf.clear();
                    seq = seq.checked_add(1).ok_or_else(too_many_chunks)?;
                }
            }
        }
        if !buf.is_empty() {
            insert_chunk(tx, key, seq, &buf).await?;
            seq = seq.checked_add(1).ok_or_else(too_many_chunks)?;
        }
        Ok((size, seq))
    }

    async fn begin_write(&self, key: &str) -> Result<Transaction<'static, Postgres>, BlobError> {
        validate_key(key)?;
        let mut tx = self.pool.begin().await.map_err(db)?;
        lock_key(&mut tx, key).await?;
        remove(&mut tx, key).await?;
        Ok(tx)
    }
}

async fn remove(tx: &mut Transaction<'static, Postgres>, key: &str) -> Result<(), BlobError> {
    sqlx::query("DELETE FROM platen_blobs.chunks WHERE key = $1")
        .bind(key)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    sqlx::query("DELETE FROM platen_blobs.objects WHERE key = $1")
        .bind(key)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// Serialises the writers of one key until the transaction ends.
async fn lock_key(tx: &mut Transaction<'static, Postgres>, key: &str) -> Result<(), BlobError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))")
        .bind(key)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(())
}

async fn insert_chunk(
    tx: &mut Transaction<'static, Postgres>,
    key: &str,
    seq: i32,
    data: &[u8],
) -> Result<(), BlobError> {
    sqlx::query("INSERT INTO platen_blobs.chunks (key, seq, data) VALUES ($1, $2, $3)")
        .bind(key)
        .bind(seq)
        .bind(data)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(())
}

async fn insert_object(
    tx: &mut Transaction<'static, Postgres>,
    key: &str,
    stored: &Stored,
    chunks: i32,
) -> Result<(), BlobError> {
    sqlx::query("INSERT INTO platen_blobs.objects (key, size, sha256, chunks) VALUES ($1, $2, $3, $4)")
        .bind(key)
        .bind(stored.size as i64)
        .bind(&stored.sha256_hex)
        .bind(chunks)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// Chunk `seq` of `key`; a missing row means the blob was deleted or replaced while being read.
async fn read_chunk<'e, E>(exec: E, key: &str, seq: i32) -> Result<Vec<u8>, BlobError>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    sqlx::query_scalar("SELECT data FROM platen_blobs.chunks WHERE key = $1 AND seq = $2")
        .bind(key)
        .bind(seq)
        .fetch_optional(exec)
        .await
        .map_err(db)?
        .ok_or_else(|| BlobError::NotFound(format!("{key} (chunk {seq})")))
}

/// The slice of `data` of chunk `seq`, from byte `from` (0-based), `len` bytes. With the chunks stored
/// uncompressed (`STORAGE EXTERNAL`), PostgreSQL reads only the TOAST pieces the slice covers.
async fn read_slice(pool: &PgPool, key: &str, seq: i32, from: i64, len: i64) -> Result<Vec<u8>, BlobError> {
    sqlx::query_scalar("SELECT substring(data FROM $3::INTEGER FOR $4::INTEGER) FROM platen_blobs.chunks WHERE key = $1 AND seq = $2")
        .bind(key)
        .bind(seq)
        .bind(from + 1)
        .bind(len)
        .fetch_optional(pool)
        .await
        .map_err(db)?
        .ok_or_else(|| BlobError::NotFound(format!("{key} (chunk {seq})")))
}

/// Which slice of which chunk serves `[offset, offset + len)`, given each chunk's length in order (chunks need
/// not be of one size: `compose` copies its parts' chunks as they are).
fn plan_slices(chunk_lens: &[(i32, i64)], offset: u64, len: u64) -> Vec<(i32, i64, i64)> {
    let (offset, end) = (offset as i64, offset.saturating_add(len) as i64);
    let mut at = 0i64;
    let mut plan = Vec::new();
    for &(seq, n) in chunk_lens {
        let (lo, hi) = (offset.max(at), end.min(at + n));
        if lo < hi {
            plan.push((seq, lo - at, hi - lo));
        }
        at += n;
        if at >= end {
            break;
        }
    }
    plan
}

fn too_many_chunks() -> BlobError {
    BlobError::Source("blob too large for its chunk size".into())
}

#[async_trait]
impl BlobStore for PostgresBlobs {
    async fn put(&self, key: &str, mut body: ByteStream, max_len: u64) -> Result<Stored, BlobError> {
        let mut tx = self.begin_write(key).await?;
        let mut hasher = Sha256::new();
        let (size, seq) = self
            .write_chunks(&mut tx, key, &mut body, max_len, Some(&mut hasher))
            .await?;
        let stored = Stored {
            size,
            sha256_hex: hex::encode(hasher.finalize()),
        };
        insert_object(&mut tx, key, &stored, seq).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn get(&self, key: &str) -> Result<(u64, ByteStream), BlobError> {
        validate_key(key)?;
        let row: Option<(i64, i32)> =
            sqlx::query_as("SELECT size, chunks FROM platen_blobs.objects WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        let (size, chunks) = row.ok_or_else(|| BlobError::NotFound(key.into()))?;
        let pool = self.pool.clone();
        let key = key.to_string();
        let stream = futures::stream::unfold(0i32, move |seq| {
            let (pool, key) = (pool.clone(), key.clone());
            async move {
                if seq >= chunks {
                    return None;
                }
                let item = read_chunk(&pool, &key, seq)
                    .await
                    .map(Bytes::from)
                    .map_err(std::io::Error::other);
                // After an error the stream ends.
                let next = if item.is_ok() { seq + 1 } else { chunks };
                Some((item, next))
            }
        });
        Ok((size as u64, stream.boxed()))
    }

    async fn get_range(&self, key: &str, offset: u64, len: u64) -> Result<ByteStream, BlobError> {
        validate_key(key)?;
        // octet_length of an uncompressed TOAST value reads its header only, not the bytes.
        let lens: Vec<(i32, i64)> = sqlx::query_as(
            "SELECT seq, octet_length(data)::BIGINT FROM platen_blobs.chunks WHERE key = $1 ORDER BY seq",
        )
        .bind(key)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        if lens.is_empty() {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT size FROM platen_blobs.objects WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
            exists.ok_or_else(|| BlobError::NotFound(key.into()))?;
        }
        let pool = self.pool.clone();
        let key = key.to_string();
        let stream = futures::stream::iter(plan_slices(&lens, offset, len))
            .then(move |(seq, from, n)| {
                let (pool, key) = (pool.clone(), key.clone());
                async move {
                    read_slice(&pool, &key, seq, from, n)
                        .await
                        .map(Bytes::from)
                        .map_err(std::io::Error::other)
                }
            })
            .boxed();
        Ok(stream)
    }

    async fn compose(&self, key: &str, parts: &[String]) -> Result<Stored, BlobError> {
        let mut tx = self.begin_write(key).await?;
        let mut next_seq = 0i32;
        for part in parts {
            validate_key(part)?;
            let chunks: i32 = sqlx::query_scalar("SELECT chunks FROM platen_blobs.objects WHERE key = $1")
                .bind(part)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or_else(|| BlobError::NotFound(part.clone()))?;
            // Server-side copy: the bytes never leave the database here.
            sqlx::query(
                "INSERT INTO platen_blobs.chunks (key, seq, data) \
                 SELECT $1, seq + $2, data FROM platen_blobs.chunks WHERE key = $3",
            )
            .bind(key)
            .bind(next_seq)
            .bind(part)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            next_seq = next_seq.checked_add(chunks).ok_or_else(too_many_chunks)?;
        }
        // One streaming pass over the result, inside the transaction, for its size and hash.
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        for seq in 0..next_seq {
            let data = read_chunk(&mut *tx, key, seq).await?;
            hasher.update(&data);
            size += data.len() as u64;
        }
        let stored = Stored {
            size,
            sha256_hex: hex::encode(hasher.finalize()),
        };
        insert_object(&mut tx, key, &stored, next_seq).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn put_part(
        &self,
        key: &str,
        part: &str,
        _offset: u64,
        mut body: ByteStream,
        len: u64,
    ) -> Result<(), BlobError> {
        validate_key(key)?;
        validate_key(part)?;
        // A part key is unique to one write: no lock, no previous rows.
        let mut tx = self.pool.begin().await.map_err(db)?;
        let (size, _) = self.write_chunks(&mut tx, part, &mut body, len, None).await?;
        if size != len {
            return Err(BlobError::Source(format!("{size} bytes of the declared {len}")));
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn finish_upload(
        &self,
        key: &str,
        parts: &[String],
        size: u64,
        sha256_hex: Option<String>,
    ) -> Result<Stored, BlobError> {
        validate_key(key)?;
        let mut tx = self.pool.begin().await.map_err(db)?;
        lock_key(&mut tx, key).await?;
        let done: Option<(i64, String)> =
            sqlx::query_as("SELECT size, sha256 FROM platen_blobs.objects WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        if let Some((done_size, sha256_hex)) = done {
            // Finished already (a retried last range): the parts were consumed then.
            if done_size as u64 != size {
                return Err(BlobError::Backend(format!(
                    "{key} holds {done_size} bytes, the upload {size}"
                )));
            }
            return Ok(Stored { size, sha256_hex });
        }
        for p in parts {
            validate_key(p)?;
        }
        remove(&mut tx, key).await?;
        // Every chunk of the parts, in the parts' order then their own, becomes chunk n of `key`. Only the rows'
        // keys and numbers change; the bytes stay where they are.
        let moved = sqlx::query(
            "UPDATE platen_blobs.chunks c SET key = $1, seq = o.n - 1              FROM (SELECT key, seq, row_number() OVER (ORDER BY array_position($2::TEXT[], key), seq) AS n                    FROM platen_blobs.chunks WHERE key = ANY($2::TEXT[])) o              WHERE c.key = o.key AND c.seq = o.seq",
        )
        .bind(key)
        .bind(parts)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        let chunks = i32::try_from(moved).map_err(|_| too_many_chunks())?;
        let stored = match sha256_hex {
            Some(sha256_hex) => {
                let total: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(SUM(octet_length(data)), 0)::BIGINT FROM platen_blobs.chunks WHERE key = $1",
                )
                .bind(key)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
                Stored {
                    size: total as u64,
                    sha256_hex,
                }
            }
            None => {
                // One streaming pass, inside the transaction, for the hash.
                let mut hasher = Sha256::new();
                let mut total = 0u64;
                for seq in 0..chunks {
                    let data = read_chunk(&mut *tx, key, seq).await?;
                    hasher.update(&data);
                    total += data.len() as u64;
                }
                Stored {
                    size: total,
                    sha256_hex: hex::encode(hasher.finalize()),
                }
            }
        };
        if stored.size != size {
            // Rolled back: the parts stay as they were.
            return Err(BlobError::Backend(format!(
                "the parts of {key} hold {} bytes, the upload {size}",
                stored.size
            )));
        }
        insert_object(&mut tx, key, &stored, chunks).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        validate_key(key)?;
        let mut tx = self.pool.begin().await.map_err(db)?;
        remove(&mut tx, key).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::plan_slices;

    #[test]
    fn slices_cover_exactly_the_range_across_uneven_chunks() {
        let chunks = [(0, 4), (1, 2), (2, 4)]; // bytes 0..4, 4..6, 6..10
        assert_eq!(plan_slices(&chunks, 0, 10), vec![(0, 0, 4), (1, 0, 2), (2, 0, 4)]);
        assert_eq!(plan_slices(&chunks, 3, 4), vec![(0, 3, 1), (1, 0, 2), (2, 0, 1)]);
        assert_eq!(plan_slices(&chunks, 5, 1), vec![(1, 1, 1)]);
        assert_eq!(plan_slices(&chunks, 9, 5), vec![(2, 3, 1)]);
        assert!(plan_slices(&chunks, 10, 3).is_empty());
        assert!(plan_slices(&chunks, 2, 0).is_empty());
    }
}
