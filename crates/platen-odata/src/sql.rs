//! Rendering `$filter` into a SQL `WHERE` fragment with bound parameters.
//!
//! Values never enter the SQL text: every literal becomes a `$n` placeholder (both SQLite, through
//! sqlx, and PostgreSQL accept numbered `$n`), and the only quote in the output is the fixed
//! `ESCAPE '\'` of `LIKE`.
//!
//! Semantics follow OData, not SQL, and are the same on both backends:
//! * a comparison with a NULL column is false, and `ne` is true for NULL (`null ne 'x'` is true in OData),
//!   so `ne` renders as `(col IS NULL OR col <> $n)` and `not` as `NOT COALESCE(.., FALSE)` (SQL's
//!   three-valued `NOT NULL` would otherwise drop rows OData keeps);
//! * text `eq`/`ne`/`in`/`startswith`/`endswith`/`contains` are case-insensitive, with ASCII-only case
//!   folding: SQLite's `lower()` only folds ASCII, so on PostgreSQL the column is folded under the "C"
//!   collation (which also only folds ASCII) and the value is folded in Rust the same way;
//! * text `gt`/`lt`/... compare code points (SQLite's BINARY collation; `COLLATE "C"` on PostgreSQL).

use std::borrow::Cow;

use crate::error::ODataError;
use crate::filter::{CompareOp, Expr, Literal, StringFn};

/// Target SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A bound parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

/// How a property is stored, which decides the literals it accepts and the SQL it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Int,
    Bool,
    /// Stored as INTEGER microseconds since the Unix epoch.
    DateTime,
    /// Stored as text; a literal must be one of these members (case-sensitive, as Graph enums are).
    Enum(&'static [&'static str]),
}

impl FieldKind {
    fn describe(self) -> &'static str {
        match self {
            FieldKind::Text => "a string",
            FieldKind::Int => "an integer",
            FieldKind::Bool => "a Boolean",
            FieldKind::DateTime => "a date/time",
            FieldKind::Enum(_) => "an enumeration",
        }
    }
}

/// One queryable property of an entity set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// OData property path, e.g. `status/state`.
    pub path: &'static str,
    /// SQL expression for it, e.g. `j.state`. Trusted text from the store, never from the client.
    pub sql: &'static str,
    pub kind: FieldKind,
    pub filterable: bool,
    pub sortable: bool,
}

/// The queryable properties of an entity set, plus its unique sort tie-breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldMap {
    pub fields: &'static [Field],
    /// Unique, non-null, sortable key (e.g. the integer id column); ends every sort order.
    pub key: Field,
}

impl FieldMap {
    /// Find a property by path. Exact match first, then ASCII case-insensitive, since Graph is lenient
    /// about the case of property names in query options. The key is found even if not in `fields`.
    pub fn lookup(&self, path: &str) -> Option<&Field> {
        let all = || self.fields.iter().chain(std::iter::once(&self.key));
        all()
            .find(|f| f.path == path)
            .or_else(|| all().find(|f| f.path.eq_ignore_ascii_case(path)))
    }

    fn filterable(&self, path: &str) -> Result<&Field, ODataError> {
        let f = self.lookup(path).ok_or_else(|| ODataError::UnknownProperty {
            option: "$filter",
            property: path.to_owned(),
        })?;
        if f.filterable {
            Ok(f)
        } else {
            Err(ODataError::NotFilterable(path.to_owned()))
        }
    }
}

/// Render a filter into a WHERE fragment using placeholders `$N` numbered from `first_param` (both SQLite
/// and PostgreSQL accept `$1`-style numbered placeholders). Returns SQL and the values in order.
/// `first_param` 0 is treated as 1 (there is no `$0`).
pub fn render_filter(
    expr: &Expr,
    map: &FieldMap,
    dialect: Dialect,
    first_param: usize,
) -> Result<(String, Vec<SqlValue>), ODataError> {
    let mut r = Renderer {
        map,
        dialect,
        binds: Binds::new(first_param),
    };
    let sql = r.expr(expr)?;
    Ok((sql, r.binds.values))
}

/// Allocates placeholders in order.
pub(crate) struct Binds {
    next: usize,
    pub values: Vec<SqlValue>,
}

