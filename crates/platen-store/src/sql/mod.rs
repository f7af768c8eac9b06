//! The SQL implementation of [`crate::Store`], each area's trait in the module of that name: one code path for
//! SQLite and PostgreSQL through sqlx's `Any` driver. Statements use `$N` placeholders, BIGINT timestamps and
//! 0/1 booleans so the same SQL runs on both; the few places where the dialects differ are marked with
//! [`Dialect`].
//!
//! SQLite gets one writer connection (SQLite serialises writers anyway; one connection avoids lock-upgrade
//! deadlocks and busy-wait sleeps) and a pool of readers (WAL lets them run beside the writer), with
//! `synchronous = FULL` so that a committed write, and therefore every 2xx answer, survives power loss.

mod bind;
pub(crate) mod connectors;
pub(crate) mod console_sessions;
pub(crate) mod devices;
pub(crate) mod directory;
pub(crate) mod documents;
mod event_order;
pub(crate) mod exec;
mod group_commit;
pub(crate) mod health;
pub(crate) mod jobs;
mod list;
pub(crate) mod outbox;
pub(crate) mod policies;
pub(crate) mod print_passwords;
pub(crate) mod printers;
pub(crate) mod quotas;
pub(crate) mod release_pins;
pub(crate) mod reports;
pub(crate) mod retention;
mod rows;
mod share_cache;
pub(crate) mod shares;
mod sqlite_checkpointer;
mod sqlite_reader;
mod sqlite_writer;
mod subscription_cache;
pub(crate) mod subscriptions;
pub(crate) mod tasks;
pub(crate) mod throttle;
mod usage_fold;

use crate::{ChangeEvent, ChangeFeedStore, Result, StoreError};
use async_trait::async_trait;
use platen_odata::Dialect;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::sync::Once;
use std::time::Duration;

#[derive(Clone)]
pub struct SqlStore {
    dialect: Dialect,
    read: AnyPool,
    write: AnyPool,
    /// Committed job changes, for waiters on this node (and, on PostgreSQL, from every node).
    pub(crate) feed: crate::feed::ChangeFeed,
    /// SQLite: job changes arriving together are committed together (one fsync); see [`group_commit`].
    group_commit: Option<group_commit::GroupCommit>,
    /// SQLite: who watches which resource, kept in memory (see [`subscription_cache`]).
    subscription_cache: Option<std::sync::Arc<subscription_cache::SubscriptionCache>>,
    /// SQLite: shares with their printers, and users' last use of them, kept in memory (see [`share_cache`]).
    share_cache: Option<std::sync::Arc<share_cache::ShareCache>>,
    /// SQLite: lookups by key on the calling thread, pages in one hand-off (see [`sqlite_reader`]).
    sqlite_reads: Option<std::sync::Arc<sqlite_reader::SqliteReader>>,
}

static DRIVERS: Once = Once::new();
/// Connections to PostgreSQL per node unless configured (`database_max_connections`).
pub const DEFAULT_POSTGRES_POOL: u32 = 16;
/// PostgreSQL connections idle longer than this are pinged before use.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

