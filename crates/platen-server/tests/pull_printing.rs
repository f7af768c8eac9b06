//! Pull printing end to end against a real `platen serve` (spec: graph-print-api.md §2 rows 14–26 and 50–57,
//! §3.2, §3.6, §5.2): an app's task definition, a trigger created by an administrator signed in to the same
//! app, a user's job held on a virtual printer with a processing print task, the app learning of the task
//! (webhook or polling), and the three endings — task completed (job released), redirect (a new job on a second
//! printer, cross-linked, sharing the bytes) and abort with a reason — with every refusal around them, plus
//! concurrent cancel/abort/complete/redirect on the same jobs checked against a sequential model
//! (`pull_support::model`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pull_support;

use pull_support::model::{self, Op, Phase, Task};
use pull_support::receiver::Receiver;
use pull_support::{Api, BIN, Held, Pull, Resp, bytes, iso_in, uuid};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------------------
// Shared checks
// ---------------------------------------------------------------------------------------------------------

/// A held job as Graph shows it: `paused` + `releaseWait`, not fetchable.
#[track_caller]
fn assert_held(job: &Value) {
    assert_eq!(job["status"]["state"], "paused", "{job}");
    assert_eq!(job["status"]["details"], json!(["releaseWait"]), "{job}");
    assert_eq!(job["isFetchable"], false, "{job}");
}

/// A released job: queued on its printer (`pending`) and fetchable.
#[track_caller]
fn assert_released(job: &Value) {
    assert_eq!(job["status"]["state"], "pending", "{job}");
    assert_eq!(job["isFetchable"], true, "{job}");
    assert!(
        job["status"]["details"]
            .as_array()
            .is_some_and(|d| !d.iter().any(|x| x == "releaseWait")),
        "{job}"
    );
}

#[track_caller]
fn assert_task_state(task: &Value, state: &str) {
    assert_eq!(task["status"]["state"], state, "{task}");
}

/// The last path segment of a URL.
fn last_segment(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or_default()
}

/// The app's subscription to its definition's new tasks; asserts the receiver echoed a validation token.
async fn subscribe(p: &Pull, rx: &Receiver, client_state: &str) -> Value {
    let resource = format!("print/taskDefinitions/{}/tasks", p.definition);
    let body = json!({
        "changeType": "created",
        "resource": resource,
        "notificationUrl": rx.url(),
        "expirationDateTime": iso_in(4200),
        "clientState": client_state,
    });
    let v = p
        .api
        .post("/v1.0/subscriptions", &p.app, &body)
        .await
        .expect_json(201);
    assert!(v["id"].as_str().is_some_and(|i| !i.is_empty()), "{v}");
    assert_eq!(v["changeType"], "created", "{v}");
    assert!(
        v["resource"]
            .as_str()
            .is_some_and(|r| r.eq_ignore_ascii_case(&resource)),
        "{v}"
    );
    assert_eq!(v["notificationUrl"], rx.url(), "{v}");
    assert!(
        v["applicationId"]
            .as_str()
            .is_some_and(|a| a.eq_ignore_ascii_case(&p.app_id)),
        "{v}"
    );
    assert!(
        !rx.validations().is_empty(),
        "the subscription was created without validating the notification URL"
    );
    v
}

/// Waits for the `created` notification of subscription `sub` and returns it.
async fn created_notification(rx: &mut Receiver, p: &Pull, sub: &str, client_state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let batch = rx
            .next(left)
            .await
            .expect("no change notification arrived within 60 s");
        let items = batch["value"]
            .as_array()
            .unwrap_or_else(|| panic!("a notification batch is {{\"value\":[…]}}: {batch}"));
        for n in items {
            if n["subscriptionId"] != sub {
                continue;
            }
            assert_eq!(n["changeType"], "created", "{n}");
            assert_eq!(n["clientState"], client_state, "{n}");
            assert!(
                n["tenantId"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case(&p.tenant)),
                "{n}"
            );
            let resource = n["resource"].as_str().unwrap_or_default().to_ascii_lowercase();
            let expected = format!(
                "print/taskdefinitions/{}/tasks",
                p.definition.to_ascii_lowercase()
            );
            assert!(
                resource.trim_start_matches('/').starts_with(&expected),
                "resource of {n}"
            );
            assert!(
                n["resourceData"]["id"].as_str().is_some_and(|i| !i.is_empty()),
                "{n}"
            );
            return n.clone();
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The story
// ---------------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Complete,
    Redirect,
    Abort,
}

/// How the app learns of its new print task.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Discovery {
    /// A subscription on `print/taskDefinitions/{id}/tasks` and a receiver started by the test.
    Webhook,
    /// `GET /print/taskDefinitions/{id}/tasks`.
    Polling,
}

