//! Bad input of every kind gets a Graph-shaped 4xx (`{"error":{"code","message","innerError":{"request-id",
//! "date"}}}`, JSON content type) and the server keeps serving. 401s carry `WWW-Authenticate`.
//!
//! Expired and not-yet-valid tokens (`platen token --issued-at-offset`), like every other defect of a token, are
//! checked on every route by the authorization matrix (`permissions.rs`).

use crate::common::*;
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};

/// A tenant with a printer shared with everyone and a user's job on it.
async fn setup() -> (Tenant, String, String, User, Job) {
    let t = Tenant::new();
    let (p, s) = t.open_share("Bad input").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    (t, p, s, u, job)
}

#[tokio::test]
async fn malformed_json_bodies_are_400() {
    let (t, p, s, u, job) = setup().await;
    let cases: Vec<(Method, String, &String)> = vec![
        (Method::POST, "/v1.0/print/shares".into(), &t.admin),
        (Method::PATCH, format!("/v1.0/print/printers/{p}"), &t.admin),
        (Method::PATCH, format!("/v1.0/print/shares/{s}"), &t.admin),
        (Method::POST, "/v1.0/print/printers/create".into(), &t.admin),
        (Method::POST, format!("/v1.0/print/shares/{s}/jobs"), &u.token),
        (
            Method::POST,
            format!("{}/createUploadSession", job.doc_path()),
            &u.token,
        ),
        (
            Method::POST,
            format!("/v1.0/print/shares/{s}/allowedUsers/$ref"),
            &t.admin,
        ),
        (Method::PATCH, "/v1.0/print/settings".into(), &t.admin),
        (Method::POST, job.action("start"), &u.token),
        (Method::POST, job.action("cancel"), &u.token),
    ];
    for body in [
        &b"{"[..],
        b"{\"displayName\": }",
        b"{'a': 1}",
        b"nul",
        b"{\"a\":1}}",
        b"\xff\xfe{}",
        b"{\"a\":\"\\x\"}",
    ] {
        for (m, path, token) in &cases {
            let r = t.api.send_raw(m.clone(), path, token, body.to_vec()).await;
            r.expect_error(400);
        }
    }
    t.api.assert_healthy().await;
}

#[tokio::test]
async fn non_object_json_bodies_are_400() {
    let (t, p, s, u, job) = setup().await;
    for body in [
        "[]",
        "[{\"displayName\":\"x\"}]",
        "\"text\"",
        "42",
        "true",
        "null",
    ] {
        for (m, path, token) in [
            (Method::POST, "/v1.0/print/shares".to_string(), &t.admin),
            (Method::PATCH, format!("/v1.0/print/printers/{p}"), &t.admin),
            (Method::POST, format!("/v1.0/print/shares/{s}/jobs"), &u.token),
            (
                Method::POST,
                format!("{}/createUploadSession", job.doc_path()),
                &u.token,
            ),
            (Method::POST, job.action("start"), &u.token),
        ] {
            let r = t.api.send_raw(m, &path, token, body.as_bytes().to_vec()).await;
            // `null` as an action body may be read as "no parameters"; everything else is refused.
            if body == "null" && path.ends_with("/start") {
                assert!(r.status == 400 || r.status == 200, "{r:?}");
                continue;
            }
            r.expect_error(400);
        }
    }
    // Missing bodies where one is required.
    t.api
        .post_empty("/v1.0/print/shares", &t.admin)
        .await
        .expect_error(400);
    t.api
        .exec(
            t.api
                .authed(Method::PATCH, &format!("/v1.0/print/printers/{p}"), &t.admin),
        )
        .await
        .expect_error(400);
    t.api
        .post_empty(&format!("{}/createUploadSession", job.doc_path()), &u.token)
        .await
        .expect_error(400);
    t.api.assert_healthy().await;
}

