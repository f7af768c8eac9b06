//! Retention through the whole server (`[retention]`, here seconds instead of days): a finished job's document
//! answers `$value` with 410 once its bytes are purged while the job is still listed, then the job itself goes;
//! the usage report keeps its numbers throughout; a running job keeps everything.

use crate::common::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done().await {
        assert!(Instant::now() < deadline, "{what} did not happen within 20 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn document_bytes_then_job_records_go_and_reports_keep_their_numbers() {
    let srv = Server::start_with_env(
        BIN,
        &[
            ("PLATEN_RETENTION__DOCUMENTS", "2s"),
            ("PLATEN_RETENTION__JOBS", "6s"),
            ("PLATEN_RETENTION__PURGE_INTERVAL", "1s"),
        ],
    );
    let t = Tenant::on(Api::on(Arc::new(srv)));
    let (_printer, share) = t.open_share("Retained").await;
    let user = t.user("ret");
    let finished = t.uploaded_job(&share, &user.token, &bytes(1000)).await;
    t.api
        .post_empty(&finished.action("start"), &user.token)
        .await
        .expect(200);
    t.api
        .post_empty(&finished.action("cancel"), &user.token)
        .await
        .expect(204);
    let running = t.uploaded_job(&share, &user.token, &bytes(1000)).await;
    let reader = t.token(&uuid(), "Reports.Read.All", false);
    let usage = "/v1.0/reports/dailyPrintUsageByUser";
    let before = t.api.get(usage, &reader).await.expect_json(200)["value"].clone();
    assert_eq!(before.as_array().map(Vec::len), Some(1), "{before}");

    let value = format!("{}/$value", finished.doc_path());
    until("the purge of the document's bytes", || async {
        t.api.get(&value, &user.token).await.status == 410
    })
    .await;
    let gone = t.api.get(&value, &user.token).await;
    gone.expect_code(410, "itemNotFound");
    assert!(gone.text().contains("retention"), "{}", gone.text());
    // The job and its document's record are still there, and so is the running job's content.
    t.api.get(&finished.path(), &user.token).await.expect(200);
    t.api.get(&finished.doc_path(), &user.token).await.expect(200);
    assert_ne!(
        t.api
            .get(&format!("{}/$value", running.doc_path()), &user.token)
            .await
            .status,
        410
    );

    until("the purge of the job's records", || async {
        t.api.get(&finished.path(), &user.token).await.status == 404
    })
    .await;
    t.api.get(&running.path(), &user.token).await.expect(200);
    let after = t.api.get(usage, &reader).await.expect_json(200)["value"].clone();
    assert_eq!(after, before, "reports keep their numbers after the purge");
}
