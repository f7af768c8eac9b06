//! Blobs as files under one directory. Writes go to a temporary file that is fsynced and renamed into place
//! (then the directory is fsynced), so a blob is either wholly there or absent, and durable once `put` returns.
//! Nothing is left behind: deleting a blob removes the directories it leaves empty, and temporary files a killed
//! process left are removed at open.
//!
//! An upload session's ranges are written in place: one file per session (its future document key), each
//! range's bytes at their offset, data fsynced before the write returns (and the directory too when the write
//! created the file). Finishing the upload copies nothing: the file already is the document; it is read once to
//! hash it only when the caller did not hash the ranges as they arrived.

use crate::range_writer::RangeWriter;
use crate::{BlobError, BlobStore, ByteStream, Stored, validate_key};
use async_trait::async_trait;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tokio::fs::{self, File};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufWriter};
use tokio_util::io::ReaderStream;

#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

/// A temporary file this old belongs to no write in progress (writes keep touching theirs): a process that was
/// killed left it. Younger ones are left alone, since other nodes may share the directory.
const ABANDONED_TEMP_AGE: Duration = Duration::from_secs(3600);

/// Chunks of an upload range's body queued for its writer thread (a body's chunks are at most a few hundred KiB).
const PART_CHUNKS_IN_FLIGHT: usize = 4;

