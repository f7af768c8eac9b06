//! OXPS → PDF conversion (Universal Print's documented rule): an upload declared `application/oxps` to a
//! printer that takes `application/pdf` but not `application/oxps` is converted by `xpstopdf` while the job is
//! `processing` + `transforming`, when the tenant's `documentConversionEnabled` is on. These tests run the real
//! converter (Debian's libgxps-utils, installed by scripts/test.sh): a missing converter fails them.

use crate::common::*;
/// PWG 5100.18 Fetch-Document.
const FETCH_DOCUMENT: i16 = 0x0042;
use platen_testkit::infra::integer;
use serde_json::{Value, json};
use std::time::Duration;

/// tests/fixtures/tiny.oxps: one A4 page with one filled rectangle (a `Path`), written by
/// tests/fixtures/make_oxps.py with Python's zipfile; `xpstopdf tiny.oxps` accepts it.
const TINY_OXPS: &[u8] = include_bytes!("../fixtures/tiny.oxps");
const OXPS: &str = "application/oxps";

async fn set_conversion(t: &Tenant, enabled: bool) {
    t.api
        .patch(
            "/v1.0/print/settings",
            &t.admin,
            &json!({"documentConversionEnabled": enabled}),
        )
        .await
        .expect(204);
}

/// A printer registered through an app (so that the app may set its capabilities) that lists `types`, shared
/// with everyone, with an INFRA device connected for it: `(share, device, http)`.
async fn printer_taking(
    t: &Tenant,
    types: &[&str],
) -> (String, platen_testkit::infra::Device, reqwest::Client) {
    let (printer, app_id, _, key) = t.virtual_printer_via_app("Converting printer").await;
    let share = t.share(&printer, "Converting printer", true).await;
    t.api
        .patch(
            &format!("/v1.0/print/printers/{printer}"),
            &t.app(&app_id, "Printer.ReadWrite.All"),
            &json!({"capabilities": {"contentTypes": types}}),
        )
        .await
        .expect(200);
    let http = platen_testkit::http::client();
    let device = platen_testkit::infra::Device::connect(&http, &t.srv().base, &printer, &key).await;
    (share, device, http)
}

/// Creates a job on `share`, uploads `data` declared as OXPS, starts it; the start's status.
async fn start_oxps(t: &Tenant, share: &str, token: &str, data: &[u8]) -> (Job, Value) {
    let job = t.job(&format!("/v1.0/print/shares/{share}/jobs"), token).await;
    let url = t.upload_session(&job, token, OXPS, data.len()).await;
    put_chunk(&t.api, &url, data, 0, data.len()).await.expect(201);
    let status = t
        .api
        .post(&job.action("start"), token, &json!({}))
        .await
        .expect_json(200);
    (job, status)
}

