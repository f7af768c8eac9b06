//! The upload protocol (§3.1 step 3, §4.6, §2 rows 29–31): byte ranges in any order, overlap and size rules,
//! the upload URL's own credential, status, cancel, replacement, and content-type checks against the
//! printer's capabilities.

use crate::common::*;
use reqwest::Method;
use serde_json::json;

/// A user's fresh job on an open share, with an upload session of `size` bytes: `(tenant, user token, job, url)`.
async fn session(size: usize) -> (Tenant, String, Job, String) {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Upload").await;
    let u = t.user("uploader");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let url = t.upload_session(&job, &u.token, "application/pdf", size).await;
    (t, u.token, job, url)
}

async fn put_with_range(api: &Api, url: &str, range: &str, body: Vec<u8>) -> Resp {
    api.exec(
        api.req(Method::PUT, url)
            .header("content-range", range)
            .body(body),
    )
    .await
}

/// A body sent chunked, without Content-Length.
fn streamed(data: Vec<u8>) -> reqwest::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = data.chunks(7).map(|c| Ok(c.to_vec())).collect();
    reqwest::Body::wrap_stream(futures::stream::iter(chunks))
}

#[tokio::test]
async fn overlapping_and_repeated_fragments_are_416_fragment_overlap() {
    let (t, _tok, _job, url) = session(100).await;
    let data = bytes(100);
    put_chunk(&t.api, &url, &data[10..30], 10, 100).await.expect(202);
    for (first, last) in [(10, 29), (0, 10), (29, 40), (15, 20), (0, 99)] {
        let r = put_chunk(&t.api, &url, &data[first..=last], first, 100).await;
        let e = r.expect_code(416, "invalidRange");
        assert_eq!(e["innerError"]["code"], "fragmentOverlap", "{first}-{last}: {e}");
    }
    // Nothing was recorded by the refused fragments.
    let st = t.api.exec(t.api.req(Method::GET, &url)).await.expect_json(200);
    assert_eq!(st["nextExpectedRanges"], json!(["0-9", "30-99"]));
}

#[tokio::test]
async fn content_range_total_must_equal_the_declared_size() {
    let (t, _tok, _job, url) = session(100).await;
    let r = put_chunk(&t.api, &url, &bytes(10), 0, 101).await;
    r.expect_error(400);
    let r = put_chunk(&t.api, &url, &bytes(10), 0, 10).await;
    r.expect_error(400);
}

#[tokio::test]
async fn a_put_without_content_range_is_400() {
    let (t, _tok, _job, url) = session(10).await;
    let r = t.api.exec(t.api.req(Method::PUT, &url).body(bytes(10))).await;
    r.expect_error(400);
}

#[tokio::test]
async fn malformed_content_ranges_are_400() {
    let (t, _tok, _job, url) = session(10).await;
    for range in [
        "bytes 5-2/10",
        "bytes 0-10/10",
        "items 0-9/10",
        "bytes 0-9",
        "bytes a-b/10",
        "bytes */10",
        "bytes -1-9/10",
        "",
    ] {
        let r = put_with_range(&t.api, &url, range, bytes(10)).await;
        r.expect_error(400);
    }
    // The `bytes=` spelling seen in one doc example is accepted (gotcha 8).
    put_with_range(&t.api, &url, "bytes=0-9/10", bytes(10))
        .await
        .expect(201);
}

#[tokio::test]
async fn a_body_shorter_or_longer_than_its_range_is_400() {
    let (t, _tok, _job, url) = session(100).await;
    // With Content-Length.
    put_with_range(&t.api, &url, "bytes 0-49/100", bytes(49))
        .await
        .expect_error(400);
    put_with_range(&t.api, &url, "bytes 0-49/100", bytes(51))
        .await
        .expect_error(400);
    // Chunked, without Content-Length.
    let r = t
        .api
        .exec(
            t.api
                .req(Method::PUT, &url)
                .header("content-range", "bytes 0-49/100")
                .body(streamed(bytes(30))),
        )
        .await;
    r.expect_error(400);
    // Longer: the server may refuse as soon as the excess arrives, so the client stalls after sending
    // (otherwise the early answer races the rest of the upload).
    let stalled = futures::StreamExt::chain(
        futures::stream::iter([Ok::<_, std::io::Error>(bytes(80))]),
        futures::stream::pending(),
    );
    let r = t
        .api
        .exec(
            t.api
                .req(Method::PUT, &url)
                .timeout(std::time::Duration::from_secs(30))
                .header("content-range", "bytes 0-49/100")
                .body(reqwest::Body::wrap_stream(stalled)),
        )
        .await;
    r.expect_error(400);
    // None of them left anything behind.
    let st = t.api.exec(t.api.req(Method::GET, &url)).await.expect_json(200);
    assert_eq!(st["nextExpectedRanges"], json!(["0-99"]));
    // A chunked fragment of the right length is fine.
    let r = t
        .api
        .exec(
            t.api
                .req(Method::PUT, &url)
                .header("content-range", "bytes 0-49/100")
                .body(streamed(bytes(50))),
        )
        .await;
    r.expect(202);
}

