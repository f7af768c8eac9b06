//! Runs the store conformance suite against SQLite and PostgreSQL. The PostgreSQL run creates its own
//! database on the server named by `PLATEN_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and drops it afterwards.

use platen_store::conformance::run_all;
use platen_store::sql::SqlStore;

#[tokio::test]
async fn sqlite_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("platen.sqlite3").display());
    let store = SqlStore::open(&url).await.unwrap();
    run_all(&store).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_conforms() {
    let admin_url = std::env::var("PLATEN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let db = platen_store::testing::TempPostgres::create(&admin_url)
        .await
        .expect("PostgreSQL must be reachable");
    let store = SqlStore::open(db.url()).await.unwrap();
    run_all(&store).await;
    store.close().await;
    db.drop().await;
}
