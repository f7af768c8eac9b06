//! The same jobs changed concurrently through different nodes: every change is a compare-and-swap on the job's
//! row in the shared database, so exactly one writer wins, every answer agrees with the end state, and the
//! history records the change once.

use crate::harness::{Cluster, Graph, Tenant, bytes, pg, started_job};
use reqwest::Method;
use serde_json::json;

/// History entries of a job in a phase.
async fn events(db: &sqlx::PgPool, tenant: &str, job: &str, phase: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM job_events WHERE tenant_id = $1 AND job_id = $2 AND phase = $3")
        .bind(tenant)
        .bind(job.parse::<i64>().expect("numeric job id"))
        .bind(phase)
        .fetch_one(db)
        .await
        .expect("count events")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cancels_across_nodes_have_one_winner() {
    let c = Cluster::start(3).await;
    let t = Tenant::new(c.dir.path());
    let g = |i: usize| Graph {
        http: &c.http,
        base: c.node(i).to_string(),
    };
    let printer = g(0).printer(&t.admin, "Lobby", true).await;
    let share = g(1).share(&t.admin, &printer, "Lobby").await;
    let mut jobs = vec![];
    for j in 0..12 {
        let (job, st) = started_job(&g(j), &share, &t.user, &bytes(1024, j as u8)).await;
        assert_eq!(st["state"], "pending", "{st}");
        jobs.push(job);
    }
    // Six cancels per job, two on each node, all at once; the user's through the share, the admin's through
    // the printer.
    let (cl, share, printer, t) = (&c, &share, &printer, &t);
    let cancels = jobs.iter().flat_map(|job| {
        (0..6).map(move |k| {
            let path = if k % 2 == 0 {
                format!("/v1.0/print/shares/{share}/jobs/{job}/cancel")
            } else {
                format!("/v1.0/print/printers/{printer}/jobs/{job}/cancel")
            };
            let token = if k % 2 == 0 { &t.user } else { &t.admin };
            async move { cl.call(k, Method::POST, &path, Some(token), None).await }
        })
    });
    for r in futures::future::join_all(cancels).await {
        assert_eq!(
            r.status,
            204,
            "every cancel answers 204 (one changed the job, the others found it canceled): {} {} {}",
            r.method,
            r.url,
            r.text()
        );
    }
    let db = pg(c.db_url()).await;
    for (j, job) in jobs.iter().enumerate() {
        let v = g(j)
            .get(&format!("/v1.0/print/printers/{printer}/jobs/{job}"), &t.admin)
            .await
            .expect_json(200);
        assert_eq!(v["status"]["state"], "canceled", "{v}");
        assert_eq!(
            events(&db, &t.id, job, "canceled").await,
            1,
            "job {job}: one history entry for the cancel"
        );
    }
    db.close().await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_and_abort_on_different_nodes_end_in_one_terminal_state() {
    let c = Cluster::start(2).await;
    let t = Tenant::new(c.dir.path());
    let g = |i: usize| Graph {
        http: &c.http,
        base: c.node(i).to_string(),
    };
    // Pull printing: the app's task definition, a virtual printer with its trigger, shared with everyone.
    let def = g(0)
        .post(
            "/v1.0/print/taskDefinitions",
            &t.app,
            &json!({"displayName": "Release", "createdBy": {"displayName": "Release Station"}}),
        )
        .await
        .expect_json(201)["id"]
        .as_str()
        .expect("definition id")
        .to_string();
    let printer = g(1).printer(&t.admin, "Follow-me", false).await;
    let share = g(0).share(&t.admin, &printer, "Follow-me").await;
    let trigger = json!({
        "event": "jobStarted",
        "definition@odata.bind": format!("https://graph.microsoft.com/v1.0/print/taskDefinitions/{def}"),
    });
    g(1).post(
        &format!("/v1.0/print/printers/{printer}/taskTriggers"),
        &t.app_admin,
        &trigger,
    )
    .await
    .expect(201);
    let mut jobs = vec![];
    for j in 0..10 {
        let (job, st) = started_job(&g(j), &share, &t.user, &bytes(2048, j as u8)).await;
        assert_eq!(
            st["details"],
            json!(["releaseWait"]),
            "held for its print task: {st}"
        );
        jobs.push(job);
    }
    // For each job: two cancels by the user on one node, two aborts by the app on the other, at once.
    let races = jobs.iter().enumerate().map(|(j, job)| {
        let c = &c;
        let (share, printer, t) = (&share, &printer, &t);
        async move {
            let cancel = format!("/v1.0/print/shares/{share}/jobs/{job}/cancel");
            let abort = format!("/v1.0/print/printers/{printer}/jobs/{job}/abort");
            let body = json!({"reason": "released elsewhere"});
            let (c1, a1, c2, a2) = tokio::join!(
                c.call(j, Method::POST, &cancel, Some(&t.user), None),
                c.call(j + 1, Method::POST, &abort, Some(&t.app), Some(&body)),
                c.call(j, Method::POST, &cancel, Some(&t.user), None),
                c.call(j + 1, Method::POST, &abort, Some(&t.app), Some(&body)),
            );
            (job.clone(), [c1, c2], [a1, a2])
        }
    });
    let db = pg(c.db_url()).await;
    let (mut canceled, mut aborted) = (0, 0);
    for (job, cancels, aborts) in futures::future::join_all(races).await {
        let v = g(0)
            .get(&format!("/v1.0/print/printers/{printer}/jobs/{job}"), &t.admin)
            .await
            .expect_json(200);
        let state = v["status"]["state"].as_str().unwrap_or_default().to_string();
        let (winners, losers) = match state.as_str() {
            "canceled" => (&cancels, &aborts),
            "aborted" => (&aborts, &cancels),
            other => panic!("job {job} ended {other}, not canceled or aborted: {v}"),
        };
        for r in winners {
            assert_eq!(
                r.status,
                204,
                "the winning side answers success: {} {} {}",
                r.method,
                r.url,
                r.text()
            );
        }
        for r in losers {
            assert!(
                !r.ok(),
                "the losing side must not report success: {} {} {} {}",
                r.method,
                r.url,
                r.status,
                r.text()
            );
            assert!(
                r.status < 500,
                "a refusal, not a failure: {} {} {} {}",
                r.method,
                r.url,
                r.status,
                r.text()
            );
        }
        let terminal = events(&db, &t.id, &job, "canceled").await + events(&db, &t.id, &job, "aborted").await;
        assert_eq!(terminal, 1, "job {job}: exactly one terminal history entry");
        if state == "aborted" {
            aborted += 1;
            let tasks = g(1)
                .get(
                    &format!("/v1.0/print/printers/{printer}/jobs/{job}/tasks"),
                    &t.app,
                )
                .await
                .expect_json(200);
            assert_eq!(
                tasks["value"][0]["status"]["state"], "aborted",
                "the abort closed the task: {tasks}"
            );
        } else {
            canceled += 1;
        }
    }
    eprintln!("cancel vs abort: {canceled} canceled, {aborted} aborted");
    db.close().await;
    c.shutdown().await;
}
