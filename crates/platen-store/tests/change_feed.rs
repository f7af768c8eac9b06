//! The change feed on both backends. On PostgreSQL the change is committed through one `SqlStore` (one node's
//! pool) and received through another (another node's), proving the LISTEN/NOTIFY path; a change that does not
//! commit (a lost compare-and-swap) announces nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use platen_domain::job::JobPhase;
use platen_domain::records::{JobChange, JobEventRecord};
use platen_domain::time::now_micros;
use platen_store::conformance::{document, job};
use platen_store::sql::SqlStore;
use platen_store::{ChangeEvent, ChangeFeedStore, Commit, Store};
use std::time::Duration;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

fn event(phase: JobPhase) -> JobEventRecord {
    JobEventRecord {
        at: now_micros(),
        phase,
        actor: "test".into(),
        reason: None,
    }
}

async fn next(rx: &mut Receiver<ChangeEvent>) -> ChangeEvent {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a change event within 10 s")
        .unwrap()
}

/// Commits changes through `writer`; `rx` (subscribed on another store or the same one) must see each once.
async fn feed_delivers(writer: &dyn Store, rx: &mut Receiver<ChangeEvent>) {
    let tenant = uuid::Uuid::new_v4().to_string();
    let doc = document(&tenant, &uuid::Uuid::new_v4().to_string());
    let (created, _) = writer
        .create_job(&job(&tenant, "p1", "u1"), &doc, &event(JobPhase::UploadPending))
        .await
        .unwrap();
    // Creating a job is not a change of an existing one.
    let mut updated = created.clone();
    updated.phase = JobPhase::Canceled;
    let change = JobChange::new(updated.clone(), created.version, Some(event(JobPhase::Canceled)));
    assert!(matches!(
        writer.commit_job_change(&change).await.unwrap(),
        Commit::Done(_)
    ));
    let got = next(rx).await;
    assert_eq!(
        got,
        ChangeEvent {
            tenant: tenant.as_str().into(),
            printer_id: "p1".into(),
            job_id: created.id
        }
    );
    // A stale version commits nothing and announces nothing.
    assert!(matches!(
        writer.commit_job_change(&change).await.unwrap(),
        Commit::Stale
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        matches!(rx.try_recv(), Err(TryRecvError::Empty)),
        "nothing for a change that did not commit"
    );
    // Many changes arrive in commit order.
    for v in created.version + 1..created.version + 21 {
        let c = JobChange::new(updated.clone(), v, None);
        assert!(matches!(
            writer.commit_job_change(&c).await.unwrap(),
            Commit::Done(_)
        ));
    }
    for _ in 0..20 {
        assert_eq!(next(rx).await.job_id, created.id);
    }
}

#[tokio::test]
async fn sqlite_change_feed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("platen.sqlite3").display());
    let store = SqlStore::open(&url).await.unwrap();
    let mut rx = store.subscribe_changes().await.unwrap();
    feed_delivers(&store, &mut rx).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_change_feed_crosses_nodes() {
    let admin_url = std::env::var("PLATEN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let db = platen_store::testing::TempPostgres::create(&admin_url)
        .await
        .expect("PostgreSQL must be reachable");
    let node_a = SqlStore::open(db.url()).await.unwrap();
    let node_b = SqlStore::connect(db.url()).await.unwrap();
    let mut on_b = node_b.subscribe_changes().await.unwrap();
    let mut on_a = node_a.subscribe_changes().await.unwrap();
    feed_delivers(&node_a, &mut on_b).await;
    // The committing node hears its own changes through the same channel; drop those, then the other way round.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while on_a.try_recv().is_ok() {}
    feed_delivers(&node_b, &mut on_a).await;
    node_a.close().await;
    node_b.close().await;
    db.drop().await;
}
