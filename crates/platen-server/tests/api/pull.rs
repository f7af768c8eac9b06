//! Pull printing (§3.2, §2 rows 13–16, 22, 25, 26, 29, 50–57, §5.1–5.2): task definitions owned by an app,
//! triggers created by an administrator signed in to the same app, jobs held with a processing print task,
//! and the app-side actions on them (configuration PATCH, payload replacement, redirect, abort, task
//! completion), plus the user-side cancel rules once a job has ended.

use crate::common::*;
use serde_json::{Value, json};

/// Everything a pull-printing app needs: its definition, a virtual printer with a trigger, a share of it,
/// and a physical destination printer.
pub struct Pull {
    pub t: Tenant,
    pub app_id: String,
    /// App token: definitions, jobs (manage + read/write) and printers.
    pub app: String,
    /// An administrator signed in to the app (same app id).
    pub admin_app: String,
    pub def: String,
    pub virt: String,
    pub share: String,
    pub trigger: String,
    pub dest: String,
}

pub const APP_ROLES: &str =
    "PrintTaskDefinition.ReadWrite.All PrintJob.Manage.All PrintJob.ReadWrite.All Printer.ReadWrite.All";

pub fn bind_definition(def: &str) -> String {
    format!("https://graph.microsoft.com/v1.0/print/taskDefinitions/{def}")
}

impl Pull {
    pub async fn new() -> Pull {
        let t = Tenant::new();
        let app_id = uuid();
        let app = t.app(&app_id, APP_ROLES);
        let d = t
            .api
            .post(
                "/v1.0/print/taskDefinitions",
                &app,
                &json!({"displayName": "Release station", "createdBy": {"displayName": "Pull App"}}),
            )
            .await
            .expect_json(201);
        let def = d["id"].as_str().unwrap().to_string();
        let admin_app = t
            .srv()
            .user_token(&t.id, &t.admin_oid)
            .scopes(ADMIN_SCOPES)
            .admin()
            .app(&app_id)
            .mint();
        let (csr, _) = platen_pki::generate_csr_pem("Follow-me");
        let body = json!({"displayName": "Follow-me", "manufacturer": "Contoso", "model": "Virtual", "physicalDeviceId": null,
            "hasPhysicalDevice": false, "certificateSigningRequest": {"content": csr, "transportKey": "a2V5"}});
        let virt = t.printer_with(&admin_app, body).await;
        let tr = t
            .api
            .post(
                &format!("/v1.0/print/printers/{virt}/taskTriggers"),
                &admin_app,
                &json!({"event": "jobStarted", "definition@odata.bind": bind_definition(&def)}),
            )
            .await
            .expect_json(201);
        let trigger = tr["id"].as_str().unwrap().to_string();
        let share = t.share(&virt, "Follow-me", true).await;
        let dest = t.printer("Floor 3 device").await;
        Pull {
            t,
            app_id,
            app,
            admin_app,
            def,
            virt,
            share,
            trigger,
            dest,
        }
    }

    /// A user's job on the follow-me share, uploaded and started: held, with a processing task.
    /// Returned with its printer path as collection.
    pub async fn held_job(&self, token: &str, data: &[u8]) -> Job {
        let job = self.t.uploaded_job(&self.share, token, data).await;
        let st = self
            .t
            .api
            .post_empty(&job.action("start"), token)
            .await
            .expect_json(200);
        assert_eq!(st["state"], "paused", "held: {st}");
        assert_eq!(st["details"], json!(["releaseWait"]), "held: {st}");
        Job {
            collection: format!("/v1.0/print/printers/{}/jobs", self.virt),
            ..job
        }
    }

    /// The job's print task (as seen by the administrator).
    pub async fn task_of(&self, job: &Job) -> Value {
        let v = self
            .t
            .api
            .get(&format!("{}/tasks", job.path()), &self.t.admin)
            .await
            .expect_json(200);
        let tasks = v["value"].as_array().unwrap();
        assert_eq!(tasks.len(), 1, "{v}");
        tasks[0].clone()
    }

