//! Device authentication (RFC 7523): a printer or connector proves it holds the key of the certificate Platen
//! issued at registration by signing a short-lived JWT bearer assertion (`iss` = `sub` = printer id,
//! `aud` = the token endpoint URL), which Platen exchanges for a device access token.

use crate::error::AuthError;
use crate::keys::parse_pem_public_key;
use crate::token::inspect;
use base64::Engine;
use jsonwebtoken::Validation;
use serde::Deserialize;
use std::time::Duration;

/// Assertions must be short-lived: at most this long between `iat` and `exp`.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAssertion {
    /// The printer id the device claims (`sub`), already checked against `iss`.
    pub printer_id: String,
    pub jti: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    exp: i64,
    iat: Option<i64>,
    jti: Option<String>,
}

/// The printer an assertion claims to come from, read without verification (to find its key).
pub fn device_assertion_subject(assertion: &str) -> Result<String, AuthError> {
    Ok(inspect(assertion)?.issuer)
}

/// Verifies `assertion` against the device key (SubjectPublicKeyInfo DER from its certificate).
pub fn verify_device_assertion(
    assertion: &str,
    device_key_spki_der: &[u8],
    audience: &str,
    leeway: Duration,
) -> Result<DeviceAssertion, AuthError> {
    let header = inspect(assertion)?;
    // RFC 7468 PEM: base64 wrapped at 64 characters (the strict parser refuses longer lines).
    let b64 = base64::engine::general_purpose::STANDARD.encode(device_key_spki_der);
    let body: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        body.join("\n")
    );
    let key = parse_pem_public_key(&pem).map_err(|e| AuthError::Malformed(format!("device key: {e}")))?;
    if !key.algorithms.contains(&header.algorithm) {
        return Err(AuthError::AlgorithmNotAllowed(format!("{:?}", header.algorithm)));
    }
    let mut validation = Validation::new(header.algorithm);
    validation.set_audience(&[audience]);
    validation.leeway = leeway.as_secs();
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let data = jsonwebtoken::decode::<Claims>(assertion, &key.key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature => AuthError::Expired,
            K::ImmatureSignature => AuthError::NotYetValid,
            K::InvalidAudience => AuthError::WrongAudience,
            K::InvalidSignature => AuthError::BadSignature,
            _ => AuthError::Malformed(e.to_string()),
        }
    })?;
    let c = data.claims;
    if c.iss != c.sub {
        return Err(AuthError::Malformed(
            "the assertion's iss and sub must both be the printer id".into(),
        ));
    }
    // The lifetime is bounded from now, not only from `iat`: an assertion without `iat`, or with an `iat` in the
    // future, would otherwise be a credential that can be replayed for as long as its `exp` says (found by the
    // `device_assertion` fuzz target). Saturating: `exp` and `iat` are the client's numbers.
    let max = MAX_ASSERTION_LIFETIME.as_secs() as i64;
    let now = chrono::Utc::now().timestamp();
    let lives = c.exp.saturating_sub(now);
    let claimed = c.iat.map_or(0, |iat| c.exp.saturating_sub(iat));
    if lives > max.saturating_add(leeway.as_secs() as i64) || claimed > max {
        return Err(AuthError::Malformed(format!(
            "the assertion may live at most {} seconds",
            MAX_ASSERTION_LIFETIME.as_secs()
        )));
    }
    Ok(DeviceAssertion {
        printer_id: c.sub,
        jti: c.jti,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    use serde_json::json;

    const AUDIENCE: &str = "https://platen.invalid/device-token";

    fn signed(claims: serde_json::Value) -> (String, Vec<u8>) {
        let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
        let spki = secret.public_key().to_public_key_der().unwrap().into_vec();
        let key = EncodingKey::from_ec_pem(pem.as_bytes()).unwrap();
        (
            jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key).unwrap(),
            spki,
        )
    }

    fn verify(claims: serde_json::Value) -> Result<DeviceAssertion, AuthError> {
        let (assertion, spki) = signed(claims);
        verify_device_assertion(&assertion, &spki, AUDIENCE, Duration::from_secs(60))
    }

    #[test]
    fn a_short_lived_assertion_is_accepted() {
        let now = chrono::Utc::now().timestamp();
        let ok =
            verify(json!({"iss": "p1", "sub": "p1", "aud": AUDIENCE, "iat": now, "exp": now + 300})).unwrap();
        assert_eq!(ok.printer_id, "p1");
        let no_iat = verify(json!({"iss": "p1", "sub": "p1", "aud": AUDIENCE, "exp": now + 300})).unwrap();
        assert_eq!(no_iat.printer_id, "p1");
    }

    /// Regressions found by the `device_assertion` fuzz target: the lifetime was measured from `iat` only, so an
    /// assertion without `iat`, or with one in the future, could be replayed until a far `exp`.
    #[test]
    fn an_assertion_living_longer_than_the_limit_is_refused_whatever_its_iat() {
        let now = chrono::Utc::now().timestamp();
        let far = now + 100_000_000;
        for claims in [
            json!({"iss": "p1", "sub": "p1", "aud": AUDIENCE, "exp": far}),
            json!({"iss": "p1", "sub": "p1", "aud": AUDIENCE, "exp": far, "iat": far - 60}),
            json!({"iss": "p1", "sub": "p1", "aud": AUDIENCE, "exp": i64::MAX, "iat": -10}),
            json!({"iss": "p1", "sub": "p1", "aud": AUDIENCE, "exp": now + 300, "iat": now - 100_000}),
        ] {
            let refused = verify(claims.clone()).unwrap_err();
            assert!(
                matches!(refused, AuthError::Malformed(_)),
                "{claims}: {refused:?}"
            );
        }
    }
}
