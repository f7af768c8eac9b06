//! End-to-end flows of `graph-print-api.md` §3 on v1.0 and beta: registration (long-running operation),
//! printer updates, shares and their access lists, job submission with a resumable upload, start, download,
//! cancel, recent shares, and the beta aliases.

use crate::common::*;
use base64::Engine;
use serde_json::{Value, json};
use x509_parser::prelude::{FromDer, X509CertificationRequest};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn printer_registration_is_a_long_running_operation_with_a_signed_certificate() {
    let t = Tenant::new();
    let api = &t.api;
    let (csr_pem, _key) = platen_pki::generate_csr_pem("Registration Test");
    // The CSR as base64 DER, the way devices send it.
    let csr_b64 = pem_to_base64_der(&csr_pem);
    let body = json!({
        "displayName": "Registration Test",
        "manufacturer": "Contoso",
        "model": "M1",
        "physicalDeviceId": uuid(),
        "hasPhysicalDevice": true,
        "certificateSigningRequest": {"content": csr_b64, "transportKey": "dHJhbnNwb3J0"},
    });
    let r = api.post("/v1.0/print/printers/create", &t.admin, &body).await;
    r.expect(202);
    assert!(r.body.is_empty(), "202 has no body: {}", r.text());
    let op_url = r
        .header("operation-location")
        .expect("Operation-Location header")
        .to_string();
    assert!(
        op_url.starts_with(&format!("{}/v1.0/print/operations/", api.srv.base)),
        "absolute operation URL: {op_url}"
    );
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After header")
        .parse()
        .expect("Retry-After is seconds");
    assert!(retry <= 60);

    let op = api.get(&op_url, &t.admin).await.expect_json(200);
    assert_eq!(op["@odata.type"], "#microsoft.graph.printerCreateOperation");
    assert!(
        op["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#print/operations/$entity"),
        "{op}"
    );
    assert_eq!(op["status"]["state"], "succeeded");
    assert!(op["status"]["description"].is_string());
    assert!(op["createdDateTime"].is_string());
    let printer = &op["printer"];
    let pid = printer["id"].as_str().expect("printer id");
    assert_eq!(printer["displayName"], "Registration Test");
    assert_eq!(printer["isShared"], false);
    assert_eq!(printer["hasPhysicalDevice"], true);
    assert!(printer["registeredDateTime"].is_string());

    // The certificate: base64 DER of an X.509 certificate for the CSR's key, naming the printer.
    let der = base64::engine::general_purpose::STANDARD
        .decode(op["certificate"].as_str().expect("certificate"))
        .expect("base64");
    let (rest, cert) = x509_parser::parse_x509_certificate(&der).expect("certificate parses");
    assert!(rest.is_empty());
    let csr_der = base64::engine::general_purpose::STANDARD
        .decode(&csr_b64)
        .unwrap();
    let (_, csr) = X509CertificationRequest::from_der(&csr_der).expect("CSR parses");
    assert_eq!(
        cert.public_key().subject_public_key.data,
        csr.certification_request_info.subject_pki.subject_public_key.data,
        "the certificate certifies the CSR's key"
    );
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok())
        .map(str::to_string);
    assert_eq!(cn.as_deref(), Some(pid), "certificate subject names the printer");

    // The printer exists.
    let p = api
        .get(&format!("/v1.0/print/printers/{pid}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(p["id"], pid);
    assert!(
        p["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#print/printers/$entity")
    );
    assert_eq!(p["manufacturer"], "Contoso");
    assert_eq!(p["model"], "M1");
}

#[tokio::test]
async fn printer_registration_accepts_a_pem_csr_and_virtual_printers() {
    let t = Tenant::new();
    let (csr_pem, _) = platen_pki::generate_csr_pem("Virtual");
    let body = json!({
        "displayName": "Virtual", "manufacturer": "Contoso", "model": "Pull", "physicalDeviceId": null,
        "hasPhysicalDevice": false, "certificateSigningRequest": {"content": csr_pem, "transportKey": "a2V5"},
    });
    let pid = t.printer_with(&t.admin, body).await;
    let p = t
        .api
        .get(&format!("/v1.0/print/printers/{pid}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(p["hasPhysicalDevice"], false);
}

#[tokio::test]
async fn printer_patch_stores_location_subunit_and_defaults() {
    let t = Tenant::new();
    let pid = t.printer("Patch Me").await;
    let path = format!("/v1.0/print/printers/{pid}");
    let body = json!({
        "displayName": "Patched",
        "location": {"building": "B1", "floor": "3", "roomName": "301", "subUnit": ["East Wing", "Block A"], "latitude": 1.5},
        "defaults": {"copiesPerJob": 2, "colorMode": "blackAndWhite", "duplexMode": "oneSided", "mediaSize": "A4"},
    });
    let v = t.api.patch(&path, &t.admin, &body).await.expect_json(200);
    assert_eq!(v["displayName"], "Patched");
    assert_eq!(v["location"]["subunit"], json!(["East Wing", "Block A"]));
    assert!(
        v["location"].get("subUnit").is_none(),
        "emitted as subunit only: {v}"
    );
    let g = t.api.get(&path, &t.admin).await.expect_json(200);
    assert_eq!(g["displayName"], "Patched");
    assert_eq!(g["location"]["subunit"], json!(["East Wing", "Block A"]));
    assert_eq!(g["location"]["building"], "B1");
    assert_eq!(g["location"]["latitude"], 1.5);
    assert_eq!(g["defaults"]["copiesPerJob"], 2);
    assert_eq!(g["defaults"]["colorMode"], "blackAndWhite");
    assert_eq!(g["defaults"]["mediaSize"], "A4");
    // The canonical name is accepted too.
    let v = t
        .api
        .patch(&path, &t.admin, &json!({"location": {"subunit": ["West"]}}))
        .await
        .expect_json(200);
    assert_eq!(v["location"]["subunit"], json!(["West"]));
}

#[tokio::test]
async fn printer_capabilities_are_returned_only_when_selected() {
    let t = Tenant::new();
    let pid = t.printer("Caps").await;
    let path = format!("/v1.0/print/printers/{pid}");
    let full = t.api.get(&path, &t.admin).await.expect_json(200);
    assert!(
        full.get("capabilities").is_none(),
        "capabilities omitted by default: {full}"
    );
    assert!(
        full.get("defaults").is_some(),
        "defaults are part of a single printer: {full}"
    );
    let sel = t
        .api
        .get(&format!("{path}?$select=id,displayName,capabilities"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(
        keys(&sel),
        vec!["@odata.context", "capabilities", "displayName", "id"]
    );
    assert!(sel["capabilities"].is_object());
    // Lists carry neither defaults nor capabilities.
    let list = t.api.get("/v1.0/print/printers", &t.admin).await.expect_json(200);
    let item = &list["value"][0];
    assert!(
        item.get("defaults").is_none() && item.get("capabilities").is_none(),
        "{item}"
    );
}

#[tokio::test]
async fn share_lifecycle_name_limit_one_share_per_printer_and_repointing() {
    let t = Tenant::new();
    let api = &t.api;
    let p1 = t.printer("P1").await;
    let p2 = t.printer("P2").await;
    let bind = |p: &str| format!("https://graph.microsoft.com/v1.0/print/printers/{p}");

    let long = "x".repeat(51);
    api.post(
        "/v1.0/print/shares",
        &t.admin,
        &json!({"displayName": long, "printer@odata.bind": bind(&p1)}),
    )
    .await
    .expect_error(400);
    let name50 = "y".repeat(50);
    let s = api
        .post(
            "/v1.0/print/shares",
            &t.admin,
            &json!({"displayName": name50, "printer@odata.bind": bind(&p1)}),
        )
        .await
        .expect_json(201);
    assert!(
        s["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#print/shares/$entity")
    );
    assert_eq!(s["displayName"], name50);
    assert_eq!(s["allowAllUsers"], false);
    assert!(s["createdDateTime"].is_string());
    let sid = s["id"].as_str().unwrap().to_string();
    let p1v = api
        .get(&format!("/v1.0/print/printers/{p1}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(p1v["isShared"], true);
    let p2v = api
        .get(&format!("/v1.0/print/printers/{p2}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(p2v["isShared"], false);

    // One share per printer.
    api.post(
        "/v1.0/print/shares",
        &t.admin,
        &json!({"displayName": "again", "printer@odata.bind": bind(&p1)}),
    )
    .await
    .expect_error(409);

    // The printer's shares navigation.
    let ps = api
        .get(&format!("/v1.0/print/printers/{p1}/shares"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(ps["value"].as_array().unwrap().len(), 1);
    assert_eq!(ps["value"][0]["id"], sid.as_str());

    // Hardware swap: re-point the share to P2 (a relative bind URL works as well as an absolute one).
    let v = api
        .patch(
            &format!("/v1.0/print/shares/{sid}"),
            &t.admin,
            &json!({"printer@odata.bind": format!("print/printers/{p2}"), "displayName": "Swapped"}),
        )
        .await
        .expect_json(200);
    assert_eq!(v["displayName"], "Swapped");
    let printer = api
        .get(&format!("/v1.0/print/shares/{sid}/printer"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(printer["id"], p2.as_str());
    assert_eq!(
        api.get(&format!("/v1.0/print/printers/{p1}"), &t.admin)
            .await
            .expect_json(200)["isShared"],
        false
    );
    assert_eq!(
        api.get(&format!("/v1.0/print/printers/{p2}"), &t.admin)
            .await
            .expect_json(200)["isShared"],
        true
    );

    // P1 is free again.
    api.post(
        "/v1.0/print/shares",
        &t.admin,
        &json!({"displayName": "P1 again", "printer@odata.bind": bind(&p1)}),
    )
    .await
    .expect(201);

    // Unshare.
    let r = api.delete(&format!("/v1.0/print/shares/{sid}"), &t.admin).await;
    r.expect(204);
    assert!(r.body.is_empty());
    api.get(&format!("/v1.0/print/shares/{sid}"), &t.admin)
        .await
        .expect_code(404, "itemNotFound");
    assert_eq!(
        api.get(&format!("/v1.0/print/printers/{p2}"), &t.admin)
            .await
            .expect_json(200)["isShared"],
        false
    );
}

#[tokio::test]
async fn share_repointing_to_a_printer_that_already_has_a_share_conflicts() {
    let t = Tenant::new();
    let (_p1, s1) = t.open_share("A").await;
    let (p2, _s2) = t.open_share("B").await;
    t.api
        .patch(
            &format!("/v1.0/print/shares/{s1}"),
            &t.admin,
            &json!({"printer@odata.bind": format!("https://x.example/v1.0/print/printers/{p2}")}),
        )
        .await
        .expect_error(409);
}

#[tokio::test]
async fn allowed_users_and_groups_refs_add_list_count_and_remove() {
    let t = Tenant::new();
    let api = &t.api;
    let p = t.printer("ACL").await;
    let s = t.share(&p, "ACL", false).await;
    let (u1, u2, g1) = (uuid(), uuid(), uuid());
    let users = format!("/v1.0/print/shares/{s}/allowedUsers");
    let groups = format!("/v1.0/print/shares/{s}/allowedGroups");

    // `@odata.id` of any host.
    let r = api
        .post(
            &format!("{users}/$ref"),
            &t.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{u1}")}),
        )
        .await;
    r.expect(204);
    assert!(r.body.is_empty());
    api.post(
        &format!("{users}/$ref"),
        &t.admin,
        &json!({"@odata.id": format!("http://localhost:1234/beta/users/{u2}")}),
    )
    .await
    .expect(204);
    api.post(
        &format!("{groups}/$ref"),
        &t.admin,
        &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/groups/{g1}")}),
    )
    .await
    .expect(204);

    let list = api.get(&users, &t.admin).await.expect_json(200);
    let mut ids: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut want = vec![u1.as_str(), u2.as_str()];
    want.sort();
    assert_eq!(ids, want);
    for u in list["value"].as_array().unwrap() {
        assert!(
            u.get("displayName").is_some() && u.get("userPrincipalName").is_some(),
            "{u}"
        );
    }
    let counted = api
        .get(&format!("{users}?$count=true"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(counted["@odata.count"], 2);
    let n = api.get(&format!("{users}/$count"), &t.admin).await;
    n.expect(200);
    assert_eq!(n.text().trim(), "2");

    let gl = api.get(&groups, &t.admin).await.expect_json(200);
    assert_eq!(gl["value"].as_array().unwrap().len(), 1);
    assert_eq!(gl["value"][0]["id"], g1.as_str());
    assert_eq!(
        api.get(&format!("{groups}/$count"), &t.admin).await.text().trim(),
        "1"
    );

    // Remove.
    let r = api.delete(&format!("{users}/{u1}/$ref"), &t.admin).await;
    r.expect(204);
    assert!(r.body.is_empty());
    api.delete(&format!("{users}/{u1}/$ref"), &t.admin)
        .await
        .expect_error(404);
    api.delete(&format!("{groups}/{g1}/$ref"), &t.admin)
        .await
        .expect(204);
    let list = api.get(&users, &t.admin).await.expect_json(200);
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    assert_eq!(list["value"][0]["id"], u2.as_str());
    assert_eq!(
        api.get(&groups, &t.admin).await.expect_json(200)["value"],
        json!([])
    );
}

/// `…/allowedUsers/{id}/serviceProvisioningErrors` and `…/allowedGroups/{id}/…` (+ `/$count`), v1.0 and beta:
/// Platen provisions users and groups into no other service, so an entry of a share's list has no errors; an
/// id that is not on that list is not found; reading them takes what reading the list takes.
#[tokio::test]
async fn service_provisioning_errors_of_a_share_list_entry() {
    let t = Tenant::new();
    let api = &t.api;
    let p = t.printer("Provisioned").await;
    let s = t.share(&p, "Provisioned", false).await;
    let (user, group) = (uuid(), uuid());
    for (list, kind, id) in [
        ("allowedUsers", "users", &user),
        ("allowedGroups", "groups", &group),
    ] {
        api.post(
            &format!("/v1.0/print/shares/{s}/{list}/$ref"),
            &t.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/{kind}/{id}")}),
        )
        .await
        .expect(204);
    }
    for (list, id, other) in [("allowedUsers", &user, &group), ("allowedGroups", &group, &user)] {
        for base in [
            format!("/v1.0/print/shares/{s}"),
            format!("/beta/print/shares/{s}"),
            format!("/beta/print/printerShares/{s}"),
        ] {
            let errors = format!("{base}/{list}/{id}/serviceProvisioningErrors");
            let v = api.get(&errors, &t.admin).await.expect_json(200);
            assert_eq!(v["value"], json!([]), "{errors}: {v}");
            let context = v["@odata.context"].as_str().unwrap_or_default();
            assert!(
                context.ends_with(&format!(
                    "/$metadata#print/shares('{s}')/{list}('{id}')/serviceProvisioningErrors"
                )),
                "{errors}: {v}"
            );
            let counted = api
                .get(&format!("{errors}?$count=true&$top=5"), &t.admin)
                .await
                .expect_json(200);
            assert_eq!(counted["@odata.count"], 0, "{counted}");
            let n = api.get(&format!("{errors}/$count"), &t.admin).await;
            n.expect(200);
            assert_eq!(n.text().trim(), "0");

            // Not on this list (the other list's id, an unknown id, an unknown share): 404, count included.
            for missing in [
                format!("{base}/{list}/{other}/serviceProvisioningErrors"),
                format!("{base}/{list}/{}/serviceProvisioningErrors", uuid()),
                format!(
                    "/v1.0/print/shares/{}/{list}/{id}/serviceProvisioningErrors",
                    uuid()
                ),
                format!("{base}/{list}/{other}/serviceProvisioningErrors/$count"),
            ] {
                api.get(&missing, &t.admin).await.expect_code(404, "itemNotFound");
            }
            // Nothing to expand or search; read-only.
            for q in ["$expand=x", "$search=x"] {
                api.get(&format!("{errors}?{q}"), &t.admin)
                    .await
                    .expect_error(400);
            }
            api.post(&errors, &t.admin, &json!({})).await.expect(405);
        }
    }
    // The list's own permission: a user without PrinterShare.Read(Write).All is refused.
    let alice = t.user("alice");
    let errors = format!("/v1.0/print/shares/{s}/allowedUsers/{user}/serviceProvisioningErrors");
    api.get(&errors, &alice.token).await.expect_denied();
    api.get(&format!("{errors}/$count"), &alice.token)
        .await
        .expect_denied();
    // Gone from the list, gone here.
    api.delete(
        &format!("/v1.0/print/shares/{s}/allowedUsers/{user}/$ref"),
        &t.admin,
    )
    .await
    .expect(204);
    api.get(&errors, &t.admin).await.expect_code(404, "itemNotFound");
}

#[tokio::test]
async fn users_see_only_the_shares_allowed_to_them() {
    let t = Tenant::new();
    let api = &t.api;
    let group = uuid();
    let direct = t.user("direct");
    let member = t.user_with("member", USER_SCOPES, &format!("{} {group}", uuid()));
    let outsider = t.user("outsider");

    let all = t.share(&t.printer("all").await, "Everyone", true).await;
    let s_direct = t.share(&t.printer("d").await, "Direct", false).await;
    let s_group = t.share(&t.printer("g").await, "Group", false).await;
    let s_none = t.share(&t.printer("n").await, "Nobody", false).await;
    api.post(
        &format!("/v1.0/print/shares/{s_direct}/allowedUsers/$ref"),
        &t.admin,
        &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{}", direct.oid)}),
    )
    .await
    .expect(204);
    api.post(
        &format!("/v1.0/print/shares/{s_group}/allowedGroups/$ref"),
        &t.admin,
        &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/groups/{group}")}),
    )
    .await
    .expect(204);

    let visible = |v: Value| {
        let mut ids: Vec<String> = v["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        visible(
            api.get("/v1.0/print/shares", &direct.token)
                .await
                .expect_json(200)
        ),
        sorted(vec![&all, &s_direct])
    );
    assert_eq!(
        visible(
            api.get("/v1.0/print/shares", &member.token)
                .await
                .expect_json(200)
        ),
        sorted(vec![&all, &s_group])
    );
    assert_eq!(
        visible(
            api.get("/v1.0/print/shares", &outsider.token)
                .await
                .expect_json(200)
        ),
        sorted(vec![&all])
    );
    assert_eq!(
        visible(api.get("/v1.0/print/shares", &t.admin).await.expect_json(200)),
        sorted(vec![&all, &s_direct, &s_group, &s_none])
    );

    // Non-admin list items are the reduced view.
    let item = &api
        .get("/v1.0/print/shares", &outsider.token)
        .await
        .expect_json(200)["value"][0];
    assert!(
        item.get("allowAllUsers").is_none() && item.get("defaults").is_none(),
        "{item}"
    );

    // Reaching a share that is not allowed is refused; printing to an allowed one works.
    let r = api
        .get(&format!("/v1.0/print/shares/{s_none}"), &outsider.token)
        .await;
    assert!(matches!(r.status, 403 | 404), "{r:?}");
    r.assert_graph_error();
    let r = api
        .post(
            &format!("/v1.0/print/shares/{s_direct}/jobs"),
            &outsider.token,
            &json!({}),
        )
        .await;
    assert!(matches!(r.status, 403 | 404), "{r:?}");
    api.get(&format!("/v1.0/print/shares/{s_group}"), &member.token)
        .await
        .expect(200);
    api.post(
        &format!("/v1.0/print/shares/{s_group}/jobs"),
        &member.token,
        &json!({}),
    )
    .await
    .expect(201);
    api.post(
        &format!("/v1.0/print/shares/{s_direct}/jobs"),
        &direct.token,
        &json!({}),
    )
    .await
    .expect(201);

    // Removing the user from the list hides the share again.
    api.delete(
        &format!("/v1.0/print/shares/{s_direct}/allowedUsers/{}/$ref", direct.oid),
        &t.admin,
    )
    .await
    .expect(204);
    assert_eq!(
        visible(
            api.get("/v1.0/print/shares", &direct.token)
                .await
                .expect_json(200)
        ),
        sorted(vec![&all])
    );
}

/// The §3.1 flow, for one API version prefix.
async fn user_job_flow(version: &str) {
    let t = Tenant::new();
    let api = &t.api;
    let (_p, share) = t.open_share("Flow").await;
    let user = t.user("alice");

    // 1. Create the job: one empty document, paused/uploadPending.
    let jobs = format!("/{version}/print/shares/{share}/jobs");
    let v = api
        .post(
            &jobs,
            &user.token,
            &json!({"configuration": {"copies": 2, "colorMode": "color", "duplexMode": "flipOnLongEdge"}}),
        )
        .await
        .expect_json(201);
    assert!(
        v["@odata.context"]
            .as_str()
            .unwrap()
            .contains("$metadata#print/shares("),
        "{v}"
    );
    let job_id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["status"]["state"], "paused");
    assert_eq!(v["status"]["details"], json!(["uploadPending"]));
    assert_eq!(v["status"]["isAcquiredByPrinter"], false);
    assert!(v["status"]["description"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(v["isFetchable"], false);
    assert_eq!(v["configuration"]["copies"], 2);
    assert_eq!(v["createdBy"]["id"], user.oid.as_str());
    assert_eq!(v["createdBy"]["userPrincipalName"], user.upn.as_str());
    assert!(v["createdDateTime"].is_string());
    let docs = v["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 1, "exactly one document: {v}");
    assert_eq!(docs[0]["displayName"], "");
    assert_eq!(docs[0]["contentType"], "");
    assert_eq!(docs[0]["size"], 0);
    let doc_id = docs[0]["id"].as_str().unwrap().to_string();
    assert!(
        uuid::Uuid::parse_str(&doc_id).is_ok(),
        "document ids are GUIDs: {doc_id}"
    );
    let job = Job {
        id: job_id.clone(),
        doc: doc_id.clone(),
        collection: jobs.clone(),
    };

    // 2. Upload session.
    let data = bytes(3000);
    let s = api
        .post(&format!("{}/createUploadSession", job.doc_path()), &user.token, &json!({"properties": {"documentName": "Flow.pdf", "contentType": "application/pdf", "size": data.len()}}))
        .await
        .expect_json(200);
    assert_eq!(s["nextExpectedRanges"], json!(["0-2999"]));
    assert!(s["expirationDateTime"].is_string());
    let url = s["uploadUrl"].as_str().unwrap().to_string();
    assert!(url.starts_with(&api.srv.base), "upload URL on this server: {url}");

    // 3. Upload out of order: [2000..3000), [0..1000), [1000..2000).
    let r = put_chunk(api, &url, &data[2000..], 2000, 3000).await;
    assert_eq!(r.expect_json(202)["nextExpectedRanges"], json!(["0-1999"]));
    let r = put_chunk(api, &url, &data[..1000], 0, 3000).await;
    assert_eq!(r.expect_json(202)["nextExpectedRanges"], json!(["1000-1999"]));
    let done = put_chunk(api, &url, &data[1000..2000], 1000, 3000)
        .await
        .expect_json(201);
    assert_eq!(done["id"], doc_id.as_str());
    assert_eq!(done["contentType"], "application/pdf");
    assert_eq!(done["size"], 3000);
    // The session is gone after completion.
    api.exec(api.req(reqwest::Method::GET, &url))
        .await
        .expect_error(404);

    let g = api.get(&job.path(), &user.token).await.expect_json(200);
    assert_eq!(g["status"]["state"], "paused");
    assert!(
        !g["status"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "uploadPending"),
        "{g}"
    );
    assert_eq!(g["isFetchable"], false);

    // 4. Start.
    let st = api
        .post_empty(&job.action("start"), &user.token)
        .await
        .expect_json(200);
    assert_eq!(st["state"], "pending");
    assert!(
        st["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#microsoft.graph.printJobStatus"),
        "{st}"
    );
    let g = api.get(&job.path(), &user.token).await.expect_json(200);
    assert_eq!(g["status"]["state"], "pending");
    assert_eq!(g["isFetchable"], true);
    assert!(g.get("documents").is_none(), "documents only with $expand: {g}");

    // $expand=documents.
    let e = api
        .get(&format!("{}?$expand=documents", job.path()), &user.token)
        .await
        .expect_json(200);
    let d = &e["documents"][0];
    assert_eq!(d["id"], doc_id.as_str());
    assert_eq!(d["displayName"], "Flow.pdf");
    assert_eq!(d["contentType"], "application/pdf");
    assert_eq!(d["size"], 3000);
    assert!(d["uploadedDateTime"].is_string());
    let doc = api.get(&job.doc_path(), &user.token).await.expect_json(200);
    assert_eq!(doc["size"], 3000);

    // $value returns the very bytes (directly or behind a redirect).
    let bin = api.get(&format!("{}/$value", job.doc_path()), &user.token).await;
    bin.expect(200);
    assert_eq!(bin.body, data);

    // The job is listed.
    let list = api.get(&jobs, &user.token).await.expect_json(200);
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["id"] == job_id.as_str())
    );

    // 7. Cancel, twice.
    let c = api.post_empty(&job.action("cancel"), &user.token).await;
    c.expect(204);
    assert!(c.body.is_empty());
    api.post_empty(&job.action("cancel"), &user.token)
        .await
        .expect(204);
    assert_eq!(
        api.get(&job.path(), &user.token).await.expect_json(200)["status"]["state"],
        "canceled"
    );

    // Recent shares and the per-user view point.
    let recent = api
        .get(&format!("/{version}/me/print/recentPrinterShares"), &user.token)
        .await
        .expect_json(200);
    let items = recent["value"].as_array().unwrap();
    assert!(items.iter().any(|s| s["id"] == share.as_str()), "{recent}");
    let mine = api
        .get(&format!("/{version}/print/shares/{share}"), &user.token)
        .await
        .expect_json(200);
    assert!(mine["viewPoint"]["lastUsedDateTime"].is_string(), "{mine}");
    let other = t.user("bob");
    let theirs = api
        .get(&format!("/{version}/print/shares/{share}"), &other.token)
        .await
        .expect_json(200);
    assert!(theirs["viewPoint"]["lastUsedDateTime"].is_null(), "{theirs}");
    let none = api
        .get(&format!("/{version}/me/print/recentPrinterShares"), &other.token)
        .await
        .expect_json(200);
    assert_eq!(none["value"], json!([]));
    let by_id = api
        .get(
            &format!("/{version}/users/{}/print/recentPrinterShares", user.oid),
            &user.token,
        )
        .await
        .expect_json(200);
    assert_eq!(by_id["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn user_job_flow_on_v1() {
    user_job_flow("v1.0").await;
}

#[tokio::test]
async fn user_job_flow_on_beta() {
    user_job_flow("beta").await;
}

#[tokio::test]
async fn admin_creates_a_test_job_on_the_printer_path() {
    let t = Tenant::new();
    let pid = t.printer("Admin test").await;
    let job = t.job(&format!("/v1.0/print/printers/{pid}/jobs"), &t.admin).await;
    t.upload(&job, &t.admin, b"%PDF-1.7 hello").await;
    let st = t
        .api
        .post_empty(&job.action("start"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(st["state"], "pending");
    let list = t
        .api
        .get(&format!("/v1.0/print/printers/{pid}/jobs"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    assert!(
        list["@odata.context"]
            .as_str()
            .unwrap()
            .contains("$metadata#print/printers(")
    );
    let docs = t
        .api
        .get(&format!("{}/documents", job.path()), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(docs["value"].as_array().unwrap().len(), 1);
    t.api
        .post_empty(&job.action("cancel"), &t.admin)
        .await
        .expect(204);
    assert_eq!(
        t.api.get(&job.path(), &t.admin).await.expect_json(200)["status"]["state"],
        "canceled"
    );
}

#[tokio::test]
async fn a_share_job_is_reachable_through_its_printer_path_too() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Both").await;
    let u = t.user("u");
    let job = t.uploaded_job(&s, &u.token, b"data").await;
    let via_printer = format!("/v1.0/print/printers/{p}/jobs/{}", job.id);
    t.api.get(&via_printer, &u.token).await.expect(200);
    t.api
        .post_empty(&format!("{via_printer}/start"), &u.token)
        .await
        .expect(200);
    t.api
        .post_empty(&format!("{via_printer}/cancel"), &u.token)
        .await
        .expect(204);
    // The same job, read back through its share path, is canceled.
    let g = t.api.get(&job.path(), &u.token).await.expect_json(200);
    assert_eq!(g["id"], job.id.as_str(), "{g}");
    assert_eq!(g["status"]["state"], "canceled", "{g}");
}

#[tokio::test]
async fn start_before_the_upload_completes_is_refused_and_job_stays_paused() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Early").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    // graph-print-api.md (start: "400/409 if payload missing"): Platen answers 400 invalidRequest with the
    // Graph inner code uploadSessionIncomplete.
    let refused_as_incomplete = |r: &Resp| {
        let e = r.expect_code(400, "invalidRequest");
        assert_eq!(e["innerError"]["code"], "uploadSessionIncomplete", "{r:?}");
    };
    refused_as_incomplete(&t.api.post_empty(&job.action("start"), &u.token).await);
    // Half an upload is still incomplete.
    let url = t.upload_session(&job, &u.token, "application/pdf", 10).await;
    put_chunk(&t.api, &url, &[1; 5], 0, 10).await.expect(202);
    refused_as_incomplete(&t.api.post_empty(&job.action("start"), &u.token).await);
    let g = t.api.get(&job.path(), &u.token).await.expect_json(200);
    assert_eq!(g["status"]["state"], "paused");
    assert_eq!(g["status"]["details"], json!(["uploadPending"]));
}

#[tokio::test]
async fn a_canceled_job_cannot_be_started_or_uploaded_to() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Done").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    t.api
        .post_empty(&job.action("cancel"), &u.token)
        .await
        .expect(204);
    t.api
        .post_empty(&job.action("start"), &u.token)
        .await
        .expect_error(409);
    let body = json!({"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": 3}});
    t.api
        .post(
            &format!("{}/createUploadSession", job.doc_path()),
            &u.token,
            &body,
        )
        .await
        .expect_error(409);
}

#[tokio::test]
async fn a_started_job_is_no_longer_modifiable_and_start_is_idempotent() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Started").await;
    let u = t.user("u");
    let job = t.uploaded_job(&s, &u.token, b"abc").await;
    t.api.post_empty(&job.action("start"), &u.token).await.expect(200);
    let again = t
        .api
        .post_empty(&job.action("start"), &u.token)
        .await
        .expect_json(200);
    assert_eq!(again["state"], "pending");
    let body = json!({"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": 3}});
    t.api
        .post(
            &format!("{}/createUploadSession", job.doc_path()),
            &u.token,
            &body,
        )
        .await
        .expect_error(409);
}

#[tokio::test]
async fn restore_factory_defaults_resets_defaults() {
    let t = Tenant::new();
    let pid = t.printer("Defaults").await;
    let path = format!("/v1.0/print/printers/{pid}");
    let before = t.api.get(&path, &t.admin).await.expect_json(200)["defaults"].clone();
    t.api
        .patch(&path, &t.admin, &json!({"defaults": {"copiesPerJob": 5}}))
        .await
        .expect(200);
    assert_eq!(
        t.api.get(&path, &t.admin).await.expect_json(200)["defaults"]["copiesPerJob"],
        5
    );
    let r = t
        .api
        .post_empty(&format!("{path}/restoreFactoryDefaults"), &t.admin)
        .await;
    r.expect(204);
    assert!(r.body.is_empty());
    assert_eq!(
        t.api.get(&path, &t.admin).await.expect_json(200)["defaults"],
        before
    );
}

#[tokio::test]
async fn beta_aliases_printer_shares_actions_and_functions() {
    let t = Tenant::new();
    let api = &t.api;
    let (pid, sid) = t.open_share("Beta").await;
    let u = t.user("beta-user");

    // printerShares alias, legacy `name`.
    let s = api
        .get(&format!("/beta/print/printerShares/{sid}"), &u.token)
        .await
        .expect_json(200);
    assert_eq!(s["id"], sid.as_str());
    assert_eq!(s["name"], "Beta");
    let list = api
        .get("/beta/print/printerShares", &u.token)
        .await
        .expect_json(200);
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == sid.as_str())
    );

    // Jobs through the alias; beta jobs take a displayName.
    let jobs = format!("/beta/print/printerShares/{sid}/jobs");
    let v = api
        .post(
            &jobs,
            &u.token,
            &json!({"displayName": "Beta job", "configuration": {}}),
        )
        .await
        .expect_json(201);
    assert_eq!(v["displayName"], "Beta job");
    let job = Job {
        id: v["id"].as_str().unwrap().into(),
        doc: v["documents"][0]["id"].as_str().unwrap().into(),
        collection: jobs,
    };
    t.upload(&job, &u.token, b"beta bytes").await;
    let st = api
        .post_empty(&job.action("startPrintJob"), &u.token)
        .await
        .expect_json(200);
    assert_eq!(st["state"], "pending");
    assert_eq!(
        st["processingState"], "pending",
        "beta legacy status member: {st}"
    );
    api.post_empty(&job.action("cancelPrintJob"), &u.token)
        .await
        .expect(204);
    assert_eq!(
        api.get(&job.path(), &u.token).await.expect_json(200)["status"]["state"],
        "canceled"
    );

    // Printer: legacy members, getCapabilities(), resetDefaults.
    let p = api
        .get(&format!("/beta/print/printers/{pid}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(p["name"], "Beta");
    assert!(p.get("acceptingJobs").is_some(), "{p}");
    let caps = api
        .get(&format!("/beta/print/printers/{pid}/getCapabilities()"), &t.admin)
        .await
        .expect_json(200);
    assert!(
        caps["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#microsoft.graph.printerCapabilities"),
        "{caps}"
    );
    let caps2 = api
        .get(&format!("/beta/print/printers/{pid}/getCapabilities"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(caps["@odata.context"], caps2["@odata.context"]);
    let path = format!("/beta/print/printers/{pid}");
    api.patch(&path, &t.admin, &json!({"defaults": {"copiesPerJob": 3}}))
        .await
        .expect(200);
    api.post_empty(&format!("{path}/resetDefaults"), &t.admin)
        .await
        .expect(204);
    assert!(
        api.get(&path, &t.admin).await.expect_json(200)["defaults"]
            .get("copiesPerJob")
            .is_none()
    );
    // getCapabilities is beta only.
    let r = api
        .get(&format!("/v1.0/print/printers/{pid}/getCapabilities()"), &t.admin)
        .await;
    assert!(matches!(r.status, 400 | 404), "{r:?}");
}

#[tokio::test]
async fn deleting_a_printer_removes_it_and_its_share() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Gone").await;
    let r = t.api.delete(&format!("/v1.0/print/printers/{p}"), &t.admin).await;
    r.expect(204);
    assert!(r.body.is_empty());
    t.api
        .get(&format!("/v1.0/print/printers/{p}"), &t.admin)
        .await
        .expect_code(404, "itemNotFound");
    t.api
        .get(&format!("/v1.0/print/shares/{s}"), &t.admin)
        .await
        .expect_code(404, "itemNotFound");
    t.api
        .delete(&format!("/v1.0/print/printers/{p}"), &t.admin)
        .await
        .expect_code(404, "itemNotFound");
    assert_eq!(
        t.api.get("/v1.0/print/shares", &t.admin).await.expect_json(200)["value"],
        json!([])
    );
}

#[tokio::test]
async fn print_settings_read_and_patch() {
    let t = Tenant::new();
    let s = t.api.get("/v1.0/print/settings", &t.admin).await.expect_json(200);
    assert!(s["documentConversionEnabled"].is_boolean(), "{s}");
    let r = t
        .api
        .patch(
            "/v1.0/print/settings",
            &t.admin,
            &json!({"documentConversionEnabled": true}),
        )
        .await;
    r.expect(204);
    assert!(r.body.is_empty());
    assert_eq!(
        t.api.get("/v1.0/print/settings", &t.admin).await.expect_json(200)["documentConversionEnabled"],
        true
    );
    let p = t.api.get("/v1.0/print", &t.admin).await.expect_json(200);
    assert_eq!(p["settings"]["documentConversionEnabled"], true);
}

#[tokio::test]
async fn a_repointed_share_sends_new_jobs_to_the_new_printer() {
    let t = Tenant::new();
    let (p1, s) = t.open_share("Swap").await;
    let p2 = t.printer("Replacement").await;
    let u = t.user("u");
    let old = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    t.api
        .patch(
            &format!("/v1.0/print/shares/{s}"),
            &t.admin,
            &json!({"printer@odata.bind": format!("https://graph.microsoft.com/v1.0/print/printers/{p2}")}),
        )
        .await
        .expect(200);
    let new = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let on = |p: &str| format!("/v1.0/print/printers/{p}/jobs");
    let ids = |v: Value| {
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(t.api.get(&on(&p2), &t.admin).await.expect_json(200)),
        vec![new.id.clone()]
    );
    assert_eq!(
        ids(t.api.get(&on(&p1), &t.admin).await.expect_json(200)),
        vec![old.id.clone()]
    );
    // The user keeps printing to the same share without doing anything.
    let share_jobs = ids(t
        .api
        .get(&format!("/v1.0/print/shares/{s}/jobs"), &u.token)
        .await
        .expect_json(200));
    assert_eq!(share_jobs.len(), 2);
}

#[tokio::test]
async fn a_job_records_its_submitter() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Who").await;
    let oid = uuid();
    let token = t
        .srv()
        .user_token(&t.id, &oid)
        .upn("carol@contoso.test")
        .name("Carol Jones")
        .scopes(USER_SCOPES)
        .mint();
    let v = t
        .api
        .post(&format!("/v1.0/print/shares/{s}/jobs"), &token, &json!({}))
        .await
        .expect_json(201);
    let by = &v["createdBy"];
    assert_eq!(by["id"], oid.as_str());
    assert_eq!(by["displayName"], "Carol Jones");
    assert_eq!(by["userPrincipalName"], "carol@contoso.test");
    assert_eq!(by["ipAddress"], "127.0.0.1");
}

#[tokio::test]
async fn recent_shares_are_newest_first_and_only_usable_ones() {
    let t = Tenant::new();
    let (_p1, s1) = t.open_share("First").await;
    let (_p2, s2) = t.open_share("Second").await;
    let (_p3, s3) = t.open_share("Third").await;
    let u = t.user("u");
    let recent = async || -> Vec<String> {
        let v = t
            .api
            .get("/v1.0/me/print/recentPrinterShares", &u.token)
            .await
            .expect_json(200);
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    for s in [&s1, &s2, &s3] {
        t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(recent().await, vec![s3.clone(), s2.clone(), s1.clone()]);
    t.job(&format!("/v1.0/print/shares/{s1}/jobs"), &u.token).await;
    assert_eq!(recent().await, vec![s1.clone(), s3.clone(), s2.clone()]);
    let v = t
        .api
        .get("/v1.0/me/print/recentPrinterShares", &u.token)
        .await
        .expect_json(200);
    assert!(v["value"][0]["viewPoint"]["lastUsedDateTime"].is_string(), "{v}");
    // A share the user may no longer use drops out; so does a deleted one.
    t.api
        .patch(
            &format!("/v1.0/print/shares/{s3}"),
            &t.admin,
            &json!({"allowAllUsers": false}),
        )
        .await
        .expect(200);
    t.api
        .delete(&format!("/v1.0/print/shares/{s2}"), &t.admin)
        .await
        .expect(204);
    assert_eq!(recent().await, vec![s1.clone()]);
    // Another user's recent shares are not readable.
    let other = t.user("other");
    let r = t
        .api
        .get(
            &format!("/v1.0/users/{}/print/recentPrinterShares", u.oid),
            &other.token,
        )
        .await;
    assert!(matches!(r.status, 403 | 404), "{r:?}");
    r.assert_graph_error();
}

#[tokio::test]
async fn allowed_users_are_listed_with_the_names_seen_in_their_tokens() {
    let t = Tenant::new();
    let p = t.printer("Names").await;
    let s = t.share(&p, "Names", false).await;
    let oid = uuid();
    let token = t
        .srv()
        .user_token(&t.id, &oid)
        .upn("dana@contoso.test")
        .name("Dana")
        .scopes(USER_SCOPES)
        .mint();
    t.api
        .post(
            &format!("/v1.0/print/shares/{s}/allowedUsers/$ref"),
            &t.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{oid}")}),
        )
        .await
        .expect(204);
    // Dana signs in once.
    t.api.get("/v1.0/print/shares", &token).await.expect(200);
    let v = t
        .api
        .get(&format!("/v1.0/print/shares/{s}/allowedUsers"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(
        v["value"],
        json!([{"id": oid, "displayName": "Dana", "userPrincipalName": "dana@contoso.test"}])
    );
    // `directoryObjects` URLs name users too; a group URL does not.
    let other = uuid();
    t.api
        .post(
            &format!("/v1.0/print/shares/{s}/allowedUsers/$ref"),
            &t.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{other}")}),
        )
        .await
        .expect(204);
    let r = t
        .api
        .post(
            &format!("/v1.0/print/shares/{s}/allowedUsers/$ref"),
            &t.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/groups/{}", uuid())}),
        )
        .await;
    r.expect_error(400);
    let r = t
        .api
        .post(
            &format!("/v1.0/print/shares/{s}/allowedGroups/$ref"),
            &t.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{}", uuid())}),
        )
        .await;
    r.expect_error(400);
    for bad in [
        json!({}),
        json!({"@odata.id": 5}),
        json!({"@odata.id": ""}),
        json!({"id": other}),
    ] {
        t.api
            .post(
                &format!("/v1.0/print/shares/{s}/allowedUsers/$ref"),
                &t.admin,
                &bad,
            )
            .await
            .expect_error(400);
    }
    assert_eq!(
        t.api
            .get(&format!("/v1.0/print/shares/{s}/allowedUsers/$count"), &t.admin)
            .await
            .text(),
        "2"
    );
}

#[tokio::test]
async fn beta_single_share_navigation_and_ref_removal_without_ref_segment() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Beta nav").await;
    let v = t
        .api
        .get(&format!("/beta/print/printers/{p}/share"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(v["id"], s.as_str());
    let unshared = t.printer("Unshared").await;
    t.api
        .get(&format!("/beta/print/printers/{unshared}/share"), &t.admin)
        .await
        .expect_code(404, "itemNotFound");
    let uid = uuid();
    t.api
        .post(
            &format!("/beta/print/printerShares/{s}/allowedUsers/$ref"),
            &t.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/beta/users/{uid}")}),
        )
        .await
        .expect(204);
    t.api
        .delete(
            &format!("/beta/print/printerShares/{s}/allowedUsers/{uid}"),
            &t.admin,
        )
        .await
        .expect(204);
    assert_eq!(
        t.api
            .get(&format!("/beta/print/printerShares/{s}/allowedUsers"), &t.admin)
            .await
            .expect_json(200)["value"],
        json!([])
    );
}

#[tokio::test]
async fn v1_has_no_single_share_navigation() {
    let t = Tenant::new();
    let (p, _s) = t.open_share("v1 nav").await;
    let r = t
        .api
        .get(&format!("/v1.0/print/printers/{p}/share"), &t.admin)
        .await;
    assert!(matches!(r.status, 400 | 404), "{r:?}");
    r.assert_graph_error();
}

#[tokio::test]
async fn share_names_are_limited_to_50_characters_not_bytes() {
    let t = Tenant::new();
    let p = t.printer("Unicode").await;
    let bind = format!("https://graph.microsoft.com/v1.0/print/printers/{p}");
    let fifty = "é".repeat(50);
    t.api
        .post(
            "/v1.0/print/shares",
            &t.admin,
            &json!({"displayName": "é".repeat(51), "printer@odata.bind": bind}),
        )
        .await
        .expect_error(400);
    let v = t
        .api
        .post(
            "/v1.0/print/shares",
            &t.admin,
            &json!({"displayName": fifty, "printer@odata.bind": bind}),
        )
        .await
        .expect_json(201);
    assert_eq!(v["displayName"], fifty);
    let s = v["id"].as_str().unwrap();
    t.api
        .patch(
            &format!("/v1.0/print/shares/{s}"),
            &t.admin,
            &json!({"displayName": "z".repeat(51)}),
        )
        .await
        .expect_error(400);
    assert_eq!(
        t.api
            .get(&format!("/v1.0/print/shares/{s}"), &t.admin)
            .await
            .expect_json(200)["displayName"],
        fifty
    );
}

#[tokio::test]
async fn expand_documents_takes_nested_select() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Nested").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let v = t
        .api
        .get(
            &format!("{}?$expand=documents($select=id,size)", job.path()),
            &u.token,
        )
        .await
        .expect_json(200);
    assert_eq!(keys(&v["documents"][0]), vec!["id", "size"]);
    assert!(v["status"].is_object() && v["createdBy"].is_object(), "{v}");
}

/// OData v4 Part 1 §11.2.4.1 ($select): expanded navigation properties are returned even when `$select` does
/// not name them (Graph: `GET /me?$select=displayName&$expand=manager` returns the manager).
#[tokio::test]
async fn expanded_documents_are_returned_alongside_a_select() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Select and expand").await;
    let u = t.user("u");
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let v = t
        .api
        .get(
            &format!("{}?$expand=documents($select=id)&$select=id,status", job.path()),
            &u.token,
        )
        .await
        .expect_json(200);
    assert_eq!(
        keys(&v),
        vec!["@odata.context", "documents", "id", "status"],
        "{v}"
    );
    assert_eq!(keys(&v["documents"][0]), vec!["id"]);
}

/// `$ref` reads: a share's members and its printer as OData references (`@odata.id`), under the same permission
/// as the entities; the references resolve with a GET.
#[tokio::test]
async fn references_of_members_and_of_the_share_printer_are_readable() {
    let t = Tenant::new();
    let api = &t.api;
    let p = t.printer("Refs").await;
    let s = t.share(&p, "Refs", false).await;
    let (u1, g1) = (uuid(), uuid());
    let users = format!("/v1.0/print/shares/{s}/allowedUsers");
    let groups = format!("/v1.0/print/shares/{s}/allowedGroups");
    for (coll, kind, id) in [(&users, "users", &u1), (&groups, "groups", &g1)] {
        api.post(
            &format!("{coll}/$ref"),
            &t.admin,
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/{kind}/{id}")}),
        )
        .await
        .expect(204);
    }
    let root = format!("{}/v1.0", api.srv.base);
    for (coll, kind, id) in [(&users, "users", &u1), (&groups, "groups", &g1)] {
        let refs = api
            .get(&format!("{coll}/$ref?$count=true"), &t.admin)
            .await
            .expect_json(200);
        assert_eq!(
            refs["@odata.context"],
            format!("{root}/$metadata#Collection($ref)"),
            "{refs}"
        );
        assert_eq!(refs["@odata.count"], 1, "{refs}");
        assert_eq!(
            refs["value"],
            json!([{"@odata.id": format!("{root}/{kind}/{id}")}]),
            "{refs}"
        );
        api.get(&format!("{coll}/$ref?$select=id"), &t.admin)
            .await
            .expect_bad_request();
    }
    let printer_ref = api
        .get(&format!("/v1.0/print/shares/{s}/printer/$ref"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(
        printer_ref["@odata.id"],
        format!("{root}/print/printers/{p}"),
        "{printer_ref}"
    );
    let printer = api
        .get(printer_ref["@odata.id"].as_str().unwrap(), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(printer["id"], p.as_str());
    // Same permission as the members themselves: a user without a share permission is refused.
    let user = t.user("nobody");
    api.get(&format!("{users}/$ref"), &user.token)
        .await
        .expect_denied();
}

/// `DELETE …/allowedUsers/$ref?$id={URL}` (and groups): OData's removal by query, as the SDKs send it; `$id`
/// anywhere else is a 400, and the `$ref` removal without `$id` says how to name the member.
#[tokio::test]
async fn members_are_removed_by_ref_with_an_id_query() {
    let t = Tenant::new();
    let api = &t.api;
    let p = t.printer("RefDelete").await;
    let s = t.share(&p, "RefDelete", false).await;
    let (u1, g1) = (uuid(), uuid());
    let users = format!("/v1.0/print/shares/{s}/allowedUsers");
    let groups = format!("/v1.0/print/shares/{s}/allowedGroups");
    for (coll, kind, id) in [(&users, "users", &u1), (&groups, "groups", &g1)] {
        let url = format!("https://graph.microsoft.com/v1.0/{kind}/{id}");
        api.post(&format!("{coll}/$ref"), &t.admin, &json!({"@odata.id": url}))
            .await
            .expect(204);
        let encoded = url.replace(':', "%3A").replace('/', "%2F");
        api.delete(&format!("{coll}/$ref?$id={encoded}"), &t.admin)
            .await
            .expect(204);
        let left = api.get(coll, &t.admin).await.expect_json(200);
        assert_eq!(left["value"], json!([]), "{left}");
        // Already gone: 404, as for the /{id}/$ref form.
        api.delete(&format!("{coll}/$ref?$id={encoded}"), &t.admin)
            .await
            .expect_not_found();
    }
    api.delete(&format!("{users}/$ref"), &t.admin)
        .await
        .expect_bad_request();
    api.delete(&format!("{users}/$ref?$id=https://x/printers/1"), &t.admin)
        .await
        .expect_bad_request();
    api.get(&format!("{users}?$id=https://x/users/1"), &t.admin)
        .await
        .expect_bad_request();
    // The same permission as the other removal form.
    let user = t.user("nobody");
    api.delete(&format!("{users}/$ref?$id=https://x/users/{u1}"), &user.token)
        .await
        .expect_denied();
}
