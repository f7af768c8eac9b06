//! Blobs in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, …) through `object_store`, shared by every
//! node. A body up to one part (8 MiB) is stored with one PUT; a larger one streams as a multipart upload
//! (at most a few parts in memory) that becomes visible, whole, when it completes. Object stores offer no
//! server-side concatenation of arbitrary objects, so `compose` streams the parts through the process once,
//! hashing on the way.
//!
//! Upload sessions: S3 cannot write into the middle of an object, so each range is an object of its own
//! (`put_part`), and `finish_upload` streams them once through the process into the document (multipart),
//! hashing on the way, then deletes them. That is the one copy S3 still makes. (Server-side `UploadPartCopy`
//! would avoid it only when every range but the last is at least 5 MiB, and `object_store` does not offer it.)

use crate::{BlobError, BlobStore, ByteStream, Stored, validate_key};
use async_trait::async_trait;
use bytes::BytesMut;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};

/// Multipart part size (S3: at least 5 MiB except the last).
const PART: usize = 8 * 1024 * 1024;
/// Parts uploading at once per blob.
const PARTS_IN_FLIGHT: usize = 2;

/// Where the bucket is and how to sign requests; unset values come from the standard `AWS_*` environment
/// variables (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// e.g. `http://127.0.0.1:9000` for MinIO; unset for AWS.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow `http://` endpoints.
    pub allow_http: bool,
}

#[derive(Debug, Clone)]
pub struct S3Blobs {
    store: std::sync::Arc<AmazonS3>,
}

fn backend(e: object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { path, .. } => BlobError::NotFound(path),
        other => BlobError::Backend(other.to_string()),
    }
}

impl S3Blobs {
    pub fn open(cfg: &S3Config) -> Result<Self, BlobError> {
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(&cfg.bucket)
            .with_allow_http(cfg.allow_http);
        if let Some(e) = &cfg.endpoint {
            // Path-style requests (`{endpoint}/{bucket}/{key}`), as MinIO and most S3-compatible servers expect.
            b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
        }
        if let Some(r) = &cfg.region {
            b = b.with_region(r);
        }
        if let Some(k) = &cfg.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(s) = &cfg.secret_access_key {
            b = b.with_secret_access_key(s);
        }
        Ok(Self {
            store: std::sync::Arc::new(b.build().map_err(backend)?),
        })
    }

    fn path(key: &str) -> Result<Path, BlobError> {
        validate_key(key)?;
        Path::parse(key).map_err(|e| BlobError::InvalidKey(e.to_string()))
    }

    /// Streams `parts` (bodies in order) into `key`, one PUT if it all fits in one part, else multipart.
    async fn write(&self, key: &str, parts: Vec<ByteStream>, max_len: u64) -> Result<Stored, BlobError> {
        let path = Self::path(key)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut first = BytesMut::new();
        let mut upload: Option<WriteMultipart> = None;
        let result = async {
            for mut body in parts {
                while let Some(piece) = body.next().await {
                    let piece = piece.map_err(|e| BlobError::Source(e.to_string()))?;
                    if size + piece.len() as u64 > max_len {
                        return Err(BlobError::Source(format!(
                            "more than the declared {max_len} bytes"
                        )));
                    }
                    size += piece.len() as u64;
                    hasher.update(&piece);
                    match upload.as_mut() {
                        Some(w) => {
                            w.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(backend)?;
                            w.put(piece);
                        }
                        None if first.len() + piece.len() <= PART => first.extend_from_slice(&piece),
                        None => {
                            let mut w = WriteMultipart::new_with_chunk_size(
                                self.store.put_multipart(&path).await.map_err(backend)?,
                                PART,
                            );
                            w.put(std::mem::take(&mut first).freeze());
                            w.put(piece);
                            upload = Some(w);
                        }
                    }
                }
            }
            Ok(())
        }
        .await;
        match (result, upload) {
            (Err(e), Some(w)) => {
                let _ = w.abort().await;
                return Err(e);
            }
            (Err(e), None) => return Err(e),
            (Ok(()), Some(w)) => {
                w.finish().await.map_err(backend)?;
            }
            (Ok(()), None) => {
                self.store
                    .put(&path, PutPayload::from(first.freeze()))
                    .await
                    .map_err(backend)?;
            }
        }
        Ok(Stored {
            size,
            sha256_hex: hex::encode(hasher.finalize()),
        })
    }

