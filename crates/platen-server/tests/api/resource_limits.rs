//! Resources under load: thousands of devices waiting in long polls cost a file descriptor and a few kilobytes
//! each, no thread and no database work while nothing changes, and the server keeps answering everyone else; one
//! job change of their printer answers them all. Prints the figures (descriptors and memory per poll, time for
//! all to answer). `PLATEN_TEST_LONG_POLLS` sets how many (default 1,000; scripts/long-proofs.sh runs 10^4 on the
//! release build).

use super::common::{admin_in, metric, registered_printer, scrape_metrics, user_in};
use ipp::value::IppValue;
use platen_testkit::TestDatabase;
use platen_testkit::graph::{bytes, uuid};
use platen_testkit::http::Http;
use platen_testkit::infra::{Device, GET_NOTIFICATIONS, OK};
use serde_json::json;
use std::time::{Duration, Instant};

fn long_polls() -> usize {
    std::env::var("PLATEN_TEST_LONG_POLLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

/// Open descriptors and resident memory (KiB) of process `pid`.
fn footprint(pid: u32) -> (usize, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (fds, rss)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_long_polls_cost_a_descriptor_each_and_others_are_served() {
    let n = long_polls();
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::if_selected();
    // PLATEN_TEST_SERVER_BIN measures another build (scripts/long-proofs.sh: the release binary).
    let bin = std::env::var("PLATEN_TEST_SERVER_BIN").unwrap_or_else(|_| crate::common::BIN.to_string());
    let mut serve = platen_testkit::serve::Serve::new(&bin, dir.path());
    if let Some(db) = &db {
        serve = serve.env("PLATEN_DATABASE_URL", &db.url);
    }
    let served = serve.start();
    let base = served.base.clone();
    let tenant = uuid();
    let admin = admin_in(dir.path(), &tenant);
    let user = user_in(dir.path(), &tenant);
    let setup = Http::new(&base);
    let (printer, key) = registered_printer(&setup, &admin, "Polled").await;
    let share = setup.create_share(&admin, &printer, "Polled", true).await;
    let control = platen_testkit::http::client();
    let device = Device::connect(&control, &base, &printer, &key).await;
    let sub = device.subscribe_to_job_events(&control, &base).await;
    let before = footprint(served.proc.pid);

    // n devices' long polls (one device's token, n connections: what the server holds per poll is the same).
    let pollers = platen_testkit::http::client();
    let polls: Vec<_> = (0..n)
        .map(|_| {
            let (http, base) = (pollers.clone(), base.clone());
            let device = Device {
                printer: device.printer.clone(),
                token: device.token.clone(),
            };
            tokio::spawn(async move {
                let attrs = vec![
                    ("notify-subscription-ids", IppValue::Integer(sub)),
                    ("notify-sequence-numbers", IppValue::Integer(1)),
                    ("notify-wait", IppValue::Boolean(true)),
                ];
                device.send(&http, &base, GET_NOTIFICATIONS, attrs, None).await
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while metric(&scrape_metrics(&control, &base).await, "platen_device_long_polls").unwrap_or(0.0) < n as f64
    {
        assert!(Instant::now() < deadline, "not all {n} long polls are waiting");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let during = footprint(served.proc.pid);

    // Everyone else is still served while they wait.
    let health = control.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    setup.get("/v1.0/print/printers", &admin).await.expect(200);
    assert!(
        polls.iter().all(|p| !p.is_finished()),
        "a long poll answered before any change"
    );

    // One job change of the printer answers them all.
    let woken = Instant::now();
    let jobs = format!("/v1.0/print/shares/{share}/jobs");
    let (job, doc) = setup.create_job(&jobs, &user, json!({})).await;
    setup
        .upload(
            &format!("{jobs}/{job}/documents/{doc}"),
            &user,
            "polled.pdf",
            &bytes(2_000, 1),
        )
        .await;
    setup
        .post_empty(&format!("{jobs}/{job}/start"), &user)
        .await
        .expect(200);
    for p in polls {
        let answer = p.await.unwrap();
        assert_eq!(answer.status, OK);
        assert!(
            !answer.events().is_empty(),
            "a long poll answered without the job's events"
        );
    }
    let all_answered = woken.elapsed();

    // Their connections closed, the descriptors go back.
    drop(pollers);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut after = footprint(served.proc.pid);
    while after.0 > before.0 + 20 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        after = footprint(served.proc.pid);
    }
    assert!(
        after.0 <= before.0 + 20,
        "descriptors {} before, {} after the polls ended",
        before.0,
        after.0
    );
    let per_poll_fds = (during.0 - before.0) as f64 / n as f64;
    let per_poll_kib = during.1.saturating_sub(before.1) as f64 / n as f64;
    assert!(per_poll_fds <= 1.1, "{per_poll_fds} descriptors per long poll");
    println!(
        "figure: {n} long polls waiting: server descriptors {} -> {} ({per_poll_fds:.2} per poll), RSS {} -> {} KiB \
         ({per_poll_kib:.1} KiB per poll); all answered {all_answered:?} after one job change; descriptors {} after",
        before.0, during.0, before.1, during.1, after.0
    );
}
