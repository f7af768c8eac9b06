//! Pull printing (§3.2, §2 rows 13–16, 22, 25, 26, 29, 50–57, §5.1–5.2): task definitions owned by an app,
//! triggers created by an administrator signed in to the same app, jobs held with a processing print task,
//! and the app-side actions on them (configuration PATCH, payload replacement, redirect, abort, task
//! completion), plus the user-side cancel rules once a job has ended.
//!
//! The fixture is platen-testkit's [`Pull`] (an app's definition, a virtual printer with a trigger, a share of
//! it, a virtual destination printer), made in a [`Tenant`] of this suite whose administrator is the fixture's.

use crate::common::*;
pub use platen_testkit::graph::APP_ROLES;
pub use platen_testkit::pull::{Pull, bind_definition};
use serde_json::json;

/// A tenant of this suite and the pull fixture in it: `t.admin` is the tenant's administrator without an app,
/// `p.admin` the same administrator signed in to the fixture's app.
pub async fn pull() -> (Tenant, Pull) {
    let t = Tenant::new();
    let p = Pull::in_tenant(t.api.clone(), &t.id, &t.admin_oid).await;
    (t, p)
}

/// A user's job on the follow-me share, uploaded and started: held, with a processing task
/// ([`Pull::held`]). Returned with its printer path as collection, and with the path of its print task.
pub async fn held_job(p: &Pull, user: &User, data: &[u8]) -> (Job, String) {
    let h = p.held(user, data).await;
    let job = Job {
        id: h.id,
        doc: h.doc,
        collection: format!("/v1.0/print/printers/{}/jobs", p.printer),
    };
    (job, p.task(&h.task))
}

