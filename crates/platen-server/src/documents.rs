//! Where document bytes live: the local disk (the embedded default), PostgreSQL (shared by every node on
//! the database) or an S3-compatible object store (shared too), chosen by the `documents` setting or, when
//! unset, by the database URL.

use crate::config::Config;
use anyhow::Context;
use platen_blob::{BlobStore, LocalDisk, PostgresBlobs, S3Blobs, S3Config};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// A document store, as named on the command line or in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Documents {
    /// Files under a directory.
    Disk(PathBuf),
    /// Chunk rows in a PostgreSQL database (`postgres://…`).
    Postgres(String),
    /// Objects in a bucket.
    S3(S3Config),
}

/// `[s3]` in the configuration (or `PLATEN_S3__BUCKET`, …). Unset values come from the standard `AWS_*`
/// environment variables.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct S3Settings {
    pub bucket: String,
    /// e.g. `http://minio.internal:9000`; unset for AWS S3.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow a plain `http://` endpoint.
    #[serde(default)]
    pub allow_http: bool,
}

impl From<&S3Settings> for S3Config {
    fn from(s: &S3Settings) -> Self {
        S3Config {
            bucket: s.bucket.clone(),
            endpoint: s.endpoint.clone(),
            region: s.region.clone(),
            access_key_id: s.access_key_id.clone(),
            secret_access_key: s.secret_access_key.clone(),
            allow_http: s.allow_http,
        }
    }
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

impl Documents {
    /// `disk` / `postgres` (or unset: by the database URL), for a server's configuration.
    pub fn from_config(cfg: &Config) -> anyhow::Result<Self> {
        let url = cfg.database_url();
        let kind = cfg
            .documents
            .clone()
            .unwrap_or_else(|| if is_postgres_url(&url) { "postgres" } else { "disk" }.to_string());
        match kind.as_str() {
            "disk" => Ok(Self::Disk(cfg.documents_dir())),
            "postgres" if is_postgres_url(&url) => Ok(Self::Postgres(url)),
            "postgres" => anyhow::bail!("documents = \"postgres\" needs a postgres:// database URL"),
            "s3" => match &cfg.s3 {
                Some(s3) if !s3.bucket.is_empty() => Ok(Self::S3(s3.into())),
                _ => anyhow::bail!("documents = \"s3\" needs [s3] bucket = \"…\" (PLATEN_S3__BUCKET)"),
            },
            other => {
                anyhow::bail!("unknown documents store '{other}' (expected \"disk\", \"postgres\" or \"s3\")")
            }
        }
    }

    /// A command-line value: `postgres://…`, `s3://BUCKET` (endpoint and credentials from the `AWS_*`
    /// environment: `AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`, …) or a
    /// directory.
    pub fn parse(value: &str) -> Self {
        if is_postgres_url(value) {
            Self::Postgres(value.to_string())
        } else if let Some(bucket) = value.strip_prefix("s3://") {
            Self::S3(S3Config {
                bucket: bucket.trim_end_matches('/').to_string(),
                ..S3Config::default()
            })
        } else {
            Self::Disk(PathBuf::from(value))
        }
    }

    pub async fn open(&self) -> anyhow::Result<Arc<dyn BlobStore>> {
        Ok(match self {
            Self::Disk(dir) => Arc::new(
                LocalDisk::open(dir)
                    .await
                    .with_context(|| format!("opening the document directory {}", dir.display()))?,
            ),
            Self::Postgres(url) => Arc::new(
                PostgresBlobs::open(url)
                    .await
                    .context("opening the PostgreSQL document store")?,
            ),
            Self::S3(cfg) => Arc::new(S3Blobs::open(cfg).context("configuring the S3 document store")?),
        })
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Disk(dir) => format!("disk:{}", dir.display()),
            Self::Postgres(url) => crate::serve::redact(url),
            Self::S3(cfg) => format!(
                "s3://{}{}",
                cfg.bucket,
                cfg.endpoint
                    .as_deref()
                    .map(|e| format!(" at {e}"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// The document store of a server's configuration.
pub async fn open(cfg: &Config) -> anyhow::Result<Arc<dyn BlobStore>> {
    let documents = Documents::from_config(cfg)?;
    tracing::info!(documents = %documents.describe(), "document store");
    if let Documents::Postgres(url) = &documents {
        // Half the store's pool: document bytes move in long streams, the store's queries are short.
        let pool = (cfg.database_max_connections / 2).max(2);
        return Ok(Arc::new(
            PostgresBlobs::open_with_pool(url, pool)
                .await
                .context("opening the PostgreSQL document store")?,
        ));
    }
    documents.open().await
}
