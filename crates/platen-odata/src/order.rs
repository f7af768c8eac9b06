//! `$orderby` validation, `ORDER BY` rendering and keyset ("seek") paging conditions.
//!
//! Keyset paging instead of OFFSET: the next page starts strictly after the last row's sort-key values,
//! so pages stay stable while jobs are inserted and deep pages cost the same as the first. That needs a
//! total order, hence the unique key appended as the last sort key.

use crate::error::ODataError;
use crate::query::OrderBy;
use crate::sql::{Binds, Field, FieldKind, FieldMap, SqlValue, atom};

/// One validated sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: Field,
    pub descending: bool,
}

/// Validated sort: the $orderby fields (must be sortable) followed by `map.key` ascending as the
/// tie-breaker (not added twice if already in $orderby). Default when $orderby is empty: just the key.
pub fn sort_keys(orderby: &[OrderBy], map: &FieldMap) -> Result<Vec<SortKey>, ODataError> {
    let mut keys: Vec<SortKey> = Vec::with_capacity(orderby.len() + 1);
    for ob in orderby {
        let field = *map.lookup(&ob.path).ok_or_else(|| ODataError::UnknownProperty {
            option: "$orderby",
            property: ob.path.clone(),
        })?;
        if !field.sortable {
            return Err(ODataError::NotSortable(ob.path.clone()));
        }
        if keys.iter().any(|k| k.field.sql == field.sql) {
            return Err(ODataError::option(
                "$orderby",
                format!("property '{}' is listed more than once", ob.path),
            ));
        }
        keys.push(SortKey {
            field,
            descending: ob.descending,
        });
    }
    if !keys.iter().any(|k| k.field.sql == map.key.sql) {
        keys.push(SortKey {
            field: map.key,
            descending: false,
        });
    }
    Ok(keys)
}