#[tokio::test]
async fn wrongly_typed_properties_are_400() {
    let (t, p, s, u, _job) = setup().await;
    let jobs = format!("/v1.0/print/shares/{s}/jobs");
    for body in [
        json!({"configuration": {"copies": "2"}}),
        json!({"configuration": {"copies": 2.5}}),
        json!({"configuration": {"copies": 99999999999u64}}),
        json!({"configuration": {"colorMode": "rainbow"}}),
        json!({"configuration": {"colorMode": 2}}),
        json!({"configuration": {"duplexMode": true}}),
        json!({"configuration": {"finishings": "staple"}}),
        json!({"configuration": {"pageRanges": [{"start": "1", "end": 2}]}}),
        json!({"configuration": "copies=2"}),
        json!({"configuration": []}),
    ] {
        t.api.post(&jobs, &u.token, &body).await.expect_error(400);
    }
    let pr = format!("https://graph.microsoft.com/v1.0/print/printers/{p}");
    for body in [
        json!({"displayName": "S", "allowAllUsers": "yes", "printer@odata.bind": pr}),
        json!({"displayName": 5, "printer@odata.bind": pr}),
        json!({"displayName": null, "printer@odata.bind": pr}),
        json!({"displayName": "S", "printer@odata.bind": 42}),
        json!({"displayName": "S", "printer@odata.bind": "https://graph.microsoft.com/v1.0/print/shares/x"}),
        json!({"displayName": "S"}),
    ] {
        t.api
            .post("/v1.0/print/shares", &t.admin, &body)
            .await
            .expect_error(400);
    }
    let printer = format!("/v1.0/print/printers/{p}");
    for body in [
        json!({"displayName": 5}),
        json!({"location": {"latitude": "north"}}),
        json!({"location": {"subunit": "East Wing"}}),
        json!({"location": "Building 1"}),
        json!({"defaults": {"copiesPerJob": "2"}}),
        json!({"defaults": {"orientation": "sideways"}}),
    ] {
        t.api.patch(&printer, &t.admin, &body).await.expect_error(400);
    }
    t.api
        .patch(
            &format!("/v1.0/print/shares/{s}"),
            &t.admin,
            &json!({"allowAllUsers": "no"}),
        )
        .await
        .expect_error(400);
    t.api
        .patch(
            "/v1.0/print/settings",
            &t.admin,
            &json!({"documentConversionEnabled": "true"}),
        )
        .await
        .expect_error(400);
    let mut create = printer_create_body("X");
    create["hasPhysicalDevice"] = json!("yes");
    t.api
        .post("/v1.0/print/printers/create", &t.admin, &create)
        .await
        .expect_error(400);
    t.api.assert_healthy().await;
}

#[tokio::test]
async fn unknown_properties_are_400() {
    let (t, p, s, u, job) = setup().await;
    t.api
        .post(
            &format!("/v1.0/print/shares/{s}/jobs"),
            &u.token,
            &json!({"configuration": {}, "priority": 1}),
        )
        .await
        .expect_error(400);
    t.api
        .post(
            &format!("/v1.0/print/shares/{s}/jobs"),
            &u.token,
            &json!({"configuration": {"copiez": 1}}),
        )
        .await
        .expect_error(400);
    // displayName on a job is beta only.
    t.api
        .post(
            &format!("/v1.0/print/shares/{s}/jobs"),
            &u.token,
            &json!({"displayName": "v1 has none"}),
        )
        .await
        .expect_error(400);
    let pr = format!("https://graph.microsoft.com/v1.0/print/printers/{p}");
    t.api
        .post(
            "/v1.0/print/shares",
            &t.admin,
            &json!({"displayName": "S", "printer@odata.bind": pr, "colour": "red"}),
        )
        .await
        .expect_error(400);
    t.api
        .patch(
            &format!("/v1.0/print/printers/{p}"),
            &t.admin,
            &json!({"nickname": "x"}),
        )
        .await
        .expect_error(400);
    t.api
        .patch(
            &format!("/v1.0/print/printers/{p}"),
            &t.admin,
            &json!({"location": {"galaxy": "Milky Way"}}),
        )
        .await
        .expect_error(400);
    t.api
        .patch(
            &format!("/v1.0/print/shares/{s}"),
            &t.admin,
            &json!({"color": "red"}),
        )
        .await
        .expect_error(400);
    let mut create = printer_create_body("X");
    create["serialNumber"] = json!("123");
    t.api
        .post("/v1.0/print/printers/create", &t.admin, &create)
        .await
        .expect_error(400);
    t.api
        .post(
            &format!("/v1.0/print/shares/{s}/allowedUsers/$ref"),
            &t.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{}", uuid()), "x": 1}),
        )
        .await
        .expect_error(400);
    t.api
        .post(&job.action("start"), &u.token, &json!({"now": true}))
        .await
        .expect_error(400);
    t.api
        .post(&job.action("cancel"), &u.token, &json!({"reason": "x"}))
        .await
        .expect_error(400);
    t.api.assert_healthy().await;
}

