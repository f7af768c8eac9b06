//! The one error type of this crate.
//!
//! Every variant describes something wrong with the *request* (query string, filter, skip token), so the
//! HTTP layer can map all of them to a Graph 400 without inspecting them; `code()`/`inner_code()` pick the
//! Graph error codes and `message()` the developer-facing text.

use crate::query::QueryOption;

/// A client error in OData query options. All variants map to HTTP 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ODataError {
    /// `$filter` could not be parsed. `position` is the 1-based character offset in the (decoded) filter.
    #[error("Invalid $filter expression at position {position}: {message}")]
    FilterSyntax { position: usize, message: String },

    /// A query option's value is malformed (bad number, empty value, bad identifier, ...).
    #[error("Invalid value for query option '{option}': {message}")]
    InvalidOption { option: String, message: String },

    /// The same system query option appears twice.
    #[error("Query option '{0}' is specified more than once; it must be specified at most once")]
    DuplicateOption(String),

    /// A `$`-prefixed option that is not an OData system query option we know.
    #[error("The query parameter '{0}' is not supported")]
    UnknownOption(String),

    /// A known option that the addressed resource does not support (per-route check).
    #[error("The query option '{0}' is not supported for this resource")]
    UnsupportedOption(QueryOption),

    /// A property path that the resource does not expose in `option`.
    #[error("Could not find a property named '{property}' that can be used in {option}")]
    UnknownProperty { option: &'static str, property: String },

    /// A property that exists but cannot be filtered on.
    #[error("Property '{0}' cannot be used in $filter")]
    NotFilterable(String),

    /// A property that exists but cannot be sorted on.
    #[error("Property '{0}' cannot be used in $orderby")]
    NotSortable(String),

    /// A literal/operator that does not fit the property's type (or an enum value that is not a member).
    #[error("Invalid $filter on property '{property}': {message}")]
    TypeMismatch { property: String, message: String },

    /// The `$skiptoken` is malformed, from another query, or does not fit the sort order.
    #[error("The $skiptoken is invalid: {0}")]
    InvalidSkipToken(String),

    /// The query string as a whole is unacceptable (e.g. too long).
    #[error("Invalid query string: {0}")]
    InvalidQuery(String),
}

impl ODataError {
    /// Developer text for the Graph error body's `error.message`.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// HTTP status: always 400, every variant is a client error.
    pub fn status(&self) -> u16 {
        400
    }

    /// Top-level Graph error code (`error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            // Graph documents `notSupported` for options a given print API rejects.
            ODataError::UnsupportedOption(_) => "notSupported",
            _ => "invalidRequest",
        }
    }

    /// More specific Graph code for `error.innerError.code`.
    pub fn inner_code(&self) -> &'static str {
        match self {
            ODataError::InvalidSkipToken(_) => "invalidParameterFormat",
            _ => "invalidQueryOption",
        }
    }

    pub(crate) fn option(option: impl Into<String>, message: impl Into<String>) -> Self {
        ODataError::InvalidOption {
            option: option.into(),
            message: message.into(),
        }
    }

    pub(crate) fn type_mismatch(property: &str, message: impl Into<String>) -> Self {
        ODataError::TypeMismatch {
            property: property.to_owned(),
            message: message.into(),
        }
    }
}