#[tokio::test]
async fn a_fragment_of_10_mib_or_more_is_413() {
    const MIB: usize = 1024 * 1024;
    let (t, _tok, _job, url) = session(12 * MIB).await;
    let data = bytes(12 * MIB);
    // Declare a 10 MiB range but send only its first KiB and then stall: the server must refuse from the
    // headers alone. (Sending all 10 MiB races the early refusal against the client's write.)
    let stalled = futures::StreamExt::chain(
        futures::stream::iter([Ok::<_, std::io::Error>(vec![0u8; 1024])]),
        futures::stream::pending(),
    );
    let rb = t
        .api
        .req(Method::PUT, &url)
        .timeout(std::time::Duration::from_secs(30))
        .header("content-range", format!("bytes 0-{}/{}", 10 * MIB - 1, 12 * MIB))
        .body(reqwest::Body::wrap_stream(stalled));
    t.api.exec(rb).await.expect_error(413);
    // Just under the limit is fine, and the rest completes the document.
    put_chunk(&t.api, &url, &data[..10 * MIB - 1], 0, 12 * MIB)
        .await
        .expect(202);
    put_chunk(&t.api, &url, &data[10 * MIB - 1..], 10 * MIB - 1, 12 * MIB)
        .await
        .expect(201);
}

#[tokio::test]
async fn upload_urls_authenticate_with_their_tempauthtoken() {
    let (t, _tok, _job, url) = session(10).await;
    let (base, _) = url.split_once('?').expect("the upload URL has a query");
    let tampered = format!("{base}?tempauthtoken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    for u in [base.to_string(), format!("{base}?tempauthtoken="), tampered] {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let r = t
                .api
                .exec(
                    t.api
                        .req(method.clone(), &u)
                        .header("content-range", "bytes 0-9/10")
                        .body(bytes(10)),
                )
                .await;
            r.expect_error(401);
        }
    }
    // The genuine URL still works afterwards.
    put_chunk(&t.api, &url, &bytes(10), 0, 10).await.expect(201);
}

#[tokio::test]
async fn a_missing_tempauthtoken_401_carries_www_authenticate() {
    let (t, _tok, _job, url) = session(10).await;
    let (base, _) = url.split_once('?').unwrap();
    let r = t.api.exec(t.api.req(Method::GET, base)).await;
    r.expect_error(401);
    assert!(r.header("www-authenticate").is_some(), "{r:?}");
}

#[tokio::test]
async fn a_wrong_tempauthtoken_401_carries_www_authenticate() {
    let (t, _tok, _job, url) = session(10).await;
    let (base, _) = url.split_once('?').unwrap();
    let r = t
        .api
        .exec(t.api.req(Method::GET, &format!("{base}?tempauthtoken=wrong")))
        .await;
    r.expect_error(401);
    assert!(
        r.header("www-authenticate").is_some(),
        "401 without WWW-Authenticate: {r:?}"
    );
}

#[tokio::test]
async fn a_tempauthtoken_of_another_session_is_refused() {
    let (t, tok, job, url1) = session(10).await;
    let other = t.job(&job.collection, &tok).await;
    let url2 = t.upload_session(&other, &tok, "application/pdf", 10).await;
    let (base1, _) = url1.split_once('?').unwrap();
    let (_, query2) = url2.split_once('?').unwrap();
    let r = t
        .api
        .exec(t.api.req(Method::GET, &format!("{base1}?{query2}")))
        .await;
    r.expect_error(401);
}

