//! App printing (Platen's opt-in): with the tenant's switch off an application token gets exactly the contract's
//! answer on every job submission route; switched on, an app holding `PrintJob.ReadWrite.All` or
//! `Platen.PrintJob.Submit` creates, uploads, starts, reads and cancels its own jobs on the shares granted to it,
//! and nothing more.

use crate::common::*;
use serde_json::json;

const SWITCH: &str = "/platen/app-printing";
const GRANTS: &str = "/platen/app-printing/grants";

/// The answer to an application's job creation through a share: status and error body without request ids.
async fn create_answer(t: &Tenant, share: &str, token: &str) -> (u16, serde_json::Value) {
    let r = t
        .api
        .post(&format!("/v1.0/print/shares/{share}/jobs"), token, &json!({}))
        .await;
    let e = r.expect_error(403);
    (403, json!({"code": e["code"], "message": e["message"]}))
}

#[tokio::test]
async fn an_app_prints_its_own_jobs_on_granted_shares_only_while_the_tenant_allows_it() {
    let t = Tenant::new();
    let (printer, share) = t.open_share("Invoices").await;
    let (_, other_share) = t.open_share("Elsewhere").await;
    let app_id = uuid();
    let erp = t
        .srv()
        .app_token(&t.id, &app_id)
        .name("Contoso ERP")
        .roles("PrintJob.ReadWrite.All")
        .mint();

    // Off (the default): the contract's answer.
    let contract = create_answer(&t, &share, &erp).await;
    assert_eq!(
        t.api.get(SWITCH, &t.admin).await.expect_json(200),
        json!({"enabled": false})
    );

    // Only administrators with the settings permission read or switch it.
    let user = t.user("clerk");
    t.api.get(SWITCH, &user.token).await.expect_denied();
    t.api.get(SWITCH, &erp).await.expect_denied();
    t.api
        .patch(SWITCH, &user.token, &json!({"enabled": true}))
        .await
        .expect_denied();
    t.api
        .patch(SWITCH, &t.admin, &json!({"enabled": "yes"}))
        .await
        .expect_bad_request();
    t.api
        .patch(SWITCH, &t.admin, &json!({"enabled": true}))
        .await
        .expect_json(200);

    // On, but no grant: refused with a sentence that says so.
    let e = t
        .api
        .post(&format!("/v1.0/print/shares/{share}/jobs"), &erp, &json!({}))
        .await
        .expect_denied();
    assert!(e["message"].as_str().unwrap().contains("not granted"), "{e}");

    let grant = t
        .api
        .post(GRANTS, &t.admin, &json!({"appId": app_id, "shareId": share}))
        .await
        .expect_json(201);
    assert_eq!(grant["shareId"], share.as_str());
    t.api
        .post(GRANTS, &t.admin, &json!({"appId": app_id, "shareId": share}))
        .await
        .expect_conflict();
    t.api
        .post(GRANTS, &t.admin, &json!({"appId": app_id, "shareId": uuid()}))
        .await
        .expect_not_found();
    let listed = t.api.get(GRANTS, &t.admin).await.expect_json(200);
    assert_eq!(listed["value"].as_array().unwrap().len(), 1, "{listed}");

    // The whole submission, as an app: create, upload through the share's upload session, start, read, cancel.
    let collection = format!("/v1.0/print/shares/{share}/jobs");
    let job = t.job(&collection, &erp).await;
    let created = t.api.get(&job.path(), &erp).await.expect_json(200);
    assert_eq!(created["createdBy"]["displayName"], "Contoso ERP", "{created}");
    assert!(created["createdBy"]["userPrincipalName"].is_null(), "{created}");
    t.upload(&job, &erp, &bytes(2048)).await;
    let status = t
        .api
        .post_empty(&job.action("start"), &erp)
        .await
        .expect_json(200);
    assert_eq!(status["state"], "pending", "{status}");

    // Its own jobs only: a user's job on the same share is not the app's.
    let users_job = t.uploaded_job(&share, &user.token, &bytes(100)).await;
    t.api.get(&users_job.path(), &erp).await.expect_denied();
    t.api
        .post_empty(&users_job.action("cancel"), &erp)
        .await
        .expect_denied();
    let mine = t.api.get(&collection, &erp).await.expect_json(200);
    let ids: Vec<&str> = mine["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [job.id.as_str()], "{mine}");
    t.api.post_empty(&job.action("cancel"), &erp).await.expect(204);
    let canceled = t.api.get(&job.path(), &erp).await.expect_json(200);
    assert_eq!(canceled["status"]["state"], "canceled", "{canceled}");

    // Not on a share it was not granted, not through the printer, not the pull-print app's actions.
    t.api
        .post(
            &format!("/v1.0/print/shares/{other_share}/jobs"),
            &erp,
            &json!({}),
        )
        .await
        .expect_denied();
    t.api
        .post(&format!("/v1.0/print/printers/{printer}/jobs"), &erp, &json!({}))
        .await
        .expect_denied();
    t.api
        .post_empty(
            &format!("/v1.0/print/printers/{printer}/jobs/{}/abort", job.id),
            &erp,
        )
        .await
        .expect_denied();

    // Platen's narrower role prints too; a read-only role does not.
    let narrow = t.app(&app_id, "Platen.PrintJob.Submit");
    t.job(&collection, &narrow).await;
    let reader = t.app(&app_id, "PrintJob.Read.All");
    t.api.post(&collection, &reader, &json!({})).await.expect_denied();

    // Revoked: refused again; switched off: exactly the contract's answer again.
    let grant_id = grant["id"].as_str().unwrap();
    t.api
        .delete(&format!("{GRANTS}/{grant_id}"), &t.admin)
        .await
        .expect(204);
    t.api
        .delete(&format!("{GRANTS}/{grant_id}"), &t.admin)
        .await
        .expect_not_found();
    t.api.post(&collection, &erp, &json!({})).await.expect_denied();
    t.api
        .patch(SWITCH, &t.admin, &json!({"enabled": false}))
        .await
        .expect_json(200);
    assert_eq!(create_answer(&t, &share, &erp).await, contract);
}

#[tokio::test]
async fn one_tenants_switch_and_grants_open_nothing_in_another() {
    let a = Tenant::new();
    let b = Tenant::on(a.api.clone());
    let (_, share_a) = a.open_share("A").await;
    let app_id = uuid();
    a.api
        .patch(SWITCH, &a.admin, &json!({"enabled": true}))
        .await
        .expect_json(200);
    a.api
        .post(GRANTS, &a.admin, &json!({"appId": app_id, "shareId": share_a}))
        .await
        .expect_json(201);
    // The same app in tenant B: B's switch is off, and A's share is not B's.
    let in_b = b.app(&app_id, "PrintJob.ReadWrite.All");
    b.api
        .post(&format!("/v1.0/print/shares/{share_a}/jobs"), &in_b, &json!({}))
        .await
        .expect_denied();
    assert_eq!(
        b.api.get(GRANTS, &b.admin).await.expect_json(200),
        json!({"value": []})
    );
    // B's administrator cannot grant A's share.
    b.api
        .post(GRANTS, &b.admin, &json!({"appId": app_id, "shareId": share_a}))
        .await
        .expect_not_found();
}
