//! Secure release (`/platen/secure-release/…`): a printer that holds its jobs through Platen's built-in task
//! definition and trigger, so held jobs are Graph-visible exactly as a third-party release app's (`paused` with
//! `releaseWait`, a processing task of the "Secure release" definition); the owner releases to the printer (the
//! device can then claim the job over INFRA) or to another share's printer (a redirect); nobody else releases;
//! a job nobody releases is aborted with a reason when its hold expires.

use crate::common::*;
use platen_testkit::infra::{COMPLETED, Device};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DEVICE: &str = "urn:uuid:6e1f0000-0000-4000-8000-0000000000b2";

/// A tenant with a device printer switched to secure release, shared with everyone.
struct Site {
    t: Tenant,
    printer: String,
    share: String,
    device: Device,
    http: reqwest::Client,
}

impl Site {
    async fn on(t: Tenant) -> Site {
        let (printer, share, device, http) = t.device_printer("Secure").await;
        let path = format!("/platen/secure-release/printers/{printer}");
        assert_eq!(
            t.api.get(&path, &t.admin).await.expect_json(200),
            json!({"printerId": printer, "enabled": false})
        );
        let on = t
            .api
            .put(&path, &t.admin, &json!({"enabled": true}))
            .await
            .expect_json(200);
        assert_eq!(on["enabled"], true, "{on}");
        assert_eq!(t.api.get(&path, &t.admin).await.expect_json(200)["enabled"], true);
        Site {
            t,
            printer,
            share,
            device,
            http,
        }
    }

    async fn held_job(&self, user: &User) -> Job {
        let job = self.t.uploaded_job(&self.share, &user.token, &bytes(3000)).await;
        let started = self
            .t
            .api
            .post_empty(&job.action("start"), &user.token)
            .await
            .expect_json(200);
        assert_eq!(started["state"], "paused", "{started}");
        assert_eq!(started["details"], json!(["releaseWait"]), "{started}");
        job
    }

    async fn claim(&self, job: &Job) -> u16 {
        let base = &self.t.srv().base;
        self.device
            .acknowledge(&self.http, base, job.id.parse().unwrap(), DEVICE)
            .await
    }

    fn release_path(job: &Job) -> String {
        format!("/platen/secure-release/jobs/{}/release", job.id)
    }
}

#[tokio::test]
async fn held_jobs_are_graph_visible_and_print_only_when_their_owner_releases_them() {
    let s = Site::on(Tenant::new()).await;
    let alice = s.t.user("alice");
    let bob = s.t.user("bob");
    let job = s.held_job(&alice).await;

    // Graph shows the job held by a processing task of the built-in definition, as any pull-print app's.
    let tasks =
        s.t.api
            .get(
                &format!("/v1.0/print/printers/{}/jobs/{}/tasks", s.printer, job.id),
                &s.t.admin,
            )
            .await
            .expect_json(200);
    let task = &tasks["value"][0];
    assert_eq!(task["status"]["state"], "processing", "{tasks}");
    let trigger =
        s.t.api
            .get(
                &format!("/v1.0/print/printers/{}/taskTriggers", s.printer),
                &s.t.admin,
            )
            .await
            .expect_json(200);
    assert_eq!(trigger["value"][0]["event"], "jobStarted", "{trigger}");
    let definition =
        s.t.api
            .get(
                &format!(
                    "/v1.0/print/printers/{}/taskTriggers/{}/definition",
                    s.printer,
                    trigger["value"][0]["id"].as_str().unwrap()
                ),
                &s.t.admin,
            )
            .await
            .expect_json(200);
    assert_eq!(definition["displayName"], "Secure release", "{definition}");
    assert_eq!(
        definition["createdBy"]["appId"], "0be6e5a1-7e1f-4c1d-9a55-706c6174656e",
        "{definition}"
    );

    // The device cannot claim it yet; another user cannot release it.
    assert_ne!(s.claim(&job).await, 0, "a held job is not fetchable");
    s.t.api
        .post_empty(&Site::release_path(&job), &bob.token)
        .await
        .expect_not_found();

    // Alice releases it here: the task completes, the job is queued, the device claims and prints it.
    let released =
        s.t.api
            .post_empty(&Site::release_path(&job), &alice.token)
            .await
            .expect_json(200);
    assert_eq!(released["id"], job.id.as_str(), "{released}");
    assert_eq!(released["state"], "pending", "{released}");
    let again = s.t.api.post_empty(&Site::release_path(&job), &alice.token).await;
    again.expect_code(409, "notAllowed");
    let tasks =
        s.t.api
            .get(
                &format!("/v1.0/print/printers/{}/jobs/{}/tasks", s.printer, job.id),
                &s.t.admin,
            )
            .await
            .expect_json(200);
    assert_eq!(tasks["value"][0]["status"]["state"], "completed", "{tasks}");
    assert_eq!(s.claim(&job).await, 0, "a released job is fetchable");
    let base = &s.t.srv().base;
    let done = s
        .device
        .update_job_status(&s.http, base, job.id.parse().unwrap(), COMPLETED, vec![])
        .await;
    assert_eq!(done, 0);
    let read = s.t.api.get(&job.path(), &alice.token).await.expect_json(200);
    assert_eq!(read["status"]["state"], "completed", "{read}");

    // Switched off: the next job prints at once.
    s.t.api
        .put(
            &format!("/platen/secure-release/printers/{}", s.printer),
            &s.t.admin,
            &json!({"enabled": false}),
        )
        .await
        .expect_json(200);
    let direct = s.t.uploaded_job(&s.share, &alice.token, &bytes(100)).await;
    let started =
        s.t.api
            .post_empty(&direct.action("start"), &alice.token)
            .await
            .expect_json(200);
    assert_eq!(started["state"], "pending", "{started}");
}

