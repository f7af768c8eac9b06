//! Delivery from the outbox: the notifications a change produces, retries, lifecycle notifications, and
//! durability across a SIGKILL of the server.

use crate::World;
use crate::harness::{ADMIN_SCOPES, eventually, in_seconds, uuid};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Generous: delivery is normally immediate; these bound a broken run, they are not timing assertions.
const WAIT: Duration = Duration::from_secs(60);
/// Short back-off so restarts and retries do not make the suite slow.
const FAST_RETRY: &[(&str, &str)] = &[
    ("PLATEN_WEBHOOK_DELIVERY__BACKOFF_BASE_MS", "200"),
    ("PLATEN_WEBHOOK_DELIVERY__BACKOFF_CAP_MS", "1000"),
    // A server killed mid-delivery leaves its rows leased: a short lease lets the restarted server retry them
    // well within the test's wait even on a slow machine.
    ("PLATEN_WEBHOOK_DELIVERY__LEASE_SECS", "5"),
];

fn assert_job_notification(n: &Value, w: &World, sub: &Value, job: &str) {
    let resource = format!("print/printers/{}/jobs/{job}", w.t.printer);
    assert_eq!(n["changeType"], "updated", "{n}");
    assert_eq!(n["resource"], resource, "{n}");
    assert_eq!(n["resourceData"]["id"], job, "{n}");
    assert_eq!(
        n["resourceData"]["@odata.type"], "#microsoft.graph.printJob",
        "{n}"
    );
    assert_eq!(n["resourceData"]["@odata.id"], resource, "{n}");
    assert_eq!(n["subscriptionId"], sub["id"], "{n}");
    assert_eq!(
        n["subscriptionExpirationDateTime"], sub["expirationDateTime"],
        "{n}"
    );
    assert_eq!(n["clientState"], "s3cret", "{n}");
    assert_eq!(n["tenantId"], w.t.id, "{n}");
    assert!(
        n["id"].as_str().is_some_and(|i| uuid::Uuid::parse_str(i).is_ok()),
        "{n}"
    );
}

#[tokio::test]
async fn a_job_becoming_fetchable_notifies_once() {
    let w = World::new().await;
    let sub = w.subscribe(&w.jobs_body("/notify")).await;
    let job = w.t.uploaded_job(&w.c).await;
    assert!(
        w.rx.notifications("/notify").is_empty(),
        "creating and uploading do not make a job fetchable"
    );
    w.t.start(&w.c, &job).await;
    assert!(
        eventually(WAIT, || !w.rx.notifications("/notify").is_empty()).await,
        "no notification"
    );
    // Let any stray duplicate arrive before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = w.rx.notifications("/notify");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_job_notification(&got[0], &w, &sub, &job);
    let posts = w.rx.posts();
    assert!(posts.iter().all(|p| p.path == "/notify"));
}

#[tokio::test]
async fn a_task_created_by_a_trigger_notifies_its_definition_subscribers() {
    let w = World::new().await;
    let app_id = uuid();
    let app = w
        .srv
        .app_token(&w.t.id, &app_id, "PrintTaskDefinition.ReadWrite.All");
    let def =
        w.c.post(
            "/v1.0/print/taskDefinitions",
            &app,
            &json!({"displayName": "Release", "createdBy": {"displayName": "Pull"}}),
        )
        .await;
    let def = def.expect_json(201)["id"].as_str().unwrap().to_string();
    // The administrator signs in to the same app to bind the printer to the definition.
    let admin = w
        .srv
        .user_token(&w.t.id, &uuid(), ADMIN_SCOPES, true, Some(&app_id));
    let trigger = json!({
        "event": "jobStarted",
        "definition@odata.bind": format!("https://graph.microsoft.com/v1.0/print/taskDefinitions/{def}"),
    });
    w.c.post(
        &format!("/v1.0/print/printers/{}/taskTriggers", w.t.printer),
        &admin,
        &trigger,
    )
    .await
    .expect_json(201);
    let body = json!({
        "changeType": "created",
        "resource": format!("print/taskDefinitions/{def}/tasks"),
        "notificationUrl": w.rx.url("/tasks"),
        "expirationDateTime": in_seconds(4000 * 60),
        "clientState": "pull",
    });
    let sub =
        w.c.post("/v1.0/subscriptions", &app, &body)
            .await
            .expect_json(201);
    let job = w.t.uploaded_job(&w.c).await;
    w.t.start(&w.c, &job).await;
    assert!(
        eventually(WAIT, || !w.rx.notifications("/tasks").is_empty()).await,
        "no created notification"
    );
    let n = &w.rx.notifications("/tasks")[0];
    let tasks =
        w.c.get(&format!("/v1.0/print/taskDefinitions/{def}/tasks"), &app)
            .await
            .expect_json(200);
    let task = tasks["value"][0]["id"].as_str().unwrap();
    let resource = format!("print/taskDefinitions/{def}/tasks/{task}");
    assert_eq!(n["changeType"], "created", "{n}");
    assert_eq!(n["resource"], resource, "{n}");
    assert_eq!(n["resourceData"]["id"], task, "{n}");
    assert_eq!(
        n["resourceData"]["@odata.type"], "#microsoft.graph.printTask",
        "{n}"
    );
    assert_eq!(n["subscriptionId"], sub["id"], "{n}");
    assert_eq!(n["clientState"], "pull", "{n}");
    assert_eq!(n["tenantId"], w.t.id, "{n}");
}

