//! The console session section of the conformance suite.

use crate::{Store, StoreError};
use platen_domain::records::ConsoleSession;

fn session(hash: &str, tenant: &str, expires_at: i64) -> ConsoleSession {
    ConsoleSession {
        id_hash: hash.into(),
        tenant_id: tenant.into(),
        user_id: "u1".into(),
        user_principal_name: Some("ada@contoso.test".into()),
        display_name: None,
        groups: vec!["g1".into()],
        directory_roles: vec!["644ef478-e28f-4e28-b9dc-3fdde9aa0b1f".into()],
        issuer: "https://issuer.test".into(),
        created_at: 1_000,
        expires_at,
    }
}

/// Create (a second one with the same hash conflicts), read back exactly, delete once, and expired sessions
/// deleted in bounded batches, oldest first, never a live one.
pub async fn console_sessions(s: &dyn Store) {
    let live = session("live", "t1", 10_000);
    s.create_console_session(&live).await.unwrap();
    assert_eq!(s.get_console_session("live").await.unwrap(), Some(live.clone()));
    assert!(matches!(
        s.create_console_session(&session("live", "t2", 1)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.get_console_session("absent").await.unwrap(), None);

    for (i, expires_at) in [300, 100, 200].into_iter().enumerate() {
        s.create_console_session(&session(&format!("old{i}"), "t1", expires_at))
            .await
            .unwrap();
    }
    assert_eq!(s.delete_expired_console_sessions(5_000, 2).await.unwrap(), 2);
    // The two oldest went; the one expiring at 300 is left for the next batch.
    assert!(s.get_console_session("old1").await.unwrap().is_none());
    assert!(s.get_console_session("old2").await.unwrap().is_none());
    assert!(s.get_console_session("old0").await.unwrap().is_some());
    assert_eq!(s.delete_expired_console_sessions(5_000, 100).await.unwrap(), 1);
    assert_eq!(s.delete_expired_console_sessions(5_000, 100).await.unwrap(), 0);
    assert!(s.get_console_session("live").await.unwrap().is_some());

    assert!(s.delete_console_session("live").await.unwrap());
    assert!(!s.delete_console_session("live").await.unwrap());
    assert_eq!(s.get_console_session("live").await.unwrap(), None);
}
