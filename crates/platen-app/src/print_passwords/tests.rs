//! The use cases against a real SQLite store: permissions, the login cache, failure limits and revocation.

use super::*;
use crate::AppConfig;
use platen_domain::principal::PRINTER_ADMINISTRATOR_ROLE;

const TENANT: &str = "t1";

async fn app(dir: &std::path::Path, policy: PrintPasswordPolicy) -> App {
    let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
    let config = AppConfig {
        print_passwords: policy,
        ..AppConfig::default()
    };
    crate::test_app(&url, dir, config).await
}

fn user(oid: &str, upn: Option<&str>) -> Caller {
    Caller {
        tenant_id: TENANT.into(),
        object_id: oid.into(),
        user_principal_name: upn.map(str::to_string),
        display_name: Some(format!("User {oid}")),
        app_id: Some("client".into()),
        app_display_name: None,
        kind: CallerKind::Delegated {
            scopes: vec!["PrintJob.ReadWrite".into()],
        },
        directory_roles: vec![],
        groups: vec!["G1".into()],
        ip_address: None,
    }
}

fn ip(last: u8) -> Option<IpAddr> {
    Some(IpAddr::from([192, 0, 2, last]))
}

/// Replaces the stored hash with one of another password: only a cached login can still succeed.
async fn spoil_hash(app: &App, id: &str) {
    let mut record = app.store.get_print_password(TENANT, id).await.unwrap().unwrap();
    app.store.delete_print_password(TENANT, id).await.unwrap();
    record.password_hash = secret::hash(&secret::generate().1).unwrap();
    app.store.create_print_password(&record).await.unwrap();
}

#[tokio::test]
async fn a_created_password_signs_its_user_in_with_print_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), PrintPasswordPolicy::default()).await;
    let ada = user("ADA-OID", Some("Ada@Contoso.test"));
    let new = app.create_print_password(&ada, "  laptop ").await.unwrap();
    assert_eq!(new.record.label, "laptop");
    assert_eq!(new.record.user_id, "ada-oid");
    assert!(!new.record.password_hash.contains(&new.password));
    assert!(new.password.starts_with(&new.record.id));

    let caller = app
        .authenticate_print_password(
            TENANT,
            "ada@contoso.TEST",
            &new.password.to_ascii_uppercase(),
            ip(7),
        )
        .await
        .unwrap();
    assert_eq!(caller.tenant_id, TENANT);
    assert_eq!(caller.object_id, "ada-oid");
    assert_eq!(caller.user_principal_name.as_deref(), Some("Ada@Contoso.test"));
    assert_eq!(caller.display_name.as_deref(), Some("User ADA-OID"));
    assert_eq!(caller.groups, ["g1"]);
    assert_eq!(caller.ip_address.as_deref(), Some("192.0.2.7"));
    assert_eq!(
        caller.kind,
        CallerKind::Delegated {
            scopes: vec!["PrintJob.ReadWriteBasic".into(), "Printer.Read.All".into()]
        }
    );
    assert!(caller.directory_roles.is_empty() && caller.app_id.is_none());

    // Another user's UPN, another tenant, a wrong secret, a malformed password: all the same refusal.
    let bob = app
        .create_print_password(&user("bob", Some("bob@contoso.test")), "")
        .await
        .unwrap();
    for (tenant, upn, password) in [
        (TENANT, "bob@contoso.test", new.password.as_str()),
        ("t2", "ada@contoso.test", new.password.as_str()),
        (TENANT, "ada@contoso.test", bob.password.as_str()),
        (TENANT, "ada@contoso.test", "hunter2"),
    ] {
        let e = app.authenticate_print_password(tenant, upn, password, None).await;
        assert!(
            matches!(e, Err(AppError::BadCredentials)),
            "{tenant} {upn}: {e:?}"
        );
    }
}