/// Polls the job until its state leaves `processing`+`transforming` (at most 60 s).
async fn after_conversion(t: &Tenant, job: &Job, token: &str) -> Value {
    for _ in 0..600 {
        let v = t.api.get(&job.path(), token).await.expect_json(200);
        if v["status"]["details"] != json!(["transforming"]) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the conversion did not finish within 60 s");
}

#[tokio::test]
async fn an_oxps_upload_to_a_pdf_only_printer_reaches_the_device_as_pdf() {
    let t = Tenant::new();
    set_conversion(&t, true).await;
    let (share, device, http) = printer_taking(&t, &["application/pdf"]).await;
    let u = t.user("u");
    let (job, started) = start_oxps(&t, &share, &u.token, TINY_OXPS).await;
    assert_eq!(started["state"], "processing", "{started}");
    let done = after_conversion(&t, &job, &u.token).await;
    assert_eq!(done["status"]["state"], "pending", "{done}");
    assert_eq!(done["isFetchable"], true, "{done}");
    // Graph's document keeps describing the upload.
    let doc = t.api.get(&job.doc_path(), &u.token).await.expect_json(200);
    assert_eq!(doc["contentType"], OXPS);
    assert_eq!(doc["size"], TINY_OXPS.len());

    let job_id: i32 = job.id.parse().expect("numeric job id");
    let fetched = device
        .send(
            &http,
            &t.srv().base,
            FETCH_DOCUMENT,
            vec![("job-id", integer(job_id)), ("document-number", integer(1))],
            None,
        )
        .await;
    assert_eq!(fetched.status, 0, "Fetch-Document");
    let pdf = fetched.data;
    assert!(
        pdf.starts_with(b"%PDF-"),
        "not a PDF: {:?}",
        &pdf[..pdf.len().min(16)]
    );
    let tail = String::from_utf8_lossy(&pdf[pdf.len().saturating_sub(64)..]).to_string();
    assert!(
        tail.contains("startxref") && tail.trim_end().ends_with("%%EOF"),
        "PDF trailer: {tail}"
    );
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert_eq!(pages, 1, "one page");
}

#[tokio::test]
async fn a_corrupt_oxps_aborts_its_job_with_a_reason() {
    let t = Tenant::new();
    set_conversion(&t, true).await;
    let (share, _device, _http) = printer_taking(&t, &["application/pdf"]).await;
    let u = t.user("u");
    let (job, _) = start_oxps(&t, &share, &u.token, &TINY_OXPS[..300]).await;
    let done = after_conversion(&t, &job, &u.token).await;
    assert_eq!(done["status"]["state"], "aborted", "{done}");
    assert_eq!(done["isFetchable"], false, "{done}");
    assert_eq!(done["errorCode"], 0x0411, "{done}");
    let description = done["status"]["description"].as_str().unwrap_or_default();
    assert!(description.contains("not a valid OXPS"), "{done}");
}

#[tokio::test]
async fn with_conversion_off_oxps_is_refused_with_how_to_turn_it_on() {
    let t = Tenant::new();
    set_conversion(&t, false).await;
    let (share, _device, _http) = printer_taking(&t, &["application/pdf"]).await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{share}/jobs"), &u.token).await;
    let body = json!({"properties": {"documentName": "a.oxps", "contentType": OXPS, "size": 10}});
    let r = t
        .api
        .post(
            &format!("{}/createUploadSession", job.doc_path()),
            &u.token,
            &body,
        )
        .await;
    let e = r.expect_code(400, "invalidRequest");
    let message = e["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("conversion is off") && message.contains("documentConversionEnabled"),
        "{message}"
    );
}

#[tokio::test]
async fn a_printer_that_takes_oxps_gets_it_unconverted() {
    let t = Tenant::new();
    set_conversion(&t, true).await;
    let (share, device, http) = printer_taking(&t, &["application/pdf", OXPS]).await;
    let u = t.user("u");
    let (job, started) = start_oxps(&t, &share, &u.token, TINY_OXPS).await;
    assert_eq!(started["state"], "pending", "{started}");
    assert_ne!(started["details"], json!(["transforming"]), "{started}");
    let job_id: i32 = job.id.parse().expect("numeric job id");
    let fetched = device
        .send(
            &http,
            &t.srv().base,
            FETCH_DOCUMENT,
            vec![("job-id", integer(job_id)), ("document-number", integer(1))],
            None,
        )
        .await;
    assert_eq!(fetched.status, 0, "Fetch-Document");
    assert_eq!(fetched.data, TINY_OXPS);
}

/// A converter that is not there (a wrong `[conversion] converter` path) aborts the job with a reason that says
/// so; the server stays up.
#[tokio::test]
async fn a_missing_converter_aborts_the_job_with_a_reason() {
    let srv = Server::start_with_env(BIN, &[("PLATEN_CONVERSION__CONVERTER", "/nonexistent/xpstopdf")]);
    let t = Tenant::on(Api::on(std::sync::Arc::new(srv)));
    set_conversion(&t, true).await;
    let (share, _device, _http) = printer_taking(&t, &["application/pdf"]).await;
    let u = t.user("u");
    let (job, _) = start_oxps(&t, &share, &u.token, TINY_OXPS).await;
    let done = after_conversion(&t, &job, &u.token).await;
    assert_eq!(done["status"]["state"], "aborted", "{done}");
    assert_eq!(done["isFetchable"], false, "{done}");
    let description = done["status"]["description"].as_str().unwrap_or_default();
    assert!(description.contains("/nonexistent/xpstopdf"), "{done}");
    t.api.assert_healthy().await;
}
