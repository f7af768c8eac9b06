//! The device side across nodes: Acknowledge-Job claims racing on different nodes change each job once, a
//! claim racing a cancel on another node ends consistently, and a device's long poll held by node A is woken
//! by a cancel committed on node B (PostgreSQL LISTEN/NOTIFY), well before the long poll's 1 s re-check.

use crate::harness::{Cluster, Graph, Tenant, bytes, pg, printer_body, started_job};
use ipp::value::IppValue;
use platen_testkit::infra::{ACKNOWLEDGE_JOB, CANCELED, Device, GET_NOTIFICATIONS, NOT_FETCHABLE, OK};
use std::time::{Duration, Instant};

/// A physical printer registered with a key this test holds, and a share of it: `(printer, share, key)`.
pub async fn device_printer(g: &Graph<'_>, admin: &str) -> (String, String, String) {
    let (csr, key) = platen_pki::generate_csr_pem("multinode-device");
    let mut body = printer_body("Device", true);
    body["certificateSigningRequest"]["content"] = csr.into();
    let r = g.post("/v1.0/print/printers/create", admin, &body).await;
    r.expect(202);
    let op = r
        .header("operation-location")
        .expect("Operation-Location")
        .to_string();
    let path = op
        .find("/v1.0/")
        .map(|i| op[i..].to_string())
        .expect("operation path");
    let v = g.get(&path, admin).await.expect_json(200);
    let printer = v["printer"]["id"].as_str().expect("printer id").to_string();
    let share = g.share(admin, &printer, "Device").await;
    (printer, share, key)
}

/// The `output-device-uuid` of output device `k`.
pub fn device_uuid(k: usize) -> IppValue {
    IppValue::Uri(ipp::value::BoundedString::new_truncated(format!(
        "urn:uuid:00000000-0000-4000-8000-{k:012}"
    )))
}

