//! Prometheus metrics at `/metrics`: every request by route template, method and status with a latency histogram,
//! what the use cases count (job changes by the state they reach, uploaded bytes, webhook deliveries and failures,
//! device long polls and last calls, purge progress), and, sampled from the store when scraped, the webhook
//! outbox's backlog and the connection pools (the README lists every series). Recording is a few atomic operations
//! per request, outside any lock a request waits for; rendering happens only when scraped.
//!
//! Also the request span every request is served in (its id on every log line) and the access log.
//!
//! `/metrics` answers loopback clients only unless `[metrics] public = true` (route names and counts describe the
//! traffic; a scraper on another machine is let in deliberately).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use platen_app::{App, ConnectionInfo};
use platen_domain::time::now_micros;
use std::time::Instant;
use tracing::Instrument;

/// Latency buckets in seconds: from a cached token check to a long poll.
const BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Installs the process-wide recorder and returns what renders it.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    Ok(PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("platen_http_request_duration_seconds".into()),
            BUCKETS,
        )?
        .install_recorder()?)
}

/// The label of a request that is not a Graph route (those carry their [`platen_graph::RouteTemplate`]): its
/// endpoint family.
fn family_label(path: &str) -> &'static str {
    let family = [
        ("/ipp/print/", "ipp infra"),
        ("/ipp/shares/", "ipp everywhere"),
        ("/uploadSessions/", "upload"),
        ("/uploadsessions/", "upload"),
        ("/downloads/", "download"),
        ("/device/token", "device token"),
        ("/platen/", "platen"),
        ("/healthz", "healthz"),
        ("/readyz", "readyz"),
        ("/metrics", "metrics"),
    ]
    .iter()
    .find(|(prefix, _)| path.starts_with(prefix))
    .map(|(_, label)| *label);
    match family {
        Some(label) => label,
        None if path.starts_with("/console") => "console",
        None => "other",
    }
}

/// Middleware (outermost): gives the request its id and serves it inside a `request` span carrying that id, so
/// every log line written for it names the request; Graph answers with the same id in `request-id`.
pub async fn request_span(mut req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    req.extensions_mut()
        .insert(platen_graph::AssignedRequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    next.run(req).instrument(span).await
}

/// Middleware: counts the request and observes its latency (until the response head is ready).
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let family = family_label(req.uri().path());
    let method = req.method().as_str().to_string();
    let response = next.run(req).await;
    // The Graph dispatcher parsed the route already: its template rides on the response.
    let route = match response.extensions().get::<platen_graph::RouteTemplate>() {
        Some(t) => t.0,
        None => family,
    };
    let status = response.status().as_u16().to_string();
    let elapsed = started.elapsed();
    // The access log: off at the default level; `PLATEN_LOG=info,platen::access=debug` turns it on. Route
    // templates, never paths (a path can carry an upload or download URL's credential).
    tracing::debug!(target: "platen::access", %method, %route, %status, micros = elapsed.as_micros() as u64, "request");
    metrics::counter!("platen_http_requests_total", "route" => route, "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("platen_http_request_duration_seconds", "route" => route)
        .record(elapsed.as_secs_f64());
    response
}

/// Sets the gauges read from the store at scrape time: the webhook outbox's backlog and age, and the connection
/// pools. A store that does not answer leaves the last values and counts the failure.
async fn sample_store(app: &App) {
    match app.store_gauges().await {
        Ok(g) => {
            metrics::gauge!("platen_webhook_outbox_pending").set(g.outbox_pending as f64);
            let age = g
                .outbox_oldest
                .map_or(0.0, |at| (now_micros() - at).max(0) as f64 / 1e6);
            metrics::gauge!("platen_webhook_outbox_oldest_age_seconds").set(age);
            for p in g.pools {
                metrics::gauge!("platen_db_pool_connections", "pool" => p.name, "state" => "open")
                    .set(p.open);
                metrics::gauge!("platen_db_pool_connections", "pool" => p.name, "state" => "idle")
                    .set(p.idle);
                metrics::gauge!("platen_db_pool_connections", "pool" => p.name, "state" => "max").set(p.max);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "reading the store's gauges for /metrics failed");
            metrics::counter!("platen_metrics_store_sample_failures_total").increment(1);
        }
    }
}

/// `GET /metrics` in Prometheus' text format (`app`: the store's gauges are sampled first).
pub async fn render(handle: PrometheusHandle, app: Option<App>, public: bool, req: Request) -> Response {
    let loopback = req
        .extensions()
        .get::<ConnectionInfo>()
        .is_some_and(ConnectionInfo::is_loopback);
    if !public && !loopback {
        return (
            StatusCode::FORBIDDEN,
            "metrics are served to loopback clients only ([metrics] public = true opens them)",
        )
            .into_response();
    }
    if let Some(app) = &app {
        sample_store(app).await;
    }
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn other_endpoints_are_labelled_by_family_never_by_id() {
        assert_eq!(family_label("/ipp/print/8f2c"), "ipp infra");
        assert_eq!(family_label("/uploadSessions/abc"), "upload");
        assert_eq!(family_label("/console/jobs"), "console");
        assert_eq!(family_label("/v1.0/no/such/route"), "other");
        assert_eq!(family_label("/wp-admin.php"), "other");
    }

    #[tokio::test]
    async fn metrics_are_refused_to_other_machines_unless_public() {
        let handle = PrometheusBuilder::new().build_recorder().handle();
        let from = |ip: &str| {
            let mut req = Request::new(axum::body::Body::empty());
            req.extensions_mut().insert(ConnectionInfo {
                tls: false,
                remote: format!("{ip}:4000").parse().unwrap(),
            });
            req
        };
        assert_eq!(
            render(handle.clone(), None, false, from("192.0.2.7"))
                .await
                .status(),
            403
        );
        assert_eq!(
            render(handle.clone(), None, false, from("127.0.0.1"))
                .await
                .status(),
            200
        );
        assert_eq!(render(handle, None, true, from("192.0.2.7")).await.status(), 200);
    }
}
