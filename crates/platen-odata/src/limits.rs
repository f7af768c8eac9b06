//! Size limits. Query strings come from untrusted clients; these bound the memory, recursion depth and
//! SQL size any single request can cause. They are generous for real Graph clients.

/// Longest raw query string accepted (bytes, before decoding).
pub const MAX_QUERY_LEN: usize = 32 * 1024;
/// Longest decoded `$filter` (bytes).
pub const MAX_FILTER_LEN: usize = 16 * 1024;
/// Deepest nesting of parentheses and `not` in a filter; bounds parser recursion.
pub const MAX_FILTER_DEPTH: usize = 32;
/// Most expression nodes in one filter; bounds tree depth of long `and`/`or` chains (and thus
/// recursion when rendering or dropping the tree) and the size of the generated SQL.
pub const MAX_FILTER_NODES: usize = 256;
/// Most values in one `in (...)` list.
pub const MAX_IN_VALUES: usize = 200;
/// Longest identifier (property name segment).
pub const MAX_IDENT_LEN: usize = 128;
/// Most `/`-separated segments in a property path.
pub const MAX_PATH_SEGMENTS: usize = 8;
/// Largest `$top`/`$skip`: fits a 32-bit signed SQL integer on every backend; anything larger is
/// not a real request.
pub const MAX_TOP_SKIP: u64 = i32::MAX as u64;
/// Most items in `$select`.
pub const MAX_SELECT_ITEMS: usize = 64;
/// Most items in `$orderby`.
pub const MAX_ORDERBY_ITEMS: usize = 8;
/// Most items in one `$expand`.
pub const MAX_EXPAND_ITEMS: usize = 8;
/// Deepest `$expand` nesting (`a($expand=b($expand=c))` is depth 3).
pub const MAX_EXPAND_DEPTH: usize = 3;
/// Longest `$skiptoken` accepted (characters).
pub const MAX_SKIPTOKEN_LEN: usize = 4096;
/// Most sort-key values a skip token may carry.
pub const MAX_SKIPTOKEN_VALUES: usize = MAX_ORDERBY_ITEMS + 1;