async fn history(db: &sqlx::PgPool, job: &str, phase: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM job_events WHERE job_id = $1 AND phase = $2")
        .bind(job.parse::<i64>().expect("job id"))
        .bind(phase)
        .fetch_one(db)
        .await
        .expect("count events")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn device_claims_across_nodes_change_each_job_once() {
    let c = Cluster::start(3).await;
    let t = Tenant::new(c.dir.path());
    let g = |i: usize| Graph {
        http: &c.http,
        base: c.node(i).to_string(),
    };
    let (printer, share, key) = device_printer(&g(0), &t.admin).await;
    let dev = Device::connect(&c.http, c.node(1), &printer, &key).await;
    let db = pg(c.db_url()).await;

    // Six output devices (connectors) of the printer claim each job at once, two through each node: exactly
    // one claim wins; the others are told the job is no longer fetchable; the winner may repeat its claim.
    let mut jobs = vec![];
    for j in 0..8 {
        jobs.push(started_job(&g(j), &share, &t.user, &bytes(1500, j as u8)).await.0);
    }
    let claims = jobs.iter().map(|job| {
        let id: i32 = job.parse().expect("job id");
        let (c, dev) = (&c, &dev);
        async move {
            let tries = (0..6).map(|k| async move {
                let attrs = vec![
                    ("job-id", IppValue::Integer(id)),
                    ("output-device-uuid", device_uuid(k)),
                ];
                (
                    k,
                    dev.send(&c.http, c.node(k), ACKNOWLEDGE_JOB, attrs, None)
                        .await
                        .status,
                )
            });
            (id, futures::future::join_all(tries).await)
        }
    });
    for (id, answers) in futures::future::join_all(claims).await {
        let winners: Vec<usize> = answers
            .iter()
            .filter(|(_, s)| *s == OK)
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(winners.len(), 1, "job {id}: exactly one claim wins: {answers:?}");
        for (k, status) in &answers {
            assert!(
                *status == OK || *status == NOT_FETCHABLE,
                "job {id}, device {k}: {status:#06x}"
            );
        }
        let again = vec![
            ("job-id", IppValue::Integer(id)),
            ("output-device-uuid", device_uuid(winners[0])),
        ];
        let repeat = dev
            .send(&c.http, c.node(winners[0] + 1), ACKNOWLEDGE_JOB, again, None)
            .await;
        assert_eq!(
            repeat.status, OK,
            "job {id}: the winner may repeat its claim on another node"
        );
    }
    for (j, job) in jobs.iter().enumerate() {
        let v = g(j)
            .get(&format!("/v1.0/print/printers/{printer}/jobs/{job}"), &t.admin)
            .await
            .expect_json(200);
        assert_eq!(v["status"]["state"], "processing", "{v}");
        assert_eq!(
            history(&db, job, "processing").await,
            1,
            "job {job}: claimed once"
        );
    }

    // A claim on one node racing a cancel on another: the job ends canceled, and the claim succeeded exactly
    // when the history shows it before the cancel.
    let mut jobs = vec![];
    for j in 0..8 {
        jobs.push(
            started_job(&g(j), &share, &t.user, &bytes(1500, 50 + j as u8))
                .await
                .0,
        );
    }
    let races = jobs.iter().enumerate().map(|(j, job)| {
        let id: i32 = job.parse().expect("job id");
        let (c, dev, share, user) = (&c, &dev, &share, &t.user);
        async move {
            let cancel = format!("/v1.0/print/shares/{share}/jobs/{job}/cancel");
            let (claim, cancel) = tokio::join!(
                dev.send(
                    &c.http,
                    c.node(j),
                    ACKNOWLEDGE_JOB,
                    vec![
                        ("job-id", IppValue::Integer(id)),
                        ("output-device-uuid", device_uuid(0))
                    ],
                    None
                ),
                c.call(j + 1, reqwest::Method::POST, &cancel, Some(user), None),
            );
            (job.clone(), claim.status, cancel)
        }
    });
    for (job, claim, cancel) in futures::future::join_all(races).await {
        assert_eq!(
            cancel.status,
            204,
            "{} {} {}",
            cancel.method,
            cancel.url,
            cancel.text()
        );
        let claimed = history(&db, &job, "processing").await;
        assert_eq!(
            history(&db, &job, "canceled").await,
            1,
            "job {job}: canceled once"
        );
        match claim {
            OK => assert_eq!(claimed, 1, "job {job}: a successful claim is in the history"),
            NOT_FETCHABLE => assert_eq!(claimed, 0, "job {job}: a refused claim left no trace"),
            other => panic!("job {job}: claim answered {other:#06x}"),
        }
    }
    db.close().await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn device_long_poll_on_one_node_is_woken_by_a_cancel_on_another() {
    let c = Cluster::start(2).await;
    let t = Tenant::new(c.dir.path());
    let g = |i: usize| Graph {
        http: &c.http,
        base: c.node(i).to_string(),
    };
    let (printer, share, key) = device_printer(&g(0), &t.admin).await;
    let dev = Device::connect(&c.http, c.node(0), &printer, &key).await;
    let sub = dev.subscribe_to_job_events(&c.http, c.node(0)).await;
    let poll = |seq: i32, wait: bool| {
        let (c, dev) = (&c, &dev);
        async move {
            let attrs = vec![
                ("notify-subscription-ids", IppValue::Integer(sub)),
                ("notify-sequence-numbers", IppValue::Integer(seq)),
                ("notify-wait", IppValue::Boolean(wait)),
            ];
            dev.send(&c.http, c.node(0), GET_NOTIFICATIONS, attrs, None).await
        }
    };
    let mut next = 1;
    let mut latencies = vec![];
    for round in 0..6 {
        let (job, _) = started_job(&g(1), &share, &t.user, &bytes(1000, round)).await;
        // Catch up with the events so far (the job became fetchable), then wait for the next one on node 0.
        let a = poll(next, false).await;
        next = a.events().iter().map(|e| e.0 + 1).max().unwrap_or(next);
        let waiting = tokio::spawn({
            let (http, base, dev_token, printer) = (
                c.http.clone(),
                c.node(0).to_string(),
                dev.token.clone(),
                printer.clone(),
            );
            async move {
                let dev = Device {
                    printer,
                    token: dev_token,
                };
                let attrs = vec![
                    ("notify-subscription-ids", IppValue::Integer(sub)),
                    ("notify-sequence-numbers", IppValue::Integer(next)),
                    ("notify-wait", IppValue::Boolean(true)),
                ];
                let a = dev.send(&http, &base, GET_NOTIFICATIONS, attrs, None).await;
                (a, Instant::now())
            }
        });
        // Let the long poll settle on node 0, then cancel on node 1.
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert!(!waiting.is_finished(), "the long poll returned before any change");
        let canceled_at = Instant::now();
        c.call(
            1,
            reqwest::Method::POST,
            &format!("/v1.0/print/shares/{share}/jobs/{job}/cancel"),
            Some(&t.user),
            None,
        )
        .await
        .expect(204);
        let (a, woke_at) = tokio::time::timeout(Duration::from_secs(20), waiting)
            .await
            .expect("woken")
            .expect("poll");
        let events = a.events();
        let id: i32 = job.parse().expect("job id");
        assert!(
            events.iter().any(|&(_, j, state)| j == id && state == CANCELED),
            "the long poll on node 0 reports the cancel made on node 1: {events:?}"
        );
        next = events.iter().map(|e| e.0 + 1).max().unwrap_or(next);
        latencies.push(woke_at.saturating_duration_since(canceled_at));
    }
    latencies.sort();
    eprintln!("long poll wake-up after a cancel on the other node: {latencies:?}");
    // The long poll re-checks the database every second anyway; woken by NOTIFY it answers far sooner.
    assert!(
        latencies[latencies.len() / 2] < Duration::from_millis(300),
        "median wake-up {:?} — not woken by the other node's commit?",
        latencies[latencies.len() / 2]
    );
    c.shutdown().await;
}