#[tokio::test]
async fn read_only_properties_are_400() {
    let (t, p, s, u, _job) = setup().await;
    t.api
        .post(
            &format!("/v1.0/print/shares/{s}/jobs"),
            &u.token,
            &json!({"id": "5"}),
        )
        .await
        .expect_error(400);
    t.api
        .post(
            &format!("/v1.0/print/shares/{s}/jobs"),
            &u.token,
            &json!({"createdDateTime": "2020-01-01T00:00:00Z"}),
        )
        .await
        .expect_error(400);
    t.api
        .post(
            &format!("/v1.0/print/shares/{s}/jobs"),
            &u.token,
            &json!({"status": {"state": "completed"}}),
        )
        .await
        .expect_error(400);
    t.api
        .post(
            &format!("/v1.0/print/shares/{s}/jobs"),
            &u.token,
            &json!({"isFetchable": true}),
        )
        .await
        .expect_error(400);
    let printer = format!("/v1.0/print/printers/{p}");
    for body in [
        json!({"id": "00000000-0000-0000-0000-000000000000"}),
        json!({"registeredDateTime": "2020-01-01T00:00:00Z"}),
        json!({"isShared": false}),
        json!({"hasPhysicalDevice": false}),
    ] {
        t.api.patch(&printer, &t.admin, &body).await.expect_error(400);
    }
    let share = format!("/v1.0/print/shares/{s}");
    for body in [
        json!({"id": "x"}),
        json!({"createdDateTime": "2020-01-01T00:00:00Z"}),
        json!({"viewPoint": {"lastUsedDateTime": null}}),
        json!({"manufacturer": "x"}),
    ] {
        t.api.patch(&share, &t.admin, &body).await.expect_error(400);
    }
    // Nothing changed.
    let pv = t.api.get(&printer, &t.admin).await.expect_json(200);
    assert_eq!(pv["isShared"], true);
    assert_eq!(pv["id"], p.as_str());
    t.api.assert_healthy().await;
}

#[tokio::test]
async fn a_huge_json_body_is_413() {
    let t = Tenant::new();
    // 2 MiB announced; about 1.5 MiB sent, then the client stalls: the server must refuse without waiting
    // for the rest. (Sending everything races the early refusal against the client's write.)
    let head = format!("{{\"displayName\":\"{}", "x".repeat(1536 * 1024));
    let stalled = futures::StreamExt::chain(
        futures::stream::iter([Ok::<_, std::io::Error>(head.into_bytes())]),
        futures::stream::pending(),
    );
    let rb = t
        .api
        .authed(Method::POST, "/v1.0/print/shares", &t.admin)
        .timeout(std::time::Duration::from_secs(30))
        .header("content-type", "application/json")
        .header("content-length", (2 * 1024 * 1024).to_string())
        .body(reqwest::Body::wrap_stream(stalled));
    t.api.exec(rb).await.expect_error(413);
    // Chunked, no length announced: just over 1 MiB arrives, then the client stalls; the server must notice
    // the overflow while reading.
    let over = format!("{{\"displayName\":\"{}", "y".repeat(1024 * 1024 + 10));
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = over
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let stalled = futures::StreamExt::chain(futures::stream::iter(chunks), futures::stream::pending());
    let rb = t
        .api
        .authed(Method::POST, "/v1.0/print/shares", &t.admin)
        .timeout(std::time::Duration::from_secs(30))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stalled));
    t.api.exec(rb).await.expect_error(413);
    t.api.assert_healthy().await;
}