/// The whole story: definition and subscription (app), virtual printer and trigger (administrator signed in
/// to the same app), a user's job submitted, uploaded and started (held), the app reading the task and the job,
/// then `ending`.
async fn story(ending: Ending, discovery: Discovery) {
    let api = Api::shared(BIN);
    let p = Pull::new(api.clone()).await;

    // The definition belongs to the app; the trigger binds it to the virtual printer.
    let d = api
        .get(&format!("/v1.0/print/taskDefinitions/{}", p.definition), &p.app)
        .await
        .expect_json(200);
    assert_eq!(d["createdBy"]["appId"], p.app_id.as_str(), "{d}");
    let printer = api
        .get(&format!("/v1.0/print/printers/{}", p.printer), &p.admin)
        .await
        .expect_json(200);
    assert_eq!(
        printer["hasPhysicalDevice"], false,
        "a virtual printer: {printer}"
    );
    let tr = api
        .get(
            &format!(
                "/v1.0/print/printers/{}/taskTriggers/{}?$expand=definition",
                p.printer, p.trigger
            ),
            &p.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(tr["event"], "jobStarted", "{tr}");
    assert_eq!(tr["definition"]["id"], p.definition.as_str(), "{tr}");

    let client_state = format!("pull-{}", uuid());
    let mut rx = match discovery {
        Discovery::Webhook => Some(Receiver::start().await),
        Discovery::Polling => None,
    };
    let sub = match &rx {
        Some(rx) => Some(
            subscribe(&p, rx, &client_state).await["id"]
                .as_str()
                .expect("subscription id")
                .to_string(),
        ),
        None => None,
    };

    // The user submits, uploads and starts: the trigger holds the job.
    let alice = p.user("alice");
    let data = bytes(70_000, 1);
    let (job, doc) = p.uploaded(&alice, &data).await;
    let st = api
        .post_empty(&format!("{}/start", p.share_job(&job)), &alice.token)
        .await
        .expect_json(200);
    assert_eq!(st["state"], "paused", "{st}");
    assert_eq!(st["details"], json!(["releaseWait"]), "{st}");
    let mine = api.get(&p.share_job(&job), &alice.token).await.expect_json(200);
    assert_held(&mine);

    // The app learns of the task.
    let task_id = match (&mut rx, &sub) {
        (Some(rx), Some(sub)) => {
            let n = created_notification(rx, &p, sub, &client_state).await;
            n["resourceData"]["id"].as_str().unwrap().to_string()
        }
        _ => {
            let list = api.get(&p.tasks(), &p.app).await.expect_json(200);
            let tasks = list["value"].as_array().expect("value");
            assert_eq!(tasks.len(), 1, "{list}");
            tasks[0]["id"].as_str().unwrap().to_string()
        }
    };

    // The app reads the task …
    let job_url = p.abs(&p.job(&job));
    let task = p.task_as_app(&task_id).await;
    assert_eq!(task["id"], task_id.as_str(), "{task}");
    assert_task_state(&task, "processing");
    assert_eq!(
        task["parentUrl"],
        job_url.as_str(),
        "parentUrl is the absolute URL of the job: {task}"
    );
    let list = api.get(&p.tasks(), &p.app).await.expect_json(200);
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == task_id.as_str()),
        "{list}"
    );
    let expanded = api
        .get(
            &format!("{}?$expand=definition,trigger", p.task(&task_id)),
            &p.app,
        )
        .await
        .expect_json(200);
    assert_eq!(expanded["definition"]["id"], p.definition.as_str(), "{expanded}");
    assert_eq!(expanded["trigger"]["id"], p.trigger.as_str(), "{expanded}");
    for (nav, id) in [("definition", &p.definition), ("trigger", &p.trigger)] {
        let v = api
            .get(&format!("{}/{nav}", p.task(&task_id)), &p.app)
            .await
            .expect_json(200);
        assert_eq!(v["id"], id.as_str(), "{nav}: {v}");
    }

    // … and the job, through the printer, with its tasks.
    let j = p.job_as_app(&job).await;
    assert_held(&j);
    assert_eq!(j["createdBy"]["userPrincipalName"], alice.upn.as_str(), "{j}");
    let j = api
        .get(&format!("{}?$expand=tasks", p.job(&job)), &p.app)
        .await
        .expect_json(200);
    let tasks = j["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("$expand=tasks: {j}"));
    assert_eq!(tasks.len(), 1, "{j}");
    assert_eq!(tasks[0]["id"], task_id.as_str(), "{j}");
    assert_eq!(tasks[0]["parentUrl"], job_url.as_str(), "{j}");
    let listed = api
        .get(&format!("{}/tasks", p.job(&job)), &p.app)
        .await
        .expect_json(200);
    assert_eq!(listed["value"].as_array().unwrap().len(), 1, "{listed}");
    for (nav, id) in [("definition", &p.definition), ("trigger", &p.trigger)] {
        let v = api
            .get(&format!("{}/tasks/{task_id}/{nav}", p.job(&job)), &p.app)
            .await
            .expect_json(200);
        assert_eq!(v["id"], id.as_str(), "…/jobs/{{id}}/tasks/{{taskId}}/{nav}: {v}");
    }
    let one = api
        .get(&format!("{}/tasks/{task_id}", p.job(&job)), &p.app)
        .await
        .expect_json(200);
    assert_eq!(one["id"], task_id.as_str(), "{one}");
    assert_eq!(
        p.download(&p.job(&job)).await,
        data,
        "the app reads the held job's payload"
    );
    let d = api
        .get(&format!("{}/documents/{doc}", p.job(&job)), &p.app)
        .await
        .expect_json(200);
    assert_eq!(d["size"], data.len(), "{d}");

    match ending {
        Ending::Complete => {
            let t = p
                .complete(&p.app, &task_id, "Released at device 7")
                .await
                .expect_json(200);
            assert_task_state(&t, "completed");
            assert_eq!(t["status"]["description"], "Released at device 7", "{t}");
            let j = p.job_as_app(&job).await;
            assert_released(&j);
            assert_released(&api.get(&p.share_job(&job), &alice.token).await.expect_json(200));
            let t = p.task_as_app(&task_id).await;
            assert_task_state(&t, "completed");
            let list = api.get(&p.tasks(), &p.app).await.expect_json(200);
            let listed = list["value"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["id"] == task_id.as_str())
                .cloned();
            assert_task_state(
                &listed.unwrap_or_else(|| panic!("recently completed tasks stay listed: {list}")),
                "completed",
            );
            let j = api
                .get(&format!("{}?$expand=tasks", p.job(&job)), &p.app)
                .await
                .expect_json(200);
            assert_task_state(&j["tasks"][0], "completed");

            // A finished task does not move to another state; the same state again is a harmless repeat.
            p.api
                .patch(
                    &p.task(&task_id),
                    &p.app,
                    &json!({"status": {"state": "aborted"}}),
                )
                .await
                .expect_conflict();
            assert_task_state(
                &p.complete(&p.app, &task_id, "again").await.expect_json(200),
                "completed",
            );
            // Without a processing task the app may no longer act on the job.
            p.abort(&p.app, &job, "too late").await.expect_denied();
            p.redirect(&p.app, &job, &p.dest).await.expect_denied();
            assert_released(&p.job_as_app(&job).await);
        }
        Ending::Redirect => {
            let body = json!({"destinationPrinterId": p.dest, "configuration": {"copies": 2, "colorMode": "grayscale"}});
            let r = api
                .post(&format!("{}/redirect", p.job(&job)), &p.app, &body)
                .await;
            let new = r.expect_json(200);
            let new_id = new["id"].as_str().expect("the new job's id").to_string();
            assert_ne!(new_id, job, "redirect creates a new job");
            let ctx = new["@odata.context"].as_str().unwrap_or_default();
            assert!(
                ctx.ends_with(&format!("$metadata#print/printers('{}')/jobs/$entity", p.dest)),
                "@odata.context: {new}"
            );
            let new_path = format!("/v1.0/print/printers/{}/jobs/{new_id}", p.dest);
            assert_eq!(new["redirectedFrom"], job_url.as_str(), "{new}");
            assert_eq!(new["configuration"]["copies"], 2, "{new}");
            assert_released(&new);

            let src = p.job_as_app(&job).await;
            assert_eq!(
                src["status"]["state"], "completed",
                "the source job left its queue: {src}"
            );
            assert_eq!(src["redirectedTo"], p.abs(&new_path).as_str(), "{src}");
            assert_eq!(src["isFetchable"], false, "{src}");
            // The cross-links are followable URLs.
            let followed = api
                .get(src["redirectedTo"].as_str().unwrap(), &p.app)
                .await
                .expect_json(200);
            assert_eq!(followed["id"], new_id.as_str(), "{followed}");
            assert_eq!(followed["redirectedFrom"], job_url.as_str(), "{followed}");
            assert_eq!(followed["redirectedTo"], Value::Null, "{followed}");
            assert_eq!(
                followed["createdBy"]["userPrincipalName"],
                alice.upn.as_str(),
                "the new job is still the user's: {followed}"
            );
            assert_eq!(followed["configuration"]["colorMode"], "grayscale", "{followed}");
            let back = api
                .get(followed["redirectedFrom"].as_str().unwrap(), &p.app)
                .await
                .expect_json(200);
            assert_eq!(back["id"], job.as_str(), "{back}");
            // The new job has the same bytes; the source's task completed by itself.
            assert_eq!(
                p.download(&new_path).await,
                data,
                "the redirected job shares the document's bytes"
            );
            assert_task_state(&p.task_as_app(&task_id).await, "completed");
            assert_eq!(
                api.get(&format!("{new_path}/tasks"), &p.app)
                    .await
                    .expect_json(200)["value"],
                json!([]),
                "no trigger on the destination"
            );

            // The source is finished: every further action conflicts.
            p.redirect(&p.app, &job, &p.dest).await.expect_conflict();
            p.abort(&p.app, &job, "after redirect").await.expect_conflict();
            api.post_empty(&format!("{}/cancel", p.share_job(&job)), &alice.token)
                .await
                .expect_conflict();
            let again = p.job_as_app(&job).await;
            assert_eq!(again["status"]["state"], "completed", "{again}");
            assert_eq!(again["redirectedTo"], p.abs(&new_path).as_str(), "{again}");
        }
        Ending::Abort => {
            let reason = "Badge not presented within 24 hours";
            let r = p.abort(&p.app, &job, reason).await;
            r.expect(204);
            assert!(r.body.is_empty(), "204 has no body: {r:?}");
            let j = p.job_as_app(&job).await;
            assert_eq!(j["status"]["state"], "aborted", "{j}");
            assert!(
                j["status"]["description"]
                    .as_str()
                    .is_some_and(|d| d.contains(reason)),
                "the reason shows: {j}"
            );
            let mine = api.get(&p.share_job(&job), &alice.token).await.expect_json(200);
            assert_eq!(mine["status"]["state"], "aborted", "{mine}");
            assert!(
                mine["status"]["description"]
                    .as_str()
                    .is_some_and(|d| d.contains(reason)),
                "the user sees the reason: {mine}"
            );
            assert_task_state(&p.task_as_app(&task_id).await, "aborted");

            // A second abort is not an error (with or without a reason) and changes nothing.
            p.abort(&p.app, &job, "second reason").await.expect(204);
            api.post_empty(&format!("{}/abort", p.job(&job)), &p.app)
                .await
                .expect(204);
            let j = p.job_as_app(&job).await;
            assert_eq!(j["status"]["state"], "aborted", "{j}");
            assert!(
                j["status"]["description"]
                    .as_str()
                    .is_some_and(|d| d.contains(reason)),
                "the first reason stays: {j}"
            );
            // Nothing else moves an aborted job or its task.
            api.post_empty(&format!("{}/cancel", p.share_job(&job)), &alice.token)
                .await
                .expect_conflict();
            p.complete(&p.app, &task_id, "late").await.expect_conflict();
            p.redirect(&p.app, &job, &p.dest).await.expect_conflict();
            assert_task_state(&p.task_as_app(&task_id).await, "aborted");
        }
    }
}

