//! The web console on several nodes: a job page's live stream held by one node hears a job change committed
//! on another (the change feed over PostgreSQL LISTEN/NOTIFY), and a sign-out on one node ends the session on
//! every node (sessions are stored, not kept in a node's memory).

use crate::harness::{Cluster, Graph, Tenant, bytes, started_job};
use futures::StreamExt;
use reqwest::header;
use std::time::{Duration, Instant};

/// A client that neither follows redirects nor keeps cookies: the test reads `Set-Cookie` itself.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs the tenant's administrator in at `base` through the development page: the session cookie.
async fn sign_in(http: &reqwest::Client, base: &str, tenant: &str) -> String {
    let r = http
        .post(format!("{base}/console/sign-in/dev"))
        .form(&[
            ("upn", "admin@contoso.test"),
            ("tenant_id", tenant),
            ("admin", "on"),
            ("return_to", "/console/admin/jobs"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("platen-console="))
        .expect("a session cookie");
    cookie.split(';').next().unwrap().to_string()
}

/// Reads the event stream into `seen` until it holds `needle`, for at most 10 s.
async fn read_until<S, B>(stream: &mut S, seen: &mut String, needle: &str)
where
    S: futures::Stream<Item = reqwest::Result<B>> + Unpin,
    B: AsRef<[u8]>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, stream.next())
            .await
            .unwrap_or_else(|_| panic!("no `{needle}` within 10 s; got: {seen}"))
            .expect("the stream stays open")
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(chunk.as_ref()));
    }
}

#[tokio::test]
async fn a_live_page_on_one_node_follows_changes_committed_on_another_and_sign_out_holds_everywhere() {
    let cluster = Cluster::start(2).await;
    let t = Tenant::new(cluster.dir.path());
    let (a, b) = (
        Graph {
            http: &cluster.http,
            base: cluster.node(0).to_string(),
        },
        cluster.node(1).to_string(),
    );
    let printer = a.printer(&t.admin, "Console", false).await;
    let share = a.share(&t.admin, &printer, "Console").await;
    let http = browser();
    let cookie = sign_in(&http, &b, &t.id).await;

    // Node B's live stream: "ready" first, then "jobs" when node A commits a job of the tenant.
    let live = http
        .get(format!("{b}/console/live"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    assert!(
        live.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut stream = live.bytes_stream();
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: ready").await;
    let started = Instant::now();
    // A job enters the change feed with its first change (its upload completing), not at its creation.
    let (job, _) = started_job(&a, &share, &t.user, &bytes(2_000, 7)).await;
    read_until(&mut stream, &mut seen, "event: jobs").await;
    println!(
        "node B's console heard node A's new job {job} after {:?}",
        started.elapsed()
    );

    // The page itself, on node B, lists the job created on node A.
    let page = http
        .get(format!("{b}/console/admin/jobs"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("id=\"job-{job}\"")), "{html}");

    // Sign out on node A (with the page's CSRF token): node B no longer knows the session.
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token in the page")
        .to_string();
    let out = http
        .post(format!("{}/console/sign-out", a.base))
        .header(header::COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = http
        .get(format!("{b}/console/admin/jobs"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 303);
    assert!(
        after.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/console/sign-in")
    );
    cluster.shutdown().await;
}
