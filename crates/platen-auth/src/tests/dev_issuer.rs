use std::time::Duration;

use serde_json::json;

use super::{EcTestKey, HOUR, TENANT, USER, dev_issuer, dev_verifier, user_claims};
use crate::{AuthConfig, AuthError, DevClaims, DevIssuer, TokenKind, Verifier};

#[tokio::test]
async fn delegated_token_round_trips() {
    let (_dir, issuer) = dev_issuer();
    let token = issuer.mint(&user_claims(), HOUR).unwrap();
    let principal = dev_verifier(&issuer).verify(&token).await.unwrap();

    assert_eq!(principal.tenant_id, TENANT);
    assert_eq!(principal.object_id, USER);
    assert_eq!(
        principal.user_principal_name.as_deref(),
        Some("ada@contoso.example")
    );
    assert_eq!(principal.display_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(principal.app_id.as_deref(), Some("cli-app"));
    assert!(principal.is_delegated());
    assert!(principal.has_permission("printjob.create"));
    assert!(!principal.has_permission("PrintJob.ReadWrite.All"));
    assert!(principal.is_printer_admin());
    assert!(!principal.is_global_admin());
    assert_eq!(principal.groups, ["group-1"]);
    assert_eq!(principal.issuer, DevIssuer::ISSUER);
    let expected_expiry = chrono::Utc::now() + chrono::Duration::hours(1);
    assert!((principal.expires_at - expected_expiry).num_seconds().abs() <= 5);
}

#[tokio::test]
async fn application_token_round_trips_with_a_stable_object_id() {
    let (_dir, issuer) = dev_issuer();
    let claims = DevClaims {
        tenant_id: TENANT.into(),
        app_id: Some("connector-app".into()),
        app_display_name: Some("Connector".into()),
        roles: vec!["Printer.ReadWrite.All".into()],
        audience: "00000003-0000-0000-c000-000000000000".into(),
        ..DevClaims::default()
    };
    let verifier = dev_verifier(&issuer);
    let first = verifier
        .verify(&issuer.mint(&claims, HOUR).unwrap())
        .await
        .unwrap();
    let second = verifier
        .verify(&issuer.mint(&claims, HOUR).unwrap())
        .await
        .unwrap();

    assert_eq!(
        first.kind,
        TokenKind::Application {
            roles: vec!["Printer.ReadWrite.All".into()]
        }
    );
    assert!(!first.is_delegated());
    assert!(first.has_permission("Printer.ReadWrite.All"));
    assert_eq!(first.app_id.as_deref(), Some("connector-app"));
    assert_eq!(first.app_display_name.as_deref(), Some("Connector"));
    assert!(uuid::Uuid::parse_str(&first.object_id).is_ok());
    assert_eq!(first.object_id, second.object_id);
    assert_eq!(first.user_principal_name, None);
}

#[tokio::test]
async fn configured_dev_audience_is_accepted() {
    let (_dir, issuer) = dev_issuer();
    let claims = DevClaims {
        audience: "api://platen".into(),
        ..user_claims()
    };
    assert!(
        dev_verifier(&issuer)
            .verify(&issuer.mint(&claims, HOUR).unwrap())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_refused() {
    let key = EcTestKey::generate();
    let issuer = DevIssuer::from_pkcs8_pem(&key.private_pkcs8_pem).unwrap();
    let verifier = dev_verifier(&issuer);
    let now = chrono::Utc::now().timestamp();
    let token_at = |nbf: i64, exp: i64| {
        let mut claims = super::delegated_claims(DevIssuer::ISSUER);
        claims["nbf"] = json!(nbf);
        claims["exp"] = json!(exp);
        key.sign(Some(issuer.key_id()), &claims)
    };

    assert!(matches!(
        verifier.verify(&token_at(now - 7200, now - 3600)).await,
        Err(AuthError::Expired)
    ));
    assert!(matches!(
        verifier.verify(&token_at(now + 3600, now + 7200)).await,
        Err(AuthError::NotYetValid)
    ));
    // Within the default 60 s leeway both are still fine.
    assert!(verifier.verify(&token_at(now - 7200, now - 30)).await.is_ok());
    assert!(verifier.verify(&token_at(now + 30, now + 7200)).await.is_ok());
}

#[tokio::test]
async fn leeway_is_configurable() {
    let key = EcTestKey::generate();
    let issuer = DevIssuer::from_pkcs8_pem(&key.private_pkcs8_pem).unwrap();
    let strict = Verifier::new(
        AuthConfig {
            trust_dev_issuer: true,
            leeway: Duration::ZERO,
            ..AuthConfig::default()
        },
        Some(issuer.clone()),
    )
    .unwrap();
    let mut claims = super::delegated_claims(DevIssuer::ISSUER);
    claims["exp"] = json!(chrono::Utc::now().timestamp() - 30);
    let token = key.sign(Some(issuer.key_id()), &claims);
    assert!(matches!(strict.verify(&token).await, Err(AuthError::Expired)));

    let too_lenient = AuthConfig {
        leeway: Duration::from_secs(86_400),
        ..AuthConfig::default()
    };
    assert!(matches!(
        Verifier::new(too_lenient, None),
        Err(AuthError::Config(_))
    ));
}

#[tokio::test]
async fn dev_tokens_are_refused_unless_the_dev_issuer_is_trusted() {
    let (_dir, issuer) = dev_issuer();
    let token = issuer.mint(&user_claims(), HOUR).unwrap();
    let verifier = Verifier::new(AuthConfig::default(), Some(issuer)).unwrap();
    assert!(matches!(
        verifier.verify(&token).await,
        Err(AuthError::UnknownIssuer(_))
    ));

    let missing_dev = Verifier::new(
        AuthConfig {
            trust_dev_issuer: true,
            ..AuthConfig::default()
        },
        None,
    );
    assert!(matches!(missing_dev, Err(AuthError::Config(_))));
}

#[test]
fn load_or_create_reuses_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let first = DevIssuer::load_or_create(dir.path()).unwrap();
    let second = DevIssuer::load_or_create(dir.path()).unwrap();
    assert_eq!(first.key_id(), second.key_id());
    assert_eq!(first.jwks(), second.jwks());
    let key_path = dir.path().join("dev-issuer").join("key.pem");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let jwk = &first.jwks()["keys"][0];
    assert_eq!(jwk["kty"], "EC");
    assert_eq!(jwk["crv"], "P-256");
    assert_eq!(jwk["alg"], "ES256");
    assert_eq!(jwk["use"], "sig");
    assert_eq!(jwk["kid"], first.key_id());
}

#[test]
fn concurrent_first_use_yields_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let kids: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| DevIssuer::load_or_create(dir.path()).unwrap().key_id().to_owned()))
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    assert!(kids.windows(2).all(|pair| pair[0] == pair[1]));
    let entries = std::fs::read_dir(dir.path().join("dev-issuer")).unwrap().count();
    assert_eq!(entries, 1, "no temporary files are left behind");
}

#[test]
fn corrupt_key_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dev-issuer")).unwrap();
    std::fs::write(dir.path().join("dev-issuer").join("key.pem"), "garbage").unwrap();
    assert!(matches!(
        DevIssuer::load_or_create(dir.path()),
        Err(AuthError::Config(_))
    ));
}