// The story as the issue tells it: the app learns of its task from a `created` change notification delivered to
// a receiver the test runs (§3.6); one server-side run per ending.

#[tokio::test]
async fn story_task_completed_releases_the_job() {
    story(Ending::Complete, Discovery::Webhook).await;
}

#[tokio::test]
async fn story_redirect_moves_the_job_to_a_second_printer() {
    story(Ending::Redirect, Discovery::Webhook).await;
}

#[tokio::test]
async fn story_abort_with_a_reason() {
    story(Ending::Abort, Discovery::Webhook).await;
}

/// An app without a notification endpoint polls its definition's tasks instead.
#[tokio::test]
async fn story_by_polling_the_definitions_tasks() {
    for ending in [Ending::Complete, Ending::Redirect, Ending::Abort] {
        story(ending, Discovery::Polling).await;
    }
}

/// A receiver that does not echo the validation token gets no subscription; delegated tokens may not subscribe.
#[tokio::test]
async fn subscription_needs_a_validating_receiver_and_an_app_token() {
    let p = Pull::new(Api::shared(BIN)).await;
    let rx = Receiver::start().await;
    let body = |url: String| {
        json!({
            "changeType": "created",
            "resource": format!("print/taskDefinitions/{}/tasks", p.definition),
            "notificationUrl": url,
            "expirationDateTime": iso_in(60),
            "clientState": "s3cret",
        })
    };
    p.api
        .post(
            "/v1.0/subscriptions",
            &p.app,
            &body(format!("{}/refuse", rx.base)),
        )
        .await
        .expect_bad_request();
    p.api
        .post("/v1.0/subscriptions", &p.admin, &body(rx.url()))
        .await
        .expect_denied();
    // More than 4230 minutes ahead is beyond the print resources' maximum lifetime.
    let mut long = body(rx.url());
    long["expirationDateTime"] = json!(iso_in(4300));
    p.api
        .post("/v1.0/subscriptions", &p.app, &long)
        .await
        .expect_bad_request();
    p.api
        .post("/v1.0/subscriptions", &p.app, &body(rx.url()))
        .await
        .expect_json(201);
}

// ---------------------------------------------------------------------------------------------------------
// abort
// ---------------------------------------------------------------------------------------------------------

/// Each job permission an app may abort with, with no body, `{}`, and an empty JSON body.
#[tokio::test]
async fn abort_with_each_app_permission_and_body_form() {
    let p = Pull::new(Api::shared(BIN)).await;
    let alice = p.user("alice");
    for (i, role) in [
        "PrintJob.ReadWriteBasic.All",
        "PrintJob.Manage.All",
        "PrintJob.ReadWrite.All",
    ]
    .into_iter()
    .enumerate()
    {
        // Each job role with the printer permission the printer path also needs.
        let token = p.app_token(&p.app_id, &format!("{role} Printer.Read.All"));
        let h = p.held(&alice, &bytes(1000, i as u8)).await;
        let url = format!("{}/abort", p.job(&h.id));
        let r = match i {
            0 => p.api.post_empty(&url, &token).await,
            1 => p.api.post(&url, &token, &json!({})).await,
            _ => {
                p.api
                    .exec(
                        p.api
                            .authed(Method::POST, &url, &token)
                            .header("content-type", "application/json")
                            .body(Vec::new()),
                    )
                    .await
            }
        };
        r.expect(204);
        let j = p.job_as_app(&h.id).await;
        assert_eq!(j["status"]["state"], "aborted", "{role}: {j}");
        assert_task_state(&p.task_as_app(&h.task).await, "aborted");
    }
    // Through the share path too (the action is bound to the job type).
    let h = p.held(&alice, &bytes(1000, 9)).await;
    p.api
        .post(
            &format!("{}/abort", p.share_job(&h.id)),
            &p.app,
            &json!({"reason": "via share"}),
        )
        .await
        .expect(204);
    let j = p.job_as_app(&h.id).await;
    assert_eq!(j["status"]["state"], "aborted", "{j}");
    assert!(
        j["status"]["description"].as_str().unwrap().contains("via share"),
        "{j}"
    );
}

/// Abort needs an app token with a job permission and a processing task of the calling app's own trigger.
#[tokio::test]
async fn abort_refusals() {
    let p = Pull::new(Api::shared(BIN)).await;
    let alice = p.user("alice");
    let h = p.held(&alice, &bytes(2000, 3)).await;

    // Delegated tokens: abort is app-only (even for an administrator signed in to the task's app).
    p.abort(&p.admin, &h.id, "admin").await.expect_denied();
    p.abort(&alice.token, &h.id, "owner").await.expect_denied();
    // The task's app without any job permission.
    p.abort(
        &p.app_token(&p.app_id, "PrintTaskDefinition.ReadWrite.All Printer.Read.All"),
        &h.id,
        "no role",
    )
    .await
    .expect_denied();
    // Another app with every permission: it has no task on the job.
    let other = p.app_token(&uuid(), pull_support::APP_ROLES);
    p.abort(&other, &h.id, "not mine").await.expect_denied();
    // Malformed bodies.
    p.api
        .post(&format!("{}/abort", p.job(&h.id)), &p.app, &json!({"reason": 5}))
        .await
        .expect_bad_request();
    p.api
        .post(
            &format!("{}/abort", p.job(&h.id)),
            &p.app,
            &json!({"reason": "x", "force": true}),
        )
        .await
        .expect_bad_request();
    // Unknown job.
    p.abort(&p.app, "999999999", "nothing").await.expect_not_found();
    // None of that touched the job or its task.
    assert_held(&p.job_as_app(&h.id).await);
    assert_task_state(&p.task_as_app(&h.task).await, "processing");

    // A job without any task: uploaded but not started on the triggered printer …
    let (unstarted, _) = p.uploaded(&alice, &bytes(100, 4)).await;
    p.abort(&p.app, &unstarted, "not started").await.expect_denied();
    // … and a started job on a printer without trigger.
    let dest_share = p.share_printer(&p.dest, "No trigger").await;
    let jobs = format!("/v1.0/print/shares/{dest_share}/jobs");
    let v = p
        .api
        .post(&jobs, &alice.token, &json!({"configuration": {"copies": 1}}))
        .await
        .expect_json(201);
    let plain = v["id"].as_str().unwrap().to_string();
    let doc = v["documents"][0]["id"].as_str().unwrap();
    let s = p
        .api
        .post(
            &format!("{jobs}/{plain}/documents/{doc}/createUploadSession"),
            &alice.token,
            &json!({"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": 10}}),
        )
        .await
        .expect_json(200);
    p.api
        .put_all(s["uploadUrl"].as_str().unwrap(), &bytes(10, 5))
        .await
        .expect(201);
    let st = p
        .api
        .post_empty(&format!("{jobs}/{plain}/start"), &alice.token)
        .await
        .expect_json(200);
    assert_ne!(st["state"], "paused", "no trigger, no hold: {st}");
    let plain_path = format!("/v1.0/print/printers/{}/jobs/{plain}", p.dest);
    p.api
        .post(&format!("{plain_path}/abort"), &p.app, &json!({"reason": "x"}))
        .await
        .expect_denied();
    assert_eq!(
        p.api
            .get(&format!("{plain_path}/tasks"), &p.app)
            .await
            .expect_json(200)["value"],
        json!([])
    );

    // The task completed (job released): no processing task any more.
    p.complete(&p.app, &h.task, "done").await.expect(200);
    p.abort(&p.app, &h.id, "after release").await.expect_denied();
    assert_released(&p.job_as_app(&h.id).await);
}