#[tokio::test]
async fn deeply_nested_and_odd_json_is_refused_without_harm() {
    let (t, p, s, u, _job) = setup().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    t.api
        .send_raw(
            Method::POST,
            &format!("/v1.0/print/shares/{s}/jobs"),
            &u.token,
            deep.into_bytes(),
        )
        .await
        .expect_error(400);
    let deep_obj = format!(
        "{{\"configuration\":{}1{}}}",
        "{\"a\":".repeat(10_000),
        "}".repeat(10_000)
    );
    t.api
        .send_raw(
            Method::POST,
            &format!("/v1.0/print/shares/{s}/jobs"),
            &u.token,
            deep_obj.into_bytes(),
        )
        .await
        .expect_error(400);
    // Duplicate keys, NUL characters and very long strings: refused or accepted, never a server error.
    let dup = r#"{"displayName":"a","displayName":"b"}"#;
    let r = t
        .api
        .send_raw(
            Method::PATCH,
            &format!("/v1.0/print/printers/{p}"),
            &t.admin,
            dup.as_bytes().to_vec(),
        )
        .await;
    assert!(r.status == 200 || r.status == 400, "{r:?}");
    if r.status == 400 {
        r.assert_graph_error();
    }
    let r = t
        .api
        .patch(
            &format!("/v1.0/print/printers/{p}"),
            &t.admin,
            &json!({"displayName": "nul\u{0}byte"}),
        )
        .await;
    assert!(r.status == 200 || r.status == 400, "{r:?}");
    t.api
        .patch(
            &format!("/v1.0/print/printers/{p}"),
            &t.admin,
            &json!({"displayName": "z".repeat(100_000)}),
        )
        .await
        .expect_error(400);
    t.api.assert_healthy().await;
}

// ---------------------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------------------

#[track_caller]
fn assert_401(r: &Resp) {
    r.expect_error(401);
    let w = r
        .header("www-authenticate")
        .unwrap_or_else(|| panic!("401 without WWW-Authenticate: {r:?}"));
    assert!(w.to_ascii_lowercase().starts_with("bearer"), "{w}");
}

fn b64url(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[tokio::test]
async fn bad_tokens_are_401_with_www_authenticate() {
    let t = Tenant::new();
    let api = &t.api;
    let good = t.admin.clone();
    let parts: Vec<&str> = good.split('.').collect();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[0])
            .unwrap(),
    )
    .unwrap();
    let mut payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    payload["scp"] = json!("Printer.FullControl.All PrintJob.ReadWrite.All PrinterShare.ReadWrite.All");
    let tampered = format!("{}.{}.{}", parts[0], b64url(&payload), parts[2]);
    let mut none_header = header.clone();
    none_header["alg"] = json!("none");
    let alg_none = format!("{}.{}.", b64url(&none_header), parts[1]);
    let truncated_sig = format!("{}.{}.{}", parts[0], parts[1], &parts[2][..parts[2].len() / 2]);

    // Signed by another issuer key (another data directory's development issuer).
    let other_dir = tempfile::tempdir().unwrap();
    let foreign = t
        .srv()
        .user_token(&t.id, &t.admin_oid)
        .scopes(ADMIN_SCOPES)
        .admin()
        .data_dir(other_dir.path())
        .mint();
    // Wrong audience.
    let wrong_aud = t
        .srv()
        .user_token(&t.id, &t.admin_oid)
        .scopes(ADMIN_SCOPES)
        .admin()
        .audience("api://someone-else")
        .mint();

    let headers: Vec<(&str, String)> = vec![
        ("not a JWT", "Bearer not-a-jwt".into()),
        ("three garbage parts", "Bearer aaa.bbb.ccc".into()),
        ("empty parts", "Bearer ..".into()),
        ("bearer without token", "Bearer".into()),
        ("bearer and spaces", "Bearer    ".into()),
        ("basic scheme", "Basic dXNlcjpwYXNz".into()),
        ("token without scheme", good.clone()),
        ("tampered payload", format!("Bearer {tampered}")),
        ("alg none", format!("Bearer {alg_none}")),
        ("truncated signature", format!("Bearer {truncated_sig}")),
        ("foreign key", format!("Bearer {foreign}")),
        ("wrong audience", format!("Bearer {wrong_aud}")),
        ("empty header", String::new()),
    ];
    for (what, h) in &headers {
        for path in [
            "/v1.0/print/printers",
            "/beta/print/shares",
            "/v1.0/me/print/recentPrinterShares",
        ] {
            let r = api
                .exec(api.req(Method::GET, path).header("authorization", h.as_str()))
                .await;
            assert_eq!(r.status, 401, "{what}: {r:?}");
            assert_401(&r);
        }
    }
    // No Authorization header at all, on reads, writes and actions.
    assert_401(&api.exec(api.req(Method::GET, "/v1.0/print/printers")).await);
    assert_401(
        &api.exec(
            api.req(Method::POST, "/v1.0/print/shares")
                .json(&json!({"displayName": "x"})),
        )
        .await,
    );
    assert_401(
        &api.exec(api.req(Method::POST, "/v1.0/print/printers/create").body("{"))
            .await,
    );
    assert_401(
        &api.exec(api.req(Method::POST, "/v1.0/print/shares/x/jobs/1/cancel"))
            .await,
    );
    // "bearer" is case-insensitive; the genuine token still works.
    api.exec(
        api.req(Method::GET, "/v1.0/print/printers")
            .header("authorization", format!("bearer {good}")),
    )
    .await
    .expect(200);
    api.assert_healthy().await;
}

