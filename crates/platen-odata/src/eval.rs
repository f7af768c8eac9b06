//! Evaluating a `$filter` against one JSON document in memory: used where a filter must be checked for a single
//! entity rather than a table (a subscription's `notificationQueryOptions` against a changed job).

use crate::filter::{CompareOp, Expr, Literal, StringFn};
use serde_json::Value;

fn lookup<'a>(doc: &'a Value, path: &str) -> &'a Value {
    path.split('/').fold(doc, |v, seg| {
        v.as_object()
            .and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(seg))
                    .map(|(_, v)| v)
            })
            .unwrap_or(&Value::Null)
    })
}

fn literal(l: &Literal) -> Value {
    match l {
        Literal::String(s) | Literal::Guid(s) => Value::String(s.clone()),
        Literal::Int(i) => Value::from(*i),
        Literal::Float(f) => Value::from(*f),
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Null => Value::Null,
        Literal::DateTime(d) => Value::String(d.to_rfc3339()),
    }
}

fn compare(a: &Value, op: CompareOp, b: &Value) -> bool {
    use std::cmp::Ordering;
    let ord = match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().zip(y.as_f64()).and_then(|(x, y)| x.partial_cmp(&y))
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    };
    match (op, ord) {
        (CompareOp::Eq, o) => o == Some(Ordering::Equal),
        (CompareOp::Ne, o) => o != Some(Ordering::Equal),
        (CompareOp::Gt, Some(o)) => o == Ordering::Greater,
        (CompareOp::Ge, Some(o)) => o != Ordering::Less,
        (CompareOp::Lt, Some(o)) => o == Ordering::Less,
        (CompareOp::Le, Some(o)) => o != Ordering::Greater,
        (_, None) => false,
    }
}

/// Whether `doc` satisfies `expr` (property names matched case-insensitively, strings compared case-insensitively
/// as the SQL renderer does).
pub fn evaluate(expr: &Expr, doc: &Value) -> bool {
    match expr {
        Expr::Compare { path, op, value } => compare(lookup(doc, path), *op, &literal(value)),
        Expr::In { path, values } => {
            let v = lookup(doc, path);
            values.iter().any(|l| compare(v, CompareOp::Eq, &literal(l)))
        }
        Expr::StringFn { func, path, value } => {
            let (Some(hay), Value::String(needle)) = (lookup(doc, path).as_str(), literal(value)) else {
                return false;
            };
            let (hay, needle) = (hay.to_lowercase(), needle.to_lowercase());
            match func {
                StringFn::StartsWith => hay.starts_with(&needle),
                StringFn::EndsWith => hay.ends_with(&needle),
                StringFn::Contains => hay.contains(&needle),
            }
        }
        Expr::BoolPath(path) => lookup(doc, path) == &Value::Bool(true),
        Expr::And(a, b) => evaluate(a, doc) && evaluate(b, doc),
        Expr::Or(a, b) => evaluate(a, doc) || evaluate(b, doc),
        Expr::Not(e) => !evaluate(e, doc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_filter;
    use serde_json::json;

    #[test]
    fn evaluates_print_filters() {
        let job = json!({"isFetchable": true, "status": {"state": "pending"}, "createdBy": {"userPrincipalName": "Ann@x"}});
        for (f, want) in [
            ("isFetchable eq true", true),
            ("isFetchable", true),
            ("isFetchable eq false", false),
            (
                "status/state eq 'pending' and createdBy/userPrincipalName eq 'ann@x'",
                true,
            ),
            ("not (status/state in ('canceled','aborted'))", true),
            ("startswith(createdBy/userPrincipalName,'ann')", true),
            ("status/state eq 'completed' or isFetchable eq false", false),
        ] {
            assert_eq!(evaluate(&parse_filter(f).unwrap(), &job), want, "{f}");
        }
    }
}
