//! `platen migrate-store`: a SQLite installation populated through the API (printers, shares with access lists,
//! settings, pull printing, jobs in many states, an upload in progress, a redirect sharing a document, a webhook
//! subscription with undelivered notifications, a device token and a device's claim) is moved to PostgreSQL.
//! Every table then holds the same rows on both sides, and a server on PostgreSQL answers every read exactly as
//! the SQLite one did: same ids, same JSON, same document bytes; the interrupted upload finishes there, the
//! device's token still works, and new ids continue after the old ones.

use crate::devices::{device_printer, device_uuid};
use crate::harness::{
    BIN, Cluster, Graph, Node, Tenant, admin_url, bytes, client, put_range, slot, started_job, uuid,
};
use crate::receiver::Receiver;
use ipp::value::IppValue;
use platen_store::testing::TempPostgres;
use platen_testkit::http::Http;
use platen_testkit::infra::{ACKNOWLEDGE_JOB, Device, OK};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Connection, Row};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Every server in this test answers as this public URL, so that URLs in bodies compare equal.
const PUBLIC: &str = "http://platen.test";

struct Installation {
    tenant: Tenant,
    /// Paths read with the admin's token (JSON compared).
    admin_reads: Vec<String>,
    /// Paths read with the app's token (JSON compared).
    app_reads: Vec<String>,
    /// Paths read with the user's token (JSON compared).
    user_reads: Vec<String>,
    /// Document `$value` paths (bytes compared), read by the admin.
    values: Vec<String>,
    /// An upload with one of two ranges received: (upload path, bytes).
    partial: (String, Vec<u8>),
    /// A device with its token, and the job it claimed.
    device: (Device, i32),
}

