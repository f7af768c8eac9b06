use super::*;
use chrono::TimeZone;

fn p(s: &str) -> Expr {
    parse_filter(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn perr(s: &str) -> (usize, String) {
    match parse_filter(s) {
        Err(ODataError::FilterSyntax { position, message }) => (position, message),
        other => panic!("{s}: expected a syntax error, got {other:?}"),
    }
}

fn cmp(path: &str, op: CompareOp, value: Literal) -> Expr {
    Expr::Compare {
        path: path.into(),
        op,
        value,
    }
}

fn and(a: Expr, b: Expr) -> Expr {
    Expr::And(Box::new(a), Box::new(b))
}

fn or(a: Expr, b: Expr) -> Expr {
    Expr::Or(Box::new(a), Box::new(b))
}

fn not(a: Expr) -> Expr {
    Expr::Not(Box::new(a))
}

fn s(v: &str) -> Literal {
    Literal::String(v.into())
}

fn i(v: i64) -> Literal {
    Literal::Int(v)
}

#[test]
fn comparisons() {
    for (op, kw) in [
        (CompareOp::Eq, "eq"),
        (CompareOp::Ne, "ne"),
        (CompareOp::Gt, "gt"),
        (CompareOp::Ge, "ge"),
        (CompareOp::Lt, "lt"),
        (CompareOp::Le, "le"),
    ] {
        assert_eq!(p(&format!("a {kw} 1")), cmp("a", op, i(1)));
        assert_eq!(p(&format!("a {} 1", kw.to_uppercase())), cmp("a", op, i(1)));
        // Literal on the left is normalised.
        assert_eq!(p(&format!("1 {kw} a")), cmp("a", op.flipped(), i(1)));
    }
    assert_eq!(p("'x' eq displayName"), cmp("displayName", CompareOp::Eq, s("x")));
}

#[test]
fn literals() {
    assert_eq!(p("a eq 'it''s'"), cmp("a", CompareOp::Eq, s("it's")));
    assert_eq!(p("a eq ''"), cmp("a", CompareOp::Eq, s("")));
    assert_eq!(p("a eq -42"), cmp("a", CompareOp::Eq, i(-42)));
    assert_eq!(p("a eq 4.5"), cmp("a", CompareOp::Eq, Literal::Float(4.5)));
    assert_eq!(p("a eq TRUE"), cmp("a", CompareOp::Eq, Literal::Bool(true)));
    assert_eq!(p("a ne false"), cmp("a", CompareOp::Ne, Literal::Bool(false)));
    assert_eq!(p("a eq Null"), cmp("a", CompareOp::Eq, Literal::Null));
    assert_eq!(
        p("createdDateTime ge 2024-01-01T00:00:00Z"),
        cmp(
            "createdDateTime",
            CompareOp::Ge,
            Literal::DateTime(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().expect("date"))
        )
    );
    assert_eq!(
        p("createdDateTime lt 2024-06-30T12:00:00.5-02:00"),
        cmp(
            "createdDateTime",
            CompareOp::Lt,
            Literal::DateTime(
                Utc.with_ymd_and_hms(2024, 6, 30, 14, 0, 0)
                    .single()
                    .expect("date")
                    + chrono::Duration::milliseconds(500)
            )
        )
    );
    assert_eq!(
        p("id eq 5C0B8B1E-AAAA-4BBB-8CCC-0123456789AB"),
        cmp(
            "id",
            CompareOp::Eq,
            Literal::Guid("5c0b8b1e-aaaa-4bbb-8ccc-0123456789ab".into())
        )
    );
}

#[test]
fn precedence() {
    let a = || cmp("a", CompareOp::Eq, i(1));
    let b = || cmp("b", CompareOp::Eq, i(2));
    let c = || cmp("c", CompareOp::Eq, i(3));
    assert_eq!(p("a eq 1 or b eq 2 and c eq 3"), or(a(), and(b(), c())));
    assert_eq!(p("a eq 1 and b eq 2 or c eq 3"), or(and(a(), b()), c()));
    assert_eq!(p("(a eq 1 or b eq 2) and c eq 3"), and(or(a(), b()), c()));
    assert_eq!(p("a eq 1 and b eq 2 and c eq 3"), and(and(a(), b()), c()));
    assert_eq!(p("not a eq 1 and b eq 2"), and(not(a()), b()));
    assert_eq!(p("not (a eq 1 and b eq 2)"), not(and(a(), b())));
    assert_eq!(p("NOT(a eq 1)"), not(a()));
    assert_eq!(p("not not x"), not(not(Expr::BoolPath("x".into()))));
    assert_eq!(
        p("x and not y"),
        and(Expr::BoolPath("x".into()), not(Expr::BoolPath("y".into())))
    );
    assert_eq!(p("((((a eq 1))))"), a());
}

#[test]
fn in_lists() {
    assert_eq!(
        p("a in ('x')"),
        Expr::In {
            path: "a".into(),
            values: vec![s("x")]
        }
    );
    assert_eq!(
        p("a/b IN ( 1 , 2,3 )"),
        Expr::In {
            path: "a/b".into(),
            values: vec![i(1), i(2), i(3)]
        }
    );
    assert_eq!(
        p("a in ('x', null)"),
        Expr::In {
            path: "a".into(),
            values: vec![s("x"), Literal::Null]
        }
    );
}

#[test]
fn functions() {
    for (text, func) in [
        ("startswith", StringFn::StartsWith),
        ("startsWith", StringFn::StartsWith),
        ("ENDSWITH", StringFn::EndsWith),
        ("endsWith", StringFn::EndsWith),
        ("contains", StringFn::Contains),
    ] {
        assert_eq!(
            p(&format!("{text}(location/building, 'B1')")),
            Expr::StringFn {
                func,
                path: "location/building".into(),
                value: s("B1")
            }
        );
    }
    let sw = || Expr::StringFn {
        func: StringFn::StartsWith,
        path: "a".into(),
        value: s("x"),
    };
    assert_eq!(p("startswith(a,'x') eq true"), sw());
    assert_eq!(p("startswith(a,'x') eq false"), not(sw()));
    assert_eq!(p("true ne startswith(a,'x')"), not(sw()));
    assert_eq!(p("not startswith(a,'x')"), not(sw()));
}

#[test]
fn syntax_errors_have_position_and_expectation() {
    let (pos, msg) = perr("(a eq 1");
    assert_eq!(pos, 8);
    assert!(
        msg.contains("expected ')'") && msg.contains("position 1"),
        "{msg}"
    );

    let (pos, msg) = perr("a eq 1)");
    assert_eq!(pos, 7);
    assert!(msg.contains("unbalanced"), "{msg}");

    let (pos, msg) = perr("a eq");
    assert_eq!(pos, 5);
    assert!(msg.contains("end of the filter"), "{msg}");

    let (pos, msg) = perr("a eq 1 b eq 2");
    assert_eq!(pos, 8);
    assert!(msg.contains("'and', 'or'"), "{msg}");

    let (pos, msg) = perr("émoji eq 1");
    assert_eq!(pos, 1);
    assert!(msg.contains("unexpected character"), "{msg}");

    let (pos, _) = perr("a eq 'é' and b eq #");
    assert_eq!(pos, 19, "positions count characters, not bytes");
    let (_, msg) = perr("a eq 'é' and (b eq 1");
    assert!(msg.contains("'(' at position 14"), "{msg}");
}

#[test]
fn rejected_filters() {
    for bad in [
        "",
        "   ",
        "a eq",
        "eq 1",
        "a eq 1 eq 2",
        "a eq b",
        "1 eq 2",
        "'x'",
        "true",
        "a in ()",
        "a in ('x'",
        "a in 'x'",
        "a in (b)",
        "1 in (1)",
        "a eq 'unterminated",
        "a eq 1..2",
        "a eq 01-01",
        "a eq 2024-02-30T00:00:00Z",
        "a/ eq 1",
        "a//b eq 1",
        "/a eq 1",
        "a/eq eq 1",
        "tolower(a) eq 'x'",
        "startswith(a)",
        "startswith(a, 1)",
        "startswith('x', a)",
        "startswith(a, 'x'",
        "startswith(tolower(a), 'x')",
        "startswith(a,'x') gt true",
        "startswith(a,'x') eq 1",
        "members/any(m: m eq 'x')",
        "a eq @p",
        "(a eq 1))",
        "()",
        "not",
        "a and",
        "or a",
        "a eq 1 and (b eq 2",
    ] {
        assert!(
            matches!(parse_filter(bad), Err(ODataError::FilterSyntax { .. })),
            "accepted {bad:?}"
        );
    }
}

#[test]
fn hostile_inputs_are_bounded() {
    let deep = format!("{}a eq 1{}", "(".repeat(1000), ")".repeat(1000));
    assert!(perr(&deep).1.contains("nested deeper"));
    let nots = format!("{}a", "not ".repeat(1000));
    assert!(parse_filter(&nots).is_err());
    let ok_depth = format!("{}a eq 1{}", "(".repeat(31), ")".repeat(31));
    assert!(parse_filter(&ok_depth).is_ok());

    let chain = vec!["a eq 1"; 1000].join(" and ");
    assert!(perr(&chain).1.contains("terms"));
    let fine = vec!["a eq 1"; 100].join(" or ");
    assert!(parse_filter(&fine).is_ok());

    let list = format!("a in ({})", vec!["1"; crate::limits::MAX_IN_VALUES + 1].join(","));
    assert!(perr(&list).1.contains("at most"));
    let list = format!("a in ({})", vec!["1"; crate::limits::MAX_IN_VALUES].join(","));
    assert!(parse_filter(&list).is_ok());

    let long = format!("a eq '{}'", "x".repeat(crate::limits::MAX_FILTER_LEN));
    assert!(perr(&long).1.contains("longer"));
    let path = ["a"; crate::limits::MAX_PATH_SEGMENTS + 1].join("/");
    assert!(parse_filter(&format!("{path} eq 1")).is_err());
}

#[test]
fn display_is_canonical_and_reparses() {
    for (input, canon) in [
        ("A EQ 'x''y'", "A eq 'x''y'"),
        ("5 LT a", "a gt 5"),
        ("a eq 1.0", "a eq 1.0"),
        ("a eq 1e300", "a eq 1e300"),
        ("(a eq 1 or b eq 2) and c", "(a eq 1 or b eq 2) and c"),
        ("a eq 1 or (b eq 2 or c eq 3)", "a eq 1 or (b eq 2 or c eq 3)"),
        ("a eq 1 and (b eq 2 and c)", "a eq 1 and (b eq 2 and c)"),
        ("(a eq 1 and b) or c", "a eq 1 and b or c"),
        ("not(a eq 1 or b)", "not (a eq 1 or b)"),
        ("NOT(a eq 1)", "not a eq 1"),
        ("StartsWith(a, 'x')", "startswith(a,'x')"),
        ("a IN ('x', 2, null, true)", "a in ('x',2,null,true)"),
        ("d gt 2024-01-01T01:00:00+01:00", "d gt 2024-01-01T00:00:00Z"),
        (
            "d gt 2024-01-01T00:00:00.1234567Z",
            "d gt 2024-01-01T00:00:00.123456700Z",
        ),
    ] {
        let e = p(input);
        assert_eq!(e.to_string(), canon, "{input}");
        assert_eq!(p(canon), e, "{canon}");
    }
}

#[test]
fn paths_lists_each_property_once() {
    let e = p(
        "location/building eq 'a' or not (isFetchable and startswith(displayName,'x')) or location/building in ('b')",
    );
    assert_eq!(e.paths(), vec!["location/building", "isFetchable", "displayName"]);
}
