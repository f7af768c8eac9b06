//! Graph conventions (§4): `request-id` on every response, `client-request-id` echoed, doubled slashes and
//! case-insensitive path segments and action names, parameterless actions with or without a JSON content type,
//! empty 204s, JSON content types, absolute `@odata.context` URLs and the shape of ids and dates.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

#[track_caller]
fn assert_request_id(r: &Resp) {
    let id = r
        .header("request-id")
        .unwrap_or_else(|| panic!("no request-id: {r:?}"));
    assert!(!id.is_empty(), "empty request-id: {r:?}");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Ids").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let url = t.upload_session(&job, &u.token, "application/pdf", 4).await;
    let api = &t.api;
    let responses = vec![
        api.exec(api.req(Method::GET, "/healthz")).await,
        api.get("/v1.0/print/printers", &t.admin).await,
        api.get(&format!("/v1.0/print/printers/{p}"), &t.admin).await,
        api.post(
            "/v1.0/print/printers/create",
            &t.admin,
            &printer_create_body("Another"),
        )
        .await,
        api.get("/v1.0/print/printers", "bad").await,
        api.exec(api.req(Method::GET, "/v1.0/print/printers")).await,
        api.get("/v1.0/print/nowhere", &t.admin).await,
        api.get("/nowhere", &t.admin).await,
        api.get(&format!("/v1.0/print/printers/{}", uuid()), &t.admin)
            .await,
        api.exec(api.authed(Method::PUT, "/v1.0/print/printers", &t.admin))
            .await,
        api.exec(api.req(Method::GET, &url)).await,
        put_chunk(api, &url, b"ab", 0, 4).await,
        api.exec(api.req(Method::GET, &format!("{url}x"))).await,
        put_chunk(api, &url, b"cd", 2, 4).await,
        api.get(&format!("/v1.0/print/shares/{s}/allowedUsers/$count"), &t.admin)
            .await,
        api.post_empty(&job.action("cancel"), &u.token).await,
        api.get(&format!("{}/$value", job.doc_path()), &u.token).await,
    ];
    let mut seen = std::collections::HashSet::new();
    for r in &responses {
        assert_request_id(r);
        assert!(
            seen.insert(r.header("request-id").unwrap().to_string()),
            "request ids are unique per request: {r:?}"
        );
    }
}

#[tokio::test]
async fn client_request_id_is_echoed() {
    let t = Tenant::new();
    let api = &t.api;
    let cid = uuid();
    let ok = api
        .exec(
            api.authed(Method::GET, "/v1.0/print/printers", &t.admin)
                .header("client-request-id", &cid),
        )
        .await;
    ok.expect(200);
    assert_eq!(ok.header("client-request-id"), Some(cid.as_str()));
    let err = api
        .exec(
            api.authed(Method::GET, &format!("/v1.0/print/printers/{}", uuid()), &t.admin)
                .header("client-request-id", &cid),
        )
        .await;
    let e = err.expect_error(404);
    assert_eq!(err.header("client-request-id"), Some(cid.as_str()));
    assert_eq!(e["innerError"]["client-request-id"], cid.as_str(), "{e}");
    let unauth = api
        .exec(
            api.req(Method::GET, "/v1.0/print/printers")
                .header("client-request-id", &cid),
        )
        .await;
    unauth.expect_error(401);
    assert_eq!(unauth.header("client-request-id"), Some(cid.as_str()));
    // Without one, none is invented.
    let plain = api.get("/v1.0/print/printers", &t.admin).await;
    assert!(plain.header("client-request-id").is_none(), "{plain:?}");
}

