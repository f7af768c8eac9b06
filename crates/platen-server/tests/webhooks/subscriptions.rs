//! `/subscriptions`: the handshake, the request checks, permissions, and the CRUD cycle.

use crate::World;
use crate::harness::{ADMIN_SCOPES, in_seconds, uuid};
use crate::receiver::Handshake;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::test]
async fn create_get_list_renew_delete() {
    let w = World::new().await;
    let s = w.subscribe(&w.jobs_body("/notify")).await;
    assert_eq!(
        w.rx.state.validations.load(Ordering::SeqCst),
        1,
        "one validation handshake"
    );
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(
        s["@odata.context"],
        format!("{}/v1.0/$metadata#subscriptions/$entity", w.srv.base)
    );
    assert_eq!(s["resource"], format!("print/printers/{}/jobs", w.t.printer));
    assert_eq!(s["changeType"], "updated");
    assert_eq!(s["applicationId"], w.app_id);
    assert_eq!(s["clientState"], "s3cret");
    assert_eq!(s["notificationUrl"], w.rx.url("/notify"));
    assert_eq!(s["notificationQueryOptions"], "$filter = isFetchable eq true");
    assert_eq!(s["latestSupportedTlsVersion"], "v1_2");
    assert_eq!(s["includeResourceData"], false);
    assert!(s["creatorId"].as_str().is_some_and(|c| !c.is_empty()), "{s}");
    assert!(s["encryptionCertificate"].is_null() && s["lifecycleNotificationUrl"].is_null());

    let path = format!("/v1.0/subscriptions/{id}");
    let got = w.c.get(&path, &w.app).await.expect_json(200);
    assert_eq!(got["id"], id.as_str());
    let beta =
        w.c.get(&format!("/beta/subscriptions/{id}"), &w.app)
            .await
            .expect_json(200);
    assert_eq!(
        beta["@odata.context"],
        format!("{}/beta/$metadata#subscriptions/$entity", w.srv.base)
    );
    let list = w.c.get("/v1.0/subscriptions", &w.app).await.expect_json(200);
    assert_eq!(
        list["@odata.context"],
        format!("{}/v1.0/$metadata#subscriptions", w.srv.base)
    );
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    assert_eq!(list["value"][0]["id"], id.as_str());

    // Another app of the tenant sees nothing of it.
    let other = w.srv.app_token(&w.t.id, &uuid(), "Printer.Read.All");
    assert_eq!(
        w.c.get("/v1.0/subscriptions", &other).await.expect_json(200)["value"],
        json!([])
    );
    w.c.get(&path, &other).await.error_message(404);
    w.c.delete(&path, &other).await.error_message(404);

    // Renew; then re-point (validated again).
    let later = in_seconds(7200);
    let renewed =
        w.c.patch(&path, &w.app, &json!({"expirationDateTime": later}))
            .await
            .expect_json(200);
    assert_eq!(renewed["expirationDateTime"], later);
    assert_eq!(
        w.rx.state.validations.load(Ordering::SeqCst),
        1,
        "renewal does not re-validate"
    );
    let moved =
        w.c.patch(&path, &w.app, &json!({"notificationUrl": w.rx.url("/moved")}))
            .await
            .expect_json(200);
    assert_eq!(moved["notificationUrl"], w.rx.url("/moved"));
    assert_eq!(
        w.rx.state.validations.load(Ordering::SeqCst),
        2,
        "a new URL is validated"
    );
    w.c.patch(
        &path,
        &w.app,
        &json!({"expirationDateTime": in_seconds(4231 * 60)}),
    )
    .await
    .error_message(400);
    w.c.patch(&path, &w.app, &json!({"resource": "print/printers/x/jobs"}))
        .await
        .error_message(400);

    assert_eq!(w.c.delete(&path, &w.app).await.status, 204);
    w.c.get(&path, &w.app).await.error_message(404);
    w.c.delete(&path, &w.app).await.error_message(404);
}

