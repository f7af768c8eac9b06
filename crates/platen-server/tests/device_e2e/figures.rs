//! The closing figures: jobs per second delivered end to end to ippeveprinter (small PDF), the time from
//! Graph `cancel` to the device's job being canceled (p50, p99), and the connector's memory with 1,000
//! queued jobs. Sizes can be changed with PLATEN_FIG_JOBS, PLATEN_FIG_CANCELS, PLATEN_FIG_QUEUED.

use crate::graph::Job;
use crate::{World, device, pdf};
use futures::StreamExt;
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Submits `n` jobs through Graph, 16 at a time.
async fn submit_many(w: &World, n: usize, tag: &str) -> Vec<(Job, Vec<u8>)> {
    futures::stream::iter(0..n)
        .map(|i| {
            let doc = pdf(&format!("{tag} {i}"));
            async move {
                let job = w
                    .graph
                    .submit(&w.user, &w.share, &format!("{tag}{i}.pdf"), &doc)
                    .await;
                (job, doc)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await
}

fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(key)
                .map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

pub async fn run() {
    throughput().await;
    cancel_latency().await;
    memory_with_queue().await;
}

async fn throughput() {
    // `-c /bin/true`: the device finishes each job at once, so the pipeline (Graph → INFRA → connector →
    // IPP) is what is measured, not ippeveprinter's simulated 5–15 s per job.
    let Some(w) = World::new(&["-c", "/bin/true"]).await else {
        return;
    };
    let n = env_usize("PLATEN_FIG_JOBS", 100);
    let jobs = submit_many(&w, n, "throughput").await;
    let conn = device::run(&w.state, "throughput");
    let t0 = Instant::now();
    for (job, _) in &jobs {
        w.graph
            .wait_state(&w.user, job, &["completed", "aborted", "canceled"], 600)
            .await;
    }
    let elapsed = t0.elapsed();
    let printed = jobs
        .iter()
        .filter(|(_, d)| w.printer.count_spooled(d) == 1)
        .count();
    println!(
        "FIGURE throughput: {n} queued small PDFs delivered to ippeveprinter and completed in {:.1} s = {:.2} jobs/s \
         ({printed}/{n} spooled byte-identical once)",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
    conn.term();
}

async fn cancel_latency() {
    let Some(w) = World::new(&[]).await else { return };
    let k = env_usize("PLATEN_FIG_CANCELS", 15);
    let conn = device::run(&w.state, "cancel");
    let (mut forwarded, mut canceled) = (Vec::new(), Vec::new());
    for i in 0..k {
        let job = w
            .graph
            .submit(
                &w.user,
                &w.share,
                &format!("cancel{i}.pdf"),
                &pdf(&format!("cancel {i}")),
            )
            .await;
        w.wait_device(&job, &["processing"], 120).await;
        let t0 = Instant::now();
        w.graph.cancel(&w.user, &job).await;
        w.wait_device_where(
            &job,
            |j| j.state == "canceled" || j.reasons.contains("processing-to-stop-point"),
            30,
        )
        .await;
        forwarded.push(t0.elapsed());
        w.wait_device(&job, &["canceled"], 60).await;
        canceled.push(t0.elapsed());
    }
    forwarded.sort();
    canceled.sort();
    println!(
        "FIGURE cancel ({k} jobs canceled while printing): Graph cancel → Cancel-Job accepted by the device \
         (processing-to-stop-point) p50 {:?} p99 {:?}; → device job-state canceled p50 {:?} p99 {:?} \
         (ippeveprinter finishes its simulated 5–15 s page before it stops)",
        percentile(&forwarded, 0.5),
        percentile(&forwarded, 0.99),
        percentile(&canceled, 0.5),
        percentile(&canceled, 0.99)
    );
    conn.term();
}

async fn memory_with_queue() {
    let Some(w) = World::new(&[]).await else { return };
    let n = env_usize("PLATEN_FIG_QUEUED", 1000);
    let t0 = Instant::now();
    let _jobs = submit_many(&w, n, "queued").await;
    println!(
        "(submitted {n} jobs through Graph in {:.1} s)",
        t0.elapsed().as_secs_f64()
    );
    let conn = device::run(&w.state, "memory");
    // Let it start, scan the fetchable jobs and work on the first ones (ippeveprinter prints slowly).
    tokio::time::sleep(Duration::from_secs(20)).await;
    let (rss, hwm) = (status_kib(conn.pid, "VmRSS:"), status_kib(conn.pid, "VmHWM:"));
    let log = conn.log_text();
    let queued = log
        .lines()
        .find(|l| l.contains("serving"))
        .and_then(|l| l.split("queued=").nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    println!(
        "FIGURE memory: connector with {n} queued jobs (queue at start: {queued}): VmRSS {:.1} MiB, peak VmHWM {:.1} MiB",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    conn.term();
}