#[tokio::test]
async fn status_lists_the_missing_ranges() {
    let (t, _tok, _job, url) = session(100).await;
    let data = bytes(100);
    let st = t.api.exec(t.api.req(Method::GET, &url)).await.expect_json(200);
    assert_eq!(st["nextExpectedRanges"], json!(["0-99"]));
    assert!(st["expirationDateTime"].is_string());
    let r = put_chunk(&t.api, &url, &data[10..20], 10, 100)
        .await
        .expect_json(202);
    assert_eq!(r["nextExpectedRanges"], json!(["0-9", "20-99"]));
    assert!(r["expirationDateTime"].is_string());
    put_chunk(&t.api, &url, &data[50..100], 50, 100).await.expect(202);
    let st = t.api.exec(t.api.req(Method::GET, &url)).await.expect_json(200);
    assert_eq!(st["nextExpectedRanges"], json!(["0-9", "20-49"]));
}

#[tokio::test]
async fn delete_cancels_the_session() {
    let (t, tok, job, url) = session(10).await;
    put_chunk(&t.api, &url, &bytes(5), 0, 10).await.expect(202);
    let r = t.api.exec(t.api.req(Method::DELETE, &url)).await;
    r.expect(204);
    assert!(r.body.is_empty());
    t.api.exec(t.api.req(Method::GET, &url)).await.expect_error(404);
    put_chunk(&t.api, &url, &bytes(5), 5, 10).await.expect_error(404);
    t.api
        .exec(t.api.req(Method::DELETE, &url))
        .await
        .expect_error(404);
    let g = t.api.get(&job.path(), &tok).await.expect_json(200);
    assert_eq!(g["status"]["details"], json!(["uploadPending"]));
    assert_eq!(t.api.get(&job.doc_path(), &tok).await.expect_json(200)["size"], 0);
}

#[tokio::test]
async fn an_authorization_header_on_the_upload_put_is_tolerated() {
    let (t, tok, _job, url) = session(10).await;
    let r = t
        .api
        .exec(
            t.api
                .req(Method::PUT, &url)
                .bearer_auth(&tok)
                .header("content-range", "bytes 0-4/10")
                .body(bytes(5)),
        )
        .await;
    r.expect(202);
    let r = t
        .api
        .exec(
            t.api
                .req(Method::PUT, &url)
                .bearer_auth("garbage")
                .header("content-range", "bytes 5-9/10")
                .body(bytes(5)),
        )
        .await;
    r.expect(201);
}

#[tokio::test]
async fn upload_session_sizes_are_validated() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Sizes").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let path = format!("{}/createUploadSession", job.doc_path());
    let with_size = |size: serde_json::Value| json!({"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": size}});
    // Larger than the server's maximum (1 GiB by default).
    t.api
        .post(&path, &u.token, &with_size(json!((1u64 << 30) + 1)))
        .await
        .expect_error(413);
    for bad in [json!(0), json!(-5), json!("10"), json!(1.5), json!(null)] {
        t.api
            .post(&path, &u.token, &with_size(bad))
            .await
            .expect_error(400);
    }
    t.api
        .post(&path, &u.token, &with_size(json!(1u64 << 30)))
        .await
        .expect(200);
}

#[tokio::test]
async fn the_maximum_document_size_is_configurable() {
    let srv = std::sync::Arc::new(Server::start_with_env(
        BIN,
        &[("PLATEN_MAX_DOCUMENT_SIZE", "1000")],
    ));
    let t = Tenant::on(Api::on(srv));
    let (_p, s) = t.open_share("Small").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let path = format!("{}/createUploadSession", job.doc_path());
    let body = |size: u64| json!({"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": size}});
    let e = t.api.post(&path, &u.token, &body(1001)).await.expect_error(413);
    assert_eq!(e["innerError"]["code"], "maxFileSizeExceeded", "{e}");
    t.api.post(&path, &u.token, &body(1000)).await.expect(200);
}

#[tokio::test]
async fn upload_session_properties_are_validated() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Props").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let path = format!("{}/createUploadSession", job.doc_path());
    for body in [
        json!({}),
        json!({"properties": null}),
        json!({"properties": {"contentType": "application/pdf", "size": 1}}),
        json!({"properties": {"documentName": "", "contentType": "application/pdf", "size": 1}}),
        json!({"properties": {"documentName": "a", "contentType": "not a type", "size": 1}}),
        json!({"properties": {"documentName": "a", "size": 1}}),
        json!({"properties": {"documentName": "a", "contentType": "application/pdf", "size": 1, "extra": 1}}),
        json!({"properties": {"documentName": "a", "contentType": "application/pdf", "size": 1}, "other": true}),
    ] {
        t.api.post(&path, &u.token, &body).await.expect_error(400);
    }
    // An unknown document of a real job.
    let good = json!({"properties": {"documentName": "a", "contentType": "application/pdf", "size": 1}});
    t.api
        .post(
            &format!("{}/documents/{}/createUploadSession", job.path(), uuid()),
            &u.token,
            &good,
        )
        .await
        .expect_code(404, "itemNotFound");
}

