//! The multi-node harness: real `platen serve` processes on one temporary PostgreSQL database, all pointed at
//! one data directory (which holds the CA and the development issuer's key: that is how nodes share keys),
//! documents in PostgreSQL (the default for a postgres:// database URL), clients spraying requests across
//! them.
//!
//! Each server runs under a tiny `sh` watchdog that kills it as soon as the watchdog's stdin closes, which
//! happens when its [`Node`] is dropped or when the test process ends for any reason. The database is dropped
//! when the [`Cluster`] is, even after a failed assertion.

pub use crate::fixtures::*;
use platen_store::testing::TempPostgres;
use reqwest::Method;
use serde_json::Value;
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

const WATCHDOG: &str = r#"
exec 3<&0
"$@" </dev/null &
pid=$!
echo "$pid"
( read -r _ignored <&3; kill "$pid" 2>/dev/null ) &
wait "$pid"
"#;

pub fn admin_url() -> String {
    std::env::var("PLATEN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

/// One `platen serve` process.
pub struct Node {
    pub base: String,
    pid: u32,
    watchdog: Option<(Child, ChildStdin)>,
}

impl Node {
    /// Starts a node and waits until `/healthz` answers. `database_url: None` is the embedded default.
    pub fn start(data_dir: &Path, name: &str, database_url: Option<&str>, public_url: Option<&str>) -> Node {
        Self::start_with_env(data_dir, name, database_url, public_url, &[])
    }

    /// [`Node::start`] with extra `PLATEN_*` environment (e.g. the document store).
    pub fn start_with_env(
        data_dir: &Path,
        name: &str,
        database_url: Option<&str>,
        public_url: Option<&str>,
        env: &[(String, String)],
    ) -> Node {
        let mut last = String::new();
        for _ in 0..5 {
            match Self::try_start(data_dir, name, database_url, public_url, env) {
                Ok(n) => return n,
                Err(e) => last = e,
            }
        }
        panic!("node {name} did not come up: {last}");
    }

    fn try_start(
        data_dir: &Path,
        name: &str,
        database_url: Option<&str>,
        public_url: Option<&str>,
        env: &[(String, String)],
    ) -> Result<Node, String> {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let log = data_dir.join(format!("{name}.log"));
        let logf = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .arg(BIN)
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--public-url")
            .arg(public_url.unwrap_or(&base));
        if let Some(url) = database_url {
            cmd.arg("--database-url").arg(url);
        }
        for var in [
            "PLATEN_CONFIG",
            "PLATEN_LISTEN",
            "PLATEN_DATA_DIR",
            "PLATEN_PUBLIC_URL",
            "PLATEN_DATABASE_URL",
            "PLATEN_DOCUMENTS",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        cmd.env("PLATEN_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(logf);
        let mut child = cmd.spawn().map_err(|e| format!("spawning sh: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let mut stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).map_err(|e| e.to_string())? == 1 && byte[0] != b'\n' {
            line.push(byte[0]);
        }
        let pid: u32 = String::from_utf8_lossy(&line)
            .trim()
            .parse()
            .map_err(|_| "no server pid".to_string())?;
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stdout.read_to_end(&mut sink);
        });
        let mut node = Node {
            base,
            pid,
            watchdog: Some((child, stdin)),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if healthy(port) {
                return Ok(node);
            }
            let exited = node
                .watchdog
                .as_mut()
                .is_some_and(|(c, _)| c.try_wait().ok().flatten().is_some());
            if exited || Instant::now() > deadline {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                node.stop();
                return Err(format!(
                    "server on port {port} exited or never became healthy; log:\n{text}"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `kill -9`: the process dies at once, mid-whatever, as on a power cut.
    pub fn kill9(&mut self) {
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(self.pid.to_string())
            .status();
        self.wait();
    }

    /// A graceful stop (SIGTERM), then waits for the process to end.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status();
        self.wait();
    }

    fn wait(&mut self) {
        let Some((mut child, stdin)) = self.watchdog.take() else {
            return;
        };
        drop(stdin);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(self.pid.to_string())
            .status();
        let _ = child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.wait();
    }
}

fn healthy(port: u16) -> bool {
    use std::io::Write;
    let Ok(mut s) =
        std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2))
    else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.1 200") && out.ends_with("ok")
}

/// Several nodes on one database, one data directory, one HTTP client.
pub struct Cluster {
    pub nodes: Vec<Node>,
    pub dir: tempfile::TempDir,
    pub db: Option<TempPostgres>,
    pub http: reqwest::Client,
    /// One of the few clusters that may run at once (see [`SLOTS`]).
    pub _slot: Option<tokio::sync::SemaphorePermit<'static>>,
}

/// At most this many clusters at once, so that the tests of this binary, run in parallel, stay well within
/// PostgreSQL's connection limit (each node opens up to ~25 connections under load) and the machine's cores.
static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(3);

/// Waits for a cluster slot.
pub async fn slot() -> tokio::sync::SemaphorePermit<'static> {
    SLOTS.acquire().await.expect("the semaphore is never closed")
}

impl Cluster {
    /// `n` nodes on a fresh PostgreSQL database. The first node creates the keys; the others start together.
    pub async fn start(n: usize) -> Cluster {
        Self::start_with_env(n, vec![]).await
    }

    /// [`Cluster::start`] with extra `PLATEN_*` environment for every node.
    pub async fn start_with_env(n: usize, env: Vec<(String, String)>) -> Cluster {
        let slot = slot().await;
        let db = TempPostgres::create(&admin_url())
            .await
            .expect("PostgreSQL must be reachable");
        let dir = tempfile::Builder::new()
            .prefix("platen-multinode-")
            .tempdir()
            .expect("temp dir");
        let url = db.url().to_string();
        let first = {
            let (d, u) = (dir.path().to_path_buf(), url.clone());
            let env = env.clone();
            tokio::task::spawn_blocking(move || Node::start_with_env(&d, "node0", Some(&u), None, &env))
                .await
                .expect("start node0")
        };
        let others = (1..n).map(|i| {
            let (d, u) = (dir.path().to_path_buf(), url.clone());
            let env = env.clone();
            tokio::task::spawn_blocking(move || {
                Node::start_with_env(&d, &format!("node{i}"), Some(&u), None, &env)
            })
        });
        let mut nodes = vec![first];
        for h in futures::future::join_all(others).await {
            nodes.push(h.expect("start node"));
        }
        Cluster {
            nodes,
            dir,
            db: Some(db),
            http: client(),
            _slot: Some(slot),
        }
    }

    pub fn db_url(&self) -> &str {
        self.db.as_ref().map(|d| d.url()).unwrap_or_default()
    }

    /// Node `i` (modulo the number of nodes).
    pub fn node(&self, i: usize) -> &str {
        &self.nodes[i % self.nodes.len()].base
    }

    pub async fn call(
        &self,
        node: usize,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        call(
            &self.http,
            &format!("{}{}", self.node(node), path),
            method,
            token,
            body,
        )
        .await
    }

    /// Drops the database (the nodes first).
    pub async fn shutdown(mut self) {
        self.nodes.clear();
        if let Some(db) = self.db.take() {
            db.drop().await;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.nodes.clear();
        if let Some(db) = self.db.take() {
            // After a failed assertion: drop the database on a runtime of its own.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    rt.block_on(db.drop());
                }
            })
            .join();
        }
    }
}

pub fn mint(data_dir: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("PLATEN_DATA_DIR")
        .output()
        .expect("run platen token");
    assert!(
        out.status.success(),
        "platen {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8").trim().to_string()
}

/// A raw PostgreSQL pool on the cluster's database, for checks the API does not expose (job history).
pub async fn pg(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .expect("connect to the test database")
}