/// A user's cancel of a held job wins; the app can no longer abort or redirect it, but may still close its task.
#[tokio::test]
async fn user_cancel_of_a_held_job() {
    let p = Pull::new(Api::shared(BIN)).await;
    let alice = p.user("alice");
    let h = p.held(&alice, &bytes(3000, 6)).await;
    p.api
        .post_empty(&format!("{}/cancel", p.share_job(&h.id)), &alice.token)
        .await
        .expect(204);
    let j = p.job_as_app(&h.id).await;
    assert_eq!(j["status"]["state"], "canceled", "{j}");
    p.api
        .post_empty(&format!("{}/cancel", p.share_job(&h.id)), &alice.token)
        .await
        .expect(204);

    p.abort(&p.app, &h.id, "after cancel").await.expect_conflict();
    p.redirect(&p.app, &h.id, &p.dest).await.expect_conflict();
    p.api
        .patch(&p.job(&h.id), &p.app, &json!({"configuration": {"copies": 2}}))
        .await
        .expect_conflict();
    // The app reports its task done; the job stays canceled.
    assert_task_state(
        &p.complete(&p.app, &h.task, "user canceled")
            .await
            .expect_json(200),
        "completed",
    );
    assert_eq!(p.job_as_app(&h.id).await["status"]["state"], "canceled");
    p.api
        .patch(&p.task(&h.task), &p.app, &json!({"status": {"state": "aborted"}}))
        .await
        .expect_conflict();
}

// ---------------------------------------------------------------------------------------------------------
// redirect
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn redirect_refusals_and_a_held_destination() {
    let p = Pull::new(Api::shared(BIN)).await;
    let alice = p.user("alice");
    let h = p.held(&alice, &bytes(5000, 7)).await;
    let url = format!("{}/redirect", p.job(&h.id));

    p.redirect(&p.app, &h.id, &uuid()).await.expect_bad_request();
    p.api.post(&url, &p.app, &json!({})).await.expect_bad_request();
    p.api
        .post(
            &url,
            &p.app,
            &json!({"destinationPrinterId": p.dest, "configuration": {"copies": "two"}}),
        )
        .await
        .expect_bad_request();
    // PrintJob.Manage.All is the only permission for redirect.
    p.redirect(
        &p.app_token(&p.app_id, "PrintJob.ReadWrite.All PrintJob.ReadWriteBasic.All"),
        &h.id,
        &p.dest,
    )
    .await
    .expect_denied();
    p.redirect(&p.app_token(&uuid(), pull_support::APP_ROLES), &h.id, &p.dest)
        .await
        .expect_denied();
    p.redirect(&p.admin, &h.id, &p.dest).await.expect_denied();
    assert_held(&p.job_as_app(&h.id).await);
    assert_task_state(&p.task_as_app(&h.task).await, "processing");

    // A destination with its own trigger holds the new job again, with a new task for the same definition.
    let third = p.virtual_printer("Floor 3 device").await;
    p.create_trigger(&p.admin, &third, &p.definition)
        .await
        .expect(201);
    let new = p.redirect(&p.app, &h.id, &third).await.expect_json(200);
    let new_id = new["id"].as_str().unwrap().to_string();
    let new_path = format!("/v1.0/print/printers/{third}/jobs/{new_id}");
    let got = p.api.get(&new_path, &p.app).await.expect_json(200);
    assert_held(&got);
    assert_eq!(got["redirectedFrom"], p.abs(&p.job(&h.id)).as_str(), "{got}");
    let tasks = p
        .api
        .get(&format!("{new_path}/tasks"), &p.app)
        .await
        .expect_json(200);
    let tasks = tasks["value"].as_array().unwrap().clone();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_task_state(&tasks[0], "processing");
    assert_eq!(tasks[0]["parentUrl"], p.abs(&new_path).as_str());
    assert_task_state(&p.task_as_app(&h.task).await, "completed");
    // Completing the new task releases the new job on its printer.
    p.complete(&p.app, tasks[0]["id"].as_str().unwrap(), "released on floor 3")
        .await
        .expect(200);
    assert_released(&p.api.get(&new_path, &p.app).await.expect_json(200));
    assert_eq!(p.download(&new_path).await, h.data);
}

// ---------------------------------------------------------------------------------------------------------
// app changes to a held job
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn app_changes_configuration_and_payload_of_a_held_job() {
    let p = Pull::new(Api::shared(BIN)).await;
    let alice = p.user("alice");
    let h = p.held(&alice, &bytes(4000, 8)).await;

    // Configuration (the only updatable field).
    let body = json!({"configuration": {"copies": 3, "colorMode": "grayscale"}});
    let v = p.api.patch(&p.job(&h.id), &p.app, &body).await.expect_json(200);
    assert_eq!(v["configuration"]["copies"], 3, "{v}");
    assert_eq!(v["configuration"]["colorMode"], "grayscale", "{v}");
    let j = p.job_as_app(&h.id).await;
    assert_held(&j);
    assert_eq!(j["configuration"]["copies"], 3, "stored: {j}");
    assert_eq!(j["configuration"]["colorMode"], "grayscale", "stored: {j}");
    p.api
        .patch(&p.job(&h.id), &p.app, &json!({"isFetchable": true}))
        .await
        .expect_bad_request();
    p.api.patch(&p.job(&h.id), &p.admin, &body).await.expect_denied();
    p.api
        .patch(
            &p.job(&h.id),
            &p.app_token(&uuid(), pull_support::APP_ROLES),
            &body,
        )
        .await
        .expect_denied();

    // A new payload: the app's upload session on the printer path replaces the bytes.
    let converted = bytes(6000, 77);
    let props = json!({"properties": {"documentName": "converted.pdf", "contentType": "application/pdf", "size": converted.len()}});
    let cus = format!("{}/documents/{}/createUploadSession", p.job(&h.id), h.doc);
    p.api
        .post(
            &format!("{}/documents/{}/createUploadSession", p.share_job(&h.id), h.doc),
            &p.app,
            &props,
        )
        .await
        .expect_denied();
    p.api
        .post(
            &cus,
            &p.app_token(&p.app_id, "PrintJob.Manage.All PrintTaskDefinition.ReadWrite.All"),
            &props,
        )
        .await
        .expect_denied();
    p.api
        .post(&cus, &p.app_token(&uuid(), pull_support::APP_ROLES), &props)
        .await
        .expect_denied();
    let s = p.api.post(&cus, &p.app, &props).await.expect_json(200);
    p.api
        .put_all(s["uploadUrl"].as_str().unwrap(), &converted)
        .await
        .expect(201);
    let j = p.job_as_app(&h.id).await;
    assert_held(&j);
    let d = p
        .api
        .get(&format!("{}/documents/{}", p.job(&h.id), h.doc), &p.app)
        .await
        .expect_json(200);
    assert_eq!(d["size"], converted.len(), "{d}");
    assert_eq!(d["displayName"], "converted.pdf", "{d}");
    assert_eq!(
        p.download(&p.job(&h.id)).await,
        converted,
        "$value shows the new bytes"
    );

    // Released: the job is fetchable and no longer modifiable.
    p.complete(&p.app, &h.task, "converted").await.expect(200);
    let j = p.job_as_app(&h.id).await;
    assert_released(&j);
    assert_eq!(j["configuration"]["copies"], 3, "{j}");
    p.api
        .patch(&p.job(&h.id), &p.app, &json!({"configuration": {"copies": 1}}))
        .await
        .expect_conflict();
    p.api.post(&cus, &p.app, &props).await.expect_conflict();
    assert_eq!(p.download(&p.job(&h.id)).await, converted);
}

