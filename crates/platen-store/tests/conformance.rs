//! Runs the store conformance suite against SQLite and PostgreSQL: one test per section per backend
//! (`sqlite::uploads`, `postgres::uploads`, …), each on a fresh store, so a failure names its section. A
//! PostgreSQL test creates its own database on the server named by `PLATEN_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), fails if the server is unreachable, and drops the database
//! afterwards, also when the section fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use platen_store::sql::SqlStore;
use platen_store::testing::TempPostgres;
use tempfile::TempDir;

/// A fresh SQLite store in its own directory, removed when dropped.
struct Sqlite {
    store: SqlStore,
    _dir: TempDir,
}

impl Sqlite {
    async fn open() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("platen.sqlite3").display());
        let store = SqlStore::open(&url).await.unwrap();
        Self { store, _dir: dir }
    }

    async fn close(self) {
        self.store.close().await;
    }
}

/// A fresh PostgreSQL store in a database of its own.
struct Postgres {
    store: SqlStore,
    db: TempPostgres,
}

impl Postgres {
    async fn open() -> Self {
        let admin_url = std::env::var("PLATEN_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        let db = TempPostgres::create(&admin_url)
            .await
            .expect("PostgreSQL must be reachable");
        let store = SqlStore::open(db.url()).await.unwrap();
        Self { store, db }
    }

    async fn close(self) {
        self.store.close().await;
        self.db.drop().await;
    }
}

/// `mod $backend { one #[tokio::test] per section }`. The section runs in a task of its own so that a failed
/// assertion still reaches `close` (which drops a PostgreSQL test database) before the test fails with it.
macro_rules! backend {
    ($backend:ident, $fixture:ident; $($section:ident),+) => {
        mod $backend {
            $(
                #[tokio::test]
                async fn $section() {
                    let fixture = super::$fixture::open().await;
                    let store = fixture.store.clone();
                    let outcome =
                        tokio::spawn(async move { platen_store::conformance::$section(&store).await }).await;
                    fixture.close().await;
                    if let Err(e) = outcome {
                        std::panic::resume_unwind(e.into_panic());
                    }
                }
            )+
        }
    };
}

platen_store::conformance_sections!(backend, sqlite, Sqlite);
platen_store::conformance_sections!(backend, postgres, Postgres);
