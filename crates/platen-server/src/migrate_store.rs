//! `platen migrate-store --from sqlite://… --to postgres://…`: moves an installation's data and documents to
//! another database (typically from the embedded SQLite default to PostgreSQL), then proves the copy.
//!
//! 1. The destination's schema is migrated; both sides must then have the same migrations applied.
//! 2. The destination must be empty (every table) unless `--force`, which empties it first.
//! 3. The source is read in one transaction (a consistent snapshot, even while a server writes to it; writes
//!    after the snapshot are not copied, so stop the server for the cut-over).
//! 4. Every blob the data refers to is streamed to the destination document store, checked against the
//!    document's recorded SHA-256 on the way.
//! 5. Every table is copied in one destination transaction with its ids; PostgreSQL identity sequences are
//!    moved past the largest copied id; commit.
//! 6. Verification: row counts per table (source snapshot vs destination) and every destination document
//!    re-read and hashed against its `documents.sha256`. A report is printed; any difference fails the command.

mod blobs;
mod tables;

use crate::documents::Documents;
use anyhow::{Context, bail};
use clap::Args;
use platen_store::sql::SqlStore;
use sqlx::{AnyConnection, Connection};
use std::path::{Path, PathBuf};
use tables::Backend;

#[derive(Args, Debug, Clone)]
pub struct MigrateStoreArgs {
    /// The installation to copy: sqlite://PATH (or postgres://…).
    #[arg(long)]
    pub from: String,
    /// The database to copy into: postgres://… (or sqlite://PATH). Created tables are migrated first.
    #[arg(long)]
    pub to: String,
    /// Where the source's documents are: a directory, or postgres://… [default: the `blobs` directory next
    /// to a SQLite file; the database itself for PostgreSQL].
    #[arg(long)]
    pub from_documents: Option<String>,
    /// Where to put the documents: postgres://… or a directory [default: the destination database for
    /// PostgreSQL; the `blobs` directory next to a SQLite file].
    #[arg(long)]
    pub to_documents: Option<String>,
    /// Empty a non-empty destination first instead of refusing.
    #[arg(long)]
    pub force: bool,
}

/// The documents an installation on `url` keeps by default (as `platen serve` would).
fn default_documents(url: &str) -> anyhow::Result<Documents> {
    match Backend::of(url)? {
        Backend::Postgres => Ok(Documents::Postgres(url.to_string())),
        Backend::Sqlite => {
            let path = url
                .trim_start_matches("sqlite:")
                .trim_start_matches("//")
                .split('?')
                .next()
                .unwrap_or_default();
            let dir = Path::new(path)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
            Ok(Documents::Disk(dir.join("blobs")))
        }
    }
}

fn documents(given: &Option<String>, url: &str) -> anyhow::Result<Documents> {
    match given {
        Some(v) => Ok(Documents::parse(v)),
        None => default_documents(url),
    }
}

struct Row {
    table: String,
    source: i64,
    copied: i64,
    destination: i64,
}

