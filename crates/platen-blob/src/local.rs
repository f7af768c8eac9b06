//! Blobs as files under one directory. Writes go to a temporary file that is fsynced and renamed into place
//! (then the directory is fsynced), so a blob is either wholly there or absent, and durable once `put` returns.

use crate::{BlobError, BlobStore, ByteStream, Stored, validate_key};
use async_trait::async_trait;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::fs::{self, File};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio_util::io::ReaderStream;

#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        fs::create_dir_all(root.join(".tmp")).await?;
        Ok(Self { root })
    }

    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        validate_key(key)?;
        Ok(self.root.join(key))
    }

    fn temp_path(&self) -> PathBuf {
        self.root
            .join(".tmp")
            .join(uuid::Uuid::new_v4().simple().to_string())
    }

    /// Moves a finished temporary file into place durably.
    async fn install(&self, temp: &Path, target: &Path) -> Result<(), BlobError> {
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir).await?;
        fs::rename(temp, target).await?;
        File::open(&dir).await?.sync_all().await?;
        Ok(())
    }
}

struct Writer {
    file: BufWriter<File>,
    hasher: Sha256,
    size: u64,
}

impl Writer {
    async fn create(path: &Path) -> Result<Self, BlobError> {
        Ok(Self {
            file: BufWriter::with_capacity(256 * 1024, File::create(path).await?),
            hasher: Sha256::new(),
            size: 0,
        })
    }
    async fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        self.file.write_all(chunk).await?;
        Ok(())
    }
    async fn finish(mut self) -> Result<Stored, BlobError> {
        self.file.flush().await?;
        self.file.get_ref().sync_all().await?;
        Ok(Stored {
            size: self.size,
            sha256_hex: hex::encode(self.hasher.finalize()),
        })
    }
}

#[async_trait]
impl BlobStore for LocalDisk {
    async fn put(&self, key: &str, mut body: ByteStream, max_len: u64) -> Result<Stored, BlobError> {
        let target = self.path(key)?;
        let temp = self.temp_path();
        let result = async {
            let mut w = Writer::create(&temp).await?;
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| BlobError::Source(e.to_string()))?;
                if w.size + chunk.len() as u64 > max_len {
                    return Err(BlobError::Source(format!(
                        "more than the declared {max_len} bytes"
                    )));
                }
                w.write(&chunk).await?;
            }
            let stored = w.finish().await?;
            self.install(&temp, &target).await?;
            Ok(stored)
        }
        .await;
        if result.is_err() {
            let _ = fs::remove_file(&temp).await;
        }
        result
    }

    async fn get(&self, key: &str) -> Result<(u64, ByteStream), BlobError> {
        let path = self.path(key)?;
        let file = match File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(key.into()));
            }
            Err(e) => return Err(e.into()),
        };
        let len = file.metadata().await?.len();
        Ok((len, ReaderStream::with_capacity(file, 64 * 1024).boxed()))
    }

    async fn compose(&self, key: &str, parts: &[String]) -> Result<Stored, BlobError> {
        let target = self.path(key)?;
        let temp = self.temp_path();
        let result = async {
            let mut w = Writer::create(&temp).await?;
            let mut buf = vec![0u8; 256 * 1024];
            for part in parts {
                let mut f = File::open(self.path(part)?).await.map_err(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        BlobError::NotFound(part.clone())
                    } else {
                        e.into()
                    }
                })?;
                loop {
                    let n = f.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    w.write(&buf[..n]).await?;
                }
            }
            let stored = w.finish().await?;
            self.install(&temp, &target).await?;
            Ok(stored)
        }
        .await;
        if result.is_err() {
            let _ = fs::remove_file(&temp).await;
        }
        result
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use futures::stream;

    fn body(parts: &[&'static [u8]]) -> ByteStream {
        stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        )
        .boxed()
    }

    async fn read_all(s: &LocalDisk, key: &str) -> Vec<u8> {
        let (_, mut st) = s.get(key).await.unwrap();
        let mut out = vec![];
        while let Some(c) = st.next().await {
            out.extend_from_slice(&c.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn put_compose_get_delete() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalDisk::open(dir.path()).await.unwrap();
        let a = s.put("u/s1/a", body(&[b"hel", b"lo "]), 100).await.unwrap();
        assert_eq!(a.size, 6);
        s.put("u/s1/b", body(&[b"world"]), 100).await.unwrap();
        let doc = s
            .compose("d/doc1", &["u/s1/a".into(), "u/s1/b".into()])
            .await
            .unwrap();
        assert_eq!(doc.size, 11);
        assert_eq!(
            doc.sha256_hex,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(read_all(&s, "d/doc1").await, b"hello world");
        s.delete("d/doc1").await.unwrap();
        s.delete("d/doc1").await.unwrap();
        assert!(matches!(s.get("d/doc1").await, Err(BlobError::NotFound(_))));
    }

    #[tokio::test]
    async fn oversized_bodies_and_bad_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalDisk::open(dir.path()).await.unwrap();
        assert!(matches!(
            s.put("x", body(&[b"toolong"]), 3).await,
            Err(BlobError::Source(_))
        ));
        assert!(matches!(s.get("x").await, Err(BlobError::NotFound(_))));
        for bad in ["", "../etc/passwd", "a//b", "a/./b", "a b"] {
            assert!(
                matches!(s.put(bad, body(&[b"x"]), 3).await, Err(BlobError::InvalidKey(_))),
                "{bad}"
            );
        }
    }
}
