//! Document bytes: copied blob by blob (streamed, never whole in memory) and verified by SHA-256.

use anyhow::{Context, bail};
use futures::StreamExt;
use platen_blob::BlobStore;
use sha2::{Digest, Sha256};
use sqlx::Any;
use std::collections::BTreeMap;

/// Every blob the data refers to: documents' bytes (with their recorded SHA-256) and the ranges of upload
/// sessions still in progress. A redirect makes two documents share one blob; it is listed once.
pub async fn referenced<'e, E>(exec: E) -> anyhow::Result<BTreeMap<String, Option<String>>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT blob_key, sha256 FROM documents WHERE blob_key IS NOT NULL \
         UNION ALL SELECT blob_key, NULL FROM upload_ranges",
    )
    .fetch_all(exec)
    .await?;
    let mut out = BTreeMap::new();
    for (key, sha) in rows {
        let entry = out.entry(key).or_insert(None);
        if sha.is_some() {
            *entry = sha;
        }
    }
    Ok(out)
}

#[derive(Debug, Default)]
pub struct Copied {
    pub blobs: u64,
    pub bytes: u64,
}

/// Copies each blob; a blob whose bytes do not match its recorded checksum stops the migration.
pub async fn copy(
    from: &dyn BlobStore,
    to: &dyn BlobStore,
    keys: &BTreeMap<String, Option<String>>,
) -> anyhow::Result<Copied> {
    let mut copied = Copied::default();
    for (key, expected) in keys {
        let (len, stream) = from
            .get(key)
            .await
            .with_context(|| format!("reading document blob {key} from the source"))?;
        let stored = to
            .put(key, stream, len)
            .await
            .with_context(|| format!("writing document blob {key} to the destination"))?;
        if stored.size != len {
            bail!("blob {key}: copied {} bytes of {len}", stored.size);
        }
        if let Some(sha) = expected
            && !sha.eq_ignore_ascii_case(&stored.sha256_hex)
        {
            bail!(
                "blob {key}: the source's bytes hash to {} but the document records {sha}",
                stored.sha256_hex
            );
        }
        copied.blobs += 1;
        copied.bytes += stored.size;
    }
    Ok(copied)
}

/// SHA-256 (hex) of a stored blob, read back by streaming.
pub async fn digest(store: &dyn BlobStore, key: &str) -> anyhow::Result<String> {
    let (_, mut stream) = store.get(key).await?;
    let mut hasher = Sha256::new();
    while let Some(chunk) = stream.next().await {
        hasher.update(&chunk?);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[derive(Debug, Default)]
pub struct Verified {
    pub documents: u64,
    pub mismatches: Vec<String>,
}

/// Re-reads every document of the destination and compares it with `documents.sha256` there.
pub async fn verify<'e, E>(exec: E, store: &dyn BlobStore) -> anyhow::Result<Verified>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, blob_key, sha256 FROM documents WHERE blob_key IS NOT NULL ORDER BY tenant_id, id",
    )
    .fetch_all(exec)
    .await?;
    let mut out = Verified::default();
    for (id, key, sha) in rows {
        out.documents += 1;
        match (digest(store, &key).await, sha) {
            (Ok(got), Some(want)) if got.eq_ignore_ascii_case(&want) => {}
            (Ok(got), Some(want)) => out
                .mismatches
                .push(format!("document {id}: {got} ≠ recorded {want}")),
            (Ok(_), None) => out
                .mismatches
                .push(format!("document {id}: no recorded checksum")),
            (Err(e), _) => out.mismatches.push(format!("document {id}: {e:#}")),
        }
    }
    Ok(out)
}
