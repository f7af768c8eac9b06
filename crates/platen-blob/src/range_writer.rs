//! Writes one upload range into its session's file, at its offset, on a blocking thread.
//!
//! The range's whole 4 KiB blocks go to the disk with direct I/O (`O_DIRECT`) through one aligned buffer that is
//! reused, as `dd oflag=direct` does; only the partial blocks at the range's two ends (which it may share with the
//! neighbouring ranges, written perhaps at the same time by another request) go through the page cache. Why: a
//! buffered write copies every byte into page-cache pages the kernel must first find (and on a virtual machine
//! whose free memory went back to the host, fault in), which cost more CPU than the hash and the network together
//! (perf: `copy_folio_from_iter_atomic` was half a core during a 1 GiB upload); an upload's bytes are not read
//! again until a printer fetches them, so caching them buys nothing. A file system that refuses direct I/O (tmpfs
//! on older kernels, some network file systems), or a device needing larger alignment, gets the buffered writes it
//! had before, with writeback started as it goes.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

/// Alignment of direct writes, in memory and on disk: a multiple of every common logical block size (512, 4096)
/// and of the page size.
const DIRECT_ALIGN: usize = 4096;

/// Bytes gathered before a direct write: large enough that the device sees few requests, small enough to stay
/// in cache and to bound what a request holds.
const DIRECT_BUFFER: usize = 1 << 20;

/// How much of a range is written through the page cache before the kernel is asked to start writing it to
/// disk (the fallback when direct I/O is refused): the fsync that ends a range then waits for the last of it
/// rather than all of it.
const WRITEBACK_EVERY: u64 = 2 * 1024 * 1024;

/// One range's writer: [`RangeWriter::write`] each chunk as it arrives, then [`RangeWriter::finish`], which
/// makes the bytes durable.
pub(crate) struct RangeWriter {
    file: File,
    /// The same file opened for direct I/O, while the file system accepts it.
    direct: Option<File>,
    /// The window's bytes plus `DIRECT_ALIGN`, so that the window can start at an aligned address.
    storage: Vec<u8>,
    /// Where the aligned window starts in `storage`.
    window: usize,
    /// Bytes gathered in the window, which start at file offset `window_at` (a multiple of `DIRECT_ALIGN`).
    filled: usize,
    window_at: u64,
    /// File offset of the next byte.
    at: u64,
    /// Buffered bytes from `unflushed` to `at` whose writeback has not been started.
    unflushed: u64,
}