    pub fn task_path(&self, task: &Value) -> String {
        format!(
            "/v1.0/print/taskDefinitions/{}/tasks/{}",
            self.def,
            task["id"].as_str().unwrap()
        )
    }
}

#[tokio::test]
async fn task_definitions_belong_to_the_app_that_created_them() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let d = api
        .get(&format!("/v1.0/print/taskDefinitions/{}", p.def), &p.app)
        .await
        .expect_json(200);
    assert_eq!(d["displayName"], "Release station");
    assert_eq!(
        d["createdBy"]["appId"],
        p.app_id.as_str(),
        "appId is filled in by the server"
    );
    assert_eq!(d["createdBy"]["displayName"], "Pull App");
    assert!(
        d["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#print/taskDefinitions/$entity")
    );
    let list = api
        .get("/v1.0/print/taskDefinitions", &p.app)
        .await
        .expect_json(200);
    assert_eq!(list["value"].as_array().unwrap().len(), 1);

    // Another app of the same tenant sees none of it.
    let other = p.t.app(&uuid(), "PrintTaskDefinition.ReadWrite.All");
    assert_eq!(
        api.get("/v1.0/print/taskDefinitions", &other)
            .await
            .expect_json(200)["value"],
        json!([])
    );
    for r in [
        api.get(&format!("/v1.0/print/taskDefinitions/{}", p.def), &other)
            .await,
        api.patch(
            &format!("/v1.0/print/taskDefinitions/{}", p.def),
            &other,
            &json!({"displayName": "mine"}),
        )
        .await,
        api.get(&format!("/v1.0/print/taskDefinitions/{}/tasks", p.def), &other)
            .await,
        api.delete(&format!("/v1.0/print/taskDefinitions/{}", p.def), &other)
            .await,
    ] {
        r.expect_code(404, "itemNotFound");
    }

    // Only displayName and createdBy.displayName change.
    let v = api
        .patch(
            &format!("/v1.0/print/taskDefinitions/{}", p.def),
            &p.app,
            &json!({"displayName": "Renamed", "createdBy": {"displayName": "Pull App 2"}}),
        )
        .await
        .expect_json(200);
    assert_eq!(v["displayName"], "Renamed");
    assert_eq!(v["createdBy"]["displayName"], "Pull App 2");
    assert_eq!(v["createdBy"]["appId"], p.app_id.as_str());
    for body in [
        json!({"createdBy": {"appId": uuid()}}),
        json!({"id": "x"}),
        json!({"color": "red"}),
        json!({"displayName": 5}),
    ] {
        api.patch(&format!("/v1.0/print/taskDefinitions/{}", p.def), &p.app, &body)
            .await
            .expect_error(400);
    }
    // Creation needs a name.
    api.post(
        "/v1.0/print/taskDefinitions",
        &p.app,
        &json!({"createdBy": {"displayName": "x"}}),
    )
    .await
    .expect_error(400);
    // Unsupported list options (§2 row 50).
    for q in ["$top=1", "$skip=1", "$select=id", "$count=true", "$search=x"] {
        api.get(&format!("/v1.0/print/taskDefinitions?{q}"), &p.app)
            .await
            .expect_error(400);
    }
    // Delete.
    let extra = api
        .post(
            "/v1.0/print/taskDefinitions",
            &p.app,
            &json!({"displayName": "Temp"}),
        )
        .await
        .expect_json(201);
    let extra_id = extra["id"].as_str().unwrap();
    api.delete(&format!("/v1.0/print/taskDefinitions/{extra_id}"), &p.app)
        .await
        .expect(204);
    api.get(&format!("/v1.0/print/taskDefinitions/{extra_id}"), &p.app)
        .await
        .expect_code(404, "itemNotFound");
}

