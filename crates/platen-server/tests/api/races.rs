//! Concurrent requests against the rules that allow exactly one of something: one share per printer, one
//! trigger per printer, one copy of each byte range, one membership per user, one winner per job transition.

use crate::common::*;
use crate::pull::{bind_definition, held_job, pull};
use serde_json::json;

fn statuses(rs: &[Resp]) -> Vec<u16> {
    let mut s: Vec<u16> = rs.iter().map(|r| r.status).collect();
    s.sort();
    s
}

#[tokio::test]
async fn concurrent_shares_of_one_printer_yield_exactly_one() {
    let t = Tenant::new();
    let p = t.printer("Contested").await;
    let bind = format!("https://graph.microsoft.com/v1.0/print/printers/{p}");
    let bodies: Vec<_> = (0..6)
        .map(|i| json!({"displayName": format!("Share {i}"), "printer@odata.bind": bind}))
        .collect();
    let rs = futures::future::join_all(
        bodies
            .iter()
            .map(|b| t.api.post("/v1.0/print/shares", &t.admin, b)),
    )
    .await;
    assert_eq!(statuses(&rs), vec![201, 409, 409, 409, 409, 409], "{rs:?}");
    for r in rs.iter().filter(|r| r.status == 409) {
        r.assert_graph_error();
    }
    let list = t
        .api
        .get(&format!("/v1.0/print/printers/{p}/shares"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_triggers_on_one_printer_yield_exactly_one() {
    let (t, p) = pull().await;
    let printer = t.printer("Contested").await;
    let path = format!("/v1.0/print/printers/{printer}/taskTriggers");
    let body = json!({"event": "jobStarted", "definition@odata.bind": bind_definition(&p.definition)});
    let rs = futures::future::join_all((0..5).map(|_| t.api.post(&path, &p.admin, &body))).await;
    assert_eq!(statuses(&rs), vec![201, 409, 409, 409, 409], "{rs:?}");
    assert_eq!(
        t.api.get(&path, &t.admin).await.expect_json(200)["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn concurrent_puts_of_the_same_range_store_it_once() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Same range").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let url = t.upload_session(&job, &u.token, "application/pdf", 2000).await;
    let data = bytes(2000);
    let rs = futures::future::join_all((0..4).map(|_| put_chunk(&t.api, &url, &data[..1000], 0, 2000))).await;
    assert_eq!(statuses(&rs), vec![202, 416, 416, 416], "{rs:?}");
    put_chunk(&t.api, &url, &data[1000..], 1000, 2000)
        .await
        .expect(201);
    let bin = t.api.get(&format!("{}/$value", job.doc_path()), &u.token).await;
    assert_eq!(bin.body, data);
}

#[tokio::test]
async fn concurrent_final_fragments_complete_the_document_once() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Finale").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let url = t.upload_session(&job, &u.token, "application/pdf", 300).await;
    let data = bytes(300);
    put_chunk(&t.api, &url, &data[100..200], 100, 300)
        .await
        .expect(202);
    // The two remaining fragments at once: exactly one of them completes the document.
    let (a, b) = futures::join!(
        put_chunk(&t.api, &url, &data[..100], 0, 300),
        put_chunk(&t.api, &url, &data[200..], 200, 300)
    );
    assert_eq!(statuses(&[a, b]), vec![201, 202]);
    let bin = t.api.get(&format!("{}/$value", job.doc_path()), &u.token).await;
    assert_eq!(bin.body, data);
    assert_eq!(
        t.api.get(&job.path(), &u.token).await.expect_json(200)["status"]["details"],
        json!([])
    );
}

#[tokio::test]
async fn concurrent_adds_of_one_allowed_user_list_it_once() {
    let t = Tenant::new();
    let p = t.printer("Members").await;
    let s = t.share(&p, "Members", false).await;
    let uid = uuid();
    let body = json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{uid}")});
    let path = format!("/v1.0/print/shares/{s}/allowedUsers/$ref");
    let rs = futures::future::join_all((0..5).map(|_| t.api.post(&path, &t.admin, &body))).await;
    for r in &rs {
        assert!(r.status == 204 || r.status == 400 || r.status == 409, "{r:?}");
        assert!(r.status < 500, "{r:?}");
    }
    assert!(rs.iter().any(|r| r.status == 204));
    let list = t
        .api
        .get(&format!("/v1.0/print/shares/{s}/allowedUsers"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(list["value"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn concurrent_cancels_and_starts_end_in_one_consistent_state() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Race").await;
    let u = t.user("u");
    for _ in 0..3 {
        let job = t.uploaded_job(&s, &u.token, b"x").await;
        let (start_path, cancel_path) = (job.action("start"), job.action("cancel"));
        let (start, c1, c2) = futures::join!(
            t.api.post_empty(&start_path, &u.token),
            t.api.post_empty(&cancel_path, &u.token),
            t.api.post_empty(&cancel_path, &u.token),
        );
        assert_eq!((c1.status, c2.status), (204, 204), "{c1:?} {c2:?}");
        assert!(start.status == 200 || start.status == 409, "{start:?}");
        assert_eq!(
            t.api.get(&job.path(), &u.token).await.expect_json(200)["status"]["state"],
            "canceled"
        );
    }
}

#[tokio::test]
async fn abort_and_redirect_of_one_held_job_have_one_winner() {
    let (t, p) = pull().await;
    let u = t.user("alice");
    for _ in 0..3 {
        let (job, _) = held_job(&p, &u, b"x").await;
        let (abort_path, redirect_path) = (job.action("abort"), job.action("redirect"));
        let body = json!({"destinationPrinterId": p.dest});
        let (abort, redirect) = futures::join!(
            t.api.post_empty(&abort_path, &p.app),
            t.api.post(&redirect_path, &p.app, &body),
        );
        let state = t.api.get(&job.path(), &u.token).await.expect_json(200)["status"]["state"].clone();
        match (abort.status, redirect.status) {
            (204, s) => {
                assert!(s == 409 || s == 403, "{redirect:?}");
                assert_eq!(state, "aborted");
            }
            (s, 200) => {
                assert!(s == 409 || s == 403, "{abort:?}");
                assert_ne!(state, "aborted");
            }
            _ => panic!("no single winner: {abort:?} {redirect:?}"),
        }
    }
}
