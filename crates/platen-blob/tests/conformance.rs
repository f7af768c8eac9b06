//! One conformance suite for [`BlobStore`], run against the local disk and against PostgreSQL (a temporary
//! database on the server named by `PLATEN_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/postgres`,
//! dropped afterwards).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use futures::StreamExt;
use futures::stream;
use platen_blob::{BlobError, BlobStore, ByteStream, LocalDisk, PostgresBlobs};
use sha2::{Digest, Sha256};

/// Deterministic pseudo-random bytes.
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// `bytes` cut into pieces of the given sizes (cycled).
fn body(bytes: &[u8], pieces: &[usize]) -> ByteStream {
    let mut out = vec![];
    let mut at = 0;
    let mut i = 0;
    while at < bytes.len() {
        let n = pieces[i % pieces.len()].min(bytes.len() - at);
        out.push(Ok(Bytes::copy_from_slice(&bytes[at..at + n])));
        at += n;
        i += 1;
    }
    stream::iter(out).boxed()
}

/// A body that yields some bytes and then fails, like a client that disconnects.
fn failing_body(bytes: &[u8]) -> ByteStream {
    let items = vec![
        Ok(Bytes::copy_from_slice(bytes)),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "client went away",
        )),
    ];
    stream::iter(items).boxed()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads a blob; returns its bytes and how many stream items carried them.
async fn read(s: &dyn BlobStore, key: &str) -> (Vec<u8>, usize) {
    let (len, mut st) = s.get(key).await.unwrap();
    let mut out = vec![];
    let mut items = 0;
    while let Some(c) = st.next().await {
        out.extend_from_slice(&c.unwrap());
        items += 1;
    }
    assert_eq!(len as usize, out.len(), "{key}: announced length");
    (out, items)
}

async fn read_range(s: &dyn BlobStore, key: &str, from: usize, len: usize) -> Vec<u8> {
    let mut st = s.get_range(key, from as u64, len as u64).await.unwrap();
    let mut out = vec![];
    while let Some(c) = st.next().await {
        out.extend_from_slice(&c.unwrap());
    }
    out
}

async fn missing(s: &dyn BlobStore, key: &str) -> bool {
    matches!(s.get(key).await, Err(BlobError::NotFound(_)))
}

