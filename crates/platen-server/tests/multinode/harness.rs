//! The multi-node harness: real `platen serve` processes on one temporary PostgreSQL database, all pointed at
//! one data directory (which holds the CA and the development issuer's key: that is how nodes share keys),
//! documents in PostgreSQL (the default for a postgres:// database URL), clients spraying requests across
//! them.
//!
//! Each server runs under platen-testkit's watchdog, which kills it when its [`Node`] is dropped or the test
//! process ends for any reason. The database is dropped
//! when the [`Cluster`] is, even after a failed assertion.

pub use crate::fixtures::*;
use platen_store::testing::TempPostgres;
use platen_testkit::{Proc, Serve};
use reqwest::Method;
use serde_json::Value;
use std::path::Path;

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

pub use platen_testkit::backend::admin_url;

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// One `platen serve` process.
pub struct Node {
    pub base: String,
    proc: Option<Proc>,
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
        let mut serve = Serve::new(BIN, data_dir).log(&data_dir.join(format!("{name}.log")));
        if let Some(url) = public_url {
            serve = serve.public_url(url);
        }
        if let Some(url) = database_url {
            // Two three-node clusters run side by side in this suite: at the default pool (16 + 8 for documents
            // + the feed, per node) they exceeded a stock PostgreSQL's 100 connections ("too many clients").
            serve = serve
                .env("PLATEN_DATABASE_URL", url)
                .env("PLATEN_DATABASE_MAX_CONNECTIONS", "8");
        }
        for (k, v) in env {
            serve = serve.env(k, v);
        }
        let served = serve.start();
        Node {
            base: served.base,
            proc: Some(served.proc),
        }
    }

    /// `kill -9`: the process dies at once, mid-whatever, as on a power cut.
    pub fn kill9(&mut self) {
        if let Some(p) = self.proc.take() {
            p.kill9();
        }
    }
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

/// A token from `platen token …` against the development issuer in `data_dir`.
pub fn mint(data_dir: &Path, args: &[&str]) -> String {
    platen_testkit::graph::mint(BIN, data_dir, args)
}

/// A raw PostgreSQL pool on the cluster's database, for checks the API does not expose (job history).
pub async fn pg(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .expect("connect to the test database")
}
