//! Print quotas (`/platen/print-quotas`, `/platen/print-quota-balance`, `/platen/print-quota-accounts`): a
//! budget per group member or per user, held at start from the documents' real page counts (PDFs counted by
//! poppler), refused with a Graph error when the job would pass it, charged with what the device reported over
//! INFRA, refunded when a job is canceled before printing; exceptions, overdraft and credits; starts racing for
//! the last pages; and print policies' page caps, which use the same count.

use crate::common::*;
use platen_testkit::infra::{COMPLETED, Device};
use platen_testkit::pdf::numbered;
use serde_json::{Value, json};

const RULES: &str = "/platen/print-quotas";
const BALANCE: &str = "/platen/print-quota-balance";

/// A tenant with a physical printer whose key the test holds, shared with everyone.
struct Site {
    t: Tenant,
    share: String,
    device: Device,
    http: reqwest::Client,
}

impl Site {
    async fn new() -> Site {
        let t = Tenant::new();
        let (_, share, device, http) = t.device_printer("Library").await;
        Site {
            t,
            share,
            device,
            http,
        }
    }

    /// A job of `user` holding `document`, with `configuration`, uploaded and not started.
    async fn ready(&self, user: &User, document: &[u8], configuration: Value) -> Job {
        let collection = format!("/v1.0/print/shares/{}/jobs", self.share);
        let (id, doc) = self
            .t
            .api
            .create_job(&collection, &user.token, configuration)
            .await;
        let job = Job { id, doc, collection };
        self.t.upload(&job, &user.token, document).await;
        job
    }

    async fn start(&self, job: &Job, user: &User) -> Resp {
        self.t.api.post_empty(&job.action("start"), &user.token).await
    }

    async fn balance(&self, user: &User) -> Value {
        self.t.api.get(BALANCE, &user.token).await.expect_json(200)
    }

    /// The device claims `job` and reports it completed after printing `pages` impressions.
    async fn printed(&self, job: &Job, pages: i64) {
        let base = &self.t.srv().base;
        let id: i32 = job.id.parse().unwrap();
        let uuid = "urn:uuid:6e1f0000-0000-4000-8000-0000000000a1";
        assert_eq!(self.device.acknowledge(&self.http, base, id, uuid).await, 0);
        let counters = vec![(
            "job-impressions-completed",
            platen_testkit::infra::integer(pages as i32),
        )];
        let status = self
            .device
            .update_job_status(&self.http, base, id, COMPLETED, counters)
            .await;
        assert_eq!(status, 0, "Update-Job-Status");
    }
}

/// `[printed, held, remaining]` of a balance.
fn pages(b: &Value) -> [i64; 3] {
    ["printedPages", "heldPages", "remainingPages"]
        .map(|k| b[k].as_i64().unwrap_or_else(|| panic!("{k} in {b}")))
}

#[tokio::test]
async fn a_groups_budget_holds_at_start_refuses_what_would_pass_it_and_charges_what_printed() {
    let s = Site::new().await;
    let group = uuid();
    let rule =
        s.t.api
            .post(
                RULES,
                &s.t.admin,
                &json!({"groupId": group, "period": "month", "pages": 10}),
            )
            .await
            .expect_json(201);
    assert_eq!(rule["groupId"], group.to_ascii_lowercase().as_str(), "{rule}");
    assert_eq!(rule["overdraft"], 0, "{rule}");
    let alice = s.t.user_with("alice", USER_SCOPES, &group);
    let bob = s.t.user("bob");

    let before = s.balance(&alice).await;
    assert_eq!(before["limited"], true, "{before}");
    assert_eq!(before["period"], "month", "{before}");
    assert_eq!(pages(&before), [0, 0, 10]);
    let reset = before["resetDateTime"].as_str().unwrap();
    assert!(reset.ends_with("-01T00:00:00Z"), "{before}");

    // 4 pages, two copies: 8 pages held.
    let a = s.ready(&alice, &numbered(4), json!({"copies": 2})).await;
    s.start(&a, &alice).await.expect_json(200);
    assert_eq!(pages(&s.balance(&alice).await), [0, 8, 2]);

    // 3 more would pass the budget: refused with the numbers, and the job stays as it was.
    let b = s.ready(&alice, &numbered(3), json!({})).await;
    let e = s.start(&b, &alice).await.expect_code(403, "accessDenied");
    assert_eq!(e["innerError"]["code"], "printQuotaExceeded", "{e}");
    assert_eq!(
        e["message"],
        format!("This job needs 3 pages and your print quota has 2 left this month (it resets on {reset})."),
        "{e}"
    );
    let still = s.t.api.get(&b.path(), &alice.token).await.expect_json(200);
    assert_eq!(still["status"]["state"], "paused", "{still}");

    // The device printed 6 of the 8 pages: 6 are charged, the hold is gone.
    s.printed(&a, 6).await;
    assert_eq!(pages(&s.balance(&alice).await), [6, 0, 4]);

    // Now it fits; canceled before printing, it costs nothing.
    s.start(&b, &alice).await.expect_json(200);
    assert_eq!(pages(&s.balance(&alice).await), [6, 3, 1]);
    s.t.api
        .post_empty(&b.action("cancel"), &alice.token)
        .await
        .expect(204);
    assert_eq!(pages(&s.balance(&alice).await), [6, 0, 4]);

    // Nobody else is limited by the group's budget.
    assert_eq!(s.balance(&bob).await, json!({"limited": false}));
    let big = s.ready(&bob, &numbered(30), json!({})).await;
    s.start(&big, &bob).await.expect_json(200);

    // An administrator sees alice's account.
    let seen =
        s.t.api
            .get(&format!("/platen/print-quota-accounts/{}", alice.oid), &s.t.admin)
            .await
            .expect_json(200);
    assert!(seen["rule"].is_null(), "{seen}");
    assert_eq!(seen["accounts"][0]["printedPages"], 6, "{seen}");
    assert_eq!(seen["accounts"][0]["period"], "month", "{seen}");
}

