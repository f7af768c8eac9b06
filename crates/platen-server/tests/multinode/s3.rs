//! A real S3-compatible server for the multi-node tests: moto's `moto_server` (PyPI `moto[server]`), from
//! `PLATEN_TEST_MOTO_SERVER` (set by scripts/test.sh) or the PATH. Killed when dropped.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    /// `None` (with a message) only when `PLATEN_TEST_MOTO_SERVER` is unset and no `moto_server` is on the PATH.
    pub fn start() -> Option<Moto> {
        let (bin, required) = match std::env::var("PLATEN_TEST_MOTO_SERVER") {
            Ok(b) => (b, true),
            Err(_) => ("moto_server".to_string(), false),
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let child = match Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) if !required => {
                eprintln!(
                    "S3 multi-node test skipped: cannot run {bin} ({e}); scripts/test.sh installs moto[server]"
                );
                return None;
            }
            Err(e) => panic!("PLATEN_TEST_MOTO_SERVER={bin}: {e}"),
        };
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Creates a bucket and returns the `PLATEN_*` environment that makes a node keep documents in it.
    pub fn bucket_env(&self, bucket: &str) -> Vec<(String, String)> {
        let addr = self.endpoint.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).expect("connect to moto");
        write!(
            s,
            "PUT /{bucket} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .expect("create bucket");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("create bucket");
        assert!(out.starts_with("HTTP/1.1 200"), "create bucket: {out}");
        [
            ("PLATEN_DOCUMENTS", "s3"),
            ("PLATEN_S3__BUCKET", bucket),
            ("PLATEN_S3__ENDPOINT", &self.endpoint),
            ("PLATEN_S3__REGION", "us-east-1"),
            ("PLATEN_S3__ACCESS_KEY_ID", "test"),
            ("PLATEN_S3__SECRET_ACCESS_KEY", "test"),
            ("PLATEN_S3__ALLOW_HTTP", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