#[tokio::test]
async fn failed_handshakes_refuse_the_subscription() {
    let w = World::new().await;
    for mode in [Handshake::WrongToken, Handshake::Status500] {
        w.rx.set_handshake(mode);
        let msg =
            w.c.post("/v1.0/subscriptions", &w.app, &w.jobs_body("/notify"))
                .await
                .error_message(400);
        assert!(msg.contains("validation"), "{mode:?}: {msg}");
    }
    // Nobody listening.
    let mut body = w.jobs_body("/notify");
    body["notificationUrl"] = json!("http://127.0.0.1:9/notify");
    w.c.post("/v1.0/subscriptions", &w.app, &body)
        .await
        .error_message(400);
    // A separate lifecycle URL is validated too.
    w.rx.set_handshake(Handshake::Echo);
    let mut body = w.jobs_body("/notify");
    body["lifecycleNotificationUrl"] = json!("http://127.0.0.1:9/lifecycle");
    let msg =
        w.c.post("/v1.0/subscriptions", &w.app, &body)
            .await
            .error_message(400);
    assert!(msg.contains("lifecycleNotificationUrl"), "{msg}");
    assert_eq!(
        w.c.get("/v1.0/subscriptions", &w.app).await.expect_json(200)["value"],
        json!([])
    );
}

#[tokio::test]
async fn a_handshake_slower_than_ten_seconds_is_refused() {
    let w = World::new().await;
    w.rx.set_handshake(Handshake::Slow(Duration::from_secs(11)));
    let msg =
        w.c.post("/v1.0/subscriptions", &w.app, &w.jobs_body("/notify"))
            .await
            .error_message(400);
    assert!(msg.contains("10 seconds"), "{msg}");
    assert_eq!(
        w.c.get("/v1.0/subscriptions", &w.app).await.expect_json(200)["value"],
        json!([])
    );
}

#[tokio::test]
async fn invalid_requests_are_400_and_unknown_resources_404() {
    let w = World::new().await;
    let bad = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut b = w.jobs_body("/notify");
        f(&mut b);
        b
    };
    let cases = [
        (
            "lifetime above 4230 minutes",
            bad(&|b| b["expirationDateTime"] = json!(in_seconds(4231 * 60))),
        ),
        (
            "expiration in the past",
            bad(&|b| b["expirationDateTime"] = json!(in_seconds(-60))),
        ),
        ("not a date", bad(&|b| b["expirationDateTime"] = json!("soon"))),
        (
            "http outside loopback",
            bad(&|b| b["notificationUrl"] = json!("http://example.com/hook")),
        ),
        ("relative URL", bad(&|b| b["notificationUrl"] = json!("/hook"))),
        ("created on jobs", bad(&|b| b["changeType"] = json!("created"))),
        (
            "deleted on jobs",
            bad(&|b| b["changeType"] = json!("updated,deleted")),
        ),
        (
            "unsupported resource",
            bad(&|b| b["resource"] = json!("print/shares/x/jobs")),
        ),
        (
            "clientState too long",
            bad(&|b| b["clientState"] = json!("x".repeat(129))),
        ),
        (
            "filter on an unknown property",
            bad(&|b| b["notificationQueryOptions"] = json!("$filter=nope eq 1")),
        ),
        (
            "options other than $filter",
            bad(&|b| b["notificationQueryOptions"] = json!("$top=1")),
        ),
        (
            "unknown TLS version",
            bad(&|b| b["latestSupportedTlsVersion"] = json!("v9_9")),
        ),
        (
            "rich notifications",
            bad(&|b| b["includeResourceData"] = json!(true)),
        ),
        ("unknown property", bad(&|b| b["colour"] = json!("blue"))),
        (
            "missing notificationUrl",
            bad(&|b| {
                b.as_object_mut().unwrap().remove("notificationUrl");
            }),
        ),
    ];
    for (what, body) in cases {
        let r = w.c.post("/v1.0/subscriptions", &w.app, &body).await;
        assert_eq!(r.status, 400, "{what}: {r:?}");
    }
    let msg =
        w.c.post("/v1.0/subscriptions", &w.app, &cases_https(&w))
            .await
            .error_message(400);
    assert!(msg.contains("https"), "{msg}");
    let unknown = bad(&|b| b["resource"] = json!("print/printers/00000000-0000-0000-0000-000000000000/jobs"));
    w.c.post("/v1.0/subscriptions", &w.app, &unknown)
        .await
        .error_message(404);
    assert_eq!(
        w.rx.state.validations.load(Ordering::SeqCst),
        0,
        "nothing invalid reaches the handshake"
    );
    // Accepted spellings: leading slash, version prefix, mixed case, exactly 4230 minutes.
    let mut ok = w.jobs_body("/notify");
    ok["resource"] = json!(format!("/v1.0/Print/Printers/{}/Jobs", w.t.printer));
    ok["expirationDateTime"] = json!(in_seconds(4230 * 60 - 5));
    w.subscribe(&ok).await;
}