/// `ORDER BY` list without the keywords: `"j.created_at DESC, j.id ASC"`.
pub fn render_order_by(keys: &[SortKey]) -> String {
    keys.iter()
        .map(|k| format!("{} {}", k.field.sql, if k.descending { "DESC" } else { "ASC" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Keyset condition "rows strictly after the row whose sort-key values are `after`", e.g. for
/// (a DESC, id ASC): `(a < $3 OR (a = $3 AND id > $4))`. Each value gets one placeholder, reused
/// where the column appears twice. Sortable expressions are non-null (the store guarantees this), so
/// plain comparisons suffice. Values that do not fit the keys (a tampered or stale token) are an error.
pub fn render_keyset(
    keys: &[SortKey],
    after: &[SqlValue],
    first_param: usize,
) -> Result<(String, Vec<SqlValue>), ODataError> {
    if keys.is_empty() || keys.len() != after.len() {
        return Err(ODataError::InvalidSkipToken(
            "it does not match the sort order of this query".into(),
        ));
    }
    let mut binds = Binds::new(first_param);
    let mut parts = Vec::with_capacity(keys.len());
    for (k, v) in keys.iter().zip(after) {
        if !value_fits(k.field.kind, v) {
            return Err(ODataError::InvalidSkipToken(format!(
                "its value for '{}' does not fit the property",
                k.field.path
            )));
        }
        let p = binds.bind(v.clone());
        parts.push((atom(k.field.sql), if k.descending { "<" } else { ">" }, p));
    }
    // Build from the innermost (last) key outwards:
    //   last:   c_n op p_n
    //   others: (c_i op p_i OR (c_i = p_i AND <inner>))
    let mut iter = parts.iter().rev();
    let mut cond = match iter.next() {
        Some((col, op, p)) => format!("{col} {op} {p}"),
        None => return Err(ODataError::InvalidSkipToken("no sort keys".into())),
    };
    for (col, op, p) in iter {
        cond = format!("({col} {op} {p} OR ({col} = {p} AND {cond}))");
    }
    if keys.len() == 1 {
        cond = format!("({cond})");
    }
    Ok((cond, binds.values))
}

fn value_fits(kind: FieldKind, v: &SqlValue) -> bool {
    match (kind, v) {
        (FieldKind::Text, SqlValue::Text(_)) => true,
        (FieldKind::Enum(members), SqlValue::Text(s)) => members.contains(&s.as_str()),
        (FieldKind::Int | FieldKind::DateTime, SqlValue::Int(_)) => true,
        (FieldKind::Bool, SqlValue::Bool(_)) => true,
        // Stores commonly keep Booleans as integer 0/1 and read sort values back as such.
        (FieldKind::Bool, SqlValue::Int(i)) => matches!(i, 0 | 1),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATES: &[&str] = &["pending", "processing"];
    const FIELDS: &[Field] = &[
        Field {
            path: "a",
            sql: "t.a",
            kind: FieldKind::Int,
            filterable: true,
            sortable: true,
        },
        Field {
            path: "b",
            sql: "t.b",
            kind: FieldKind::Text,
            filterable: true,
            sortable: true,
        },
        Field {
            path: "status/state",
            sql: "t.state",
            kind: FieldKind::Enum(STATES),
            filterable: true,
            sortable: true,
        },
        Field {
            path: "hidden",
            sql: "t.hidden",
            kind: FieldKind::Text,
            filterable: true,
            sortable: false,
        },
    ];
    const MAP: FieldMap = FieldMap {
        fields: FIELDS,
        key: Field {
            path: "id",
            sql: "t.id",
            kind: FieldKind::Int,
            filterable: true,
            sortable: true,
        },
    };

    fn ob(path: &str, descending: bool) -> OrderBy {
        OrderBy {
            path: path.into(),
            descending,
        }
    }

    #[test]
    fn default_sort_is_key() {
        let keys = sort_keys(&[], &MAP).expect("keys");
        assert_eq!(render_order_by(&keys), "t.id ASC");
    }

    #[test]
    fn key_appended_once() {
        let keys = sort_keys(&[ob("a", true)], &MAP).expect("keys");
        assert_eq!(render_order_by(&keys), "t.a DESC, t.id ASC");
        let keys = sort_keys(&[ob("id", true), ob("a", false)], &MAP).expect("keys");
        assert_eq!(render_order_by(&keys), "t.id DESC, t.a ASC");
    }

    #[test]
    fn sort_errors() {
        assert_eq!(
            sort_keys(&[ob("nope", false)], &MAP),
            Err(ODataError::UnknownProperty {
                option: "$orderby",
                property: "nope".into()
            })
        );
        assert_eq!(
            sort_keys(&[ob("hidden", false)], &MAP),
            Err(ODataError::NotSortable("hidden".into()))
        );
        assert!(sort_keys(&[ob("a", false), ob("A", true)], &MAP).is_err());
    }

    #[test]
    fn keyset_shapes() {
        let keys = sort_keys(&[], &MAP).expect("keys");
        assert_eq!(
            render_keyset(&keys, &[SqlValue::Int(5)], 1).expect("ks"),
            ("(t.id > $1)".into(), vec![SqlValue::Int(5)])
        );

        let keys = sort_keys(&[ob("a", true)], &MAP).expect("keys");
        assert_eq!(
            render_keyset(&keys, &[SqlValue::Int(9), SqlValue::Int(5)], 3).expect("ks"),
            (
                "(t.a < $3 OR (t.a = $3 AND t.id > $4))".into(),
                vec![SqlValue::Int(9), SqlValue::Int(5)]
            )
        );

        let keys = sort_keys(&[ob("b", false), ob("status/state", true)], &MAP).expect("keys");
        let (sql, vals) = render_keyset(
            &keys,
            &[
                SqlValue::Text("x".into()),
                SqlValue::Text("pending".into()),
                SqlValue::Int(1),
            ],
            1,
        )
        .expect("ks");
        assert_eq!(
            sql,
            "(t.b > $1 OR (t.b = $1 AND (t.state < $2 OR (t.state = $2 AND t.id > $3))))"
        );
        assert_eq!(vals.len(), 3);
    }

    #[test]
    fn keyset_rejects_mismatched_values() {
        let keys = sort_keys(&[ob("a", true)], &MAP).expect("keys");
        assert!(render_keyset(&keys, &[SqlValue::Int(1)], 1).is_err());
        assert!(render_keyset(&keys, &[SqlValue::Text("x".into()), SqlValue::Int(1)], 1).is_err());
        assert!(render_keyset(&keys, &[SqlValue::Null, SqlValue::Int(1)], 1).is_err());
        assert!(render_keyset(&[], &[], 1).is_err());
        let flag = Field {
            path: "flag",
            sql: "t.flag",
            kind: FieldKind::Bool,
            filterable: true,
            sortable: true,
        };
        let keys = [SortKey {
            field: flag,
            descending: false,
        }];
        assert!(render_keyset(&keys, &[SqlValue::Bool(true)], 1).is_ok());
        assert!(render_keyset(&keys, &[SqlValue::Int(1)], 1).is_ok());
        assert!(render_keyset(&keys, &[SqlValue::Int(2)], 1).is_err());
        let keys = sort_keys(&[ob("status/state", false)], &MAP).expect("keys");
        assert!(render_keyset(&keys, &[SqlValue::Text("bogus".into()), SqlValue::Int(1)], 1).is_err());
    }
}
