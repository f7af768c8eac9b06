//! `$metadata` (issue: the CSDL of the print namespace for OData tooling and code generators). The two documents
//! (`crates/platen-graph/metadata/`) read with a real XML parser: valid, every reference resolved, beta a superset
//! of v1.0. The routes: no authentication, `application/xml`, an entity tag, 405 for other methods. And the
//! contract between them and Platen's responses: every `@odata.context` Platen emits resolves in the document, and
//! every property a v1.0 response carries is declared on its type (the ones that are not are listed below as
//! known findings, not added to the CSDL).

use crate::common::*;
use platen_graph::metadata::{BETA, V1_0};
use platen_testkit::csdl::Csdl;
use platen_testkit::infra::{COMPLETED, integer};
use platen_testkit::pull::Pull;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn parse(name: &str, doc: &str) -> Csdl {
    Csdl::parse(doc).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn both_documents_are_valid_csdl_whose_references_all_resolve() {
    for (name, doc) in [("v1.0", V1_0), ("beta", BETA)] {
        let csdl = parse(name, doc);
        assert_eq!(csdl.problems(), Vec::<String>::new(), "{name}");
        for (set, _) in csdl.container.values() {
            assert!(csdl.resolve(set).is_ok(), "{name}: {set}");
        }
    }
}

#[test]
fn beta_declares_everything_v1_declares_and_says_it_is_derived() {
    let (v1, beta) = (parse("v1.0", V1_0), parse("beta", BETA));
    assert_eq!(v1.missing_from(&beta), Vec::<String>::new());
    assert!(!beta.missing_from(&v1).is_empty(), "beta adds the β members");
    assert!(BETA.contains("DERIVED, NOT OFFICIAL"));
    // The β-only members the wire renderers send on beta are declared there and not on v1.0.
    for (ty, property) in [
        ("printJob", "displayName"),
        ("printer", "acceptingJobs"),
        ("printerBase", "name"),
        ("printJobStatus", "acquiredByPrinter"),
        ("printConnector", "deviceHealth"),
    ] {
        assert!(beta.member(ty, property).is_some(), "beta {ty}.{property}");
        assert!(v1.member(ty, property).is_none(), "v1.0 {ty}.{property}");
    }
}

#[tokio::test]
async fn metadata_is_served_to_anyone_as_xml_with_an_entity_tag() {
    let api = Api::shared(BIN);
    let http = api.http();
    let mut tags = vec![];
    for (version, doc) in [("v1.0", V1_0), ("beta", BETA)] {
        let path = format!("/{version}/$metadata");
        let r = http.exec(http.req(reqwest::Method::GET, &path)).await;
        r.expect(200);
        assert_eq!(r.header("content-type"), Some("application/xml"), "{version}");
        assert_eq!(r.text(), doc, "{version}");
        assert!(r.header("cache-control").is_some_and(|c| c.contains("max-age")));
        let tag = r.header("etag").expect("ETag").to_string();
        let again = http
            .exec(
                http.req(reqwest::Method::GET, &path)
                    .header("If-None-Match", &tag),
            )
            .await;
        again.expect(304);
        assert!(again.text().is_empty());
        // Path segments are case-insensitive and may be percent-encoded, as everywhere in Graph.
        let encoded = http
            .exec(http.req(reqwest::Method::GET, &format!("/{version}/%24Metadata")))
            .await;
        assert_eq!(encoded.text(), doc);
        let head = http.exec(http.req(reqwest::Method::HEAD, &path)).await;
        head.expect(200);
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PATCH,
            reqwest::Method::DELETE,
        ] {
            let r = http.exec(http.req(method.clone(), &path)).await;
            r.expect_code(405, "notSupported");
            assert_eq!(r.header("allow"), Some("GET"), "{method} {path}");
        }
        tags.push(tag);
    }
    assert_ne!(tags[0], tags[1], "each version has its own document");
}

/// Properties Platen sends in v1.0 responses that Microsoft's v1.0 CSDL does not declare on the type (findings,
/// reported to the lead; the CSDL is the contract, so they are not added to it).
const KNOWN_UNDECLARED: &[&str] = &[];

/// Reads v1.0 responses and collects what the document does not declare.
struct Audit {
    csdl: Csdl,
    api: Api,
    undeclared: BTreeSet<String>,
    contexts: usize,
}

impl Audit {
    fn check(&mut self, what: &str, body: &Value) {
        match self.csdl.undeclared_in_response(body) {
            Ok(found) => self.undeclared.extend(found),
            Err(e) => panic!("{what}: {e}"),
        }
        self.contexts += 1;
    }