fn cases_https(w: &World) -> serde_json::Value {
    let mut b = w.jobs_body("/notify");
    b["notificationUrl"] = json!("http://10.1.2.3/hook");
    b
}

#[tokio::test]
async fn insecure_webhooks_can_be_allowed_by_configuration() {
    let w = World::with_env(&[("PLATEN_ALLOW_INSECURE_WEBHOOKS", "true")]).await;
    let mut b = w.jobs_body("/notify");
    b["notificationUrl"] = json!("http://webhooks.invalid/hook");
    // Past the https rule; refused only because the handshake cannot reach the host.
    let msg =
        w.c.post("/v1.0/subscriptions", &w.app, &b)
            .await
            .error_message(400);
    assert!(
        msg.contains("validation") && !msg.contains("must use https"),
        "{msg}"
    );
}

#[tokio::test]
async fn permissions_follow_the_resource() {
    let w = World::new().await;
    let body = w.jobs_body("/notify");
    // Delegated tokens are not supported, even an administrator's.
    let admin = w
        .srv
        .user_token(&w.t.id, &uuid(), ADMIN_SCOPES, true, Some(&w.app_id));
    w.c.post("/v1.0/subscriptions", &admin, &body)
        .await
        .error_message(403);
    w.c.get("/v1.0/subscriptions", &admin).await.error_message(403);
    // An app without Printer.Read.All / Printer.ReadWrite.All.
    let jobs_only = w.srv.app_token(&w.t.id, &uuid(), "PrintJob.Read.All");
    w.c.post("/v1.0/subscriptions", &jobs_only, &body)
        .await
        .error_message(403);
    let rw = w.srv.app_token(&w.t.id, &uuid(), "Printer.ReadWrite.All");
    w.c.post("/v1.0/subscriptions", &rw, &body).await.expect_json(201);

    // Task definitions: PrintTaskDefinition.ReadWrite.All, and only the creator's definitions.
    let (owner_id, other_id) = (uuid(), uuid());
    let owner = w
        .srv
        .app_token(&w.t.id, &owner_id, "PrintTaskDefinition.ReadWrite.All");
    let other = w
        .srv
        .app_token(&w.t.id, &other_id, "PrintTaskDefinition.ReadWrite.All");
    let d =
        w.c.post(
            "/v1.0/print/taskDefinitions",
            &owner,
            &json!({"displayName": "Release", "createdBy": {"displayName": "Owner"}}),
        )
        .await;
    let def = d.expect_json(201)["id"].as_str().unwrap().to_string();
    let tasks = |who_def: &str| {
        json!({
            "changeType": "created",
            "resource": format!("print/taskDefinitions/{who_def}/tasks"),
            "notificationUrl": w.rx.url("/tasks"),
            "expirationDateTime": in_seconds(600),
        })
    };
    w.c.post("/v1.0/subscriptions", &other, &tasks(&def))
        .await
        .error_message(403);
    w.c.post("/v1.0/subscriptions", &owner, &tasks(&uuid()))
        .await
        .error_message(404);
    w.c.post("/v1.0/subscriptions", &w.app, &tasks(&def))
        .await
        .error_message(403);
    let mut updated = tasks(&def);
    updated["changeType"] = json!("updated");
    w.c.post("/v1.0/subscriptions", &owner, &updated)
        .await
        .error_message(400);
    let s =
        w.c.post("/v1.0/subscriptions", &owner, &tasks(&def))
            .await
            .expect_json(201);
    assert_eq!(s["changeType"], "created");
    // The printer app cannot manage the task subscription, nor see it.
    let id = s["id"].as_str().unwrap();
    w.c.get(&format!("/v1.0/subscriptions/{id}"), &w.app)
        .await
        .error_message(404);
}

#[tokio::test]
async fn expired_subscriptions_disappear() {
    let w = World::new().await;
    let mut b = w.jobs_body("/notify");
    b["expirationDateTime"] = json!(in_seconds(3));
    let s = w.subscribe(&b).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    w.c.get(
        &format!("/v1.0/subscriptions/{}", s["id"].as_str().unwrap()),
        &w.app,
    )
    .await
    .error_message(404);
    assert_eq!(
        w.c.get("/v1.0/subscriptions", &w.app).await.expect_json(200)["value"],
        json!([])
    );
    // No notification for a change after expiry.
    let job = w.t.uploaded_job(&w.c).await;
    w.t.start(&w.c, &job).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(w.rx.posts().is_empty(), "{:?}", w.rx.posts());
}
