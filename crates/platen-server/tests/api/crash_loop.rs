//! The crash loop: mixed load against `platen serve` (SQLite by default, PostgreSQL when the suite runs with
//! `PLATEN_TEST_BACKEND=postgres`, with a second node on the same database that is never killed and serves half
//! the load), killed with SIGKILL at a random moment 20 times ([`kills`]) and started again on
//! the same data; then every operation the server acknowledged is checked against what it stores.
//!
//! The load: users creating jobs, uploading their documents in two ranges, starting and sometimes canceling them,
//! while a device claims started jobs (Acknowledge-Job) and reports them printed (Update-Job-Status), all over
//! the public HTTP and IPP endpoints. Each client writes down only what was acknowledged (a 2xx, or IPP
//! successful-ok); an answer lost with the connection is unknown and checked for nothing. The invariants:
//! every acknowledged job exists; every acknowledged upload's document has the uploaded bytes (SHA-256 of its
//! `$value`); every acknowledged range of an unfinished upload is no longer expected by its session; every
//! acknowledged start left the job started; every acknowledged cancel left it canceled and every acknowledged
//! completion completed, and no job was acknowledged both; no answer was a 5xx; every job's state is one
//! Graph knows.

use super::common::{admin_in, registered_printer, serve_on, user_in};
use platen_testkit::TestDatabase;
use platen_testkit::graph::uuid;
use platen_testkit::http::Http;
use platen_testkit::infra::{self, ACKNOWLEDGE_JOB, COMPLETED, Device, OK};
use platen_testkit::serve::Served;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many times the server is killed: the floor, or `PLATEN_CRASH_KILLS` (`scripts/long-proofs.sh` runs
/// long loops).
fn kills() -> usize {
    std::env::var("PLATEN_CRASH_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(20)
}
/// Concurrent users submitting jobs.
const USERS: usize = 6;

/// What the server acknowledged, written by every client.
#[derive(Default)]
struct Ledger {
    created: BTreeSet<String>,
    /// Acknowledged (202) ranges of uploads not (known to be) finished: job → (upload URL, first..=last).
    ranges: BTreeMap<String, (String, Vec<(usize, usize)>)>,
    /// Acknowledged finished uploads (201): job → (document id, SHA-256, size).
    uploaded: BTreeMap<String, (String, String, usize)>,
    started: BTreeSet<String>,
    canceled: BTreeSet<String>,
    claimed: BTreeSet<String>,
    completed: BTreeSet<String>,
    /// Answers that break the contract whatever happened (5xx).
    broken: Vec<String>,
}

type Shared = Arc<Mutex<Ledger>>;

fn note(ledger: &Shared, f: impl FnOnce(&mut Ledger)) {
    f(&mut ledger.lock().expect("ledger"));
}

/// A small, seedless random source (each test run differs; no extra dependency).
fn random(below: u64) -> u64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(STATE.fetch_add(1, Ordering::Relaxed));
    h.finish() % below.max(1)
}

/// One user's loop until its server goes away (or, on the node that survives, until `killed` says the round is
/// over): create, upload in two ranges, start, and cancel one job in three.
async fn user_load(http: Http, token: String, jobs: String, ledger: Shared, killed: Arc<AtomicBool>) {
    while !killed.load(Ordering::SeqCst) {
        let Ok(r) = http
            .try_exec(http.authed(reqwest::Method::POST, &jobs, &token).json(&json!({})))
            .await
        else {
            return;
        };
        if !check(&ledger, &r, &[201]) {
            return;
        }
        let v = r.json();
        let (Some(job), Some(doc)) = (v["id"].as_str(), v["documents"][0]["id"].as_str()) else {
            note(&ledger, |l| l.broken.push(format!("job without ids: {v}")));
            return;
        };
        let (job, doc) = (job.to_string(), doc.to_string());
        note(&ledger, |l| {
            l.created.insert(job.clone());
        });
        let size = 3_000 + random(40_000) as usize;
        let data: Vec<u8> = (0..size).map(|i| (i * 7 + size) as u8).collect();
        let session = format!("{jobs}/{job}/documents/{doc}/createUploadSession");
        let body = json!({"properties": {"documentName": "crash.pdf", "contentType": "application/pdf", "size": size}});
        let Ok(r) = http
            .try_exec(http.authed(reqwest::Method::POST, &session, &token).json(&body))
            .await
        else {
            return;
        };
        if !check(&ledger, &r, &[200]) {
            return;
        }
        let Some(url) = r.json()["uploadUrl"].as_str().map(str::to_string) else {
            return;
        };
        let cut = size / 2;
        for (first, last) in [(0, cut - 1), (cut, size - 1)] {
            let put = http
                .http
                .put(&url)
                .header("Content-Range", format!("bytes {first}-{last}/{size}"))
                .body(data[first..=last].to_vec());
            let Ok(r) = http.try_exec(put).await else {
                return;
            };
            if !check(&ledger, &r, &[201, 202]) {
                return;
            }
            if r.status == 202 {
                note(&ledger, |l| {
                    l.ranges
                        .entry(job.clone())
                        .or_insert_with(|| (url.clone(), vec![]))
                        .1
                        .push((first, last));
                });
            } else {
                let sha = hex::encode(Sha256::digest(&data));
                note(&ledger, |l| {
                    l.ranges.remove(&job);
                    l.uploaded.insert(job.clone(), (doc.clone(), sha, size));
                });
            }
        }
        let Ok(r) = http
            .try_exec(
                http.authed(reqwest::Method::POST, &format!("{jobs}/{job}/start"), &token)
                    .header("Content-Length", "0"),
            )
            .await
        else {
            return;
        };
        if !check(&ledger, &r, &[200]) {
            return;
        }
        note(&ledger, |l| {
            l.started.insert(job.clone());
        });
        if random(3) == 0 {
            let Ok(r) = http
                .try_exec(
                    http.authed(reqwest::Method::POST, &format!("{jobs}/{job}/cancel"), &token)
                        .header("Content-Length", "0"),
                )
                .await
            else {
                return;
            };
            // 409: the device completed it first.
            if !check(&ledger, &r, &[204, 409]) {
                return;
            }
            if r.status == 204 {
                note(&ledger, |l| {
                    l.canceled.insert(job.clone());
                });
            }
        }
    }
}

/// Records a 5xx as broken; `true` when the answer is one of `wanted` (the load goes on).
fn check(ledger: &Shared, r: &platen_testkit::http::Resp, wanted: &[u16]) -> bool {
    if r.status >= 500 {
        note(ledger, |l| {
            l.broken.push(format!("{} {} → {}", r.method, r.url, r.status))
        });
    }
    wanted.contains(&r.status)
}

/// The device: claims started jobs it has not claimed and reports each printed, until the server goes away (or,
/// with nothing to claim, until `killed` says so).
async fn device_load(
    http: reqwest::Client,
    base: String,
    device: Device,
    ledger: Shared,
    killed: Arc<AtomicBool>,
) {
    let uuid = format!("urn:uuid:{}", uuid());
    while !killed.load(Ordering::SeqCst) {
        let next = {
            let l = ledger.lock().expect("ledger");
            l.started
                .iter()
                .find(|j| !l.claimed.contains(*j) && !l.canceled.contains(*j))
                .cloned()
        };
        let Some(job) = next else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let id: i32 = job.parse().expect("numeric job id");
        let attrs = vec![
            ("job-id", infra::integer(id)),
            ("output-device-uuid", ipp_uri(&uuid)),
        ];
        let Ok(a) = device
            .try_send_groups(&http, &base, ACKNOWLEDGE_JOB, attrs, vec![], None)
            .await
        else {
            return;
        };
        // Claimed, or no longer fetchable (a user canceled it, unacknowledged): either way not again.
        note(&ledger, |l| {
            l.claimed.insert(job.clone());
        });
        if a.status != OK {
            continue;
        }
        let job_attrs = vec![
            ("output-device-job-state", infra::enumv(COMPLETED)),
            ("output-device-job-state-reasons", infra::keyword("none")),
        ];
        let Ok(a) = device
            .try_send_groups(
                &http,
                &base,
                infra::UPDATE_JOB_STATUS,
                vec![("job-id", infra::integer(id))],
                job_attrs,
                None,
            )
            .await
        else {
            return;
        };
        if a.status == OK {
            note(&ledger, |l| {
                l.completed.insert(job.clone());
            });
        }
    }
}

fn ipp_uri(s: &str) -> ipp::value::IppValue {
    ipp::value::IppValue::Uri(ipp::value::BoundedString::new_truncated(s))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_acknowledged_is_lost_over_repeated_kills_under_mixed_load() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::if_selected();
    let configured = || serve_on(dir.path(), &db);
    let mut served: Served = configured().start();
    let tenant = uuid();
    let admin = admin_in(dir.path(), &tenant);
    let users: Vec<String> = (0..USERS).map(|_| user_in(dir.path(), &tenant)).collect();
    let setup = Http::new(&served.base);
    let (printer, key) = registered_printer(&setup, &admin, "Crash loop").await;
    let share = setup.create_share(&admin, &printer, "Crash loop", true).await;
    let jobs = format!("/v1.0/print/shares/{share}/jobs");
    let ipp_http = platen_testkit::http::client();
    let device = Device::connect(&ipp_http, &served.base, &printer, &key).await;

    // On PostgreSQL a second node on the same database and documents serves half the load and is never killed:
    // what it acknowledges while the other node dies must survive too.
    let survivor = db
        .as_ref()
        .map(|_| configured().log(&dir.path().join("survivor.log")).start());
    let ledger: Shared = Arc::default();
    let kills = kills();
    for round in 0..kills {
        let base_of = |i: usize| match &survivor {
            Some(s) if i % 2 == 1 => s.base.clone(),
            _ => served.base.clone(),
        };
        let killed = Arc::new(AtomicBool::new(false));
        let mut tasks: Vec<tokio::task::JoinHandle<()>> = users
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let http = Http::new(&base_of(i));
                tokio::spawn(user_load(
                    http,
                    t.clone(),
                    jobs.clone(),
                    ledger.clone(),
                    killed.clone(),
                ))
            })
            .collect();
        // The device token lives in the database: the same one works after every restart, on either node.
        let device = Device {
            printer: device.printer.clone(),
            token: device.token.clone(),
        };
        tasks.push(tokio::spawn(device_load(
            ipp_http.clone(),
            base_of(round),
            device,
            ledger.clone(),
            killed.clone(),
        )));
        tokio::time::sleep(Duration::from_millis(150 + random(600))).await;
        served.proc.kill9();
        killed.store(true, Ordering::SeqCst);
        for t in tasks {
            t.await
                .unwrap_or_else(|e| panic!("round {round}: a client failed: {e}"));
        }
        served = configured().start();
    }
    // Every client has finished: the ledger is complete.
    let l = std::mem::take(&mut *ledger.lock().expect("ledger"));
    verify(&Http::new(&served.base), &admin, &jobs, &l).await;
    drop(survivor);
    println!(
        "crash loop ({}): {kills} kills; acknowledged and found: {} jobs, {} uploads (SHA-256 checked), {} ranges of \
         unfinished uploads, {} starts, {} cancels, {} device claims, {} completions",
        if db.is_some() {
            "PostgreSQL, two nodes, one killed"
        } else {
            "SQLite"
        },
        l.created.len(),
        l.uploaded.len(),
        l.ranges.values().map(|(_, r)| r.len()).sum::<usize>(),
        l.started.len(),
        l.canceled.len(),
        l.claimed.len(),
        l.completed.len()
    );
    drop(served);
    drop(db);
}