#[tokio::test]
async fn failed_deliveries_are_retried() {
    let w = World::with_env(FAST_RETRY).await;
    let sub = w.subscribe(&w.jobs_body("/notify")).await;
    w.rx.state.fail_next.store(3, Ordering::SeqCst);
    let job = w.t.uploaded_job(&w.c).await;
    w.t.start(&w.c, &job).await;
    assert!(
        eventually(WAIT, || w.rx.posts().len() >= 4).await,
        "{:?}",
        w.rx.posts()
    );
    let posts = w.rx.posts();
    assert_eq!(w.rx.state.fail_next.load(Ordering::SeqCst), 0);
    // Every attempt carries the same notification (same id): receivers can drop duplicates.
    let ids: Vec<&Value> = posts.iter().map(|p| &p.body["value"][0]["id"]).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    for p in &posts {
        assert_job_notification(&p.body["value"][0], &w, &sub, &job);
    }
}

#[tokio::test]
async fn delivery_survives_a_server_kill_while_the_receiver_fails() {
    let mut w = World::with_env(FAST_RETRY).await;
    let sub = w.subscribe(&w.jobs_body("/notify")).await;
    w.rx.state.failing.store(true, Ordering::SeqCst);
    let job = w.t.uploaded_job(&w.c).await;
    w.t.start(&w.c, &job).await;
    // The change is committed and at least one delivery attempt failed: the notification is only in the outbox.
    assert!(eventually(WAIT, || !w.rx.posts().is_empty()).await);
    w.srv.kill();
    let before = w.rx.posts().len();
    w.rx.state.failing.store(false, Ordering::SeqCst);
    w.restart(FAST_RETRY);
    assert!(
        eventually(WAIT, || w.rx.posts().len() > before).await,
        "not delivered after the restart"
    );
    let last = w.rx.posts().last().unwrap().body["value"][0].clone();
    assert_job_notification(&last, &w, &sub, &job);
}

#[tokio::test]
async fn delivery_survives_a_server_kill_while_the_receiver_is_down() {
    let mut w = World::with_env(FAST_RETRY).await;
    let sub = w.subscribe(&w.jobs_body("/notify")).await;
    w.rx.stop().await;
    let job = w.t.uploaded_job(&w.c).await;
    w.t.start(&w.c, &job).await;
    // SIGKILL right after the change; nobody can have received it.
    w.srv.kill();
    assert!(w.rx.posts().is_empty());
    w.rx.resume().await;
    w.restart(FAST_RETRY);
    assert!(
        eventually(WAIT, || !w.rx.notifications("/notify").is_empty()).await,
        "lost across the restart"
    );
    assert_job_notification(&w.rx.notifications("/notify")[0], &w, &sub, &job);
}

#[tokio::test]
async fn abandoned_deliveries_send_missed_then_remove_the_subscription() {
    let env = [
        ("PLATEN_WEBHOOK_DELIVERY__MAX_ATTEMPTS", "2"),
        ("PLATEN_WEBHOOK_DELIVERY__BACKOFF_BASE_MS", "100"),
        ("PLATEN_WEBHOOK_DELIVERY__BACKOFF_CAP_MS", "200"),
    ];
    let w = World::with_env(&env).await;
    let mut body = w.jobs_body("/notify");
    body["lifecycleNotificationUrl"] = json!(w.rx.url("/lifecycle"));
    let sub = w.subscribe(&body).await;
    w.rx.state.failing.store(true, Ordering::SeqCst);
    let job = w.t.uploaded_job(&w.c).await;
    w.t.start(&w.c, &job).await;
    let removed = || {
        w.rx.notifications("/lifecycle")
            .iter()
            .any(|n| n["lifecycleEvent"] == "subscriptionRemoved")
    };
    assert!(eventually(WAIT, removed).await, "{:?}", w.rx.posts());
    let changes = w.rx.notifications("/notify");
    assert_eq!(changes.len(), 2, "two attempts of the change: {changes:?}");
    let lifecycle: Vec<Value> = w.rx.notifications("/lifecycle");
    let events: Vec<&str> = lifecycle
        .iter()
        .map(|n| n["lifecycleEvent"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        events,
        ["missed", "missed", "subscriptionRemoved"],
        "{lifecycle:?}"
    );
    for n in &lifecycle {
        assert_eq!(n["subscriptionId"], sub["id"], "{n}");
        assert_eq!(n["clientState"], "s3cret", "{n}");
        assert_eq!(n["tenantId"], w.t.id, "{n}");
    }
    w.c.get(
        &format!("/v1.0/subscriptions/{}", sub["id"].as_str().unwrap()),
        &w.app,
    )
    .await
    .error_message(404);
}