/// The suite. `chunk` is the size at which the store splits blobs (if it does), to cross its boundaries;
/// `chunked`: the store streams a blob of several chunks in several pieces (S3 answers small objects whole).
async fn conforms(s: &dyn BlobStore, chunk: usize, chunked: bool) {
    let ns = uuid::Uuid::new_v4().simple().to_string();
    let k = |name: &str| format!("conformance/{ns}/{name}");

    // Round trips of several sizes around the chunk size, arriving in irregular pieces.
    for (i, len) in [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + chunk / 2]
        .into_iter()
        .enumerate()
    {
        let bytes = data(len, i as u64);
        let stored = s
            .put(
                &k(&format!("rt{i}")),
                body(&bytes, &[7, 1000, 3, chunk]),
                len as u64,
            )
            .await
            .unwrap();
        assert_eq!(stored.size as usize, len);
        assert_eq!(stored.sha256_hex, sha(&bytes));
        assert_eq!(
            read(s, &k(&format!("rt{i}"))).await.0,
            bytes,
            "round trip of {len} bytes"
        );
    }

    // Compose: parts of odd sizes, concatenated in the order given (not key order), hashed.
    let parts: Vec<Vec<u8>> = [chunk + 3, 5, 2 * chunk, 1]
        .iter()
        .enumerate()
        .map(|(i, n)| data(*n, 100 + i as u64))
        .collect();
    let names = ["p-z", "p-a", "p-m", "p-b"];
    for (p, n) in parts.iter().zip(names) {
        s.put(&k(n), body(p, &[chunk / 3 + 1]), p.len() as u64)
            .await
            .unwrap();
    }
    let whole: Vec<u8> = parts.concat();
    let keys: Vec<String> = names.iter().map(|n| k(n)).collect();
    let stored = s.compose(&k("composed"), &keys).await.unwrap();
    assert_eq!(stored.size as usize, whole.len());
    assert_eq!(stored.sha256_hex, sha(&whole));
    let (got, items) = read(s, &k("composed")).await;
    assert_eq!(got, whole);
    assert!(
        !chunked || items > 1,
        "bytes are streamed, not returned in one piece"
    );
    // Ranged reads of the composed blob (whose chunks, where the store has any, are of uneven sizes): any
    // offset and length, across part and chunk boundaries, exactly those bytes; past the end, cut at the end.
    for (from, len) in [
        (0, 1),
        (0, whole.len()),
        (chunk - 1, 3),
        (chunk + 2, chunk + 5),
        (whole.len() - 1, 1),
        (whole.len() - 4, 100),
        (7, 0),
    ] {
        assert_eq!(
            read_range(s, &k("composed"), from, len).await,
            whole[from..(from + len).min(whole.len())],
            "range {from}+{len}"
        );
    }
    assert!(matches!(
        s.get_range(&k("nope"), 0, 1).await,
        Err(BlobError::NotFound(_))
    ));
    // The parts are untouched.
    assert_eq!(read(s, &k("p-m")).await.0, parts[2]);
    // Composing a single part, and no parts (an empty blob).
    assert_eq!(
        s.compose(&k("single"), &keys[1..2]).await.unwrap().sha256_hex,
        sha(&parts[1])
    );
    assert_eq!(s.compose(&k("none"), &[]).await.unwrap().size, 0);

    // A missing part: NotFound, and no target.
    let r = s.compose(&k("broken"), &[keys[0].clone(), k("nope")]).await;
    assert!(matches!(r, Err(BlobError::NotFound(_))), "{r:?}");
    assert!(missing(s, &k("broken")).await);

    // Replacing a key.
    let (a, b) = (data(2 * chunk + 9, 7), data(11, 8));
    s.put(&k("r"), body(&a, &[chunk]), a.len() as u64).await.unwrap();
    s.put(&k("r"), body(&b, &[4]), b.len() as u64).await.unwrap();
    assert_eq!(read(s, &k("r")).await.0, b);

    // Failed puts leave nothing behind, and leave an existing blob of the key as it was.
    let r = s
        .put(&k("big"), body(&data(chunk * 2, 9), &[chunk]), chunk as u64)
        .await;
    assert!(matches!(r, Err(BlobError::Source(_))), "{r:?}");
    assert!(missing(s, &k("big")).await);
    let r = s
        .put(&k("cut"), failing_body(&data(chunk + 5, 10)), u64::MAX)
        .await;
    assert!(matches!(r, Err(BlobError::Source(_))), "{r:?}");
    assert!(missing(s, &k("cut")).await);
    let r = s.put(&k("r"), failing_body(&data(chunk + 5, 11)), u64::MAX).await;
    assert!(r.is_err());
    assert_eq!(
        read(s, &k("r")).await.0,
        b,
        "a failed replacement keeps the old bytes"
    );

    // Delete is idempotent.
    s.delete(&k("r")).await.unwrap();
    s.delete(&k("r")).await.unwrap();
    assert!(missing(s, &k("r")).await);
    assert!(missing(s, &k("never")).await);

    // Keys are validated everywhere.
    for bad in ["", "../etc/passwd", "a//b", "a/./b", "a b", "/abs"] {
        assert!(
            matches!(
                s.put(bad, body(b"x", &[1]), 1).await,
                Err(BlobError::InvalidKey(_))
            ),
            "put {bad}"
        );
        assert!(
            matches!(s.get(bad).await, Err(BlobError::InvalidKey(_))),
            "get {bad}"
        );
        assert!(
            matches!(s.delete(bad).await, Err(BlobError::InvalidKey(_))),
            "delete {bad}"
        );
        assert!(
            matches!(s.compose(bad, &[]).await, Err(BlobError::InvalidKey(_))),
            "compose {bad}"
        );
        assert!(
            matches!(
                s.compose(&k("c"), &[bad.to_string()]).await,
                Err(BlobError::InvalidKey(_))
            ),
            "part {bad}"
        );
    }

    // Concurrent writers: distinct keys all land; on one key, the result is one writer's bytes, whole.
    let blobs: Vec<Vec<u8>> = (0..8).map(|i| data(chunk + i * 17, 200 + i as u64)).collect();
    let puts = blobs.iter().enumerate().map(|(i, d)| {
        let key = k(&format!("c{i}"));
        async move { s.put(&key, body(d, &[chunk / 2 + 1]), d.len() as u64).await }
    });
    futures::future::join_all(puts).await.into_iter().for_each(|r| {
        r.unwrap();
    });
    for (i, d) in blobs.iter().enumerate() {
        assert_eq!(&read(s, &k(&format!("c{i}"))).await.0, d);
    }
    let same = blobs
        .iter()
        .map(|d| async move { s.put(&k("same"), body(d, &[chunk / 2 + 1]), d.len() as u64).await });
    futures::future::join_all(same).await.into_iter().for_each(|r| {
        r.unwrap();
    });
    let got = read(s, &k("same")).await.0;
    assert!(blobs.contains(&got), "one writer's bytes, whole");

    uploads_conform(s, chunk, &k).await;
}

