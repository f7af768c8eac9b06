//! Generic table copying between the two SQL backends: table and column lists from each backend's catalog,
//! rows streamed from a source transaction into batched multi-row INSERTs in the destination transaction,
//! ids preserved, and PostgreSQL identity sequences moved past the copied ids.

use anyhow::{Context, bail};
use futures::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row};

/// Which SQL backend a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if crate::documents::is_postgres_url(url) {
            Ok(Self::Postgres)
        } else {
            bail!("unsupported database URL (expected sqlite://… or postgres://…)")
        }
    }
}

/// How a column's values are carried across.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
    Bytes,
    Bool,
}

impl Kind {
    /// From a declared type (SQLite affinity rules) or a PostgreSQL `data_type`.
    fn of(declared: &str) -> Self {
        let t = declared.to_ascii_lowercase();
        if t == "boolean" {
            Self::Bool
        } else if t.contains("int") {
            Self::Int
        } else if t.contains("blob") || t == "bytea" {
            Self::Bytes
        } else if t.contains("real") || t.contains("floa") || t.contains("doub") || t == "numeric" {
            Self::Real
        } else {
            Self::Text
        }
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<(String, Kind)>,
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

impl Table {
    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| quote(c))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The application's tables (not the migration ledger), in creation order where the catalog tells it.
pub async fn list(conn: &mut AnyConnection, backend: Backend) -> anyhow::Result<Vec<Table>> {
    let names: Vec<String> = match backend {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 AND name <> '_sqlx_migrations' ORDER BY rowid",
        )
        .fetch_all(&mut *conn)
        .await?,
        Backend::Postgres => {
            sqlx::query_scalar(
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> '_sqlx_migrations' \
                 ORDER BY c.oid",
            )
            .fetch_all(&mut *conn)
            .await?
        }
    };
    let mut tables = vec![];
    for name in names {
        let columns: Vec<(String, String)> = match backend {
            Backend::Sqlite => {
                let sql = format!(
                    "SELECT name, type FROM pragma_table_info('{}') ORDER BY cid",
                    name.replace('\'', "''")
                );
                sqlx::query_as(AssertSqlSafe(sql)).fetch_all(&mut *conn).await?
            }
            Backend::Postgres => {
                sqlx::query_as(
                    "SELECT column_name::text, data_type::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?
            }
        };
        tables.push(Table {
            name,
            columns: columns.into_iter().map(|(c, t)| (c, Kind::of(&t))).collect(),
        });
    }
    Ok(tables)
}

pub async fn count<'e, E>(exec: E, table: &str) -> anyhow::Result<i64>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let sql = format!("SELECT COUNT(*) FROM {}", quote(table));
    Ok(sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(exec).await?)
}

pub async fn clear(dst: &mut sqlx::Transaction<'_, Any>, table: &str) -> anyhow::Result<()> {
    sqlx::query(AssertSqlSafe(format!("DELETE FROM {}", quote(table))))
        .execute(&mut **dst)
        .await?;
    Ok(())
}

/// One column value in transit.
enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Bool(Option<bool>),
}

fn read(row: &AnyRow, columns: &[(String, Kind)]) -> anyhow::Result<Vec<Value>> {
    columns
        .iter()
        .enumerate()
        .map(|(i, (name, kind))| {
            let v = match kind {
                Kind::Int => Value::Int(row.try_get(i)?),
                Kind::Real => Value::Real(row.try_get(i)?),
                Kind::Text => Value::Text(row.try_get(i)?),
                Kind::Bytes => Value::Bytes(row.try_get(i)?),
                Kind::Bool => Value::Bool(row.try_get(i)?),
            };
            Ok::<_, sqlx::Error>(v).with_context(|| format!("reading column {name}"))
        })
        .collect()
}

/// At most this many bind parameters per statement (PostgreSQL allows 65535, SQLite 32766).
const MAX_PARAMS: usize = 30_000;

async fn insert(
    dst: &mut sqlx::Transaction<'_, Any>,
    table: &Table,
    rows: &[Vec<Value>],
) -> anyhow::Result<()> {
    let width = table.columns.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        quote(&table.name),
        table.column_list(),
        tuples.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for row in rows {
        for v in row {
            q = match v {
                Value::Int(x) => q.bind(*x),
                Value::Real(x) => q.bind(*x),
                Value::Text(x) => q.bind(x.clone()),
                Value::Bytes(x) => q.bind(x.clone()),
                Value::Bool(x) => q.bind(*x),
            };
        }
    }
    q.execute(&mut **dst).await?;
    Ok(())
}

/// Streams every row of `table` from the source snapshot into the destination; returns how many.
pub async fn copy(
    src: &mut sqlx::Transaction<'_, Any>,
    dst: &mut sqlx::Transaction<'_, Any>,
    table: &Table,
) -> anyhow::Result<i64> {
    let per_statement = (MAX_PARAMS / table.columns.len().max(1)).clamp(1, 1000);
    let sql = format!("SELECT {} FROM {}", table.column_list(), quote(&table.name));
    let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut **src);
    let mut batch = Vec::with_capacity(per_statement);
    let mut copied = 0i64;
    while let Some(row) = rows.try_next().await? {
        batch.push(read(&row, &table.columns)?);
        if batch.len() == per_statement {
            insert(dst, table, &batch).await?;
            copied += batch.len() as i64;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        insert(dst, table, &batch).await?;
        copied += batch.len() as i64;
    }
    Ok(copied)
}

/// PostgreSQL: every identity column's sequence continues after the largest id copied.
pub async fn reset_identities(dst: &mut sqlx::Transaction<'_, Any>) -> anyhow::Result<Vec<(String, i64)>> {
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name",
    )
    .fetch_all(&mut **dst)
    .await?;
    let mut out = vec![];
    for (table, column) in identities {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({c}) FROM {t}), 0) + 1, false)",
            c = quote(&column),
            t = quote(&table)
        );
        let next: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(quote(&table))
            .bind(&column)
            .fetch_one(&mut **dst)
            .await?;
        out.push((format!("{table}.{column}"), next));
    }
    Ok(out)
}

/// The applied migration versions, to make sure both sides have the same schema.
pub async fn migrations(conn: &mut AnyConnection) -> anyhow::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&mut *conn)
        .await
        .context("reading the applied migrations (is this a Platen database?)")
}