impl Binds {
    pub(crate) fn new(first_param: usize) -> Self {
        Binds {
            next: first_param.max(1),
            values: Vec::new(),
        }
    }

    pub(crate) fn bind(&mut self, v: SqlValue) -> String {
        let p = format!("${}", self.next);
        self.next += 1;
        self.values.push(v);
        p
    }
}

/// Parenthesise a column expression unless it is a plain (qualified) name, so that appending
/// `COLLATE`/`IS NULL` etc. cannot re-associate a compound expression.
pub(crate) fn atom(sql: &str) -> Cow<'_, str> {
    if sql
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'"')
    {
        Cow::Borrowed(sql)
    } else {
        Cow::Owned(format!("({sql})"))
    }
}

fn op_sql(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
    }
}

/// Same case folding as SQLite's built-in `lower()`.
fn fold(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// LIKE pattern for a string function: folded, with the LIKE metacharacters and the escape escaped.
fn like_pattern(func: StringFn, needle: &str) -> String {
    let mut esc = String::with_capacity(needle.len() + 2);
    for c in fold(needle).chars() {
        if matches!(c, '%' | '_' | '\\') {
            esc.push('\\');
        }
        esc.push(c);
    }
    match func {
        StringFn::StartsWith => format!("{esc}%"),
        StringFn::EndsWith => format!("%{esc}"),
        StringFn::Contains => format!("%{esc}%"),
    }
}

struct Renderer<'a> {
    map: &'a FieldMap,
    dialect: Dialect,
    binds: Binds,
}

impl Renderer<'_> {
    fn expr(&mut self, e: &Expr) -> Result<String, ODataError> {
        Ok(match e {
            Expr::And(l, r) => format!("({} AND {})", self.expr(l)?, self.expr(r)?),
            Expr::Or(l, r) => format!("({} OR {})", self.expr(l)?, self.expr(r)?),
            Expr::Not(inner) => format!("NOT COALESCE({}, FALSE)", self.expr(inner)?),
            Expr::BoolPath(path) => {
                let f = self.map.filterable(path)?;
                if f.kind != FieldKind::Bool {
                    return Err(ODataError::type_mismatch(
                        path,
                        format!(
                            "the property is {} and cannot be used as a condition on its own",
                            f.kind.describe()
                        ),
                    ));
                }
                format!("{} = {}", atom(f.sql), self.binds.bind(SqlValue::Bool(true)))
            }
            Expr::Compare { path, op, value } => {
                let f = *self.map.filterable(path)?;
                self.compare(&f, path, *op, value)?
            }
            Expr::In { path, values } => {
                let f = *self.map.filterable(path)?;
                self.in_list(&f, path, values)?
            }
            Expr::StringFn { func, path, value } => {
                let f = *self.map.filterable(path)?;
                if f.kind != FieldKind::Text {
                    return Err(ODataError::type_mismatch(
                        path,
                        format!(
                            "{} needs a string property, but the property is {}",
                            func.name(),
                            f.kind.describe()
                        ),
                    ));
                }
                let Literal::String(needle) = value else {
                    return Err(ODataError::type_mismatch(
                        path,
                        format!(
                            "{} needs a string literal, found {}",
                            func.name(),
                            value.describe()
                        ),
                    ));
                };
                let p = self.binds.bind(SqlValue::Text(like_pattern(*func, needle)));
                format!("{} LIKE {p} ESCAPE '\\'", self.folded(&f))
            }
        })
    }

    /// `lower(col)` with ASCII-only folding on both dialects (see the module comment).
    fn folded(&self, f: &Field) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("lower({})", atom(f.sql)),
            Dialect::Postgres => format!("lower({} COLLATE \"C\")", atom(f.sql)),
        }
    }

    /// The column for an ordering comparison of text: code-point order on both dialects.
    fn binary_text(&self, f: &Field) -> String {
        match self.dialect {
            Dialect::Sqlite => atom(f.sql).into_owned(),
            Dialect::Postgres => format!("{} COLLATE \"C\"", atom(f.sql)),
        }
    }

    fn compare(
        &mut self,
        f: &Field,
        path: &str,
        op: CompareOp,
        value: &Literal,
    ) -> Result<String, ODataError> {
        let col = atom(f.sql);
        if *value == Literal::Null {
            return match op {
                CompareOp::Eq => Ok(format!("{col} IS NULL")),
                CompareOp::Ne => Ok(format!("{col} IS NOT NULL")),
                _ => Err(ODataError::type_mismatch(
                    path,
                    format!("null cannot be used with '{op}'; use eq or ne"),
                )),
            };
        }
        let v = coerce(f, path, value)?;
        match f.kind {
            FieldKind::Bool | FieldKind::Enum(_) if !matches!(op, CompareOp::Eq | CompareOp::Ne) => {
                Err(ODataError::type_mismatch(
                    path,
                    format!(
                        "'{op}' cannot be used with {} property; use eq, ne or in",
                        f.kind.describe()
                    ),
                ))
            }
            FieldKind::Text => {
                let v = match v {
                    SqlValue::Text(s) if matches!(op, CompareOp::Eq | CompareOp::Ne) => {
                        SqlValue::Text(fold(&s))
                    }
                    other => other,
                };
                let p = self.binds.bind(v);
                Ok(match op {
                    CompareOp::Eq => format!("{} = {p}", self.folded(f)),
                    CompareOp::Ne => format!("({col} IS NULL OR {} <> {p})", self.folded(f)),
                    _ => format!("{} {} {p}", self.binary_text(f), op_sql(op)),
                })
            }
            _ => {
                let p = self.binds.bind(v);
                Ok(match op {
                    CompareOp::Ne => format!("({col} IS NULL OR {col} <> {p})"),
                    _ => format!("{col} {} {p}", op_sql(op)),
                })
            }
        }
    }

    fn in_list(&mut self, f: &Field, path: &str, values: &[Literal]) -> Result<String, ODataError> {
        let col = atom(f.sql);
        let with_null = values.contains(&Literal::Null);
        let mut placeholders = Vec::with_capacity(values.len());
        for lit in values.iter().filter(|l| **l != Literal::Null) {
            let v = match coerce(f, path, lit)? {
                SqlValue::Text(s) if f.kind == FieldKind::Text => SqlValue::Text(fold(&s)),
                other => other,
            };
            placeholders.push(self.binds.bind(v));
        }
        if placeholders.is_empty() {
            // Only `null` in the list (the parser never produces an empty list).
            return Ok(format!("{col} IS NULL"));
        }
        let lhs = if f.kind == FieldKind::Text {
            self.folded(f)
        } else {
            col.clone().into_owned()
        };
        let cond = format!("{lhs} IN ({})", placeholders.join(", "));
        Ok(if with_null {
            format!("({col} IS NULL OR {cond})")
        } else {
            cond
        })
    }
}

