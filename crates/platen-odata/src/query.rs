//! The parsed form of a request's OData system query options.

use std::fmt;

use crate::error::ODataError;
use crate::filter::Expr;

/// All system query options of one request (or of one `$expand` item).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryOptions {
    /// `$select=id,displayName`: property names (validated identifiers) or `*`.
    pub select: Option<Vec<String>>,
    pub filter: Option<Expr>,
    /// `$orderby=a/b desc,c`, in request order.
    pub orderby: Vec<OrderBy>,
    pub top: Option<u64>,
    pub skip: Option<u64>,
    /// The raw (percent-decoded) opaque token; see [`crate::decode_skiptoken`].
    pub skiptoken: Option<String>,
    pub count: Option<bool>,
    pub expand: Vec<Expand>,
    pub search: Option<String>,
    pub format: Option<String>,
    /// `$id=…`: the entity a `DELETE …/$ref` removes (OData's reference-by-query form).
    pub id: Option<String>,
}

/// One `$orderby` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    /// Property path with `/` separators, e.g. `status/state`.
    pub path: String,
    pub descending: bool,
}

/// One `$expand` item with its nested options (`documents($select=id)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Expand {
    /// Navigation property path, or `*`.
    pub path: String,
    pub options: QueryOptions,
}

/// The OData system query options, for per-route "is this option supported here" checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryOption {
    Select,
    Filter,
    OrderBy,
    Top,
    Skip,
    SkipToken,
    Count,
    Expand,
    Search,
    Format,
    Id,
}

impl QueryOption {
    /// Every option, in the order `present()` reports them.
    pub const ALL: [QueryOption; 11] = [
        QueryOption::Select,
        QueryOption::Filter,
        QueryOption::OrderBy,
        QueryOption::Top,
        QueryOption::Skip,
        QueryOption::SkipToken,
        QueryOption::Count,
        QueryOption::Expand,
        QueryOption::Search,
        QueryOption::Format,
        QueryOption::Id,
    ];

    /// Canonical spelling with the `$` prefix, as used in error messages and next links.
    pub fn name(self) -> &'static str {
        match self {
            QueryOption::Select => "$select",
            QueryOption::Filter => "$filter",
            QueryOption::OrderBy => "$orderby",
            QueryOption::Top => "$top",
            QueryOption::Skip => "$skip",
            QueryOption::SkipToken => "$skiptoken",
            QueryOption::Count => "$count",
            QueryOption::Expand => "$expand",
            QueryOption::Search => "$search",
            QueryOption::Format => "$format",
            QueryOption::Id => "$id",
        }
    }

    /// Look an option up by name: case-insensitive, `$` optional (`Filter` == `$filter`).
    pub fn from_name(name: &str) -> Option<QueryOption> {
        let bare = name.strip_prefix('$').unwrap_or(name);
        QueryOption::ALL
            .into_iter()
            .find(|o| o.name()[1..].eq_ignore_ascii_case(bare))
    }
}

impl fmt::Display for QueryOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl QueryOptions {
    /// Which system options were present (for per-route "unsupported option" checks).
    pub fn present(&self) -> Vec<QueryOption> {
        QueryOption::ALL.into_iter().filter(|o| self.has(*o)).collect()
    }

    /// Whether one option was present.
    pub fn has(&self, option: QueryOption) -> bool {
        match option {
            QueryOption::Select => self.select.is_some(),
            QueryOption::Filter => self.filter.is_some(),
            QueryOption::OrderBy => !self.orderby.is_empty(),
            QueryOption::Top => self.top.is_some(),
            QueryOption::Skip => self.skip.is_some(),
            QueryOption::SkipToken => self.skiptoken.is_some(),
            QueryOption::Count => self.count.is_some(),
            QueryOption::Expand => !self.expand.is_empty(),
            QueryOption::Search => self.search.is_some(),
            QueryOption::Format => self.format.is_some(),
            QueryOption::Id => self.id.is_some(),
        }
    }

    /// Fail with [`ODataError::UnsupportedOption`] for the first present option listed in `unsupported`.
    /// Graph answers 400 rather than silently ignoring such options, and clients rely on that.
    pub fn ensure_supported(&self, unsupported: &[QueryOption]) -> Result<(), ODataError> {
        match self.present().into_iter().find(|o| unsupported.contains(o)) {
            Some(o) => Err(ODataError::UnsupportedOption(o)),
            None => Ok(()),
        }
    }
}
