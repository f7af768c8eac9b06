//! `printJob.errorCode` (§1.5, §3.1 step 6): set when the device reports the job aborted over INFRA
//! (Update-Job-Status, `output-device-job-state` 8), from its `output-device-job-state-reasons` by Platen's
//! documented mapping to IPP status codes (`platen_domain::device::device_abort_error_code`); null otherwise.

use crate::common::*;
use platen_testkit::infra::{ABORTED, COMPLETED, Device};
use serde_json::{Value, json};

/// A physical printer whose key the test holds, shared with everyone, and a user.
struct Site {
    t: Tenant,
    share: String,
    device: Device,
    http: reqwest::Client,
    user: User,
}

impl Site {
    async fn new() -> Site {
        let t = Tenant::new();
        let (_, share, device, http) = t.device_printer("Errors").await;
        let user = t.user("u");
        Site {
            t,
            share,
            device,
            http,
            user,
        }
    }

    /// A started job the device claims and reports ended in `state` with `reasons`; the job as Graph shows it.
    async fn ended(&self, state: i32, reasons: &[&str]) -> Value {
        let job = self
            .t
            .uploaded_job(&self.share, &self.user.token, &bytes(64))
            .await;
        self.t
            .api
            .post_empty(&job.action("start"), &self.user.token)
            .await
            .expect(200);
        let id: i32 = job.id.parse().unwrap();
        let base = &self.t.srv().base;
        let uuid = "urn:uuid:6e1f0000-0000-4000-8000-000000000002";
        assert_eq!(self.device.acknowledge(&self.http, base, id, uuid).await, 0);
        let status = self
            .device
            .update_job_status_with_reasons(&self.http, base, id, state, reasons, vec![])
            .await;
        assert_eq!(status, 0, "Update-Job-Status");
        self.t
            .api
            .get(&job.path(), &self.user.token)
            .await
            .expect_json(200)
    }
}

#[tokio::test]
async fn a_device_abort_sets_the_jobs_error_code_from_its_reasons() {
    let s = Site::new().await;
    let cases: &[(&[&str], i32)] = &[
        // The most specific reason wins, whatever the order the device sent them in.
        (&["aborted-by-system", "document-format-error"], 0x0411),
        (&["unsupported-document-format"], 0x040A),
        (&["compression-error", "aborted-by-system"], 0x0410),
        (&["document-access-error"], 0x0412),
        // No specific reason: a device error.
        (&["aborted-by-system"], 0x0504),
        (&["none"], 0x0504),
    ];
    for (reasons, code) in cases {
        let job = s.ended(ABORTED, reasons).await;
        assert_eq!(job["status"]["state"], "aborted", "{reasons:?}: {job}");
        assert_eq!(job["errorCode"], json!(code), "{reasons:?}: {job}");
    }
    // Completed jobs carry no error code, nor do jobs the user canceled.
    let done = s.ended(COMPLETED, &["job-completed-successfully"]).await;
    assert_eq!(done["status"]["state"], "completed", "{done}");
    assert_eq!(done["errorCode"], Value::Null, "{done}");
    let job = s.t.uploaded_job(&s.share, &s.user.token, &bytes(8)).await;
    s.t.api
        .post_empty(&job.action("cancel"), &s.user.token)
        .await
        .expect(204);
    let canceled = s.t.api.get(&job.path(), &s.user.token).await.expect_json(200);
    assert_eq!(canceled["errorCode"], Value::Null, "{canceled}");
    // errorCode is filterable on job lists.
    let v =
        s.t.api
            .get(
                &format!("/v1.0/print/shares/{}/jobs?$filter=errorCode eq 1041", s.share),
                &s.user.token,
            )
            .await
            .expect_json(200);
    assert_eq!(v["value"].as_array().unwrap().len(), 1, "{v}");
}
