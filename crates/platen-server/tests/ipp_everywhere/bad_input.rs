//! Malformed and oversized input gets the right IPP error, the service keeps serving, and nothing is left
//! half-written: a job whose document did not arrive whole is aborted, its bytes removed.

use super::jobs::print_job;
use super::support::{BIN, Env, Request, post, sample_pdf};
use platen_testkit::graph::{Api, Server};
use std::sync::Arc;

async fn still_serving(env: &Env) {
    let mut gpa = Request::new(0x000b, 99, &env.uri(None));
    assert_eq!(
        post(env, None, gpa.end()).await.status,
        Some(0),
        "the service still answers"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn truncated_malformed_and_wrong_version_requests_are_ipp_errors() {
    let env = Env::new(None, true).await;
    let alice = env.user("alice", &[]);
    let creds = Some((alice.upn.as_str(), alice.password.as_str()));
    // Not even a header.
    assert_eq!(post(&env, creds, vec![2, 0]).await.http, 400);
    // A header and an attribute whose value runs past the end.
    let mut truncated = Request::new(0x000b, 1, &env.uri(None)).end();
    truncated.truncate(truncated.len() - 10);
    let a = post(&env, creds, truncated).await;
    assert_eq!((a.http, a.status), (200, Some(0x0400)));
    // A textWithLanguage whose inner length overruns its value (the input that panicked the old parser).
    let mut bad = Request::new(0x000b, 2, &env.uri(None));
    bad.attr(
        0x35,
        "requesting-user-name",
        &[0x00, 0x02, b'e', b'n', 0x00, 0xff, b'x'],
    );
    assert_eq!(post(&env, creds, bad.end()).await.status, Some(0x0400));
    // Unknown versions.
    for version in [0x0000, 0x0900] {
        let mut r = Request::raw(version, 0x000b, 3);
        r.group(0x01)
            .attr(0x47, "attributes-charset", b"utf-8")
            .attr(0x48, "attributes-natural-language", b"en")
            .attr(0x45, "printer-uri", env.uri(None).as_bytes());
        assert_eq!(post(&env, creds, r.end()).await.status, Some(0x0503));
    }
    // A huge attribute value (the largest a length field allows) and a message far over the limit.
    let mut huge = Request::new(0x0002, 4, &env.uri(None));
    huge.attr(0x42, "job-name", &vec![b'x'; 65_535]);
    let a = post(&env, creds, huge.end()).await;
    assert!(
        a.http != 200 || a.status != Some(0),
        "a 64 KiB job name is not a job"
    );
    let mut flood = Request::new(0x0002, 5, &env.uri(None));
    for _ in 0..8 {
        flood.attr(0x42, "job-name", &vec![b'y'; 65_535]);
    }
    assert_eq!(post(&env, creds, flood.end()).await.http, 413);
    still_serving(&env).await;
    assert!(env.graph_jobs().await.is_empty(), "no job came of any of it");
}

fn blob_files(data_dir: &std::path::Path) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&data_dir.join("blobs"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_document_or_a_compression_bomb_aborts_its_job_and_leaves_no_bytes() {
    use std::io::Write;
    // A server of its own with a small document limit (64 KiB).
    let srv = Arc::new(Server::start_with_env(
        BIN,
        &[("PLATEN_MAX_DOCUMENT_SIZE", "65536")],
    ));
    let env = Env::new_on(Api::on(srv.clone()), None, true).await;
    let alice = env.user("alice", &[]);
    let creds = (alice.upn.as_str(), alice.password.as_str());
    let before = blob_files(&srv.data_dir);

    let big = vec![b'%'; 200_000];
    let a = print_job(&env, creds, &big, |_| {}).await;
    assert_eq!(a.status, Some(0x0408), "client-error-request-entity-too-large");

    let mut bomb = flate2::write::GzEncoder::new(vec![], flate2::Compression::best());
    bomb.write_all(&vec![0u8; 50 << 20]).unwrap();
    let bomb = bomb.finish().unwrap();
    assert!(bomb.len() < 100_000);
    let a = print_job(&env, creds, &bomb, |r| {
        r.attr(0x44, "compression", b"gzip");
    })
    .await;
    assert_eq!(a.status, Some(0x0408), "the bomb stops at the limit");

    let a = print_job(&env, creds, b"\x1f\x8b\x08\x00 this is not gzip", |r| {
        r.attr(0x44, "compression", b"gzip");
    })
    .await;
    assert_eq!(a.status, Some(0x0410), "client-error-compression-error");

    let jobs = env.graph_jobs().await;
    assert_eq!(jobs.len(), 3, "{jobs:?}");
    for j in &jobs {
        assert_eq!(j["status"]["state"], "aborted", "{j}");
    }
    assert_eq!(
        blob_files(&srv.data_dir),
        before,
        "no bytes of the failed documents stay behind"
    );
    still_serving(&env).await;
    let (_d, _p, pdf) = sample_pdf();
    assert_eq!(print_job(&env, creds, &pdf, |_| {}).await.status, Some(0));
}