impl RangeWriter {
    /// A writer of the `len` bytes starting at `offset` of `file`, whose path is `path` (opened a second time
    /// for direct I/O; if that fails, every byte is written through the page cache). A range too short to hold
    /// whole blocks (most documents are a few hundred KiB sent in one range, but a range can be a few bytes) is
    /// written through the page cache without the second open or the buffer.
    pub(crate) fn new(file: File, path: &Path, offset: u64, len: u64) -> Self {
        let direct = (len >= 2 * DIRECT_ALIGN as u64)
            .then(|| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(rustix::fs::OFlags::DIRECT.bits() as i32)
                    .open(path)
                    .ok()
            })
            .flatten()
            // The path is opened again: if the file was replaced in between (a canceled session's file deleted
            // and created anew), the second descriptor is another file, and every byte goes through `file`.
            .filter(|direct| same_file(&file, direct));
        Self::with_direct(file, direct, offset, len)
    }

    fn with_direct(file: File, direct: Option<File>, offset: u64, len: u64) -> Self {
        let storage = if direct.is_some() {
            // As large as the range's blocks need, at most `DIRECT_BUFFER`.
            let blocks = (len as usize).min(DIRECT_BUFFER);
            vec![0; blocks + DIRECT_ALIGN]
        } else {
            Vec::new()
        };
        let window = storage.as_ptr().align_offset(DIRECT_ALIGN);
        let direct = direct.filter(|_| window < DIRECT_ALIGN);
        Self {
            file,
            direct,
            storage,
            window: window.min(DIRECT_ALIGN),
            filled: 0,
            window_at: offset,
            at: offset,
            unflushed: offset,
        }
    }

    /// Writes `chunk` at the next offset of the range.
    pub(crate) fn write(&mut self, mut chunk: &[u8]) -> io::Result<()> {
        while !chunk.is_empty() {
            if self.direct.is_none() {
                return self.write_buffered(chunk);
            }
            if self.filled == 0 {
                let misaligned = (self.at % DIRECT_ALIGN as u64) as usize;
                if misaligned != 0 {
                    // The range's first partial block: through the page cache.
                    let n = chunk.len().min(DIRECT_ALIGN - misaligned);
                    self.write_buffered(&chunk[..n])?;
                    chunk = &chunk[n..];
                    continue;
                }
                self.window_at = self.at;
            }
            let n = chunk.len().min(self.capacity() - self.filled);
            let start = self.window + self.filled;
            self.storage[start..start + n].copy_from_slice(&chunk[..n]);
            self.filled += n;
            self.at += n as u64;
            chunk = &chunk[n..];
            if self.filled == self.capacity() {
                // Its whole blocks; what is left of a block stays gathered and starts the window.
                self.write_window(self.filled - self.filled % DIRECT_ALIGN)?;
            }
        }
        Ok(())
    }

    /// How many bytes the window holds.
    fn capacity(&self) -> usize {
        self.storage.len().saturating_sub(DIRECT_ALIGN)
    }

    /// Writes what is gathered (the last partial block through the page cache) and makes the range durable.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        let whole = self.filled - self.filled % DIRECT_ALIGN;
        if whole > 0 {
            self.write_window(whole)?;
        }
        if self.filled > 0 {
            // What is left (less than a block) now starts the window.
            let tail = &self.storage[self.window..self.window + self.filled];
            self.file.write_all_at(tail, self.window_at)?;
        }
        // Direct writes reached the device but not necessarily its cache's media, nor the file's size and
        // extents; the buffered ends are still in the page cache: one fdatasync covers them all.
        self.file.sync_data()
    }

    /// Writes the first `len` gathered bytes (a multiple of `DIRECT_ALIGN`) directly, and keeps the rest
    /// gathered.
    fn write_window(&mut self, len: usize) -> io::Result<()> {
        let bytes = &self.storage[self.window..self.window + len];
        let direct = self
            .direct
            .as_ref()
            .map(|d| d.write_all_at(bytes, self.window_at));
        match direct {
            Some(Ok(())) => {}
            // Refused (alignment this device does not take, a file system without direct I/O): this and every
            // later byte go through the page cache.
            Some(Err(e)) if e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) => {
                self.direct = None;
                self.file.write_all_at(bytes, self.window_at)?;
            }
            Some(Err(e)) => return Err(e),
            None => self.file.write_all_at(bytes, self.window_at)?,
        }
        self.storage
            .copy_within(self.window + len..self.window + self.filled, self.window);
        self.filled -= len;
        self.window_at += len as u64;
        Ok(())
    }

    /// Writes `bytes` at the next offset through the page cache, starting writeback every `WRITEBACK_EVERY`.
    fn write_buffered(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all_at(bytes, self.at)?;
        self.at += bytes.len() as u64;
        if self.at - self.unflushed >= WRITEBACK_EVERY {
            start_writeback(&self.file, self.unflushed, self.at - self.unflushed);
            self.unflushed = self.at;
        }
        Ok(())
    }
}