async fn populate(g: &Graph<'_>, dir: &Path) -> Installation {
    let t = Tenant::new(dir);
    let (admin, app, user) = (t.admin.clone(), t.app.clone(), t.user.clone());
    g.call(
        Method::PATCH,
        "/v1.0/print/settings",
        &admin,
        Some(&json!({"documentConversionEnabled": true})),
    )
    .await
    .expect(204);
    let lobby = g.printer(&admin, "Lobby", true).await;
    let floor = g.printer(&admin, "Floor 2", true).await;
    let queue = g.printer(&admin, "Follow-me", false).await;
    let dest = g.printer(&admin, "Release device", false).await;
    let s_lobby = g.share(&admin, &lobby, "Lobby").await;
    let s_queue = g.share(&admin, &queue, "Follow-me").await;
    let body = json!({"displayName": "Floor 2 (restricted)", "allowAllUsers": false,
        "printer@odata.bind": format!("https://graph.microsoft.com/v1.0/print/printers/{floor}")});
    let s_floor = g.post("/v1.0/print/shares", &admin, &body).await.expect_json(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uref = json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{}", t.user_oid)});
    g.post(
        &format!("/v1.0/print/shares/{s_floor}/allowedUsers/$ref"),
        &admin,
        &uref,
    )
    .await
    .expect(204);
    let gref = json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/groups/{}", uuid())});
    g.post(
        &format!("/v1.0/print/shares/{s_floor}/allowedGroups/$ref"),
        &admin,
        &gref,
    )
    .await
    .expect(204);
    // Pull printing on the virtual printer.
    let def = g
        .post(
            "/v1.0/print/taskDefinitions",
            &app,
            &json!({"displayName": "Release", "createdBy": {"displayName": "Release Station"}}),
        )
        .await
        .expect_json(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let trig = json!({"event": "jobStarted", "definition@odata.bind": format!("https://graph.microsoft.com/v1.0/print/taskDefinitions/{def}")});
    g.post(
        &format!("/v1.0/print/printers/{queue}/taskTriggers"),
        &t.app_admin,
        &trig,
    )
    .await
    .expect(201);

    // A webhook subscription on the lobby's jobs; the receiver goes away after the handshake, so the
    // notifications of the jobs below stay in the outbox.
    let rx = Receiver::start().await;
    let expires =
        (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let sub = json!({"changeType": "updated", "resource": format!("print/printers/{lobby}/jobs"),
        "notificationUrl": rx.url, "expirationDateTime": expires, "clientState": "migrated",
        "notificationQueryOptions": "$filter = isFetchable eq true"});
    g.post("/v1.0/subscriptions", &app, &sub).await.expect(201);
    drop(rx);
    // A device that claimed a job.
    let (dev_printer, dev_share, key) = device_printer(g, &admin).await;
    let device = Device::connect_as(g.http, &g.base, PUBLIC, &dev_printer, &key).await;
    let (claimed, _) = started_job(g, &dev_share, &user, &bytes(3_000, 11)).await;
    let claimed: i32 = claimed.parse().unwrap();
    let attrs = vec![
        ("job-id", IppValue::Integer(claimed)),
        ("output-device-uuid", device_uuid(7)),
    ];
    assert_eq!(
        device
            .send(g.http, &g.base, ACKNOWLEDGE_JOB, attrs, None)
            .await
            .status,
        OK
    );

    // Jobs in many states.
    let mut values = vec![];
    g.job(&s_lobby, &user).await; // uploadPending, never uploaded
    let (ready, ready_doc) = g.job(&s_lobby, &user).await; // uploaded, not started
    let data = bytes(70_000, 3);
    let up = g
        .upload_session(&s_lobby, &ready, &ready_doc, &user, data.len())
        .await;
    put_range(g.http, &g.base, &up, &data, 0, data.len() - 1)
        .await
        .expect(201);
    values.push(format!(
        "/v1.0/print/printers/{lobby}/jobs/{ready}/documents/{ready_doc}/$value"
    ));
    let (pending, _) = started_job(g, &s_lobby, &user, &bytes(5_000, 4)).await;
    let (canceled, _) = started_job(g, &s_lobby, &user, &bytes(6_000, 5)).await;
    g.post_empty(
        &format!("/v1.0/print/shares/{s_lobby}/jobs/{canceled}/cancel"),
        &user,
    )
    .await
    .expect(204);
    let (on_floor, _) = started_job(g, &s_floor, &user, &bytes(600_000, 6)).await;
    let (held, _) = started_job(g, &s_queue, &user, &bytes(9_000, 7)).await;
    let (aborted, _) = started_job(g, &s_queue, &user, &bytes(9_500, 8)).await;
    g.post(
        &format!("/v1.0/print/printers/{queue}/jobs/{aborted}/abort"),
        &app,
        &json!({"reason": "no badge"}),
    )
    .await
    .expect(204);
    let (moved, _) = started_job(g, &s_queue, &user, &bytes(12_345, 9)).await;
    let r = g
        .post(
            &format!("/v1.0/print/printers/{queue}/jobs/{moved}/redirect"),
            &app,
            &json!({"destinationPrinterId": dest}),
        )
        .await;
    let new_job = r.expect_json(200)["id"].as_str().unwrap().to_string();
    // An upload in progress: one range of two received.
    let (partial_job, partial_doc) = g.job(&s_lobby, &user).await;
    let pdata = bytes(40_000, 10);
    let pup = g
        .upload_session(&s_lobby, &partial_job, &partial_doc, &user, pdata.len())
        .await;
    put_range(g.http, &g.base, &pup, &pdata, 0, 19_999)
        .await
        .expect(202);

    for (p, j) in [
        (&lobby, &pending),
        (&lobby, &canceled),
        (&floor, &on_floor),
        (&queue, &held),
        (&queue, &aborted),
        (&queue, &moved),
        (&dest, &new_job),
    ] {
        let docs = g
            .get(&format!("/v1.0/print/printers/{p}/jobs/{j}/documents"), &admin)
            .await
            .expect_json(200);
        let d = docs["value"][0]["id"].as_str().unwrap().to_string();
        values.push(format!("/v1.0/print/printers/{p}/jobs/{j}/documents/{d}/$value"));
    }
    let mut admin_reads = vec![
        "/v1.0/print/settings".to_string(),
        "/v1.0/print/printers".into(),
        "/v1.0/print/shares".into(),
        format!("/v1.0/print/shares/{s_floor}/allowedUsers"),
        format!("/v1.0/print/shares/{s_floor}/allowedGroups"),
        format!("/v1.0/print/printers/{queue}/taskTriggers"),
    ];
    for p in [&lobby, &floor, &queue, &dest] {
        admin_reads.push(format!("/v1.0/print/printers/{p}"));
        admin_reads.push(format!("/v1.0/print/printers/{p}/jobs?$expand=documents"));
    }
    for s in [&s_lobby, &s_floor, &s_queue] {
        admin_reads.push(format!("/v1.0/print/shares/{s}"));
    }
    admin_reads.push(format!(
        "/v1.0/print/printers/{dev_printer}/jobs?$expand=documents"
    ));
    let app_reads = vec![
        "/v1.0/subscriptions".to_string(),
        "/v1.0/print/taskDefinitions".to_string(),
        format!("/v1.0/print/taskDefinitions/{def}/tasks"),
        format!("/v1.0/print/printers/{queue}/jobs/{held}/tasks"),
        format!("/v1.0/print/printers/{queue}/jobs/{aborted}/tasks"),
    ];
    let user_reads = vec![
        format!("/v1.0/print/shares/{s_lobby}/jobs"),
        "/v1.0/me/print/recentPrinterShares".to_string(),
    ];
    Installation {
        tenant: t,
        admin_reads,
        app_reads,
        user_reads,
        values,
        partial: (pup, pdata),
        device: (device, claimed),
    }
}

/// Every row of every table (but the migration ledger), each rendered as text, sorted: two databases with
/// the same dump hold the same data.
async fn dump(url: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.expect("connect for the dump");
    let tables: Vec<String> = if url.starts_with("sqlite:") {
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> '_sqlx_migrations'")
            .fetch_all(&mut conn)
            .await
            .unwrap()
    } else {
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_sqlx_migrations'")
            .fetch_all(&mut conn)
            .await
            .unwrap()
    };
    let mut out = BTreeMap::new();
    for t in tables {
        let cols: Vec<String> = if url.starts_with("sqlite:") {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_table_info('{t}') ORDER BY name"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap()
        } else {
            sqlx::query_scalar("SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY column_name")
                .bind(&t)
                .fetch_all(&mut conn)
                .await
                .unwrap()
        };
        let sql = format!("SELECT {} FROM {t}", cols.join(", "));
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let mut rendered: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                (0..cols.len())
                    .map(|i| match r.try_get::<Option<i64>, _>(i) {
                        Ok(v) => format!("{v:?}"),
                        Err(_) => format!(
                            "{:?}",
                            r.try_get::<Option<String>, _>(i)
                                .expect("an integer or text column")
                        ),
                    })
                    .collect()
            })
            .collect();
        rendered.sort();
        out.insert(t, rendered);
    }
    conn.close().await.unwrap();
    out
}

/// Everything the installation's reads answer, as (path, status, body).
async fn snapshot(g: &Graph<'_>, i: &Installation) -> Vec<(String, u16, Vec<u8>)> {
    let mut out = vec![];
    for (token, paths) in [
        (&i.tenant.admin, &i.admin_reads),
        (&i.tenant.app, &i.app_reads),
        (&i.tenant.user, &i.user_reads),
    ] {
        for p in paths {
            let r = g.get(p, token).await;
            assert!(r.ok(), "{} {} → {}: {}", r.method, r.url, r.status, r.text());
            out.push((p.clone(), r.status, r.body));
        }
    }
    // `$value` redirects to a download URL under the public URL (a name this machine does not resolve): read the
    // Location's path from the node itself, as a reverse proxy in front of the nodes would.
    let no_follow = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let direct = Http::with_client(&g.base, no_follow);
    for p in &i.values {
        let r = direct.get(p, &i.tenant.admin).await;
        assert_eq!(
            r.status,
            302,
            "{} {} → {}: {}",
            r.method,
            r.url,
            r.status,
            r.text()
        );
        let location = r.header("location").unwrap_or_default();
        let path = location
            .strip_prefix(PUBLIC)
            .unwrap_or_else(|| panic!("{location}"));
        let r = g.get(path, &i.tenant.admin).await;
        assert!(r.ok(), "{} {} → {}: {}", r.method, r.url, r.status, r.text());
        out.push((p.clone(), r.status, r.body));
    }
    let r = crate::harness::call(
        g.http,
        &format!("{}{}", g.base, i.partial.0),
        Method::GET,
        None,
        None,
    )
    .await;
    out.push(("upload status".into(), r.status, r.body));
    out
}

fn migrate_store(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN)
        .arg("migrate-store")
        .args(args)
        .output()
        .expect("run platen migrate-store");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrate_store_moves_a_sqlite_installation_to_postgres() {
    let db = TempPostgres::create(&admin_url())
        .await
        .expect("PostgreSQL must be reachable");
    let dir = tempfile::Builder::new()
        .prefix("platen-migrate-")
        .tempdir()
        .expect("temp dir");
    let url = db.url().to_string();
    let mut c = Cluster {
        nodes: vec![],
        dir,
        db: Some(db),
        http: client(),
        _slot: Some(slot().await),
    };
    let data_dir = c.dir.path().to_path_buf();

    let node = Node::start(&data_dir, "sqlite", None, Some(PUBLIC));
    let g = Graph {
        http: &c.http,
        base: node.base.clone(),
    };
    let inst = populate(&g, &data_dir).await;
    let before = snapshot(&g, &inst).await;
    drop(node); // stops the SQLite server

    let sqlite = format!("sqlite://{}", data_dir.join("platen.sqlite3").display());
    let (ok, report) = migrate_store(&["--from", &sqlite, "--to", &url]);
    assert!(ok, "migrate-store failed:\n{report}");
    assert!(report.contains("migrate-store: OK"), "{report}");
    for table in [
        "jobs",
        "documents",
        "shares",
        "upload_ranges",
        "task_definitions",
        "tasks",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.trim_start().starts_with(table) && l.trim_end().ends_with("ok")),
            "{table} in:\n{report}"
        );
    }
    // A second run refuses the now populated destination.
    let (ok, again) = migrate_store(&["--from", &sqlite, "--to", &url]);
    assert!(!ok && again.contains("not empty"), "{again}");
    let (ok, forced) = migrate_store(&["--from", &sqlite, "--to", &url, "--force"]);
    assert!(ok && forced.contains("migrate-store: OK"), "{forced}");
    // Row for row the same data.
    let (from, to) = (dump(&sqlite).await, dump(&url).await);
    assert_eq!(
        from.keys().collect::<Vec<_>>(),
        to.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, rows) in &from {
        assert_eq!(rows, &to[table], "table {table}: the same rows");
    }
    for table in [
        "outbox",
        "subscriptions",
        "device_tokens",
        "device_events",
        "job_events",
    ] {
        assert!(
            !from[table].is_empty(),
            "the installation has {table} rows to move"
        );
    }

    c.nodes
        .push(Node::start(&data_dir, "postgres", Some(&url), Some(PUBLIC)));
    let g = Graph {
        http: &c.http,
        base: c.nodes[0].base.clone(),
    };
    let after = snapshot(&g, &inst).await;
    assert_eq!(before.len(), after.len());
    for ((path, s1, b1), (_, s2, b2)) in before.iter().zip(&after) {
        assert_eq!(s1, s2, "{path}: status");
        let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).ok();
        match (parse(b1), parse(b2)) {
            (Some(v1), Some(v2)) => assert_eq!(v1, v2, "{path}: the same JSON on PostgreSQL"),
            _ => assert!(b1 == b2, "{path}: the same bytes on PostgreSQL"),
        }
    }
    // The device's token works on PostgreSQL, and its claim is still its own.
    let (device, claimed) = &inst.device;
    let attrs = vec![
        ("job-id", IppValue::Integer(*claimed)),
        ("output-device-uuid", device_uuid(7)),
    ];
    assert_eq!(
        device
            .send(&c.http, &g.base, ACKNOWLEDGE_JOB, attrs, None)
            .await
            .status,
        OK
    );
    // The interrupted upload completes on PostgreSQL with the range received on SQLite.
    let (up, data) = &inst.partial;
    put_range(&c.http, &g.base, up, data, 20_000, data.len() - 1)
        .await
        .expect(201);
    // New ids continue after the migrated ones.
    let lobby_jobs = inst
        .admin_reads
        .iter()
        .find(|p| p.ends_with("/jobs?$expand=documents"))
        .unwrap()
        .clone();
    let max_before = g.get(&lobby_jobs, &inst.tenant.admin).await.expect_json(200)["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|j| j["id"].as_str()?.parse::<i64>().ok())
        .max()
        .unwrap();
    let shares = g
        .get("/v1.0/print/shares", &inst.tenant.admin)
        .await
        .expect_json(200);
    let share = shares["value"][0]["id"].as_str().unwrap().to_string();
    let (job, _) = g.job(&share, &inst.tenant.user).await;
    assert!(
        job.parse::<i64>().unwrap() > max_before,
        "new job {job} after migrated ids (max {max_before})"
    );
    c.shutdown().await;
}
