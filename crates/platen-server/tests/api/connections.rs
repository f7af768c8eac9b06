//! Connections that send nothing are not held forever: a client that never finishes its request headers
//! (slow-loris) and a keep-alive connection that sends no further request are closed after the header timeout
//! (`http_header_timeout_secs`, 1 s on this server), while a client that sends its headers in pieces within the
//! timeout is served. Blocking sockets on purpose: this is what such a client does on the wire.

use crate::common::BIN;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Reads until the server closes the connection; returns what it sent and how long that took.
fn read_until_closed(s: &mut TcpStream, limit: Duration) -> (Vec<u8>, Duration) {
    s.set_read_timeout(Some(limit)).unwrap();
    let started = Instant::now();
    let mut got = vec![];
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (got, started.elapsed()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return (got, started.elapsed()),
            Err(e) => panic!(
                "the server kept the connection open for {:?}: {e}",
                started.elapsed()
            ),
        }
    }
}

#[tokio::test]
async fn silent_connections_are_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let serve = platen_testkit::Serve::new(BIN, dir.path()).env("PLATEN_HTTP_HEADER_TIMEOUT_SECS", "1");
    let served = tokio::task::spawn_blocking(move || serve.start()).await.unwrap();
    let port = served.port;
    tokio::task::spawn_blocking(move || {
        let connect = || TcpStream::connect(("127.0.0.1", port)).unwrap();
        // Slow-loris: half a request head, then silence.
        let mut loris = connect();
        loris
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .unwrap();
        let (_, after) = read_until_closed(&mut loris, Duration::from_secs(20));
        assert!(after < Duration::from_secs(10), "closed after {after:?}");

        // Idle keep-alive: one request answered, then no other.
        let mut idle = connect();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let (answer, after) = read_until_closed(&mut idle, Duration::from_secs(20));
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(after < Duration::from_secs(10), "closed after {after:?}");

        // A head sent in pieces within the timeout is served.
        let mut slow = connect();
        slow.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        slow.write_all(b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let (answer, _) = read_until_closed(&mut slow, Duration::from_secs(20));
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"),
            "{answer}"
        );
        assert!(platen_testkit::serve::healthy(port));
    })
    .await
    .unwrap();
    drop(served);
}

/// A request whose body stops arriving is answered 408 (with the Graph error on Graph routes) after the body idle
/// timeout (1 s on this server) instead of holding its connection forever; a body that keeps arriving, slowly, for longer than
/// that is served whole.
#[tokio::test]
async fn a_stalled_request_body_is_408_and_a_slow_one_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let serve = platen_testkit::Serve::new(BIN, dir.path()).env("PLATEN_HTTP_BODY_IDLE_TIMEOUT_SECS", "1");
    let served = tokio::task::spawn_blocking(move || serve.start()).await.unwrap();
    let port = served.port;
    let admin = crate::common::admin_in(dir.path(), "t-body");
    let setup = platen_testkit::http::Http::new(&served.base);
    let (printer, _) = crate::common::registered_printer(&setup, &admin, "Stalled").await;
    let share = setup.create_share(&admin, &printer, "Stalled", true).await;
    tokio::task::spawn_blocking(move || {
        let connect = || TcpStream::connect(("127.0.0.1", port)).unwrap();
        let head = |length: usize| {
            format!(
                "PATCH /v1.0/print/printers/00000000-0000-0000-0000-000000000001 HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                 Authorization: Bearer {admin}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\
                 Connection: close\r\n\r\n"
            )
        };
        // Stalled: 5 of 100 announced bytes, then nothing.
        let mut stalled = connect();
        stalled.write_all(head(100).as_bytes()).unwrap();
        stalled.write_all(b"{\"dis").unwrap();
        let (answer, after) = read_until_closed(&mut stalled, Duration::from_secs(30));
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("\"code\":\"requestTimeout\""), "{answer}");
        assert!(after < Duration::from_secs(15), "answered after {after:?}");

        // The same on a share's IPP printer (the IPP message is read before anything else is decided).
        let mut ipp = connect();
        let ipp_head = format!(
            "POST /ipp/shares/{share} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ipp\r\n\
             Content-Length: 100\r\nConnection: close\r\n\r\n"
        );
        ipp.write_all(ipp_head.as_bytes()).unwrap();
        ipp.write_all(b"\x02\x00\x00\x02").unwrap();
        let (answer, after) = read_until_closed(&mut ipp, Duration::from_secs(30));
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(after < Duration::from_secs(15), "answered after {after:?}");

        // Slow but steady: a byte every 300 ms for longer than the idle timeout, then the end of the body.
        let body = br#"{"displayName":"x"}"#;
        let mut slow = connect();
        slow.write_all(head(body.len()).as_bytes()).unwrap();
        for b in body.iter() {
            slow.write_all(&[*b]).unwrap();
            std::thread::sleep(Duration::from_millis(300));
        }
        let (answer, _) = read_until_closed(&mut slow, Duration::from_secs(30));
        let answer = String::from_utf8_lossy(&answer);
        // The printer does not exist: the body was read whole and the request judged on it.
        assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
        assert!(platen_testkit::serve::healthy(port));
    })
    .await
    .unwrap();
    drop(served);
}
