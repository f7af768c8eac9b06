//! `/metrics` (Prometheus text) moves with the traffic: requests by route template and status, latency
//! histograms, jobs created, job changes by the state they reach, uploaded bytes.

use crate::common::*;

/// The value of the series `name` (exact label set as written by the exporter, or none), 0 when absent.
fn value(text: &str, series: &str) -> f64 {
    metric(text, series).unwrap_or(0.0)
}

async fn scrape(t: &Tenant) -> String {
    let r = t.api.exec(t.api.req(reqwest::Method::GET, "/metrics")).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain")
    );
    r.text()
}

#[tokio::test]
async fn metrics_count_requests_job_changes_and_uploaded_bytes() {
    let t = Tenant::new();
    let (_, share) = t.open_share("Metered").await;
    let user = t.user("metered");
    let before = scrape(&t).await;
    let job = t.uploaded_job(&share, &user.token, &bytes(5_000)).await;
    t.api
        .post_empty(&job.action("start"), &user.token)
        .await
        .expect(200);
    t.api.get("/v1.0/print/printers", &t.admin).await.expect(200);
    let after = scrape(&t).await;

    let listed = r#"platen_http_requests_total{route="v1.0 Printers",method="GET",status="200"}"#;
    assert!(value(&after, listed) >= value(&before, listed) + 1.0, "{after}");
    assert!(
        after.contains(r#"platen_http_request_duration_seconds_bucket{route="v1.0 JobAction",le="0.005"}"#),
        "{after}"
    );
    for (series, at_least) in [
        ("platen_jobs_created_total", 1.0),
        ("platen_upload_bytes_total", 5_000.0),
        (r#"platen_job_changes_total{state="pending"}"#, 1.0),
    ] {
        assert!(
            value(&after, series) >= value(&before, series) + at_least,
            "{series}: {} → {}",
            value(&before, series),
            value(&after, series)
        );
    }
    // No id ever becomes a label.
    assert!(!after.contains(&share), "a share id in a label");
}
