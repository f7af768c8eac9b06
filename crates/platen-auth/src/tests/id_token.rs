//! OpenID Connect ID tokens (the web console's sign-in): verified with the issuer's keys for the console's
//! client id and the sign-in's nonce, never for another audience, another nonce or another issuer's key.

use super::{EcTestKey, HOUR, TENANT, USER, dev_issuer, dev_verifier, user_claims};
use crate::{AuthError, DevClaims};
use serde_json::json;

const CLIENT: &str = "platen-console";

fn for_console() -> DevClaims {
    DevClaims {
        audience: CLIENT.into(),
        ..user_claims()
    }
}

#[tokio::test]
async fn an_id_token_for_the_console_with_its_nonce_is_accepted() {
    let (_dir, issuer) = dev_issuer();
    let token = issuer.mint_id_token(&for_console(), "n-1", HOUR).unwrap();
    let verified = dev_verifier(&issuer)
        .verify_id_token(&token, CLIENT, "n-1")
        .await
        .unwrap();
    assert_eq!(verified.tid.as_deref(), Some(TENANT));
    assert_eq!(verified.oid.as_deref(), Some(USER));
    assert_eq!(verified.upn.as_deref(), Some("ada@contoso.example"));
    assert_eq!(verified.groups, ["group-1"]);
    assert_eq!(verified.nonce.as_deref(), Some("n-1"));
}

#[tokio::test]
async fn another_nonce_audience_or_key_is_refused() {
    let (_dir, issuer) = dev_issuer();
    let verifier = dev_verifier(&issuer);
    let token = issuer.mint_id_token(&for_console(), "n-1", HOUR).unwrap();
    assert!(matches!(
        verifier.verify_id_token(&token, CLIENT, "n-2").await,
        Err(AuthError::Malformed(_))
    ));
    assert!(matches!(
        verifier.verify_id_token(&token, CLIENT, "").await,
        Err(AuthError::Malformed(_))
    ));
    assert!(matches!(
        verifier.verify_id_token(&token, "another-client", "n-1").await,
        Err(AuthError::WrongAudience)
    ));
    // A Graph access token of the same issuer is not an ID token for the console.
    let access = issuer.mint(&user_claims(), HOUR).unwrap();
    assert!(verifier.verify_id_token(&access, CLIENT, "n-1").await.is_err());
    // The same claims signed by a key the issuer does not have.
    let forged = EcTestKey::generate().sign(
        Some(issuer.key_id()),
        &json!({"iss": crate::DevIssuer::ISSUER, "aud": CLIENT, "exp": 4_000_000_000u64, "tid": TENANT,
                "oid": USER, "nonce": "n-1"}),
    );
    assert!(matches!(
        verifier.verify_id_token(&forged, CLIENT, "n-1").await,
        Err(AuthError::BadSignature)
    ));
}
