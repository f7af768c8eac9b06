//! The connector against a mock Infrastructure Printer (mock.rs) and a real ippeveprinter: delivery,
//! cloud-side cancel/abort, restart in the middle of a job, two connectors on one printer, server outage.
//! The same scenarios against the real Platen server are in crates/platen-server/tests/device_e2e.rs.

// Test code: a failed call is a failed test.
#![allow(clippy::unwrap_used)]

mod mock;
mod printer;

use mock::Mock;
use printer::{Ippeve, jobs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("PLATEN_LOG").unwrap_or_else(|_| "platen_connector=info".into()))
        .with_test_writer()
        .try_init();
}

fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {tag}\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n").into_bytes()
}

async fn register(mock: &Mock, printer: &Ippeve, dir: &Path) {
    let out = platen_connector::register(platen_connector::RegisterOptions {
        server: mock.base.clone(),
        admin_token: "admin".into(),
        state_dir: dir.to_path_buf(),
        name: Some("Test connector".into()),
        printers: vec![format!("Lobby={}", printer.uri)],
    })
    .await
    .unwrap();
    assert_eq!(out[0].printer_id, mock::PRINTER_ID);
}

/// A running connector; `kill` drops it at whatever await point it is (like SIGKILL between syscalls),
/// `stop` shuts it down gracefully.
struct Running {
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    stop: Option<oneshot::Sender<()>>,
}

fn start(dir: &Path) -> Running {
    let (tx, rx) = oneshot::channel::<()>();
    let opts = platen_connector::RunOptions {
        state_dir: dir.to_path_buf(),
    };
    let task = tokio::spawn(platen_connector::run_until(opts, async move {
        let _ = rx.await;
    }));
    Running { task, stop: Some(tx) }
}

impl Running {
    async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(15), self.task).await;
    }
}