#[tokio::test]
async fn recreating_an_upload_session_replaces_the_old_one() {
    let (t, tok, job, old) = session(10).await;
    put_chunk(&t.api, &old, &bytes(5), 0, 10).await.expect(202);
    let new = t.upload_session(&job, &tok, "application/pdf", 4).await;
    assert_ne!(old, new);
    t.api.exec(t.api.req(Method::GET, &old)).await.expect_error(404);
    put_chunk(&t.api, &old, &bytes(5), 5, 10).await.expect_error(404);
    let st = t.api.exec(t.api.req(Method::GET, &new)).await.expect_json(200);
    assert_eq!(st["nextExpectedRanges"], json!(["0-3"]));
    put_chunk(&t.api, &new, b"abcd", 0, 4).await.expect(201);
    let bin = t.api.get(&format!("{}/$value", job.doc_path()), &tok).await;
    bin.expect(200);
    assert_eq!(bin.body, b"abcd");
}

#[tokio::test]
async fn a_completed_session_is_gone() {
    let (t, _tok, _job, url) = session(4).await;
    put_chunk(&t.api, &url, b"abcd", 0, 4).await.expect(201);
    t.api.exec(t.api.req(Method::GET, &url)).await.expect_error(404);
    put_chunk(&t.api, &url, b"abcd", 0, 4).await.expect_error(404);
}

#[tokio::test]
async fn four_parallel_fragments_assemble_into_the_document() {
    let (t, tok, job, url) = session(4000).await;
    let data = bytes(4000);
    let puts = (0..4).map(|i| {
        let (api, url, data) = (t.api.clone(), url.clone(), data.clone());
        async move {
            put_chunk(&api, &url, &data[i * 1000..(i + 1) * 1000], i * 1000, 4000)
                .await
                .status
        }
    });
    let mut statuses = futures::future::join_all(puts).await;
    statuses.sort();
    assert_eq!(statuses, vec![201, 202, 202, 202]);
    let bin = t.api.get(&format!("{}/$value", job.doc_path()), &tok).await;
    bin.expect(200);
    assert_eq!(bin.body, data);
    assert_eq!(bin.header("content-type"), Some("application/pdf"));
}

#[tokio::test]
async fn uploading_with_a_basic_permission_is_refused_but_the_upload_url_is_not_a_graph_route() {
    let (t, _tok, job, url) = session(4).await;
    let basic = t.token(&uuid(), "PrintJob.ReadWriteBasic", false);
    let body = json!({"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": 4}});
    t.api
        .post(&format!("{}/createUploadSession", job.doc_path()), &basic, &body)
        .await
        .expect_denied();
    // The upload URL itself needs no Graph token at all.
    put_chunk(&t.api, &url, b"abcd", 0, 4).await.expect(201);
}

/// A virtual printer registered through app `app_id` (admin signed in to that app), shared with everyone.
async fn app_printer(t: &Tenant, app_id: &str) -> (String, String) {
    let admin_via_app = t
        .srv()
        .user_token(&t.id, &t.admin_oid)
        .scopes(ADMIN_SCOPES)
        .admin()
        .app(app_id)
        .mint();
    let (csr, _) = platen_pki::generate_csr_pem("Pull printer");
    let body = json!({"displayName": "Pull printer", "manufacturer": "Contoso", "model": "Virtual", "hasPhysicalDevice": false,
        "certificateSigningRequest": {"content": csr, "transportKey": "a2V5"}});
    let p = t.printer_with(&admin_via_app, body).await;
    let s = t.share(&p, "Pull printer", true).await;
    (p, s)
}

