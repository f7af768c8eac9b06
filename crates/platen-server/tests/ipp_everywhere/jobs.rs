//! A job printed over IPP is a Graph job: created on the share for the authenticated user, with its document,
//! started; canceled from either side with the same meaning.

use super::support::{Env, Request, post, sample_pdf, until};
use serde_json::json;

/// Print-Job with a document; returns the answer.
pub async fn print_job(
    env: &Env,
    user: (&str, &str),
    document: &[u8],
    extra: impl FnOnce(&mut Request),
) -> super::support::Answer {
    let mut req = Request::new(0x0002, 7, &env.uri(None));
    req.attr(0x42, "requesting-user-name", user.0.as_bytes())
        .attr(0x42, "job-name", b"quarterly report")
        .attr(0x49, "document-format", b"application/pdf");
    extra(&mut req);
    let mut body = req.end();
    body.extend_from_slice(document);
    post(env, Some(user), body).await
}

pub async fn get_job_state(env: &Env, user: (&str, &str), job_id: i32) -> super::support::Answer {
    let mut req = Request::new(0x0009, 9, &env.uri(None));
    req.int("job-id", job_id);
    post(env, Some(user), req.end()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn print_job_creates_a_started_graph_job_for_the_user_with_its_document() {
    let env = Env::new(None, true).await;
    let alice = env.user("alice", &[]);
    let (_d, _p, pdf) = sample_pdf();
    let a = print_job(&env, (&alice.upn, &alice.password), &pdf, |r| {
        r.group(0x02).int("copies", 2).attr(0x44, "sides", b"one-sided");
    })
    .await;
    assert_eq!(
        (a.http, a.status),
        (200, Some(0)),
        "{:?}",
        a.text("status-message")
    );
    let id = a.int("job-id").expect("job-id");
    assert_eq!(
        a.int("job-state"),
        Some(3),
        "a started job waiting for its printer is pending"
    );
    let job = env.graph_job(&id.to_string()).await;
    assert_eq!(job["createdBy"]["userPrincipalName"], json!(alice.upn));
    assert_eq!(job["createdBy"]["id"], json!(alice.id));
    assert_eq!(job["status"]["state"], json!("pending"));
    assert_eq!(job["isFetchable"], json!(true));
    assert_eq!(job["configuration"]["copies"], json!(2));
    let beta = env
        .api
        .get(&format!("/beta/print/shares/{}/jobs/{id}", env.share), &env.admin)
        .await
        .expect_json(200);
    assert_eq!(
        beta["displayName"],
        json!("quarterly report"),
        "job-name is the job's name (beta)"
    );
    let doc = &job["documents"][0];
    assert_eq!(doc["contentType"], json!("application/pdf"));
    assert_eq!(doc["size"], json!(pdf.len()));
    let bytes = env
        .api
        .get(
            &format!(
                "/v1.0/print/shares/{}/jobs/{id}/documents/{}/$value",
                env.share,
                doc["id"].as_str().unwrap()
            ),
            &env.admin,
        )
        .await;
    assert_eq!(bytes.body, pdf, "the document stored is the one sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_job_then_send_document_starts_the_job_with_its_document() {
    let env = Env::new(None, true).await;
    let bob = env.user("bob", &[]);
    let creds = (bob.upn.as_str(), bob.password.as_str());
    let mut req = Request::new(0x0005, 3, &env.uri(None));
    req.attr(0x42, "job-name", b"two step");
    let a = post(&env, Some(creds), req.end()).await;
    assert_eq!(a.status, Some(0));
    let id = a.int("job-id").unwrap();
    let job = env.graph_job(&id.to_string()).await;
    assert_eq!(job["status"]["details"], json!(["uploadPending"]), "{job}");

    let (_d, _p, pdf) = sample_pdf();
    let mut send = Request::new(0x0006, 4, &env.uri(None));
    send.int("job-id", id).attr(0x22, "last-document", &[1]).attr(
        0x49,
        "document-format",
        b"application/pdf",
    );
    let mut body = send.end();
    body.extend_from_slice(&pdf);
    let a = post(&env, Some(creds), body).await;
    assert_eq!(a.status, Some(0), "{:?}", a.text("status-message"));
    assert_eq!(
        env.graph_job(&id.to_string()).await["status"]["state"],
        json!("pending")
    );

    // A second document: a job holds one.
    let mut again = Request::new(0x0006, 5, &env.uri(None));
    again.int("job-id", id).attr(0x22, "last-document", &[1]);
    let mut body = again.end();
    body.extend_from_slice(&pdf);
    assert_eq!(post(&env, Some(creds), body).await.status, Some(0x0509));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_on_either_side_is_the_same_cancel() {
    let env = Env::new(None, true).await;
    let carol = env.user("carol", &[]);
    let creds = (carol.upn.as_str(), carol.password.as_str());
    let (_d, _p, pdf) = sample_pdf();

    // IPP Cancel-Job → Graph canceled; again: still fine (Graph's cancel is idempotent).
    let id = print_job(&env, creds, &pdf, |_| {}).await.int("job-id").unwrap();
    for request_id in [11, 12] {
        let mut req = Request::new(0x0008, request_id, &env.uri(None));
        req.int("job-id", id);
        assert_eq!(post(&env, Some(creds), req.end()).await.status, Some(0));
    }
    assert_eq!(
        env.graph_job(&id.to_string()).await["status"]["state"],
        json!("canceled")
    );
    assert_eq!(get_job_state(&env, creds, id).await.int("job-state"), Some(7));

    // Graph cancel by the owner → IPP canceled.
    let id = print_job(&env, creds, &pdf, |_| {}).await.int("job-id").unwrap();
    env.graph_cancel(&id.to_string(), &env.token_of(&carol))
        .await
        .expect(204);
    let a = get_job_state(&env, creds, id).await;
    assert_eq!(a.int("job-state"), Some(7));
    assert_eq!(
        a.text("job-state-reasons").as_deref(),
        Some("job-canceled-by-user")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_jobs_lists_the_users_jobs_graph_and_ipp_alike() {
    let env = Env::new(None, true).await;
    let dave = env.user("dave", &[]);
    let creds = (dave.upn.as_str(), dave.password.as_str());
    let (_d, _p, pdf) = sample_pdf();
    let ipp_job = print_job(&env, creds, &pdf, |_| {}).await.int("job-id").unwrap();
    // A job dave creates through Graph on the same share.
    let (graph_job, _) = env
        .api
        .create_job(
            &format!("/v1.0/print/shares/{}/jobs", env.share),
            &env.token_of(&dave),
            json!({}),
        )
        .await;
    let mut req = Request::new(0x000a, 21, &env.uri(None));
    req.attr(0x44, "which-jobs", b"not-completed")
        .attr(0x22, "my-jobs", &[1]);
    let a = post(&env, Some(creds), req.end()).await;
    assert_eq!(a.status, Some(0));
    let ids: Vec<i32> = a
        .values("job-id")
        .into_iter()
        .map(|v| i32::from_be_bytes(v.try_into().unwrap()))
        .collect();
    assert!(ids.contains(&ipp_job), "{ids:?}");
    assert!(ids.contains(&graph_job.parse().unwrap()), "{ids:?}");

    // Completed jobs: the canceled one moves there.
    let mut cancel = Request::new(0x0008, 22, &env.uri(None));
    cancel.int("job-id", ipp_job);
    post(&env, Some(creds), cancel.end()).await;
    let mut req = Request::new(0x000a, 23, &env.uri(None));
    req.attr(0x44, "which-jobs", b"completed");
    let a = post(&env, Some(creds), req.end()).await;
    let ids: Vec<Vec<u8>> = a.values("job-id");
    assert_eq!(ids, vec![ipp_job.to_be_bytes().to_vec()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn compressed_documents_are_stored_decompressed() {
    use std::io::Write;
    let env = Env::new(None, true).await;
    let erin = env.user("erin", &[]);
    let creds = (erin.upn.as_str(), erin.password.as_str());
    let (_d, _p, pdf) = sample_pdf();
    let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
    gz.write_all(&pdf).unwrap();
    let mut deflate = flate2::write::DeflateEncoder::new(vec![], flate2::Compression::default());
    deflate.write_all(&pdf).unwrap();
    for (keyword, data) in [
        ("gzip", gz.finish().unwrap()),
        ("deflate", deflate.finish().unwrap()),
    ] {
        let a = print_job(&env, creds, &data, |r| {
            r.attr(0x44, "compression", keyword.as_bytes());
        })
        .await;
        assert_eq!(a.status, Some(0), "{keyword}: {:?}", a.text("status-message"));
        let job = env.graph_job(&a.int("job-id").unwrap().to_string()).await;
        assert_eq!(job["documents"][0]["size"], json!(pdf.len()), "{keyword}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_pull_print_share_an_ipp_job_is_held_for_its_print_task() {
    let env = Env::new(None, true).await;
    let app = env.app("PrintTaskDefinition.ReadWrite.All");
    let definition = env
        .api
        .post(
            "/v1.0/print/taskDefinitions",
            &app,
            &json!({"displayName": "Release station", "createdBy": {"displayName": "Release app"}}),
        )
        .await
        .expect_json(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.api
        .post(
            &format!("/v1.0/print/printers/{}/taskTriggers", env.printer),
            &env.admin,
            &json!({"event": "jobStarted", "definition@odata.bind": format!("https://graph.microsoft.com/v1.0/print/taskDefinitions/{definition}")}),
        )
        .await
        .expect(201);
    let frank = env.user("frank", &[]);
    let (_d, _p, pdf) = sample_pdf();
    let a = print_job(&env, (&frank.upn, &frank.password), &pdf, |_| {}).await;
    assert_eq!(a.status, Some(0));
    assert_eq!(a.int("job-state"), Some(4), "held: pending-held");
    assert_eq!(a.text("job-state-reasons").as_deref(), Some("job-release-wait"));
    let id = a.int("job-id").unwrap();
    let job = env.graph_job(&id.to_string()).await;
    assert_eq!(job["status"]["details"], json!(["releaseWait"]), "{job}");
    let tasks = env
        .api
        .get(
            &format!("/v1.0/print/printers/{}/jobs/{id}/tasks", env.printer),
            &env.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(tasks["value"].as_array().map(Vec::len), Some(1), "{tasks}");
    until(5, "the task is processing", async || {
        tasks["value"][0]["status"]["state"] == json!("processing")
    })
    .await;
}
