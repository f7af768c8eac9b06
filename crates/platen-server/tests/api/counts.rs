//! `/$count` segments (§4.2: "`/$count` path segment → plain integer"): every one the SDKs call on a print
//! collection Platen serves (`sdk-print-paths-v1.0.txt`, `sdk-print-paths-beta.txt`) answers the bare number as
//! `text/plain`, honours `$filter` where the collection filters, refuses what the collection refuses, and counts
//! only what the collection would list to the same caller.

use crate::common::*;
use crate::pull::{held_job, pull};
use serde_json::json;

/// GET `path` as `token`: 200, `text/plain`, and the number.
async fn count(api: &Api, path: &str, token: &str) -> u64 {
    let r = api.get(path, token).await;
    r.expect(200);
    let content_type = r.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/plain"), "{path}: {r:?}");
    r.text()
        .parse()
        .unwrap_or_else(|_| panic!("{path}: not a bare number: {r:?}"))
}

#[tokio::test]
async fn count_segments_answer_the_bare_number_of_what_the_collection_lists() {
    let t = Tenant::new();
    let api = &t.api;
    let (p, s) = t.open_share("Counted").await;
    let restricted = t.printer("Restricted").await;
    let restricted_share = t.share(&restricted, "Restricted", false).await;
    let unshared = t.printer("Unshared").await;

    // Printers (admins), with $filter; beta too.
    assert_eq!(count(api, "/v1.0/print/printers/$count", &t.admin).await, 3);
    assert_eq!(
        count(
            api,
            "/v1.0/print/printers/$count?$filter=displayName eq 'Counted'",
            &t.admin
        )
        .await,
        1
    );
    assert_eq!(count(api, "/beta/print/printers/$count", &t.admin).await, 3);

    // Shares: administrators count every share, users only those they may use.
    let alice = t.user("alice");
    let bob = t.user("bob");
    assert_eq!(count(api, "/v1.0/print/shares/$count", &t.admin).await, 2);
    assert_eq!(count(api, "/beta/print/printerShares/$count", &t.admin).await, 2);
    assert_eq!(count(api, "/v1.0/print/shares/$count", &alice.token).await, 1);
    assert_eq!(
        count(
            api,
            "/v1.0/print/shares/$count?$filter=allowAllUsers eq false",
            &t.admin
        )
        .await,
        1
    );

    // Jobs: without a *.All permission a user counts their own; $filter on the job's state.
    let jobs = format!("/v1.0/print/shares/{s}/jobs");
    let a1 = t.job(&jobs, &alice.token).await;
    t.job(&jobs, &alice.token).await;
    t.job(&jobs, &bob.token).await;
    api.post_empty(&a1.action("cancel"), &alice.token)
        .await
        .expect(204);
    assert_eq!(count(api, &format!("{jobs}/$count"), &alice.token).await, 2);
    assert_eq!(count(api, &format!("{jobs}/$count"), &bob.token).await, 1);
    assert_eq!(count(api, &format!("{jobs}/$count"), &t.admin).await, 3);
    let printer_jobs = format!("/v1.0/print/printers/{p}/jobs/$count");
    assert_eq!(count(api, &printer_jobs, &t.admin).await, 3);
    assert_eq!(
        count(
            api,
            &format!("{jobs}/$count?$filter=status/state eq 'canceled'"),
            &t.admin
        )
        .await,
        1
    );
    // A job's document and tasks (none without a trigger).
    assert_eq!(
        count(api, &format!("{}/documents/$count", a1.path()), &alice.token).await,
        1
    );
    assert_eq!(
        count(api, &format!("{}/tasks/$count", a1.path()), &alice.token).await,
        0
    );
    // Another user's job is refused as its documents collection is.
    let theirs = format!("{}/documents", a1.path());
    let list = api.get(&theirs, &bob.token).await;
    let count_of_theirs = api.get(&format!("{theirs}/$count"), &bob.token).await;
    list.expect_denied();
    count_of_theirs.expect_denied();

    // A printer's share and connectors.
    let shares_of = |printer: &str| format!("/v1.0/print/printers/{printer}/shares/$count");
    assert_eq!(count(api, &shares_of(&p), &t.admin).await, 1);
    assert_eq!(count(api, &shares_of(&restricted), &t.admin).await, 1);
    assert_eq!(count(api, &shares_of(&unshared), &t.admin).await, 0);
    assert_eq!(
        count(
            api,
            &format!("{}?$filter=id eq '{restricted_share}'", shares_of(&p)),
            &t.admin
        )
        .await,
        0
    );
    let connectors_of = format!("/v1.0/print/printers/{p}/connectors/$count");
    assert_eq!(count(api, &connectors_of, &t.admin).await, 0);

    // A share's lists, and the service provisioning errors of one entry (none: Platen provisions nothing).
    let member = uuid();
    api.post(
        &format!("/v1.0/print/shares/{restricted_share}/allowedUsers/$ref"),
        &t.admin,
        &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{member}")}),
    )
    .await
    .expect(204);
    let users_of = format!("/v1.0/print/shares/{restricted_share}/allowedUsers");
    assert_eq!(count(api, &format!("{users_of}/$count"), &t.admin).await, 1);
    let groups_of = format!("/beta/print/printerShares/{restricted_share}/allowedGroups/$count");
    assert_eq!(count(api, &groups_of, &t.admin).await, 0);
    for errors in [
        format!("{users_of}/{member}/serviceProvisioningErrors/$count"),
        format!(
            "/beta/print/printerShares/{restricted_share}/allowedUsers/{member}/serviceProvisioningErrors/$count"
        ),
    ] {
        assert_eq!(count(api, &errors, &t.admin).await, 0);
    }
    let absent = format!("{users_of}/{}/serviceProvisioningErrors/$count", uuid());
    api.get(&absent, &t.admin).await.expect_code(404, "itemNotFound");

    // Connectors (the collection takes no $filter, nor does its count).
    assert_eq!(count(api, "/v1.0/print/connectors/$count", &t.admin).await, 0);
    api.post(
        "/v1.0/print/connectors",
        &t.admin,
        &json!({"displayName": "Connector", "fullyQualifiedDomainName": "c.contoso.test"}),
    )
    .await
    .expect(201);
    assert_eq!(count(api, "/v1.0/print/connectors/$count", &t.admin).await, 1);
    api.get(
        "/v1.0/print/connectors/$count?$filter=displayName eq 'Connector'",
        &t.admin,
    )
    .await
    .expect_error(400);

    // The print service and its endpoints.
    assert_eq!(count(api, "/v1.0/print/services/$count", &alice.token).await, 1);
    let endpoints = "/v1.0/print/services/platen/endpoints";
    let listed = api.get(endpoints, &alice.token).await.expect_json(200);
    let n = listed["value"].as_array().unwrap().len() as u64;
    assert_eq!(count(api, &format!("{endpoints}/$count"), &alice.token).await, n);
    assert_eq!(
        count(
            api,
            &format!("{endpoints}/$count?$filter=id eq 'ipp'"),
            &alice.token
        )
        .await,
        1
    );

    // The collection's permission: a user may not count printers.
    api.get("/v1.0/print/printers/$count", &alice.token)
        .await
        .expect_denied();
    // $search is supported nowhere, and paging options mean nothing for a count.
    for q in ["$search=x", "$top=1", "$orderby=displayName", "$count=true"] {
        api.get(&format!("/v1.0/print/printers/$count?{q}"), &t.admin)
            .await
            .expect_error(400);
    }
    // Operations are read one at a time: neither the collection nor its count answers.
    let r = api.get("/v1.0/print/operations/$count", &t.admin).await;
    r.expect(405);
}

