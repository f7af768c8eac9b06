//! Who may do what on a share's IPP printer: the share's ACL and Graph's job rules, with print passwords and
//! bearer tokens; another tenant's share does not exist for its users.

use super::jobs::{get_job_state, print_job};
use super::support::{Env, Request, User, post, sample_pdf};
use platen_testkit::graph::uuid;

fn creds(u: &User) -> (&str, &str) {
    (&u.upn, &u.password)
}

#[tokio::test(flavor = "multi_thread")]
async fn printing_needs_credentials_but_the_printer_describes_itself_to_anyone() {
    let env = Env::new(None, true).await;
    let mut gpa = Request::new(0x000b, 1, &env.uri(None));
    gpa.attr(0x44, "requested-attributes", b"printer-name");
    let a = post(&env, None, gpa.end()).await;
    assert_eq!((a.http, a.status), (200, Some(0)));
    assert_eq!(a.text("printer-name").as_deref(), Some("Floor 2 printer"));

    let (_d, _p, pdf) = sample_pdf();
    let mut req = Request::new(0x0002, 2, &env.uri(None));
    let mut body = req.end();
    body.extend_from_slice(&pdf);
    let r = env
        .api
        .http()
        .req(reqwest::Method::POST, &env.path())
        .header("content-type", "application/ipp")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_string();
    assert!(challenge.starts_with("Basic realm="), "{challenge}");
    assert!(env.graph_jobs().await.is_empty(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_and_revoked_passwords_are_refused() {
    let env = Env::new(None, true).await;
    let alice = env.user("alice", &[]);
    let (_d, _p, pdf) = sample_pdf();
    let wrong = print_job(&env, (&alice.upn, "not-the-password"), &pdf, |_| {}).await;
    assert_eq!(wrong.http, 401);
    let other_upn = print_job(&env, ("mallory@contoso.test", &alice.password), &pdf, |_| {}).await;
    assert_eq!(
        other_upn.http, 401,
        "a password works only with its own user name"
    );
    assert_eq!(print_job(&env, creds(&alice), &pdf, |_| {}).await.status, Some(0));

    // Revoked by the administrator's CLI: refused at once (no cached acceptance).
    let listed = platen_testkit::graph::run_platen(
        super::support::BIN,
        &[
            vec![
                "print-password".to_string(),
                "list".into(),
                "--tenant".into(),
                env.tenant.clone(),
                "--user".into(),
                alice.id.clone(),
            ],
            env.api.srv.store_args(),
        ]
        .concat(),
    );
    let id = listed
        .split_whitespace()
        .find(|w| w.len() >= 8 && !w.contains('@'))
        .expect("a password id in the listing")
        .to_string();
    platen_testkit::graph::run_platen(
        super::support::BIN,
        &[
            vec![
                "print-password".to_string(),
                "revoke".into(),
                "--tenant".into(),
                env.tenant.clone(),
                "--id".into(),
                id,
            ],
            env.api.srv.store_args(),
        ]
        .concat(),
    );
    // The CLI revoked it in the database, outside the server: refused at the next request, although the server
    // had just verified (and cached) the same credentials.
    assert_eq!(
        print_job(&env, creds(&alice), &pdf, |_| {}).await.http,
        401,
        "a revoked password stops working at once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_share_acl_decides_who_may_print() {
    let env = Env::new(None, false).await;
    let members = uuid();
    env.api
        .post(
            &format!("/v1.0/print/shares/{}/allowedGroups/$ref", env.share),
            &env.admin,
            &serde_json::json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/groups/{members}")}),
        )
        .await
        .expect(204);
    let outsider = env.user("oscar", &[]);
    let member = env.user("maria", &[&members]);
    let (_d, _p, pdf) = sample_pdf();
    let refused = print_job(&env, creds(&outsider), &pdf, |_| {}).await;
    assert_eq!(refused.status, Some(0x0401), "client-error-forbidden");
    assert_eq!(
        print_job(&env, creds(&member), &pdf, |_| {}).await.status,
        Some(0)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_users_job_is_theirs_and_an_administrators() {
    let env = Env::new(None, true).await;
    let (alice, bob) = (env.user("alice", &[]), env.user("bob", &[]));
    let (_d, _p, pdf) = sample_pdf();
    let id = print_job(&env, creds(&alice), &pdf, |_| {})
        .await
        .int("job-id")
        .unwrap();
    assert_eq!(get_job_state(&env, creds(&bob), id).await.status, Some(0x0403));
    let mut cancel = Request::new(0x0008, 5, &env.uri(None));
    cancel.int("job-id", id);
    let body = cancel.end();
    assert_eq!(
        post(&env, Some(creds(&bob)), body.clone()).await.status,
        Some(0x0403)
    );
    assert_eq!(env.graph_job(&id.to_string()).await["status"]["state"], "pending");

    // A Printer Administrator (bearer token) may cancel it.
    let r = env
        .api
        .http()
        .req(reqwest::Method::POST, &env.path())
        .header("content-type", "application/ipp")
        .bearer_auth(&env.admin)
        .body(body)
        .send()
        .await
        .unwrap();
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[2..4], &[0, 0]);
    assert_eq!(
        env.graph_job(&id.to_string()).await["status"]["state"],
        "canceled"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_tenants_share_does_not_exist_for_its_users() {
    let ours = Env::new(None, true).await;
    let theirs = Env::new(None, true).await;
    let stranger = theirs.user("sam", &[]);
    let (_d, _p, pdf) = sample_pdf();
    // Their password is unknown in our tenant; their token finds no share of ours.
    assert_eq!(print_job(&ours, creds(&stranger), &pdf, |_| {}).await.http, 401);
    let mut req = Request::new(0x000a, 3, &ours.uri(None));
    let r = ours
        .api
        .http()
        .req(reqwest::Method::POST, &ours.path())
        .header("content-type", "application/ipp")
        .bearer_auth(&theirs.admin)
        .body(req.end())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_share_takes_jobs_without_credentials_once_an_administrator_allows_it() {
    let env = Env::new(None, true).await;
    let settings = format!("/platen/shares/{}/ipp", env.share);
    let v = env.api.get(&settings, &env.admin).await.expect_json(200);
    assert_eq!(
        v,
        serde_json::json!({"allowUnauthenticatedPrinting": false}),
        "off by default"
    );
    let alice = env.user("alice", &[]);
    let r = env
        .api
        .patch(
            &settings,
            &env.token_of(&alice),
            &serde_json::json!({"allowUnauthenticatedPrinting": true}),
        )
        .await;
    assert_eq!(r.status, 403, "only administrators change it: {r:?}");

    let (_d, _p, pdf) = sample_pdf();
    let mut req = Request::new(0x0002, 1, &env.uri(None));
    req.attr(0x42, "requesting-user-name", b"kiosk-7");
    let mut body = req.end();
    body.extend_from_slice(&pdf);
    let refused = env
        .api
        .http()
        .req(reqwest::Method::POST, &env.path())
        .header("content-type", "application/ipp")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    env.api
        .patch(
            &settings,
            &env.admin,
            &serde_json::json!({"allowUnauthenticatedPrinting": true}),
        )
        .await
        .expect(200);
    let a = post(&env, None, body).await;
    assert_eq!(a.status, Some(0), "{:?}", a.text("status-message"));
    let job = env.graph_job(&a.int("job-id").unwrap().to_string()).await;
    assert_eq!(job["createdBy"]["id"], "unauthenticated", "{job}");
    assert_eq!(job["createdBy"]["displayName"], "kiosk-7 (unauthenticated)");
    let mut gpa = Request::new(0x000b, 2, &env.uri(None));
    gpa.attr(0x44, "requested-attributes", b"uri-authentication-supported");
    let a = post(&env, None, gpa.end()).await;
    assert_eq!(
        a.text("uri-authentication-supported").as_deref(),
        Some("requesting-user-name")
    );
}
