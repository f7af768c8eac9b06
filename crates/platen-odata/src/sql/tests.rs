use super::*;
use crate::filter::parse_filter;

const STATES: &[&str] = &[
    "pending",
    "processing",
    "paused",
    "stopped",
    "completed",
    "canceled",
    "aborted",
];
const FIELDS: &[Field] = &[
    Field {
        path: "displayName",
        sql: "p.display_name",
        kind: FieldKind::Text,
        filterable: true,
        sortable: true,
    },
    Field {
        path: "copies",
        sql: "j.copies",
        kind: FieldKind::Int,
        filterable: true,
        sortable: true,
    },
    Field {
        path: "isFetchable",
        sql: "j.is_fetchable",
        kind: FieldKind::Bool,
        filterable: true,
        sortable: false,
    },
    Field {
        path: "createdDateTime",
        sql: "j.created_at",
        kind: FieldKind::DateTime,
        filterable: true,
        sortable: true,
    },
    Field {
        path: "status/state",
        sql: "j.state",
        kind: FieldKind::Enum(STATES),
        filterable: true,
        sortable: true,
    },
    Field {
        path: "createdBy/userPrincipalName",
        sql: "j.created_by_upn",
        kind: FieldKind::Text,
        filterable: true,
        sortable: false,
    },
    Field {
        path: "secret",
        sql: "j.secret",
        kind: FieldKind::Text,
        filterable: false,
        sortable: false,
    },
    Field {
        path: "combined",
        sql: "coalesce(a, b)",
        kind: FieldKind::Text,
        filterable: true,
        sortable: false,
    },
];
const MAP: FieldMap = FieldMap {
    fields: FIELDS,
    key: Field {
        path: "id",
        sql: "j.id",
        kind: FieldKind::Int,
        filterable: true,
        sortable: true,
    },
};

fn render(f: &str, d: Dialect, first: usize) -> Result<(String, Vec<SqlValue>), ODataError> {
    render_filter(&parse_filter(f)?, &MAP, d, first)
}

fn sqlite(f: &str) -> (String, Vec<SqlValue>) {
    render(f, Dialect::Sqlite, 1).expect("render")
}

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.into())
}

#[test]
fn text_equality_is_case_insensitive() {
    assert_eq!(
        sqlite("displayName eq 'Test Printer'"),
        ("lower(p.display_name) = $1".into(), vec![text("test printer")])
    );
    assert_eq!(
        render("displayName eq 'Test Printer'", Dialect::Postgres, 3).expect("pg"),
        (
            "lower(p.display_name COLLATE \"C\") = $3".into(),
            vec![text("test printer")]
        )
    );
    assert_eq!(
        sqlite("'A@B.C' eq createdBy/userPrincipalName"),
        ("lower(j.created_by_upn) = $1".into(), vec![text("a@b.c")])
    );
}

#[test]
fn ne_includes_nulls() {
    assert_eq!(
        sqlite("displayName ne 'x'"),
        (
            "(p.display_name IS NULL OR lower(p.display_name) <> $1)".into(),
            vec![text("x")]
        )
    );
    assert_eq!(
        sqlite("copies ne 2"),
        (
            "(j.copies IS NULL OR j.copies <> $1)".into(),
            vec![SqlValue::Int(2)]
        )
    );
}

#[test]
fn null_comparisons() {
    assert_eq!(
        sqlite("displayName eq null"),
        ("p.display_name IS NULL".into(), vec![])
    );
    assert_eq!(sqlite("null ne copies"), ("j.copies IS NOT NULL".into(), vec![]));
    assert!(matches!(
        render("copies gt null", Dialect::Sqlite, 1),
        Err(ODataError::TypeMismatch { .. })
    ));
}

#[test]
fn ordering_comparisons() {
    assert_eq!(
        sqlite("copies ge 2"),
        ("j.copies >= $1".into(), vec![SqlValue::Int(2)])
    );
    assert_eq!(
        sqlite("2 lt copies"),
        ("j.copies > $1".into(), vec![SqlValue::Int(2)])
    );
    assert_eq!(
        sqlite("displayName gt 'M'"),
        ("p.display_name > $1".into(), vec![text("M")])
    );
    assert_eq!(
        render("displayName gt 'M'", Dialect::Postgres, 1).expect("pg"),
        ("p.display_name COLLATE \"C\" > $1".into(), vec![text("M")])
    );
    assert_eq!(
        sqlite("createdDateTime lt 2024-01-01T00:00:01Z"),
        (
            "j.created_at < $1".into(),
            vec![SqlValue::Int(1_704_067_201_000_000)]
        )
    );
}

