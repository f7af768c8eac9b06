//! Print policies (`/platen/print-policies`): administered by printer administrators, applied when a job starts.
//! A forced setting is written into the job's configuration (Graph shows the job as it will print) with the
//! policy named in its status; a size cap refuses the start with a Graph error naming the policy, and the job
//! stays as it was.

use crate::common::*;
use serde_json::json;

const POLICIES: &str = "/platen/print-policies";

#[tokio::test]
async fn forced_settings_are_written_into_the_job_and_named_in_its_status() {
    let t = Tenant::new();
    let (printer, share) = t.open_share("Copy room").await;
    let policy = t
        .api
        .post(
            POLICIES,
            &t.admin,
            &json!({"displayName": "Save paper", "printerId": printer, "forceMonochrome": true, "forceDuplex": true}),
        )
        .await
        .expect_json(201);
    assert_eq!(policy["printerId"], printer.as_str());
    assert!(policy["groupId"].is_null());

    let user = t.user("ada");
    let (id, doc) = t
        .api
        .create_job(
            &format!("/v1.0/print/shares/{share}/jobs"),
            &user.token,
            json!({"colorMode": "color", "copies": 2}),
        )
        .await;
    let job = Job {
        id,
        doc,
        collection: format!("/v1.0/print/shares/{share}/jobs"),
    };
    t.upload(&job, &user.token, &bytes(1000)).await;
    let status = t
        .api
        .post_empty(&job.action("start"), &user.token)
        .await
        .expect_json(200);
    let description = status["description"].as_str().unwrap();
    assert!(
        description.contains("Printed in black and white and two-sided by the print policy 'Save paper'."),
        "{status}"
    );
    let read = t.api.get(&job.path(), &user.token).await.expect_json(200);
    assert_eq!(read["configuration"]["colorMode"], "blackAndWhite", "{read}");
    assert_eq!(read["configuration"]["duplexMode"], "flipOnLongEdge", "{read}");
    assert_eq!(read["configuration"]["copies"], 2, "{read}");

    // A retried start answers the started job as it is.
    t.api
        .post_empty(&job.action("start"), &user.token)
        .await
        .expect_json(200);

    // Deleted: the next job prints as asked.
    let policy_path = format!("{POLICIES}/{}", policy["id"].as_str().unwrap());
    t.api.delete(&policy_path, &t.admin).await.expect(204);
    t.api.get(&policy_path, &t.admin).await.expect_not_found();
    let (id, doc) = t
        .api
        .create_job(&job.collection, &user.token, json!({"colorMode": "color"}))
        .await;
    let free = Job {
        id,
        doc,
        collection: job.collection.clone(),
    };
    t.upload(&free, &user.token, &bytes(10)).await;
    t.api
        .post_empty(&free.action("start"), &user.token)
        .await
        .expect_json(200);
    let read = t.api.get(&free.path(), &user.token).await.expect_json(200);
    assert_eq!(read["configuration"]["colorMode"], "color", "{read}");
}

#[tokio::test]
async fn a_groups_size_cap_refuses_its_members_jobs_at_start_and_leaves_them_as_they_were() {
    let t = Tenant::new();
    let (_, share) = t.open_share("Plotter").await;
    let group = uuid();
    t.api
        .post(
            POLICIES,
            &t.admin,
            &json!({"displayName": "Small files", "groupId": group, "maxDocumentBytes": 1500}),
        )
        .await
        .expect_json(201);
    let member = t.user_with("member", USER_SCOPES, &group);
    let outsider = t.user("outsider");

    let big = t.uploaded_job(&share, &member.token, &bytes(2000)).await;
    let e = t
        .api
        .post_empty(&big.action("start"), &member.token)
        .await
        .expect_denied();
    assert_eq!(e["innerError"]["code"], "printPolicyViolation", "{e}");
    assert_eq!(
        e["message"],
        "The print policy 'Small files' allows documents of at most 1.5 KiB; this document has 2.0 KiB.",
        "{e}"
    );
    let still = t.api.get(&big.path(), &member.token).await.expect_json(200);
    assert_eq!(still["status"]["state"], "paused", "{still}");

    let small = t.uploaded_job(&share, &member.token, &bytes(1500)).await;
    t.api
        .post_empty(&small.action("start"), &member.token)
        .await
        .expect_json(200);
    let theirs = t.uploaded_job(&share, &outsider.token, &bytes(2000)).await;
    t.api
        .post_empty(&theirs.action("start"), &outsider.token)
        .await
        .expect_json(200);
}

#[tokio::test]
async fn policies_are_validated_and_administered_by_printer_administrators_only() {
    let t = Tenant::new();
    let printer = t.printer("P").await;
    let user = t.user("ada");
    let body = json!({"displayName": "Mono", "printerId": printer, "forceMonochrome": true});
    t.api.post(POLICIES, &user.token, &body).await.expect_denied();
    t.api.get(POLICIES, &user.token).await.expect_denied();
    for bad in [
        json!({"displayName": "Both", "printerId": printer, "groupId": "g", "forceMonochrome": true}),
        json!({"displayName": "Neither", "forceMonochrome": true}),
        json!({"displayName": "No rule", "printerId": printer}),
        json!({"displayName": "", "printerId": printer, "forceDuplex": true}),
        json!({"displayName": "Zero", "printerId": printer, "maxDocumentBytes": 0}),
        json!({"displayName": "Text", "printerId": printer, "maxDocumentBytes": "1GB"}),
        json!({"displayName": "Extra", "printerId": printer, "forceDuplex": true, "colour": true}),
    ] {
        t.api.post(POLICIES, &t.admin, &bad).await.expect_bad_request();
    }
    t.api
        .post(
            POLICIES,
            &t.admin,
            &json!({"displayName": "Ghost", "printerId": uuid(), "forceDuplex": true}),
        )
        .await
        .expect_not_found();
    let created = t.api.post(POLICIES, &t.admin, &body).await.expect_json(201);
    let listed = t.api.get(POLICIES, &t.admin).await.expect_json(200);
    assert_eq!(listed["value"], json!([created]));
    // Another tenant sees none of it.
    let other = Tenant::on(t.api.clone());
    assert_eq!(
        other.api.get(POLICIES, &other.admin).await.expect_json(200),
        json!({"value": []})
    );
    other
        .api
        .delete(
            &format!("{POLICIES}/{}", created["id"].as_str().unwrap()),
            &other.admin,
        )
        .await
        .expect_not_found();
}