#[tokio::test]
async fn task_triggers_one_per_printer_created_through_the_definitions_app() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let triggers = format!("/v1.0/print/printers/{}/taskTriggers", p.virt);
    let list = api.get(&triggers, &p.t.admin).await.expect_json(200);
    assert_eq!(list["value"], json!([{"id": p.trigger, "event": "jobStarted"}]));
    let one = api
        .get(&format!("{triggers}/{}", p.trigger), &p.t.admin)
        .await
        .expect_json(200);
    assert_eq!(one["event"], "jobStarted");
    let def = api
        .get(&format!("{triggers}/{}/definition", p.trigger), &p.t.admin)
        .await
        .expect_json(200);
    assert_eq!(def["id"], p.def.as_str());
    let expanded = api
        .get(
            &format!("{triggers}/{}?$expand=definition", p.trigger),
            &p.t.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(expanded["definition"]["id"], p.def.as_str());

    let body = json!({"event": "jobStarted", "definition@odata.bind": bind_definition(&p.def)});
    // One trigger per printer.
    api.post(&triggers, &p.admin_app, &body).await.expect_error(409);
    // The token's app must be the definition's app.
    let other_printer = p.t.printer("Other").await;
    let other_triggers = format!("/v1.0/print/printers/{other_printer}/taskTriggers");
    api.post(&other_triggers, &p.t.admin, &body).await.expect_denied();
    let admin_other_app =
        p.t.srv()
            .user_token(&p.t.id, &p.t.admin_oid)
            .scopes(ADMIN_SCOPES)
            .admin()
            .app(&uuid())
            .mint();
    api.post(&other_triggers, &admin_other_app, &body)
        .await
        .expect_denied();
    // Bad bodies.
    for bad in [
        json!({"event": "jobFinished", "definition@odata.bind": bind_definition(&p.def)}),
        json!({"definition@odata.bind": bind_definition(&p.def)}),
        json!({"event": "jobStarted"}),
        json!({"event": "jobStarted", "definition@odata.bind": bind_definition(&uuid())}),
        json!({"event": "jobStarted", "definition@odata.bind": format!("https://graph.microsoft.com/v1.0/print/printers/{}", p.virt)}),
    ] {
        api.post(&other_triggers, &p.admin_app, &bad)
            .await
            .expect_error(400);
    }
    // Unsupported list options (§2 row 13).
    for q in ["$top=1", "$count=true", "$select=id"] {
        api.get(&format!("{triggers}?{q}"), &p.t.admin)
            .await
            .expect_error(400);
    }
    api.post(&other_triggers, &p.admin_app, &body).await.expect(201);
}