#[tokio::test]
async fn a_users_exception_overdraft_and_credits() {
    let s = Site::new().await;
    let group = uuid();
    let alice = s.t.user_with("alice", USER_SCOPES, &group);
    s.t.api
        .post(
            RULES,
            &s.t.admin,
            &json!({"groupId": group, "period": "day", "pages": 1}),
        )
        .await
        .expect_json(201);
    // Alice's own rule wins over her group's: 5 a week and 2 more as overdraft.
    let own =
        s.t.api
            .post(
                RULES,
                &s.t.admin,
                &json!({"userId": alice.oid, "period": "week", "pages": 5, "overdraft": 2}),
            )
            .await
            .expect_json(201);
    let b = s.balance(&alice).await;
    assert_eq!(
        (b["ruleId"].clone(), b["period"].clone()),
        (own["id"].clone(), json!("week")),
        "{b}"
    );

    let seven = s.ready(&alice, &numbered(7), json!({})).await;
    s.start(&seven, &alice).await.expect_json(200);
    assert_eq!(pages(&s.balance(&alice).await), [0, 7, 0]);
    let one = s.ready(&alice, &numbered(1), json!({})).await;
    let e = s.start(&one, &alice).await.expect_code(403, "accessDenied");
    assert_eq!(e["innerError"]["code"], "printQuotaExceeded", "{e}");

    // An administrator credits three pages for this week: the page fits.
    let credited =
        s.t.api
            .post(
                &format!("/platen/print-quota-accounts/{}/credits", alice.oid),
                &s.t.admin,
                &json!({"period": "week", "pages": 3}),
            )
            .await
            .expect_json(200);
    assert_eq!(credited["creditedPages"], 3, "{credited}");
    s.start(&one, &alice).await.expect_json(200);
    assert_eq!(pages(&s.balance(&alice).await), [0, 8, 2]);

    // Deleting her exception puts her back under her group's daily page.
    let own_path = format!("{RULES}/{}", own["id"].as_str().unwrap());
    s.t.api.delete(&own_path, &s.t.admin).await.expect(204);
    let b = s.balance(&alice).await;
    assert_eq!(
        (b["period"].clone(), b["pages"].clone()),
        (json!("day"), json!(1)),
        "{b}"
    );

    // An unlimited exception lifts every limit.
    s.t.api
        .post(
            RULES,
            &s.t.admin,
            &json!({"userId": alice.oid, "period": "month", "pages": null}),
        )
        .await
        .expect_json(201);
    let b = s.balance(&alice).await;
    assert_eq!(b["limited"], false, "{b}");
    assert!(b["remainingPages"].is_null(), "{b}");
    let lots = s.ready(&alice, &numbered(40), json!({})).await;
    s.start(&lots, &alice).await.expect_json(200);
}

#[tokio::test]
async fn starts_racing_for_the_last_pages_are_decided_one_by_one() {
    let s = Site::new().await;
    let alice = s.t.user("alice");
    s.t.api
        .post(
            RULES,
            &s.t.admin,
            &json!({"userId": alice.oid, "period": "month", "pages": 10}),
        )
        .await
        .expect_json(201);
    let pdf = numbered(3);
    let mut jobs = vec![];
    for _ in 0..8 {
        jobs.push(s.ready(&alice, &pdf, json!({})).await);
    }
    let answers = futures::future::join_all(jobs.iter().map(|j| s.start(j, &alice))).await;
    let started = answers.iter().filter(|r| r.status == 200).count();
    for r in answers.iter().filter(|r| r.status != 200) {
        let e = r.expect_code(403, "accessDenied");
        assert_eq!(e["innerError"]["code"], "printQuotaExceeded", "{e}");
    }
    assert_eq!(started, 3, "three jobs of 3 pages fit in 10");
    assert_eq!(pages(&s.balance(&alice).await), [0, 9, 1]);
}

