//! A first, unverified look at a token: just enough to pick the issuer, key and algorithm.
//!
//! Nothing read here is trusted; it only selects which key to verify the signature with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{AuthError, truncate_for_error};
use crate::keys::supported_algorithm;

/// Entra tokens are a few KiB even with many groups; larger input is refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// What the token claims about itself before verification.
#[derive(Debug)]
pub(crate) struct UnverifiedToken {
    pub(crate) algorithm: Algorithm,
    pub(crate) kid: Option<String>,
    pub(crate) issuer: String,
}

#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct IssuerOnly {
    iss: Option<serde_json::Value>,
}

/// Splits and decodes `token` far enough to know its algorithm, key id and issuer.
pub(crate) fn inspect(token: &str) -> Result<UnverifiedToken, AuthError> {
    if token.is_empty() {
        return Err(AuthError::Missing);
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::Malformed(format!(
            "the token is larger than {MAX_TOKEN_BYTES} bytes"
        )));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err(AuthError::Malformed(if parts.len() == 5 {
            "encrypted tokens (JWE) are not supported".to_owned()
        } else {
            "a JWT consists of three dot-separated parts".to_owned()
        }));
    };
    let header: Header = decode_part(header, "header")?;
    let algorithm = accepted_algorithm(header.alg.as_deref())?;
    if header.crit.is_some() {
        // RFC 7515 §4.1.11: extensions marked critical must be understood; Platen knows none.
        return Err(AuthError::Malformed(
            "critical header extensions are not supported".to_owned(),
        ));
    }
    if signature.is_empty() {
        return Err(AuthError::Malformed("the token is not signed".to_owned()));
    }
    let claims: IssuerOnly = decode_part(payload, "payload")?;
    let issuer = match claims.iss {
        Some(serde_json::Value::String(issuer)) => issuer,
        Some(_) => return Err(AuthError::Malformed("the iss claim is not a string".to_owned())),
        None => return Err(AuthError::MissingClaim("iss")),
    };
    Ok(UnverifiedToken {
        algorithm,
        kid: header.kid,
        issuer,
    })
}

fn accepted_algorithm(name: Option<&str>) -> Result<Algorithm, AuthError> {
    let name = name.ok_or_else(|| AuthError::Malformed("the header has no alg".to_owned()))?;
    if let Some(algorithm) = supported_algorithm(name) {
        return Ok(algorithm);
    }
    let reason = if name.eq_ignore_ascii_case("none") {
        "unsigned tokens (alg \"none\") are not accepted".to_owned()
    } else if name.to_ascii_uppercase().starts_with("HS") {
        "HMAC-signed tokens are not accepted".to_owned()
    } else {
        format!("algorithm \"{}\" is not supported", truncate_for_error(name))
    };
    Err(AuthError::AlgorithmNotAllowed(reason))
}

fn decode_part<T: DeserializeOwned>(part: &str, name: &str) -> Result<T, AuthError> {
    let json = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| AuthError::Malformed(format!("the token {name} is not base64url")))?;
    serde_json::from_slice(&json)
        .map_err(|_| AuthError::Malformed(format!("the token {name} is not a JSON object")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(json.to_string())
    }

    fn token(header: serde_json::Value, payload: serde_json::Value) -> String {
        format!("{}.{}.c2ln", encode(&header), encode(&payload))
    }

    #[test]
    fn reads_algorithm_kid_and_issuer() {
        let inspected = inspect(&token(
            serde_json::json!({"alg": "ES256", "kid": "k"}),
            serde_json::json!({"iss": "i"}),
        ))
        .unwrap();
        assert_eq!(inspected.algorithm, Algorithm::ES256);
        assert_eq!(inspected.kid.as_deref(), Some("k"));
        assert_eq!(inspected.issuer, "i");
    }

    #[test]
    fn refuses_dangerous_algorithms() {
        for alg in ["none", "NONE", "HS256", "hs512", "EdDSA", "RSA-OAEP"] {
            let result = inspect(&token(
                serde_json::json!({"alg": alg}),
                serde_json::json!({"iss": "i"}),
            ));
            assert!(
                matches!(result, Err(AuthError::AlgorithmNotAllowed(_))),
                "{alg}: {result:?}"
            );
        }
    }

    #[test]
    fn refuses_malformed_shapes() {
        let cases = [
            "a".to_owned(),
            "a.b".to_owned(),
            "a.b.c.d".to_owned(),
            "a.b.c.d.e".to_owned(),
            "!!.!!.!!".to_owned(),
            format!(
                "{}.{}.",
                encode(&serde_json::json!({"alg": "ES256"})),
                encode(&serde_json::json!({"iss": "i"}))
            ),
            token(
                serde_json::json!({"alg": "ES256", "crit": ["exp"]}),
                serde_json::json!({"iss": "i"}),
            ),
            token(serde_json::json!({"alg": "ES256"}), serde_json::json!({"iss": 5})),
            token(serde_json::json!({"alg": 5}), serde_json::json!({"iss": "i"})),
            token(serde_json::json!({}), serde_json::json!({"iss": "i"})),
            token(serde_json::json!([]), serde_json::json!({"iss": "i"})),
            "x".repeat(MAX_TOKEN_BYTES + 1),
        ];
        for case in cases {
            assert!(
                matches!(inspect(&case), Err(AuthError::Malformed(_))),
                "{case:.80}"
            );
        }
        assert!(matches!(inspect(""), Err(AuthError::Missing)));
        let no_issuer = token(serde_json::json!({"alg": "ES256"}), serde_json::json!({}));
        assert!(matches!(inspect(&no_issuer), Err(AuthError::MissingClaim("iss"))));
    }
}
