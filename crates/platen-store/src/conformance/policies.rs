//! The policies section of the conformance suite: app printing and print policies.

use crate::{Store, StoreError};
use platen_domain::print_policy::{PolicyTarget, PrintPolicy};
use platen_domain::records::AppPrintGrant;

fn grant(tenant: &str, id: &str, app: &str, share: &str, at: i64) -> AppPrintGrant {
    AppPrintGrant {
        tenant_id: tenant.into(),
        id: id.into(),
        app_id: app.into(),
        share_id: share.into(),
        granted_by: "user:admin@contoso.test".into(),
        granted_at: at,
    }
}

fn policy(tenant: &str, id: &str, target: PolicyTarget, at: i64) -> PrintPolicy {
    PrintPolicy {
        tenant_id: tenant.into(),
        id: id.into(),
        display_name: format!("Policy {id}"),
        target,
        force_monochrome: id.len().is_multiple_of(2),
        force_duplex: true,
        max_document_bytes: (id == "p1").then_some(1_048_576),
        max_pages: (id == "p1").then_some(50),
        created_at: at,
    }
}

/// The switch per tenant (off until set), grants unique per app and share and isolated by tenant, and policies
/// found for a job through its printer or any of its creator's groups, oldest first, never another tenant's.
pub async fn policies(s: &dyn Store) {
    assert!(!s.app_printing_enabled("t1").await.unwrap());
    s.set_app_printing("t1", true, 10).await.unwrap();
    assert!(s.app_printing_enabled("t1").await.unwrap());
    assert!(!s.app_printing_enabled("t2").await.unwrap());
    s.set_app_printing("t1", false, 20).await.unwrap();
    assert!(!s.app_printing_enabled("t1").await.unwrap());

    let g1 = grant("t1", "g1", "app-a", "s1", 2);
    let g0 = grant("t1", "g0", "app-b", "s1", 1);
    s.create_app_print_grant(&g1).await.unwrap();
    s.create_app_print_grant(&g0).await.unwrap();
    s.create_app_print_grant(&grant("t2", "g9", "app-a", "s2", 3))
        .await
        .unwrap();
    assert!(matches!(
        s.create_app_print_grant(&grant("t1", "g2", "app-a", "s1", 4))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.list_app_print_grants("t1").await.unwrap(), vec![g0, g1]);
    assert!(s.app_print_grant_exists("t1", "app-a", "s1").await.unwrap());
    assert!(!s.app_print_grant_exists("t1", "app-a", "s2").await.unwrap());
    assert!(!s.app_print_grant_exists("t2", "app-a", "s1").await.unwrap());
    assert!(!s.delete_app_print_grant("t2", "g1").await.unwrap());
    assert!(s.delete_app_print_grant("t1", "g1").await.unwrap());
    assert!(!s.app_print_grant_exists("t1", "app-a", "s1").await.unwrap());

    let on_printer = policy("t1", "p1", PolicyTarget::Printer("pr1".into()), 3);
    let on_group = policy("t1", "p22", PolicyTarget::Group("grp1".into()), 1);
    let elsewhere = policy("t1", "p3", PolicyTarget::Printer("pr2".into()), 2);
    let other_tenant = policy("t2", "p1", PolicyTarget::Printer("pr1".into()), 0);
    for p in [&on_printer, &on_group, &elsewhere, &other_tenant] {
        s.create_print_policy(p).await.unwrap();
    }
    assert!(matches!(
        s.create_print_policy(&on_printer).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.get_print_policy("t1", "p1").await.unwrap(),
        Some(on_printer.clone())
    );
    assert_eq!(
        s.list_print_policies("t1").await.unwrap(),
        vec![on_group.clone(), elsewhere.clone(), on_printer.clone()]
    );
    let groups = ["grp0".to_string(), "grp1".to_string()];
    assert_eq!(
        s.policies_for_job("t1", "pr1", &groups).await.unwrap(),
        vec![on_group.clone(), on_printer.clone()]
    );
    assert_eq!(
        s.policies_for_job("t1", "pr1", &[]).await.unwrap(),
        vec![on_printer]
    );
    assert_eq!(
        s.policies_for_job("t1", "pr9", &groups).await.unwrap(),
        vec![on_group.clone()]
    );
    assert!(s.delete_print_policy("t1", "p1").await.unwrap());
    assert!(!s.delete_print_policy("t1", "p1").await.unwrap());
    assert_eq!(s.policies_for_job("t1", "pr1", &[]).await.unwrap(), vec![]);
    assert_eq!(
        s.policies_for_job("t2", "pr1", &[]).await.unwrap(),
        vec![other_tenant]
    );

    // Grants go with their share, policies with their printer (of that tenant only).
    s.delete_share("t1", "s1").await.unwrap();
    assert!(s.list_app_print_grants("t1").await.unwrap().is_empty());
    assert_eq!(s.list_app_print_grants("t2").await.unwrap().len(), 1);
    s.delete_printer("t1", "pr2").await.unwrap();
    assert_eq!(s.list_print_policies("t1").await.unwrap(), vec![on_group]);
    assert_eq!(s.list_print_policies("t2").await.unwrap().len(), 1);
}