#[tokio::test]
async fn who_may_create_list_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), PrintPasswordPolicy::default()).await;
    let ada = user("ada", Some("ada@x"));
    let bob = user("bob", Some("bob@x"));
    let admin = Caller {
        directory_roles: vec![PRINTER_ADMINISTRATOR_ROLE.into()],
        ..user("root", Some("root@x"))
    };
    let app_only = Caller {
        kind: CallerKind::Application {
            roles: vec!["PrintJob.ReadWrite.All".into()],
        },
        ..user("sp", None)
    };
    let no_print = Caller {
        kind: CallerKind::Delegated {
            scopes: vec!["Printer.Read.All".into()],
        },
        ..ada.clone()
    };
    assert!(matches!(
        app.create_print_password(&app_only, "").await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.create_print_password(&no_print, "").await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.create_print_password(&user("x", None), "").await,
        Err(AppError::BadRequest { .. })
    ));
    let long = "x".repeat(MAX_LABEL_CHARS + 1);
    for label in [long.as_str(), "tab\there"] {
        assert!(matches!(
            app.create_print_password(&ada, label).await,
            Err(AppError::BadRequest { .. })
        ));
    }

    let a1 = app.create_print_password(&ada, "one").await.unwrap();
    let a2 = app.create_print_password(&ada, "two").await.unwrap();
    let listed: Vec<String> = app
        .list_print_passwords(&ada, "ADA")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.label)
        .collect();
    assert_eq!(listed, ["one", "two"]);
    assert!(app.list_print_passwords(&bob, "bob").await.unwrap().is_empty());
    assert!(matches!(
        app.list_print_passwords(&bob, "ada").await,
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(app.list_print_passwords(&admin, "ada").await.unwrap().len(), 2);
    assert!(matches!(
        app.list_print_passwords(&app_only, "ada").await,
        Err(AppError::Forbidden(_))
    ));

    // Another user's password is not found; an administrator's reach is the tenant.
    assert!(matches!(
        app.revoke_print_password(&bob, &a1.record.id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.revoke_print_password(&app_only, &a1.record.id).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.revoke_print_password(&ada, "not an id").await,
        Err(AppError::NotFound(_))
    ));
    app.revoke_print_password(&ada, &a1.record.id.to_ascii_uppercase())
        .await
        .unwrap();
    assert!(matches!(
        app.revoke_print_password(&ada, &a1.record.id).await,
        Err(AppError::NotFound(_))
    ));
    app.revoke_print_password(&admin, &a2.record.id).await.unwrap();
    assert!(app.list_print_passwords(&ada, "ada").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_user_has_a_bounded_number_of_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let policy = PrintPasswordPolicy {
        max_per_user: 2,
        ..PrintPasswordPolicy::default()
    };
    let app = app(dir.path(), policy).await;
    let ada = user("ada", Some("ada@x"));
    app.create_print_password(&ada, "").await.unwrap();
    let second = app.create_print_password(&ada, "").await.unwrap();
    assert!(matches!(
        app.create_print_password(&ada, "").await,
        Err(AppError::Conflict(_))
    ));
    app.revoke_print_password(&ada, &second.record.id).await.unwrap();
    app.create_print_password(&ada, "").await.unwrap();
}

#[tokio::test]
async fn verified_logins_are_cached_until_they_expire_or_are_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let policy = PrintPasswordPolicy {
        cache_ttl: Duration::from_millis(400),
        ..PrintPasswordPolicy::default()
    };
    let app = app(dir.path(), policy).await;
    let ada = user("ada", Some("ada@x"));
    let new = app.create_print_password(&ada, "").await.unwrap();
    app.authenticate_print_password(TENANT, "ada@x", &new.password, None)
        .await
        .unwrap();
    // With the stored hash spoiled, only the cache can answer: it does, without argon2.
    spoil_hash(&app, &new.record.id).await;
    app.authenticate_print_password(TENANT, "ADA@x", &new.password, ip(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(matches!(
        app.authenticate_print_password(TENANT, "ada@x", &new.password, None)
            .await,
        Err(AppError::BadCredentials)
    ));

    // Revoked through the app: refused at once, although the login was cached a moment ago.
    let other = app.create_print_password(&ada, "").await.unwrap();
    app.authenticate_print_password(TENANT, "ada@x", &other.password, None)
        .await
        .unwrap();
    app.revoke_print_password(&ada, &other.record.id).await.unwrap();
    assert!(matches!(
        app.authenticate_print_password(TENANT, "ada@x", &other.password, None)
            .await,
        Err(AppError::BadCredentials)
    ));
}

#[tokio::test]
async fn repeated_failures_are_refused_unchecked_per_user_and_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let policy = PrintPasswordPolicy {
        max_failures: 3,
        failure_window: Duration::from_millis(600),
        ..PrintPasswordPolicy::default()
    };
    let app = app(dir.path(), policy).await;
    let ada = user("ada", Some("ada@x"));
    let good = app.create_print_password(&ada, "").await.unwrap();
    let wrong = secret::generate().1;
    for n in 0..3u8 {
        let e = app
            .authenticate_print_password(TENANT, "ada@x", &wrong, ip(n))
            .await;
        assert!(matches!(e, Err(AppError::BadCredentials)));
    }
    // The user is now refused, even with the right password, from a fresh address.
    let e = app
        .authenticate_print_password(TENANT, "ada@x", &good.password, ip(99))
        .await;
    assert!(
        matches!(e, Err(AppError::TooManyFailures { retry_after }) if retry_after <= Duration::from_millis(600))
    );
    // Other users are not.
    let bob = app
        .create_print_password(&user("bob", Some("bob@x")), "")
        .await
        .unwrap();
    app.authenticate_print_password(TENANT, "bob@x", &bob.password, ip(99))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(650)).await;
    app.authenticate_print_password(TENANT, "ada@x", &good.password, ip(99))
        .await
        .unwrap();

    // One address guessing across users is refused for every user, even for a cached login.
    for n in 0..3 {
        let e = app
            .authenticate_print_password(TENANT, &format!("u{n}@x"), &wrong, ip(50))
            .await;
        assert!(matches!(e, Err(AppError::BadCredentials)));
    }
    let e = app
        .authenticate_print_password(TENANT, "bob@x", &bob.password, ip(50))
        .await;
    assert!(matches!(e, Err(AppError::TooManyFailures { .. })));
    // While someone guesses Ada's password, her device's cached login goes on working.
    for _ in 0..3 {
        let _ = app
            .authenticate_print_password(TENANT, "ada@x", &wrong, ip(60))
            .await;
    }
    app.authenticate_print_password(TENANT, "ada@x", &good.password, ip(99))
        .await
        .unwrap();
}

async fn last_used(app: &App, id: &str) -> Option<i64> {
    app.store
        .get_print_password(TENANT, id)
        .await
        .unwrap()
        .unwrap()
        .last_used_at
}

#[tokio::test]
async fn last_use_is_written_at_most_once_per_interval() {
    let dir = tempfile::tempdir().unwrap();
    let policy = PrintPasswordPolicy {
        touch_interval: Duration::from_millis(300),
        ..PrintPasswordPolicy::default()
    };
    let app = app(dir.path(), policy).await;
    let new = app
        .create_print_password(&user("ada", Some("ada@x")), "")
        .await
        .unwrap();
    let id = new.record.id.as_str();
    assert_eq!(last_used(&app, id).await, None);
    app.authenticate_print_password(TENANT, "ada@x", &new.password, None)
        .await
        .unwrap();
    let first = last_used(&app, id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    app.authenticate_print_password(TENANT, "ada@x", &new.password, None)
        .await
        .unwrap();
    assert_eq!(last_used(&app, id).await, Some(first));
    tokio::time::sleep(Duration::from_millis(320)).await;
    app.authenticate_print_password(TENANT, "ada@x", &new.password, None)
        .await
        .unwrap();
    assert!(last_used(&app, id).await.unwrap() > first);
}
