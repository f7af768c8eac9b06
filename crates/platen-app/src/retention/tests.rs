//! The purge against a real SQLite store, with the clock as a parameter.

use super::*;
use crate::AppConfig;
use crate::PrinterRetention;
use platen_domain::job::JobPhase;
use platen_domain::records::{Document, JobEventRecord};
use platen_store::conformance::{document, job};

const DAY: i64 = 24 * 3600 * 1_000_000;

async fn app(dir: &std::path::Path, retention: RetentionPolicy) -> App {
    let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
    let config = AppConfig {
        retention: RetentionPolicy {
            pause: Duration::ZERO,
            batch: 2,
            ..retention
        },
        ..AppConfig::default()
    };
    crate::test_app(&url, dir, config).await
}

/// A job that ended at `ended` (or is still running) with a document of `size` bytes stored.
async fn job_with_bytes(app: &App, id: &str, ended: Option<Micros>, size: i64) {
    job_on(app, "p", id, ended, size).await
}

/// [`job_with_bytes`] on `printer`.
async fn job_on(app: &App, printer: &str, id: &str, ended: Option<Micros>, size: i64) {
    let mut j = job("t1", printer, "u");
    if let Some(at) = ended {
        j.phase = JobPhase::Completed;
        j.completed_at = Some(at);
    }
    let d = Document {
        blob_key: Some(format!("blob-{id}")),
        uploaded_at: Some(1),
        size,
        ..document("t1", id)
    };
    let e = JobEventRecord {
        at: 1,
        phase: j.phase,
        actor: "test".into(),
        reason: None,
    };
    app.store.create_job(&j, &d, &e).await.unwrap();
}

#[tokio::test]
async fn each_pass_purges_what_the_clock_allows_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let policy = RetentionPolicy {
        documents: Some(Duration::from_secs(86_400)),
        jobs: Some(Duration::from_secs(10 * 86_400)),
        ..Default::default()
    };
    let app = app(dir.path(), policy).await;
    let now = 100 * DAY;
    for (i, ended) in [
        Some(now - 20 * DAY),
        Some(now - 5 * DAY),
        Some(now - 5 * DAY),
        Some(now - DAY / 2),
        None,
    ]
    .into_iter()
    .enumerate()
    {
        job_with_bytes(&app, &format!("d{i}"), ended, 10).await;
    }
    // Bytes of the three jobs that ended over a day ago (two batches of 2), then the record of the oldest.
    assert_eq!(
        app.purge_retained(now).await.unwrap(),
        Purged {
            documents: 3,
            jobs: 1,
            for_space: 0
        }
    );
    assert_eq!(
        app.purge_retained(now).await.unwrap(),
        Purged::default(),
        "a second pass finds nothing"
    );
    assert_eq!(app.store.stored_document_bytes().await.unwrap(), 20);
    // Ten days later: the last finished job's bytes, and the records of the three finished jobs now over ten
    // days old; the running job keeps everything.
    assert_eq!(
        app.purge_retained(now + 10 * DAY).await.unwrap(),
        Purged {
            documents: 1,
            jobs: 3,
            for_space: 0
        }
    );
}

#[tokio::test]
async fn over_the_byte_cap_the_jobs_that_finished_first_lose_their_bytes_early() {
    let dir = tempfile::tempdir().unwrap();
    let policy = RetentionPolicy {
        documents: None,
        jobs: None,
        max_document_bytes: Some(250),
        ..Default::default()
    };
    let app = app(dir.path(), policy).await;
    let now = 100 * DAY;
    job_with_bytes(&app, "oldest", Some(now - 3_000), 100).await;
    job_with_bytes(&app, "older", Some(now - 2_000), 100).await;
    job_with_bytes(&app, "newer", Some(now - 1_000), 100).await;
    job_with_bytes(&app, "running", None, 100).await;
    // 400 stored: the two first-finished batches go (one batch of 2), and 200 remain.
    assert_eq!(app.purge_retained(now).await.unwrap().for_space, 2);
    assert_eq!(app.store.stored_document_bytes().await.unwrap(), 200);
    for (id, kept) in [
        ("oldest", false),
        ("older", false),
        ("newer", true),
        ("running", true),
    ] {
        let d = app.store.get_document("t1", id).await.unwrap().unwrap();
        assert_eq!(d.blob_key.is_some(), kept, "{id}");
    }
    // Only a running job's bytes are left over the cap: nothing more can go, and the pass says so by doing
    // nothing rather than failing.
    let tight = app_with_cap(dir.path(), 50).await;
    assert_eq!(tight.purge_retained(now).await.unwrap().for_space, 1);
    assert_eq!(tight.purge_retained(now).await.unwrap().for_space, 0);
    assert_eq!(tight.store.stored_document_bytes().await.unwrap(), 100);
}

async fn app_with_cap(dir: &std::path::Path, cap: u64) -> App {
    app(
        dir,
        RetentionPolicy {
            documents: None,
            jobs: None,
            max_document_bytes: Some(cap),
            ..Default::default()
        },
    )
    .await
}

#[tokio::test]
async fn the_sweeper_deletes_every_orphan_a_purge_leaves_not_one_batch_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let policy = RetentionPolicy {
        documents: Some(Duration::from_secs(1)),
        jobs: None,
        ..Default::default()
    };
    let app = app(dir.path(), policy).await;
    for i in 0..1_100 {
        job_with_bytes(&app, &format!("d{i}"), Some(1_000), 10).await;
    }
    assert_eq!(app.purge_retained(100 * DAY).await.unwrap().documents, 1_100);
    assert_eq!(app.store.orphan_blobs(2_000).await.unwrap().len(), 1_100);
    let (_, blobs) = app.sweep().await.unwrap();
    assert_eq!(blobs, 1_100);
    assert!(app.store.orphan_blobs(2_000).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_printer_with_its_own_retention_keeps_or_drops_its_jobs_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = RetentionPolicy {
        documents: Some(Duration::from_secs(86_400)),
        jobs: Some(Duration::from_secs(10 * 86_400)),
        printers: vec![
            // Payroll keeps nothing once printed; the archive keeps its documents for 30 days, records forever.
            PrinterRetention {
                printer_id: "payroll".into(),
                documents: Some(Duration::ZERO),
                jobs: Some(Duration::from_secs(3_600)),
            },
            PrinterRetention {
                printer_id: "archive".into(),
                documents: Some(Duration::from_secs(30 * 86_400)),
                jobs: None,
            },
        ],
        ..Default::default()
    };
    let app = app(dir.path(), policy).await;
    let now = 100 * DAY;
    let two_hours = 2 * 3_600 * 1_000_000;
    job_on(&app, "payroll", "pay", Some(now - two_hours), 10).await;
    job_on(&app, "archive", "arc", Some(now - 20 * DAY), 10).await;
    job_on(&app, "office", "off", Some(now - 20 * DAY), 10).await;
    // The office job goes entirely (global: a day, ten days), payroll's too (its own: at once, an hour), the
    // archive's keeps its bytes (30 days) and its record (forever).
    assert_eq!(
        app.purge_retained(now).await.unwrap(),
        Purged {
            documents: 2,
            jobs: 2,
            for_space: 0
        }
    );
    let archived = app.store.get_document("t1", "arc").await.unwrap().unwrap();
    assert!(archived.blob_key.is_some());
    // Forty days on, the archive's bytes go too, and its record stays.
    assert_eq!(
        app.purge_retained(now + 20 * DAY).await.unwrap(),
        Purged {
            documents: 1,
            jobs: 0,
            for_space: 0
        }
    );
    assert!(app.store.get_document("t1", "arc").await.unwrap().is_some());
}
