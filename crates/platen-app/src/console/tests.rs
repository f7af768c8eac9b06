//! Console sessions and the cross-printer job lists against a real SQLite store.

use super::*;
use crate::AppConfig;
use platen_domain::principal::PRINTER_ADMINISTRATOR_ROLE;
use platen_domain::records::{JobEventRecord, Printer};

const TENANT: &str = "t1";

async fn app(dir: &std::path::Path) -> App {
    let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
    crate::test_app(&url, dir, AppConfig::default()).await
}

fn identity(oid: &str, admin: bool) -> ConsoleIdentity {
    ConsoleIdentity {
        tenant_id: TENANT.into(),
        object_id: oid.into(),
        user_principal_name: Some(format!("{oid}@contoso.test")),
        display_name: None,
        groups: vec!["G1".into()],
        directory_roles: if admin {
            vec![PRINTER_ADMINISTRATOR_ROLE.into()]
        } else {
            vec![]
        },
        issuer: "https://issuer.test".into(),
    }
}

#[tokio::test]
async fn a_session_opens_with_its_secret_only_until_it_expires_or_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let opened = app
        .open_console_session(identity("ADA", true), Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(opened.secret.len(), 64);
    // Only the hash is stored.
    assert_ne!(opened.session.id_hash, opened.secret);
    let found = app.console_session(&opened.secret).await.unwrap().unwrap();
    assert_eq!(found.user_id, "ada");
    assert_eq!(found.groups, ["g1"]);
    let caller = console_caller(&found, None);
    assert!(caller.is_print_admin() && caller.holds("PrintJob.ReadWrite.All"));
    assert!(app.console_session("wrong").await.unwrap().is_none());
    assert!(app.console_session("").await.unwrap().is_none());

    app.close_console_session(&opened.secret).await.unwrap();
    assert!(app.console_session(&opened.secret).await.unwrap().is_none());

    let short = app
        .open_console_session(identity("BEA", false), Duration::from_millis(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(
        app.console_session(&short.secret).await.unwrap().is_none(),
        "an expired session opens nothing"
    );
    assert_eq!(app.purge_console_sessions().await.unwrap(), 1);

    let mut nameless = identity("", false);
    nameless.tenant_id = String::new();
    assert!(matches!(
        app.open_console_session(nameless, Duration::from_secs(60)).await,
        Err(AppError::BadRequest { .. })
    ));
}

async fn job_of(app: &App, printer: &str, owner: &str) -> Job {
    use platen_store::conformance::{document, job};
    let document = document(TENANT, &uuid::Uuid::new_v4().to_string());
    let job = job(TENANT, printer, owner);
    let event = JobEventRecord {
        at: job.created_at,
        phase: job.phase,
        actor: "test".into(),
        reason: None,
    };
    app.store.create_job(&job, &document, &event).await.unwrap().0
}

fn printer(id: &str) -> Printer {
    platen_store::conformance::printer(TENANT, id, id)
}

#[tokio::test]
async fn a_user_lists_only_their_own_jobs_across_printers_and_an_administrator_everybodys() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    for p in ["p1", "p2"] {
        let op = platen_domain::records::PrinterOperation {
            tenant_id: TENANT.into(),
            id: format!("op-{p}"),
            printer_id: Some(p.into()),
            created_at: 0,
            state: "succeeded".into(),
            description: String::new(),
            certificate: None,
        };
        app.store.create_printer(&printer(p), &op).await.unwrap();
    }
    let a1 = job_of(&app, "p1", "ada").await;
    let a2 = job_of(&app, "p2", "ada").await;
    let b1 = job_of(&app, "p1", "bea").await;
    let ada = console_caller(
        &app.open_console_session(identity("ADA", false), Duration::from_secs(60))
            .await
            .unwrap()
            .session,
        None,
    );
    let boss = console_caller(
        &app.open_console_session(identity("BOSS", true), Duration::from_secs(60))
            .await
            .unwrap()
            .session,
        None,
    );
    let q = ListQuery {
        limit: 10,
        orderby: vec![platen_odata::OrderBy {
            path: "id".into(),
            descending: true,
        }],
        ..ListQuery::default()
    };
    let ids = |page: Page<Job>| page.items.iter().map(|j| j.id).collect::<Vec<_>>();
    // Ada asks for everybody's, or for Bea's: she gets her own, newest first.
    let everybody = JobsAcrossPrinters::default();
    assert_eq!(
        ids(app.list_jobs_across_printers(&ada, &everybody, &q).await.unwrap()),
        [a2.id, a1.id]
    );
    let beas = JobsAcrossPrinters {
        owner: Some("BEA".into()),
        printer: None,
    };
    assert_eq!(
        ids(app.list_jobs_across_printers(&ada, &beas, &q).await.unwrap()),
        [a2.id, a1.id]
    );
    assert_eq!(
        ids(app
            .list_jobs_across_printers(&boss, &everybody, &q)
            .await
            .unwrap()),
        [b1.id, a2.id, a1.id]
    );
    assert_eq!(
        ids(app.list_jobs_across_printers(&boss, &beas, &q).await.unwrap()),
        [b1.id]
    );
    let on_p1 = JobsAcrossPrinters {
        owner: None,
        printer: Some("p1".into()),
    };
    assert_eq!(
        ids(app.list_jobs_across_printers(&boss, &on_p1, &q).await.unwrap()),
        [b1.id, a1.id]
    );
    // One job by id: not found for anyone who may not see it.
    assert_eq!(app.job_across_printers(&ada, a1.id).await.unwrap().id, a1.id);
    assert!(matches!(
        app.job_across_printers(&ada, b1.id).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(app.job_across_printers(&boss, b1.id).await.unwrap().id, b1.id);
    // The user reaches her job through its printer only when it has no share; an administrator always does.
    assert_eq!(app.job_target_for(&ada, &a1), JobTarget::Printer("p1".into()));
    // A capped count stops at the cap.
    let capped = ListQuery {
        count: true,
        count_cap: Some(2),
        limit: 0,
        ..ListQuery::default()
    };
    let counted = app
        .list_jobs_across_printers(&boss, &everybody, &capped)
        .await
        .unwrap();
    assert_eq!(
        (counted.count, counted.items.len()),
        (Some(2), 0),
        "a capped count, and no rows read"
    );
}