/// Checks every invariant of the module documentation against the server as it now is.
async fn verify(http: &Http, admin: &str, jobs: &str, l: &Ledger) {
    assert!(
        l.broken.is_empty(),
        "answers that break the contract: {:?}",
        l.broken
    );
    assert!(
        l.created.len() >= kills() && !l.completed.is_empty() && !l.canceled.is_empty(),
        "too little load to prove anything: {} jobs, {} completed, {} canceled",
        l.created.len(),
        l.completed.len(),
        l.canceled.len()
    );
    let both: Vec<_> = l.canceled.intersection(&l.completed).collect();
    assert!(
        both.is_empty(),
        "acknowledged both canceled and completed: {both:?}"
    );
    let known = [
        "paused",
        "pending",
        "processing",
        "completed",
        "canceled",
        "aborted",
        "stopped",
    ];
    for id in &l.created {
        let job = http.get(&format!("{jobs}/{id}"), admin).await.expect_json(200);
        let state = job["status"]["state"].as_str().unwrap_or_default().to_string();
        assert!(known.contains(&state.as_str()), "job {id}: {job}");
        if l.started.contains(id) {
            assert_ne!(state, "paused", "job {id} was acknowledged started: {job}");
        }
        if l.canceled.contains(id) {
            assert_eq!(state, "canceled", "job {id} was acknowledged canceled: {job}");
        }
        if l.completed.contains(id) {
            assert_eq!(state, "completed", "job {id} was acknowledged completed: {job}");
        }
    }
    for (id, (doc, sha, size)) in &l.uploaded {
        let d = http
            .get(&format!("{jobs}/{id}/documents/{doc}"), admin)
            .await
            .expect_json(200);
        assert_eq!(d["size"], *size as u64, "job {id}: {d}");
        let content = http
            .exec(http.authed(
                reqwest::Method::GET,
                &format!("{jobs}/{id}/documents/{doc}/$value"),
                admin,
            ))
            .await;
        content.expect(200);
        assert_eq!(
            &hex::encode(Sha256::digest(&content.body)),
            sha,
            "job {id}: the stored bytes differ"
        );
    }
    for (id, (url, acked)) in &l.ranges {
        if l.uploaded.contains_key(id) {
            continue;
        }
        // The server listens on a new port after each restart: the URL's path and credential stay valid.
        let path = url.splitn(4, '/').nth(3).unwrap_or_default();
        let r = http.exec(http.http.get(format!("{}/{path}", http.base))).await;
        if r.status == 404 {
            // Finished by its last range (whose 201 was lost with the connection): the document is whole.
            let job = http
                .get(&format!("{jobs}/{id}?$expand=documents"), admin)
                .await
                .expect_json(200);
            assert!(
                job["documents"][0]["size"].as_u64().unwrap_or(0) > 0,
                "job {id}: {job}"
            );
            continue;
        }
        let status: Value = r.expect_json(200);
        for expected in status["nextExpectedRanges"].as_array().unwrap() {
            let (a, b) = expected.as_str().unwrap().split_once('-').unwrap();
            let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap_or(usize::MAX));
            for (first, last) in acked {
                assert!(
                    *last < a || *first > b,
                    "job {id}: acknowledged range {first}-{last} is expected again ({expected})"
                );
            }
        }
    }
}