#[tokio::test]
async fn doubled_slashes_are_tolerated() {
    let t = Tenant::new();
    let p = t.printer("Slashes").await;
    // Empty segments are dropped: the collection is still this tenant's one printer…
    for path in ["/v1.0//print/printers", "//v1.0/print//printers/"] {
        let v = t.api.get(path, &t.admin).await.expect_json(200);
        let ids: Vec<&str> = v["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [p.as_str()], "{path}: {v}");
    }
    // …and the item is that printer, not the collection or another resource.
    let v = t
        .api
        .get(&format!("/v1.0/print//printers//{p}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(v["id"], p.as_str(), "{v}");
    assert_eq!(v["displayName"], "Slashes", "{v}");
    assert!(v.get("value").is_none(), "an item, not a collection: {v}");
    // A doubled slash makes no unknown id or path valid: an unknown printer is still itemNotFound, and an
    // unknown path is refused naming its segments without the empty ones.
    t.api
        .get(&format!("/v1.0/print//printers//{}", uuid()), &t.admin)
        .await
        .expect_code(404, "itemNotFound");
    let e = t
        .api
        .get("/v1.0//print//nothing//", &t.admin)
        .await
        .expect_code(400, "BadRequest");
    assert_eq!(
        e["message"], "Resource not found for the segment path 'print/nothing'.",
        "{e}"
    );
}

#[tokio::test]
async fn path_segments_and_action_names_are_case_insensitive() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Case").await;
    let api = &t.api;
    let list = api.get("/v1.0/Print/Printers", &t.admin).await.expect_json(200);
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    api.get(&format!("/v1.0/PRINT/PRINTERS/{}", p.to_uppercase()), &t.admin)
        .await
        .expect(200);
    api.get(&format!("/v1.0/print/Shares/{s}/AllowedUsers"), &t.admin)
        .await
        .expect(200);
    api.post_empty(
        &format!("/v1.0/print/printers/{p}/RESTOREFACTORYDEFAULTS"),
        &t.admin,
    )
    .await
    .expect(204);
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/SHARES/{s}/Jobs"), &u.token).await;
    let body = json!({"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": 2}});
    api.post(
        &format!(
            "/v1.0/print/shares/{s}/jobs/{}/documents/{}/createuploadsession",
            job.id, job.doc
        ),
        &u.token,
        &body,
    )
    .await
    .expect(200);
    let v = api
        .post(
            &format!(
                "/v1.0/print/shares/{s}/jobs/{}/Documents/{}/CreateUploadSession",
                job.id,
                job.doc.to_uppercase()
            ),
            &u.token,
            &body,
        )
        .await
        .expect_json(200);
    put_chunk(api, v["uploadUrl"].as_str().unwrap(), b"ok", 0, 2)
        .await
        .expect(201);
    api.post_empty(&format!("/v1.0/print/shares/{s}/jobs/{}/Start", job.id), &u.token)
        .await
        .expect(200);
    api.post_empty(
        &format!("/v1.0/print/shares/{s}/jobs/{}/CANCEL", job.id),
        &u.token,
    )
    .await
    .expect(204);
    api.get("/v1.0/ME/Print/RecentPrinterShares", &u.token)
        .await
        .expect(200);
}

#[tokio::test]
async fn parameterless_actions_accept_empty_bodies_with_or_without_a_json_content_type() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Actions").await;
    let u = t.user("u");
    let api = &t.api;
    let variants: Vec<(&str, Option<&str>, &str)> = vec![
        ("no body, no content type", None, ""),
        ("empty body, JSON content type", Some("application/json"), ""),
        (
            "empty body, JSON content type with charset",
            Some("application/json; charset=utf-8"),
            "",
        ),
        ("empty object", Some("application/json"), "{}"),
        // What Microsoft's JavaScript client sends for `.post(null)`.
        ("JSON null", Some("application/json"), "null"),
    ];
    for (what, ct, body) in &variants {
        let job = t.uploaded_job(&s, &u.token, b"x").await;
        for action in ["start", "cancel"] {
            let mut rb = api.authed(Method::POST, &job.action(action), &u.token);
            if let Some(ct) = ct {
                rb = rb.header("content-type", *ct);
            }
            let r = api.exec(rb.body(body.to_string())).await;
            assert!(r.status == 200 || r.status == 204, "{action} with {what}: {r:?}");
        }
        let mut rb = api.authed(
            Method::POST,
            &format!("/v1.0/print/printers/{p}/restoreFactoryDefaults"),
            &t.admin,
        );
        if let Some(ct) = ct {
            rb = rb.header("content-type", *ct);
        }
        api.exec(rb.body(body.to_string())).await.expect(204);
    }
}