#[tokio::test]
async fn a_job_started_on_a_triggered_printer_is_held_with_a_processing_task() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let u = p.t.user("alice");
    let job = p.held_job(&u.token, b"held bytes").await;
    let g = api.get(&job.path(), &u.token).await.expect_json(200);
    assert_eq!(g["status"]["state"], "paused");
    assert_eq!(g["status"]["details"], json!(["releaseWait"]));
    assert_eq!(g["isFetchable"], false);

    let task = p.task_of(&job).await;
    assert_eq!(task["status"]["state"], "processing");
    let parent = format!("{}/v1.0/print/printers/{}/jobs/{}", api.srv.base, p.virt, job.id);
    assert_eq!(task["parentUrl"], parent.as_str());
    let tasks = api
        .get(&format!("/v1.0/print/taskDefinitions/{}/tasks", p.def), &p.app)
        .await
        .expect_json(200);
    assert!(
        tasks["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#Collection(microsoft.graph.printTask)"),
        "{tasks}"
    );
    assert_eq!(tasks["value"].as_array().unwrap().len(), 1);
    assert_eq!(tasks["value"][0]["id"], task["id"]);
    let one = api.get(&p.task_path(&task), &p.app).await.expect_json(200);
    assert_eq!(one["parentUrl"], parent.as_str());
    let def = api
        .get(&format!("{}/definition", p.task_path(&task)), &p.app)
        .await
        .expect_json(200);
    assert_eq!(def["id"], p.def.as_str());
    let tr = api
        .get(&format!("{}/trigger", p.task_path(&task)), &p.app)
        .await
        .expect_json(200);
    assert_eq!(tr["id"], p.trigger.as_str());
    let e = api
        .get(
            &format!("{}?$expand=definition,trigger", p.task_path(&task)),
            &p.app,
        )
        .await
        .expect_json(200);
    assert_eq!(e["definition"]["id"], p.def.as_str());
    assert_eq!(e["trigger"]["id"], p.trigger.as_str());

    // The job's tasks navigation, for the user and with $expand.
    let mine = api
        .get(&format!("{}?$expand=tasks", job.path()), &u.token)
        .await
        .expect_json(200);
    assert_eq!(mine["tasks"][0]["id"], task["id"]);
    let via_job = api
        .get(
            &format!("{}/tasks/{}/definition", job.path(), task["id"].as_str().unwrap()),
            &u.token,
        )
        .await
        .expect_json(200);
    assert_eq!(via_job["id"], p.def.as_str());
    // The app finds the user's held jobs with the documented filter (§3.2 step 7).
    let found = api
        .get(
            &format!(
                "/v1.0/print/printers/{}/jobs?$filter=createdBy/userPrincipalName%20eq%20'{}'",
                p.virt, u.upn
            ),
            &p.app,
        )
        .await
        .expect_json(200);
    assert_eq!(found["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_app_changes_a_held_job_then_completes_its_task_to_release_it() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let u = p.t.user("alice");
    let job = p.held_job(&u.token, b"original").await;

    // Configuration PATCH: only configuration.
    let v = api
        .patch(
            &job.path(),
            &p.app,
            &json!({"configuration": {"copies": 4, "colorMode": "grayscale"}}),
        )
        .await
        .expect_json(200);
    assert_eq!(v["configuration"]["copies"], 4);
    assert_eq!(
        api.get(&job.path(), &u.token).await.expect_json(200)["configuration"]["colorMode"],
        "grayscale"
    );
    api.patch(&job.path(), &p.app, &json!({"isFetchable": true}))
        .await
        .expect_error(400);
    api.patch(&job.path(), &p.app, &json!({"configuration": {"copies": "4"}}))
        .await
        .expect_error(400);

    // Payload replacement by the app.
    let url = p.t.upload_session(&job, &p.app, "application/pdf", 8).await;
    put_chunk(api, &url, b"replaced", 0, 8).await.expect(201);
    let bin = api.get(&format!("{}/$value", job.doc_path()), &p.app).await;
    bin.expect(200);
    assert_eq!(bin.body, b"replaced");

    // Completing the task releases the job.
    let task = p.task_of(&job).await;
    let done = api
        .patch(
            &p.task_path(&task),
            &p.app,
            &json!({"status": {"state": "completed", "description": "Released at device 7"}}),
        )
        .await
        .expect_json(200);
    assert_eq!(done["status"]["state"], "completed");
    assert_eq!(done["status"]["description"], "Released at device 7");
    let g = api.get(&job.path(), &u.token).await.expect_json(200);
    assert_eq!(g["status"]["state"], "pending");
    assert_eq!(g["isFetchable"], true);
    // A fetchable job can no longer be changed (409), and the task is over.
    api.patch(&job.path(), &p.app, &json!({"configuration": {"copies": 1}}))
        .await
        .expect_error(409);
    api.patch(
        &p.task_path(&task),
        &p.app,
        &json!({"status": {"state": "aborted", "description": "late"}}),
    )
    .await
    .expect_error(409);
    // Repeating the same outcome is harmless.
    api.patch(
        &p.task_path(&task),
        &p.app,
        &json!({"status": {"state": "completed", "description": "again"}}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn redirect_queues_a_new_job_on_the_destination_and_links_both() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let u = p.t.user("alice");
    let data = bytes(500);
    let job = p.held_job(&u.token, &data).await;
    let task = p.task_of(&job).await;

    let r = api
        .post(
            &job.action("redirect"),
            &p.app,
            &json!({"destinationPrinterId": p.dest, "configuration": {"copies": 3}}),
        )
        .await;
    let new = r.expect_json(200);
    assert!(
        new["@odata.context"]
            .as_str()
            .unwrap()
            .contains(&format!("print/printers('{}')/jobs", p.dest)),
        "{new}"
    );
    let new_id = new["id"].as_str().unwrap().to_string();
    assert_ne!(new_id, job.id);
    assert_eq!(new["configuration"]["copies"], 3);
    let source_url = format!("{}/v1.0/print/printers/{}/jobs/{}", api.srv.base, p.virt, job.id);
    let new_url = format!("{}/v1.0/print/printers/{}/jobs/{new_id}", api.srv.base, p.dest);
    assert_eq!(new["redirectedFrom"], source_url.as_str());
    assert_eq!(new["status"]["state"], "pending");
    assert_eq!(
        new["createdBy"]["id"],
        u.oid.as_str(),
        "the user still owns the job"
    );

    let source = api.get(&job.path(), &u.token).await.expect_json(200);
    assert_eq!(source["redirectedTo"], new_url.as_str());
    assert!(
        matches!(
            source["status"]["state"].as_str(),
            Some("completed" | "canceled" | "aborted")
        ),
        "{source}"
    );
    assert_eq!(
        api.get(&p.task_path(&task), &p.app).await.expect_json(200)["status"]["state"],
        "completed",
        "a redirect completes the task"
    );

    // The new job lives on the destination and carries the same bytes.
    let dest_job = format!("/v1.0/print/printers/{}/jobs/{new_id}", p.dest);
    let g = api
        .get(&format!("{dest_job}?$expand=documents"), &p.t.admin)
        .await
        .expect_json(200);
    assert_eq!(g["isFetchable"], true);
    let doc = g["documents"][0]["id"].as_str().unwrap();
    let bin = api
        .get(&format!("{dest_job}/documents/{doc}/$value"), &p.app)
        .await;
    assert_eq!(bin.body, data);

    // The source is finished: another redirect or an abort is refused; so is a user's cancel.
    api.post(
        &job.action("redirect"),
        &p.app,
        &json!({"destinationPrinterId": p.dest}),
    )
    .await
    .expect_error(409);
    let r = api.post_empty(&job.action("cancel"), &u.token).await;
    r.expect_error(409);
}

#[tokio::test]
async fn redirect_input_is_validated() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let u = p.t.user("alice");
    let job = p.held_job(&u.token, b"x").await;
    for body in [
        json!({}),
        json!({"destinationPrinterId": uuid()}),
        json!({"destinationPrinterId": 5}),
        json!({"destinationPrinterId": p.dest, "configuration": {"copies": "x"}}),
        json!({"destinationPrinterId": p.dest, "extra": 1}),
    ] {
        api.post(&job.action("redirect"), &p.app, &body)
            .await
            .expect_error(400);
    }
    // Still held and redirectable.
    api.post(
        &job.action("redirect"),
        &p.app,
        &json!({"destinationPrinterId": p.dest}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn abort_ends_the_job_is_idempotent_and_then_cancel_conflicts() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let u = p.t.user("alice");
    let job = p.held_job(&u.token, b"x").await;
    let task = p.task_of(&job).await;
    let r = api
        .post(
            &job.action("abort"),
            &p.app,
            &json!({"reason": "Badge not recognised"}),
        )
        .await;
    r.expect(204);
    assert!(r.body.is_empty());
    let g = api.get(&job.path(), &u.token).await.expect_json(200);
    assert_eq!(g["status"]["state"], "aborted");
    assert!(
        g["status"]["description"]
            .as_str()
            .unwrap()
            .contains("Badge not recognised"),
        "{g}"
    );
    assert_eq!(
        api.get(&p.task_path(&task), &p.app).await.expect_json(200)["status"]["state"],
        "aborted"
    );
    // Again: success, nothing changes.
    api.post_empty(&job.action("abort"), &p.app).await.expect(204);
    // A user cannot cancel an aborted job (§2.1: reject terminal jobs).
    api.post_empty(&job.action("cancel"), &u.token)
        .await
        .expect_error(409);
    assert_eq!(
        api.get(&job.path(), &u.token).await.expect_json(200)["status"]["state"],
        "aborted"
    );
    // Nor start it.
    api.post_empty(&job.action("start"), &u.token)
        .await
        .expect_error(409);
    // abort's body is optional but typed.
    let other = p.held_job(&u.token, b"y").await;
    api.post(&other.action("abort"), &p.app, &json!({"reason": 5}))
        .await
        .expect_error(400);
    api.post(&other.action("abort"), &p.app, &json!({"why": "x"}))
        .await
        .expect_error(400);
    api.post_empty(&other.action("abort"), &p.app).await.expect(204);
}

#[tokio::test]
async fn a_task_aborted_by_its_app_aborts_the_job() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let u = p.t.user("alice");
    let job = p.held_job(&u.token, b"x").await;
    let task = p.task_of(&job).await;
    api.patch(
        &p.task_path(&task),
        &p.app,
        &json!({"status": {"state": "aborted", "description": "Expired"}}),
    )
    .await
    .expect(200);
    assert_eq!(
        api.get(&job.path(), &u.token).await.expect_json(200)["status"]["state"],
        "aborted"
    );
    api.patch(
        &p.task_path(&task),
        &p.app,
        &json!({"status": {"state": "completed", "description": "x"}}),
    )
    .await
    .expect_error(409);
    for bad in [
        json!({}),
        json!({"status": {"state": "exploded"}}),
        json!({"status": "done"}),
        json!({"status": {"state": "completed"}, "parentUrl": "x"}),
    ] {
        api.patch(&p.task_path(&task), &p.app, &bad)
            .await
            .expect_error(400);
    }
}

#[tokio::test]
async fn a_user_may_cancel_a_held_job_and_the_app_can_no_longer_act_on_it() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let u = p.t.user("alice");
    let job = p.held_job(&u.token, b"x").await;
    api.post_empty(&job.action("cancel"), &u.token).await.expect(204);
    assert_eq!(
        api.get(&job.path(), &u.token).await.expect_json(200)["status"]["state"],
        "canceled"
    );
    api.post(
        &job.action("redirect"),
        &p.app,
        &json!({"destinationPrinterId": p.dest}),
    )
    .await
    .expect_error(409);
    let r = api.post_empty(&job.action("abort"), &p.app).await;
    assert!(matches!(r.status, 403 | 409), "{r:?}");
    r.assert_graph_error();
    let r = api
        .patch(&job.path(), &p.app, &json!({"configuration": {"copies": 2}}))
        .await;
    r.expect_error(409);
}

#[tokio::test]
async fn only_the_app_owning_the_task_may_act_on_a_held_job() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let u = p.t.user("alice");
    let job = p.held_job(&u.token, b"x").await;
    let intruder = p.t.app(&uuid(), APP_ROLES);
    api.post_empty(&job.action("abort"), &intruder)
        .await
        .expect_denied();
    api.post(
        &job.action("redirect"),
        &intruder,
        &json!({"destinationPrinterId": p.dest}),
    )
    .await
    .expect_denied();
    api.patch(&job.path(), &intruder, &json!({"configuration": {"copies": 2}}))
        .await
        .expect_denied();
    let body = json!({"properties": {"documentName": "x.pdf", "contentType": "application/pdf", "size": 3}});
    api.post(
        &format!("{}/createUploadSession", job.doc_path()),
        &intruder,
        &body,
    )
    .await
    .expect_denied();
    // Apps never use the share path for uploads (§2 row 29).
    let share_doc = format!(
        "/v1.0/print/shares/{}/jobs/{}/documents/{}/createUploadSession",
        p.share, job.id, job.doc
    );
    api.post(&share_doc, &p.app, &body).await.expect_denied();
    // The intruder sees no task on the job; the owner does.
    let seen = api
        .get(&format!("{}/tasks", job.path()), &intruder)
        .await
        .expect_json(200);
    assert_eq!(seen["value"], json!([]));
    let own = api
        .get(&format!("{}/tasks", job.path()), &p.app)
        .await
        .expect_json(200);
    assert_eq!(own["value"].as_array().unwrap().len(), 1);
    // The job is untouched.
    assert_eq!(
        api.get(&job.path(), &u.token).await.expect_json(200)["status"]["details"],
        json!(["releaseWait"])
    );
}

#[tokio::test]
async fn deleting_the_trigger_stops_holding_new_jobs() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let u = p.t.user("alice");
    let r = api
        .delete(
            &format!("/v1.0/print/printers/{}/taskTriggers/{}", p.virt, p.trigger),
            &p.t.admin,
        )
        .await;
    r.expect(204);
    assert!(r.body.is_empty());
    api.get(
        &format!("/v1.0/print/printers/{}/taskTriggers/{}", p.virt, p.trigger),
        &p.t.admin,
    )
    .await
    .expect_code(404, "itemNotFound");
    assert_eq!(
        api.get(
            &format!("/v1.0/print/printers/{}/taskTriggers", p.virt),
            &p.t.admin
        )
        .await
        .expect_json(200)["value"],
        json!([])
    );
    let job = p.t.uploaded_job(&p.share, &u.token, b"x").await;
    let st = api
        .post_empty(&job.action("start"), &u.token)
        .await
        .expect_json(200);
    assert_eq!(st["state"], "pending");
    // A new trigger can be created again.
    api.post(
        &format!("/v1.0/print/printers/{}/taskTriggers", p.virt),
        &p.admin_app,
        &json!({"event": "jobStarted", "definition@odata.bind": bind_definition(&p.def)}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn redirecting_to_a_triggered_printer_holds_the_new_job_again() {
    let p = Pull::new().await;
    let api = &p.t.api;
    let u = p.t.user("alice");
    // A second virtual printer with a trigger of the same definition.
    let (csr, _) = platen_pki::generate_csr_pem("Second");
    let body = json!({"displayName": "Second", "manufacturer": "Contoso", "model": "Virtual", "hasPhysicalDevice": false,
        "certificateSigningRequest": {"content": csr, "transportKey": "a2V5"}});
    let second = p.t.printer_with(&p.admin_app, body).await;
    api.post(
        &format!("/v1.0/print/printers/{second}/taskTriggers"),
        &p.admin_app,
        &json!({"event": "jobStarted", "definition@odata.bind": bind_definition(&p.def)}),
    )
    .await
    .expect(201);
    let job = p.held_job(&u.token, b"x").await;
    let new = api
        .post(
            &job.action("redirect"),
            &p.app,
            &json!({"destinationPrinterId": second}),
        )
        .await
        .expect_json(200);
    let new_path = format!(
        "/v1.0/print/printers/{second}/jobs/{}",
        new["id"].as_str().unwrap()
    );
    let g = api.get(&new_path, &p.t.admin).await.expect_json(200);
    assert_eq!(g["status"]["state"], "paused");
    assert_eq!(g["status"]["details"], json!(["releaseWait"]));
    let tasks = api
        .get(&format!("{new_path}/tasks"), &p.t.admin)
        .await
        .expect_json(200);
    assert_eq!(tasks["value"].as_array().unwrap().len(), 1);
    assert_eq!(tasks["value"][0]["status"]["state"], "processing");
    let all = api
        .get(&format!("/v1.0/print/taskDefinitions/{}/tasks", p.def), &p.app)
        .await
        .expect_json(200);
    assert_eq!(
        all["value"].as_array().unwrap().len(),
        2,
        "the completed task and the new one: {all}"
    );
}

/// §2.1: "PATCH printTask | owning app (PrintTaskDefinition.ReadWrite.All, app-only) | 403".
#[tokio::test]
async fn another_app_cannot_patch_a_task() {
    let p = Pull::new().await;
    let u = p.t.user("alice");
    let job = p.held_job(&u.token, b"x").await;
    let task = p.task_of(&job).await;
    let intruder = p.t.app(&uuid(), "PrintTaskDefinition.ReadWrite.All");
    let r =
        p.t.api
            .patch(
                &p.task_path(&task),
                &intruder,
                &json!({"status": {"state": "completed", "description": "x"}}),
            )
            .await;
    r.expect_denied();
    assert_eq!(
        p.t.api.get(&job.path(), &u.token).await.expect_json(200)["status"]["details"],
        json!(["releaseWait"])
    );
}
