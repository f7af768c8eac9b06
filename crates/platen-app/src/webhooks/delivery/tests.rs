//! The worker against a real (SQLite) store and a real HTTP receiver on loopback.

use super::*;
use crate::AppConfig;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Received {
    /// Request bodies in arrival order (whatever the answer was).
    bodies: Mutex<Vec<Value>>,
    /// Answer this many requests with 500 before answering 202.
    fail_first: AtomicUsize,
}

async fn receive(State(r): State<Arc<Received>>, body: axum::body::Bytes) -> StatusCode {
    let v = serde_json::from_slice(&body).unwrap_or(Value::Null);
    r.bodies.lock().unwrap().push(v);
    let failing = r
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::ACCEPTED
    }
}

async fn receiver(fail_first: usize) -> (String, Arc<Received>) {
    let r = Arc::new(Received::default());
    r.fail_first.store(fail_first, Ordering::SeqCst);
    let router = Router::new().fallback(receive).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, r)
}

async fn app(dir: &std::path::Path) -> App {
    app_on(&format!("sqlite://{}", dir.join("db.sqlite3").display()), dir).await
}

/// An app (a node) on the database at `url`.
async fn app_on(url: &str, dir: &std::path::Path) -> App {
    crate::test_app(url, dir, AppConfig::default()).await
}

fn cfg() -> DeliveryConfig {
    DeliveryConfig {
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(100),
        request_timeout: Duration::from_secs(5),
        ..DeliveryConfig::new().unwrap()
    }
}

async fn subscribe(app: &App, url: &str, lifetime: Duration) -> Subscription {
    let now = now_micros();
    let sub = Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: "t1".into(),
        app_id: "app".into(),
        creator_id: "sp".into(),
        change_type: "updated".into(),
        resource: "print/printers/p1/jobs".into(),
        resource_kind: "printerJobs".into(),
        resource_key: "p1".into(),
        notification_url: url.into(),
        lifecycle_notification_url: None,
        client_state: Some("state".into()),
        notification_query_options: None,
        latest_supported_tls_version: Some("v1_2".into()),
        expires_at: now + micros(lifetime),
        created_at: now,
    };
    app.store.create_subscription(&sub).await.unwrap();
    sub
}

async fn enqueue(app: &App, sub: &Subscription, event: &str, n: usize) {
    for _ in 0..n {
        let payload = lifecycle_payload(event);
        app.store
            .enqueue_lifecycle(&sub.tenant_id, &sub.id, &payload, now_micros())
            .await
            .unwrap();
    }
}