#[tokio::test]
async fn uncountable_documents_hold_a_page_per_copy_and_are_charged_what_printed() {
    let s = Site::new().await;
    let alice = s.t.user("alice");
    s.t.api
        .post(
            RULES,
            &s.t.admin,
            &json!({"userId": alice.oid, "period": "day", "pages": 4}),
        )
        .await
        .expect_json(201);
    // Not a PDF poppler can read: its pages are unknown before printing, so one page per copy is held.
    let job = s.ready(&alice, &bytes(5000), json!({"copies": 3})).await;
    s.start(&job, &alice).await.expect_json(200);
    assert_eq!(pages(&s.balance(&alice).await), [0, 3, 1]);
    s.printed(&job, 5).await;
    // It printed 5: charged in full, which leaves the user over budget (nothing more starts).
    assert_eq!(pages(&s.balance(&alice).await), [5, 0, -1]);
    let next = s.ready(&alice, &numbered(1), json!({})).await;
    s.start(&next, &alice).await.expect_code(403, "accessDenied");
}

#[tokio::test]
async fn a_policys_page_cap_refuses_longer_jobs_counting_copies() {
    let s = Site::new().await;
    let group = uuid();
    s.t.api
        .post(
            "/platen/print-policies",
            &s.t.admin,
            &json!({"displayName": "Short runs", "groupId": group, "maxPages": 5}),
        )
        .await
        .expect_json(201);
    let ada = s.t.user_with("ada", USER_SCOPES, &group);
    let long = s.ready(&ada, &numbered(3), json!({"copies": 2})).await;
    let e = s.start(&long, &ada).await.expect_code(403, "accessDenied");
    assert_eq!(e["innerError"]["code"], "printPolicyViolation", "{e}");
    assert_eq!(
        e["message"], "The print policy 'Short runs' allows jobs of at most 5 pages; this job would print 6.",
        "{e}"
    );
    // Pages 1–2 of it, twice: 4.
    let ranged = s
        .ready(
            &ada,
            &numbered(3),
            json!({"copies": 2, "pageRanges": [{"start": 1, "end": 2}]}),
        )
        .await;
    s.start(&ranged, &ada).await.expect_json(200);
}

#[tokio::test]
async fn quotas_are_validated_and_administered_by_printer_administrators_only() {
    let t = Tenant::new();
    let user = t.user("ada");
    let body = json!({"userId": user.oid, "period": "week", "pages": 5});
    t.api.post(RULES, &user.token, &body).await.expect_denied();
    t.api.get(RULES, &user.token).await.expect_denied();
    t.api
        .get(&format!("/platen/print-quota-accounts/{}", user.oid), &user.token)
        .await
        .expect_denied();
    t.api
        .post(
            &format!("/platen/print-quota-accounts/{}/credits", user.oid),
            &user.token,
            &json!({"period": "week", "pages": 5}),
        )
        .await
        .expect_denied();
    for bad in [
        json!({"userId": "u", "groupId": "g", "period": "week", "pages": 5}),
        json!({"period": "week", "pages": 5}),
        json!({"userId": "u", "period": "year", "pages": 5}),
        json!({"userId": "u", "period": "week"}),
        json!({"userId": "u", "period": "week", "pages": -1}),
        json!({"userId": "u", "period": "week", "pages": "5"}),
        json!({"userId": "u", "period": "week", "pages": 5, "overdraft": -2}),
        json!({"userId": "u", "period": "week", "pages": null, "overdraft": 2}),
        json!({"userId": "", "period": "week", "pages": 5}),
        json!({"userId": "u", "period": "week", "pages": 5, "colour": true}),
    ] {
        t.api.post(RULES, &t.admin, &bad).await.expect_bad_request();
    }
    let rule = t.api.post(RULES, &t.admin, &body).await.expect_json(201);
    let again = t.api.post(RULES, &t.admin, &body).await;
    assert_eq!(again.status, 409, "{again:?}");
    let path = format!("{RULES}/{}", rule["id"].as_str().unwrap());
    assert_eq!(t.api.get(&path, &t.admin).await.expect_json(200), rule);
    let listed = t.api.get(RULES, &t.admin).await.expect_json(200);
    assert_eq!(listed["value"], json!([rule]));
    for bad in [
        json!({"period": "week", "pages": 0}),
        json!({"period": "week"}),
        json!({"pages": 3}),
    ] {
        t.api
            .post(
                &format!("/platen/print-quota-accounts/{}/credits", user.oid),
                &t.admin,
                &bad,
            )
            .await
            .expect_bad_request();
    }
    // Another tenant's administrator sees none of it.
    let other = Tenant::new();
    other.api.get(&path, &other.admin).await.expect_not_found();
    assert_eq!(
        other.api.get(RULES, &other.admin).await.expect_json(200)["value"],
        json!([])
    );
    t.api.delete(&path, &t.admin).await.expect(204);
    t.api.delete(&path, &t.admin).await.expect_not_found();
}