#[tokio::test]
async fn task_definitions_belong_to_the_app_that_created_them() {
    let (t, p) = pull().await;
    let api = &t.api;
    let d = api
        .get(&format!("/v1.0/print/taskDefinitions/{}", p.definition), &p.app)
        .await
        .expect_json(200);
    assert_eq!(d["displayName"], "Follow-me release");
    assert_eq!(
        d["createdBy"]["appId"],
        p.app_id.as_str(),
        "appId is filled in by the server"
    );
    assert_eq!(d["createdBy"]["displayName"], "Contoso Release Station");
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
    let other = t.app(&uuid(), "PrintTaskDefinition.ReadWrite.All");
    assert_eq!(
        api.get("/v1.0/print/taskDefinitions", &other)
            .await
            .expect_json(200)["value"],
        json!([])
    );
    for r in [
        api.get(&format!("/v1.0/print/taskDefinitions/{}", p.definition), &other)
            .await,
        api.patch(
            &format!("/v1.0/print/taskDefinitions/{}", p.definition),
            &other,
            &json!({"displayName": "mine"}),
        )
        .await,
        api.get(
            &format!("/v1.0/print/taskDefinitions/{}/tasks", p.definition),
            &other,
        )
        .await,
        api.delete(&format!("/v1.0/print/taskDefinitions/{}", p.definition), &other)
            .await,
    ] {
        r.expect_code(404, "itemNotFound");
    }

    // Only displayName and createdBy.displayName change.
    let v = api
        .patch(
            &format!("/v1.0/print/taskDefinitions/{}", p.definition),
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
        api.patch(
            &format!("/v1.0/print/taskDefinitions/{}", p.definition),
            &p.app,
            &body,
        )
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

/// `createdBy` names the creating app's service principal from its token (`oid`, `app_displayname`), on v1.0
/// and beta; the client cannot set either (they are server facts, like `appId`).
#[tokio::test]
async fn task_definitions_name_the_creating_service_principal() {
    let t = Tenant::new();
    let api = &t.api;
    let (app_id, sp) = (uuid(), uuid());
    let app = api
        .srv
        .app_token(&t.id, &app_id)
        .roles("PrintTaskDefinition.ReadWrite.All")
        .name("Contoso Release Station")
        .service_principal(&sp)
        .mint();
    let created = api
        .post(
            "/v1.0/print/taskDefinitions",
            &app,
            &json!({"displayName": "Release", "createdBy": {"displayName": "Release app"}}),
        )
        .await
        .expect_json(201);
    let expected = json!({
        "appId": app_id,
        "displayName": "Release app",
        "servicePrincipalId": sp,
        "servicePrincipalName": "Contoso Release Station",
    });
    assert_eq!(created["createdBy"], expected, "{created}");
    let id = created["id"].as_str().unwrap();
    for version in ["v1.0", "beta"] {
        let read = api
            .get(&format!("/{version}/print/taskDefinitions/{id}"), &app)
            .await
            .expect_json(200);
        assert_eq!(read["createdBy"], expected, "{version}: {read}");
    }
    let list = api
        .get("/beta/print/taskDefinitions", &app)
        .await
        .expect_json(200);
    assert_eq!(list["value"][0]["createdBy"], expected, "{list}");

    // Read-only on creation and update: a client's value is refused, not stored over the token's.
    for member in ["servicePrincipalId", "servicePrincipalName"] {
        let body = json!({"displayName": "Mine", "createdBy": {member: "spoofed"}});
        let refused = api
            .post("/v1.0/print/taskDefinitions", &app, &body)
            .await
            .expect_error(400);
        let message = refused["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("createdBy.{member}' is read-only")),
            "{refused}"
        );
        api.patch(&format!("/v1.0/print/taskDefinitions/{id}"), &app, &body)
            .await
            .expect_error(400);
    }
    let renamed = api
        .patch(
            &format!("/v1.0/print/taskDefinitions/{id}"),
            &app,
            &json!({"createdBy": {"displayName": "Renamed app"}}),
        )
        .await
        .expect_json(200);
    assert_eq!(renamed["createdBy"]["servicePrincipalId"], sp.as_str());
    assert_eq!(
        renamed["createdBy"]["servicePrincipalName"],
        "Contoso Release Station"
    );

    // A token without `app_displayname` still names the service principal's id; its name stays null.
    let unnamed = t.app(&uuid(), "PrintTaskDefinition.ReadWrite.All");
    let d = api
        .post(
            "/v1.0/print/taskDefinitions",
            &unnamed,
            &json!({"displayName": "Unnamed"}),
        )
        .await
        .expect_json(201);
    assert!(
        d["createdBy"]["servicePrincipalId"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{d}"
    );
    assert_eq!(
        d["createdBy"]["servicePrincipalName"],
        serde_json::Value::Null,
        "{d}"
    );
}

#[tokio::test]
async fn task_triggers_one_per_printer_created_through_the_definitions_app() {
    let (t, p) = pull().await;
    let api = &t.api;
    let triggers = format!("/v1.0/print/printers/{}/taskTriggers", p.printer);
    let list = api.get(&triggers, &t.admin).await.expect_json(200);
    assert_eq!(list["value"], json!([{"id": p.trigger, "event": "jobStarted"}]));
    let one = api
        .get(&format!("{triggers}/{}", p.trigger), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(one["event"], "jobStarted");
    let def = api
        .get(&format!("{triggers}/{}/definition", p.trigger), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(def["id"], p.definition.as_str());
    let expanded = api
        .get(&format!("{triggers}/{}?$expand=definition", p.trigger), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(expanded["definition"]["id"], p.definition.as_str());

    let body = json!({"event": "jobStarted", "definition@odata.bind": bind_definition(&p.definition)});
    // One trigger per printer.
    api.post(&triggers, &p.admin, &body).await.expect_error(409);
    // The token's app must be the definition's app.
    let other_printer = t.printer("Other").await;
    let other_triggers = format!("/v1.0/print/printers/{other_printer}/taskTriggers");
    api.post(&other_triggers, &t.admin, &body).await.expect_denied();
    let admin_other_app = p.user_token(&p.admin_oid, ADMIN_SCOPES, true, Some(&uuid()));
    api.post(&other_triggers, &admin_other_app, &body)
        .await
        .expect_denied();
    // Bad bodies.
    for bad in [
        json!({"event": "jobFinished", "definition@odata.bind": bind_definition(&p.definition)}),
        json!({"definition@odata.bind": bind_definition(&p.definition)}),
        json!({"event": "jobStarted"}),
        json!({"event": "jobStarted", "definition@odata.bind": bind_definition(&uuid())}),
        json!({"event": "jobStarted", "definition@odata.bind": format!("https://graph.microsoft.com/v1.0/print/printers/{}", p.printer)}),
    ] {
        api.post(&other_triggers, &p.admin, &bad).await.expect_error(400);
    }
    // Unsupported list options (§2 row 13).
    for q in ["$top=1", "$count=true", "$select=id"] {
        api.get(&format!("{triggers}?{q}"), &t.admin)
            .await
            .expect_error(400);
    }
    api.post(&other_triggers, &p.admin, &body).await.expect(201);
}

#[tokio::test]
async fn a_job_started_on_a_triggered_printer_is_held_with_a_processing_task() {
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    let (job, task_path) = held_job(&p, &u, b"held bytes").await;
    let g = api.get(&job.path(), &u.token).await.expect_json(200);
    assert_eq!(g["status"]["state"], "paused");
    assert_eq!(g["status"]["details"], json!(["releaseWait"]));
    assert_eq!(g["isFetchable"], false);

    // The job's print task, as the administrator sees it.
    let v = api
        .get(&format!("{}/tasks", job.path()), &t.admin)
        .await
        .expect_json(200);
    let tasks = v["value"].as_array().unwrap();
    assert_eq!(tasks.len(), 1, "{v}");
    let task = tasks[0].clone();
    assert_eq!(task["status"]["state"], "processing");
    let parent = format!(
        "{}/v1.0/print/printers/{}/jobs/{}",
        api.srv.base, p.printer, job.id
    );
    assert_eq!(task["parentUrl"], parent.as_str());
    let tasks = api
        .get(
            &format!("/v1.0/print/taskDefinitions/{}/tasks", p.definition),
            &p.app,
        )
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
    let one = api.get(&task_path, &p.app).await.expect_json(200);
    assert_eq!(one["parentUrl"], parent.as_str());
    let def = api
        .get(&format!("{task_path}/definition"), &p.app)
        .await
        .expect_json(200);
    assert_eq!(def["id"], p.definition.as_str());
    let tr = api
        .get(&format!("{task_path}/trigger"), &p.app)
        .await
        .expect_json(200);
    assert_eq!(tr["id"], p.trigger.as_str());
    let e = api
        .get(&format!("{task_path}?$expand=definition,trigger"), &p.app)
        .await
        .expect_json(200);
    assert_eq!(e["definition"]["id"], p.definition.as_str());
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
    assert_eq!(via_job["id"], p.definition.as_str());
    // The app finds the user's held jobs with the documented filter (§3.2 step 7).
    let found = api
        .get(
            &format!(
                "/v1.0/print/printers/{}/jobs?$filter=createdBy/userPrincipalName%20eq%20'{}'",
                p.printer, u.upn
            ),
            &p.app,
        )
        .await
        .expect_json(200);
    assert_eq!(found["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_app_changes_a_held_job_then_completes_its_task_to_release_it() {
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    let (job, task) = held_job(&p, &u, b"original").await;

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
    let url = t.upload_session(&job, &p.app, "application/pdf", 8).await;
    put_chunk(api, &url, b"replaced", 0, 8).await.expect(201);
    let bin = api.get(&format!("{}/$value", job.doc_path()), &p.app).await;
    bin.expect(200);
    assert_eq!(bin.body, b"replaced");

    // Completing the task releases the job.
    let done = api
        .patch(
            &task,
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
        &task,
        &p.app,
        &json!({"status": {"state": "aborted", "description": "late"}}),
    )
    .await
    .expect_error(409);
    // Repeating the same outcome is harmless.
    api.patch(
        &task,
        &p.app,
        &json!({"status": {"state": "completed", "description": "again"}}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn redirect_queues_a_new_job_on_the_destination_and_links_both() {
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    let data = bytes(500);
    let (job, task) = held_job(&p, &u, &data).await;

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
    let source_url = format!(
        "{}/v1.0/print/printers/{}/jobs/{}",
        api.srv.base, p.printer, job.id
    );
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
        api.get(&task, &p.app).await.expect_json(200)["status"]["state"],
        "completed",
        "a redirect completes the task"
    );

    // The new job lives on the destination and carries the same bytes.
    let dest_job = format!("/v1.0/print/printers/{}/jobs/{new_id}", p.dest);
    let g = api
        .get(&format!("{dest_job}?$expand=documents"), &t.admin)
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
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    let (job, _) = held_job(&p, &u, b"x").await;
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
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    let (job, task) = held_job(&p, &u, b"x").await;
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
        api.get(&task, &p.app).await.expect_json(200)["status"]["state"],
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
    let (other, _) = held_job(&p, &u, b"y").await;
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
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    let (job, task) = held_job(&p, &u, b"x").await;
    api.patch(
        &task,
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
        &task,
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
        api.patch(&task, &p.app, &bad).await.expect_error(400);
    }
}

#[tokio::test]
async fn a_user_may_cancel_a_held_job_and_the_app_can_no_longer_act_on_it() {
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    let (job, _) = held_job(&p, &u, b"x").await;
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
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    let (job, _) = held_job(&p, &u, b"x").await;
    let intruder = t.app(&uuid(), APP_ROLES);
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
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    let r = api
        .delete(
            &format!("/v1.0/print/printers/{}/taskTriggers/{}", p.printer, p.trigger),
            &t.admin,
        )
        .await;
    r.expect(204);
    assert!(r.body.is_empty());
    api.get(
        &format!("/v1.0/print/printers/{}/taskTriggers/{}", p.printer, p.trigger),
        &t.admin,
    )
    .await
    .expect_code(404, "itemNotFound");
    assert_eq!(
        api.get(
            &format!("/v1.0/print/printers/{}/taskTriggers", p.printer),
            &t.admin
        )
        .await
        .expect_json(200)["value"],
        json!([])
    );
    let job = t.uploaded_job(&p.share, &u.token, b"x").await;
    let st = api
        .post_empty(&job.action("start"), &u.token)
        .await
        .expect_json(200);
    assert_eq!(st["state"], "pending");
    // A new trigger can be created again.
    api.post(
        &format!("/v1.0/print/printers/{}/taskTriggers", p.printer),
        &p.admin,
        &json!({"event": "jobStarted", "definition@odata.bind": bind_definition(&p.definition)}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn redirecting_to_a_triggered_printer_holds_the_new_job_again() {
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    // A second virtual printer with a trigger of the same definition.
    let second = p.virtual_printer("Second").await;
    api.post(
        &format!("/v1.0/print/printers/{second}/taskTriggers"),
        &p.admin,
        &json!({"event": "jobStarted", "definition@odata.bind": bind_definition(&p.definition)}),
    )
    .await
    .expect(201);
    let (job, _) = held_job(&p, &u, b"x").await;
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
    let g = api.get(&new_path, &t.admin).await.expect_json(200);
    assert_eq!(g["status"]["state"], "paused");
    assert_eq!(g["status"]["details"], json!(["releaseWait"]));
    let tasks = api
        .get(&format!("{new_path}/tasks"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(tasks["value"].as_array().unwrap().len(), 1);
    assert_eq!(tasks["value"][0]["status"]["state"], "processing");
    let all = api
        .get(
            &format!("/v1.0/print/taskDefinitions/{}/tasks", p.definition),
            &p.app,
        )
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
    let (t, p) = pull().await;
    let u = t.user("alice");
    let (job, task) = held_job(&p, &u, b"x").await;
    let intruder = t.app(&uuid(), "PrintTaskDefinition.ReadWrite.All");
    let r = t
        .api
        .patch(
            &task,
            &intruder,
            &json!({"status": {"state": "completed", "description": "x"}}),
        )
        .await;
    r.expect_denied();
    assert_eq!(
        t.api.get(&job.path(), &u.token).await.expect_json(200)["status"]["details"],
        json!(["releaseWait"])
    );
}
