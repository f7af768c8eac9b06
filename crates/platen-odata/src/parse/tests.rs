use super::*;
use crate::filter::{CompareOp, Expr, Literal, StringFn};

fn q(raw: &str) -> QueryOptions {
    parse_query(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

fn err(raw: &str) -> ODataError {
    parse_query(raw).expect_err(raw)
}

fn cmp(path: &str, op: CompareOp, value: Literal) -> Expr {
    Expr::Compare {
        path: path.into(),
        op,
        value,
    }
}

fn s(v: &str) -> Literal {
    Literal::String(v.into())
}

#[test]
fn python_sdk_list_printers() {
    let o = q("$filter=displayName%20eq%20%27Test%20Printer%27&$select=id,displayName&$top=5");
    assert_eq!(
        o.filter,
        Some(cmp("displayName", CompareOp::Eq, s("Test Printer")))
    );
    assert_eq!(o.select, Some(vec!["id".to_owned(), "displayName".to_owned()]));
    assert_eq!(o.top, Some(5));
    assert_eq!(
        o.present(),
        vec![QueryOption::Select, QueryOption::Filter, QueryOption::Top]
    );
}

#[test]
fn node_sdk_order_and_unencoded_dollar() {
    let o = q("$top=5&$filter=displayName%20eq%20%27Test%20Printer%27&$select=id,displayName");
    assert_eq!(o.top, Some(5));
    assert!(o.filter.is_some());
}

#[test]
fn documented_print_filters() {
    assert_eq!(
        q("$filter=createdBy/userPrincipalName eq 'a@b.c'").filter,
        Some(cmp("createdBy/userPrincipalName", CompareOp::Eq, s("a@b.c")))
    );
    assert_eq!(
        q("$filter=status/state%20eq%20'processing'").filter,
        Some(cmp("status/state", CompareOp::Eq, s("processing")))
    );
    assert_eq!(
        q("$filter=isFetchable eq true").filter,
        Some(cmp("isFetchable", CompareOp::Eq, Literal::Bool(true)))
    );
    assert_eq!(
        q("$filter=isFetchable").filter,
        Some(Expr::BoolPath("isFetchable".into()))
    );
    assert_eq!(
        q("$filter=not(x eq 1)").filter,
        Some(Expr::Not(Box::new(cmp("x", CompareOp::Eq, Literal::Int(1)))))
    );
    assert_eq!(
        q("$filter=a in ('x','y')").filter,
        Some(Expr::In {
            path: "a".into(),
            values: vec![s("x"), s("y")]
        })
    );
}

#[test]
fn dollar_is_optional_and_names_are_case_insensitive() {
    let o = q("filter=a eq 1&TOP=3&%24Skip=2&$Count=TRUE&$ORDERBY=a desc");
    assert!(o.filter.is_some());
    assert_eq!((o.top, o.skip, o.count), (Some(3), Some(2), Some(true)));
    assert_eq!(
        o.orderby,
        vec![OrderBy {
            path: "a".into(),
            descending: true
        }]
    );
    assert_eq!(q("?$top=1").top, Some(1));
}

#[test]
fn plus_means_space_but_encoded_plus_does_not() {
    assert_eq!(
        q("$filter=a+eq+'x+y'").filter,
        Some(cmp("a", CompareOp::Eq, s("x y")))
    );
    assert_eq!(
        q("$filter=a+eq+'x%2By'").filter,
        Some(cmp("a", CompareOp::Eq, s("x+y")))
    );
    assert_eq!(
        q("$filter=a%20eq%20'x%26y%3Dz'").filter,
        Some(cmp("a", CompareOp::Eq, s("x&y=z")))
    );
}

#[test]
fn non_system_parameters_are_ignored() {
    let o = q("tempauthtoken=abc&validationToken=x%20y&$top=1&foo&=bar&&api-version=2");
    assert_eq!(o.top, Some(1));
    assert_eq!(o.present(), vec![QueryOption::Top]);
    // Even undecodable ones.
    assert_eq!(q("x%FF=1&y=%FF").present(), vec![]);
    assert_eq!(q(""), QueryOptions::default());
}

#[test]
fn all_options() {
    let o = q(
        "$select=*&$filter=a eq 1&$orderby=b/c,d ASC&$top=0&$skip=10&$skiptoken=abc-_&$count=false\
               &$expand=documents&$search=%22printer%22&$format=json&$id=https%3A%2F%2Fx%2Fusers%2F1",
    );
    assert_eq!(o.select, Some(vec!["*".to_owned()]));
    assert_eq!(
        o.orderby,
        vec![
            OrderBy {
                path: "b/c".into(),
                descending: false
            },
            OrderBy {
                path: "d".into(),
                descending: false
            }
        ]
    );
    assert_eq!(o.top, Some(0));
    assert_eq!(o.skiptoken.as_deref(), Some("abc-_"));
    assert_eq!(o.count, Some(false));
    assert_eq!(o.search.as_deref(), Some("\"printer\""));
    assert_eq!(o.format.as_deref(), Some("json"));
    assert_eq!(o.id.as_deref(), Some("https://x/users/1"));
    assert_eq!(o.present(), QueryOption::ALL.to_vec());
    // `$id` names an entity: never inside `$expand`.
    assert!(parse_query("$expand=documents($id=x)").is_err());
}

#[test]
fn expand_with_nested_options() {
    let o = q("$expand=documents($select=id,displayName;$filter=displayName eq 'a;b,c)';$top=2),tasks");
    assert_eq!(o.expand.len(), 2);
    let d = &o.expand[0];
    assert_eq!(d.path, "documents");
    assert_eq!(
        d.options.select,
        Some(vec!["id".to_owned(), "displayName".to_owned()])
    );
    assert_eq!(
        d.options.filter,
        Some(cmp("displayName", CompareOp::Eq, s("a;b,c)")))
    );
    assert_eq!(d.options.top, Some(2));
    assert_eq!(
        o.expand[1],
        Expand {
            path: "tasks".into(),
            options: QueryOptions::default()
        }
    );

    // Nested expand, '$' optional inside too.
    let o = q("$expand=shares(expand=printer($select=id))");
    assert_eq!(
        o.expand[0].options.expand[0].options.select,
        Some(vec!["id".to_owned()])
    );
    // Nested values are not decoded twice.
    let o = q("$expand=documents(%24filter%3DdisplayName%20eq%20'100%2525')");
    assert_eq!(
        o.expand[0].options.filter,
        Some(cmp("displayName", CompareOp::Eq, s("100%25")))
    );
}

#[test]
fn expand_errors() {
    for raw in [
        "$expand=documents(",
        "$expand=documents()",
        "$expand=documents($select=id))",
        "$expand=documents($select=id)x",
        "$expand=documents($bogus=1)",
        "$expand=documents($top=1;$top=2)",
        "$expand=documents($skiptoken=x)",
        "$expand=documents($select=)",
        "$expand=,tasks",
        "$expand=a b",
        "$expand=a($expand=b($expand=c($expand=d)))",
        "$expand=documents($filter=a eq 'x)",
    ] {
        let e = err(raw);
        assert!(
            matches!(
                e,
                ODataError::InvalidOption { .. } | ODataError::DuplicateOption(_)
            ),
            "{raw}: {e:?}"
        );
    }
}

#[test]
fn option_errors() {
    assert_eq!(err("$top=1&top=2"), ODataError::DuplicateOption("$top".into()));
    assert_eq!(
        err("$filter=a eq 1&$FILTER=b eq 1"),
        ODataError::DuplicateOption("$filter".into())
    );
    assert_eq!(err("$apply=x"), ODataError::UnknownOption("$apply".into()));
    assert_eq!(err("%24levels=2"), ODataError::UnknownOption("$levels".into()));
    for raw in [
        "$top=",
        "$top",
        "$filter=",
        "$filter=%20",
        "$select=",
        "$orderby=",
        "$skiptoken=",
        "$count=",
        "$search=",
        "$format=",
        "$expand=",
        "$top=-1",
        "$top=1.5",
        "$top=abc",
        "$top=%2B5",
        "$top=1e3",
        "$top=99999999999999999999999",
        "$top=2147483648",
        "$skip=-3",
        "$count=yes",
        "$select=id,,name",
        "$select=id,",
        "$select=display-name",
        "$select=a/b",
        "$orderby=a sideways",
        "$orderby=a desc extra",
        "$orderby=a,,b",
        "$orderby=a/",
        "$orderby=a,A desc",
        "$filter=%FF",
    ] {
        let e = err(raw);
        assert!(
            matches!(
                e,
                ODataError::InvalidOption { .. } | ODataError::FilterSyntax { .. }
            ),
            "{raw}: {e:?}"
        );
        assert_eq!(e.status(), 400);
    }
    assert_eq!(q("$top=2147483647").top, Some(2_147_483_647));
    assert!(matches!(
        err(&"a".repeat(MAX_QUERY_LEN + 1)),
        ODataError::InvalidQuery(_)
    ));
}

#[test]
fn error_messages_are_useful() {
    let e = err("$top=-1");
    assert_eq!(
        e.message(),
        "Invalid value for query option '$top': '-1' is not a non-negative integer"
    );
    assert_eq!(
        (e.code(), e.inner_code()),
        ("invalidRequest", "invalidQueryOption")
    );
    let e = err("$filter=(a eq 1");
    assert!(
        e.message().contains("position") && e.message().contains("')'"),
        "{e}"
    );
}

#[test]
fn ensure_supported() {
    let o = q("$top=1&$count=true");
    assert_eq!(o.ensure_supported(&[QueryOption::Search]), Ok(()));
    let e = o
        .ensure_supported(&[QueryOption::Search, QueryOption::Count])
        .expect_err("count");
    assert_eq!(e, ODataError::UnsupportedOption(QueryOption::Count));
    assert_eq!(e.code(), "notSupported");
    assert!(e.message().contains("$count"));
}

#[test]
fn string_function_query() {
    let o = q("$filter=startsWith(displayName,'Floor%203')");
    assert_eq!(
        o.filter,
        Some(Expr::StringFn {
            func: StringFn::StartsWith,
            path: "displayName".into(),
            value: s("Floor 3")
        })
    );
}

#[test]
fn next_link_keeps_options_and_replaces_paging() {
    let raw = "$filter=displayName%20eq%20%27x%27&$top=5&$skip=10&tempauthtoken=t&%24skiptoken=old&Skip=3";
    let next = next_link_query(raw, "NEW-token_1");
    assert_eq!(
        next,
        "$filter=displayName%20eq%20%27x%27&$top=5&tempauthtoken=t&$skiptoken=NEW-token_1"
    );
    let o = q(&next);
    assert_eq!(o.skiptoken.as_deref(), Some("NEW-token_1"));
    assert_eq!(o.skip, None);
    assert_eq!(o.top, Some(5));

    assert_eq!(next_link_query("", "t"), "$skiptoken=t");
    assert_eq!(
        next_link_query("?$top=1&", "a b/c"),
        "$top=1&$skiptoken=a%20b%2Fc"
    );
}

#[test]
fn split_top_level_respects_quotes_and_parens() {
    assert_eq!(
        split_top_level("a,b(c,d),'e,f'", b',').expect("split"),
        vec!["a", "b(c,d)", "'e,f'"]
    );
    assert_eq!(
        split_top_level("'it''s,x',y", b',').expect("split"),
        vec!["'it''s,x'", "y"]
    );
    assert!(split_top_level("a)", b',').is_err());
    assert!(split_top_level("(a", b',').is_err());
}

/// Regression found by the `odata_query` fuzz target: `??$select=…` was read with its options ignored (one `?`
/// stripped, `?$select` not an option) while its next link dropped that `?`, so page two meant another query.
#[test]
fn leading_question_marks_mean_the_same_on_every_page() {
    let raw = "??$select=id&$top=1";
    let first = parse_query(raw).unwrap();
    assert_eq!(first.select.as_deref(), Some(&["id".to_string()][..]));
    let next = next_link_query(raw, "T");
    let second = parse_query(&next).unwrap();
    assert_eq!(second.select, first.select);
    assert_eq!(second.skiptoken.as_deref(), Some("T"));
}

/// Regression found by the `odata_query` fuzz target: `&?$fistll` ignores the parameter `?$fistll` (not a system
/// option); its next link put it first, where the next request's leading `?` was dropped, making it `$fistll`.
#[test]
fn a_kept_parameter_starting_with_a_question_mark_stays_not_ours_on_the_next_page() {
    let raw = "&?$fistll&$top=1";
    let first = parse_query(raw).unwrap();
    let next = next_link_query(raw, "T");
    let second = parse_query(&next).unwrap_or_else(|e| panic!("{next}: {e}"));
    assert_eq!(second.top, first.top);
    assert_eq!(second.skiptoken.as_deref(), Some("T"));
}