// ---------------------------------------------------------------------------------------------------------
// OData, paths, routes, methods
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn broken_odata_options_are_400() {
    let t = Tenant::new();
    let pid = t.printer("OData").await;
    for q in [
        "$filter=displayName eq",
        "$filter=displayName eq 'unterminated",
        "$filter=(displayName eq 'a'",
        "$filter=nope eq 'x'",
        "$filter=displayName eq 5",
        "$filter=displayName lt",
        "$filter=startswith(displayName)",
        "$filter=",
        "$top=-1",
        "$top=abc",
        "$top=1.5",
        "$top=99999999999999999999",
        "$skip=-3",
        "$orderby=nope",
        "$orderby=displayName sideways",
        "$orderby=displayName desc, displayName asc",
        "$foo=bar",
        "$top=1&$top=2",
        "$filter=displayName eq 'a'&$filter=displayName eq 'b'",
        "$count=maybe",
        "$select=nope",
        "$select=id,,displayName",
        "$expand=jobs",
        "$expand=nope",
        "$skiptoken=garbage",
        "$search=anything",
        "$count=true",
    ] {
        let r = t.api.get(&format!("/v1.0/print/printers?{q}"), &t.admin).await;
        assert_eq!(r.status, 400, "{q}: {r:?}");
        r.assert_graph_error();
    }
    // Single-entity reads refuse collection options.
    for q in ["$top=1", "$filter=displayName eq 'x'", "$orderby=displayName"] {
        t.api
            .get(&format!("/v1.0/print/printers/{pid}?{q}"), &t.admin)
            .await
            .expect_error(400);
    }
    // Invalid UTF-8 after percent-decoding in a query value.
    t.api
        .get("/v1.0/print/printers?$filter=displayName%20eq%20'%FF'", &t.admin)
        .await
        .expect_error(400);
    // A pathological filter.
    let deep = format!(
        "$filter={}displayName eq 'a'{}",
        "not(".repeat(5000),
        ")".repeat(5000)
    );
    let r = t.api.get(&format!("/v1.0/print/printers?{deep}"), &t.admin).await;
    assert!((400..500).contains(&r.status), "{}", r.status);
    t.api.assert_healthy().await;
}

#[tokio::test]
async fn invalid_utf8_in_the_path_is_400() {
    let t = Tenant::new();
    for path in [
        "/v1.0/print/printers/%FF%FE",
        "/v1.0/print/%C3%28",
        "/v1.0/print/shares/%80/jobs",
    ] {
        let r = t.api.get(path, &t.admin).await;
        r.expect_error(400);
    }
    // Also without a token: the answer is still a Graph error.
    let r = t
        .api
        .exec(t.api.req(Method::GET, "/v1.0/print/printers/%FF"))
        .await;
    assert!(matches!(r.status, 400 | 401), "{r:?}");
    r.assert_graph_error();
    t.api.assert_healthy().await;
}

#[tokio::test]
async fn unknown_routes_are_graph_errors() {
    let t = Tenant::new();
    for path in [
        "/",
        "/v1.0",
        "/v2.0/print/printers",
        "/v1.0/print/nothing",
        "/v1.0/print/printers/x/y/z",
        "/v1.0/print/shares/x/jobs/1/documents/d/$value/more",
        "/v1.0/printers",
        "/graph/v1.0/print/printers",
        "/v1.0/print/taskDefinitionz",
        "/uploadSessions",
        "/uploadSessions/a/b",
    ] {
        let r = t.api.get(path, &t.admin).await;
        assert!(matches!(r.status, 400 | 404), "{path}: {r:?}");
        r.assert_graph_error();
    }
    // Unknown ids of known routes are 404 itemNotFound.
    for path in [
        format!("/v1.0/print/printers/{}", uuid()),
        format!("/v1.0/print/shares/{}", uuid()),
        format!("/v1.0/print/operations/{}", uuid()),
        format!("/v1.0/print/connectors/{}", uuid()),
        format!("/v1.0/print/shares/{}/allowedUsers", uuid()),
        format!("/v1.0/print/printers/{}/jobs", uuid()),
    ] {
        t.api.get(&path, &t.admin).await.expect_code(404, "itemNotFound");
    }
    t.api.assert_healthy().await;
}