#[tokio::test]
async fn count_segments_of_pull_printing_collections() {
    let (t, p) = pull().await;
    let api = &t.api;
    let u = t.user("alice");
    let (first, _) = held_job(&p, &u, b"one").await;
    held_job(&p, &u, b"two").await;

    let definitions = "/v1.0/print/taskDefinitions";
    assert_eq!(count(api, &format!("{definitions}/$count"), &p.app).await, 1);
    let tasks = format!("{definitions}/{}/tasks/$count", p.definition);
    assert_eq!(count(api, &tasks, &p.app).await, 2);
    // Like their collections, these counts take no $filter; another app sees none of the definition.
    api.get(&format!("{tasks}?$filter=id eq 'x'"), &p.app)
        .await
        .expect_error(400);
    let other = t.app(&uuid(), "PrintTaskDefinition.ReadWrite.All");
    assert_eq!(count(api, &format!("{definitions}/$count"), &other).await, 0);
    api.get(&tasks, &other).await.expect_not_found();

    let triggers = format!("/v1.0/print/printers/{}/taskTriggers/$count", p.printer);
    assert_eq!(count(api, &triggers, &t.admin).await, 1);
    assert_eq!(
        count(api, &format!("{}/tasks/$count", first.path()), &u.token).await,
        1
    );
    assert_eq!(
        count(
            api,
            &format!(
                "{}/tasks/$count?$filter=status/state eq 'completed'",
                first.path()
            ),
            &u.token
        )
        .await,
        0
    );
}