// ---------------------------------------------------------------------------------------------------------
// definitions, tasks, triggers
// ---------------------------------------------------------------------------------------------------------

/// An app sees only its own definitions and tasks; another app's are 404 and absent from lists.
#[tokio::test]
async fn definitions_and_tasks_are_scoped_to_the_calling_app() {
    let p = Pull::new(Api::shared(BIN)).await;
    let alice = p.user("alice");
    let h = p.held(&alice, &bytes(1500, 10)).await;
    let b_id = uuid();
    let b = p.app_token(&b_id, pull_support::APP_ROLES);
    let b_def = p.create_definition(&b, "B's release").await;
    let second = p.create_definition(&p.app, "A's second").await;

    let ids = |v: Value| -> Vec<String> {
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    let mut a_list = ids(p
        .api
        .get("/v1.0/print/taskDefinitions", &p.app)
        .await
        .expect_json(200));
    a_list.sort();
    let mut want = vec![p.definition.clone(), second.clone()];
    want.sort();
    assert_eq!(a_list, want, "app A lists exactly its definitions");
    assert_eq!(
        ids(p
            .api
            .get("/v1.0/print/taskDefinitions", &b)
            .await
            .expect_json(200)),
        vec![b_def.clone()]
    );
    let bd = p
        .api
        .get(&format!("/v1.0/print/taskDefinitions/{b_def}"), &b)
        .await
        .expect_json(200);
    assert_eq!(bd["createdBy"]["appId"], b_id.as_str(), "{bd}");

    // B cannot reach A's definition, its tasks, or A's task through its own definition.
    p.api
        .get(&format!("/v1.0/print/taskDefinitions/{}", p.definition), &b)
        .await
        .expect_not_found();
    p.api.get(&p.tasks(), &b).await.expect_not_found();
    p.api.get(&p.task(&h.task), &b).await.expect_not_found();
    p.api
        .get(&format!("{}/definition", p.task(&h.task)), &b)
        .await
        .expect_not_found();
    p.api
        .get(
            &format!("/v1.0/print/taskDefinitions/{b_def}/tasks/{}", h.task),
            &b,
        )
        .await
        .expect_not_found();
    // Changing another app's task is forbidden (§2.1: PATCH printTask by the owning app only, else 403);
    // through B's own definition the task does not exist.
    p.complete(&b, &h.task, "stolen").await.expect_denied();
    p.api
        .patch(
            &format!("/v1.0/print/taskDefinitions/{b_def}/tasks/{}", h.task),
            &b,
            &json!({"status": {"state": "completed"}}),
        )
        .await
        .expect_not_found();
    p.api
        .patch(
            &format!("/v1.0/print/taskDefinitions/{}", p.definition),
            &b,
            &json!({"displayName": "mine"}),
        )
        .await
        .expect_not_found();
    p.api
        .delete(&format!("/v1.0/print/taskDefinitions/{}", p.definition), &b)
        .await
        .expect_not_found();
    // Through the job, B sees no task of A's.
    assert_eq!(
        p.api
            .get(&format!("{}/tasks", p.job(&h.id)), &b)
            .await
            .expect_json(200)["value"],
        json!([])
    );
    p.api
        .get(&format!("{}/tasks/{}", p.job(&h.id), h.task), &b)
        .await
        .expect_not_found();
    let j = p
        .api
        .get(&format!("{}?$expand=tasks", p.job(&h.id)), &b)
        .await
        .expect_json(200);
    assert_eq!(j["tasks"], json!([]), "{j}");
    // Definitions are app-only.
    p.api
        .get("/v1.0/print/taskDefinitions", &p.admin)
        .await
        .expect_denied();

    // A's own definition management: rename, delete a spare one.
    let v = p
        .api
        .patch(
            &format!("/v1.0/print/taskDefinitions/{second}"),
            &p.app,
            &json!({"displayName": "Renamed", "createdBy": {"displayName": "Station 2"}}),
        )
        .await
        .expect_json(200);
    assert_eq!(v["displayName"], "Renamed", "{v}");
    assert_eq!(v["createdBy"]["displayName"], "Station 2", "{v}");
    assert_eq!(
        v["createdBy"]["appId"],
        p.app_id.as_str(),
        "createdBy.appId does not change: {v}"
    );
    p.api
        .delete(&format!("/v1.0/print/taskDefinitions/{second}"), &p.app)
        .await
        .expect(204);
    p.api
        .get(&format!("/v1.0/print/taskDefinitions/{second}"), &p.app)
        .await
        .expect_not_found();

    assert_task_state(&p.task_as_app(&h.task).await, "processing");
    assert_held(&p.job_as_app(&h.id).await);
}

/// Triggers: delegated administrators signed in to the definition's app, one per printer.
#[tokio::test]
async fn trigger_creation_rules() {
    let p = Pull::new(Api::shared(BIN)).await;
    // One trigger per printer.
    p.create_trigger(&p.admin, &p.printer, &p.definition)
        .await
        .expect_conflict();

    let fresh = p.virtual_printer("Untriggered").await;
    let admin_oid = p.admin_oid.clone();
    let scopes = pull_support::ADMIN_SCOPES;
    // An administrator signed in to another app, or to none.
    p.create_trigger(
        &p.user_token(&admin_oid, scopes, true, Some(&uuid())),
        &fresh,
        &p.definition,
    )
    .await
    .expect_denied();
    p.create_trigger(
        &p.user_token(&admin_oid, scopes, true, None),
        &fresh,
        &p.definition,
    )
    .await
    .expect_denied();
    // The right app but not an administrator.
    p.create_trigger(
        &p.user_token(&uuid(), scopes, false, Some(&p.app_id)),
        &fresh,
        &p.definition,
    )
    .await
    .expect_denied();
    // An app token: triggers are delegated-only.
    p.create_trigger(&p.app, &fresh, &p.definition)
        .await
        .expect_denied();
    // An unknown definition; a bad event.
    p.create_trigger(&p.admin, &fresh, &uuid())
        .await
        .expect_bad_request();
    let bad = json!({"event": "jobFetched", "definition@odata.bind": format!("https://graph.microsoft.com/v1.0/print/taskDefinitions/{}", p.definition)});
    p.api
        .post(
            &format!("/v1.0/print/printers/{fresh}/taskTriggers"),
            &p.admin,
            &bad,
        )
        .await
        .expect_bad_request();
    let empty = p
        .api
        .get(&format!("/v1.0/print/printers/{fresh}/taskTriggers"), &p.admin)
        .await
        .expect_json(200);
    assert_eq!(
        empty["value"],
        json!([]),
        "refused creations left nothing: {empty}"
    );

    let t = p
        .create_trigger(&p.admin, &fresh, &p.definition)
        .await
        .expect_json(201);
    let tid = t["id"].as_str().unwrap().to_string();
    assert_eq!(t["event"], "jobStarted", "{t}");
    let listed = p
        .api
        .get(&format!("/v1.0/print/printers/{fresh}/taskTriggers"), &p.admin)
        .await
        .expect_json(200);
    assert_eq!(listed["value"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["value"][0]["id"], tid.as_str(), "{listed}");
    let got = p
        .api
        .get(
            &format!("/v1.0/print/printers/{fresh}/taskTriggers/{tid}"),
            &p.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(got["event"], "jobStarted", "{got}");
    let def = p
        .api
        .get(
            &format!("/v1.0/print/printers/{fresh}/taskTriggers/{tid}/definition"),
            &p.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(def["id"], p.definition.as_str(), "{def}");
    assert_eq!(def["createdBy"]["appId"], p.app_id.as_str(), "{def}");

    // Removing the trigger stops the holds: a job started afterwards goes straight to the queue.
    p.api
        .delete(
            &format!("/v1.0/print/printers/{fresh}/taskTriggers/{tid}"),
            &p.admin,
        )
        .await
        .expect(204);
    let share = p.share_printer(&fresh, "Untriggered").await;
    let alice = p.user("alice");
    let q = Pull {
        share,
        printer: fresh.clone(),
        ..p.clone()
    };
    let (job, _) = q.uploaded(&alice, &bytes(300, 11)).await;
    let st = p
        .api
        .post_empty(&format!("{}/start", q.share_job(&job)), &alice.token)
        .await
        .expect_json(200);
    assert_ne!(st["state"], "paused", "{st}");
    assert_released(&q.job_as_app(&job).await);
    assert_eq!(
        p.api
            .get(&format!("{}/tasks", q.job(&job)), &p.app)
            .await
            .expect_json(200)["value"],
        json!([])
    );
}

/// `$top`, `$select`, `$count`, `$skip`, `$search` are refused on definition, task and trigger collections (their
/// `/$count` segments answer).
#[tokio::test]
async fn unsupported_query_options_on_pull_collections() {
    let p = Pull::new(Api::shared(BIN)).await;
    let alice = p.user("alice");
    p.held(&alice, &bytes(100, 12)).await;
    let triggers = format!("/v1.0/print/printers/{}/taskTriggers", p.printer);
    let lists = [
        ("/v1.0/print/taskDefinitions".to_string(), &p.app),
        (p.tasks(), &p.app),
        (triggers, &p.admin),
    ];
    for (list, token) in lists {
        let base = p.api.get(&list, token).await.expect_json(200);
        assert!(!base["value"].as_array().unwrap().is_empty(), "{list}: {base}");
        for option in [
            "$top=1",
            "$select=id",
            "$count=true",
            "$skip=1",
            "$search=%22x%22",
        ] {
            p.api
                .get(&format!("{list}?{option}"), token)
                .await
                .expect_bad_request();
        }
        // The `/$count` segment answers, with the number the list shows.
        let count = p.api.get(&format!("{list}/$count"), token).await;
        count.expect(200);
        let listed = base["value"].as_array().unwrap().len();
        assert_eq!(count.text(), listed.to_string(), "{list}/$count");
    }
}

/// The task PATCH: owner app only, a known state, finished tasks do not move.
#[tokio::test]
async fn task_patch_rules() {
    let p = Pull::new(Api::shared(BIN)).await;
    let alice = p.user("alice");
    let h = p.held(&alice, &bytes(100, 13)).await;
    p.complete(&p.admin, &h.task, "delegated").await.expect_denied();
    p.complete(
        &p.app_token(&p.app_id, "PrintJob.Manage.All"),
        &h.task,
        "no definition role",
    )
    .await
    .expect_denied();
    p.api
        .patch(
            &p.task(&h.task),
            &p.app,
            &json!({"status": {"state": "finished"}}),
        )
        .await
        .expect_bad_request();
    p.api
        .patch(&p.task(&h.task), &p.app, &json!({"parentUrl": "x"}))
        .await
        .expect_bad_request();
    assert_held(&p.job_as_app(&h.id).await);

    // Aborting through the task aborts the job.
    let t = p
        .api
        .patch(
            &p.task(&h.task),
            &p.app,
            &json!({"status": {"state": "aborted", "description": "Quota exceeded"}}),
        )
        .await
        .expect_json(200);
    assert_task_state(&t, "aborted");
    let j = p.job_as_app(&h.id).await;
    assert_eq!(j["status"]["state"], "aborted", "{j}");
    assert!(
        j["status"]["description"]
            .as_str()
            .unwrap()
            .contains("Quota exceeded"),
        "{j}"
    );
    p.complete(&p.app, &h.task, "too late").await.expect_conflict();
    assert_task_state(
        &p.api
            .patch(&p.task(&h.task), &p.app, &json!({"status": {"state": "aborted"}}))
            .await
            .expect_json(200),
        "aborted",
    );
}

// ---------------------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------------------

/// One request of a race and its answer.
#[derive(Debug)]
struct Call {
    op: Op,
    status: u16,
    body: Value,
}

/// Holds `patterns.len() * rounds` jobs, fires every job's pattern of requests at once from several clients,
/// and checks each job against [`model::explain`] and the redirect bookkeeping. Returns the failures.
async fn race(patterns: &[&[Op]], rounds: usize) -> Vec<String> {
    let api = Api::shared(BIN);
    let p = Pull::new(api.clone()).await;
    let alice = p.user("alice");
    let n = patterns.len() * rounds;
    let mut held: Vec<Held> = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(6) {
        let made = futures::future::join_all(chunk.iter().map(|&i| {
            let (p, alice) = (&p, &alice);
            async move { p.held(alice, &bytes(512 + i, i as u8)).await }
        }))
        .await;
        held.extend(made);
    }

    // Several clients (own connection pools): two for the user, three for the app.
    let users = [api.fresh(), api.fresh()];
    let apps = [api.fresh(), api.fresh(), api.fresh()];
    let (go, _) = tokio::sync::watch::channel(false);
    let mut handles = Vec::new();
    for (i, h) in held.iter().enumerate() {
        let pattern = patterns[i % patterns.len()];
        let mut ops: Vec<Op> = pattern.to_vec();
        let shift = i % ops.len();
        ops.rotate_left(shift);
        for (k, op) in ops.into_iter().enumerate() {
            let client = match op {
                Op::Cancel => users[k % users.len()].clone(),
                _ => apps[(i + k) % apps.len()].clone(),
            };
            let q = Pull {
                api: client,
                ..p.clone()
            };
            let (job, task, user) = (h.id.clone(), h.task.clone(), alice.token.clone());
            let mut rx = go.subscribe();
            handles.push(tokio::spawn(async move {
                rx.wait_for(|g| *g).await.expect("go");
                let r: Resp = match op {
                    Op::Cancel => {
                        q.api
                            .post_empty(&format!("{}/cancel", q.share_job(&job)), &user)
                            .await
                    }
                    Op::Abort => q.abort(&q.app, &job, &format!("race abort {job}")).await,
                    Op::Complete => q.complete(&q.app, &task, "race complete").await,
                    Op::Redirect => q.redirect(&q.app, &job, &q.dest).await,
                };
                let body = if r.body.is_empty() { Value::Null } else { r.json() };
                (
                    i,
                    Call {
                        op,
                        status: r.status,
                        body,
                    },
                )
            }));
        }
    }
    go.send_replace(true);
    let mut calls: Vec<Vec<Call>> = (0..n).map(|_| Vec::new()).collect();
    for h in handles {
        let (i, call) = h.await.expect("request task");
        calls[i].push(call);
    }

    let mut failures = Vec::new();
    let mut redirected = 0usize;
    for (i, h) in held.iter().enumerate() {
        let job = p.job_as_app(&h.id).await;
        let task = p.task_as_app(&h.task).await;
        let state = job["status"]["state"].as_str().unwrap_or_default();
        let phase = match (state, job["redirectedTo"].is_string()) {
            ("paused", false) => Phase::Held,
            ("pending", false) => Phase::Released,
            ("canceled", false) => Phase::Canceled,
            ("aborted", false) => Phase::Aborted,
            ("completed", true) => Phase::Redirected,
            _ => {
                failures.push(format!("job {}: impossible final state {job}", h.id));
                continue;
            }
        };
        let task_state = match task["status"]["state"].as_str() {
            Some("processing") => Task::Processing,
            Some("completed") => Task::Completed,
            Some("aborted") => Task::Aborted,
            _ => {
                failures.push(format!("job {}: task {task}", h.id));
                continue;
            }
        };
        let end = model::State {
            phase,
            task: task_state,
        };
        let observed: Vec<(Op, u16)> = calls[i].iter().map(|c| (c.op, c.status)).collect();
        let summary = format!("job {} calls {observed:?} ended {end:?}", h.id);
        if model::explain(&observed, end).is_none() {
            failures.push(format!(
                "{summary}: no sequential order of these requests gives these answers and this end"
            ));
        }
        // Answers carry the right bodies.
        for c in &calls[i] {
            let ok = match (c.op, c.status) {
                (Op::Cancel | Op::Abort, 204) => c.body.is_null(),
                (Op::Complete, 200) => c.body["id"] == h.task.as_str(),
                (Op::Redirect, 200) => c.body["redirectedFrom"] == p.abs(&p.job(&h.id)).as_str(),
                (_, 400..=499) => c.body["error"]["code"].is_string(),
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "{summary}: {:?} answered {} with {}",
                    c.op, c.status, c.body
                ));
            }
        }
        if phase == Phase::Aborted
            && !job["status"]["description"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("race abort {}", h.id))
        {
            failures.push(format!("{summary}: the abort reason is missing: {job}"));
        }
        // Exactly one redirect succeeded for a redirected job, and its answer is the job redirectedTo names.
        let wins: Vec<&Call> = calls[i]
            .iter()
            .filter(|c| c.op == Op::Redirect && c.status == 200)
            .collect();
        if phase == Phase::Redirected {
            redirected += 1;
            let to = job["redirectedTo"].as_str().unwrap();
            match wins.as_slice() {
                [w] if last_segment(to) == w.body["id"].as_str().unwrap_or_default() => {
                    let new = api.get(to, &p.app).await.expect_json(200);
                    if new["redirectedFrom"] != p.abs(&p.job(&h.id)).as_str() {
                        failures.push(format!("{summary}: the new job does not link back: {new}"));
                    }
                }
                _ => failures.push(format!(
                    "{summary}: redirectedTo {to} but successful redirects {wins:?}"
                )),
            }
        }
    }
    // No job appeared on the destination beyond one per redirected source.
    let mut on_dest = 0usize;
    let mut next = Some(format!("/v1.0/print/printers/{}/jobs", p.dest));
    while let Some(url) = next {
        let page = api.get(&url, &p.admin).await.expect_json(200);
        on_dest += page["value"].as_array().unwrap().len();
        next = page["@odata.nextLink"].as_str().map(str::to_string);
    }
    if on_dest != redirected {
        failures.push(format!(
            "{on_dest} jobs on the destination printer for {redirected} redirected jobs"
        ));
    }
    failures
}

/// User cancels, app aborts and redirects on the same held jobs at once (cancels and redirects also twice).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cancel_abort_redirect() {
    use Op::*;
    let patterns: &[&[Op]] = &[
        &[Cancel, Abort, Redirect],
        &[Cancel, Abort, Redirect, Cancel, Redirect],
        &[Abort, Redirect, Redirect],
        &[Cancel, Abort],
        &[Cancel, Redirect],
        &[Redirect, Redirect, Redirect],
        &[Cancel, Cancel, Abort],
        &[Cancel, Cancel, Redirect],
    ];
    let failures = race(patterns, 4).await;
    assert!(
        failures.is_empty(),
        "{} inconsistent jobs:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The same abort sent several times at once (an SDK retry while the first is in flight): all 204.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_repeated_aborts() {
    use Op::*;
    let patterns: &[&[Op]] = &[
        &[Abort, Abort, Abort],
        &[Abort, Abort, Cancel],
        &[Abort, Abort, Redirect],
    ];
    let failures = race(patterns, 8).await;
    assert!(
        failures.is_empty(),
        "{} inconsistent jobs:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Abort and the task's completion at once: exactly one wins; the task ends in the winner's state.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_abort_and_complete() {
    use Op::*;
    let failures = race(&[&[Abort, Complete], &[Complete, Abort]], 12).await;
    assert!(
        failures.is_empty(),
        "{} inconsistent jobs:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The task's completion racing with a cancel, a redirect, or the same PATCH: 200 whenever the same PATCH
/// sent a moment later would get 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_complete_with_cancel_redirect_or_repeat() {
    use Op::*;
    let failures = race(
        &[&[Complete, Cancel], &[Complete, Redirect], &[Complete, Complete]],
        8,
    )
    .await;
    assert!(
        failures.is_empty(),
        "{} inconsistent jobs:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Everything at once, so released jobs are possible as well: cancel, abort, task PATCH completed, redirect.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cancel_abort_complete_redirect() {
    use Op::*;
    let patterns: &[&[Op]] = &[
        &[Cancel, Abort, Complete, Redirect],
        // One abort per job: repeated aborts have their own test (concurrent_repeated_aborts).
        &[Cancel, Abort, Complete, Redirect, Cancel, Complete, Redirect],
        &[Abort, Complete, Redirect],
        &[Abort, Complete],
        &[Complete, Redirect],
        &[Cancel, Complete],
        &[Complete, Complete, Abort],
        &[Complete, Complete],
        &[Abort, Redirect, Complete, Complete],
        &[Cancel, Abort, Redirect],
        &[Complete, Redirect, Redirect],
    ];
    let failures = race(patterns, 3).await;
    assert!(
        failures.is_empty(),
        "{} inconsistent jobs:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- Configuring a virtual printer with an IPP body (flow 3.2 step 3) ----------------------------------------

/// RFC 8010 encoding of one attribute (first value) and its additional values, written here independently
/// of the server's IPP code.
fn ipp_attr(out: &mut Vec<u8>, tag: u8, name: &str, values: &[&[u8]]) {
    for (i, v) in values.iter().enumerate() {
        out.push(tag);
        let n: &[u8] = if i == 0 { name.as_bytes() } else { b"" };
        out.extend_from_slice(&(n.len() as u16).to_be_bytes());
        out.extend_from_slice(n);
        out.extend_from_slice(&(v.len() as u16).to_be_bytes());
        out.extend_from_slice(v);
    }
}

/// A printer-attributes group as a pull-print app would send it for its queue.
fn queue_attributes() -> Vec<u8> {
    const KEYWORD: u8 = 0x44;
    const MIME: u8 = 0x49;
    const TEXT: u8 = 0x41;
    const INTEGER: u8 = 0x21;
    const ENUM: u8 = 0x23;
    const BOOLEAN: u8 = 0x22;
    let mut g = vec![0x04];
    ipp_attr(
        &mut g,
        MIME,
        "document-format-supported",
        &[b"application/pdf", b"image/pwg-raster"],
    );
    ipp_attr(&mut g, MIME, "document-format-default", &[b"application/pdf"]);
    ipp_attr(
        &mut g,
        KEYWORD,
        "print-color-mode-supported",
        &[b"color", b"monochrome"],
    );
    ipp_attr(&mut g, KEYWORD, "print-color-mode-default", &[b"monochrome"]);
    ipp_attr(&mut g, INTEGER, "copies-default", &[&2i32.to_be_bytes()]);
    ipp_attr(
        &mut g,
        TEXT,
        "printer-make-and-model",
        &[b"Contoso SecureRelease 9000"],
    );
    ipp_attr(&mut g, ENUM, "printer-state", &[&5i32.to_be_bytes()]);
    ipp_attr(&mut g, BOOLEAN, "printer-is-accepting-jobs", &[&[0]]);
    g.push(0x03);
    g
}

async fn patch_ipp(p: &Pull, printer: &str, token: &str, body: Vec<u8>) -> Resp {
    let rb = p
        .api
        .authed(Method::PATCH, &format!("/v1.0/print/printers/{printer}"), token)
        .header("content-type", "application/ipp")
        .body(body);
    p.api.exec(rb).await
}

#[tokio::test]
async fn an_app_configures_its_virtual_printer_with_an_ipp_body() {
    let p = Pull::new(Api::shared(BIN)).await;
    let app = p.app_token(&p.app_id, "Printer.ReadWrite.All");
    // A JSON default set before stays unless the IPP body supplies that default.
    p.api
        .patch(
            &format!("/v1.0/print/printers/{}", p.printer),
            &app,
            &json!({"defaults": {"mediaSize": "A4", "copiesPerJob": 1}}),
        )
        .await
        .expect(200);

    let r = patch_ipp(&p, &p.printer, &app, queue_attributes()).await;
    r.expect(204);
    assert!(r.body.is_empty(), "{r:?}");
    let v = p
        .api
        .get(
            &format!(
                "/v1.0/print/printers/{}?$select=capabilities,defaults,status,isAcceptingJobs,manufacturer,model",
                p.printer
            ),
            &app,
        )
        .await
        .expect_json(200);
    assert_eq!(
        v["capabilities"]["contentTypes"],
        json!(["application/pdf", "image/pwg-raster"]),
        "{v}"
    );
    assert_eq!(
        v["capabilities"]["colorModes"],
        json!(["color", "blackAndWhite"]),
        "{v}"
    );
    assert_eq!(v["defaults"]["colorMode"], "blackAndWhite", "{v}");
    assert_eq!(v["defaults"]["copiesPerJob"], 2, "{v}");
    assert_eq!(v["defaults"]["contentType"], "application/pdf", "{v}");
    assert_eq!(v["defaults"]["mediaSize"], "A4", "kept from the JSON PATCH: {v}");
    assert_eq!(v["status"]["state"], "stopped", "{v}");
    assert_eq!(v["isAcceptingJobs"], false, "{v}");
    assert_eq!(v["manufacturer"], "Contoso", "{v}");
    assert_eq!(v["model"], "Contoso SecureRelease 9000", "{v}");

    // The whole-message form (version, operation, request id, then the group) is accepted too, and a later
    // body replaces only what it supplies.
    let mut message = vec![2, 0, 0, 0, 0, 0, 0, 7, 0x01];
    ipp_attr(&mut message, 0x47, "attributes-charset", &[b"utf-8"]);
    ipp_attr(&mut message, 0x48, "attributes-natural-language", &[b"en"]);
    message.push(0x04);
    ipp_attr(&mut message, 0x23, "printer-state", &[&3i32.to_be_bytes()]);
    ipp_attr(&mut message, 0x22, "printer-is-accepting-jobs", &[&[1]]);
    message.push(0x03);
    patch_ipp(&p, &p.printer, &app, message).await.expect(204);
    let v = p
        .api
        .get(
            &format!(
                "/v1.0/print/printers/{}?$select=capabilities,status,isAcceptingJobs",
                p.printer
            ),
            &app,
        )
        .await
        .expect_json(200);
    assert_eq!(v["status"]["state"], "idle", "{v}");
    assert_eq!(v["isAcceptingJobs"], true, "{v}");
    assert_eq!(
        v["capabilities"]["contentTypes"],
        json!(["application/pdf", "image/pwg-raster"]),
        "earlier attributes kept: {v}"
    );
}

#[tokio::test]
async fn ipp_bodies_are_refused_where_the_spec_refuses_them() {
    let p = Pull::new(Api::shared(BIN)).await;
    let app = p.app_token(&p.app_id, "Printer.ReadWrite.All");
    // Operation attributes beyond the charset and language are not allowed.
    let mut with_operation = vec![2, 0, 0, 0x0b, 0, 0, 0, 1, 0x01];
    ipp_attr(
        &mut with_operation,
        0x45,
        "printer-uri",
        &[b"ipp://example/ipp/print"],
    );
    with_operation.push(0x04);
    ipp_attr(&mut with_operation, 0x23, "printer-state", &[&3i32.to_be_bytes()]);
    with_operation.push(0x03);
    patch_ipp(&p, &p.printer, &app, with_operation)
        .await
        .expect_bad_request();
    // Not IPP, empty, or no printer attributes at all.
    patch_ipp(&p, &p.printer, &app, b"{\"displayName\":\"x\"}".to_vec())
        .await
        .expect_bad_request();
    patch_ipp(&p, &p.printer, &app, Vec::new())
        .await
        .expect_bad_request();
    patch_ipp(&p, &p.printer, &app, vec![0x04, 0x03])
        .await
        .expect_bad_request();
    // Another app may not configure this app's printer; a delegated token gets JSON only.
    let other = p.app_token(&uuid(), "Printer.ReadWrite.All");
    patch_ipp(&p, &p.printer, &other, queue_attributes())
        .await
        .expect_denied();
    patch_ipp(&p, &p.printer, &p.admin, queue_attributes())
        .await
        .expect_code(415, "UnsupportedMediaType");
    // Without Printer.ReadWrite.All: refused before the body is read.
    patch_ipp(&p, &p.printer, &p.app, queue_attributes())
        .await
        .expect_denied();
    // Nothing of the refused bodies was stored.
    let v = printer_status(&p, &app).await;
    assert_ne!(v["status"]["state"], "stopped", "{v}");
}

/// Issue 9 item 9: malformed IPP bodies, the textWithLanguage whose inner length overruns its value first
/// (it used to panic the parser and answer 500), are a 400 that stores nothing, and the server keeps serving.
#[tokio::test]
async fn malformed_ipp_bodies_are_a_400_and_the_server_keeps_serving() {
    let p = Pull::new(Api::shared(BIN)).await;
    let app = p.app_token(&p.app_id, "Printer.ReadWrite.All");
    let mut overrun = vec![0x04];
    ipp_attr(
        &mut overrun,
        0x35,
        "printer-info",
        &[&[0x00, 0x02, b'e', b'n', 0x00, 0xff, b'x']],
    );
    ipp_attr(&mut overrun, 0x23, "printer-state", &[&5i32.to_be_bytes()]);
    overrun.push(0x03);
    let mut whole = vec![2, 0, 0, 0, 0, 0, 0, 3];
    whole.extend_from_slice(&overrun);
    // An unterminated collection, an integer of three bytes, a memberAttrName outside a collection, and the
    // valid body cut short.
    let mut collection = vec![0x04];
    ipp_attr(&mut collection, 0x34, "media-col-default", &[b""]);
    ipp_attr(&mut collection, 0x4a, "", &[b"media-size"]);
    collection.push(0x03);
    let mut short_integer = vec![0x04];
    ipp_attr(&mut short_integer, 0x21, "copies-default", &[&[0, 0, 2]]);
    let mut member = vec![0x04];
    ipp_attr(&mut member, 0x4a, "media-col", &[b"media-size"]);
    let valid = queue_attributes();
    // Cut inside the last value's length field (the body ends: tag, name, length, 1-byte boolean, 0x03).
    let cut = valid[..valid.len() - 3].to_vec();
    for body in [overrun, whole, collection, short_integer, member, cut] {
        patch_ipp(&p, &p.printer, &app, body).await.expect_bad_request();
    }
    let v = printer_status(&p, &app).await;
    assert_ne!(v["status"]["state"], "stopped", "nothing was stored: {v}");
    // Still serving: a well-formed body is applied.
    patch_ipp(&p, &p.printer, &app, valid).await.expect(204);
    let v = printer_status(&p, &app).await;
    assert_eq!(v["status"]["state"], "stopped", "{v}");
}

/// The virtual printer's `status`, read by `token`.
async fn printer_status(p: &Pull, token: &str) -> Value {
    p.api
        .get(
            &format!("/v1.0/print/printers/{}?$select=status", p.printer),
            token,
        )
        .await
        .expect_json(200)
}
