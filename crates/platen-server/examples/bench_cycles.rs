//! Load generator for `scripts/bench-scale.sh`: concurrent clients run full job cycles (create a job on a
//! share, createUploadSession, PUT a 10 KB document, start, cancel), each request going to the next node in
//! turn, and report cycles per second and cycle latency. Figures are printed, never asserted.
//!
//! Environment: BENCH_BASES (comma-separated node URLs), BENCH_SHARE, BENCH_TOKEN (a user's token),
//! BENCH_SECONDS (default 10), BENCH_CLIENTS (default 16), BENCH_LABEL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const DOC: usize = 10 * 1024;

struct Ctx {
    http: reqwest::Client,
    bases: Vec<String>,
    share: String,
    token: String,
    next_node: AtomicUsize,
    errors: AtomicUsize,
}

impl Ctx {
    fn node(&self) -> &str {
        &self.bases[self.next_node.fetch_add(1, Ordering::Relaxed) % self.bases.len()]
    }

    async fn post(&self, path: &str, body: Option<Value>) -> Option<(u16, Value)> {
        let mut rb = self
            .http
            .post(format!("{}{path}", self.node()))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.ok()?;
        let status = r.status().as_u16();
        let v = r.json::<Value>().await.unwrap_or(Value::Null);
        Some((status, v))
    }

    /// One cycle; false if any step failed.
    async fn cycle(&self, doc: &[u8]) -> bool {
        let jobs = format!("/v1.0/print/shares/{}/jobs", self.share);
        let Some((201, job)) = self
            .post(&jobs, Some(json!({"configuration": {"copies": 1}})))
            .await
        else {
            return false;
        };
        let (Some(id), Some(d)) = (job["id"].as_str(), job["documents"][0]["id"].as_str()) else {
            return false;
        };
        let body = json!({"properties": {"documentName": "bench.pdf", "contentType": "application/pdf", "size": doc.len()}});
        let Some((200, s)) = self
            .post(
                &format!("{jobs}/{id}/documents/{d}/createUploadSession"),
                Some(body),
            )
            .await
        else {
            return false;
        };
        let Some(url) = s["uploadUrl"].as_str() else {
            return false;
        };
        // The upload URL names the node that created it; send the bytes to the next node instead.
        let Some(path) = url
            .split_once("://")
            .and_then(|(_, r)| r.find('/').map(|i| &r[i..]))
        else {
            return false;
        };
        let put = self
            .http
            .put(format!("{}{path}", self.node()))
            .header(
                "Content-Range",
                format!("bytes 0-{}/{}", doc.len() - 1, doc.len()),
            )
            .body(doc.to_vec())
            .send()
            .await;
        if !put.is_ok_and(|r| r.status().as_u16() == 201) {
            return false;
        }
        matches!(
            self.post(&format!("{jobs}/{id}/start"), None).await,
            Some((200, _))
        ) && matches!(
            self.post(&format!("{jobs}/{id}/cancel"), None).await,
            Some((204, _))
        )
    }
}

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let ctx = Arc::new(Ctx {
        http: reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(64)
            .build()
            .expect("client"),
        bases: env("BENCH_BASES", "http://127.0.0.1:8080")
            .split(',')
            .map(str::to_string)
            .collect(),
        share: env("BENCH_SHARE", ""),
        token: env("BENCH_TOKEN", ""),
        next_node: AtomicUsize::new(0),
        errors: AtomicUsize::new(0),
    });
    let seconds: u64 = env("BENCH_SECONDS", "10").parse().unwrap_or(10);
    let clients: usize = env("BENCH_CLIENTS", "16").parse().unwrap_or(16);
    let doc: Arc<Vec<u8>> = Arc::new((0..DOC).map(|i| (i % 251) as u8).collect());
    // Warm-up: connections and caches.
    for _ in 0..clients {
        ctx.cycle(&doc).await;
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let workers = (0..clients).map(|_| {
        let (ctx, doc) = (ctx.clone(), doc.clone());
        tokio::spawn(async move {
            let mut lat = vec![];
            while Instant::now() < deadline {
                let t = Instant::now();
                if ctx.cycle(&doc).await {
                    lat.push(t.elapsed());
                } else {
                    ctx.errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            lat
        })
    });
    let mut all = vec![];
    for w in futures::future::join_all(workers).await {
        all.extend(w.expect("worker"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    println!(
        "{:<44} {:>8.1} cycles/s   cycle p50 {:>6.1} ms   p99 {:>7.1} ms   failed cycles {}",
        env("BENCH_LABEL", "cycles"),
        all.len() as f64 / elapsed,
        pct(&all, 0.50),
        pct(&all, 0.99),
        ctx.errors.load(Ordering::Relaxed)
    );
}
