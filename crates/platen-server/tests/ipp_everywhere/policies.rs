//! Print policies and quotas reach IPP clients as Graph users see them: a forced setting is in the job as it prints, and a
//! document over a cap is refused with `client-error-not-possible` and the policy's sentence; the job it would have
//! been is aborted with that reason, since an IPP client cannot start it again.

use super::jobs::print_job;
use super::support::{Env, sample_pdf};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_size_cap_refuses_the_ipp_job_with_the_policys_sentence_and_aborts_it() {
    let env = Env::new(None, true).await;
    env.api
        .post(
            "/platen/print-policies",
            &env.admin,
            &json!({"displayName": "Tiny", "printerId": env.printer, "maxDocumentBytes": 100}),
        )
        .await
        .expect_json(201);
    let alice = env.user("alice", &[]);
    let (_d, _p, pdf) = sample_pdf();
    assert!(pdf.len() > 100);
    let a = print_job(&env, (&alice.upn, &alice.password), &pdf, |_| {}).await;
    assert_eq!(
        (a.http, a.status),
        (200, Some(0x0404)),
        "{:?}",
        a.text("status-message")
    );
    let message = a.text("status-message").unwrap_or_default();
    assert!(
        message.contains("The print policy 'Tiny' allows documents of at most 100 bytes"),
        "{message}"
    );
    let jobs = env.graph_jobs().await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0]["status"]["state"], json!("aborted"), "{:?}", jobs[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forced_setting_is_in_the_ipp_job_as_it_prints() {
    let env = Env::new(None, true).await;
    // A colour printer (its app describes it), so the client's colour request is honoured up to the policy.
    let app = env.app("Printer.ReadWrite.All");
    env.api
        .patch(
            &format!("/v1.0/print/printers/{}", env.printer),
            &app,
            &json!({"capabilities": {"colorModes": ["color", "blackAndWhite"], "contentTypes": ["application/pdf"]}}),
        )
        .await
        .expect(200);
    env.api
        .post(
            "/platen/print-policies",
            &env.admin,
            &json!({"displayName": "Mono", "printerId": env.printer, "forceMonochrome": true}),
        )
        .await
        .expect_json(201);
    let bea = env.user("bea", &[]);
    let (_d, _p, pdf) = sample_pdf();
    let a = print_job(&env, (&bea.upn, &bea.password), &pdf, |r| {
        r.group(0x02).attr(0x44, "print-color-mode", b"color");
    })
    .await;
    assert_eq!(
        (a.http, a.status),
        (200, Some(0)),
        "{:?}",
        a.text("status-message")
    );
    let id = a.int("job-id").expect("job-id");
    let job = env.graph_job(&id.to_string()).await;
    assert_eq!(job["configuration"]["colorMode"], json!("blackAndWhite"), "{job}");
    assert!(
        job["status"]["description"]
            .as_str()
            .unwrap_or_default()
            .contains("'Mono'"),
        "{job}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_print_quota_refuses_the_ipp_job_with_its_sentence_and_aborts_it() {
    let env = Env::new(None, true).await;
    let alice = env.user("alice", &[]);
    env.api
        .post(
            "/platen/print-quotas",
            &env.admin,
            &json!({"userId": alice.id, "period": "week", "pages": 2}),
        )
        .await
        .expect_json(201);
    // Three pages counted by poppler against a budget of two.
    let pdf = platen_testkit::pdf::numbered(3);
    let a = print_job(&env, (&alice.upn, &alice.password), &pdf, |_| {}).await;
    assert_eq!(
        (a.http, a.status),
        (200, Some(0x0404)),
        "{:?}",
        a.text("status-message")
    );
    let message = a.text("status-message").unwrap_or_default();
    assert!(
        message.starts_with("This job needs 3 pages and your print quota has 2 left this week"),
        "{message}"
    );
    let jobs = env.graph_jobs().await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0]["status"]["state"], json!("aborted"), "{:?}", jobs[0]);
    // Two pages fit.
    let b = print_job(
        &env,
        (&alice.upn, &alice.password),
        &platen_testkit::pdf::numbered(2),
        |_| {},
    )
    .await;
    assert_eq!(
        (b.http, b.status),
        (200, Some(0)),
        "{:?}",
        b.text("status-message")
    );
}
