//! The verified-token cache answers exactly as a full verification would.

use std::time::Duration;

use serde_json::json;

use super::{EcTestKey, delegated_claims};
use crate::{AuthConfig, AuthError, KeySource, TrustedIssuer, Verifier};

const ISSUER: &str = "https://login.example/6c1d9a2e/v2.0";

fn verifier_trusting(key: &EcTestKey, leeway: Duration) -> (tempfile::TempDir, Verifier) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("issuer-key");
    std::fs::write(&path, &key.public_spki_pem).unwrap();
    let config = AuthConfig {
        issuers: vec![TrustedIssuer {
            issuer: ISSUER.into(),
            audiences: Vec::new(),
            keys: KeySource::KeyFile(path),
        }],
        leeway,
        ..AuthConfig::default()
    };
    (dir, Verifier::new(config, None).unwrap())
}

#[tokio::test]
async fn a_repeated_token_is_served_from_the_cache_with_the_same_principal() {
    let key = EcTestKey::generate();
    let (_dir, verifier) = verifier_trusting(&key, Duration::ZERO);
    let token = key.sign(Some("k"), &delegated_claims(ISSUER));
    let first = verifier.verify(&token).await.unwrap();
    assert_eq!(verifier.inner.verified.len(), 1);
    // Surrounding whitespace is trimmed before the lookup, as before the check.
    let again = verifier.verify(&format!(" {token} ")).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(verifier.inner.verified.len(), 1);
    let weight = verifier.inner.verified.weight();
    assert!(
        (256..4096).contains(&weight),
        "a user token weighs {weight} bytes"
    );
}

#[tokio::test]
async fn a_token_differing_in_any_part_from_a_cached_one_is_checked_in_full() {
    let key = EcTestKey::generate();
    let (_dir, verifier) = verifier_trusting(&key, Duration::ZERO);
    let token = key.sign(Some("k"), &delegated_claims(ISSUER));
    verifier.verify(&token).await.unwrap();

    let [header, payload, signature]: [&str; 3] = token.split('.').collect::<Vec<_>>().try_into().unwrap();
    let flipped = |part: &str| {
        let mut bytes = part.as_bytes().to_vec();
        bytes[4] = if bytes[4] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let other_signature = format!("{header}.{payload}.{}", flipped(signature));
    assert!(matches!(
        verifier.verify(&other_signature).await,
        Err(AuthError::BadSignature | AuthError::Malformed(_))
    ));
    let mut claims = delegated_claims(ISSUER);
    claims["oid"] = json!("ffffffff-0000-4000-8000-000000000000");
    let other_payload = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        claims.to_string(),
    );
    let forged = format!("{header}.{other_payload}.{signature}");
    assert!(matches!(
        verifier.verify(&forged).await,
        Err(AuthError::BadSignature)
    ));
    // Refusals are never cached; the good token still verifies.
    assert_eq!(verifier.inner.verified.len(), 1);
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn a_cached_token_is_refused_once_it_expires() {
    let key = EcTestKey::generate();
    let (_dir, verifier) = verifier_trusting(&key, Duration::ZERO);
    let mut claims = delegated_claims(ISSUER);
    let now = chrono::Utc::now().timestamp();
    claims["exp"] = json!(now + 2);
    let token = key.sign(Some("k"), &claims);
    verifier.verify(&token).await.unwrap();
    verifier.verify(&token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert!(matches!(verifier.verify(&token).await, Err(AuthError::Expired)));
    assert_eq!(verifier.inner.verified.len(), 0, "the expired entry was dropped");
}