    async fn get(&mut self, path: &str, token: &str) -> Value {
        let v = self.api.get(path, token).await.expect_json(200);
        self.check(path, &v);
        v
    }

    async fn post(&mut self, path: &str, token: &str, body: Value, status: u16) -> Value {
        let v = self.api.post(path, token, &body).await.expect_json(status);
        self.check(path, &v);
        v
    }
}

#[tokio::test]
async fn v1_responses_have_resolvable_contexts_and_declared_properties() {
    let t = Tenant::new();
    let mut a = Audit {
        csdl: parse("v1.0", V1_0),
        api: t.api.clone(),
        undeclared: BTreeSet::new(),
        contexts: 0,
    };
    let admin = t.admin.clone();
    let (printer, share, device, http) = t.device_printer("Metadata").await;
    let group = uuid();
    let alice = t.user_with("alice", USER_SCOPES, &group);

    for path in [
        "/v1.0/print".to_string(),
        "/v1.0/print/settings".into(),
        "/v1.0/print/printers".into(),
        format!("/v1.0/print/printers/{printer}"),
        format!("/v1.0/print/printers/{printer}?$select=id,displayName,capabilities,defaults"),
        format!("/v1.0/print/printers/{printer}/shares"),
        format!("/v1.0/print/printers/{printer}/shares/{share}"),
        format!("/v1.0/print/printers/{printer}?$expand=shares"),
        "/v1.0/print/shares".into(),
        format!("/v1.0/print/shares/{share}"),
        format!("/v1.0/print/shares/{share}?$select=id,capabilities"),
        format!("/v1.0/print/shares/{share}/printer"),
        "/v1.0/print/services".into(),
    ] {
        a.get(&path, &admin).await;
    }
    let services = a.get("/v1.0/print/services", &admin).await;
    let service = services["value"][0]["id"]
        .as_str()
        .expect("a service")
        .to_string();
    a.get(&format!("/v1.0/print/services/{service}"), &admin).await;
    let endpoints = a
        .get(&format!("/v1.0/print/services/{service}/endpoints"), &admin)
        .await;
    let endpoint = endpoints["value"][0]["id"]
        .as_str()
        .expect("an endpoint")
        .to_string();
    a.get(
        &format!("/v1.0/print/services/{service}/endpoints/{endpoint}"),
        &admin,
    )
    .await;

    // A printer registration's operation.
    let r = a
        .api
        .post(
            "/v1.0/print/printers/create",
            &admin,
            &printer_create_body("Second"),
        )
        .await;
    r.expect(202);
    let operation =
        platen_testkit::graph::path_of(r.header("operation-location").expect("Operation-Location"));
    a.get(&operation, &admin).await;

    // A connector.
    let c = a
        .post(
            "/v1.0/print/connectors",
            &admin,
            json!({"displayName": "Connector"}),
            201,
        )
        .await;
    let connector = c["id"].as_str().expect("connector id").to_string();
    a.get("/v1.0/print/connectors", &admin).await;
    a.get(&format!("/v1.0/print/connectors/{connector}"), &admin)
        .await;
    a.get(&format!("/v1.0/print/printers/{printer}/connectors"), &admin)
        .await;

    // Allowed users and groups.
    let bind =
        |kind: &str, id: &str| json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/{kind}/{id}")});
    a.api
        .post(
            &format!("/v1.0/print/shares/{share}/allowedUsers/$ref"),
            &admin,
            &bind("users", &alice.oid),
        )
        .await
        .expect(204);
    a.api
        .post(
            &format!("/v1.0/print/shares/{share}/allowedGroups/$ref"),
            &admin,
            &bind("groups", &group),
        )
        .await
        .expect(204);
    a.get(&format!("/v1.0/print/shares/{share}/allowedUsers"), &admin)
        .await;
    a.get(&format!("/v1.0/print/shares/{share}/allowedGroups"), &admin)
        .await;
    a.get(
        &format!(
            "/v1.0/print/shares/{share}/allowedUsers/{}/serviceProvisioningErrors",
            alice.oid
        ),
        &admin,
    )
    .await;
    a.get(
        &format!("/v1.0/print/shares/{share}/allowedGroups/{group}/serviceProvisioningErrors"),
        &admin,
    )
    .await;

    // A job through its life: created, uploaded, started, printed by the device.
    let jobs = format!("/v1.0/print/shares/{share}/jobs");
    let created = a
        .post(
            &jobs,
            &alice.token,
            json!({"configuration": {"copies": 1, "colorMode": "color"}}),
            201,
        )
        .await;
    let job = created["id"].as_str().expect("job id").to_string();
    let doc = created["documents"][0]["id"]
        .as_str()
        .expect("document id")
        .to_string();
    let job_path = format!("{jobs}/{job}");
    let session = a
        .post(
            &format!("{job_path}/documents/{doc}/createUploadSession"),
            &alice.token,
            json!({"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": 1024}}),
            200,
        )
        .await;
    let url = session["uploadUrl"].as_str().expect("uploadUrl").to_string();
    a.api.put_all(&url, &bytes(1024)).await.expect(201);
    a.post(&format!("{job_path}/start"), &alice.token, json!({}), 200)
        .await;
    for path in [
        jobs.clone(),
        job_path.clone(),
        format!("{job_path}?$expand=documents,tasks"),
        format!("{job_path}/documents"),
        format!("{job_path}/documents/{doc}"),
        format!("{job_path}/tasks"),
        format!("/v1.0/print/printers/{printer}/jobs"),
        format!("/v1.0/print/printers/{printer}/jobs/{job}"),
    ] {
        a.get(&path, &admin).await;
    }
    let number: i32 = job.parse().expect("numeric job id");
    let base = t.srv().base.clone();
    let device_uuid = "urn:uuid:6e1f0000-0000-4000-8000-00000000000a";
    assert_eq!(device.acknowledge(&http, &base, number, device_uuid).await, 0);
    let counters = vec![
        ("job-impressions-completed", integer(2)),
        ("job-media-sheets-completed", integer(1)),
    ];
    let status = device
        .update_job_status(&http, &base, number, COMPLETED, counters)
        .await;
    assert_eq!(status, 0, "Update-Job-Status");
    a.get(&job_path, &admin).await;

    // The user's own recent shares.
    a.get("/v1.0/me/print?$expand=recentPrinterShares", &alice.token)
        .await;
    a.get("/v1.0/me/print/recentPrinterShares", &alice.token).await;
    a.get(
        &format!("/v1.0/users/{}/print/recentPrinterShares", alice.oid),
        &alice.token,
    )
    .await;

    // Reports.
    let reader = t.token(&uuid(), "Reports.Read.All", false);
    for report in [
        "dailyPrintUsageByUser",
        "dailyPrintUsageByPrinter",
        "monthlyPrintUsageByUser",
        "monthlyPrintUsageByPrinter",
    ] {
        let rows = a.get(&format!("/v1.0/reports/{report}"), &reader).await;
        let id = rows["value"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("a row of {report}"))
            .to_string();
        a.get(&format!("/v1.0/reports/{report}/{id}"), &reader).await;
    }
    for call in [
        format!("getPrinterArchivedPrintJobs(printerId='{printer}',startDateTime=null,endDateTime=null)"),
        format!(
            "getUserArchivedPrintJobs(userId='{}',startDateTime=null,endDateTime=null)",
            alice.oid
        ),
        format!("getGroupArchivedPrintJobs(groupId='{group}',startDateTime=null,endDateTime=null)"),
    ] {
        let jobs = a.get(&format!("/v1.0/reports/{call}"), &reader).await;
        assert_eq!(jobs["value"].as_array().map(Vec::len), Some(1), "{call}: {jobs}");
    }

    // Pull printing: definitions, triggers, tasks.
    let p = Pull::new(t.api.clone()).await;
    let user = p.user("bob");
    let held = p.held(&user, &bytes(512)).await;
    a.get("/v1.0/print/taskDefinitions", &p.app).await;
    a.get(&format!("/v1.0/print/taskDefinitions/{}", p.definition), &p.app)
        .await;
    a.get(&p.tasks(), &p.app).await;
    a.get(&p.task(&held.task), &p.app).await;
    a.get(&format!("{}/definition", p.task(&held.task)), &p.app).await;
    a.get(&format!("{}/trigger", p.task(&held.task)), &p.app).await;
    a.get(&format!("{}/tasks", p.job(&held.id)), &p.app).await;
    a.get(&format!("{}/tasks/{}", p.job(&held.id), held.task), &p.app)
        .await;
    a.get(
        &format!("/v1.0/print/printers/{}/taskTriggers", p.printer),
        &p.admin,
    )
    .await;
    a.get(
        &format!("/v1.0/print/printers/{}/taskTriggers/{}", p.printer, p.trigger),
        &p.admin,
    )
    .await;
    a.get(
        &format!(
            "/v1.0/print/printers/{}/taskTriggers/{}/definition",
            p.printer, p.trigger
        ),
        &p.admin,
    )
    .await;

    assert!(a.contexts > 60, "{} responses checked", a.contexts);
    let known: BTreeSet<String> = KNOWN_UNDECLARED.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        a.undeclared, known,
        "properties sent in v1.0 responses but not declared in v1.0's CSDL"
    );
}
