use super::*;
use serde_json::json;

fn policy(name: &str, target: PolicyTarget) -> PrintPolicy {
    PrintPolicy {
        tenant_id: TenantId::from("t"),
        id: name.to_lowercase(),
        display_name: name.into(),
        target,
        force_monochrome: false,
        force_duplex: false,
        max_document_bytes: None,
        max_pages: None,
        created_at: 0,
    }
}

fn printer(id: &str) -> PolicyTarget {
    PolicyTarget::Printer(PrinterId::from(id))
}

#[test]
fn a_policy_governs_its_printer_or_its_group_members() {
    let on_printer = policy("A", printer("p1"));
    assert!(on_printer.applies_to("p1", &[]));
    assert!(!on_printer.applies_to("p2", &["g".into()]));
    let on_group = policy("B", PolicyTarget::Group("g1".into()));
    assert!(on_group.applies_to("any", &["g0".into(), "G1".into()]));
    assert!(!on_group.applies_to("any", &["g0".into()]));
}

#[test]
fn monochrome_and_duplex_are_written_into_the_configuration_with_a_reason() {
    let mut p = policy("Save paper", printer("p"));
    p.force_monochrome = true;
    p.force_duplex = true;
    let caps = json!({"colorModes": ["color", "grayscale"], "duplexModes": ["oneSided", "flipOnShortEdge"]});
    let asked = json!({"colorMode": "color", "copies": 2});
    match apply(&[p], &asked, 10, None, &caps) {
        Verdict::Changed(PolicyChange {
            configuration,
            reason,
        }) => {
            assert_eq!(
                configuration,
                json!({"colorMode": "grayscale", "duplexMode": "flipOnShortEdge", "copies": 2})
            );
            assert_eq!(
                reason,
                "Printed in black and white and two-sided by the print policy 'Save paper'."
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_undescribed_capability_takes_the_preferred_value_and_a_compliant_job_is_unchanged() {
    let mut p = policy("Mono", printer("p"));
    p.force_monochrome = true;
    p.force_duplex = true;
    match apply(std::slice::from_ref(&p), &json!({}), 10, None, &Value::Null) {
        Verdict::Changed(PolicyChange { configuration, .. }) => {
            assert_eq!(
                configuration,
                json!({"colorMode": "blackAndWhite", "duplexMode": "flipOnLongEdge"})
            );
        }
        other => panic!("{other:?}"),
    }
    let compliant = json!({"colorMode": "grayscale", "duplexMode": "flipOnLongEdge"});
    assert_eq!(
        apply(&[p], &compliant, 10, None, &Value::Null),
        Verdict::Unchanged
    );
}

#[test]
fn a_printer_that_offers_no_monochrome_is_left_as_asked() {
    let mut p = policy("Mono", printer("p"));
    p.force_monochrome = true;
    let caps = json!({"colorModes": ["color"]});
    assert_eq!(
        apply(&[p], &json!({"colorMode": "color"}), 1, None, &caps),
        Verdict::Unchanged
    );
}

#[test]
fn the_smallest_size_cap_refuses_and_names_its_policy() {
    let mut small = policy("Small", printer("p"));
    small.max_document_bytes = Some(1024 * 1024);
    let mut mono = policy("Mono", PolicyTarget::Group("g".into()));
    mono.force_monochrome = true;
    let verdict = apply(
        &[mono.clone(), small.clone()],
        &json!({}),
        3 * 1024 * 1024,
        None,
        &Value::Null,
    );
    assert_eq!(
        verdict,
        Verdict::Refused(
            "The print policy 'Small' allows documents of at most 1.0 MiB; this document has 3.0 MiB.".into()
        )
    );
    // At the cap exactly, the job passes (and the other policy still applies).
    assert!(matches!(
        apply(&[mono, small], &json!({}), 1024 * 1024, None, &Value::Null),
        Verdict::Changed(_)
    ));
}

#[test]
fn a_page_cap_refuses_a_longer_job_and_passes_an_uncounted_one() {
    let mut short = policy("Short", PolicyTarget::Group("g".into()));
    short.max_pages = Some(20);
    assert_eq!(
        apply(
            std::slice::from_ref(&short),
            &json!({}),
            1,
            Some(21),
            &Value::Null
        ),
        Verdict::Refused(
            "The print policy 'Short' allows jobs of at most 20 pages; this job would print 21.".into()
        )
    );
    assert_eq!(
        apply(
            std::slice::from_ref(&short),
            &json!({}),
            1,
            Some(20),
            &Value::Null
        ),
        Verdict::Unchanged
    );
    // A format whose pages cannot be counted before printing is not refused.
    assert_eq!(
        apply(&[short], &json!({}), 1, None, &Value::Null),
        Verdict::Unchanged
    );
}

#[test]
fn several_policies_are_named_together() {
    let mut a = policy("A", printer("p"));
    a.force_monochrome = true;
    let mut b = policy("B", PolicyTarget::Group("g".into()));
    b.force_duplex = true;
    let c = policy("C", printer("p"));
    match apply(&[a, b, c], &json!({}), 1, None, &Value::Null) {
        Verdict::Changed(PolicyChange { reason, .. }) => assert_eq!(
            reason,
            "Printed in black and white and two-sided by the print policies 'A', 'B'."
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sizes_read_as_people_read_them() {
    assert_eq!(human_size(512), "512 bytes");
    assert_eq!(human_size(1536), "1.5 KiB");
    assert_eq!(human_size(50 * 1024 * 1024 * 1024), "50.0 GiB");
}