async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn spooled_with(p: &Ippeve, doc: &[u8]) -> usize {
    p.spooled().iter().filter(|(_, b)| b == doc).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_byte_identical_and_reports_completed() {
    init_logs();
    let Some(printer) = printer::start(&["-c", "/bin/true"]) else {
        return;
    };
    let mock = Mock::start().await;
    let dir = tempfile::tempdir().unwrap();
    register(&mock, &printer, dir.path()).await;
    let conn = start(dir.path());
    let doc = pdf("delivery");
    let id = mock.add_job("Quarterly report", doc.clone());
    wait_for("completed", 60, || mock.job(id).state == 9).await;
    let j = mock.job(id);
    assert_eq!(j.acks, 1);
    assert_eq!(j.reports.last(), Some(&9));
    assert_eq!(spooled_with(&printer, &doc), 1, "{:?}", printer.spooled());
    assert!(
        mock.state
            .device_attrs
            .lock()
            .unwrap()
            .iter()
            .any(|n| n == "document-format-supported")
    );
    conn.stop().await;
    assert_eq!(*mock.state.deregistrations.lock().unwrap(), 1);
    assert!(*mock.state.connector_patches.lock().unwrap() >= 1);
    let journal: Vec<PathBuf> = std::fs::read_dir(dir.path().join("journal/printer-1"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(journal.is_empty(), "journal emptied: {journal:?}");
}

async fn cloud_stop_while_printing(state: i32) {
    init_logs();
    let Some(printer) = printer::start(&[]) else {
        return;
    };
    let mock = Mock::start().await;
    let dir = tempfile::tempdir().unwrap();
    register(&mock, &printer, dir.path()).await;
    let conn = start(dir.path());
    let id = mock.add_job("long job", pdf("cancel"));
    // ippeveprinter "prints" for 5–15 s; wait until the device reports processing.
    wait_for("processing at the device", 30, || {
        mock.job(id).reports.contains(&5)
    })
    .await;
    let t0 = Instant::now();
    mock.stop_job(id, state);
    let mut device_state = 0;
    while Instant::now() - t0 < Duration::from_secs(20) {
        device_state = jobs(&printer).await.first().map(|j| j.1).unwrap_or(0);
        if device_state >= 7 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("cloud {state} → device canceled in {:?}", t0.elapsed());
    assert_eq!(device_state, 7, "ippeveprinter's job ends canceled");
    wait_for("final report", 20, || mock.job(id).reports.last() == Some(&state)).await;
    conn.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_cancel_while_printing_cancels_the_device_job() {
    cloud_stop_while_printing(7).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_abort_while_printing_cancels_the_device_job() {
    cloud_stop_while_printing(8).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_of_a_job_neither_loses_nor_duplicates_it() {
    init_logs();
    let Some(printer) = printer::start(&[]) else {
        return;
    };
    let mock = Mock::start().await;
    let dir = tempfile::tempdir().unwrap();
    register(&mock, &printer, dir.path()).await;
    let conn = start(dir.path());
    let doc = pdf("restart");
    let id = mock.add_job("restart me", doc.clone());
    wait_for("processing at the device", 30, || {
        mock.job(id).reports.contains(&5)
    })
    .await;
    conn.kill().await;
    assert_ne!(mock.job(id).state, 9);
    let conn = start(dir.path());
    wait_for("completed after the restart", 60, || mock.job(id).state == 9).await;
    assert_eq!(mock.job(id).acks, 1);
    assert_eq!(spooled_with(&printer, &doc), 1, "printed once");
    assert_eq!(jobs(&printer).await.len(), 1);
    conn.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_connectors_claim_each_job_exactly_once() {
    init_logs();
    let Some(p1) = printer::start(&["-c", "/bin/true"]) else {
        return;
    };
    let Some(p2) = printer::start(&["-c", "/bin/true"]) else {
        return;
    };
    let mock = Mock::start().await;
    let d1 = tempfile::tempdir().unwrap();
    register(&mock, &p1, d1.path()).await;
    // The second connector: a copy of the first's state (same printer identity), another local printer.
    let d2 = tempfile::tempdir().unwrap();
    copy_dir(d1.path(), d2.path());
    let cfg = d2.path().join("connector.json");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(&p1.uri, &p2.uri);
    std::fs::write(&cfg, text).unwrap();
    let (c1, c2) = (start(d1.path()), start(d2.path()));
    let docs: Vec<Vec<u8>> = (0..12).map(|i| pdf(&format!("two-connectors {i}"))).collect();
    let ids: Vec<i32> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| mock.add_job(&format!("job {i}"), d.clone()))
        .collect();
    wait_for("all completed", 120, || {
        ids.iter().all(|id| mock.job(*id).state == 9)
    })
    .await;
    for (id, doc) in ids.iter().zip(&docs) {
        assert_eq!(mock.job(*id).acks, 1, "job {id} claimed once");
        assert_eq!(
            spooled_with(&p1, doc) + spooled_with(&p2, doc),
            1,
            "job {id} printed once"
        );
    }
    eprintln!(
        "printer 1: {} jobs, printer 2: {} jobs",
        p1.spooled().len(),
        p2.spooled().len()
    );
    c1.stop().await;
    c2.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_buffered_while_the_server_is_down() {
    init_logs();
    let Some(printer) = printer::start(&[]) else {
        return;
    };
    let mock = Mock::start().await;
    let dir = tempfile::tempdir().unwrap();
    register(&mock, &printer, dir.path()).await;
    let conn = start(dir.path());
    let doc = pdf("outage");
    let id = mock.add_job("outage", doc.clone());
    wait_for("processing at the device", 30, || {
        mock.job(id).reports.contains(&5)
    })
    .await;
    // The server goes away while the device prints, and comes back after the device finished.
    let state = mock.state.clone();
    let port = mock.port;
    drop(mock);
    let deadline = Instant::now() + Duration::from_secs(30);
    while jobs(&printer).await.first().map(|j| j.1) != Some(9) {
        assert!(Instant::now() < deadline, "device never finished");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_ne!(
        state.jobs.lock().unwrap()[&id].state,
        9,
        "nothing reported while down"
    );
    let mock = Mock::reopen(state, port).await;
    wait_for("completed after the outage", 60, || mock.job(id).state == 9).await;
    assert_eq!(spooled_with(&printer, &doc), 1);
    let second = mock.add_job("after the outage", pdf("after"));
    wait_for("a new job after the outage", 60, || mock.job(second).state == 9).await;
    conn.stop().await;
}

/// Kills and restarts the connector at random moments while jobs flow: whatever phase a kill interrupts,
/// every job is claimed once, printed once and completed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_kills_never_lose_or_duplicate_a_job() {
    init_logs();
    let Some(printer) = printer::start(&["-c", "/bin/true"]) else {
        return;
    };
    let mock = Mock::start().await;
    let dir = tempfile::tempdir().unwrap();
    register(&mock, &printer, dir.path()).await;
    let docs: Vec<Vec<u8>> = (0..40).map(|i| pdf(&format!("chaos {i}"))).collect();
    let ids: Vec<i32> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| mock.add_job(&format!("chaos {i}"), d.clone()))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut kills = 0;
    while !ids.iter().all(|id| mock.job(*id).state == 9) {
        assert!(
            Instant::now() < deadline,
            "not all jobs completed: {:?}",
            ids.iter().map(|id| mock.job(*id).state).collect::<Vec<_>>()
        );
        let conn = start(dir.path());
        let alive = Duration::from_millis(10 + rand_below(120));
        tokio::time::sleep(alive).await;
        conn.kill().await;
        kills += 1;
        // Let journal writes already handed to the blocking pool land, as they would before a process exits.
        tokio::time::sleep(Duration::from_millis(50)).await;
        if kills > 60 {
            // Enough chaos: let the last run finish the remaining jobs.
            let conn = start(dir.path());
            wait_for("the remaining jobs", 60, || {
                ids.iter().all(|id| mock.job(*id).state == 9)
            })
            .await;
            conn.stop().await;
        }
    }
    for (id, doc) in ids.iter().zip(&docs) {
        let j = mock.job(*id);
        assert_eq!(j.acks, 1, "job {id} claimed once");
        // A report may be repeated (a kill between the server's answer and the journal's cleanup), but
        // only ever with the device's outcome.
        assert!(
            j.reports.contains(&9) && !j.reports.iter().any(|s| *s == 7 || *s == 8),
            "job {id}: {:?}",
            j.reports
        );
        assert_eq!(spooled_with(&printer, doc), 1, "job {id} printed once");
    }
    eprintln!("{kills} kills");
}

fn rand_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    h.finish() % n
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&e.path(), &target);
        } else if e.file_name() != "lock" {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