#[tokio::test]
async fn a_held_job_released_to_another_share_prints_there() {
    let s = Site::on(Tenant::new()).await;
    let alice = s.t.user("alice");
    let job = s.held_job(&alice).await;
    let (other_printer, other_share) = s.t.open_share("Next floor").await;
    let released =
        s.t.api
            .post(
                &Site::release_path(&job),
                &alice.token,
                &json!({"shareId": other_share}),
            )
            .await
            .expect_json(200);
    assert_eq!(released["printerId"], other_printer.as_str(), "{released}");
    assert_ne!(released["id"], job.id.as_str(), "{released}");
    assert_eq!(released["state"], "pending", "{released}");
    let source = s.t.api.get(&job.path(), &alice.token).await.expect_json(200);
    assert!(
        source["redirectedTo"]
            .as_str()
            .is_some_and(|to| to.contains(&other_printer)),
        "{source}"
    );
    // A share the user may not print to is refused, and so is releasing a job that is not held.
    let private_printer = s.t.printer("Private").await;
    let private: Value = s
        .t
        .api
        .post(
            "/v1.0/print/shares",
            &s.t.admin,
            &json!({"displayName": "Private",
                    "printer@odata.bind": format!("{}/v1.0/print/printers/{private_printer}", s.t.srv().base)}),
        )
        .await
        .expect_json(201);
    let second = s.held_job(&alice).await;
    let refused =
        s.t.api
            .post(
                &Site::release_path(&second),
                &alice.token,
                &json!({"shareId": private["id"]}),
            )
            .await;
    assert!(matches!(refused.status, 403 | 404), "{refused:?}");
    s.t.api
        .post(&Site::release_path(&job), &alice.token, &json!({}))
        .await
        .expect_code(409, "notAllowed");
    s.t.api
        .post(&Site::release_path(&second), &alice.token, &json!({"share": "x"}))
        .await
        .expect_bad_request();
}

