//! The print password section of the conformance suite.

use crate::{Store, StoreError};
use platen_domain::records::PrintPassword;

fn record(tenant: &str, id: &str, user: &str, created_at: i64) -> PrintPassword {
    PrintPassword {
        tenant_id: tenant.into(),
        id: id.into(),
        user_id: user.into(),
        user_principal_name: format!("{user}@contoso.test"),
        display_name: Some(format!("User {user}")),
        groups: vec!["g1".into(), "g2".into()],
        label: "office Mac".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at,
        last_used_at: None,
    }
}

/// Create, look up by (tenant, id), list per user (oldest first), touch (never backwards), delete; ids are per
/// tenant.
pub async fn print_passwords(s: &dyn Store) {
    let a1 = record("t1", "aaaaaaaaaa", "u1", 1_000);
    let a2 = PrintPassword {
        display_name: None,
        groups: vec![],
        label: String::new(),
        ..record("t1", "bbbbbbbbbb", "u1", 2_000)
    };
    let b1 = record("t1", "cccccccccc", "u2", 1_500);
    // The same id in another tenant is another password.
    let other = record("t2", "aaaaaaaaaa", "u9", 500);
    for p in [&a2, &b1, &a1, &other] {
        s.create_print_password(p).await.unwrap();
    }
    assert!(matches!(
        s.create_print_password(&record("t1", "aaaaaaaaaa", "u3", 9))
            .await,
        Err(StoreError::Conflict(_))
    ));

    assert_eq!(
        s.get_print_password("t1", "aaaaaaaaaa").await.unwrap(),
        Some(a1.clone())
    );
    assert_eq!(
        s.get_print_password("t1", "bbbbbbbbbb").await.unwrap(),
        Some(a2.clone())
    );
    assert_eq!(
        s.get_print_password("t2", "aaaaaaaaaa").await.unwrap(),
        Some(other.clone())
    );
    assert_eq!(s.get_print_password("t2", "bbbbbbbbbb").await.unwrap(), None);

    assert_eq!(
        s.list_print_passwords("t1", "u1").await.unwrap(),
        vec![a1.clone(), a2.clone()]
    );
    assert_eq!(
        s.list_print_passwords("t1", "u2").await.unwrap(),
        vec![b1.clone()]
    );
    assert!(s.list_print_passwords("t2", "u1").await.unwrap().is_empty());

    s.touch_print_password("t1", "aaaaaaaaaa", 5_000).await.unwrap();
    s.touch_print_password("t1", "aaaaaaaaaa", 4_000).await.unwrap();
    s.touch_print_password("t1", "zzzzzzzzzz", 4_000).await.unwrap();
    let touched = s.get_print_password("t1", "aaaaaaaaaa").await.unwrap().unwrap();
    assert_eq!(touched.last_used_at, Some(5_000));
    assert_eq!(
        s.get_print_password("t2", "aaaaaaaaaa")
            .await
            .unwrap()
            .unwrap()
            .last_used_at,
        None
    );

    assert!(s.delete_print_password("t1", "aaaaaaaaaa").await.unwrap());
    assert!(!s.delete_print_password("t1", "aaaaaaaaaa").await.unwrap());
    assert_eq!(s.get_print_password("t1", "aaaaaaaaaa").await.unwrap(), None);
    assert_eq!(s.list_print_passwords("t1", "u1").await.unwrap(), vec![a2]);
    assert!(s.get_print_password("t2", "aaaaaaaaaa").await.unwrap().is_some());
}