#[tokio::test]
async fn wrong_methods_are_405() {
    let (t, p, s, u, job) = setup().await;
    let cases: Vec<(Method, String, &String)> = vec![
        (Method::PUT, "/v1.0/print/printers".into(), &t.admin),
        (Method::DELETE, "/v1.0/print/printers".into(), &t.admin),
        (Method::GET, "/v1.0/print/printers/create".into(), &t.admin),
        (Method::DELETE, "/v1.0/print/printers/create".into(), &t.admin),
        (Method::POST, format!("/v1.0/print/printers/{p}"), &t.admin),
        (Method::PUT, format!("/v1.0/print/printers/{p}"), &t.admin),
        (Method::PUT, "/v1.0/print/shares".into(), &t.admin),
        (Method::POST, format!("/v1.0/print/shares/{s}"), &t.admin),
        (Method::PUT, format!("/v1.0/print/shares/{s}"), &t.admin),
        (Method::PATCH, "/v1.0/print".into(), &t.admin),
        (Method::DELETE, "/v1.0/print/settings".into(), &t.admin),
        (Method::DELETE, format!("/v1.0/print/shares/{s}/jobs"), &u.token),
        (Method::DELETE, job.path(), &u.token),
        (Method::GET, job.action("cancel"), &u.token),
        (Method::GET, job.action("start"), &u.token),
        (
            Method::GET,
            format!("{}/createUploadSession", job.doc_path()),
            &u.token,
        ),
        (
            Method::POST,
            format!("/v1.0/print/shares/{s}/allowedUsers"),
            &t.admin,
        ),
        (
            Method::PUT,
            format!("/v1.0/print/shares/{s}/allowedUsers/$ref"),
            &t.admin,
        ),
        (Method::POST, "/v1.0/print/services".into(), &t.admin),
        (
            Method::POST,
            format!("/v1.0/print/printers/{p}/jobs/{}/documents", job.id),
            &t.admin,
        ),
    ];
    for (m, path, token) in cases {
        let r = t
            .api
            .exec(
                t.api
                    .authed(m.clone(), &path, token)
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await;
        assert_eq!(r.status, 405, "{m} {path}: {r:?}");
        r.assert_graph_error();
    }
    // The upload URL takes GET, PUT and DELETE only.
    let url = t.upload_session(&job, &u.token, "application/pdf", 4).await;
    for m in [Method::POST, Method::PATCH] {
        let r = t.api.exec(t.api.req(m.clone(), &url).body("abcd")).await;
        assert_eq!(r.status, 405, "{m} upload URL: {r:?}");
        r.assert_graph_error();
    }
    t.api.assert_healthy().await;
}

#[tokio::test]
async fn method_not_allowed_answers_name_the_allowed_methods() {
    let t = Tenant::new();
    let p = t.printer("Allow").await;
    let r = t
        .api
        .exec(
            t.api
                .authed(Method::PUT, &format!("/v1.0/print/printers/{p}"), &t.admin)
                .body("{}"),
        )
        .await;
    r.expect_error(405);
    let allow = r
        .header("allow")
        .unwrap_or_else(|| panic!("405 without Allow: {r:?}"));
    for m in ["GET", "PATCH", "DELETE"] {
        assert!(allow.contains(m), "Allow: {allow}");
    }
}

/// A 405's `Allow` header must be a comma-separated list of methods (RFC 9110 §10.2.1) that the resource really
/// supports: none of them may itself be answered with 405.
#[tokio::test]
async fn allow_headers_are_well_formed_and_accurate() {
    let (t, p, s, u, job) = setup().await;
    let cases: Vec<(Method, String, &String)> = vec![
        (
            Method::GET,
            format!("/v1.0/print/printers/{p}/restoreFactoryDefaults"),
            &t.admin,
        ),
        (
            Method::PUT,
            format!("/v1.0/print/printers/{p}/restoreFactoryDefaults"),
            &t.admin,
        ),
        (Method::GET, job.action("cancel"), &u.token),
        (Method::PUT, job.action("start"), &u.token),
        (
            Method::GET,
            format!("{}/createUploadSession", job.doc_path()),
            &u.token,
        ),
        (
            Method::DELETE,
            format!("/v1.0/print/shares/{s}/allowedUsers"),
            &t.admin,
        ),
        (Method::PUT, format!("/v1.0/print/printers/{p}"), &t.admin),
        (Method::DELETE, "/v1.0/print/settings".into(), &t.admin),
        (
            Method::POST,
            "/v1.0/me/print/recentPrinterShares".into(),
            &u.token,
        ),
    ];
    let mut problems = vec![];
    for (m, path, token) in cases {
        let r = t
            .api
            .exec(
                t.api
                    .authed(m.clone(), &path, token)
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await;
        if r.status != 405 {
            problems.push(format!("{m} {path}: expected 405, got {}", r.status));
            continue;
        }
        let allow = r.header("allow").unwrap_or_default().to_string();
        let methods: Vec<&str> = allow.split(',').map(str::trim).collect();
        if allow.is_empty()
            || methods
                .iter()
                .any(|x| x.is_empty() || !x.bytes().all(|b| b.is_ascii_uppercase()))
        {
            problems.push(format!("{m} {path}: malformed Allow '{allow}'"));
            continue;
        }
        for listed in methods {
            let lm = Method::from_bytes(listed.as_bytes()).unwrap();
            let again = t
                .api
                .exec(
                    t.api
                        .authed(lm, &path, token)
                        .header("content-type", "application/json")
                        .body("{}"),
                )
                .await;
            if again.status == 405 {
                problems.push(format!(
                    "{m} {path}: Allow '{allow}' lists {listed}, which is 405 too"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn printer_registration_input_is_validated() {
    let t = Tenant::new();
    let good = printer_create_body("Valid");
    let mut cases: Vec<Value> = vec![];
    for field in [
        "displayName",
        "manufacturer",
        "model",
        "certificateSigningRequest",
    ] {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(field);
        cases.push(b);
    }
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = good.clone();
        f(&mut b);
        b
    };
    cases.push(with(&|b| b["displayName"] = json!("")));
    cases.push(with(&|b| {
        b.as_object_mut()
            .unwrap()
            .remove("physicalDeviceId")
            .map(|_| ())
            .unwrap()
    }));
    cases.push(with(&|b| b["physicalDeviceId"] = json!("not-a-guid")));
    cases.push(with(&|b| {
        b["certificateSigningRequest"]["content"] = json!("bm90IGEgY3Ny")
    }));
    cases.push(with(&|b| {
        b["certificateSigningRequest"]["content"] = json!("%%% not base64 %%%")
    }));
    cases.push(with(&|b| b["certificateSigningRequest"]["content"] = json!("")));
    cases.push(with(&|b| {
        b["certificateSigningRequest"]
            .as_object_mut()
            .unwrap()
            .remove("transportKey")
            .map(|_| ())
            .unwrap()
    }));
    cases.push(with(&|b| b["certificateSigningRequest"] = json!("csr")));
    cases.push(with(&|b| b["connectorId"] = json!(uuid())));
    // A CSR whose signature does not match its content.
    let (pem, _) = platen_pki::generate_csr_pem("Tampered");
    let mut der = base64::engine::general_purpose::STANDARD
        .decode(pem_to_base64_der(&pem))
        .unwrap();
    let last = der.len() - 1;
    der[last] ^= 0x55;
    cases.push(with(&|b| {
        b["certificateSigningRequest"]["content"] =
            json!(base64::engine::general_purpose::STANDARD.encode(&der))
    }));
    for body in cases {
        let r = t.api.post("/v1.0/print/printers/create", &t.admin, &body).await;
        assert_eq!(r.status, 400, "{body}: {r:?}");
        r.assert_graph_error();
    }
    assert_eq!(
        t.api.get("/v1.0/print/printers", &t.admin).await.expect_json(200)["value"],
        json!([]),
        "nothing was registered"
    );
    t.api
        .post("/v1.0/print/printers/create", &t.admin, &good)
        .await
        .expect(202);
    t.api.assert_healthy().await;
}