#[tokio::test]
async fn a_job_nobody_releases_is_aborted_with_a_reason_when_its_hold_expires() {
    let srv = Server::start_with_env(
        BIN,
        &[
            ("PLATEN_SECURE_RELEASE__EXPIRE_AFTER", "2s"),
            ("PLATEN_SECURE_RELEASE__CHECK_INTERVAL", "1s"),
        ],
    );
    let s = Site::on(Tenant::on(Api::on(Arc::new(srv)))).await;
    let alice = s.t.user("alice");
    let job = s.held_job(&alice).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let read = loop {
        let read = s.t.api.get(&job.path(), &alice.token).await.expect_json(200);
        if read["status"]["state"] == "aborted" {
            break read;
        }
        assert!(Instant::now() < deadline, "the hold did not expire: {read}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(
        read["status"]["description"],
        "The job was aborted. Reason: Not released within 2 seconds: secure release aborted the job.",
        "{read}"
    );
    s.t.api
        .post_empty(&Site::release_path(&job), &alice.token)
        .await
        .expect_code(409, "notAllowed");
}

#[tokio::test]
async fn secure_release_is_administered_by_printer_administrators_only() {
    let t = Tenant::new();
    let printer = t.printer("P").await;
    let user = t.user("ada");
    let path = format!("/platen/secure-release/printers/{printer}");
    t.api.get(&path, &user.token).await.expect_denied();
    t.api
        .put(&path, &user.token, &json!({"enabled": true}))
        .await
        .expect_denied();
    for bad in [
        json!({}),
        json!({"enabled": "yes"}),
        json!({"enabled": true, "x": 1}),
    ] {
        t.api.put(&path, &t.admin, &bad).await.expect_bad_request();
    }
    t.api
        .get("/platen/secure-release/printers/no-such-printer", &t.admin)
        .await
        .expect_not_found();
    t.api
        .post_empty("/platen/secure-release/jobs/not-a-number/release", &user.token)
        .await
        .expect_not_found();
    let other = Tenant::new();
    other.api.get(&path, &other.admin).await.expect_not_found();
}

/// POSTs the release station's form at `printer` (no session, no token: what a tablet beside the printer sends).
async fn at_station(base: &str, printer: &str, upn: &str, pin: &str) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(format!("{base}/console/release/{printer}"))
        .form(&[("upn", upn), ("pin", pin)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_release_station_releases_a_persons_jobs_with_their_pin() {
    // A server of its own: the guessing at the end blocks this address, which must not refuse other tests'
    // print passwords on the shared server.
    let srv = Server::start_with_env(BIN, &[]);
    let s = Site::on(Tenant::on(Api::on(Arc::new(srv)))).await;
    let alice = s.t.user("alice");
    let bob = s.t.user("bob");
    let base = s.t.srv().base.clone();
    // A PIN is 4 to 12 digits, set by its owner, never shown again.
    for bad in ["123", "abcd", "1234567890123"] {
        s.t.api
            .put("/platen/release-pin", &alice.token, &json!({"pin": bad}))
            .await
            .expect_bad_request();
    }
    assert_eq!(
        s.t.api
            .get("/platen/release-pin", &alice.token)
            .await
            .expect_json(200),
        json!({"isSet": false})
    );
    s.t.api
        .put("/platen/release-pin", &alice.token, &json!({"pin": "482913"}))
        .await
        .expect(204);
    assert_eq!(
        s.t.api
            .get("/platen/release-pin", &alice.token)
            .await
            .expect_json(200),
        json!({"isSet": true})
    );

    let first = s.held_job(&alice).await;
    let second = s.held_job(&alice).await;
    let bobs = s.held_job(&bob).await;

    // The station page exists only for a printer that holds jobs, and shows the phone page's QR code.
    let page = reqwest::get(format!("{base}/console/release/{}", s.printer))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<svg") && html.contains(&format!("/console/release/{}/mine", s.printer)),
        "{html}"
    );
    let other = s.t.printer("No station").await;
    assert_eq!(
        reqwest::get(format!("{base}/console/release/{other}"))
            .await
            .unwrap()
            .status(),
        404
    );

    // A wrong PIN releases nothing; the right one releases both of alice's jobs and none of bob's.
    let (status, html) = at_station(&base, &s.printer, &alice.upn, "000000").await;
    assert_eq!(status, 200);
    assert!(html.contains("do not match"), "{html}");
    assert_ne!(s.claim(&first).await, 0);
    let (status, html) = at_station(&base, &s.printer, &alice.upn.to_uppercase(), "482913").await;
    assert_eq!(status, 200);
    assert!(html.contains("2 jobs released"), "{html}");
    for job in [&first, &second] {
        let read = s.t.api.get(&job.path(), &alice.token).await.expect_json(200);
        assert_eq!(read["status"]["state"], "pending", "{read}");
    }
    let read = s.t.api.get(&bobs.path(), &bob.token).await.expect_json(200);
    assert_eq!(read["status"]["state"], "paused", "{read}");
    let (_, html) = at_station(&base, &s.printer, &alice.upn, "482913").await;
    assert!(html.contains("no jobs waiting"), "{html}");

    // A removed PIN opens nothing.
    s.t.api
        .delete("/platen/release-pin", &alice.token)
        .await
        .expect(204);
    let (_, html) = at_station(&base, &s.printer, &alice.upn, "482913").await;
    assert!(html.contains("do not match"), "{html}");

    // Guessing is cut off: after repeated failures the station refuses unchecked (the user, and the address).
    let mut refused = false;
    for _ in 0..30 {
        let (status, html) = at_station(&base, &s.printer, &bob.upn, "111111").await;
        if status == 429 {
            assert!(html.contains("Too many"), "{html}");
            refused = true;
            break;
        }
    }
    assert!(refused, "failures are limited");
}
