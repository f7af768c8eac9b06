use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::json;

use super::{EcTestKey, delegated_claims};
use crate::{AuthConfig, AuthError, KeySource, TrustedIssuer, Verifier};

const ISSUER: &str = "https://login.example/0f4b1e5c/v2.0";

fn verifier_with_key_file(contents: &str) -> (tempfile::TempDir, Result<Verifier, AuthError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("issuer-key");
    std::fs::write(&path, contents).unwrap();
    let config = AuthConfig {
        issuers: vec![TrustedIssuer {
            issuer: ISSUER.into(),
            audiences: vec!["api://platen".into()],
            keys: KeySource::KeyFile(path),
        }],
        ..AuthConfig::default()
    };
    (dir, Verifier::new(config, None))
}

#[tokio::test]
async fn ec_pem_key_file_verifies_tokens_with_any_kid() {
    let key = EcTestKey::generate();
    let (_dir, verifier) = verifier_with_key_file(&key.public_spki_pem);
    let verifier = verifier.unwrap();
    let mut claims = delegated_claims(ISSUER);
    claims["aud"] = json!("api://platen");
    let principal = verifier
        .verify(&key.sign(Some("whatever"), &claims))
        .await
        .unwrap();
    assert_eq!(principal.issuer, ISSUER);
    assert!(verifier.verify(&key.sign(None, &claims)).await.is_ok());

    let other = EcTestKey::generate();
    assert!(matches!(
        verifier.verify(&other.sign(None, &claims)).await,
        Err(AuthError::BadSignature)
    ));
}

#[tokio::test]
async fn jwks_key_file_selects_keys_by_kid() {
    let first = EcTestKey::generate();
    let second = EcTestKey::generate();
    let document = json!({"keys": [first.jwk("first"), second.jwk("second")]}).to_string();
    let (_dir, verifier) = verifier_with_key_file(&document);
    let verifier = verifier.unwrap();
    let claims = delegated_claims(ISSUER);
    assert!(verifier.verify(&first.sign(Some("first"), &claims)).await.is_ok());
    assert!(
        verifier
            .verify(&second.sign(Some("second"), &claims))
            .await
            .is_ok()
    );
    assert!(matches!(
        verifier.verify(&first.sign(Some("second"), &claims)).await,
        Err(AuthError::BadSignature)
    ));
    assert!(matches!(
        verifier.verify(&first.sign(None, &claims)).await,
        Err(AuthError::UnknownKey(_))
    ));
}

#[tokio::test]
async fn rsa_pem_key_file_verifies_rs256_and_ps256() {
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let public_pem = private.to_public_key().to_public_key_pem(LineEnding::LF).unwrap();
    let signing_key =
        EncodingKey::from_rsa_pem(private.to_pkcs1_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
    let (_dir, verifier) = verifier_with_key_file(&public_pem);
    let verifier = verifier.unwrap();
    let claims = delegated_claims(ISSUER);
    for algorithm in [Algorithm::RS256, Algorithm::PS256] {
        let token = jsonwebtoken::encode(&Header::new(algorithm), &claims, &signing_key).unwrap();
        assert!(verifier.verify(&token).await.is_ok(), "{algorithm:?}");
    }
    // An EC algorithm label on an RSA key is refused before any cryptography.
    let es256 = EcTestKey::generate().sign(None, &claims);
    assert!(matches!(
        verifier.verify(&es256).await,
        Err(AuthError::AlgorithmNotAllowed(_))
    ));
}

#[test]
fn unusable_key_files_fail_at_startup() {
    for contents in [
        "",
        "not a key",
        "{\"keys\": []}",
        "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}",
    ] {
        let (_dir, verifier) = verifier_with_key_file(contents);
        assert!(matches!(verifier, Err(AuthError::Config(_))), "{contents:?}");
    }
    let missing = AuthConfig {
        issuers: vec![TrustedIssuer {
            issuer: ISSUER.into(),
            audiences: Vec::new(),
            keys: KeySource::KeyFile("/nonexistent/platen/key.pem".into()),
        }],
        ..AuthConfig::default()
    };
    assert!(matches!(Verifier::new(missing, None), Err(AuthError::Io { .. })));
}

#[test]
fn duplicate_and_empty_issuers_are_configuration_errors() {
    let key = EcTestKey::generate();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    std::fs::write(&path, &key.public_spki_pem).unwrap();
    let trusted = |issuer: &str| TrustedIssuer {
        issuer: issuer.into(),
        audiences: Vec::new(),
        keys: KeySource::KeyFile(path.clone()),
    };
    let duplicate = AuthConfig {
        issuers: vec![trusted(ISSUER), trusted(ISSUER)],
        ..AuthConfig::default()
    };
    assert!(matches!(
        Verifier::new(duplicate, None),
        Err(AuthError::Config(_))
    ));
    let empty = AuthConfig {
        issuers: vec![trusted("")],
        ..AuthConfig::default()
    };
    assert!(matches!(Verifier::new(empty, None), Err(AuthError::Config(_))));
}
