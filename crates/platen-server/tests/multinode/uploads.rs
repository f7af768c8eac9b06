//! Resumable uploads whose ranges go to different nodes: the ranges meet in the database and the shared
//! document store, and the document is whole whichever node completes it.

use crate::harness::{Cluster, Graph, Tenant, bytes, put_range};
use crate::s3::Moto;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn upload_ranges_on_different_nodes_complete_correctly() {
    let c = Cluster::start(3).await;
    uploads_across_nodes(&c).await;
    c.shutdown().await;
}

/// The same with documents in an S3-compatible object store (a real S3 HTTP server, moto) instead of PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn upload_ranges_on_different_nodes_complete_correctly_with_s3_documents() {
    let Some(moto) = Moto::start() else { return };
    let c = Cluster::start_with_env(3, moto.bucket_env("platen-multinode")).await;
    uploads_across_nodes(&c).await;
    assert!(
        !c.dir.path().join("blobs").join("documents").exists(),
        "documents went to S3, not to the disk"
    );
    c.shutdown().await;
}

async fn uploads_across_nodes(c: &Cluster) {
    let t = Tenant::new(c.dir.path());
    let g = |i: usize| Graph {
        http: &c.http,
        base: c.node(i).to_string(),
    };
    let printer = g(0).printer(&t.admin, "Lobby", true).await;
    let share = g(1).share(&t.admin, &printer, "Lobby").await;

    // One range per node, out of order; the status read on another node; the bytes read on a third.
    let data = bytes(300_000, 1);
    let (job, doc) = g(1).job(&share, &t.user).await;
    let upload = g(2).upload_session(&share, &job, &doc, &t.user, data.len()).await;
    let v = put_range(&c.http, c.node(0), &upload, &data, 0, 99_999)
        .await
        .expect_json(202);
    assert_eq!(v["nextExpectedRanges"], json!(["100000-299999"]), "{v}");
    let v = crate::harness::call(
        &c.http,
        &format!("{}{upload}", c.node(1)),
        reqwest::Method::GET,
        None,
        None,
    )
    .await
    .expect_json(200);
    assert_eq!(
        v["nextExpectedRanges"],
        json!(["100000-299999"]),
        "another node sees the same session: {v}"
    );
    let v = put_range(&c.http, c.node(1), &upload, &data, 200_000, 299_999)
        .await
        .expect_json(202);
    assert_eq!(v["nextExpectedRanges"], json!(["100000-199999"]), "{v}");
    // A range overlapping one received on another node is refused.
    put_range(&c.http, c.node(2), &upload, &data, 150_000, 250_000)
        .await
        .expect(416);
    put_range(&c.http, c.node(2), &upload, &data, 100_000, 199_999)
        .await
        .expect(201);
    let doc_path = format!("/v1.0/print/shares/{share}/jobs/{job}/documents/{doc}");
    let got = g(0).get(&format!("{doc_path}/$value"), &t.user).await;
    got.expect(200);
    assert!(
        got.body == data,
        "the document read on node 0 is the bytes sent to three nodes"
    );
    assert_eq!(
        g(1).get(&doc_path, &t.user).await.expect_json(200)["size"],
        data.len()
    );

    // Many uploads at once, each cut into ranges sprayed over every node concurrently.
    let jobs = futures::future::join_all((0..8).map(|j| {
        let g = g(j);
        let (share, user) = (share.clone(), t.user.clone());
        async move {
            let data = bytes(180_000 + j * 1_013, j as u8 + 2);
            let (job, doc) = g.job(&share, &user).await;
            let upload = g.upload_session(&share, &job, &doc, &user, data.len()).await;
            (job, doc, upload, data)
        }
    }))
    .await;
    let cl = c;
    let puts = jobs.iter().enumerate().flat_map(|(j, (_, _, upload, data))| {
        let n = 6;
        let step = data.len().div_ceil(n);
        (0..n).map(move |k| {
            let (first, last) = (k * step, ((k + 1) * step).min(data.len()) - 1);
            let node = cl.node(j + k);
            async move { (j, put_range(&cl.http, node, upload, data, first, last).await) }
        })
    });
    let answers = futures::future::join_all(puts).await;
    for (j, (job, doc, _, data)) in jobs.iter().enumerate() {
        let mine: Vec<_> = answers.iter().filter(|(i, _)| *i == j).map(|(_, r)| r).collect();
        for r in &mine {
            assert!(
                r.status == 201 || r.status == 202,
                "{} {} → {}: {}",
                r.method,
                r.url,
                r.status,
                r.text()
            );
        }
        let completed = mine.iter().filter(|r| r.status == 201).count();
        assert_eq!(completed, 1, "exactly one PUT completes upload {j}");
        let got = g(j + 2)
            .get(
                &format!("/v1.0/print/shares/{share}/jobs/{job}/documents/{doc}/$value"),
                &t.user,
            )
            .await;
        got.expect(200);
        assert!(
            got.body == *data,
            "upload {j}: the bytes read back differ from those sent"
        );
    }
}
