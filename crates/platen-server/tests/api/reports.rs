//! Reports (§1.9, §2 rows 58–59, §3.5): usage by user and by printer, daily and monthly, and archived jobs by
//! printer, user and group, computed from jobs a device really finished over INFRA (Acknowledge-Job, then
//! Update-Job-Status with `job-impressions-completed`, `job-media-sheets-completed` and their `-col`
//! breakdowns), checked number by number; their permission (delegated Reports.Read.All only) and tenant
//! isolation; the OData options and the function-parameter forms the SDKs send.

use crate::common::*;
use platen_testkit::graph::path_of;
use platen_testkit::infra::{COMPLETED, Device, counts, integer};
use serde_json::{Value, json};

const READER_SCOPES: &str = "Reports.Read.All";
/// IPP `job-state` aborted.
const ABORTED: i32 = 8;

/// A tenant with a physical printer whose key the test holds, shared with everyone, and two users.
struct Site {
    t: Tenant,
    printer: String,
    share: String,
    device: Device,
    http: reqwest::Client,
    alice: User,
    bob: User,
    group: String,
    reader: String,
}

impl Site {
    async fn new() -> Site {
        let t = Tenant::new();
        let (printer, share, device, http) = t.device_printer("Floor 4").await;
        let group = uuid();
        let alice = t.user_with("alice", USER_SCOPES, &group);
        let bob = t.user("bob");
        let reader = t.token(&uuid(), READER_SCOPES, false);
        Site {
            t,
            printer,
            share,
            device,
            http,
            alice,
            bob,
            group,
            reader,
        }
    }

    /// A started job of `user` on the share, with `configuration`.
    async fn started(&self, user: &User, configuration: Value) -> i32 {
        let collection = format!("/v1.0/print/shares/{}/jobs", self.share);
        let (id, doc) = self
            .t
            .api
            .create_job(&collection, &user.token, configuration)
            .await;
        let job = Job { id, doc, collection };
        self.t.upload(&job, &user.token, &bytes(2048)).await;
        self.t
            .api
            .post_empty(&job.action("start"), &user.token)
            .await
            .expect(200);
        job.id.parse().unwrap()
    }

    /// The device claims `job` and reports it ended in `state` with these counters.
    async fn finish(&self, job: i32, state: i32, counters: Vec<(&str, ipp::value::IppValue)>) {
        let base = &self.t.srv().base;
        let uuid = "urn:uuid:6e1f0000-0000-4000-8000-000000000001";
        assert_eq!(self.device.acknowledge(&self.http, base, job, uuid).await, 0);
        let status = self
            .device
            .update_job_status(&self.http, base, job, state, counters)
            .await;
        assert_eq!(status, 0, "Update-Job-Status");
    }