#[tokio::test]
async fn a_json_null_body_is_no_parameters_and_parameters_are_still_refused() {
    let (t, p) = crate::pull::pull().await;
    let api = &t.api;
    let u = t.user("u");
    // abort's parameters are optional: `null` is none.
    let (held, _) = crate::pull::held_job(&p, &u, b"held").await;
    api.post(&held.action("abort"), &p.app, &Value::Null)
        .await
        .expect(204);
    let aborted = api.get(&held.path(), &u.token).await.expect_json(200);
    assert_eq!(aborted["status"]["state"], "aborted", "{aborted}");
    // Actions without parameters still refuse parameters, with or without `null` in them.
    let (_, s) = t.open_share("Parameters").await;
    let job = t.uploaded_job(&s, &u.token, b"x").await;
    let restore = format!("/v1.0/print/printers/{}/restoreFactoryDefaults", p.printer);
    for body in [json!({"x": 1}), json!([null]), json!(0)] {
        api.post(&job.action("start"), &u.token, &body)
            .await
            .expect_error(400);
        api.post(&restore, &t.admin, &body).await.expect_error(400);
    }
    api.post(&job.action("start"), &u.token, &Value::Null)
        .await
        .expect(200);
}

#[tokio::test]
async fn no_content_responses_have_no_body_and_json_responses_a_json_content_type() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Shapes").await;
    let u = t.user("u");
    let job = t.uploaded_job(&s, &u.token, b"x").await;
    let api = &t.api;
    let uid = uuid();
    let no_content = vec![
        api.patch(
            "/v1.0/print/settings",
            &t.admin,
            &json!({"documentConversionEnabled": false}),
        )
        .await,
        api.post_empty(
            &format!("/v1.0/print/printers/{p}/restoreFactoryDefaults"),
            &t.admin,
        )
        .await,
        api.post(
            &format!("/v1.0/print/shares/{s}/allowedUsers/$ref"),
            &t.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{uid}")}),
        )
        .await,
        api.delete(
            &format!("/v1.0/print/shares/{s}/allowedUsers/{uid}/$ref"),
            &t.admin,
        )
        .await,
        api.post_empty(&job.action("cancel"), &u.token).await,
    ];
    for r in &no_content {
        r.expect(204);
        assert!(r.body.is_empty(), "204 with a body: {r:?}");
        assert!(
            r.header("content-type").is_none(),
            "204 with a content type: {r:?}"
        );
    }
    let json_responses = vec![
        api.get("/v1.0/print", &t.admin).await,
        api.get("/v1.0/print/printers", &t.admin).await,
        api.get(&format!("/v1.0/print/printers/{p}"), &t.admin).await,
        api.get(&format!("/v1.0/print/shares/{s}"), &u.token).await,
        api.get(&job.path(), &u.token).await,
        api.get(&format!("{}/documents", job.path()), &u.token).await,
        api.get("/v1.0/print/services", &u.token).await,
        api.get("/v1.0/me/print/recentPrinterShares", &u.token).await,
        api.get("/beta/print/printerShares", &u.token).await,
    ];
    for r in &json_responses {
        r.expect(200);
        r.assert_json_content_type();
        let ct = r.header("content-type").unwrap();
        assert!(
            ct.contains("odata.metadata=minimal"),
            "Graph-style content type: {ct}"
        );
        let v = r.json();
        let ctx = v["@odata.context"]
            .as_str()
            .unwrap_or_else(|| panic!("@odata.context: {r:?}"));
        assert!(
            ctx.starts_with(&format!("{}/", api.srv.base)) && ctx.contains("/$metadata#"),
            "absolute context URL: {ctx}"
        );
    }
}

