//! The retention section of the conformance suite: the clock is the cutoff each call is given.

use super::{document, event, job};
use crate::{PurgeScope, Store};

const ALL: PurgeScope = PurgeScope::All;
use platen_domain::job::JobPhase;
use platen_domain::records::{Document, Job};

/// Document bytes of jobs that ended before the cutoff go first (oldest first, in batches, every tenant), the
/// blobs listed as orphans and the documents marked purged; then job records (history and documents too),
/// while jobs that ended later and jobs still running keep everything.
pub async fn retention(s: &dyn Store) {
    let finished = |tenant: &str, ended| Job {
        phase: JobPhase::Completed,
        completed_at: Some(ended),
        ..job(tenant, "p", "u")
    };
    let with_bytes = |tenant: &str, id: &str| Document {
        blob_key: Some(format!("blob-{id}")),
        uploaded_at: Some(1),
        size: 3,
        ..document(tenant, id)
    };
    let create = |j: Job, d: Document| async move { s.create_job(&j, &d, &event(j.phase)).await.unwrap().0 };
    let old = create(finished("t1", 1_000), with_bytes("t1", "old")).await;
    let other_tenant = create(finished("t2", 1_500), with_bytes("t2", "other")).await;
    let recent = create(finished("t1", 5_000), with_bytes("t1", "recent")).await;
    let running = create(job("t1", "p", "u"), with_bytes("t1", "running")).await;

    // Bytes: one job per batch here, oldest first, across tenants; then nothing is left before the cutoff.
    assert_eq!(s.stored_document_bytes().await.unwrap(), 4 * 3);
    assert_eq!(s.purge_document_bytes(&ALL, 2_000, 1).await.unwrap(), 1);
    let purged = s.get_document("t1", "old").await.unwrap().unwrap();
    assert_eq!(purged.blob_key, None);
    assert!(purged.purged_at.is_some(), "{purged:?}");
    assert!(
        s.get_document("t2", "other")
            .await
            .unwrap()
            .unwrap()
            .blob_key
            .is_some()
    );
    assert_eq!(s.purge_document_bytes(&ALL, 2_000, 1).await.unwrap(), 1);
    assert_eq!(s.purge_document_bytes(&ALL, 2_000, 1).await.unwrap(), 0);
    assert_eq!(s.stored_document_bytes().await.unwrap(), 2 * 3);
    for (tenant, kept) in [("t1", "recent"), ("t1", "running")] {
        let d = s.get_document(tenant, kept).await.unwrap().unwrap();
        assert!(d.blob_key.is_some() && d.purged_at.is_none(), "{d:?}");
    }
    let mut orphans = s.orphan_blobs(10).await.unwrap();
    orphans.sort();
    assert_eq!(orphans, ["blob-old", "blob-other"]);
    s.forget_orphan_blobs(&orphans).await.unwrap();

    // Records: the two old jobs go with their history and documents; the job records stay readable until then.
    assert!(s.get_job("t1", old.id).await.unwrap().is_some());
    assert_eq!(s.purge_job_records(&ALL, 2_000, 10).await.unwrap(), 2);
    assert!(s.get_job("t1", old.id).await.unwrap().is_none());
    assert!(s.get_job("t2", other_tenant.id).await.unwrap().is_none());
    assert!(s.job_events("t1", old.id).await.unwrap().is_empty());
    assert!(s.get_document("t1", "old").await.unwrap().is_none());
    assert!(s.get_job("t1", recent.id).await.unwrap().is_some());
    assert_eq!(s.purge_job_records(&ALL, 2_000, 10).await.unwrap(), 0);

    // A later cutoff takes the recent job too: bytes it still had become orphans. The running job stays.
    assert_eq!(s.purge_job_records(&ALL, 10_000, 10).await.unwrap(), 1);
    assert_eq!(s.orphan_blobs(10).await.unwrap(), ["blob-recent"]);
    let still = s.get_job("t1", running.id).await.unwrap().unwrap();
    assert_eq!(still.phase, running.phase);
    assert!(
        s.get_document("t1", "running")
            .await
            .unwrap()
            .unwrap()
            .blob_key
            .is_some()
    );
}

/// A printer's own retention: its jobs alone with [`PurgeScope::Printer`], every other printer's with
/// [`PurgeScope::Except`], for bytes and for records.
pub async fn retention_by_printer(s: &dyn Store) {
    let finished = |printer: &str, ended| Job {
        phase: JobPhase::Completed,
        completed_at: Some(ended),
        ..job("t1", printer, "u")
    };
    let with_bytes = |id: &str| Document {
        blob_key: Some(format!("blob-{id}")),
        uploaded_at: Some(1),
        size: 3,
        ..document("t1", id)
    };
    let create = |j: Job, d: Document| async move { s.create_job(&j, &d, &event(j.phase)).await.unwrap().0 };
    let kept_long = create(finished("archive", 1_000), with_bytes("a")).await;
    let ordinary = create(finished("office", 1_000), with_bytes("o")).await;
    let other = create(finished("lab", 1_000), with_bytes("l")).await;
    let except = PurgeScope::Except(vec!["archive".into()]);
    let only = PurgeScope::Printer("archive".into());

    // Everyone but the archive printer: two jobs' bytes, never the archive's.
    assert_eq!(s.purge_document_bytes(&except, 2_000, 10).await.unwrap(), 2);
    assert!(
        s.get_document("t1", "a")
            .await
            .unwrap()
            .unwrap()
            .blob_key
            .is_some()
    );
    for id in ["o", "l"] {
        assert!(
            s.get_document("t1", id)
                .await
                .unwrap()
                .unwrap()
                .blob_key
                .is_none(),
            "{id}"
        );
    }
    // The archive printer alone, with an earlier cutoff: not yet; then with a later one.
    assert_eq!(s.purge_document_bytes(&only, 500, 10).await.unwrap(), 0);
    assert_eq!(s.purge_document_bytes(&only, 2_000, 10).await.unwrap(), 1);
    assert!(
        s.get_document("t1", "a")
            .await
            .unwrap()
            .unwrap()
            .blob_key
            .is_none()
    );

    // Records the same way.
    assert_eq!(s.purge_job_records(&only, 2_000, 10).await.unwrap(), 1);
    assert!(s.get_job("t1", kept_long.id).await.unwrap().is_none());
    assert!(s.get_job("t1", ordinary.id).await.unwrap().is_some());
    let except_lab = PurgeScope::Except(vec!["lab".into()]);
    assert_eq!(s.purge_job_records(&except_lab, 2_000, 10).await.unwrap(), 1);
    assert!(s.get_job("t1", ordinary.id).await.unwrap().is_none());
    assert!(s.get_job("t1", other.id).await.unwrap().is_some());
}
