//! The two migration folders, `migrations/sqlite` and `migrations/postgres`, must define the same schema: the
//! same tables with the same columns, each column nullable on both or on neither. Each folder is applied (with
//! the same `sqlx::migrate!` the store runs) to a fresh database: SQLite in a temporary directory, PostgreSQL in
//! a database of its own on the server named by `PLATEN_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), created and dropped by the test. The schemas are then read
//! back from the live catalogs (`pragma_table_info`, `information_schema.columns`) and compared. Column types
//! are not compared: the dialects spell them differently on purpose.
//!
//! Like the store's PostgreSQL conformance test, this fails (it does not skip) when PostgreSQL cannot be
//! reached.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

/// Table → column → nullable.
type Schema = BTreeMap<String, BTreeMap<String, bool>>;

/// sqlx's own bookkeeping table, the same on both sides by construction.
const BOOKKEEPING: &str = "_sqlx_migrations";

fn schema_of(rows: impl IntoIterator<Item = (String, String, bool)>) -> Schema {
    let mut schema = Schema::new();
    for (table, column, nullable) in rows {
        if table == BOOKKEEPING {
            continue;
        }
        schema.entry(table).or_default().insert(column, nullable);
    }
    schema
}

async fn sqlite_schema() -> Schema {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("parity.sqlite3").display()
    );
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    sqlx::migrate!("../../migrations/sqlite")
        .run(&pool)
        .await
        .expect("migrations/sqlite applies to a fresh SQLite database");
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.\"notnull\", p.pk \
         FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    // SQLite lets a PRIMARY KEY column that is not an INTEGER PRIMARY KEY hold NULL (a documented legacy quirk),
    // so `notnull` is 0 for it unless it says NOT NULL; PostgreSQL makes every key column NOT NULL. A key
    // column therefore counts as NOT NULL here.
    schema_of(
        rows.into_iter()
            .map(|(table, column, not_null, pk)| (table, column, not_null == 0 && pk == 0)),
    )
}

async fn postgres_schema() -> Schema {
    let (admin_url, named) = match std::env::var("PLATEN_TEST_POSTGRES") {
        Ok(url) => (url, true),
        Err(_) => ("postgres://postgres@127.0.0.1:5432/postgres".to_string(), false),
    };
    let db = platen_store::testing::TempPostgres::create(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL must be reachable at {admin_url} ({}): {e}",
                if named {
                    "PLATEN_TEST_POSTGRES"
                } else {
                    "the default; set PLATEN_TEST_POSTGRES to another server"
                }
            )
        });
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(db.url())
        .await
        .unwrap();
    let applied = sqlx::migrate!("../../migrations/postgres").run(&pool).await;
    let rows: Result<Vec<(String, String, String)>, sqlx::Error> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text \
         FROM information_schema.columns \
         WHERE table_schema = current_schema()",
    )
    .fetch_all(&pool)
    .await;
    pool.close().await;
    db.drop().await;
    applied.expect("migrations/postgres applies to a fresh PostgreSQL database");
    schema_of(
        rows.unwrap()
            .into_iter()
            .map(|(table, column, nullable)| (table, column, nullable == "YES")),
    )
}

/// Every difference between the two schemas, one line each.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for (table, columns) in sqlite {
        let Some(other) = postgres.get(table) else {
            out.push(format!("table {table}: only in migrations/sqlite"));
            continue;
        };
        for (column, nullable) in columns {
            match other.get(column) {
                None => out.push(format!("{table}.{column}: only in migrations/sqlite")),
                Some(n) if n != nullable => out.push(format!(
                    "{table}.{column}: {} in migrations/sqlite, {} in migrations/postgres",
                    null_word(*nullable),
                    null_word(*n)
                )),
                Some(_) => {}
            }
        }
        for column in other.keys().filter(|c| !columns.contains_key(*c)) {
            out.push(format!("{table}.{column}: only in migrations/postgres"));
        }
    }
    for table in postgres.keys().filter(|t| !sqlite.contains_key(*t)) {
        out.push(format!("table {table}: only in migrations/postgres"));
    }
    out
}

fn null_word(nullable: bool) -> &'static str {
    if nullable { "NULL" } else { "NOT NULL" }
}

#[tokio::test]
async fn both_migration_folders_define_the_same_tables_and_columns() {
    let sqlite = sqlite_schema().await;
    let postgres = postgres_schema().await;
    assert!(
        !sqlite.is_empty() && sqlite.values().all(|c| !c.is_empty()),
        "migrations/sqlite created no tables: {sqlite:?}"
    );
    let diff = differences(&sqlite, &postgres);
    assert!(
        diff.is_empty(),
        "migrations/sqlite and migrations/postgres differ:\n  {}",
        diff.join("\n  ")
    );
}

/// The comparison itself notices each kind of difference (so a pass above means something).
#[test]
fn differences_names_every_kind_of_mismatch() {
    let a = schema_of([
        ("jobs".into(), "id".into(), false),
        ("jobs".into(), "note".into(), true),
        ("only_a".into(), "x".into(), true),
        (BOOKKEEPING.into(), "version".into(), false),
    ]);
    let b = schema_of([
        ("jobs".into(), "id".into(), true),
        ("jobs".into(), "extra".into(), true),
        ("only_b".into(), "y".into(), true),
    ]);
    assert_eq!(
        differences(&a, &b),
        [
            "jobs.id: NOT NULL in migrations/sqlite, NULL in migrations/postgres",
            "jobs.note: only in migrations/sqlite",
            "jobs.extra: only in migrations/postgres",
            "table only_a: only in migrations/sqlite",
            "table only_b: only in migrations/postgres",
        ]
    );
    assert!(differences(&a, &a).is_empty());
}
