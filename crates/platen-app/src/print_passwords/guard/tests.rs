//! The guard alone, on synthetic instants.

use super::*;
use platen_domain::CallerKind;

fn policy() -> PrintPasswordPolicy {
    PrintPasswordPolicy {
        cache_ttl: Duration::from_secs(60),
        cache_capacity: 3,
        max_failures: 2,
        failure_window: Duration::from_secs(300),
        limiter_capacity: 3,
        touch_interval: Duration::from_secs(60),
        max_per_user: 100,
    }
}

fn caller(tenant: &str) -> Caller {
    Caller {
        tenant_id: tenant.into(),
        object_id: "u".into(),
        user_principal_name: Some("u@x".into()),
        display_name: None,
        app_id: None,
        app_display_name: None,
        kind: CallerKind::Delegated { scopes: vec![] },
        directory_roles: vec![],
        groups: vec![],
        ip_address: None,
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn credential_keys_separate_tenant_upn_and_password_but_not_upn_case() {
    let k = credential_key("t", "Ada@x", "p");
    assert_eq!(k, credential_key("t", "ada@X", "p"));
    assert_ne!(k, credential_key("t2", "ada@x", "p"));
    assert_ne!(k, credential_key("t", "ada@x", "q"));
    // Lengths are hashed too: moving a boundary changes the key.
    assert_ne!(credential_key("ab", "c", "p"), credential_key("a", "bc", "p"));
}

#[test]
fn cached_credentials_expire_and_stay_bounded() {
    let g = Guard::new(policy());
    let t0 = Instant::now();
    let keys: Vec<_> = (0..5)
        .map(|i| credential_key("t", "u@x", &i.to_string()))
        .collect();
    g.remember(keys[0], "id0", &caller("t"), 0, t0);
    assert_eq!(g.cached(&keys[0], t0 + secs(59)).map(|c| c.0), Some("id0".into()));
    assert!(g.cached(&keys[0], t0 + secs(60)).is_none());
    for (i, k) in keys.iter().enumerate().skip(1) {
        g.remember(*k, &format!("id{i}"), &caller("t"), 0, t0 + secs(i as u64));
    }
    assert!(g.state().verified.len() <= 3);
    // The oldest went first.
    assert!(g.cached(&keys[0], t0 + secs(5)).is_none());
    assert!(g.cached(&keys[4], t0 + secs(5)).is_some());
}

#[test]
fn forget_drops_a_password_s_logins_and_stops_logins_read_before_it() {
    let g = Guard::new(policy());
    let now = Instant::now();
    let (a, b) = (credential_key("t", "u@x", "a"), credential_key("t", "u@x", "b"));
    let epoch = g.epoch();
    g.remember(a, "ida", &caller("t"), epoch, now);
    g.remember(b, "idb", &caller("t"), epoch, now);
    // The same id in another tenant is another password.
    let other = credential_key("t2", "u@x", "a");
    g.remember(other, "ida", &caller("t2"), epoch, now);
    g.forget("t", "ida");
    assert!(g.cached(&a, now).is_none());
    assert!(g.cached(&b, now).is_some());
    assert!(g.cached(&other, now).is_some());
    // A login that read its record before the revocation does not cache it after.
    g.remember(a, "ida", &caller("t"), epoch, now);
    assert!(g.cached(&a, now).is_none());
    g.remember(a, "ida", &caller("t"), g.epoch(), now);
    assert!(g.cached(&a, now).is_some());
}

#[test]
fn failures_block_a_user_and_an_address_for_the_window() {
    let g = Guard::new(policy());
    let t0 = Instant::now();
    let ip: IpAddr = "192.0.2.1".parse().unwrap();
    g.failed("t", "Ada@x", Some(ip), t0);
    assert_eq!(g.user_blocked("t", "ada@x", t0), None);
    g.failed("t", "ada@X", None, t0 + secs(10));
    assert_eq!(g.user_blocked("t", "ada@x", t0 + secs(10)), Some(secs(290)));
    assert_eq!(g.user_blocked("t2", "ada@x", t0 + secs(10)), None);
    assert_eq!(g.remote_blocked(ip, t0 + secs(10)), None);
    assert_eq!(g.user_blocked("t", "ada@x", t0 + secs(300)), None);
    // A new window starts with the next failure.
    g.failed("t", "ada@x", None, t0 + secs(301));
    assert_eq!(g.user_blocked("t", "ada@x", t0 + secs(301)), None);

    g.failed("t", "bob@x", Some(ip), t0);
    assert_eq!(g.remote_blocked(ip, t0 + secs(1)), Some(secs(299)));
    g.succeeded("t", "bob@x");
    // Success forgives the user, not the address.
    assert!(g.remote_blocked(ip, t0 + secs(1)).is_some());
}

#[test]
fn failure_counters_stay_bounded() {
    let g = Guard::new(policy());
    let t0 = Instant::now();
    for i in 0..50u8 {
        let ip = IpAddr::from([192, 0, 2, i]);
        g.failed("t", &format!("u{i}@x"), Some(ip), t0 + secs(u64::from(i)));
    }
    let s = g.state();
    assert!(s.by_user.windows.len() <= 3 && s.by_remote.windows.len() <= 3);
    // The newest are kept.
    assert!(s.by_remote.windows.contains_key(&IpAddr::from([192, 0, 2, 49])));
}

#[test]
fn uses_are_written_at_most_once_per_interval() {
    let g = Guard::new(policy());
    let t0 = Instant::now();
    assert!(g.should_touch("t", "a", t0));
    assert!(!g.should_touch("t", "a", t0 + secs(59)));
    assert!(g.should_touch("t2", "a", t0 + secs(1)));
    assert!(g.should_touch("t", "a", t0 + secs(60)));
    for i in 0..10 {
        g.should_touch("t", &format!("x{i}"), t0 + secs(61));
    }
    assert!(g.state().touched.len() <= 3);
}
