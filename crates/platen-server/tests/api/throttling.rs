//! Throttling (off unless configured): job creations per user and per printer, and uploaded bytes per user,
//! answer Graph's 429 `activityLimitReached` / `throttledRequest` with `Retry-After` once a window's limit is
//! reached, and change nothing; other users and printers are not affected.

use crate::common::*;
use serde_json::json;
use std::sync::Arc;

/// A server of its own with these limits. Windows are aligned to multiples of their length since the epoch, and a
/// test straddling a boundary would see fresh counters: these windows are 10^9 s long, whose next boundary is in
/// 2033. (The SDK compat suite checks short windows, where a client waits for the next one.)
fn throttled_server() -> (Api, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("platen.toml");
    std::fs::write(
        &config,
        "[throttling]\n\
         jobs_per_user = { limit = 2, window_secs = 1000000000 }\n\
         jobs_per_printer = { limit = 3, window_secs = 1000000000 }\n\
         upload_bytes_per_user = { limit = 3000, window_secs = 1000000000 }\n",
    )
    .unwrap();
    let srv = Server::start_with_env(BIN, &[("PLATEN_CONFIG", config.to_str().unwrap())]);
    (Api::on(Arc::new(srv)), dir)
}

#[track_caller]
fn assert_throttled(r: &Resp) {
    r.expect_code(429, "activityLimitReached");
    assert_eq!(
        r.json()["error"]["innerError"]["code"],
        "throttledRequest",
        "{r:?}"
    );
    let secs: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("Retry-After: {r:?}"));
    assert!(secs >= 1, "{r:?}");
}

#[tokio::test]
async fn job_creations_per_user_and_per_printer_are_limited() {
    let (api, _dir) = throttled_server();
    let t = Tenant::on(api);
    let (_, share) = t.open_share("Throttled").await;
    let jobs = format!("/v1.0/print/shares/{share}/jobs");
    let (alice, bob, carol) = (t.user("alice"), t.user("bob"), t.user("carol"));
    t.job(&jobs, &alice.token).await;
    t.job(&jobs, &alice.token).await;
    let third = t.api.post(&jobs, &alice.token, &json!({})).await;
    assert_throttled(&third);
    // Bob has his own allowance; his first job is the printer's third.
    t.job(&jobs, &bob.token).await;
    // Carol is under her own limit, but the printer has had its three.
    assert_throttled(&t.api.post(&jobs, &carol.token, &json!({})).await);
    // The refused creations created nothing.
    let listed = t.api.get(&jobs, &t.admin).await.expect_json(200);
    assert_eq!(listed["value"].as_array().unwrap().len(), 3, "{listed}");
    // Another printer is not affected by this one's count.
    let (_, other) = t.open_share("Other").await;
    t.job(&format!("/v1.0/print/shares/{other}/jobs"), &carol.token)
        .await;
}

#[tokio::test]
async fn uploaded_bytes_per_user_are_limited() {
    let (api, _dir) = throttled_server();
    let t = Tenant::on(api);
    let (_, share) = t.open_share("Uploads").await;
    let jobs = format!("/v1.0/print/shares/{share}/jobs");
    let dave = t.user("dave");
    let first = t.job(&jobs, &dave.token).await;
    t.upload(&first, &dave.token, &bytes(2048)).await;
    let second = t.job(&jobs, &dave.token).await;
    let url = t
        .upload_session(&second, &dave.token, "application/pdf", 2048)
        .await;
    let r = t.api.put_all(&url, &bytes(2048)).await;
    assert_throttled(&r);
    // The refused range was not kept: the session still expects every byte.
    let status = t
        .api
        .exec(t.api.req(reqwest::Method::GET, &url))
        .await
        .expect_json(200);
    assert_eq!(status["nextExpectedRanges"], json!(["0-2047"]), "{status}");
}