#[tokio::test]
async fn content_types_the_printer_does_not_support_are_refused() {
    let t = Tenant::new();
    let app_id = uuid();
    let (p, s) = app_printer(&t, &app_id).await;
    let app = t.app(&app_id, "Printer.ReadWrite.All");
    let v = t
        .api
        .patch(
            &format!("/v1.0/print/printers/{p}"),
            &app,
            &json!({"capabilities": {"contentTypes": ["application/pdf", "image/pwg-raster"]}}),
        )
        .await
        .expect_json(200);
    assert_eq!(v["id"], p.as_str());
    let caps = t
        .api
        .get(
            &format!("/v1.0/print/printers/{p}?$select=capabilities"),
            &t.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(
        caps["capabilities"]["contentTypes"],
        json!(["application/pdf", "image/pwg-raster"])
    );

    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let path = format!("{}/createUploadSession", job.doc_path());
    let body = |ct: &str| json!({"properties": {"documentName": "a", "contentType": ct, "size": 10}});
    t.api
        .post(&path, &u.token, &body("application/postscript"))
        .await
        .expect_error(400);
    t.api
        .post(&path, &u.token, &body("image/jpeg"))
        .await
        .expect_error(400);
    t.api
        .post(&path, &u.token, &body("application/pdf"))
        .await
        .expect(200);
    t.api
        .post(&path, &u.token, &body("image/pwg-raster"))
        .await
        .expect(200);
}

#[tokio::test]
async fn apps_may_patch_only_virtual_printers_they_registered() {
    let t = Tenant::new();
    let app_id = uuid();
    let (virt, _s) = app_printer(&t, &app_id).await;
    let physical = t.printer("Physical").await;
    let mine = t.app(&app_id, "Printer.ReadWrite.All");
    let other = t.app(&uuid(), "Printer.ReadWrite.All");
    let body = json!({"isAcceptingJobs": false, "status": {"state": "stopped", "details": ["mediaEmpty"], "description": "Out of paper"}});
    t.api
        .patch(&format!("/v1.0/print/printers/{virt}"), &other, &body)
        .await
        .expect_denied();
    t.api
        .patch(&format!("/v1.0/print/printers/{physical}"), &mine, &body)
        .await
        .expect_denied();
    let v = t
        .api
        .patch(&format!("/v1.0/print/printers/{virt}"), &mine, &body)
        .await
        .expect_json(200);
    assert_eq!(v["isAcceptingJobs"], false);
    assert_eq!(v["status"]["state"], "stopped");
    // Delegated callers cannot set device-reported properties.
    t.api
        .patch(
            &format!("/v1.0/print/printers/{physical}"),
            &t.admin,
            &json!({"capabilities": {"contentTypes": ["application/pdf"]}}),
        )
        .await
        .expect_error(400);
    t.api
        .patch(
            &format!("/v1.0/print/printers/{physical}"),
            &t.admin,
            &json!({"isAcceptingJobs": false}),
        )
        .await
        .expect_error(400);
}

#[tokio::test]
async fn a_printer_not_accepting_jobs_refuses_new_jobs() {
    let t = Tenant::new();
    let app_id = uuid();
    let (virt, s) = app_printer(&t, &app_id).await;
    let app = t.app(&app_id, "Printer.ReadWrite.All");
    t.api
        .patch(
            &format!("/v1.0/print/printers/{virt}"),
            &app,
            &json!({"isAcceptingJobs": false}),
        )
        .await
        .expect(200);
    let u = t.user("u");
    let r = t
        .api
        .post(&format!("/v1.0/print/shares/{s}/jobs"), &u.token, &json!({}))
        .await;
    assert!(
        (400..500).contains(&r.status) && r.status != 401 && r.status != 403,
        "{r:?}"
    );
    r.assert_graph_error();
}

/// The upload session's id in its URL.
fn session_id(url: &str) -> String {
    let rest = url.split("/uploadSessions/").nth(1).unwrap();
    rest.split('?').next().unwrap().to_string()
}

/// Every file under `dir` (recursively), as paths relative to it.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
        }
    }
    out
}