    async fn open_stream(&self, key: &str) -> Result<(u64, ByteStream), BlobError> {
        let r = self.store.get(&Self::path(key)?).await.map_err(backend)?;
        let len = r.meta.size;
        let stream = r.into_stream().map(|c| c.map_err(std::io::Error::other)).boxed();
        Ok((len, stream))
    }
}

#[async_trait]
impl BlobStore for S3Blobs {
    async fn put(&self, key: &str, body: ByteStream, max_len: u64) -> Result<Stored, BlobError> {
        self.write(key, vec![body], max_len).await
    }

    async fn get(&self, key: &str) -> Result<(u64, ByteStream), BlobError> {
        self.open_stream(key).await
    }

    async fn get_range(&self, key: &str, offset: u64, len: u64) -> Result<ByteStream, BlobError> {
        let path = Self::path(key)?;
        if len == 0 {
            // object_store refuses an empty range; the object must still exist.
            self.store.head(&path).await.map_err(backend)?;
            return Ok(futures::stream::empty().boxed());
        }
        let opts = GetOptions::new().with_range(Some(offset..offset.saturating_add(len)));
        let r = self.store.get_opts(&path, opts).await.map_err(backend)?;
        Ok(r.into_stream().map(|c| c.map_err(std::io::Error::other)).boxed())
    }

    async fn compose(&self, key: &str, parts: &[String]) -> Result<Stored, BlobError> {
        Self::path(key)?;
        // Every part must exist before anything is written; then each is opened when the copy reaches it.
        for p in parts {
            self.store.head(&Self::path(p)?).await.map_err(backend)?;
        }
        let this = self.clone();
        let joined = futures::stream::iter(parts.to_vec())
            .then(move |p| {
                let this = this.clone();
                async move {
                    this.open_stream(&p)
                        .await
                        .map(|(_, s)| s)
                        .map_err(std::io::Error::other)
                }
            })
            .try_flatten()
            .boxed();
        self.write(key, vec![joined], u64::MAX).await
    }

    async fn put_part(
        &self,
        key: &str,
        part: &str,
        _offset: u64,
        body: ByteStream,
        len: u64,
    ) -> Result<(), BlobError> {
        Self::path(key)?;
        let stored = self.write(part, vec![body], len).await?;
        if stored.size != len {
            let _ = self.delete(part).await;
            return Err(BlobError::Source(format!(
                "{} bytes of the declared {len}",
                stored.size
            )));
        }
        Ok(())
    }

    async fn finish_upload(
        &self,
        key: &str,
        parts: &[String],
        size: u64,
        _sha256_hex: Option<String>,
    ) -> Result<Stored, BlobError> {
        let path = Self::path(key)?;
        let stored = match self.store.head(&path).await {
            // Finished already (a retried last range; objects appear whole): read it once for its hash.
            Ok(_) => {
                let (_, stream) = self.open_stream(key).await?;
                crate::digest(stream).await?
            }
            Err(object_store::Error::NotFound { .. }) => {
                let stored = self.compose(key, parts).await?;
                if stored.size != size {
                    self.delete(key).await?;
                }
                stored
            }
            Err(e) => return Err(backend(e)),
        };
        if stored.size != size {
            return Err(BlobError::Backend(format!(
                "{key} holds {} bytes, the upload {size}",
                stored.size
            )));
        }
        // The document exists whole: the parts are not needed again, even by a retry.
        for p in parts {
            if p != key {
                self.delete(p).await?;
            }
        }
        Ok(stored)
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.store.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }
}
