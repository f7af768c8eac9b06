use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::{EcTestKey, HOUR, delegated_claims, dev_issuer, dev_verifier, user_claims};
use crate::{AuthError, DevClaims, DevIssuer, MAX_TOKEN_BYTES};

fn unsigned_token(header: &serde_json::Value, claims: &serde_json::Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[tokio::test]
async fn token_signed_by_another_key_has_a_bad_signature() {
    let (_dir, issuer) = dev_issuer();
    let impostor = EcTestKey::generate();
    let forged = impostor.sign(Some(issuer.key_id()), &delegated_claims(DevIssuer::ISSUER));
    assert!(matches!(
        dev_verifier(&issuer).verify(&forged).await,
        Err(AuthError::BadSignature)
    ));
}

#[tokio::test]
async fn altered_claims_break_the_signature() {
    let (_dir, issuer) = dev_issuer();
    let token = issuer.mint(&user_claims(), HOUR).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["wids"] = json!([crate::GLOBAL_ADMINISTRATOR_ROLE]);
    let altered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    assert!(matches!(
        dev_verifier(&issuer).verify(&altered).await,
        Err(AuthError::BadSignature)
    ));
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let (_dir, issuer) = dev_issuer();
    let claims = DevClaims {
        audience: "api://someone-else".into(),
        ..user_claims()
    };
    let token = issuer.mint(&claims, HOUR).unwrap();
    assert!(matches!(
        dev_verifier(&issuer).verify(&token).await,
        Err(AuthError::WrongAudience)
    ));
}

#[tokio::test]
async fn unknown_issuer_is_refused() {
    let (_dir, issuer) = dev_issuer();
    let stranger = EcTestKey::generate();
    let token = stranger.sign(Some("k"), &delegated_claims("https://login.example/tenant/v2.0"));
    let error = dev_verifier(&issuer).verify(&token).await.unwrap_err();
    assert!(
        matches!(&error, AuthError::UnknownIssuer(issuer) if issuer == "https://login.example/tenant/v2.0")
    );
    assert!(error.www_authenticate().contains("error=\"invalid_token\""));
}

#[tokio::test]
async fn unknown_kid_is_refused() {
    let key = EcTestKey::generate();
    let issuer = DevIssuer::from_pkcs8_pem(&key.private_pkcs8_pem).unwrap();
    let token = key.sign(Some("some-other-kid"), &delegated_claims(DevIssuer::ISSUER));
    assert!(
        matches!(dev_verifier(&issuer).verify(&token).await, Err(AuthError::UnknownKey(kid)) if kid == "some-other-kid")
    );
    // Without a kid the issuer's only key is used.
    let without_kid = key.sign(None, &delegated_claims(DevIssuer::ISSUER));
    assert!(dev_verifier(&issuer).verify(&without_kid).await.is_ok());
}

#[tokio::test]
async fn missing_identity_claims_are_refused_after_the_signature_checks_out() {
    let key = EcTestKey::generate();
    let issuer = DevIssuer::from_pkcs8_pem(&key.private_pkcs8_pem).unwrap();
    let verifier = dev_verifier(&issuer);
    for (claim, expected) in [
        ("tid", "tid"),
        ("oid", "oid"),
        ("exp", "exp"),
        ("aud", "aud"),
        ("scp", "scp"),
    ] {
        let mut claims = delegated_claims(DevIssuer::ISSUER);
        claims.as_object_mut().unwrap().remove(claim);
        let token = key.sign(Some(issuer.key_id()), &claims);
        match verifier.verify(&token).await {
            Err(AuthError::MissingClaim(missing)) => assert_eq!(missing, expected),
            other => panic!("without {claim}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn alg_none_and_hmac_tokens_are_refused() {
    let (_dir, issuer) = dev_issuer();
    let verifier = dev_verifier(&issuer);
    let claims = delegated_claims(DevIssuer::ISSUER);
    for (header, signature) in [
        (json!({"alg": "none", "typ": "JWT"}), ""),
        (json!({"alg": "none", "kid": issuer.key_id()}), "AAAA"),
        (json!({"alg": "None"}), ""),
    ] {
        let token = unsigned_token(&header, &claims, signature);
        assert!(
            matches!(
                verifier.verify(&token).await,
                Err(AuthError::AlgorithmNotAllowed(_))
            ),
            "{header}"
        );
    }

    // The classic confusion attack: HMAC keyed with the issuer's public key material.
    let public_jwk = issuer.jwks().to_string();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(issuer.key_id().to_owned());
    let hmac =
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(public_jwk.as_bytes())).unwrap();
    assert!(matches!(
        verifier.verify(&hmac).await,
        Err(AuthError::AlgorithmNotAllowed(_))
    ));
}

#[tokio::test]
async fn algorithm_must_fit_the_key() {
    let key = EcTestKey::generate();
    let issuer = DevIssuer::from_pkcs8_pem(&key.private_pkcs8_pem).unwrap();
    let good = key.sign(Some(issuer.key_id()), &delegated_claims(DevIssuer::ISSUER));
    let parts: Vec<&str> = good.split('.').collect();
    let rs256_header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "kid": issuer.key_id()}).to_string());
    let relabelled = format!("{rs256_header}.{}.{}", parts[1], parts[2]);
    assert!(matches!(
        dev_verifier(&issuer).verify(&relabelled).await,
        Err(AuthError::AlgorithmNotAllowed(_))
    ));
}

#[tokio::test]
async fn garbage_and_truncated_tokens_never_panic() {
    let (_dir, issuer) = dev_issuer();
    let verifier = dev_verifier(&issuer);
    assert!(matches!(verifier.verify("").await, Err(AuthError::Missing)));
    assert!(matches!(verifier.verify("   ").await, Err(AuthError::Missing)));

    let garbage = [
        "garbage",
        "Bearer abc",
        "....",
        "a.b.c",
        "\u{0}\u{1}.\u{2}.\u{3}",
        "eyJ.eyJ.eyJ",
        "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln",
        "€.€.€",
    ];
    for input in garbage {
        let error = verifier.verify(input).await.unwrap_err();
        assert!(error.is_client_error(), "{input:?}: {error:?}");
    }
    let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
    assert!(matches!(
        verifier.verify(&huge).await,
        Err(AuthError::Malformed(_))
    ));

    let token = issuer.mint(&user_claims(), HOUR).unwrap();
    for length in 0..token.len() {
        let error = verifier.verify(&token[..length]).await.unwrap_err();
        assert!(error.is_client_error(), "prefix of {length} bytes: {error:?}");
    }
    for position in 0..token.len() {
        let mut bytes = token.clone().into_bytes();
        bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
        let mutated = String::from_utf8(bytes).unwrap();
        if let Err(error) = verifier.verify(&mutated).await {
            assert!(error.is_client_error(), "byte {position}: {error:?}");
        }
    }
}

#[tokio::test]
async fn claims_of_the_wrong_type_are_malformed() {
    let key = EcTestKey::generate();
    let issuer = DevIssuer::from_pkcs8_pem(&key.private_pkcs8_pem).unwrap();
    let verifier = dev_verifier(&issuer);
    for (claim, value) in [
        ("roles", json!("not-an-array")),
        ("tid", json!(5)),
        ("exp", json!("soon")),
        ("wids", json!({})),
    ] {
        let mut claims = delegated_claims(DevIssuer::ISSUER);
        claims[claim] = value;
        let token = key.sign(Some(issuer.key_id()), &claims);
        assert!(
            matches!(verifier.verify(&token).await, Err(AuthError::Malformed(_))),
            "{claim}"
        );
    }
}