pub async fn run(args: MigrateStoreArgs) -> anyhow::Result<()> {
    let (from_backend, to_backend) = (Backend::of(&args.from)?, Backend::of(&args.to)?);
    if args.from == args.to {
        bail!("--from and --to name the same database");
    }
    let from_docs = documents(&args.from_documents, &args.from)?;
    let to_docs = documents(&args.to_documents, &args.to)?;
    println!("platen migrate-store");
    println!(
        "  data:      {} → {}",
        crate::serve::redact(&args.from),
        crate::serve::redact(&args.to)
    );
    println!("  documents: {} → {}", from_docs.describe(), to_docs.describe());

    let to_store = SqlStore::open(&args.to)
        .await
        .context("opening and migrating the destination")?;
    to_store.close().await;
    sqlx::any::install_default_drivers();
    let mut src = AnyConnection::connect(&args.from)
        .await
        .context("connecting to the source")?;
    let mut dst = AnyConnection::connect(&args.to)
        .await
        .context("connecting to the destination")?;
    let (src_migrations, dst_migrations) = (
        tables::migrations(&mut src).await?,
        tables::migrations(&mut dst).await?,
    );
    if src_migrations != dst_migrations {
        bail!(
            "the source has migrations {src_migrations:?} applied, the destination {dst_migrations:?}; \
             run `platen migrate --database-url <source>` first"
        );
    }
    let src_tables = tables::list(&mut src, from_backend).await?;
    let dst_tables = tables::list(&mut dst, to_backend).await?;
    for t in &src_tables {
        let Some(d) = dst_tables.iter().find(|d| d.name == t.name) else {
            bail!("the destination has no table {}", t.name);
        };
        if let Some((c, _)) = t
            .columns
            .iter()
            .find(|(c, _)| !d.columns.iter().any(|(dc, _)| dc == c))
        {
            bail!("the destination's table {} has no column {c}", t.name);
        }
    }
    let mut occupied = vec![];
    for t in &dst_tables {
        let n = tables::count(&mut dst, &t.name).await?;
        if n > 0 {
            occupied.push(format!("{} ({n} rows)", t.name));
        }
    }
    if !occupied.is_empty() && !args.force {
        bail!(
            "the destination is not empty: {}; use --force to replace its contents",
            occupied.join(", ")
        );
    }

    let from_store = from_docs.open().await?;
    let to_store = to_docs.open().await?;
    let mut snapshot = src.begin().await?;
    if from_backend == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *snapshot)
            .await?;
    }
    let referenced = blobs::referenced(&mut *snapshot).await?;
    let copied_blobs = blobs::copy(from_store.as_ref(), to_store.as_ref(), &referenced).await?;

    let mut tx = dst.begin().await?;
    if !occupied.is_empty() {
        for t in &dst_tables {
            tables::clear(&mut tx, &t.name).await?;
        }
    }
    let mut report = vec![];
    for t in &src_tables {
        let copied = tables::copy(&mut snapshot, &mut tx, t)
            .await
            .with_context(|| format!("copying {}", t.name))?;
        report.push(Row {
            table: t.name.clone(),
            source: 0,
            copied,
            destination: 0,
        });
    }
    let identities = if to_backend == Backend::Postgres {
        tables::reset_identities(&mut tx).await?
    } else {
        vec![]
    };
    tx.commit().await.context("committing the copy")?;

    // Verification.
    for r in &mut report {
        r.source = tables::count(&mut *snapshot, &r.table).await?;
        r.destination = tables::count(&mut dst, &r.table).await?;
    }
    snapshot.rollback().await?;
    let verified = blobs::verify(&mut dst, to_store.as_ref()).await?;

    println!();
    println!(
        "  {:<28} {:>10} {:>10} {:>12}",
        "table", "source", "copied", "destination"
    );
    let mut failures = vec![];
    for r in &report {
        let ok = r.source == r.copied && r.copied == r.destination;
        println!(
            "  {:<28} {:>10} {:>10} {:>12}  {}",
            r.table,
            r.source,
            r.copied,
            r.destination,
            if ok { "ok" } else { "MISMATCH" }
        );
        if !ok {
            failures.push(format!("row count of {}", r.table));
        }
    }
    for (column, next) in &identities {
        println!("  identity {column} continues at {next}");
    }
    println!(
        "  blobs copied: {} ({} bytes); documents verified by SHA-256: {} ({} mismatches)",
        copied_blobs.blobs,
        copied_blobs.bytes,
        verified.documents,
        verified.mismatches.len()
    );
    for m in &verified.mismatches {
        println!("    {m}");
    }
    if !verified.mismatches.is_empty() {
        failures.push(format!("{} document checksums", verified.mismatches.len()));
    }
    if failures.is_empty() {
        println!("migrate-store: OK");
        Ok(())
    } else {
        bail!("verification failed: {}", failures.join(", "))
    }
}
