//! End to end with real processes: `platen serve`, `platen connector register|run` and CUPS' ippeveprinter
//! as the printer (printer-side-ipp.md §3.3). Jobs go in through Graph (share → upload → start) and must come
//! out of ippeveprinter byte-identical; cloud-side cancel reaches the device; a killed connector neither
//! loses nor duplicates a job; two connectors on one printer claim each job once; a server outage is
//! bridged. Skips (with a message) only when ippeveprinter is not installed and the test command does not require
//! it; `./scripts/test.sh` sets `PLATEN_TEST_REQUIRE_IPPEVEPRINTER=1`, and then a missing ippeveprinter or
//! dbus-daemon fails every test here.
//!
//! `cargo test -p platen-server --test device_e2e -- --ignored figures --nocapture` prints the closing
//! figures (jobs/s, cancel latency, connector memory with 1,000 queued jobs).

// Test code: a failed call is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "device_e2e/device.rs"]
mod device;
#[path = "device_e2e/figures.rs"]
mod figures;
#[path = "device_e2e/graph.rs"]
mod graph;
#[path = "device_e2e/procs.rs"]
mod procs;

use device::{DeviceJob, device_jobs};
use graph::{ADMIN_SCOPES, APP_ROLES, Graph, Job, USER_SCOPES};
use platen_testkit::{Http, ippeve};
use procs::{Ippeve, Server};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub const TENANT: &str = "contoso";
pub const ADMIN_OID: &str = "11111111-1111-1111-1111-111111111111";

/// A server, an ippeveprinter, a registered connector (not yet running) and a share of its printer.
pub struct World {
    pub root: tempfile::TempDir,
    pub server: Server,
    pub graph: Graph,
    pub admin: String,
    pub user: String,
    pub printer: Ippeve,
    pub state: PathBuf,
    pub printer_id: String,
    pub share: String,
}

impl World {
    /// `None` when ippeveprinter is not installed (a panic instead when `PLATEN_TEST_REQUIRE_IPPEVEPRINTER` is
    /// set). `ippeve_extra`: e.g. `["-c", "/bin/true"]`.
    pub async fn new(ippeve_extra: &[&str]) -> Option<World> {
        if !ippeve::available() {
            return None;
        }
        let root = tempfile::Builder::new()
            .prefix("platen-device-e2e-")
            .tempdir()
            .unwrap();
        let server = Server::start(root.path());
        let admin = server.token(&[
            "token",
            "user",
            "--tenant",
            TENANT,
            "--user",
            ADMIN_OID,
            "--upn",
            "admin@contoso.com",
            "--name",
            "Ada Admin",
            "--admin",
            "--scopes",
            ADMIN_SCOPES,
        ]);
        let user = server.token(&[
            "token",
            "user",
            "--tenant",
            TENANT,
            "--user",
            "22222222-2222-2222-2222-222222222222",
            "--upn",
            "alice@contoso.com",
            "--name",
            "Alice",
            "--scopes",
            USER_SCOPES,
        ]);
        let printer = Ippeve::start(root.path(), "lobby", ippeve_extra);
        let state = root.path().join("connector-state");
        let reg = device::register(
            &server.base,
            &admin,
            &state,
            "Basement",
            &[("Lobby".into(), printer.uri.clone())],
        );
        assert_eq!(reg.len(), 1, "one printer registered: {reg:?}");
        assert_eq!(reg[0].0, "Lobby");
        let printer_id = reg[0].1.clone();
        let graph = Graph::new(&server.base);
        let p = graph.get(&format!("/print/printers/{printer_id}"), &admin).await;
        assert_eq!(
            p["displayName"], "Lobby",
            "the Graph printer's displayName is the NAME given: {p}"
        );
        let share = graph.share(&admin, &printer_id, "Lobby").await;
        Some(World {
            root,
            server,
            graph,
            admin,
            user,
            printer,
            state,
            printer_id,
            share,
        })
    }

    /// Holds this world's printer's jobs until released (Platen's built-in secure release), as its administrator.
    pub async fn secure_release_on(&self, api: &Http) {
        api.put(
            &format!("/platen/secure-release/printers/{}", self.printer_id),
            &self.admin,
            &json!({"enabled": true}),
        )
        .await
        .expect(200);
    }

