//! Throttling (off unless configured): job creations per user and per printer, and uploaded bytes per user,
//! answer Graph's 429 `activityLimitReached` / `throttledRequest` with `Retry-After` once a window's limit is
//! reached, and change nothing; other users and printers are not affected.

use crate::common::*;
use futures::StreamExt;
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

/// `concurrent_uploads_per_user = 1`: while one of a user's range PUTs is still sending its body, another of the
/// user's PUTs is refused with 429 (and stores nothing); another user is not affected; once the first body is in,
/// the next PUT goes through.
#[tokio::test]
async fn uploads_in_progress_per_user_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("platen.toml");
    std::fs::write(&config, "[throttling]\nconcurrent_uploads_per_user = 1\n").unwrap();
    let srv = Server::start_with_env(BIN, &[("PLATEN_CONFIG", config.to_str().unwrap())]);
    let t = Tenant::on(Api::on(Arc::new(srv)));
    let (_, share) = t.open_share("Concurrent").await;
    let jobs = format!("/v1.0/print/shares/{share}/jobs");
    let erin = t.user("erin");
    let slow_job = t.job(&jobs, &erin.token).await;
    let slow_url = t
        .upload_session(&slow_job, &erin.token, "application/pdf", 1000)
        .await;
    let probe_job = t.job(&jobs, &erin.token).await;
    let probe_url = t
        .upload_session(&probe_job, &erin.token, "application/pdf", 100)
        .await;

    // The slow PUT sends half its body, then waits for `release`; refused while a probe holds the slot, it tries
    // again.
    let data = bytes(1000);
    let (release, released) = tokio::sync::watch::channel(false);
    let slow = {
        let api = t.api.clone();
        let url = slow_url.clone();
        tokio::spawn(async move {
            loop {
                let (head, tail) = (data[..500].to_vec(), data[500..].to_vec());
                let mut released = released.clone();
                let body = futures::stream::once(async move { Ok::<_, std::io::Error>(head) }).chain(
                    futures::stream::once(async move {
                        let _ = released.wait_for(|go| *go).await;
                        Ok(tail)
                    }),
                );
                let r = api
                    .exec(
                        api.req(reqwest::Method::PUT, &url)
                            .header("content-range", "bytes 0-999/1000")
                            .header("content-length", "1000")
                            .body(reqwest::Body::wrap_stream(body)),
                    )
                    .await;
                if r.status != 429 {
                    return r;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        })
    };
    // Probe with one new byte at a time until the slow PUT holds the slot (only it can: probes go one at a time);
    // a probe admitted before that stores its byte, harmlessly.
    let mut next = 0usize;
    let refused = loop {
        assert!(next < 100, "no probe was refused while an upload was in progress");
        let r = t.api.put_chunk(&probe_url, b"x", next, 100).await;
        if r.status == 429 {
            break r;
        }
        r.expect(202);
        next += 1;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_throttled(&refused);
    // Another user uploads meanwhile.
    let frank = t.user("frank");
    t.uploaded_job(&share, &frank.token, &bytes(10)).await;
    // The refused byte was not kept.
    let status = t
        .api
        .exec(t.api.req(reqwest::Method::GET, &probe_url))
        .await
        .expect_json(200);
    assert_eq!(
        status["nextExpectedRanges"],
        json!([format!("{next}-99")]),
        "{status}"
    );
    // The slow body finishes; the slot is free again.
    release.send(true).unwrap();
    slow.await.unwrap().expect(201);
    t.api.put_chunk(&probe_url, b"x", next, 100).await.expect(202);
}