/// An upload session's ranges written in place: any order, concurrently, of uneven sizes across chunk
/// boundaries; finished with or without a hash from the caller; finishing again answers the same; failed and
/// short writes are refused.
async fn uploads_conform(s: &dyn BlobStore, chunk: usize, k: &dyn Fn(&str) -> String) {
    for (round, with_hash) in [(0u64, false), (1, true)] {
        let key = k(&format!("upload{round}"));
        let doc = data(4 * chunk + 13, 300 + round);
        // Cut points of uneven ranges, written in a scrambled order, two at a time.
        let cuts = [0, 1, chunk / 2, chunk + 7, 2 * chunk, 3 * chunk + 1, doc.len()];
        let mut ranges: Vec<(usize, usize)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
        ranges.swap(0, 4);
        ranges.swap(1, 5);
        let mut parts = vec![];
        for pair in ranges.chunks(2) {
            let writes = pair.iter().map(|&(a, b)| {
                let part = s.part_key(&key, a as u64, &format!("t{a}"));
                let key = key.clone();
                let bytes = doc[a..b].to_vec();
                async move {
                    s.put_part(
                        &key,
                        &part,
                        a as u64,
                        body(&bytes, &[chunk / 3 + 1, 5]),
                        (b - a) as u64,
                    )
                    .await
                    .map(|()| (a, part))
                }
            });
            for r in futures::future::join_all(writes).await {
                parts.push(r.unwrap());
            }
        }
        // A write that fails or comes up short is refused (the range is written again later).
        let (a, b) = (cuts[1], cuts[2]);
        let spare = s.part_key(&key, a as u64, "spare");
        assert!(matches!(
            s.put_part(
                &key,
                &spare,
                a as u64,
                failing_body(&doc[a..a + 1]),
                (b - a) as u64
            )
            .await,
            Err(BlobError::Source(_))
        ));
        assert!(matches!(
            s.put_part(
                &key,
                &spare,
                a as u64,
                body(&doc[a..b - 1], &[chunk]),
                (b - a) as u64
            )
            .await,
            Err(BlobError::Source(_))
        ));
        assert!(matches!(
            s.put_part(
                &key,
                &spare,
                a as u64,
                body(&doc[a..b], &[chunk]),
                (b - a - 1) as u64
            )
            .await,
            Err(BlobError::Source(_))
        ));
        s.put_part(&key, &spare, a as u64, body(&doc[a..b], &[chunk]), (b - a) as u64)
            .await
            .unwrap();
        if let Some(p) = parts.iter_mut().find(|(at, _)| *at == a) {
            if p.1 != spare {
                s.delete(&p.1).await.unwrap();
            }
            p.1 = spare.clone();
        }
        parts.sort();
        let mut keys: Vec<String> = vec![];
        for (_, p) in parts {
            if !keys.contains(&p) {
                keys.push(p);
            }
        }
        let hash = with_hash.then(|| sha(&doc));
        let stored = s
            .finish_upload(&key, &keys, doc.len() as u64, hash.clone())
            .await
            .unwrap();
        assert_eq!(stored.size as usize, doc.len());
        assert_eq!(stored.sha256_hex, sha(&doc));
        assert_eq!(read(s, &key).await.0, doc, "the document's bytes");
        assert_eq!(
            read_range(s, &key, chunk - 3, chunk + 9).await,
            doc[chunk - 3..2 * chunk + 6]
        );
        // Finishing again (a retried last range) answers the same document.
        let again = s
            .finish_upload(&key, &keys, doc.len() as u64, None)
            .await
            .unwrap();
        assert_eq!(again, stored);
        assert_eq!(read(s, &key).await.0, doc);
        // The parts are the document now: none is left apart with bytes of its own.
        for p in keys.iter().filter(|p| **p != key) {
            assert!(missing(s, p).await, "part {p} left behind");
        }
        s.delete(&key).await.unwrap();
        assert!(missing(s, &key).await);
    }
    // An upload whose parts do not add up to its size is refused.
    let key = k("short-upload");
    let part = s.part_key(&key, 0, "x");
    s.put_part(&key, &part, 0, body(b"abc", &[3]), 3).await.unwrap();
    assert!(
        s.finish_upload(&key, std::slice::from_ref(&part), 4, None)
            .await
            .is_err()
    );
    s.delete(&part).await.unwrap();
    s.delete(&key).await.unwrap();
}