fn same_file(a: &File, b: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (a.metadata(), b.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Starts writing `len` bytes at `offset` of `file` to disk without waiting: `POSIX_FADV_DONTNEED` on Linux
/// starts writeback of the range's dirty pages (and drops those already clean: an upload's bytes are read back
/// only when a printer fetches the document). Advice only: a failure changes nothing but the timing.
fn start_writeback(file: &File, offset: u64, len: u64) {
    let _ = rustix::fs::fadvise(
        file,
        offset,
        std::num::NonZeroU64::new(len),
        rustix::fs::Advice::DontNeed,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic bytes (xorshift), so that a misplaced block shows.
    fn pattern(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    /// Writes `bytes[first..=last]` as one range, in chunks of the given sizes (cycled).
    fn write_range(path: &Path, bytes: &[u8], first: usize, last: usize, chunks: &[usize], direct: bool) {
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        let mut w = if direct {
            RangeWriter::new(file, path, first as u64, (last + 1 - first) as u64)
        } else {
            RangeWriter::with_direct(file, None, first as u64, (last + 1 - first) as u64)
        };
        let (mut at, mut i) = (first, 0);
        while at <= last {
            let n = chunks[i % chunks.len()].min(last + 1 - at);
            w.write(&bytes[at..at + n]).unwrap();
            at += n;
            i += 1;
        }
        w.finish().unwrap();
    }

    /// Ranges of awkward sizes (unaligned ends, shorter than a block, shorter than the buffer, longer than the
    /// buffer, a block shared by three ranges), in an order that is not the file's, through direct and buffered writers alike.
    #[test]
    fn ranges_in_any_order_and_any_alignment_make_the_document() {
        let bounds = [
            0,
            1,
            4095,
            4096,
            4100,
            4101,
            24_101,
            DIRECT_BUFFER + 3 * 4096 + 17,
            3 * DIRECT_BUFFER + 1,
            3 * DIRECT_BUFFER + 8192,
            3 * DIRECT_BUFFER + 8192 + 10_000_000 % 4096,
        ];
        let size = bounds[bounds.len() - 1];
        let bytes = pattern(size, 7);
        for direct in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("doc");
            std::fs::File::create(&path).unwrap();
            let ranges: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1] - 1)).collect();
            for i in [5, 0, 8, 2, 9, 7, 1, 4, 3, 6] {
                let (first, last) = ranges[i];
                write_range(&path, &bytes, first, last, &[1, 4096, 65_536, 7, 300_001], direct);
            }
            assert!(std::fs::read(&path).unwrap() == bytes, "direct: {direct}");
        }
    }

    /// Neighbouring ranges written at the same time share a partial block through the page cache and never
    /// overwrite each other's bytes.
    #[test]
    fn neighbours_written_at_once_keep_their_bytes() {
        let size = 40 * 4096 + 123;
        let bytes = pattern(size, 11);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc");
        std::fs::File::create(&path).unwrap();
        let cuts: Vec<usize> = (0..=16).map(|i| i * size / 16).collect();
        std::thread::scope(|s| {
            for w in cuts.windows(2) {
                let (first, last, path, bytes) = (w[0], w[1] - 1, &path, &bytes);
                s.spawn(move || write_range(path, bytes, first, last, &[513, 4096, 9_000], true));
            }
        });
        assert!(std::fs::read(&path).unwrap() == bytes);
    }

    /// A file deleted and created anew at the same path between the two opens is not written through the second.
    #[test]
    fn a_file_replaced_between_the_opens_gets_every_byte_through_the_first() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc");
        let file = std::fs::File::create(&path).unwrap();
        let mut old = std::fs::File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::File::create(&path).unwrap();
        let bytes = pattern(3 * 4096 + 9, 5);
        let mut w = RangeWriter::new(file, &path, 0, bytes.len() as u64);
        assert!(w.direct.is_none());
        w.write(&bytes).unwrap();
        w.finish().unwrap();
        let mut written = vec![];
        old.read_to_end(&mut written).unwrap();
        assert!(written == bytes);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }

    /// Wherever a test's temporary directory is (tmpfs takes direct I/O only on recent kernels), the bytes land.
    #[test]
    fn a_file_system_without_direct_io_gets_buffered_writes() {
        let dir = tempfile::tempdir_in("/dev/shm").expect("a tmpfs at /dev/shm");
        let bytes = pattern(3 * DIRECT_BUFFER + 5, 3);
        let path = dir.path().join("doc");
        std::fs::File::create(&path).unwrap();
        write_range(&path, &bytes, 0, bytes.len() - 1, &[1 << 16], true);
        assert!(std::fs::read(&path).unwrap() == bytes);
    }
}
