//! Nothing acknowledged is lost: cancels answered 204 while many run at once (which SQLite commits in groups)
//! are all stored after the server is killed with SIGKILL in the middle of them and started again.

use super::common::{admin_in, serve_on, user_in};
use platen_testkit::TestDatabase;
use platen_testkit::graph::{printer_body, uuid};
use platen_testkit::http::Http;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Mutex;

const ROUNDS: usize = 3;
const JOBS_PER_ROUND: usize = 120;
const CLIENTS: usize = 16;
/// The server is killed once this many cancels of the round were acknowledged (the rest are in flight or queued).
const KILL_AFTER: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_acknowledged_cancel_is_lost_when_the_server_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::if_selected();
    let configured = || serve_on(dir.path(), &db);
    let mut served = configured().start();
    let tenant = uuid();
    let admin = admin_in(dir.path(), &tenant);
    let user = user_in(dir.path(), &tenant);
    let http = Http::new(&served.base);
    let printer = http
        .register_printer(&admin, &printer_body("Crash", "LaserJet", true))
        .await;
    let share = http.create_share(&admin, &printer, "Crash", true).await;
    let jobs_path = format!("/v1.0/print/shares/{share}/jobs");

    let mut acknowledged: Vec<String> = vec![];
    let mut answered_otherwise = 0;
    for round in 0..ROUNDS {
        let http = Http::new(&served.base);
        let mut ids = vec![];
        for _ in 0..JOBS_PER_ROUND {
            let (id, _) = http.create_job(&jobs_path, &user, json!({"copies": 1})).await;
            ids.push(id);
        }
        let ids = Arc::new(ids);
        let next = Arc::new(AtomicUsize::new(0));
        let acks = Arc::new(AtomicUsize::new(0));
        let proc = Arc::new(Mutex::new(Some(served.proc)));
        let workers = (0..CLIENTS).map(|_| {
            let (ids, next, acks, proc, user) = (
                ids.clone(),
                next.clone(),
                acks.clone(),
                proc.clone(),
                user.clone(),
            );
            let (http, jobs_path) = (http.clone(), jobs_path.clone());
            tokio::spawn(async move {
                let mut mine = (vec![], 0);
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(id) = ids.get(i) else { break };
                    let sent = http
                        .authed(reqwest::Method::POST, &format!("{jobs_path}/{id}/cancel"), &user)
                        .header("Content-Length", "0")
                        .send()
                        .await;
                    match sent.map(|r| r.status().as_u16()) {
                        Ok(204) => {
                            mine.0.push(id.clone());
                            if acks.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER
                                && let Some(p) = proc.lock().await.take()
                            {
                                p.kill9();
                            }
                        }
                        Ok(_) => mine.1 += 1,
                        // The server is gone: this cancel was never acknowledged.
                        Err(_) => break,
                    }
                }
                mine
            })
        });
        for w in futures::future::join_all(workers).await {
            let (acked, other) = w.unwrap();
            acknowledged.extend(acked);
            answered_otherwise += other;
        }
        assert!(
            proc.lock().await.is_none(),
            "round {round}: the server was not killed (fewer than {KILL_AFTER} cancels acknowledged)"
        );
        served = configured().start();
    }

    assert_eq!(
        answered_otherwise, 0,
        "every cancel before the kill was acknowledged"
    );
    assert!(acknowledged.len() >= ROUNDS * KILL_AFTER);
    let http = Http::new(&served.base);
    for id in &acknowledged {
        let job = http
            .get(&format!("{jobs_path}/{id}"), &user)
            .await
            .expect_json(200);
        assert_eq!(
            job["status"]["state"], "canceled",
            "job {id} was acknowledged canceled: {job}"
        );
    }
    drop(served);
    drop(db);
}
