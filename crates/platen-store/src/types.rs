use platen_domain::{PrinterId, ShareId};
use platen_odata::{Expr, ODataError, OrderBy, SqlValue};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated (e.g. a second share for one printer).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The query options could not be applied (unknown property, bad literal, stale skip token).
    #[error(transparent)]
    Query(#[from] ODataError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// An error of the SQLite writer's own connection (see `sql::exec`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
}

/// One of a share's two access lists (`allowedUsers`, `allowedGroups`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareList {
    AllowedUsers,
    AllowedGroups,
}

/// How a collection is filtered, ordered and paged. Built by the HTTP layer from OData options.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: Option<Expr>,
    pub orderby: Vec<OrderBy>,
    /// Page size. 0 with `count`: only the count, no rows are read.
    pub limit: u32,
    /// Rows to skip before the first page (`$skip`).
    pub skip: u64,
    /// Sort-key values of the last row of the previous page (decoded `$skiptoken`): keyset paging.
    pub after: Option<Vec<SqlValue>>,
    /// Also count every matching row (`$count=true`).
    pub count: bool,
    /// With `count`: stop counting at this many rows (the console shows "1000+"), so a count costs at most
    /// that many index entries however many rows match.
    pub count_cap: Option<u32>,
}

/// Whose archived jobs a report lists, and the completion window (inclusive; `None`: open).
#[derive(Debug, Clone)]
pub struct ArchiveScope {
    pub by: ArchivedBy,
    pub from: Option<platen_domain::time::Micros>,
    pub to: Option<platen_domain::time::Micros>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchivedBy {
    Printer(String),
    User(String),
    Group(String),
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Sort-key values of the last item when more rows follow (encode as the next `$skiptoken`).
    pub next: Option<Vec<SqlValue>>,
    pub count: Option<i64>,
}

/// A share as a request about it needs it, read in one statement: the share, its printer, when the caller last
/// printed to it, and whether the viewer asked about may use it (true when none was asked about).
#[derive(Debug, Clone)]
pub struct ShareView {
    pub share: platen_domain::records::Share,
    pub printer: platen_domain::records::Printer,
    pub last_used: Option<platen_domain::time::Micros>,
    pub visible: bool,
}

/// A user looking at shares: they see a share if it allows all users, lists them, or lists one of their groups.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: String,
    pub groups: Vec<String>,
}

/// Which jobs a list covers.
#[derive(Debug, Clone)]
pub struct JobScope {
    pub printer_id: Option<PrinterId>,
    pub share_id: Option<ShareId>,
    /// Only jobs created by this user.
    pub owner_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AddRange {
    /// Recorded; the session now holds these ranges (sorted by first byte).
    Added(Vec<platen_domain::records::UploadRange>),
    /// It overlaps bytes already received.
    Overlap,
    /// The session no longer exists (finished, canceled or expired).
    SessionGone,
}

/// How [`crate::Store::commit_job_change`] ended.
#[derive(Debug, Clone)]
pub enum Commit {
    /// Everything the change carries was written.
    Done(Box<Committed>),
    /// Nothing was written: the job's version moved on, or the print task the change closes ended meanwhile.
    /// Read the job again and decide again.
    Stale,
    /// Nothing was written: the upload session the change finishes no longer exists (another request finished
    /// it, maybe on another node, or it was canceled or expired).
    UploadSessionGone,
    /// Nothing was written: the job would pass its creator's print quota; the account as it stands.
    QuotaExceeded(platen_domain::quota::QuotaAccount),
}

/// What [`crate::Store::commit_job_change`] wrote.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The job as stored (version bumped; `redirectedTo` set by a redirect).
    pub job: platen_domain::records::Job,
    /// The job a redirect created, with its id.
    pub redirected: Option<platen_domain::records::Job>,
}