impl LocalDisk {
    /// The blob's file, opened for reading; a missing file is [`BlobError::NotFound`].
    async fn open_blob(&self, key: &str) -> Result<File, BlobError> {
        match File::open(self.path(key)?).await {
            Ok(f) => Ok(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(BlobError::NotFound(key.into())),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn open(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        fs::create_dir_all(root.join(".tmp")).await?;
        let disk = Self { root };
        disk.remove_abandoned_temp_files(ABANDONED_TEMP_AGE).await?;
        Ok(disk)
    }

    /// Removes temporary files not modified for `age`; returns how many.
    async fn remove_abandoned_temp_files(&self, age: Duration) -> Result<usize, BlobError> {
        let mut removed = 0;
        let mut entries = fs::read_dir(self.root.join(".tmp")).await?;
        while let Some(entry) = entries.next_entry().await? {
            let modified = entry.metadata().await?.modified()?;
            if SystemTime::now().duration_since(modified).unwrap_or_default() >= age {
                match fs::remove_file(entry.path()).await {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        if removed > 0 {
            tracing::info!(
                removed,
                "removed temporary document files left by an interrupted write"
            );
        }
        Ok(removed)
    }

    /// Removes the directories above `path` that are now empty, up to (not including) the root. A directory that
    /// is not empty (or that another writer just filled) stays.
    async fn prune_empty_parents(&self, path: &Path) {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == self.root || !d.starts_with(&self.root) || fs::remove_dir(d).await.is_err() {
                break;
            }
            dir = d.parent();
        }
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
        if let Err(e) = fs::rename(temp, target).await {
            // A delete pruned the directory between our create and rename: make it again, once.
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(e.into());
            }
            fs::create_dir_all(&dir).await?;
            fs::rename(temp, target).await?;
        }
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
        let file = self.open_blob(key).await?;
        let len = file.metadata().await?.len();
        Ok((len, ReaderStream::with_capacity(file, 64 * 1024).boxed()))
    }

    async fn get_range(&self, key: &str, offset: u64, len: u64) -> Result<ByteStream, BlobError> {
        let mut file = self.open_blob(key).await?;
        file.seek(std::io::SeekFrom::Start(offset)).await?;
        Ok(ReaderStream::with_capacity(file.take(len), 64 * 1024).boxed())
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

    fn writes_in_place(&self) -> bool {
        true
    }

    async fn put_part(
        &self,
        key: &str,
        part: &str,
        offset: u64,
        mut body: ByteStream,
        len: u64,
    ) -> Result<(), BlobError> {
        if part != key {
            return Err(BlobError::InvalidKey(format!(
                "{part}: local disk writes an upload's ranges into {key}"
            )));
        }
        let path = self.path(key)?;
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        // The first write of an upload creates its file (and maybe its directory): the directory entry is made
        // durable too. Later writes reopen it.
        let mut attempts = 0;
        let (file, created) = loop {
            attempts += 1;
            if attempts > 3 {
                return Err(BlobError::Backend(format!("{key}: its file keeps disappearing")));
            }
            fs::create_dir_all(&dir).await?;
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .await
            {
                Ok(f) => break (f, true),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    match fs::OpenOptions::new().write(true).open(&path).await {
                        Ok(f) => break (f, false),
                        // Deleted in between (a canceled session): try again from the start.
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
                // A delete pruned the directory between our create and open: make it again.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if created {
            // Its directory may be new too: its entry in the parent is made durable as well.
            File::open(&dir).await?.sync_all().await?;
            if let Some(parent) = dir.parent().filter(|p| p.starts_with(&self.root)) {
                File::open(parent).await?.sync_all().await?;
            }
        }
        // The body's chunks go as they are to a blocking thread that writes them at their offset (see
        // `range_writer`) and fsyncs them, while this task reads the next ones (which the caller may also be
        // handing to its hashing thread).
        let file = file.into_std().await;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(PART_CHUNKS_IN_FLIGHT);
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut range = RangeWriter::new(file, &path, offset, len);
            while let Some(chunk) = rx.blocking_recv() {
                range.write(&chunk)?;
            }
            range.finish()
        });
        let mut written = 0u64;
        let mut refused = None;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    refused = Some(BlobError::Source(e.to_string()));
                    break;
                }
            };
            if written + chunk.len() as u64 > len {
                refused = Some(BlobError::Source(format!("more than the declared {len} bytes")));
                break;
            }
            written += chunk.len() as u64;
            if tx.send(chunk).await.is_err() {
                break; // The writer failed: its error is below.
            }
        }
        drop(tx);
        let wrote = writer
            .await
            .map_err(|e| BlobError::Backend(format!("the writer of {key} failed: {e}")))?;
        if let Some(e) = refused {
            return Err(e);
        }
        wrote?;
        if written != len {
            return Err(BlobError::Source(format!(
                "{written} bytes of the declared {len}"
            )));
        }
        if !created {
            // The write that created the file may not have made its directory entry durable yet.
            File::open(&dir).await?.sync_all().await?;
        }
        Ok(())
    }

    async fn finish_upload(
        &self,
        key: &str,
        _parts: &[String],
        size: u64,
        sha256_hex: Option<String>,
    ) -> Result<Stored, BlobError> {
        let file = self.open_blob(key).await?;
        let len = file.metadata().await?.len();
        if len != size {
            return Err(BlobError::Backend(format!(
                "{key} holds {len} bytes, the upload {size}"
            )));
        }
        match sha256_hex {
            Some(sha256_hex) => Ok(Stored { size, sha256_hex }),
            None => {
                let stored = crate::digest(ReaderStream::with_capacity(file, 1024 * 1024).boxed()).await?;
                if stored.size != size {
                    return Err(BlobError::Backend(format!(
                        "{key}: read {} bytes of {size}",
                        stored.size
                    )));
                }
                Ok(stored)
            }
        }
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = self.path(key)?;
        match fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        self.prune_empty_parents(&path).await;
        Ok(())
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
    async fn deleting_the_last_blob_of_a_directory_removes_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalDisk::open(dir.path()).await.unwrap();
        s.put("uploads/s1/a", body(&[b"a"]), 10).await.unwrap();
        s.put("uploads/s1/b", body(&[b"b"]), 10).await.unwrap();
        s.put("uploads/s2/a", body(&[b"a"]), 10).await.unwrap();
        s.delete("uploads/s1/a").await.unwrap();
        assert!(dir.path().join("uploads/s1").is_dir(), "still holds b");
        s.delete("uploads/s1/b").await.unwrap();
        assert!(!dir.path().join("uploads/s1").exists());
        assert!(dir.path().join("uploads/s2/a").is_file());
        s.delete("uploads/s2/a").await.unwrap();
        assert!(!dir.path().join("uploads").exists());
        assert!(dir.path().is_dir() && dir.path().join(".tmp").is_dir());
        // The directory can be used again at once.
        s.put("uploads/s1/c", body(&[b"c"]), 10).await.unwrap();
        assert_eq!(read_all(&s, "uploads/s1/c").await, b"c");
    }

    #[tokio::test]
    async fn temporary_files_a_killed_process_left_are_removed_at_open() {
        let dir = tempfile::tempdir().unwrap();
        LocalDisk::open(dir.path()).await.unwrap();
        let old = dir.path().join(".tmp/left-by-a-kill");
        let fresh = dir.path().join(".tmp/being-written-by-another-node");
        std::fs::write(&old, b"partial").unwrap();
        std::fs::write(&fresh, b"partial").unwrap();
        let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
        LocalDisk::open(dir.path()).await.unwrap();
        assert!(!old.exists());
        assert!(fresh.exists());
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
