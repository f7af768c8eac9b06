//! Change notifications across nodes: the outbox row is written in the change's commit and leased by one
//! delivery worker of any node (`FOR UPDATE SKIP LOCKED`), so with both nodes delivering each change reaches
//! the receiver once, and when the node that committed a change is killed (`kill -9`) right after the commit,
//! the other node delivers it: nothing is lost, and a redelivery carries the same notification id.

use crate::harness::{Cluster, Graph, Node, Tenant, bytes, started_job};
use crate::receiver::Receiver;
use serde_json::json;
use std::time::{Duration, Instant};

/// Quick takeover: short leases, fast retries and polls.
fn env() -> Vec<(String, String)> {
    [
        ("PLATEN_WEBHOOK_DELIVERY__LEASE_SECS", "2"),
        ("PLATEN_WEBHOOK_DELIVERY__BACKOFF_BASE_MS", "200"),
        ("PLATEN_WEBHOOK_DELIVERY__BACKOFF_CAP_MS", "1000"),
        ("PLATEN_WEBHOOK_DELIVERY__POLL_INTERVAL_MS", "200"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn g(c: &Cluster, i: usize) -> Graph<'_> {
    Graph {
        http: &c.http,
        base: c.node(i).to_string(),
    }
}

/// Waits until job `job` has an accepted notification.
async fn delivered(rx: &Receiver, job: &str) -> Vec<(u16, String)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = rx.about(job);
        if got.iter().any(|(s, _)| *s == 202) || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_are_delivered_once_per_change_even_when_the_committing_node_dies() {
    let mut c = Cluster::start_with_env(2, env()).await;
    let t = Tenant::new(c.dir.path());

    let printer = g(&c, 0).printer(&t.admin, "Lobby", true).await;
    let share = g(&c, 1).share(&t.admin, &printer, "Lobby").await;
    let rx = Receiver::start().await;
    let expires =
        (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let body = json!({
        "changeType": "updated",
        "resource": format!("print/printers/{printer}/jobs"),
        "notificationUrl": rx.url,
        "expirationDateTime": expires,
        "clientState": "multinode",
        "notificationQueryOptions": "$filter = isFetchable eq true",
    });
    g(&c, 0)
        .post("/v1.0/subscriptions", &t.app, &body)
        .await
        .expect(201);

    // Both nodes up: changes committed on either are each delivered once.
    let mut jobs = vec![];
    for j in 0..10 {
        jobs.push(
            started_job(&g(&c, j), &share, &t.user, &bytes(800, j as u8))
                .await
                .0,
        );
    }
    for job in &jobs {
        let got = delivered(&rx, job).await;
        assert_eq!(
            got.len(),
            1,
            "job {job}: one notification, delivered once: {got:?}"
        );
    }

    // The committing node dies right after the commit, before it could deliver (the receiver refuses until
    // then): the other node delivers, exactly once.
    for round in 0..2 {
        let (dies, survives) = (round % 2, (round + 1) % 2);
        rx.set_failing(true);
        let (job, _) = started_job(&g(&c, dies), &share, &t.user, &bytes(900, 20 + round as u8)).await;
        c.nodes[dies].kill9();
        rx.set_failing(false);
        let got = delivered(&rx, &job).await;
        eprintln!("node {dies} killed after its commit, receiver refusing until then: {got:?}");
        let accepted: Vec<_> = got.iter().filter(|(s, _)| *s == 202).collect();
        assert_eq!(
            accepted.len(),
            1,
            "job {job}: delivered once by node {survives} after node {dies} died: {got:?}"
        );
        assert!(
            got.iter().all(|(_, id)| *id == got[0].1),
            "job {job}: one notification id: {got:?}"
        );
        let url = c.db_url().to_string();
        c.nodes[dies] = Node::start_with_env(
            c.dir.path(),
            &format!("node{dies}-again"),
            Some(&url),
            None,
            &env(),
        );
    }

    // The committing node dies right after the commit with the receiver healthy: it may have delivered before
    // dying, or not; either way the change arrives, and a second POST (a node dying between the receiver's
    // answer and the outbox update) repeats the same notification id, so the receiver sees one change.
    for round in 0..4 {
        let dies = round % 2;
        let (job, _) = started_job(&g(&c, dies), &share, &t.user, &bytes(700, 40 + round as u8)).await;
        c.nodes[dies].kill9();
        let got = delivered(&rx, &job).await;
        eprintln!("node {dies} killed after its commit, receiver healthy: {got:?}");
        assert!(
            got.iter().any(|(s, _)| *s == 202),
            "job {job}: lost when node {dies} died: {got:?}"
        );
        assert!(
            got.iter().all(|(_, id)| *id == got[0].1),
            "job {job}: one notification id: {got:?}"
        );
        let url = c.db_url().to_string();
        c.nodes[dies] = Node::start_with_env(
            c.dir.path(),
            &format!("node{dies}-r{round}"),
            Some(&url),
            None,
            &env(),
        );
    }
    c.shutdown().await;
}