/// Check that a (non-null) literal fits the field and convert it to the stored representation.
fn coerce(f: &Field, path: &str, lit: &Literal) -> Result<SqlValue, ODataError> {
    match (f.kind, lit) {
        (FieldKind::Text, Literal::String(s) | Literal::Guid(s)) => Ok(SqlValue::Text(s.clone())),
        (FieldKind::Int, Literal::Int(i)) => Ok(SqlValue::Int(*i)),
        (FieldKind::Bool, Literal::Bool(b)) => Ok(SqlValue::Bool(*b)),
        (FieldKind::DateTime, Literal::DateTime(dt)) => Ok(SqlValue::Int(dt.timestamp_micros())),
        (FieldKind::Enum(members), Literal::String(s)) => {
            if members.contains(&s.as_str()) {
                Ok(SqlValue::Text(s.clone()))
            } else {
                Err(ODataError::type_mismatch(
                    path,
                    format!(
                        "'{s}' is not a valid value; expected one of: {}",
                        member_list(members)
                    ),
                ))
            }
        }
        _ => Err(ODataError::type_mismatch(
            path,
            format!(
                "the property is {} and cannot be compared with {}",
                f.kind.describe(),
                lit.describe()
            ),
        )),
    }
}

/// Members for an error message; long enums (printer state details have hundreds) are cut short.
fn member_list(members: &[&str]) -> String {
    const SHOWN: usize = 12;
    let mut s = members.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    if members.len() > SHOWN {
        s.push_str(&format!(", ... ({} more)", members.len() - SHOWN));
    }
    s
}

#[cfg(test)]
mod tests;
