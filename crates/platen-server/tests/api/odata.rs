//! OData query options and server-driven paging (§4.2, §4.3): `$top` + absolute `@odata.nextLink`, `$filter`
//! operators, `$orderby`, `$skip`, `$select`, `$expand`, `$count` (where supported and where not), job filters,
//! and skip tokens bound to their collection and query.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const NAMES: [&str; 7] = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta"];

async fn seven_printers() -> (Tenant, Vec<String>) {
    let t = Tenant::new();
    let mut ids = vec![];
    for n in NAMES {
        ids.push(t.printer(n).await);
    }
    (t, ids)
}

fn names(v: &Value) -> Vec<String> {
    v["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|x| x["displayName"].as_str().unwrap().to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn set(items: &[&str]) -> Vec<String> {
    sorted(items.iter().map(|s| s.to_string()).collect())
}

/// Follows `@odata.nextLink` from `first` until it is absent; returns every page.
async fn all_pages(api: &Api, first: &str, token: &str) -> Vec<Value> {
    let mut pages = vec![];
    let mut next = Some(first.to_string());
    while let Some(url) = next {
        assert!(pages.len() < 50, "paging does not end");
        let v = api.get(&url, token).await.expect_json(200);
        next = v
            .get("@odata.nextLink")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(n) = &next {
            assert!(
                n.starts_with(&format!("{}/v1.0/", api.srv.base)),
                "nextLink is absolute: {n}"
            );
        }
        pages.push(v);
    }
    pages
}

#[tokio::test]
async fn top_and_next_links_page_through_every_printer_exactly_once() {
    let (t, ids) = seven_printers().await;
    let pages = all_pages(&t.api, "/v1.0/print/printers?$top=3", &t.admin).await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p["value"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, vec![3, 3, 1]);
    let seen: Vec<String> = pages
        .iter()
        .flat_map(|p| {
            p["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_str().unwrap().to_string())
        })
        .collect();
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates: {seen:?}");
    assert_eq!(unique, ids.iter().collect::<BTreeSet<_>>(), "nothing missing");
    for p in &pages {
        assert!(
            p["@odata.context"]
                .as_str()
                .unwrap()
                .ends_with("$metadata#print/printers"),
            "{p}"
        );
    }
    // Without $top everything fits one page.
    let one = t.api.get("/v1.0/print/printers", &t.admin).await.expect_json(200);
    assert_eq!(one["value"].as_array().unwrap().len(), 7);
    assert!(one.get("@odata.nextLink").is_none());
}

#[tokio::test]
async fn ordered_paging_keeps_the_order_across_pages() {
    let (t, _ids) = seven_printers().await;
    let pages = all_pages(
        &t.api,
        "/v1.0/print/printers?$orderby=displayName%20desc&$top=2",
        &t.admin,
    )
    .await;
    assert_eq!(pages.len(), 4);
    let got: Vec<String> = pages.iter().flat_map(names).collect();
    let mut want: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    want.sort();
    want.reverse();
    assert_eq!(got, want);
    let asc = t
        .api
        .get("/v1.0/print/printers?$orderby=displayName", &t.admin)
        .await
        .expect_json(200);
    want.reverse();
    assert_eq!(names(&asc), want);
    let skipped = t
        .api
        .get("/v1.0/print/printers?$orderby=displayName&$skip=5", &t.admin)
        .await
        .expect_json(200);
    assert_eq!(names(&skipped), want[5..].to_vec());
}

#[tokio::test]
async fn filter_operators_on_display_name() {
    let (t, _ids) = seven_printers().await;
    let cases: &[(&str, &[&str])] = &[
        ("displayName eq 'Alpha'", &["Alpha"]),
        (
            "displayName ne 'Alpha'",
            &["Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta"],
        ),
        ("startswith(displayName,'E')", &["Epsilon", "Eta"]),
        ("startsWith(displayName, 'E')", &["Epsilon", "Eta"]),
        ("endswith(displayName,'lta')", &["Delta"]),
        ("contains(displayName,'ta')", &["Beta", "Delta", "Zeta", "Eta"]),
        (
            "startswith(displayName,'E') and contains(displayName,'psi')",
            &["Epsilon"],
        ),
        (
            "displayName eq 'Alpha' or displayName eq 'Beta'",
            &["Alpha", "Beta"],
        ),
        (
            "not(displayName eq 'Alpha')",
            &["Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta"],
        ),
        (
            "not startswith(displayName,'E')",
            &["Alpha", "Beta", "Gamma", "Delta", "Zeta"],
        ),
        ("displayName in ('Alpha','Gamma','Nope')", &["Alpha", "Gamma"]),
        (
            "(displayName eq 'Alpha' or displayName eq 'Zeta') and not contains(displayName,'e')",
            &["Alpha"],
        ),
        ("displayName eq 'Nobody'", &[]),
        ("displayName gt 'W'", &["Zeta"]),
    ];
    for (filter, want) in cases {
        let q = filter.replace(' ', "%20").replace('\'', "%27");
        let v = t
            .api
            .get(&format!("/v1.0/print/printers?$filter={q}"), &t.admin)
            .await
            .expect_json(200);
        assert_eq!(sorted(names(&v)), set(want), "$filter={filter}");
    }
    // `+` for spaces, and beta's optional `$`.
    let v = t
        .api
        .get("/v1.0/print/printers?$filter=displayName+eq+'Beta'", &t.admin)
        .await
        .expect_json(200);
    assert_eq!(names(&v), vec!["Beta"]);
    let v = t
        .api
        .get("/beta/print/printers?filter=displayName%20eq%20'Gamma'", &t.admin)
        .await
        .expect_json(200);
    assert_eq!(names(&v), vec!["Gamma"]);
    // Filter and paging together.
    let pages = all_pages(
        &t.api,
        "/v1.0/print/printers?$filter=contains(displayName,'ta')&$top=3",
        &t.admin,
    )
    .await;
    let got: Vec<String> = pages.iter().flat_map(names).collect();
    assert_eq!(sorted(got), set(&["Beta", "Delta", "Zeta", "Eta"]));
}

#[tokio::test]
async fn string_literals_double_their_quotes() {
    let t = Tenant::new();
    t.printer("O'Brien's printer").await;
    t.printer("Other").await;
    let v = t
        .api
        .get(
            "/v1.0/print/printers?$filter=displayName%20eq%20'O''Brien''s%20printer'",
            &t.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(names(&v), vec!["O'Brien's printer"]);
}

#[tokio::test]
async fn select_and_expand_on_lists() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Selected").await;
    let v = t
        .api
        .get("/v1.0/print/printers?$select=id,displayName", &t.admin)
        .await
        .expect_json(200);
    let item = v["value"][0].as_object().unwrap();
    let mut keys: Vec<&String> = item.keys().collect();
    keys.sort();
    assert_eq!(keys, vec!["displayName", "id"]);
    let v = t
        .api
        .get("/v1.0/print/printers?$expand=shares", &t.admin)
        .await
        .expect_json(200);
    assert_eq!(v["value"][0]["id"], p.as_str());
    assert_eq!(v["value"][0]["shares"][0]["id"], s.as_str());
    let v = t
        .api
        .get(&format!("/v1.0/print/shares/{s}?$expand=printer"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(v["printer"]["id"], p.as_str());
    // Unknown properties in $select are refused on entities and lists.
    t.api
        .get("/v1.0/print/printers?$select=id,nope", &t.admin)
        .await
        .expect_error(400);
    t.api
        .get(&format!("/v1.0/print/printers/{p}?$select=nope"), &t.admin)
        .await
        .expect_error(400);
    t.api
        .get(&format!("/v1.0/print/shares/{s}?$select=nope"), &t.admin)
        .await
        .expect_error(400);
    // Shares: capabilities only when selected.
    let full = t
        .api
        .get(&format!("/v1.0/print/shares/{s}"), &t.admin)
        .await
        .expect_json(200);
    assert!(full.get("capabilities").is_none(), "{full}");
    let sel = t
        .api
        .get(
            &format!("/v1.0/print/shares/{s}?$select=id,capabilities"),
            &t.admin,
        )
        .await
        .expect_json(200);
    assert!(
        sel.get("capabilities").is_some() && sel.get("displayName").is_none(),
        "{sel}"
    );
}

#[tokio::test]
async fn count_is_refused_where_unsupported_and_works_on_allowed_users() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Count").await;
    for path in [
        // `$count=true` is refused where the spec says so; the `/$count` segments answer (see `counts`).
        "/v1.0/print/printers?$count=true".to_string(),
        "/v1.0/print/shares?$count=true".to_string(),
        format!("/v1.0/print/printers/{p}/jobs?$count=true"),
        format!("/v1.0/print/shares/{s}?$count=true"),
        "/v1.0/me/print/recentPrinterShares?$count=true".to_string(),
        "/v1.0/me/print/recentPrinterShares?$orderby=displayName".to_string(),
    ] {
        t.api.get(&path, &t.admin).await.expect_error(400);
    }
    for _ in 0..3 {
        t.api
            .post(
                &format!("/v1.0/print/shares/{s}/allowedUsers/$ref"),
                &t.admin,
                &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{}", uuid())}),
            )
            .await
            .expect(204);
    }
    let v = t
        .api
        .get(
            &format!("/v1.0/print/shares/{s}/allowedUsers?$count=true&$top=2"),
            &t.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(v["@odata.count"], 3, "the count covers every page: {v}");
    assert_eq!(v["value"].as_array().unwrap().len(), 2);
    assert!(v["@odata.nextLink"].is_string());
    let n = t
        .api
        .get(&format!("/v1.0/print/shares/{s}/allowedUsers/$count"), &t.admin)
        .await;
    n.expect(200);
    assert_eq!(n.text(), "3");
    assert!(
        n.header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain"),
        "{n:?}"
    );
    let g = t
        .api
        .get(&format!("/v1.0/print/shares/{s}/allowedGroups/$count"), &t.admin)
        .await;
    assert_eq!(g.text(), "0");
}

#[tokio::test]
async fn job_filters_on_creator_and_state() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Jobs").await;
    let alice = t.user("alice");
    let bob = t.user("bob");
    let jobs = format!("/v1.0/print/shares/{s}/jobs");
    let a1 = t.job(&jobs, &alice.token).await;
    let a2 = t.job(&jobs, &alice.token).await;
    let b1 = t.job(&jobs, &bob.token).await;
    t.api
        .post_empty(&a2.action("cancel"), &alice.token)
        .await
        .expect(204);
    let ids = |v: &Value| {
        sorted(
            v["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["id"].as_str().unwrap().to_string())
                .collect(),
        )
    };
    let pj = format!("/v1.0/print/printers/{p}/jobs");

    let v = t
        .api
        .get(
            &format!("{pj}?$filter=createdBy/userPrincipalName%20eq%20'{}'", alice.upn),
            &t.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(ids(&v), sorted(vec![a1.id.clone(), a2.id.clone()]));
    let v = t
        .api
        .get(
            &format!("{pj}?$filter=createdBy/userPrincipalName%20eq%20'{}'", bob.upn),
            &t.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(ids(&v), vec![b1.id.clone()]);
    let v = t
        .api
        .get(&format!("{pj}?$filter=status/state%20eq%20'canceled'"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(ids(&v), vec![a2.id.clone()]);
    let v = t
        .api
        .get(
            &format!(
                "{pj}?$filter=status/state%20eq%20'paused'%20and%20createdBy/id%20eq%20'{}'",
                alice.oid
            ),
            &t.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(ids(&v), vec![a1.id.clone()]);
    let v = t
        .api
        .get(
            &format!("{jobs}?$filter=status/state%20ne%20'canceled'&$orderby=createdDateTime%20desc"),
            &t.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(v["value"].as_array().unwrap().len(), 2);
    // An unknown enum member is a bad request, not an empty result.
    t.api
        .get(&format!("{pj}?$filter=status/state%20eq%20'exploded'"), &t.admin)
        .await
        .expect_error(400);
    // $expand=documents on a list.
    let v = t
        .api
        .get(&format!("{pj}?$expand=documents&$top=1"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(v["value"][0]["documents"].as_array().unwrap().len(), 1);
    // Users see their own jobs only, filter or not.
    let v = t
        .api
        .get(
            &format!(
                "{jobs}?$filter=createdBy/userPrincipalName%20eq%20'{}'",
                alice.upn
            ),
            &bob.token,
        )
        .await
        .expect_json(200);
    assert_eq!(v["value"], json!([]));
}

#[tokio::test]
async fn skip_tokens_are_bound_to_their_collection_and_query() {
    let (t, _ids) = seven_printers().await;
    for n in ["S1", "S2", "S3"] {
        let p = t.printer(n).await;
        t.share(&p, n, true).await;
    }
    let first = t
        .api
        .get("/v1.0/print/printers?$top=2", &t.admin)
        .await
        .expect_json(200);
    let next = first["@odata.nextLink"].as_str().expect("nextLink").to_string();
    let token_param = next
        .split(['?', '&'])
        .find(|p| p.to_ascii_lowercase().starts_with("$skiptoken="))
        .expect("$skiptoken in nextLink")
        .to_string();
    // The same token on another collection.
    t.api
        .get(&format!("/v1.0/print/shares?$top=2&{token_param}"), &t.admin)
        .await
        .expect_error(400);
    // On the same collection with another query.
    t.api
        .get(
            &format!("/v1.0/print/printers?$top=2&$orderby=displayName&{token_param}"),
            &t.admin,
        )
        .await
        .expect_error(400);
    // Verbatim it works.
    t.api.get(&next, &t.admin).await.expect(200);
    // A tampered token.
    let tampered = next.replace("$skiptoken=", "$skiptoken=x");
    t.api.get(&tampered, &t.admin).await.expect_error(400);
    // Another tenant cannot use it to read this one.
    let b = Tenant::new();
    let r = b.api.get(&next, &b.admin).await;
    if r.status == 200 {
        assert_eq!(r.json()["value"], json!([]), "{r:?}");
    } else {
        r.expect_error(400);
    }
}

#[tokio::test]
async fn shares_filter_and_page_for_users_too() {
    let t = Tenant::new();
    for n in ["Lobby", "Library", "Lab", "Office"] {
        let p = t.printer(n).await;
        t.share(&p, n, true).await;
    }
    let u = t.user("u");
    let v = t
        .api
        .get(
            "/v1.0/print/shares?$filter=startswith(displayName,'L')&$orderby=displayName",
            &u.token,
        )
        .await
        .expect_json(200);
    assert_eq!(names(&v), vec!["Lab", "Library", "Lobby"]);
    let pages = all_pages(&t.api, "/v1.0/print/shares?$top=1", &u.token).await;
    assert_eq!(pages.len(), 4);
}

#[tokio::test]
async fn paging_with_ties_in_the_sort_key_neither_repeats_nor_skips() {
    let (t, ids) = seven_printers().await;
    // Every printer has the same manufacturer and model: the sort key ties everywhere.
    for order in [
        "manufacturer",
        "manufacturer%20desc",
        "model,manufacturer%20desc",
        "hasPhysicalDevice",
    ] {
        let pages = all_pages(
            &t.api,
            &format!("/v1.0/print/printers?$orderby={order}&$top=2"),
            &t.admin,
        )
        .await;
        let seen: Vec<String> = pages
            .iter()
            .flat_map(|p| {
                p["value"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["id"].as_str().unwrap().to_string())
            })
            .collect();
        assert_eq!(seen.len(), 7, "$orderby={order}: {seen:?}");
        assert_eq!(
            seen.iter().collect::<BTreeSet<_>>(),
            ids.iter().collect::<BTreeSet<_>>(),
            "$orderby={order}"
        );
    }
}

#[tokio::test]
async fn paging_is_stable_when_items_are_added_between_pages() {
    let (t, ids) = seven_printers().await;
    let first = t
        .api
        .get("/v1.0/print/printers?$orderby=displayName&$top=3", &t.admin)
        .await
        .expect_json(200);
    let mut seen: Vec<String> = names(&first);
    // "Aardvark" sorts before the cursor, "Zz" after it.
    t.printer("Aardvark").await;
    t.printer("Zz").await;
    let next = first["@odata.nextLink"].as_str().unwrap().to_string();
    for page in all_pages(&t.api, &next, &t.admin).await {
        seen.extend(names(&page));
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates: {seen:?}");
    for n in NAMES {
        assert!(seen.iter().any(|s| s == n), "{n} missing: {seen:?}");
    }
    assert!(
        seen.iter().any(|s| s == "Zz"),
        "an item added after the cursor shows up: {seen:?}"
    );
    assert_eq!(ids.len(), 7);
}

#[tokio::test]
async fn printer_pages_are_capped_at_100() {
    let t = Tenant::new();
    // A few at a time: the machine is small.
    let mut ids = vec![];
    for chunk in (0..101).collect::<Vec<usize>>().chunks(8) {
        let names: Vec<String> = chunk.iter().map(|i| format!("Bulk {i:03}")).collect();
        ids.extend(futures::future::join_all(names.iter().map(|n| t.printer(n))).await);
    }
    assert_eq!(ids.len(), 101);
    for q in ["", "?$top=1000"] {
        let v = t
            .api
            .get(&format!("/v1.0/print/printers{q}"), &t.admin)
            .await
            .expect_json(200);
        assert_eq!(v["value"].as_array().unwrap().len(), 100, "{q}");
        let next = v["@odata.nextLink"].as_str().expect("a second page").to_string();
        let rest = t.api.get(&next, &t.admin).await.expect_json(200);
        assert_eq!(rest["value"].as_array().unwrap().len(), 1);
        assert!(rest.get("@odata.nextLink").is_none());
    }
}

#[tokio::test]
async fn fetchable_jobs_can_be_filtered() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Fetchable").await;
    let u = t.user("u");
    let started = t.uploaded_job(&s, &u.token, b"x").await;
    t.api
        .post_empty(&started.action("start"), &u.token)
        .await
        .expect(200);
    let _waiting = t.uploaded_job(&s, &u.token, b"y").await;
    let v = t
        .api
        .get(
            &format!("/v1.0/print/printers/{p}/jobs?$filter=isFetchable%20eq%20true"),
            &t.admin,
        )
        .await
        .expect_json(200);
    let ids: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![started.id.as_str()]);
}

/// Collections read whole rather than paged in SQL (a job's documents and tasks, a printer's share, connector and
/// task triggers, the services and their endpoints, recent shares) apply every option or refuse it with a 400
/// (§4.2, §6.19); none is ignored. The paged share-member and connector lists refuse what they cannot apply.
#[tokio::test]
async fn collections_read_whole_apply_or_refuse_every_option() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Small").await;
    let user = t.token(&uuid(), USER_SCOPES, false);
    let job = t.job(&format!("/v1.0/print/shares/{s}/jobs"), &user).await;
    let docs = format!("{}/documents", job.path());

    let past = t
        .api
        .get(&format!("{docs}?$skip=1&$count=true"), &user)
        .await
        .expect_json(200);
    assert_eq!(past["value"], json!([]), "{past}");
    assert_eq!(past["@odata.count"], 1, "{past}");
    let one = t
        .api
        .get(&format!("{docs}?$top=1&$orderby=size desc&$select=id"), &user)
        .await
        .expect_json(200);
    assert_eq!(one["value"], json!([{"id": job.doc}]), "{one}");
    for q in [
        "$skiptoken=abc",
        "$search=x",
        "$expand=tasks",
        "$format=xml",
        "$orderby=nope",
        "$top=0",
    ] {
        t.api.get(&format!("{docs}?{q}"), &user).await.expect_error(400);
    }
    t.api
        .get(&format!("{docs}?$format=json"), &user)
        .await
        .expect(200);

    // The service endpoints: $top and $skip page the in-memory list.
    let services = t.api.get("/v1.0/print/services", &user).await.expect_json(200);
    let service = services["value"][0]["id"]
        .as_str()
        .expect("a service")
        .to_string();
    let endpoints = format!("/v1.0/print/services/{service}/endpoints");
    let all = t.api.get(&endpoints, &user).await.expect_json(200)["value"]
        .as_array()
        .map_or(0, Vec::len);
    let skipped = t
        .api
        .get(&format!("{endpoints}?$skip=1"), &user)
        .await
        .expect_json(200);
    assert_eq!(
        skipped["value"].as_array().map_or(0, Vec::len),
        all.saturating_sub(1)
    );

    // Row 13's unsupported options, and $expand the trigger list does not render.
    let triggers = format!("/v1.0/print/printers/{p}/taskTriggers");
    for q in [
        "$top=1",
        "$skip=1",
        "$select=id",
        "$count=true",
        "$expand=definition",
    ] {
        t.api
            .get(&format!("{triggers}?{q}"), &t.admin)
            .await
            .expect_error(400);
    }
    // A printer's share and connector.
    let shares = t
        .api
        .get(&format!("/v1.0/print/printers/{p}/shares?$skip=1"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(shares["value"], json!([]), "{shares}");
    t.api
        .get(
            &format!("/v1.0/print/printers/{p}/connectors?$expand=x"),
            &t.admin,
        )
        .await
        .expect_error(400);
    // Paged lists that have nothing to expand.
    t.api
        .get(
            &format!("/v1.0/print/shares/{s}/allowedUsers?$expand=manager"),
            &t.admin,
        )
        .await
        .expect_error(400);
    t.api
        .get("/v1.0/print/connectors?$expand=x", &t.admin)
        .await
        .expect_error(400);
}

/// `$format` may only ask for JSON, on every route: lists paged in SQL, single entities and small collections
/// alike (an OData client asking for XML learns at once that it will not get it).
#[tokio::test]
async fn format_other_than_json_is_refused_everywhere() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Format").await;
    for path in [
        "/v1.0/print/printers".to_string(),
        format!("/v1.0/print/printers/{p}"),
        format!("/v1.0/print/shares/{s}"),
        format!("/v1.0/print/printers/{p}/jobs"),
        format!("/v1.0/print/printers/{p}/connectors"),
    ] {
        let sep = if path.contains('?') { '&' } else { '?' };
        t.api
            .get(&format!("{path}{sep}$format=xml"), &t.admin)
            .await
            .expect_bad_request();
        for ok in [
            "json",
            "application/json",
            "application/json;odata.metadata=minimal",
        ] {
            t.api
                .get(&format!("{path}{sep}$format={ok}"), &t.admin)
                .await
                .expect(200);
        }
    }
}
