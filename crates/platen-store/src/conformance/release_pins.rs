//! Release PINs: one per user, found by UPN (case-insensitively), replaced, deleted, isolated by tenant.

use crate::Store;
use platen_domain::secure_release::ReleasePin;

fn pin(tenant: &str, user: &str, upn: &str, hash: &str) -> ReleasePin {
    ReleasePin {
        tenant_id: tenant.into(),
        user_id: user.into(),
        upn: upn.into(),
        display_name: Some(format!("{user} name")),
        pin_hash: hash.into(),
        updated_at: 1,
    }
}

pub async fn release_pins(s: &dyn Store) {
    let t = "tenant-pins";
    let alice = pin(t, "u-alice", "alice@contoso.test", "$argon2id$a");
    s.put_release_pin(&alice).await.unwrap();
    s.put_release_pin(&pin("other", "u-alice", "alice@contoso.test", "$argon2id$x"))
        .await
        .unwrap();
    assert_eq!(
        s.release_pin_by_upn(t, "Alice@Contoso.test").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(s.release_pin_of(t, "u-alice").await.unwrap(), Some(alice.clone()));
    // Replaced: the new hash, one row.
    let changed = ReleasePin {
        pin_hash: "$argon2id$b".into(),
        updated_at: 2,
        ..alice.clone()
    };
    s.put_release_pin(&changed).await.unwrap();
    assert_eq!(
        s.release_pin_by_upn(t, "alice@contoso.test").await.unwrap(),
        Some(changed)
    );
    // A UPN that moved to another user is theirs now.
    let bob = pin(t, "u-bob", "alice@contoso.test", "$argon2id$c");
    s.put_release_pin(&bob).await.unwrap();
    assert_eq!(
        s.release_pin_by_upn(t, "alice@contoso.test").await.unwrap(),
        Some(bob)
    );
    assert_eq!(s.release_pin_of(t, "u-alice").await.unwrap(), None);
    assert!(s.delete_release_pin(t, "u-bob").await.unwrap());
    assert!(!s.delete_release_pin(t, "u-bob").await.unwrap());
    assert_eq!(s.release_pin_by_upn(t, "alice@contoso.test").await.unwrap(), None);
    assert!(
        s.release_pin_by_upn("other", "alice@contoso.test")
            .await
            .unwrap()
            .is_some()
    );
}