/// Runs passes until `done` holds or 10 s pass.
async fn drive(app: &App, cfg: &DeliveryConfig, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() && Instant::now() < deadline {
        deliver_due(app, cfg).await.unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn events(r: &Received) -> Vec<String> {
    r.bodies
        .lock()
        .unwrap()
        .iter()
        .flat_map(|b| b["value"].as_array().cloned().unwrap_or_default())
        .map(|n| n["lifecycleEvent"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn rows_are_batched_in_order_and_deleted_once_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let (url, r) = receiver(0).await;
    let sub = subscribe(&app, &url, Duration::from_secs(600)).await;
    enqueue(&app, &sub, "reauthorizationRequired", 3).await;
    assert_eq!(deliver_due(&app, &cfg()).await.unwrap(), 3);
    let bodies = r.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "one POST for the three rows: {bodies:?}");
    let n = &bodies[0]["value"][0];
    assert_eq!(n["subscriptionId"], sub.id.as_str());
    assert_eq!(n["clientState"], "state");
    assert_eq!(n["tenantId"], "t1");
    assert_eq!(deliver_due(&app, &cfg()).await.unwrap(), 0, "nothing left");
}

#[tokio::test]
async fn failures_are_retried_with_back_off() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let (url, r) = receiver(3).await;
    let sub = subscribe(&app, &url, Duration::from_secs(600)).await;
    enqueue(&app, &sub, "reauthorizationRequired", 1).await;
    // The first pass fails and reschedules: the row is not due again at once.
    assert_eq!(deliver_due(&app, &cfg()).await.unwrap(), 0);
    assert_eq!(deliver_due(&app, &cfg()).await.unwrap(), 0);
    assert_eq!(r.bodies.lock().unwrap().len(), 1);
    drive(&app, &cfg(), || r.bodies.lock().unwrap().len() >= 4).await;
    assert_eq!(r.bodies.lock().unwrap().len(), 4, "three failures, then success");
    assert_eq!(deliver_due(&app, &cfg()).await.unwrap(), 0);
}

#[tokio::test]
async fn an_undeliverable_missed_notification_removes_the_subscription() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let (url, r) = receiver(usize::MAX).await;
    let sub = subscribe(&app, &url, Duration::from_secs(600)).await;
    enqueue(&app, &sub, EVENT_MISSED, 1).await;
    let cfg = DeliveryConfig {
        max_attempts: 2,
        ..cfg()
    };
    drive(&app, &cfg, || events(&r).contains(&EVENT_REMOVED.to_string())).await;
    assert_eq!(events(&r), vec!["missed", "missed", "subscriptionRemoved"]);
    assert!(app.store.get_subscription("t1", &sub.id).await.unwrap().is_none());
}

#[tokio::test]
async fn rows_of_expired_or_deleted_subscriptions_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let (url, r) = receiver(0).await;
    let short = subscribe(&app, &url, Duration::from_millis(300)).await;
    enqueue(&app, &short, "reauthorizationRequired", 2).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(deliver_due(&app, &cfg()).await.unwrap(), 0);
    assert!(r.bodies.lock().unwrap().is_empty());
    assert!(
        app.store
            .claim_notifications(now_micros(), now_micros(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn concurrent_workers_deliver_each_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let (url, r) = receiver(0).await;
    let mut subs = Vec::new();
    for _ in 0..8 {
        let s = subscribe(&app, &url, Duration::from_secs(600)).await;
        enqueue(&app, &s, "reauthorizationRequired", 25).await;
        subs.push(s);
    }
    let small = DeliveryConfig {
        batch_size: 7,
        max_per_post: 3,
        ..cfg()
    };
    let (a, b) = tokio::join!(deliver_due(&app, &small), deliver_due(&app, &small));
    assert_eq!(a.unwrap() + b.unwrap(), 200);
    assert_eq!(events(&r).len(), 200, "each row exactly once");
}

#[test]
fn back_off_doubles_up_to_the_cap() {
    let c = DeliveryConfig {
        backoff_base: Duration::from_secs(1),
        backoff_cap: Duration::from_secs(300),
        ..DeliveryConfig::new().unwrap()
    };
    let within = |attempts: i64, secs: u64| {
        let d = c.backoff(attempts);
        assert!(
            d >= Duration::from_secs(secs) && d <= Duration::from_millis(secs * 1250),
            "{attempts}: {d:?}"
        );
    };
    within(1, 1);
    within(2, 2);
    within(5, 16);
    within(9, 256);
    within(10, 300);
    within(1000, 300);
    within(0, 1);
}

#[test]
fn rows_group_by_subscription_in_id_order() {
    let item = |id: i64, sub: &str| OutboxItem {
        id,
        tenant_id: "t".into(),
        subscription_id: sub.into(),
        kind: "change".into(),
        payload: "{}".into(),
        created_at: 0,
        attempts: 1,
    };
    let groups = group(vec![item(3, "a"), item(1, "b"), item(2, "a"), item(4, "b")]);
    let shape: Vec<(String, Vec<i64>)> = groups
        .iter()
        .map(|g| (g.subscription.clone(), g.items.iter().map(|i| i.id).collect()))
        .collect();
    assert_eq!(shape, vec![("a".into(), vec![2, 3]), ("b".into(), vec![1, 4])]);
}

/// Two nodes on one PostgreSQL database (`PLATEN_TEST_POSTGRES`, default the local server): the leases
/// (`FOR UPDATE SKIP LOCKED`) hand every row to exactly one of them.
#[tokio::test]
async fn two_nodes_on_postgres_deliver_each_row_once() {
    let admin = std::env::var("PLATEN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let db = platen_store::testing::TempPostgres::create(&admin).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let node_a = app_on(db.url(), &dir.path().join("a")).await;
    let node_b = app_on(db.url(), &dir.path().join("b")).await;
    let (url, r) = receiver(0).await;
    for _ in 0..8 {
        let s = subscribe(&node_a, &url, Duration::from_secs(600)).await;
        enqueue(&node_a, &s, "reauthorizationRequired", 50).await;
    }
    let small = DeliveryConfig {
        batch_size: 16,
        max_per_post: 5,
        ..cfg()
    };
    let (a, b) = tokio::join!(deliver_due(&node_a, &small), deliver_due(&node_b, &small));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, 400);
    assert_eq!(events(&r).len(), 400, "each row exactly once");
    db.drop().await;
}

/// A receiver that accepts connections and never answers (until the request timeout ends each POST).
async fn hanging_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn);
        }
    });
    url
}

/// A subscriber whose receiver hangs delays only itself: the background worker keeps delivering to the others
/// while a POST to the hung one waits for its timeout, and that subscriber's queued rows are rescheduled behind
/// the failed POST rather than each waiting for a timeout of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_does_not_hold_up_other_subscribers() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let hung = subscribe(&app, &hanging_receiver().await, Duration::from_secs(3600)).await;
    let (url, healthy_received) = receiver(0).await;
    let healthy = subscribe(&app, &url, Duration::from_secs(3600)).await;
    let cfg = DeliveryConfig {
        request_timeout: Duration::from_secs(8),
        poll_interval: Duration::from_millis(50),
        backoff_base: Duration::from_secs(30),
        ..cfg()
    };
    let worker = spawn_delivery(app.clone(), cfg);
    let arrived = |n: usize| {
        let r = healthy_received.clone();
        move || r.bodies.lock().unwrap().len() >= n
    };
    for round in 1..=3 {
        enqueue(&app, &hung, "reauthorizationRequired", 2).await;
        enqueue(&app, &healthy, "reauthorizationRequired", 1).await;
        app.outbox_wakeup.notify_one();
        let started = Instant::now();
        while !arrived(round)() {
            assert!(
                started.elapsed() < Duration::from_secs(4),
                "round {round}: the healthy subscriber waited behind the hung one"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    worker.abort();
}