    async fn get(&self, path: &str) -> Value {
        self.t.api.get(path, &self.reader).await.expect_json(200)
    }
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

fn month() -> String {
    chrono::Utc::now().format("%Y-%m-01").to_string()
}

/// The counters of a usage row, in the order Graph lists them.
fn counters(row: &Value) -> [i64; 10] {
    [
        "completedJobCount",
        "completedColorJobCount",
        "completedBlackAndWhiteJobCount",
        "incompleteJobCount",
        "pageCount",
        "blackAndWhitePageCount",
        "colorPageCount",
        "mediaSheetCount",
        "doubleSidedSheetCount",
        "singleSidedSheetCount",
    ]
    .map(|k| row[k].as_i64().unwrap_or_else(|| panic!("{k} in {row}")))
}

/// Four jobs: alice's color duplex job with breakdowns, alice's black-and-white job with totals only, bob's job
/// canceled before printing, bob's job aborted by the device after one page.
async fn four_jobs(s: &Site) -> Vec<i32> {
    let a1 = s.started(&s.alice, json!({"copies": 1})).await;
    s.finish(
        a1,
        COMPLETED,
        vec![
            ("job-impressions-completed", integer(6)),
            (
                "job-impressions-completed-col",
                counts(&[("monochrome", 4), ("full-color-two-sided", 2)]),
            ),
            ("job-media-sheets-completed", integer(4)),
            (
                "job-media-sheets-completed-col",
                counts(&[("monochrome", 2), ("full-color-two-sided", 2)]),
            ),
        ],
    )
    .await;
    let a2 = s
        .started(&s.alice, json!({"copies": 3, "colorMode": "blackAndWhite"}))
        .await;
    s.finish(
        a2,
        COMPLETED,
        vec![
            ("job-impressions-completed", integer(3)),
            ("job-media-sheets-completed", integer(3)),
        ],
    )
    .await;
    let b1 = s.started(&s.bob, json!({"copies": 1})).await;
    s.t.api
        .post_empty(
            &format!("/v1.0/print/shares/{}/jobs/{b1}/cancel", s.share),
            &s.bob.token,
        )
        .await
        .expect(204);
    let b2 = s.started(&s.bob, json!({"copies": 1})).await;
    s.finish(b2, ABORTED, vec![("job-impressions-completed", integer(1))])
        .await;
    vec![a1, a2, b1, b2]
}

#[tokio::test]
async fn usage_by_user_and_by_printer_adds_up_what_the_device_reported() {
    let s = Site::new().await;
    four_jobs(&s).await;
    for period in ["daily", "monthly"] {
        let date = if period == "daily" { today() } else { month() };
        let v = s.get(&format!("/v1.0/reports/{period}PrintUsageByUser")).await;
        assert_eq!(
            v["@odata.context"],
            format!(
                "{}/v1.0/$metadata#reports/{period}PrintUsageByUser",
                s.t.srv().base
            )
        );
        let rows = v["value"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "{v}");
        let row_of = |upn: &str| {
            rows.iter()
                .find(|r| r["userPrincipalName"] == upn)
                .unwrap_or_else(|| panic!("{upn} in {v}"))
                .clone()
        };
        let alice = row_of(&s.alice.upn);
        assert_eq!(alice["usageDate"], date);
        // completed 2 (1 color, 1 b/w); pages 6 + 3 (b/w 4 + 3, color 2); sheets 4 + 3 (2 double-sided).
        assert_eq!(counters(&alice), [2, 1, 1, 0, 9, 7, 2, 7, 2, 5], "{alice}");
        let bob = row_of(&s.bob.upn);
        // Two incomplete jobs; the aborted one printed one (b/w) page before it stopped.
        assert_eq!(counters(&bob), [0, 0, 0, 2, 1, 1, 0, 0, 0, 0], "{bob}");

        let v = s.get(&format!("/v1.0/reports/{period}PrintUsageByPrinter")).await;
        let rows = v["value"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{v}");
        assert_eq!(rows[0]["printerId"], s.printer);
        assert_eq!(rows[0]["printerName"], "Floor 4");
        assert_eq!(counters(&rows[0]), [2, 1, 1, 2, 10, 8, 2, 7, 2, 5], "{v}");

        // One row by id, as listed.
        let id = rows[0]["id"].as_str().unwrap();
        let one = s
            .get(&format!("/v1.0/reports/{period}PrintUsageByPrinter/{id}"))
            .await;
        assert_eq!(counters(&one), counters(&rows[0]));
    }
    // Beta: the same rows under /print/reports and as "summaries"; the legacy dailyPrintUsage is typed.
    let beta = s
        .get("/beta/print/reports/dailyPrintUsageSummariesByPrinter")
        .await;
    assert_eq!(counters(&beta["value"][0]), [2, 1, 1, 2, 10, 8, 2, 7, 2, 5]);
    let legacy = s.get("/beta/reports/dailyPrintUsage").await;
    assert_eq!(
        legacy["value"][0]["@odata.type"],
        "#microsoft.graph.printUsageByPrinter"
    );
}

#[tokio::test]
async fn usage_reports_filter_sort_count_and_page_in_the_store() {
    let s = Site::new().await;
    four_jobs(&s).await;
    let upn = &s.alice.upn;
    let v = s
        .get(&format!(
            "/v1.0/reports/dailyPrintUsageByUser?$filter=userPrincipalName eq '{}' and usageDate ge {}",
            upn.to_uppercase(),
            today()
        ))
        .await;
    assert_eq!(v["value"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["value"][0]["userPrincipalName"], *upn);
    let none = s
        .get("/v1.0/reports/dailyPrintUsageByUser?$filter=usageDate lt 2020-01-01")
        .await;
    assert_eq!(none["value"], json!([]));

    let sorted = s
        .get(
            "/v1.0/reports/dailyPrintUsageByUser?$orderby=pageCount desc&$select=userPrincipalName,pageCount",
        )
        .await;
    assert_eq!(sorted["value"][0]["userPrincipalName"], *upn);
    assert_eq!(sorted["value"][0].as_object().unwrap().len(), 2, "{sorted}");

    let count =
        s.t.api
            .get("/v1.0/reports/dailyPrintUsageByUser/$count", &s.reader)
            .await;
    count.expect(200);
    assert_eq!(count.text(), "2");

    let first = s.get("/v1.0/reports/dailyPrintUsageByUser?$top=1").await;
    assert_eq!(first["value"].as_array().unwrap().len(), 1);
    let next = first["@odata.nextLink"].as_str().expect("nextLink");
    let second = s.get(&path_of(next)).await;
    assert_eq!(second["value"].as_array().unwrap().len(), 1);
    assert_ne!(first["value"][0]["id"], second["value"][0]["id"]);
    assert!(second.get("@odata.nextLink").is_none(), "{second}");

    let bad =
        s.t.api
            .get(
                "/v1.0/reports/dailyPrintUsageByUser?$filter=printerId eq 'x'",
                &s.reader,
            )
            .await;
    bad.expect_bad_request();
}

#[tokio::test]
async fn archived_jobs_by_printer_user_and_group_within_a_window() {
    let s = Site::new().await;
    let ids = four_jobs(&s).await;
    let all = s
        .get(&format!(
            "/v1.0/reports/getPrinterArchivedPrintJobs(printerId='{}',startDateTime=null,endDateTime=null)",
            s.printer
        ))
        .await;
    let jobs = all["value"].as_array().unwrap();
    let listed: Vec<i32> = jobs
        .iter()
        .map(|j| j["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(listed, ids, "oldest first: {all}");
    let a1 = &jobs[0];
    assert_eq!(a1["processingState"], "completed");
    assert_eq!(a1["printerName"], "Floor 4");
    assert_eq!(a1["acquiredByPrinter"], true);
    assert_eq!(a1["copiesPrinted"], 1);
    assert_eq!(a1["createdBy"]["userPrincipalName"], s.alice.upn);
    assert_eq!(a1["createdBy"]["ipAddress"], "127.0.0.1", "{a1}");
    assert!(a1["completionDateTime"].as_str().is_some());
    assert!(a1.get("pageCount").is_none(), "v1.0 has no page counts: {a1}");
    assert_eq!(jobs[1]["copiesPrinted"], 3);
    assert_eq!(jobs[2]["processingState"], "canceled");
    assert_eq!(jobs[2]["acquiredByPrinter"], false);
    assert_eq!(jobs[2]["copiesPrinted"], 0);
    assert_eq!(jobs[3]["processingState"], "aborted");

    // The SDK's form: bare date/times with an offset, percent-encoded.
    let start = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let end = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let enc = |t: &str| t.replace(':', "%3A").replace('+', "%2B");
    let alice = s
        .get(&format!(
            "/v1.0/reports/getUserArchivedPrintJobs(userId='{}',startDateTime={},endDateTime={})",
            s.alice.oid,
            enc(&start),
            enc(&end)
        ))
        .await;
    assert_eq!(alice["value"].as_array().unwrap().len(), 2, "{alice}");
    let group = s
        .get(&format!(
            "/beta/reports/getGroupArchivedPrintJobs(groupId='{}',startDateTime='{}',endDateTime=null)",
            s.group,
            enc(&start)
        ))
        .await;
    let group_jobs = group["value"].as_array().unwrap();
    assert_eq!(group_jobs.len(), 2, "alice's group: {group}");
    // Beta adds the page counts: 6 pages, 4 b/w, 2 color, 2 of them on two-sided sheets.
    let p = &group_jobs[0];
    assert_eq!(
        [
            &p["pageCount"],
            &p["blackAndWhitePageCount"],
            &p["colorPageCount"],
            &p["simplexPageCount"],
            &p["duplexPageCount"]
        ],
        [&json!(6), &json!(4), &json!(2), &json!(4), &json!(2)],
        "{p}"
    );
    let later = s
        .get(&format!(
            "/v1.0/reports/getPrinterArchivedPrintJobs(printerId='{}',startDateTime={},endDateTime=null)",
            s.printer,
            enc(&end)
        ))
        .await;
    assert_eq!(later["value"], json!([]));
    let page = s
        .get(&format!(
            "/v1.0/reports/getPrinterArchivedPrintJobs(printerId='{}',startDateTime=null,endDateTime=null)?$top=3",
            s.printer
        ))
        .await;
    assert_eq!(page["value"].as_array().unwrap().len(), 3);
    let rest = s.get(&path_of(page["@odata.nextLink"].as_str().unwrap())).await;
    assert_eq!(rest["value"][0]["id"], ids[3].to_string());
}

#[tokio::test]
async fn archived_job_functions_need_every_parameter() {
    let s = Site::new().await;
    for bad in [
        format!("getPrinterArchivedPrintJobs(printerId='{}')", s.printer),
        format!(
            "getPrinterArchivedPrintJobs(printerId='{}',startDateTime=soon,endDateTime=null)",
            s.printer
        ),
        "getPrinterArchivedPrintJobs(startDateTime=null,endDateTime=null)".to_string(),
        format!(
            "getPrinterArchivedPrintJobs(printerId='{}',startDateTime=2026-12-02T00:00:00Z,endDateTime=2026-12-01T00:00:00Z)",
            s.printer
        ),
    ] {
        s.t.api
            .get(&format!("/v1.0/reports/{bad}"), &s.reader)
            .await
            .expect_bad_request();
    }
}

#[tokio::test]
async fn reports_need_delegated_reports_read_all_and_stay_in_their_tenant() {
    let s = Site::new().await;
    four_jobs(&s).await;
    let paths = [
        "/v1.0/reports/dailyPrintUsageByUser".to_string(),
        "/v1.0/reports/monthlyPrintUsageByPrinter".to_string(),
        format!(
            "/v1.0/reports/getUserArchivedPrintJobs(userId='{}',startDateTime=null,endDateTime=null)",
            s.alice.oid
        ),
    ];
    let app = s.t.app(
        &uuid(),
        "Printer.ReadWrite.All PrintJob.Manage.All Reports.Read.All",
    );
    for p in &paths {
        // The administrator's print scopes are not Reports.Read.All; apps are not supported at all.
        s.t.api.get(p, &s.t.admin).await.expect_denied();
        s.t.api.get(p, &s.alice.token).await.expect_denied();
        s.t.api.get(p, &app).await.expect_denied();
    }
    // A reader of another tenant sees none of these rows.
    let other = Tenant::new();
    let reader = other.token(&uuid(), READER_SCOPES, false);
    for p in &paths {
        let v = other.api.get(p, &reader).await.expect_json(200);
        assert_eq!(v["value"], json!([]), "{p}: {v}");
    }
    let id = format!("{}_{}", s.printer, today());
    other
        .api
        .get(&format!("/v1.0/reports/dailyPrintUsageByPrinter/{id}"), &reader)
        .await
        .expect_not_found();
    // Beta-only navigations do not exist on v1.0.
    s.t.api
        .get("/v1.0/reports/dailyPrintUsageSummariesByUser", &s.reader)
        .await
        .expect_bad_request();
    s.t.api
        .get("/v1.0/print/reports/dailyPrintUsageByUser", &s.reader)
        .await
        .expect_bad_request();
}
