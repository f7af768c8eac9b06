//! Writers on several connection pools at once (as several nodes would be): operations that a single SQLite
//! writer serialises by construction must behave the same on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use platen_domain::JobId;
use platen_domain::job::JobPhase;
use platen_domain::records::{JobEventRecord, UploadSession};
use platen_domain::time::now_micros;
use platen_store::conformance::{document, job};
use platen_store::sql::SqlStore;
use platen_store::{DocumentStore, JobStore};
use std::sync::Arc;

fn session(tenant: &str, job_id: JobId, doc: &str) -> UploadSession {
    let now = now_micros();
    UploadSession {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant.into(),
        job_id,
        document_id: doc.into(),
        token_sha256: "00".repeat(32),
        document_name: "a.pdf".into(),
        content_type: "application/pdf".into(),
        size: 10,
        created_at: now,
        expires_at: now + 3_600_000_000,
    }
}

/// createUploadSession for one document from every store at once: each call succeeds (replacing any earlier
/// session of the document), and exactly one session is left.
async fn concurrent_upload_sessions(stores: &[Arc<SqlStore>]) {
    let tenant = uuid::Uuid::new_v4().to_string();
    let doc = document(&tenant, &uuid::Uuid::new_v4().to_string());
    let ev = JobEventRecord {
        at: now_micros(),
        phase: JobPhase::UploadPending,
        actor: "t".into(),
        reason: None,
    };
    let (j, d) = stores[0]
        .create_job(&job(&tenant, "p", "u"), &doc, &ev)
        .await
        .unwrap();
    for _ in 0..10 {
        let sessions: Vec<UploadSession> = (0..stores.len() * 2)
            .map(|_| session(&tenant, j.id, &d.id))
            .collect();
        let mut calls = tokio::task::JoinSet::new();
        for (i, x) in sessions.iter().enumerate() {
            let (s, x) = (stores[i % stores.len()].clone(), x.clone());
            calls.spawn(async move { s.create_upload_session(&x).await });
        }
        while let Some(r) = calls.join_next().await {
            r.unwrap()
                .expect("createUploadSession racing another for the same document");
        }
        let mut left = 0;
        for x in &sessions {
            left += usize::from(stores[0].get_upload_session(&x.id).await.unwrap().is_some());
        }
        assert_eq!(left, 1, "one session per document");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_upload_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("platen.sqlite3").display());
    let store = Arc::new(SqlStore::open(&url).await.unwrap());
    concurrent_upload_sessions(&[store.clone(), store.clone()]).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_upload_sessions_across_nodes() {
    let admin_url = std::env::var("PLATEN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let db = platen_store::testing::TempPostgres::create(&admin_url)
        .await
        .expect("PostgreSQL must be reachable");
    let mut stores = vec![Arc::new(SqlStore::open(db.url()).await.unwrap())];
    for _ in 0..3 {
        stores.push(Arc::new(SqlStore::connect(db.url()).await.unwrap()));
    }
    concurrent_upload_sessions(&stores).await;
    for s in stores {
        s.close().await;
    }
    db.drop().await;
}
