//! `/healthz` says the process serves; `/readyz` also says its database answers and holds every migration this
//! binary knows (503 otherwise, without details: those go to the log).

use super::common::BIN;
use platen_testkit::http::Http;
use platen_testkit::serve::Serve;

#[tokio::test]
async fn ready_only_while_the_database_holds_this_binarys_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let served = Serve::new(BIN, dir.path()).start();
    let http = Http::new(&served.base);
    let r = http.exec(http.req(reqwest::Method::GET, "/readyz")).await;
    assert_eq!((r.status, r.text()), (200, "ready".to_string()));

    // As if an older binary had migrated the database: the newest migration is missing.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.path().join("platen.sqlite3").display());
    let db = sqlx::AnyPool::connect(&url).await.unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .execute(&db)
        .await
        .unwrap();
    let r = http.exec(http.req(reqwest::Method::GET, "/readyz")).await;
    assert_eq!(r.status, 503, "{r:?}");
    assert!(
        !r.text().contains("sqlite"),
        "no details to the caller: {}",
        r.text()
    );
    let r = http.exec(http.req(reqwest::Method::GET, "/healthz")).await;
    assert_eq!((r.status, r.text()), (200, "ok".to_string()));
}