#[test]
fn bool_and_enum() {
    assert_eq!(
        sqlite("isFetchable"),
        ("j.is_fetchable = $1".into(), vec![SqlValue::Bool(true)])
    );
    assert_eq!(
        sqlite("isFetchable eq false"),
        ("j.is_fetchable = $1".into(), vec![SqlValue::Bool(false)])
    );
    assert_eq!(
        sqlite("status/state eq 'processing'"),
        ("j.state = $1".into(), vec![text("processing")])
    );
    // Enum members are case-sensitive.
    let e = render("status/state eq 'Processing'", Dialect::Sqlite, 1).expect_err("case");
    assert!(e.message().contains("not a valid value"), "{e}");
    assert!(render("status/state gt 'processing'", Dialect::Sqlite, 1).is_err());
    assert!(render("isFetchable gt true", Dialect::Sqlite, 1).is_err());
    assert!(render("copies", Dialect::Sqlite, 1).is_err());
}

#[test]
fn in_lists() {
    assert_eq!(
        sqlite("displayName in ('X','y')"),
        (
            "lower(p.display_name) IN ($1, $2)".into(),
            vec![text("x"), text("y")]
        )
    );
    assert_eq!(
        sqlite("status/state in ('pending','paused')"),
        (
            "j.state IN ($1, $2)".into(),
            vec![text("pending"), text("paused")]
        )
    );
    assert_eq!(
        sqlite("copies in (1, null)"),
        (
            "(j.copies IS NULL OR j.copies IN ($1))".into(),
            vec![SqlValue::Int(1)]
        )
    );
    assert_eq!(sqlite("copies in (null)"), ("j.copies IS NULL".into(), vec![]));
    assert!(render("copies in (1, 'x')", Dialect::Sqlite, 1).is_err());
}

#[test]
fn string_functions() {
    assert_eq!(
        sqlite("startswith(displayName,'Ab%_\\')"),
        (
            "lower(p.display_name) LIKE $1 ESCAPE '\\'".into(),
            vec![text("ab\\%\\_\\\\%")]
        )
    );
    assert_eq!(sqlite("endsWith(displayName,'X')").1, vec![text("%x")]);
    assert_eq!(sqlite("contains(displayName,'X')").1, vec![text("%x%")]);
    assert_eq!(
        render("contains(displayName,'x')", Dialect::Postgres, 1)
            .expect("pg")
            .0,
        "lower(p.display_name COLLATE \"C\") LIKE $1 ESCAPE '\\'"
    );
    assert!(render("contains(copies,'1')", Dialect::Sqlite, 1).is_err());
    assert!(render("startswith(status/state,'p')", Dialect::Sqlite, 1).is_err());
}

#[test]
fn boolean_structure_and_numbering() {
    let (sql, vals) = render(
        "(displayName eq 'a' or copies gt 1) and not isFetchable and status/state eq 'paused'",
        Dialect::Sqlite,
        4,
    )
    .expect("render");
    assert_eq!(
        sql,
        "(((lower(p.display_name) = $4 OR j.copies > $5) AND NOT COALESCE(j.is_fetchable = $6, FALSE)) \
         AND j.state = $7)"
    );
    assert_eq!(
        vals,
        vec![text("a"), SqlValue::Int(1), SqlValue::Bool(true), text("paused")]
    );
    // first_param 0 is clamped to 1.
    assert_eq!(
        render("copies eq 1", Dialect::Sqlite, 0).expect("render").0,
        "j.copies = $1"
    );
}

#[test]
fn compound_column_expressions_are_parenthesised() {
    assert_eq!(sqlite("combined eq null").0, "(coalesce(a, b)) IS NULL");
    assert_eq!(sqlite("combined eq 'x'").0, "lower((coalesce(a, b))) = $1");
}

#[test]
fn field_errors() {
    let e = render("nope eq 1", Dialect::Sqlite, 1).expect_err("unknown");
    assert_eq!(
        e,
        ODataError::UnknownProperty {
            option: "$filter",
            property: "nope".into()
        }
    );
    assert!(e.message().contains("'nope'"));
    assert_eq!(
        render("secret eq 'x'", Dialect::Sqlite, 1).expect_err("not filterable"),
        ODataError::NotFilterable("secret".into())
    );
    let e = render("copies eq 'x'", Dialect::Sqlite, 1).expect_err("type");
    assert!(
        e.message().contains("copies") && e.message().contains("integer"),
        "{e}"
    );
    assert!(render("copies eq 1.5", Dialect::Sqlite, 1).is_err());
    assert!(render("createdDateTime eq '2024-01-01'", Dialect::Sqlite, 1).is_err());
    // Key is filterable even though it's not in `fields`; lookup is case-insensitive.
    assert_eq!(sqlite("ID eq 7"), ("j.id = $1".into(), vec![SqlValue::Int(7)]));
    assert_eq!(sqlite("DisplayName eq 'a'").0, "lower(p.display_name) = $1");
}

#[test]
fn guid_literals_fit_text() {
    assert_eq!(
        sqlite("displayName eq 0B2A7C1E-0000-4000-8000-00000000000A"),
        (
            "lower(p.display_name) = $1".into(),
            vec![text("0b2a7c1e-0000-4000-8000-00000000000a")]
        )
    );
}

#[test]
fn enum_error_lists_are_capped() {
    let many: Vec<&str> = (0..20).map(|_| "x").collect();
    let s = member_list(&many);
    assert!(s.ends_with("(8 more)"), "{s}");
}