    pub fn device_jobs(&self) -> Vec<DeviceJob> {
        device_jobs(&self.printer.uri, self.root.path())
    }

    /// The device job whose name carries the connector's marker for Graph job `id` (`platen-{id}-…`).
    pub fn device_job_for(&self, job: &Job) -> Vec<DeviceJob> {
        let marker = format!("platen-{}-", job.id);
        self.device_jobs()
            .into_iter()
            .filter(|j| j.name.contains(&marker))
            .collect()
    }

    pub async fn wait_device(&self, job: &Job, states: &[&str], secs: u64) -> DeviceJob {
        self.wait_device_where(job, |j| states.contains(&j.state.as_str()), secs)
            .await
    }

    pub async fn wait_device_where(
        &self,
        job: &Job,
        pred: impl Fn(&DeviceJob) -> bool,
        secs: u64,
    ) -> DeviceJob {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(j) = self.device_job_for(job).into_iter().find(|j| pred(j)) {
                return j;
            }
            assert!(
                Instant::now() < deadline,
                "device job for {}: condition not met: {:?}",
                job.id,
                self.device_jobs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {tag}\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n").into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_arrives_byte_identical_and_completes_acquired_by_the_printer() {
    let Some(w) = World::new(&["-c", "/bin/true"]).await else {
        return;
    };
    let conn = device::run(&w.state, "main");
    let doc = pdf("byte-identical delivery");
    let job = w.graph.submit(&w.user, &w.share, "Quarterly.pdf", &doc).await;
    let done = w
        .graph
        .wait_state(&w.user, &job, &["completed", "aborted", "canceled"], 60)
        .await;
    assert_eq!(done["status"]["state"], "completed", "{done}");
    assert_eq!(done["status"]["isAcquiredByPrinter"], true, "{done}");
    assert_eq!(
        w.printer.count_spooled(&doc),
        1,
        "spooled byte-identical exactly once"
    );
    // The Graph printer shows the local printer's capabilities and state.
    let p = w
        .graph
        .get(
            &format!(
                "/print/printers/{}?$select=id,capabilities,status,manufacturer,model",
                w.printer_id
            ),
            &w.admin,
        )
        .await;
    assert!(
        p["capabilities"]["contentTypes"]
            .to_string()
            .contains("application/pdf"),
        "capabilities: {p}"
    );
    assert_ne!(p["status"]["state"], "unknown", "status: {p}");
    let c = w.graph.get("/print/connectors", &w.admin).await;
    assert!(c.to_string().contains("Basement"), "the printConnector: {c}");
    // Reports count what the printer reported through the connector.
    let device = w.wait_device(&job, &["completed"], 30).await;
    let reader = w.server.token(&[
        "token",
        "user",
        "--tenant",
        TENANT,
        "--user",
        ADMIN_OID,
        "--scopes",
        "Reports.Read.All",
    ]);
    let usage = w.graph.get("/reports/dailyPrintUsageByPrinter", &reader).await;
    let row = &usage["value"][0];
    assert_eq!(row["printerId"], w.printer_id.as_str(), "{usage}");
    assert_eq!(row["completedJobCount"], 1, "{usage}");
    assert_eq!(
        row["pageCount"], device.impressions,
        "as ippeveprinter counted: {usage}"
    );
    let archived = w
        .graph
        .get(
            &format!(
                "/reports/getPrinterArchivedPrintJobs(printerId='{}',startDateTime=null,endDateTime=null)",
                w.printer_id
            ),
            &reader,
        )
        .await;
    assert_eq!(archived["value"][0]["id"], job.id.as_str(), "{archived}");
    assert_eq!(archived["value"][0]["acquiredByPrinter"], true, "{archived}");
    conn.term();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_cancel_while_printing_cancels_the_device_job() {
    let Some(w) = World::new(&[]).await else { return };
    let conn = device::run(&w.state, "main");
    let job = w
        .graph
        .submit(&w.user, &w.share, "Long.pdf", &pdf("cancel me"))
        .await;
    // ippeveprinter "prints" each job for 5–15 s.
    w.wait_device(&job, &["processing"], 60).await;
    let t0 = Instant::now();
    w.graph.cancel(&w.user, &job).await;
    // The device accepts Cancel-Job at once (processing-to-stop-point); ippeveprinter then finishes its
    // simulated page before the job becomes canceled.
    w.wait_device_where(
        &job,
        |j| j.state == "canceled" || j.reasons.contains("processing-to-stop-point"),
        5,
    )
    .await;
    let forwarded = t0.elapsed();
    let canceled = w.wait_device(&job, &["canceled"], 30).await;
    eprintln!(
        "Graph cancel → Cancel-Job at the device {forwarded:?}, → device job canceled {:?} ({})",
        t0.elapsed(),
        canceled.reasons
    );
    let g = w.graph.wait_state(&w.user, &job, &["canceled"], 10).await;
    assert_eq!(g["status"]["state"], "canceled");
    conn.term();
}

/// Pull printing: a job held for a print task is not delivered; the task's app aborts it (Graph `aborted`,
/// nothing printed) or releases it (printed, `completed`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_printing_abort_and_release_through_the_connector() {
    let Some(w) = World::new(&["-c", "/bin/true"]).await else {
        return;
    };
    let app_id = "7a1a0b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b";
    let app = w.server.token(&[
        "token", "app", "--tenant", TENANT, "--app", app_id, "--roles", APP_ROLES,
    ]);
    let admin_app = w.server.token(&[
        "token",
        "user",
        "--tenant",
        TENANT,
        "--user",
        ADMIN_OID,
        "--admin",
        "--app",
        app_id,
        "--scopes",
        ADMIN_SCOPES,
    ]);
    let (s, d) = w
        .graph
        .post(
            "/print/taskDefinitions",
            &app,
            json!({"displayName": "Release", "createdBy": {"displayName": "Pull"}}),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    let def = d["id"].as_str().unwrap().to_string();
    let (s, t) = w
        .graph
        .post(
            &format!("/print/printers/{}/taskTriggers", w.printer_id),
            &admin_app,
            json!({"event": "jobStarted", "definition@odata.bind": format!("{}/print/taskDefinitions/{def}", w.graph.base)}),
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let conn = device::run(&w.state, "main");
    let aborted_doc = pdf("pull: aborted");
    let held = w.graph.submit(&w.user, &w.share, "Held.pdf", &aborted_doc).await;
    let released_doc = pdf("pull: released");
    let released = w
        .graph
        .submit(&w.user, &w.share, "Released.pdf", &released_doc)
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(w.graph.state(&w.user, &held).await, "paused", "held for its task");
    assert!(
        w.device_jobs().is_empty(),
        "a held job is not delivered: {:?}",
        w.device_jobs()
    );

    let (s, v) = w
        .graph
        .post(
            &format!("/print/printers/{}/jobs/{}/abort", w.printer_id, held.id),
            &app,
            json!({"reason": "no badge"}),
        )
        .await;
    assert_eq!(s, 204, "abort: {v}");
    assert_eq!(w.graph.state(&w.user, &held).await, "aborted");

    let tasks = w
        .graph
        .get(&format!("/print/taskDefinitions/{def}/tasks"), &app)
        .await;
    let task = tasks["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["status"]["state"] == "processing"
                && t["parentUrl"]
                    .as_str()
                    .unwrap_or("")
                    .ends_with(&format!("/jobs/{}", released.id))
        })
        .cloned()
        .expect("the released job's task");
    let (s, v) = w
        .graph
        .call(
            reqwest::Method::PATCH,
            &format!(
                "/print/taskDefinitions/{def}/tasks/{}",
                task["id"].as_str().unwrap()
            ),
            &app,
            Some(json!({"status": {"state": "completed", "description": "released at the device"}})),
        )
        .await;
    assert!(s == 200 || s == 204, "release: {s} {v}");
    let done = w
        .graph
        .wait_state(&w.user, &released, &["completed", "aborted", "canceled"], 60)
        .await;
    assert_eq!(done["status"]["state"], "completed", "{done}");
    assert_eq!(w.printer.count_spooled(&released_doc), 1);
    assert_eq!(
        w.printer.count_spooled(&aborted_doc),
        0,
        "the aborted job never printed"
    );
    conn.term();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_release_holds_jobs_until_released_by_the_owner_or_at_the_station() {
    let Some(w) = World::new(&["-c", "/bin/true"]).await else {
        return;
    };
    let api = Http::new(&w.server.base);
    w.secure_release_on(&api).await;
    api.put("/platen/release-pin", &w.user, &json!({"pin": "1357"}))
        .await
        .expect(204);
    let conn = device::run(&w.state, "main");
    let by_owner_doc = pdf("secure release: by its owner");
    let at_station_doc = pdf("secure release: at the station");
    let by_owner = w
        .graph
        .submit(&w.user, &w.share, "Payroll.pdf", &by_owner_doc)
        .await;
    let at_station = w
        .graph
        .submit(&w.user, &w.share, "Contract.pdf", &at_station_doc)
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    for job in [&by_owner, &at_station] {
        assert_eq!(w.graph.state(&w.user, job).await, "paused", "held for release");
    }
    assert!(
        w.device_jobs().is_empty(),
        "a held job is not delivered: {:?}",
        w.device_jobs()
    );

    // Released by its owner through Platen's endpoint: it reaches ippeveprinter through the connector.
    api.post_empty(
        &format!("/platen/secure-release/jobs/{}/release", by_owner.id),
        &w.user,
    )
    .await
    .expect(200);
    let done = w
        .graph
        .wait_state(&w.user, &by_owner, &["completed", "aborted", "canceled"], 60)
        .await;
    assert_eq!(done["status"]["state"], "completed", "{done}");
    assert_eq!(w.printer.count_spooled(&by_owner_doc), 1);
    assert_eq!(
        w.printer.count_spooled(&at_station_doc),
        0,
        "the other job still waits"
    );

    // At the station beside the printer: UPN and PIN.
    let station = reqwest::Client::new()
        .post(format!("{}/console/release/{}", w.server.base, w.printer_id))
        .form(&[("upn", "alice@contoso.com"), ("pin", "1357")])
        .send()
        .await
        .unwrap();
    assert_eq!(station.status(), 200);
    let page = station.text().await.unwrap();
    assert!(page.contains("1 job released"), "{page}");
    let done = w
        .graph
        .wait_state(&w.user, &at_station, &["completed", "aborted", "canceled"], 60)
        .await;
    assert_eq!(done["status"]["state"], "completed", "{done}");
    assert_eq!(w.printer.count_spooled(&at_station_doc), 1);
    conn.term();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_job_released_to_another_printer_prints_there_through_its_connector() {
    let Some(w) = World::new(&["-c", "/bin/true"]).await else {
        return;
    };
    // A second printer upstairs, behind a connector of its own.
    let upstairs = Ippeve::start(w.root.path(), "upstairs", &["-c", "/bin/true"]);
    let state2 = w.root.path().join("connector-state-upstairs");
    let reg = device::register(
        &w.server.base,
        &w.admin,
        &state2,
        "Upstairs",
        &[("Upstairs".into(), upstairs.uri.clone())],
    );
    let upstairs_id = reg[0].1.clone();
    let upstairs_share = w.graph.share(&w.admin, &upstairs_id, "Upstairs").await;
    let api = Http::new(&w.server.base);
    w.secure_release_on(&api).await;
    let lobby = device::run(&w.state, "main");
    let upstairs_conn = device::run(&state2, "upstairs");
    let doc = pdf("secure release: redirected upstairs");
    let held = w.graph.submit(&w.user, &w.share, "Minutes.pdf", &doc).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(w.graph.state(&w.user, &held).await, "paused");

    let released = api
        .post(
            &format!("/platen/secure-release/jobs/{}/release", held.id),
            &w.user,
            &json!({"shareId": upstairs_share}),
        )
        .await
        .expect_json(200);
    assert_eq!(released["printerId"], upstairs_id.as_str(), "{released}");
    let new_id = released["id"].as_str().unwrap().to_string();
    let path = format!("/print/printers/{upstairs_id}/jobs/{new_id}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = w.graph.get(&path, &w.admin).await;
        if job["status"]["state"] == "completed" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the redirected job did not complete: {job}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(upstairs.count_spooled(&doc), 1, "printed upstairs once");
    assert_eq!(w.printer.count_spooled(&doc), 0, "never in the lobby");
    lobby.term();
    upstairs_conn.term();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_killed_in_the_middle_of_a_job_neither_loses_nor_duplicates_it() {
    let Some(w) = World::new(&[]).await else { return };
    let conn = device::run(&w.state, "first");
    let doc = pdf("killed mid-job");
    let job = w.graph.submit(&w.user, &w.share, "Crash.pdf", &doc).await;
    w.wait_device(&job, &["processing"], 60).await;
    conn.kill9();
    assert_ne!(
        w.graph.state(&w.user, &job).await,
        "completed",
        "not completed before the device finished"
    );
    let conn = device::run(&w.state, "second");
    // Never reported completed unless it printed: whenever Graph says completed, the device job is completed.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let g = w.graph.state(&w.user, &job).await;
        let d = w.device_job_for(&job);
        if g == "completed" {
            assert!(
                d.iter().any(|j| j.state == "completed"),
                "Graph completed while the device job is {d:?}"
            );
            break;
        }
        assert!(!matches!(g.as_str(), "aborted" | "canceled"), "job lost: {g}");
        assert!(Instant::now() < deadline, "never completed after the restart");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        w.device_job_for(&job).len(),
        1,
        "one device job: {:?}",
        w.device_jobs()
    );
    assert_eq!(w.printer.count_spooled(&doc), 1, "printed once");
    conn.term();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_outage_while_printing_is_bridged() {
    let Some(mut w) = World::new(&[]).await else {
        return;
    };
    let conn = device::run(&w.state, "main");
    let doc = pdf("outage");
    let job = w.graph.submit(&w.user, &w.share, "Outage.pdf", &doc).await;
    w.wait_device(&job, &["processing"], 60).await;
    w.server.stop();
    // The device finishes while the server is down; the connector keeps the outcome.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !w.device_job_for(&job).iter().any(|j| j.state == "completed") {
        assert!(Instant::now() < deadline, "the device never finished");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    w.server.restart();
    let done = w
        .graph
        .wait_state(&w.user, &job, &["completed", "aborted", "canceled"], 90)
        .await;
    assert_eq!(done["status"]["state"], "completed", "{done}");
    // And the connector carries on with new work after the outage.
    let next_doc = pdf("after the outage");
    let next = w.graph.submit(&w.user, &w.share, "Next.pdf", &next_doc).await;
    let done = w
        .graph
        .wait_state(&w.user, &next, &["completed", "aborted", "canceled"], 90)
        .await;
    assert_eq!(done["status"]["state"], "completed", "{done}");
    assert_eq!(w.printer.count_spooled(&doc), 1);
    assert_eq!(w.printer.count_spooled(&next_doc), 1);
    conn.term();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_connectors_on_one_printer_claim_each_job_exactly_once() {
    let Some(w) = World::new(&["-c", "/bin/true"]).await else {
        return;
    };
    let second_printer = Ippeve::start(w.root.path(), "annex", &["-c", "/bin/true"]);
    let second_state = w.root.path().join("connector-state-2");
    device::copy_state(&w.state, &second_state);
    let cfg = second_state.join("connector.json");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace(&w.printer.uri, &second_printer.uri);
    std::fs::write(&cfg, text).unwrap();
    let docs: Vec<Vec<u8>> = (0..10).map(|i| pdf(&format!("two connectors {i}"))).collect();
    let mut jobs = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        jobs.push(w.graph.submit(&w.user, &w.share, &format!("Job{i}.pdf"), d).await);
    }
    let (a, b) = (device::run(&w.state, "a"), device::run(&second_state, "b"));
    for j in &jobs {
        let done = w
            .graph
            .wait_state(&w.user, j, &["completed", "aborted", "canceled"], 120)
            .await;
        assert_eq!(done["status"]["state"], "completed", "{done}");
    }
    let logs = [a.log_text(), b.log_text()];
    for (j, d) in jobs.iter().zip(&docs) {
        let n = w.printer.count_spooled(d) + second_printer.count_spooled(d);
        let claims: Vec<usize> = logs
            .iter()
            .map(|l| {
                l.lines()
                    .filter(|x| x.contains("job claimed") && x.ends_with(&format!(" job={}", j.id)))
                    .count()
            })
            .collect();
        assert_eq!(
            n, 1,
            "job {} printed once across both connectors; Acknowledge-Job succeeded for connectors a/b: {claims:?} \
             (a second Acknowledge-Job must answer client-error-not-fetchable)",
            j.id
        );
    }
    eprintln!(
        "connector a printed {}, connector b printed {}",
        w.printer.spooled().len(),
        second_printer.spooled().len()
    );
    a.term();
    b.term();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints the closing figures; several minutes"]
async fn figures() {
    figures::run().await;
}