/// The document's bytes and SHA-256 as a download serves them.
async fn downloaded(t: &Tenant, job: &Job, tok: &str) -> (Vec<u8>, String) {
    let bin = t.api.get(&format!("{}/$value", job.doc_path()), tok).await;
    bin.expect(200);
    let sha = bin.header("x-platen-content-sha256").unwrap().to_string();
    (bin.body, sha)
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// After completion the document is the session's one blob, written in place: no range is kept apart, nothing
/// is left under `uploads/`, and the document's directory holds the document only.
fn only_the_document_is_on_disk(t: &Tenant, job: &Job, url: &str, len: usize) {
    let blobs = t.srv().data_dir.join("blobs");
    if !blobs.is_dir() {
        return; // Documents elsewhere (another blob store).
    }
    let session = session_id(url);
    let uploads = files_under(&blobs.join("uploads"));
    assert!(
        !uploads.iter().any(|f| f.contains(&session)),
        "left under uploads/: {uploads:?}"
    );
    let docs = files_under(&blobs.join("documents").join(&job.doc));
    assert_eq!(docs, vec![session.clone()], "the document's directory");
    let meta = std::fs::metadata(blobs.join("documents").join(&job.doc).join(&session)).unwrap();
    assert_eq!(meta.len() as usize, len);
}

#[tokio::test]
async fn ranges_out_of_order_overlapping_and_resumed_make_the_document_in_place() {
    let len = 300_007;
    let (t, tok, job, url) = session(len).await;
    let data = bytes(len);
    for (a, b) in [(100_000, 200_000), (250_000, len), (0, 100_000)] {
        put_chunk(&t.api, &url, &data[a..b], a, len).await.expect(202);
    }
    // An overlapping range is refused and changes nothing.
    let r = put_chunk(&t.api, &url, &vec![0xEE; 100_000], 190_000, len).await;
    assert_eq!(
        r.expect_code(416, "invalidRange")["innerError"]["code"],
        "fragmentOverlap"
    );
    // A body cut short is refused and its range can be sent again.
    let short: Vec<Result<Vec<u8>, std::io::Error>> = data[200_000..210_000]
        .chunks(1000)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let r = t
        .api
        .exec(
            t.api
                .req(Method::PUT, &url)
                .header("content-range", format!("bytes 200000-249999/{len}"))
                .body(reqwest::Body::wrap_stream(futures::stream::iter(short))),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    // Resumed: the status names the gap; the gap's PUT completes the document.
    let st = t.api.exec(t.api.req(Method::GET, &url)).await.expect_json(200);
    assert_eq!(st["nextExpectedRanges"], json!(["200000-249999"]));
    put_chunk(&t.api, &url, &data[200_000..250_000], 200_000, len)
        .await
        .expect(201);
    let (got, sha) = downloaded(&t, &job, &tok).await;
    assert!(got == data, "the document's bytes");
    assert_eq!(sha, sha256_hex(&data));
    only_the_document_is_on_disk(&t, &job, &url, len);
}

#[tokio::test]
async fn ranges_in_order_are_hashed_as_they_arrive_and_the_hash_is_right() {
    let len = 3 * 1024 * 1024 + 11;
    let (t, tok, job, url) = session(len).await;
    let data = bytes(len);
    let step = 1024 * 1024;
    let mut at = 0;
    while at < len {
        let end = (at + step).min(len);
        let r = api_put_streamed(&t, &url, &data, at, end, len).await;
        assert_eq!(r.status, if end == len { 201 } else { 202 }, "{}", r.text());
        at = end;
    }
    let (got, sha) = downloaded(&t, &job, &tok).await;
    assert!(got == data, "the document's bytes");
    assert_eq!(sha, sha256_hex(&data));
    only_the_document_is_on_disk(&t, &job, &url, len);
}

async fn api_put_streamed(t: &Tenant, url: &str, data: &[u8], a: usize, b: usize, len: usize) -> Resp {
    t.api
        .exec(
            t.api
                .req(Method::PUT, url)
                .header("content-range", format!("bytes {a}-{}/{len}", b - 1))
                .header("content-length", (b - a).to_string())
                .body(data[a..b].to_vec()),
        )
        .await
}

#[tokio::test]
async fn an_abandoned_session_leaves_its_partial_file_for_the_sweeper_only() {
    let (t, _tok, job, url) = session(1000).await;
    let data = bytes(1000);
    put_chunk(&t.api, &url, &data[500..], 500, 1000).await.expect(202);
    let blobs = t.srv().data_dir.join("blobs");
    if blobs.is_dir() {
        let partial = blobs.join("documents").join(&job.doc).join(session_id(&url));
        assert_eq!(
            std::fs::metadata(&partial).unwrap().len(),
            1000,
            "written at its offset"
        );
    }
    // Canceling ends the session; its blob becomes an orphan for the sweeper (not the request) to delete.
    t.api.exec(t.api.req(Method::DELETE, &url)).await.expect(204);
    put_chunk(&t.api, &url, &data[..500], 0, 1000)
        .await
        .expect_error(404);
}
