//! What an operator watches: with `[log] format = "json"` every line is one JSON object and the lines written
//! while a request is served carry its `request_id` (the `request-id` header its client got); `/metrics` shows
//! the device long polls waiting and when each device last called in, the webhook outbox's backlog and the
//! connection pools.

use super::common::{admin_in, metric, registered_printer, scrape_metrics, serve_on};
use platen_testkit::TestDatabase;
use platen_testkit::graph::uuid;
use platen_testkit::http::Http;
use platen_testkit::infra::{Device, GET_NOTIFICATIONS};
use serde_json::Value;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_name_the_request_and_metrics_show_long_polls_outbox_and_pools() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::if_selected();
    let log = dir.path().join("json.log");
    let served = serve_on(dir.path(), &db)
        .env("PLATEN_LOG__FORMAT", "json")
        .env("PLATEN_LOG", "info,platen::access=debug")
        .log(&log)
        .start();
    let tenant = uuid();
    let admin = admin_in(dir.path(), &tenant);
    let http = platen_testkit::http::client();

    // A request's log line names it.
    let r = http
        .get(format!("{}/v1.0/print/printers", served.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = r.headers()["request-id"].to_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    let access = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let found = text
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .find(|v| v["span"]["request_id"] == id.as_str() && v["target"] == "platen::access");
        if let Some(line) = found {
            break line;
        }
        assert!(
            Instant::now() < deadline,
            "no access line for request {id} in:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(access["fields"]["status"], "200", "{access}");
    assert_eq!(access["fields"]["route"], "v1.0 Printers", "{access}");
    // Every log line is JSON (the two lines that are not are the listener announcements on standard output).
    let text = std::fs::read_to_string(&log).unwrap();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("platen listening"))
    {
        assert!(
            serde_json::from_str::<Value>(line).is_ok_and(|v| v.is_object()),
            "not a JSON object: {line}"
        );
    }

    // A device waiting in a long poll is counted while it waits; its last call is a timestamp.
    let setup = Http::new(&served.base);
    let (printer, key) = registered_printer(&setup, &admin, "Observed").await;
    let device = Device::connect(&http, &served.base, &printer, &key).await;
    let sub = device.subscribe_to_job_events(&http, &served.base).await;
    let waiting = {
        let (http, base) = (http.clone(), served.base.clone());
        let device = Device {
            printer: device.printer.clone(),
            token: device.token.clone(),
        };
        tokio::spawn(async move {
            let attrs = vec![
                ("notify-subscription-ids", ipp::value::IppValue::Integer(sub)),
                ("notify-sequence-numbers", ipp::value::IppValue::Integer(1)),
                ("notify-wait", ipp::value::IppValue::Boolean(true)),
            ];
            device.send(&http, &base, GET_NOTIFICATIONS, attrs, None).await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let m = scrape_metrics(&http, &served.base).await;
        if metric(&m, "platen_device_long_polls").unwrap_or(0.0) >= 1.0 {
            break m;
        }
        assert!(Instant::now() < deadline, "no long poll counted:\n{m}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!waiting.is_finished(), "the long poll answered before any event");
    let seen = metric(
        &metrics,
        &format!("platen_device_last_seen_timestamp_seconds{{printer=\"{printer}\"}}"),
    )
    .unwrap_or_else(|| panic!("no last-seen for the device:\n{metrics}"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - seen).abs() < 120.0, "last seen {seen}, now {now}");
    // The store's gauges, sampled at the scrape.
    assert_eq!(
        metric(&metrics, "platen_webhook_outbox_pending"),
        Some(0.0),
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, "platen_webhook_outbox_oldest_age_seconds"),
        Some(0.0),
        "{metrics}"
    );
    for pool in ["read", "write"] {
        let max = metric(
            &metrics,
            &format!("platen_db_pool_connections{{pool=\"{pool}\",state=\"max\"}}"),
        );
        assert!(max.is_some_and(|m| m >= 1.0), "{pool}: {metrics}");
    }
    waiting.abort();
}
