use super::*;
use serde_json::json;

fn at(s: &str) -> Micros {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_micros())
        .unwrap_or_default()
}

fn rule(
    id: &str,
    subject: QuotaSubject,
    period: QuotaPeriod,
    pages: Option<i64>,
    overdraft: i64,
) -> QuotaRule {
    QuotaRule {
        tenant_id: "t".into(),
        id: id.into(),
        subject,
        period,
        pages,
        overdraft,
        created_at: 0,
    }
}

#[test]
fn periods_start_at_utc_midnight_monday_and_the_first() {
    let t = at("2026-12-09T15:30:00Z"); // a Wednesday
    assert_eq!(QuotaPeriod::Day.start_of(t), at("2026-12-09T00:00:00Z"));
    assert_eq!(QuotaPeriod::Week.start_of(t), at("2026-12-07T00:00:00Z"));
    assert_eq!(QuotaPeriod::Month.start_of(t), at("2026-12-01T00:00:00Z"));
    assert_eq!(
        QuotaPeriod::Day.next_start(at("2026-12-31T00:00:00Z")),
        at("2027-01-01T00:00:00Z")
    );
    assert_eq!(
        QuotaPeriod::Week.next_start(at("2026-12-28T00:00:00Z")),
        at("2027-01-04T00:00:00Z")
    );
    assert_eq!(
        QuotaPeriod::Month.next_start(at("2026-12-01T00:00:00Z")),
        at("2027-01-01T00:00:00Z")
    );
    assert_eq!(
        QuotaPeriod::Month.next_start(at("2027-02-01T00:00:00Z")),
        at("2027-03-01T00:00:00Z")
    );
    // The last microsecond of a period belongs to it; the next one starts the next.
    let last = at("2027-01-01T00:00:00Z") - 1;
    assert_eq!(QuotaPeriod::Month.start_of(last), at("2026-12-01T00:00:00Z"));
    assert_eq!(QuotaPeriod::Month.start_of(last + 1), at("2027-01-01T00:00:00Z"));
    for p in QuotaPeriod::ALL {
        assert_eq!(QuotaPeriod::parse(p.as_str()), Some(p));
    }
    assert_eq!(QuotaPeriod::parse("year"), None);
}

#[test]
fn a_users_own_rule_wins_over_every_group_rule() {
    let rules = vec![
        rule(
            "g",
            QuotaSubject::Group("staff".into()),
            QuotaPeriod::Month,
            None,
            0,
        ),
        rule(
            "u",
            QuotaSubject::User("alice".into()),
            QuotaPeriod::Week,
            Some(10),
            0,
        ),
    ];
    assert_eq!(governing_rule(&rules, "ALICE").map(|r| r.id.as_str()), Some("u"));
    assert_eq!(governing_rule(&rules, "bob").map(|r| r.id.as_str()), Some("g"));
    assert_eq!(governing_rule(&[], "bob"), None);
}

#[test]
fn among_group_rules_the_most_generous_per_day_governs() {
    let students = rule(
        "s",
        QuotaSubject::Group("s".into()),
        QuotaPeriod::Month,
        Some(500),
        0,
    );
    let lab = rule(
        "l",
        QuotaSubject::Group("l".into()),
        QuotaPeriod::Day,
        Some(20),
        0,
    );
    let staff = rule("x", QuotaSubject::Group("x".into()), QuotaPeriod::Week, None, 0);
    // 20 a day beats 500 a month (about 16.7 a day).
    let pick = |rules: &[QuotaRule]| governing_rule(rules, "u").map(|r| r.id.clone());
    assert_eq!(pick(&[students.clone(), lab.clone()]), Some("l".into()));
    assert_eq!(pick(&[lab.clone(), students.clone(), staff]), Some("x".into()));
    // Overdraft counts: 490 + 130 a month beats 20 a day.
    let generous = QuotaRule {
        overdraft: 130,
        ..students
    };
    assert_eq!(pick(&[lab, generous]), Some("s".into()));
}

#[test]
fn the_estimate_counts_ranges_sides_and_copies() {
    assert_eq!(estimate_pages(&[Some(10)], &json!({})), 10);
    assert_eq!(estimate_pages(&[Some(10)], &json!({"copies": 3})), 30);
    // Pages 2–4 and 3–6 overlap: pages 2..=6 (5), plus 9–20 clipped to 9..=10 (2).
    let ranges =
        json!({"pageRanges": [{"start": 3, "end": 6}, {"start": 2, "end": 4}, {"start": 9, "end": 20}]});
    assert_eq!(estimate_pages(&[Some(10)], &ranges), 7);
    // Four pages per side: 10 pages are 3 sides.
    assert_eq!(
        estimate_pages(&[Some(10)], &json!({"pagesPerSheet": 4, "copies": 2})),
        6
    );
    // Several documents add up; an uncountable one counts as one page.
    assert_eq!(estimate_pages(&[Some(2), None], &json!({})), 3);
    // Never nothing: a job that starts holds at least a page.
    assert_eq!(estimate_pages(&[Some(0)], &json!({})), 1);
    assert_eq!(estimate_pages(&[], &json!({})), 1);
    // Ranges outside the document print nothing of it.
    assert_eq!(
        estimate_pages(
            &[Some(3), Some(10)],
            &json!({"pageRanges": [{"start": 5, "end": 5}]})
        ),
        1
    );
}

#[test]
fn the_charge_at_end_is_what_the_device_reported() {
    let reported = PrintCounts {
        pages: Some(7),
        ..PrintCounts::default()
    };
    let none = PrintCounts::default();
    assert_eq!(charge_at_end(JobPhase::Completed, &reported, 10), 7);
    assert_eq!(charge_at_end(JobPhase::Completed, &none, 10), 10);
    assert_eq!(charge_at_end(JobPhase::Canceled, &none, 10), 0);
    assert_eq!(charge_at_end(JobPhase::Aborted, &reported, 10), 7);
}

#[test]
fn the_balance_and_the_refusal_say_what_is_left() {
    let r = rule(
        "u",
        QuotaSubject::User("u".into()),
        QuotaPeriod::Month,
        Some(100),
        10,
    );
    let account = QuotaAccount {
        user_id: "u".into(),
        period: QuotaPeriod::Month,
        period_start: at("2026-12-01T00:00:00Z"),
        charged: 90,
        held: 15,
        credited: 2,
    };
    let balance = Balance {
        rule: r.clone(),
        account: account.clone(),
        resets_at: at("2027-01-01T00:00:00Z"),
    };
    assert_eq!(balance.remaining(), Some(7));
    let unlimited = Balance {
        rule: QuotaRule { pages: None, ..r },
        ..balance
    };
    assert_eq!(unlimited.remaining(), None);
    let reservation = QuotaReservation {
        hold: QuotaHold {
            user_id: "u".into(),
            period: QuotaPeriod::Month,
            period_start: at("2026-12-01T00:00:00Z"),
            pages: 8,
        },
        allowance: 110,
    };
    assert_eq!(
        refusal(&reservation, &account),
        "This job needs 8 pages and your print quota has 7 left this month (it resets on 2027-01-01T00:00:00Z)."
    );
}
