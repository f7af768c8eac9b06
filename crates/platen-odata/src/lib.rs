//! OData query options for Platen's Graph API.
//!
//! * [`parse_query`] turns a raw URL query string into [`QueryOptions`] (`$filter`, `$select`, `$orderby`,
//!   `$top`, `$skip`, `$skiptoken`, `$count`, `$expand`, `$search`, `$format`).
//! * [`render_filter`] turns a `$filter` [`Expr`] into a SQL `WHERE` fragment with bound parameters for
//!   SQLite or PostgreSQL, against a per-entity-set [`FieldMap`].
//! * [`sort_keys`], [`render_order_by`] and [`render_keyset`] implement `$orderby` with keyset paging;
//!   [`encode_skiptoken`]/[`decode_skiptoken`] carry the position between pages and [`next_link_query`]
//!   builds the `@odata.nextLink` query string.
//!
//! There is no database dependency: the output is SQL text plus a `Vec<SqlValue>` to bind. Every error
//! is an [`ODataError`], a client error (HTTP 400) with a Graph-style message.
//!
//! ```
//! use platen_odata::*;
//!
//! const FIELDS: &[Field] = &[Field {
//!     path: "displayName", sql: "p.display_name", kind: FieldKind::Text, filterable: true, sortable: true,
//! }];
//! const MAP: FieldMap = FieldMap {
//!     fields: FIELDS,
//!     key: Field { path: "id", sql: "p.id", kind: FieldKind::Int, filterable: true, sortable: true },
//! };
//!
//! let q = parse_query("$filter=displayName%20eq%20%27Test%20Printer%27&$select=id,displayName&$top=5")?;
//! let (sql, values) = render_filter(q.filter.as_ref().unwrap(), &MAP, Dialect::Sqlite, 1)?;
//! assert_eq!(sql, "lower(p.display_name) = $1");
//! assert_eq!(values, vec![SqlValue::Text("test printer".into())]);
//!
//! let keys = sort_keys(&q.orderby, &MAP)?;
//! assert_eq!(render_order_by(&keys), "p.id ASC");
//! let token = encode_skiptoken(&[SqlValue::Int(42)], &query_fingerprint(&q));
//! let after = decode_skiptoken(&token, &query_fingerprint(&q))?;
//! assert_eq!(render_keyset(&keys, &after, 2)?.0, "(p.id > $2)");
//! # Ok::<(), ODataError>(())
//! ```

mod error;
mod eval;
mod filter;
pub mod limits;
mod order;
mod parse;
mod query;
mod skiptoken;
mod sql;

pub use error::ODataError;
pub use eval::evaluate;
pub use filter::{CompareOp, Expr, Literal, StringFn, parse_datetime, parse_filter};
pub use order::{SortKey, render_keyset, render_order_by, sort_keys};
pub use parse::{next_link_query, parse_query};
pub use query::{Expand, OrderBy, QueryOption, QueryOptions};
pub use skiptoken::{decode_skiptoken, encode_skiptoken, query_fingerprint};
pub use sql::{Dialect, Field, FieldKind, FieldMap, SqlValue, render_filter};
