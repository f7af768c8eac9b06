//! Tenant isolation: nothing of tenant A (printer, share, job, document, operation, access lists, recent
//! shares) is visible to or changeable by tenant B, even by id and with every permission.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

struct World {
    a: Tenant,
    printer: String,
    share: String,
    op_url: String,
    job: Job,
    user: User,
    data: Vec<u8>,
}

async fn tenant_a() -> World {
    let a = Tenant::new();
    let r = a
        .api
        .post(
            "/v1.0/print/printers/create",
            &a.admin,
            &printer_create_body("A's printer"),
        )
        .await;
    r.expect(202);
    let op_url = r.header("operation-location").unwrap().to_string();
    let printer = a.api.get(&op_url, &a.admin).await.expect_json(200)["printer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let share = a.share(&printer, "A's share", true).await;
    a.api
        .post(
            &format!("/v1.0/print/shares/{share}/allowedUsers/$ref"),
            &a.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{}", uuid())}),
        )
        .await
        .expect(204);
    let user = a.user("alice");
    let data = bytes(64);
    let job = a.uploaded_job(&share, &user.token, &data).await;
    World {
        a,
        printer,
        share,
        op_url,
        job,
        user,
        data,
    }
}

#[tokio::test]
async fn another_tenants_admin_gets_404_for_everything_by_id() {
    let w = tenant_a().await;
    let b = Tenant::new();
    let api = &b.api;
    let (p, s, j) = (&w.printer, &w.share, &w.job);
    let pj = format!("/v1.0/print/printers/{p}/jobs/{}", j.id);
    let upload_body =
        json!({"properties": {"documentName": "x", "contentType": "application/pdf", "size": 3}});

    let mut misses: Vec<String> = vec![];
    let mut check = |r: Resp| {
        if r.status != 404 {
            misses.push(format!("{} {} → {} {}", r.method, r.url, r.status, r.text()));
        } else {
            r.assert_graph_error();
        }
    };
    check(api.get(&format!("/v1.0/print/printers/{p}"), &b.admin).await);
    check(api.get(&format!("/beta/print/printers/{p}"), &b.admin).await);
    check(
        api.patch(
            &format!("/v1.0/print/printers/{p}"),
            &b.admin,
            &json!({"displayName": "mine"}),
        )
        .await,
    );
    check(
        api.post_empty(
            &format!("/v1.0/print/printers/{p}/restoreFactoryDefaults"),
            &b.admin,
        )
        .await,
    );
    check(
        api.get(&format!("/v1.0/print/printers/{p}/shares"), &b.admin)
            .await,
    );
    check(
        api.get(&format!("/v1.0/print/printers/{p}/connectors"), &b.admin)
            .await,
    );
    check(api.get(&format!("/v1.0/print/printers/{p}/jobs"), &b.admin).await);
    check(
        api.post(&format!("/v1.0/print/printers/{p}/jobs"), &b.admin, &json!({}))
            .await,
    );
    check(api.get(&pj, &b.admin).await);
    check(api.get(&format!("{pj}/documents"), &b.admin).await);
    check(api.get(&format!("{pj}/documents/{}", j.doc), &b.admin).await);
    check(
        api.get(&format!("{pj}/documents/{}/$value", j.doc), &b.admin)
            .await,
    );
    check(
        api.post(
            &format!("{pj}/documents/{}/createUploadSession", j.doc),
            &b.admin,
            &upload_body,
        )
        .await,
    );
    check(api.post_empty(&format!("{pj}/start"), &b.admin).await);
    check(api.post_empty(&format!("{pj}/cancel"), &b.admin).await);
    check(api.get(&format!("/v1.0/print/shares/{s}"), &b.admin).await);
    check(api.get(&format!("/beta/print/printerShares/{s}"), &b.admin).await);
    check(
        api.get(&format!("/v1.0/print/shares/{s}/printer"), &b.admin)
            .await,
    );
    check(
        api.patch(
            &format!("/v1.0/print/shares/{s}"),
            &b.admin,
            &json!({"displayName": "mine"}),
        )
        .await,
    );
    check(api.get(&format!("/v1.0/print/shares/{s}/jobs"), &b.admin).await);
    check(
        api.post(&format!("/v1.0/print/shares/{s}/jobs"), &b.admin, &json!({}))
            .await,
    );
    check(api.get(&j.path(), &b.admin).await);
    check(
        api.get(&format!("/v1.0/print/shares/{s}/allowedUsers"), &b.admin)
            .await,
    );
    check(
        api.get(&format!("/v1.0/print/shares/{s}/allowedGroups"), &b.admin)
            .await,
    );
    check(
        api.post(
            &format!("/v1.0/print/shares/{s}/allowedUsers/$ref"),
            &b.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{}", uuid())}),
        )
        .await,
    );
    check(
        api.post(
            &format!("/v1.0/print/shares/{s}/allowedGroups/$ref"),
            &b.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/groups/{}", uuid())}),
        )
        .await,
    );
    check(api.get(&w.op_url, &b.admin).await);
    // Destructive attempts last.
    check(api.delete(&format!("/v1.0/print/shares/{s}"), &b.admin).await);
    check(api.delete(&format!("/v1.0/print/printers/{p}"), &b.admin).await);

    // B's users and apps fare no better.
    let bu = b.user("bob");
    check(api.get(&format!("/v1.0/print/shares/{s}"), &bu.token).await);
    check(
        api.post(&format!("/v1.0/print/shares/{s}/jobs"), &bu.token, &json!({}))
            .await,
    );
    check(api.get(&j.path(), &bu.token).await);
    let app = b.app(
        &uuid(),
        "Printer.ReadWrite.All PrintJob.ReadWrite.All PrintJob.Manage.All",
    );
    check(api.get(&format!("/v1.0/print/printers/{p}"), &app).await);
    check(api.get(&pj, &app).await);
    check(api.get(&format!("{pj}/documents/{}/$value", j.doc), &app).await);
    check(
        api.patch(
            &format!("/v1.0/print/printers/{p}"),
            &app,
            &json!({"displayName": "mine"}),
        )
        .await,
    );
    assert!(
        misses.is_empty(),
        "tenant B reached tenant A's resources:\n{}",
        misses.join("\n")
    );

    // A's resources are untouched.
    let a = &w.a;
    let pv = a
        .api
        .get(&format!("/v1.0/print/printers/{p}"), &a.admin)
        .await
        .expect_json(200);
    assert_eq!(pv["displayName"], "A's printer");
    assert_eq!(
        a.api
            .get(&format!("/v1.0/print/shares/{s}"), &a.admin)
            .await
            .expect_json(200)["displayName"],
        "A's share"
    );
    let jv = a.api.get(&j.path(), &w.user.token).await.expect_json(200);
    assert_eq!(jv["status"]["state"], "paused");
    let bin = a
        .api
        .get(&format!("{}/$value", j.doc_path()), &w.user.token)
        .await;
    assert_eq!(bin.body, w.data);
    assert_eq!(
        a.api
            .get(&format!("/v1.0/print/shares/{s}/allowedUsers"), &a.admin)
            .await
            .expect_json(200)["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn another_tenants_lists_are_empty() {
    let w = tenant_a().await;
    let b = Tenant::new();
    let bu = b.user("bob");
    for (path, token) in [
        ("/v1.0/print/printers", &b.admin),
        ("/v1.0/print/shares", &b.admin),
        ("/v1.0/print/shares", &bu.token),
        ("/beta/print/printerShares", &b.admin),
        ("/v1.0/print/connectors", &b.admin),
        ("/v1.0/me/print/recentPrinterShares", &bu.token),
    ] {
        let v = b.api.get(path, token).await.expect_json(200);
        assert_eq!(v["value"], json!([]), "{path}: {v}");
    }
    // A still sees its own.
    assert_eq!(
        w.a.api
            .get("/v1.0/print/printers", &w.a.admin)
            .await
            .expect_json(200)["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_same_user_id_in_another_tenant_is_another_user() {
    let w = tenant_a().await;
    let b = Tenant::new();
    // Same object id, other tenant: none of alice's jobs or recent shares.
    let twin = b.token(&w.user.oid, USER_SCOPES, false);
    assert_eq!(
        b.api
            .get("/v1.0/me/print/recentPrinterShares", &twin)
            .await
            .expect_json(200)["value"],
        json!([])
    );
    b.api
        .get(&w.job.path(), &twin)
        .await
        .expect_code(404, "itemNotFound");
    b.api
        .post_empty(&w.job.action("cancel"), &twin)
        .await
        .expect_code(404, "itemNotFound");
    // In A, alice's recent shares list the share.
    let recent: Value =
        w.a.api
            .get("/v1.0/me/print/recentPrinterShares", &w.user.token)
            .await
            .expect_json(200);
    assert!(
        recent["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == w.share.as_str())
    );
}

#[tokio::test]
async fn another_tenants_printer_cannot_be_bound_to_a_share() {
    let w = tenant_a().await;
    let b = Tenant::new();
    let bind = format!("https://graph.microsoft.com/v1.0/print/printers/{}", w.printer);
    let r = b
        .api
        .post(
            "/v1.0/print/shares",
            &b.admin,
            &json!({"displayName": "stolen", "printer@odata.bind": bind}),
        )
        .await;
    assert!(matches!(r.status, 400 | 404), "{r:?}");
    r.assert_graph_error();
    let (_bp, bs) = b.open_share("B's").await;
    let r = b
        .api
        .patch(
            &format!("/v1.0/print/shares/{bs}"),
            &b.admin,
            &json!({"printer@odata.bind": bind}),
        )
        .await;
    assert!(matches!(r.status, 400 | 404), "{r:?}");
    r.assert_graph_error();
    assert_eq!(
        b.api.get("/v1.0/print/printers", &b.admin).await.expect_json(200)["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn upload_urls_of_one_tenant_do_not_leak_into_another() {
    let w = tenant_a().await;
    let a = &w.a;
    let job = a
        .job(&format!("/v1.0/print/shares/{}/jobs", w.share), &w.user.token)
        .await;
    let url = a.upload_session(&job, &w.user.token, "application/pdf", 4).await;
    // Tenant B's token adds nothing: the URL's own credential decides; B's job is unaffected.
    let b = Tenant::new();
    let r = a
        .api
        .exec(
            a.api
                .req(Method::PUT, &url)
                .bearer_auth(&b.admin)
                .header("content-range", "bytes 0-3/4")
                .body(b"abcd".to_vec()),
        )
        .await;
    r.expect(201);
    assert_eq!(
        a.api.get(&job.doc_path(), &w.user.token).await.expect_json(200)["size"],
        4
    );
    b.api
        .get(&job.doc_path(), &b.admin)
        .await
        .expect_code(404, "itemNotFound");
}
