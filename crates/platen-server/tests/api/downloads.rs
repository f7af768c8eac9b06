//! `GET …/documents/{id}/$value` answers as Graph does: 302 to a short-lived pre-authenticated URL, which needs
//! no `Authorization` header, streams the document and serves byte ranges (RFC 9110); the caller is checked at
//! the `$value`, a forged, missing or expired URL credential is refused, and HEAD describes the document.

use crate::common::*;
use platen_testkit::http::Http;
use reqwest::Method;
use std::sync::Arc;

/// A client that does not follow redirects, on the same server as `api`.
fn no_follow(api: &Api) -> Http {
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Http::with_client(&api.base, client)
}

/// A user's job with `data` uploaded, and the download URL its `$value` redirects to.
async fn download_url(t: &Tenant, data: &[u8]) -> (Job, String, String) {
    let (_p, s) = t.open_share("Downloads").await;
    let u = t.user("reader");
    let job = t.uploaded_job(&s, &u.token, data).await;
    let r = no_follow(&t.api)
        .get(&format!("{}/$value", job.doc_path()), &u.token)
        .await;
    r.expect(302);
    assert_eq!(r.header("cache-control"), Some("no-store"), "{r:?}");
    assert!(r.body.is_empty(), "{r:?}");
    let location = r.header("location").unwrap().to_string();
    (job, u.token, location)
}

async fn fetch(api: &Api, url: &str, headers: &[(&str, &str)]) -> Resp {
    let mut rb = api.req(Method::GET, url);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    api.exec(rb).await
}

#[tokio::test]
async fn value_redirects_to_a_pre_authenticated_url_that_streams_the_document() {
    let t = Tenant::new();
    let data = bytes(100_000);
    let (job, token, url) = download_url(&t, &data).await;
    let public = &t.api.base;
    assert!(
        url.starts_with(&format!("{public}/downloads/")) && url.contains("?tempauthtoken="),
        "{url}"
    );
    // No Authorization header: the URL is the credential.
    let r = fetch(&t.api, &url, &[]).await;
    r.expect(200);
    assert_eq!(r.body, data);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(r.header("content-length"), Some("100000"));
    let sha = r.header("x-platen-content-sha256").unwrap().to_string();
    assert_eq!(r.header("etag"), Some(format!("\"{sha}\"").as_str()));
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    // The URL may be used again while it lives (a client resuming), and an Authorization header is ignored.
    let again = t.api.get(&url, &token).await;
    again.expect(200);
    assert_eq!(again.body, data);
    // A client that follows redirects (as the SDKs do) reads the bytes through `$value` directly.
    let followed = t.api.get(&format!("{}/$value", job.doc_path()), &token).await;
    followed.expect(200);
    assert_eq!(followed.body, data);
}

#[tokio::test]
async fn byte_ranges_are_served_as_partial_content() {
    let t = Tenant::new();
    let data = bytes(10_000);
    let (_job, _token, url) = download_url(&t, &data).await;
    for (range, from, to) in [
        ("bytes=0-0", 0, 1),
        ("bytes=100-4099", 100, 4100),
        ("bytes=9990-", 9990, 10_000),
        ("bytes=-25", 9975, 10_000),
        ("bytes=9000-20000", 9000, 10_000),
    ] {
        let r = fetch(&t.api, &url, &[("range", range)]).await;
        r.expect(206);
        assert_eq!(r.body, &data[from..to], "{range}");
        assert_eq!(
            r.header("content-range"),
            Some(format!("bytes {from}-{}/10000", to - 1).as_str()),
            "{range}"
        );
        assert_eq!(r.header("content-length"), Some((to - from).to_string().as_str()));
    }
    // Past the end: 416 with the size, as a Graph error.
    let r = fetch(&t.api, &url, &[("range", "bytes=10000-")]).await;
    r.expect_code(416, "invalidRange");
    assert_eq!(r.header("content-range"), Some("bytes */10000"));
    // Several ranges, or a malformed header: the whole document.
    for range in ["bytes=0-1,5-6", "bytes=5-2", "pages=1-2"] {
        let r = fetch(&t.api, &url, &[("range", range)]).await;
        r.expect(200);
        assert_eq!(r.body, data, "{range}");
    }
    // If-Range with the current ETag keeps the range; with another, the whole (new) document.
    let etag = fetch(&t.api, &url, &[]).await.header("etag").unwrap().to_string();
    let r = fetch(&t.api, &url, &[("range", "bytes=0-9"), ("if-range", &etag)]).await;
    r.expect(206);
    assert_eq!(r.body, &data[..10]);
    let r = fetch(&t.api, &url, &[("range", "bytes=0-9"), ("if-range", "\"other\"")]).await;
    r.expect(200);
    assert_eq!(r.body, data);
}

#[tokio::test]
async fn head_describes_the_document_without_its_bytes() {
    let t = Tenant::new();
    let data = bytes(4321);
    let (_job, _token, url) = download_url(&t, &data).await;
    let r = t.api.exec(t.api.req(Method::HEAD, &url)).await;
    r.expect(200);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-length"), Some("4321"));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    let r = t.api.exec(t.api.req(Method::POST, &url)).await;
    r.expect_error(405);
    // HEAD is GET without the body, on every route; `Allow` names the documented methods (the OpenAPI document's).
    assert_eq!(r.header("allow"), Some("GET"));
}

#[tokio::test]
async fn a_forged_or_missing_url_credential_is_refused() {
    let t = Tenant::new();
    let (_job, _token, url) = download_url(&t, &bytes(10)).await;
    let (base, token) = url.split_once("?tempauthtoken=").unwrap();
    let forged = format!("{base}?tempauthtoken={}x", token);
    fetch(&t.api, &forged, &[])
        .await
        .expect_code(401, "unauthenticated");
    fetch(&t.api, base, &[]).await.expect_error(401);
    let elsewhere = format!(
        "{}/downloads/{}?tempauthtoken={token}",
        t.api.base,
        uuid::Uuid::new_v4()
    );
    fetch(&t.api, &elsewhere, &[])
        .await
        .expect_code(401, "unauthenticated");
}

#[tokio::test]
async fn the_caller_is_checked_at_the_value_not_at_the_url() {
    let t = Tenant::new();
    let (job, _token, _url) = download_url(&t, &bytes(10)).await;
    // Another user of the tenant does not get a URL for this user's document.
    let other = t.user("other");
    let r = no_follow(&t.api)
        .get(&format!("{}/$value", job.doc_path()), &other.token)
        .await;
    r.expect_denied();
    assert!(r.header("location").is_none(), "{r:?}");
    // A document with no content yet has no URL either.
    let (_p, s) = t.open_share("Empty").await;
    let u = t.user("writer");
    let empty = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    no_follow(&t.api)
        .get(&format!("{}/$value", empty.doc_path()), &u.token)
        .await
        .expect_code(404, "itemNotFound");
}

#[tokio::test]
async fn an_expired_url_is_refused() {
    let srv = Server::start_with_env(BIN, &[("PLATEN_DOWNLOAD_URL_LIFETIME_SECS", "1")]);
    let t = Tenant::on(Api::on(Arc::new(srv)));
    let (_job, _token, url) = download_url(&t, &bytes(10)).await;
    fetch(&t.api, &url, &[]).await.expect(200);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    fetch(&t.api, &url, &[]).await.expect_code(401, "unauthenticated");
}