impl SqlStore {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`, and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with_pool(url, DEFAULT_POSTGRES_POOL).await
    }

    /// [`SqlStore::open`] with at most `postgres_pool` connections to PostgreSQL (SQLite ignores it).
    pub async fn open_with_pool(url: &str, postgres_pool: u32) -> Result<Self> {
        let store = Self::connect_with_pool(url, postgres_pool).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with_pool(url, DEFAULT_POSTGRES_POOL).await
    }

    async fn connect_with_pool(url: &str, postgres_pool: u32) -> Result<Self> {
        DRIVERS.call_once(install_default_drivers);
        if url.starts_with("sqlite:") {
            let url = sqlite_url(url);
            // No ping before each acquisition: a local file's connection does not go stale, and the ping is a
            // round trip to the connection's thread on every request.
            let write = AnyPoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .after_connect(|conn, _| Box::pin(async move { sqlite_pragmas(conn).await }))
                .connect(&url)
                .await?;
            let read = AnyPoolOptions::new()
                .max_connections(8)
                .test_before_acquire(false)
                .after_connect(|conn, _| Box::pin(async move { sqlite_pragmas(conn).await }))
                .connect(&url)
                .await?;
            let mut store = Self {
                dialect: Dialect::Sqlite,
                read,
                write,
                feed: crate::feed::ChangeFeed::new(Dialect::Sqlite, &url),
                group_commit: None,
                subscription_cache: Some(Default::default()),
                share_cache: Some(Default::default()),
                sqlite_reads: None,
            };
            let file = url
                .parse::<sqlx::sqlite::SqliteConnectOptions>()?
                .get_filename()
                .to_path_buf();
            if file.as_os_str() == ":memory:" {
                // The writer's own connection would open a second, empty database.
                return Err(StoreError::UnsupportedUrl(
                    "sqlite::memory: (SQLite needs a file)".into(),
                ));
            }
            let writer = sqlite_writer::SqliteWriter::open(&file)?;
            store.sqlite_reads = Some(std::sync::Arc::new(sqlite_reader::SqliteReader::new(file)));
            store.group_commit = Some(group_commit::GroupCommit::start(store.clone(), writer));
            Ok(store)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // A connection is pinged before use only after it sat idle (as pgx does): a busy pool's connections are
            // known to work, and the ping is a round trip on every request; an idle one may have been dropped by a
            // server restart or a firewall, and is replaced if the ping fails.
            let pool = AnyPoolOptions::new()
                .max_connections(postgres_pool.max(1))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > PING_WHEN_IDLE_FOR {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?;
            // No group commit: PostgreSQL commits the pool's transactions side by side and groups their
            // WAL flushes itself. Batching several jobs' changes in one transaction was tried: a batch takes
            // rows shared between changes (usage rollups) between its jobs' rows, so batches and single changes
            // on other nodes deadlocked.
            Ok(Self {
                dialect: Dialect::Postgres,
                read: pool.clone(),
                write: pool,
                feed: crate::feed::ChangeFeed::new(Dialect::Postgres, url),
                group_commit: None,
                subscription_cache: None,
                share_cache: None,
                sqlite_reads: None,
            })
        } else {
            Err(StoreError::UnsupportedUrl(
                url.split(':').next().unwrap_or_default().to_string(),
            ))
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.write).await?;
        Ok(())
    }

    /// This binary's migrations for the store's database.
    pub(crate) fn migrator(&self) -> sqlx::migrate::Migrator {
        match self.dialect {
            Dialect::Sqlite => sqlx::migrate!("../../migrations/sqlite"),
            Dialect::Postgres => sqlx::migrate!("../../migrations/postgres"),
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Committed job changes (see [`crate::feed`]).
    pub fn change_feed(&self) -> &crate::feed::ChangeFeed {
        &self.feed
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

#[async_trait]
impl ChangeFeedStore for SqlStore {
    async fn subscribe_changes(&self) -> Result<tokio::sync::broadcast::Receiver<ChangeEvent>> {
        self.feed.subscribe().await
    }
}

/// `sqlite://path` → a URL that creates the file if needed.
fn sqlite_url(url: &str) -> String {
    if url.contains('?') {
        url.to_string()
    } else {
        format!("{url}?mode=rwc")
    }
}

/// (Checkpoints are [`sqlite_checkpointer`]'s, off every connection's commits.)
async fn sqlite_pragmas(conn: &mut sqlx::AnyConnection) -> std::result::Result<(), sqlx::Error> {
    conn.execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; \
         PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456; \
         PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0;",
    )
    .await?;
    Ok(())
}

/// Maps unique-constraint violations to [`StoreError::Conflict`].
fn conflict_on_unique(err: sqlx::Error, what: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        return StoreError::Conflict(what.to_string());
    }
    StoreError::Database(err)
}
