//! `$filter`: the expression tree, its canonical text form, and the parser entry point.

mod lexer;
pub use lexer::parse_datetime;
mod parser;

pub(crate) use lexer::{is_ident_char, is_ident_start};

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::ODataError;

/// A parsed `$filter` expression (the OData v4 subset Platen supports).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `path op literal`; a literal on the left (`'x' eq name`) is normalised to this form.
    Compare {
        path: String,
        op: CompareOp,
        value: Literal,
    },
    /// `path in (v1, v2, ...)`; never empty.
    In {
        path: String,
        values: Vec<Literal>,
    },
    /// `startswith(path, 'x')` and friends; `value` is always a string literal.
    StringFn {
        func: StringFn,
        path: String,
        value: Literal,
    },
    /// A Boolean property on its own: `isFetchable` means `isFetchable eq true`.
    BoolPath(String),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

impl Expr {
    /// Every property path the filter mentions, in order of appearance, without duplicates. Lets a
    /// route react to *which* properties are filtered on (Graph reduces the share property set when
    /// filtering on `capabilities`/`location`, for instance).
    pub fn paths(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a str>) {
        let path = match self {
            Expr::Compare { path, .. } | Expr::In { path, .. } | Expr::StringFn { path, .. } => path,
            Expr::BoolPath(path) => path,
            Expr::And(l, r) | Expr::Or(l, r) => {
                l.collect_paths(out);
                r.collect_paths(out);
                return;
            }
            Expr::Not(e) => return e.collect_paths(out),
        };
        if !out.contains(&path.as_str()) {
            out.push(path);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    pub fn keyword(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator to use when the operands are swapped (`5 lt x` == `x gt 5`).
    pub fn flipped(self) -> CompareOp {
        match self {
            CompareOp::Eq => CompareOp::Eq,
            CompareOp::Ne => CompareOp::Ne,
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::Ge => CompareOp::Le,
            CompareOp::Lt => CompareOp::Gt,
            CompareOp::Le => CompareOp::Ge,
        }
    }

    pub(crate) fn from_keyword(word: &str) -> Option<CompareOp> {
        [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
        ]
        .into_iter()
        .find(|op| op.keyword().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StringFn {
    StartsWith,
    EndsWith,
    Contains,
}

impl StringFn {
    /// Canonical (lowercase) OData function name.
    pub fn name(self) -> &'static str {
        match self {
            StringFn::StartsWith => "startswith",
            StringFn::EndsWith => "endswith",
            StringFn::Contains => "contains",
        }
    }

    /// Function names are matched case-insensitively (`startsWith` is common in Graph docs).
    pub(crate) fn from_name(name: &str) -> Option<StringFn> {
        [StringFn::StartsWith, StringFn::EndsWith, StringFn::Contains]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for StringFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A literal value in a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Int(i64),
    /// Always finite.
    Float(f64),
    Bool(bool),
    Null,
    DateTime(DateTime<Utc>),
    /// Lowercase hyphenated form.
    Guid(String),
}

impl Literal {
    /// Short description for error messages ("a string literal").
    pub fn describe(&self) -> &'static str {
        match self {
            Literal::String(_) => "a string literal",
            Literal::Int(_) => "an integer literal",
            Literal::Float(_) => "a decimal literal",
            Literal::Bool(_) => "a Boolean literal",
            Literal::Null => "null",
            Literal::DateTime(_) => "a date/time literal",
            Literal::Guid(_) => "a GUID literal",
        }
    }
}

impl fmt::Display for Literal {
    /// OData literal syntax; re-parsing the output yields the same literal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Literal::Int(i) => write!(f, "{i}"),
            // `{:?}` keeps a `.0`/exponent so the value re-parses as a decimal, not an integer.
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Null => f.write_str("null"),
            Literal::DateTime(dt) => f.write_str(&dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Literal::Guid(g) => f.write_str(g),
        }
    }
}

/// Canonical text: lowercase keywords, property on the left, only the parentheses the tree needs.
/// Used for fingerprints and logs; `parse_filter(&e.to_string())` gives back `e`.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Expr::In { path, values } => {
                write!(f, "{path} in (")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str(")")
            }
            Expr::StringFn { func, path, value } => write!(f, "{func}({path},{value})"),
            Expr::BoolPath(path) => f.write_str(path),
            // Parsing is left-associative and `and` binds tighter than `or`, so only a right-hand
            // operand of the same operator, or an `or` under an `and`, needs parentheses.
            Expr::And(l, r) => {
                write_operand(f, l, matches!(**l, Expr::Or(..)))?;
                f.write_str(" and ")?;
                write_operand(f, r, matches!(**r, Expr::Or(..) | Expr::And(..)))
            }
            Expr::Or(l, r) => {
                write_operand(f, l, false)?;
                f.write_str(" or ")?;
                write_operand(f, r, matches!(**r, Expr::Or(..)))
            }
            Expr::Not(e) => {
                f.write_str("not ")?;
                write_operand(f, e, matches!(**e, Expr::Or(..) | Expr::And(..)))
            }
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, e: &Expr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

/// Parse a (percent-decoded) `$filter` value.
pub fn parse_filter(src: &str) -> Result<Expr, ODataError> {
    parser::parse(src).map_err(|e| e.into_odata(src))
}

/// Internal syntax error with a byte offset; converted to a 1-based character position for the client.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub pos: usize,
    pub message: String,
}

impl SyntaxError {
    pub(crate) fn new(pos: usize, message: impl Into<String>) -> Self {
        SyntaxError {
            pos,
            message: message.into(),
        }
    }

    fn into_odata(self, src: &str) -> ODataError {
        // `get` instead of indexing: the offset is always a char boundary, but never risk a panic.
        let chars = src.get(..self.pos).map_or(0, |s| s.chars().count());
        ODataError::FilterSyntax {
            position: chars + 1,
            message: self.message,
        }
    }
}

#[cfg(test)]
mod tests;