#[tokio::test]
async fn local_disk_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let s = LocalDisk::open(dir.path()).await.unwrap();
    conforms(&s, 64 * 1024, true).await;
}

fn admin_url() -> String {
    std::env::var("PLATEN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

#[tokio::test]
async fn postgres_conforms() {
    let db = platen_store::testing::TempPostgres::create(&admin_url())
        .await
        .expect("PostgreSQL must be reachable");
    // Small chunks cross many boundaries; then the default size with a few MiB.
    let s = PostgresBlobs::open(db.url()).await.unwrap().with_chunk_size(1000);
    conforms(&s, 1000, true).await;
    let s = s.with_chunk_size(platen_blob::DEFAULT_CHUNK_SIZE);
    conforms(&s, platen_blob::DEFAULT_CHUNK_SIZE, true).await;
    // A second store on the same database (another node) sees the same blobs, and opening is idempotent.
    let other = PostgresBlobs::open(db.url()).await.unwrap();
    let bytes = data(3 * 1000 + 1, 1);
    s.put("shared/one", body(&bytes, &[999]), bytes.len() as u64)
        .await
        .unwrap();
    assert_eq!(read(&other, "shared/one").await.0, bytes);
    other.delete("shared/one").await.unwrap();
    assert!(missing(&s, "shared/one").await);
    s.close().await;
    other.close().await;
    db.drop().await;
}

/// A real S3 HTTP server for the test: moto's `moto_server` (PyPI `moto[server]`), from
/// `PLATEN_TEST_MOTO_SERVER` (set by scripts/test.sh) or the PATH. Killed when dropped.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Moto {
    fn start() -> Option<Moto> {
        let (bin, required) = match std::env::var("PLATEN_TEST_MOTO_SERVER") {
            Ok(b) => (b, true),
            Err(_) => ("moto_server".to_string(), false),
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) if !required => {
                eprintln!(
                    "S3 conformance skipped: cannot run {bin} ({e}); scripts/test.sh installs moto[server]"
                );
                return None;
            }
            Err(e) => panic!("PLATEN_TEST_MOTO_SERVER={bin}: {e}"),
        };
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "moto_server did not listen on {port}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Creates a bucket (`PUT /{bucket}`; moto accepts unsigned requests).
    fn bucket(&self, name: &str) {
        use std::io::{Read, Write};
        let addr = self.endpoint.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "PUT /{name} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "create bucket: {out}");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn s3_conforms() {
    let Some(moto) = Moto::start() else { return };
    moto.bucket("platen-documents");
    let cfg = platen_blob::S3Config {
        bucket: "platen-documents".into(),
        endpoint: Some(moto.endpoint.clone()),
        region: Some("us-east-1".into()),
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".into()),
        allow_http: true,
    };
    let s = platen_blob::S3Blobs::open(&cfg).unwrap();
    conforms(&s, 1000, false).await;
    // Multipart uploads: bodies and compositions larger than one part (8 MiB).
    let big = data(19 * 1024 * 1024 + 7, 42);
    let stored = s
        .put("big/one", body(&big, &[64 * 1024 + 3]), big.len() as u64)
        .await
        .unwrap();
    assert_eq!(stored.sha256_hex, sha(&big));
    assert_eq!(read(&s, "big/one").await.0, big);
    let small = data(5, 43);
    s.put("big/two", body(&small, &[5]), 5).await.unwrap();
    let both = s
        .compose(
            "big/both",
            &["big/one".into(), "big/two".into(), "big/one".into()],
        )
        .await
        .unwrap();
    assert_eq!(both.sha256_hex, sha(&[big.as_slice(), &small, &big].concat()));
    assert_eq!(both.size as usize, 2 * big.len() + 5);
    // A multipart upload cut short leaves nothing.
    let r = s.put("big/cut", failing_body(&big), u64::MAX).await;
    assert!(r.is_err());
    assert!(missing(&s, "big/cut").await);
    // Another client of the bucket (another node) sees the same blobs.
    let other = platen_blob::S3Blobs::open(&cfg).unwrap();
    assert_eq!(read(&other, "big/two").await.0, small);
}
