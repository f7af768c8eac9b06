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
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
}

/// How a collection is filtered, ordered and paged. Built by the HTTP layer from OData options.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: Option<Expr>,
    pub orderby: Vec<OrderBy>,
    /// Page size.
    pub limit: u32,
    /// Rows to skip before the first page (`$skip`).
    pub skip: u64,
    /// Sort-key values of the last row of the previous page (decoded `$skiptoken`): keyset paging.
    pub after: Option<Vec<SqlValue>>,
    /// Also count every matching row (`$count=true`).
    pub count: bool,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Sort-key values of the last item when more rows follow (encode as the next `$skiptoken`).
    pub next: Option<Vec<SqlValue>>,
    pub count: Option<i64>,
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
    pub printer_id: Option<String>,
    pub share_id: Option<String>,
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

/// How [`crate::Store::finish_upload`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishUpload {
    /// The document, the job and the end of the session were committed.
    Finished,
    /// The job's version moved on: nothing was written, read the job again and retry.
    JobChanged,
    /// The session no longer exists (another request completed it, or it was canceled or expired):
    /// nothing was written.
    SessionGone,
}

/// What [`crate::Store::commit_job_change`] wrote.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The job as stored (version bumped; `redirectedTo` set by a redirect).
    pub job: platen_domain::records::Job,
    /// The job a redirect created, with its id.
    pub redirected: Option<platen_domain::records::Job>,
}
