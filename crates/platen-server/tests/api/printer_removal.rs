//! Unregistering a printer (`DELETE /print/printers/{id}`) aborts, through the job door, every job of it that
//! had not ended, with the reason in the job's history; jobs that had ended keep their state. The owner still
//! finds them, aborted, in the reports (archived jobs), which never read printers.

use crate::common::*;

#[tokio::test]
async fn unregistering_a_printer_aborts_its_unfinished_jobs_and_keeps_its_ended_ones() {
    let t = Tenant::new();
    let (printer, share) = t.open_share("Going away").await;
    let user = t.user("leaver");
    let queued = t.uploaded_job(&share, &user.token, &bytes(500)).await;
    t.api
        .post_empty(&queued.action("start"), &user.token)
        .await
        .expect(200);
    let waiting_for_upload = t
        .job(&format!("/v1.0/print/shares/{share}/jobs"), &user.token)
        .await;
    let canceled = t.uploaded_job(&share, &user.token, &bytes(500)).await;
    t.api
        .post_empty(&canceled.action("cancel"), &user.token)
        .await
        .expect(204);

    t.api
        .call(
            reqwest::Method::DELETE,
            &format!("/v1.0/print/printers/{printer}"),
            &t.admin,
            None,
        )
        .await
        .expect(204);

    let reader = t.token(&uuid(), "Reports.Read.All", false);
    let archived = t
        .api
        .get(
            &format!(
                "/v1.0/reports/getUserArchivedPrintJobs(userId='{}',startDateTime=null,endDateTime=null)",
                user.oid
            ),
            &reader,
        )
        .await
        .expect_json(200);
    let state_of = |id: &str| -> Option<String> {
        archived["value"]
            .as_array()?
            .iter()
            .find(|j| j["id"] == id)
            .map(|j| j["processingState"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(state_of(&queued.id).as_deref(), Some("aborted"), "{archived}");
    assert_eq!(
        state_of(&waiting_for_upload.id).as_deref(),
        Some("aborted"),
        "{archived}"
    );
    assert_eq!(state_of(&canceled.id).as_deref(), Some("canceled"), "{archived}");
}
