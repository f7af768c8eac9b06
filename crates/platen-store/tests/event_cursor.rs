//! Device events are read with a cursor (the IPP `notify-sequence-number`: "events after id N"). On PostgreSQL
//! ids come from a sequence at insert time while transactions commit in any order, so a reader that saw id 11
//! could advance past id 10 committed a moment later and never see it. The store serialises each printer's
//! event writers; this test has writers on several connections (as several nodes would) change jobs of one
//! printer while a reader follows the cursor, and checks that the reader saw every event.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use platen_domain::job::JobPhase;
use platen_domain::job::effects::device_notices;
use platen_domain::records::{JobChange, JobEventRecord};
use platen_domain::time::now_micros;
use platen_store::conformance::{document, job};
use platen_store::sql::SqlStore;
use platen_store::{Commit, DeviceStore, JobStore};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn event(phase: JobPhase) -> JobEventRecord {
    JobEventRecord {
        at: now_micros(),
        phase,
        actor: "test".into(),
        reason: None,
    }
}

/// Writers on `writers` stores change jobs of one printer (each change writes device events); a reader on
/// `reader` follows the event cursor meanwhile. Returns (events written, events the cursor saw).
async fn follow(writers: Vec<Arc<SqlStore>>, reader: &SqlStore) -> (BTreeSet<i64>, BTreeSet<i64>) {
    let tenant = uuid::Uuid::new_v4().to_string();
    let printer = "p-cursor";
    let done = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = writers
        .into_iter()
        .enumerate()
        .map(|(w, s)| {
            let tenant = tenant.clone();
            tokio::spawn(async move {
                for _ in 0..25 {
                    let doc = document(&tenant, &uuid::Uuid::new_v4().to_string());
                    let (j, _) = s
                        .create_job(
                            &job(&tenant, printer, &format!("u{w}")),
                            &doc,
                            &event(JobPhase::UploadPending),
                        )
                        .await
                        .unwrap();
                    let mut next = j.clone();
                    next.phase = JobPhase::Queued;
                    let mut change = JobChange::new(next, j.version, Some(event(JobPhase::Queued)));
                    change.device_events = device_notices(Some(JobPhase::UploadPending), JobPhase::Queued);
                    assert!(matches!(
                        s.commit_job_change(&change).await.unwrap(),
                        Commit::Done(_)
                    ));
                }
            })
        })
        .collect();
    let watcher = {
        let (done, tenant) = (done.clone(), &tenant);
        async move {
            let mut seen = BTreeSet::new();
            let mut after = 0;
            loop {
                let last_round = done.load(Ordering::SeqCst);
                for e in reader.device_events(tenant, printer, after, 1000).await.unwrap() {
                    seen.insert(e.id);
                    after = after.max(e.id);
                }
                if last_round {
                    return seen;
                }
                tokio::task::yield_now().await;
            }
        }
    };
    let writing = async {
        for t in tasks {
            t.await.unwrap();
        }
        done.store(true, Ordering::SeqCst);
    };
    let (seen, ()) = tokio::join!(watcher, writing);
    let all = reader
        .device_events(&tenant, printer, 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    (all, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_event_cursor_misses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("platen.sqlite3").display());
    let store = Arc::new(SqlStore::open(&url).await.unwrap());
    let (all, seen) = follow(vec![store.clone(), store.clone(), store.clone()], &store).await;
    assert_eq!(all.len(), 3 * 25 * 2);
    assert_eq!(seen, all, "the cursor skipped events");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_event_cursor_misses_nothing_across_nodes() {
    let admin_url = std::env::var("PLATEN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let db = platen_store::testing::TempPostgres::create(&admin_url)
        .await
        .expect("PostgreSQL must be reachable");
    let first = SqlStore::open(db.url()).await.unwrap();
    let mut nodes = vec![Arc::new(first)];
    for _ in 0..5 {
        nodes.push(Arc::new(SqlStore::connect(db.url()).await.unwrap()));
    }
    let reader = SqlStore::connect(db.url()).await.unwrap();
    let (all, seen) = follow(nodes.clone(), &reader).await;
    assert_eq!(all.len(), 6 * 25 * 2);
    let missed: Vec<_> = all.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "the cursor skipped {} events committed after a later id: {missed:?}",
        missed.len()
    );
    for n in nodes {
        n.close().await;
    }
    reader.close().await;
    db.drop().await;
}