#[tokio::test]
async fn ids_and_dates_have_the_documented_shapes() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Shapes").await;
    let u = t.user("u");
    let job: Value = t
        .api
        .post(&format!("/v1.0/print/shares/{s}/jobs"), &u.token, &json!({}))
        .await
        .expect_json(201);
    let id = job["id"].as_str().unwrap();
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        "job ids are short numeric strings: {id}"
    );
    assert!(uuid::Uuid::parse_str(&p).is_ok(), "printer ids are GUIDs: {p}");
    assert!(uuid::Uuid::parse_str(&s).is_ok(), "share ids are GUIDs: {s}");
    let created = job["createdDateTime"].as_str().unwrap();
    assert!(
        created.len() >= 20
            && created.as_bytes()[10] == b'T'
            && (created.ends_with('Z') || created.contains('+')),
        "ISO 8601 with zone: {created}"
    );
    let printer = t
        .api
        .get(&format!("/v1.0/print/printers/{p}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(printer["status"]["state"], "unknown", "fresh registration (§3.3)");
    assert!(printer["status"]["details"].is_array());
    assert!(printer["isAcceptingJobs"].is_null());
}

#[tokio::test]
async fn operation_location_and_upload_urls_use_the_public_url() {
    let t = Tenant::new();
    let r = t
        .api
        .post(
            "/v1.0/print/printers/create",
            &t.admin,
            &printer_create_body("Public"),
        )
        .await;
    r.expect(202);
    assert!(
        r.header("operation-location")
            .unwrap()
            .starts_with(&format!("{}/v1.0/print/operations/", t.api.srv.base))
    );
    let beta = t
        .api
        .post(
            "/beta/print/printers/create",
            &t.admin,
            &printer_create_body("Public beta"),
        )
        .await;
    beta.expect(202);
    let op = beta.header("operation-location").unwrap().to_string();
    assert!(op.starts_with(&t.api.srv.base), "{op}");
    let v = t.api.get(&op, &t.admin).await.expect_json(200);
    assert_eq!(v["status"]["state"], "succeeded");
}

/// RFC 9110 §9.1: a general-purpose server supports HEAD wherever it supports GET.
#[tokio::test]
async fn head_is_answered_like_get_without_a_body() {
    let t = Tenant::new();
    let p = t.printer("Head").await;
    for path in [
        "/v1.0/print/printers".to_string(),
        format!("/v1.0/print/printers/{p}"),
    ] {
        let r = t.api.exec(t.api.authed(Method::HEAD, &path, &t.admin)).await;
        assert_eq!(r.status, 200, "HEAD {path}: {r:?}");
        assert!(r.body.is_empty());
    }
}

/// When a trusted issuer's signing keys cannot be fetched the server is at fault, not the token: 503
/// `serviceNotAvailable` with `Retry-After` (the SDKs' retry handlers wait that long), never a 401 that would make
/// a client drop a good token.
#[tokio::test]
async fn unreachable_signing_keys_answer_503_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("platen.toml");
    std::fs::write(
        &config,
        "[[auth.issuers]]\nissuer = \"https://login.example.test/tenant/v2.0\"\n\
         audiences = [\"https://graph.microsoft.com\"]\njwks_url = \"http://127.0.0.1:9/keys\"\n",
    )
    .unwrap();
    let srv = Server::start_with_env(BIN, &[("PLATEN_CONFIG", config.to_str().unwrap())]);
    let api = Api::on(std::sync::Arc::new(srv));
    let (_, key) = platen_pki::generate_csr_pem("issuer");
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"iss": "https://login.example.test/tenant/v2.0", "aud": "https://graph.microsoft.com",
        "iat": now, "nbf": now, "exp": now + 600, "tid": uuid(), "oid": uuid(), "scp": "PrintJob.ReadWrite"});
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("k1".into());
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ec_pem(key.as_bytes()).unwrap(),
    )
    .unwrap();
    let r = api.get("/v1.0/print/shares", &token).await;
    r.expect_code(503, "serviceNotAvailable");
    assert_eq!(r.header("retry-after"), Some("10"), "{r:?}");
}

/// Evolvable enums (`printFinishing`, `printerProcessingStateDetail`): members after `unknownFutureValue` reach
/// only clients that send `Prefer: include-unknown-enum-members` (answered with `Preference-Applied`); others read
/// `unknownFutureValue`, as on Graph.
#[tokio::test]
async fn evolvable_enum_members_need_prefer_include_unknown_enum_members() {
    let t = Tenant::new();
    let (_, share) = t.open_share("Evolvable").await;
    let user = t.user("evolvable");
    let (id, _) = t
        .api
        .create_job(
            &format!("/v1.0/print/shares/{share}/jobs"),
            &user.token,
            json!({"finishings": ["staple", "bindLeft"]}),
        )
        .await;
    let path = format!("/v1.0/print/shares/{share}/jobs/{id}");
    let plain = t.api.get(&path, &user.token).await;
    assert_eq!(
        plain.json()["configuration"]["finishings"],
        json!(["staple", "unknownFutureValue"]),
        "{plain:?}"
    );
    assert_eq!(plain.header("preference-applied"), None);
    let rb = t
        .api
        .authed(Method::GET, &path, &user.token)
        .header("Prefer", "odata.maxpagesize=5, include-unknown-enum-members");
    let asked = t.api.exec(rb).await;
    assert_eq!(
        asked.json()["configuration"]["finishings"],
        json!(["staple", "bindLeft"]),
        "{asked:?}"
    );
    assert_eq!(
        asked.header("preference-applied"),
        Some("include-unknown-enum-members")
    );
}
