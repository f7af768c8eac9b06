//! Public keys that verify token signatures, read from JWKS documents or PEM files.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::DecodePublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::traits::PublicKeyParts;
use serde::Deserialize;

use crate::error::AuthError;

/// Signature algorithms Platen verifies, by JOSE name. HMAC and `none` are deliberately absent:
/// a verifier holding only public keys must never treat one as a shared secret.
const SUPPORTED_ALGORITHMS: &[(&str, Algorithm)] = &[
    ("RS256", Algorithm::RS256),
    ("RS384", Algorithm::RS384),
    ("RS512", Algorithm::RS512),
    ("PS256", Algorithm::PS256),
    ("PS384", Algorithm::PS384),
    ("PS512", Algorithm::PS512),
    ("ES256", Algorithm::ES256),
    ("ES384", Algorithm::ES384),
];
const RSA_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];
const MIN_RSA_BITS: usize = 2048;
/// Key files are small; anything bigger is a misconfiguration, not a key.
const MAX_KEY_FILE_BYTES: u64 = 1024 * 1024;

/// The algorithm with JOSE name `name`, if Platen verifies it.
pub(crate) fn supported_algorithm(name: &str) -> Option<Algorithm> {
    SUPPORTED_ALGORITHMS
        .iter()
        .find(|(candidate, _)| *candidate == name)
        .map(|(_, algorithm)| *algorithm)
}

/// The JOSE name of a supported algorithm.
pub(crate) fn algorithm_name(algorithm: Algorithm) -> &'static str {
    SUPPORTED_ALGORITHMS
        .iter()
        .find(|(_, candidate)| *candidate == algorithm)
        .map_or("unsupported", |(name, _)| name)
}

/// One issuer signing key and the algorithms it may be used with.
#[derive(Clone)]
pub(crate) struct VerificationKey {
    pub(crate) kid: Option<String>,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) key: DecodingKey,
}

/// An issuer's signing keys.
#[derive(Clone, Default)]
pub(crate) struct KeySet {
    keys: Vec<VerificationKey>,
}

impl KeySet {
    pub(crate) fn single(key: VerificationKey) -> Self {
        Self { keys: vec![key] }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key a token with `kid` names. Without a `kid`, or when the set is a single key without
    /// one (a PEM file), the only key is used.
    pub(crate) fn find(&self, kid: Option<&str>) -> Option<&VerificationKey> {
        let by_kid = kid.and_then(|kid| self.keys.iter().find(|key| key.kid.as_deref() == Some(kid)));
        by_kid.or(match self.keys.as_slice() {
            [only] if kid.is_none() || only.kid.is_none() => Some(only),
            _ => None,
        })
    }
}

/// Loads a key file: a JWKS JSON document, or a PEM public key (SPKI RSA/EC, or PKCS#1 RSA).
pub(crate) fn load_key_file(path: &Path) -> Result<KeySet, AuthError> {
    let size = std::fs::metadata(path)
        .map_err(|error| AuthError::io(path, error))?
        .len();
    if size > MAX_KEY_FILE_BYTES {
        return Err(AuthError::Config(format!(
            "{}: larger than {MAX_KEY_FILE_BYTES} bytes",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|error| AuthError::io(path, error))?;
    let parsed = if text.trim_start().starts_with('{') {
        parse_jwks(text.as_bytes())
    } else {
        parse_pem_public_key(&text).map(KeySet::single)
    };
    match parsed {
        Ok(keys) if keys.is_empty() => Err(AuthError::Config(format!(
            "{}: contains no usable signing key",
            path.display()
        ))),
        Ok(keys) => Ok(keys),
        Err(reason) => Err(AuthError::Config(format!("{}: {reason}", path.display()))),
    }
}

/// Parses a PEM public key: SPKI for EC P-256/P-384 or RSA, or a PKCS#1 RSA public key.
pub(crate) fn parse_pem_public_key(pem: &str) -> Result<VerificationKey, String> {
    if let Ok(key) = p256::PublicKey::from_public_key_pem(pem) {
        return Ok(ec_key(
            None,
            vec![Algorithm::ES256],
            key.to_encoded_point(false).as_bytes(),
        ));
    }
    if let Ok(key) = p384::PublicKey::from_public_key_pem(pem) {
        return Ok(ec_key(
            None,
            vec![Algorithm::ES384],
            key.to_encoded_point(false).as_bytes(),
        ));
    }
    let rsa = rsa::RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|_| "not a PEM public key of type RSA or EC P-256/P-384".to_owned())?;
    let bits = rsa.n().bits();
    if bits < MIN_RSA_BITS {
        return Err(format!(
            "the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
        ));
    }
    Ok(VerificationKey {
        kid: None,
        algorithms: RSA_ALGORITHMS.to_vec(),
        key: DecodingKey::from_rsa_raw_components(&rsa.n().to_bytes_be(), &rsa.e().to_bytes_be()),
    })
}

#[derive(Deserialize)]
struct JwkSetDocument {
    keys: Vec<serde_json::Value>,
}

/// The JWK members Platen reads (RFC 7517/7518); others are ignored.
#[derive(Deserialize)]
struct JwkMembers {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    alg: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// Parses a JWK set. Keys Platen cannot or must not use (encryption keys, symmetric keys, other
/// curves, short RSA keys) are skipped, so one odd key cannot take down a whole issuer.
pub(crate) fn parse_jwks(json: &[u8]) -> Result<KeySet, String> {
    let document: JwkSetDocument =
        serde_json::from_slice(json).map_err(|error| format!("not a JWK set document: {error}"))?;
    let mut keys = Vec::new();
    for member in document.keys {
        let parsed = serde_json::from_value::<JwkMembers>(member)
            .map_err(|error| error.to_string())
            .and_then(|jwk| key_from_jwk(&jwk));
        match parsed {
            Ok(Some(key)) => keys.push(key),
            Ok(None) => {}
            Err(reason) => tracing::warn!(%reason, "skipping an unusable key in a JWK set"),
        }
    }
    Ok(KeySet { keys })
}

fn key_from_jwk(jwk: &JwkMembers) -> Result<Option<VerificationKey>, String> {
    if jwk.usage.as_deref().is_some_and(|usage| usage != "sig") {
        return Ok(None);
    }
    let kid = jwk.kid.clone();
    match jwk.kty.as_str() {
        "RSA" => {
            let n = decode_member(jwk.n.as_deref(), "n")?;
            let e = decode_member(jwk.e.as_deref(), "e")?;
            let bits = significant_bits(&n);
            if bits < MIN_RSA_BITS {
                return Err(format!(
                    "RSA key {kid:?} has {bits} bits; at least {MIN_RSA_BITS} are required"
                ));
            }
            let algorithms = restrict(RSA_ALGORITHMS, jwk.alg.as_deref())?;
            Ok(Some(VerificationKey {
                kid,
                algorithms,
                key: DecodingKey::from_rsa_raw_components(&n, &e),
            }))
        }
        "EC" => {
            let x = decode_member(jwk.x.as_deref(), "x")?;
            let y = decode_member(jwk.y.as_deref(), "y")?;
            let point = [&[0x04][..], &x, &y].concat();
            let algorithm = match jwk.crv.as_deref() {
                Some("P-256") => {
                    p256::PublicKey::from_sec1_bytes(&point)
                        .map_err(|_| format!("EC key {kid:?} is not on P-256"))?;
                    Algorithm::ES256
                }
                Some("P-384") => {
                    p384::PublicKey::from_sec1_bytes(&point)
                        .map_err(|_| format!("EC key {kid:?} is not on P-384"))?;
                    Algorithm::ES384
                }
                other => return Err(format!("EC key {kid:?} uses unsupported curve {other:?}")),
            };
            let algorithms = restrict(&[algorithm], jwk.alg.as_deref())?;
            Ok(Some(ec_key(kid, algorithms, &point)))
        }
        // "oct" keys are shared secrets and never verify tokens here; "OKP" (EdDSA) is unsupported.
        _ => Ok(None),
    }
}

/// The algorithms a key may verify: all that fit its type, or only the one its `alg` declares.
fn restrict(candidates: &[Algorithm], declared: Option<&str>) -> Result<Vec<Algorithm>, String> {
    match declared {
        None => Ok(candidates.to_vec()),
        Some(name) => supported_algorithm(name)
            .filter(|algorithm| candidates.contains(algorithm))
            .map(|algorithm| vec![algorithm])
            .ok_or_else(|| format!("declared alg {name:?} does not fit the key")),
    }
}

fn ec_key(kid: Option<String>, algorithms: Vec<Algorithm>, uncompressed_point: &[u8]) -> VerificationKey {
    VerificationKey {
        kid,
        algorithms,
        key: DecodingKey::from_ec_der(uncompressed_point),
    }
}

fn decode_member(value: Option<&str>, name: &str) -> Result<Vec<u8>, String> {
    let value = value.ok_or_else(|| format!("JWK member {name} is missing"))?;
    URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .map_err(|_| format!("JWK member {name} is not base64url"))
}

/// Bit length of a big-endian unsigned integer.
fn significant_bits(big_endian: &[u8]) -> usize {
    match big_endian.iter().position(|&byte| byte != 0) {
        Some(first) => (big_endian.len() - first) * 8 - big_endian[first].leading_zeros() as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ec_jwk(kid: &str, extra: serde_json::Value) -> serde_json::Value {
        let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let point = secret.public_key().to_encoded_point(false);
        let mut jwk = serde_json::json!({
            "kty": "EC", "crv": "P-256", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()), "y": URL_SAFE_NO_PAD.encode(point.y().unwrap()),
        });
        for (name, value) in extra.as_object().unwrap() {
            jwk[name] = value.clone();
        }
        jwk
    }

    #[test]
    fn unusable_keys_are_skipped_and_usable_ones_kept() {
        let document = serde_json::json!({"keys": [
            ec_jwk("good", serde_json::json!({})),
            ec_jwk("encryption", serde_json::json!({"use": "enc"})),
            ec_jwk("wrong-alg", serde_json::json!({"alg": "RS256"})),
            ec_jwk("off-curve", serde_json::json!({"x": URL_SAFE_NO_PAD.encode([1u8; 32])})),
            {"kty": "oct", "kid": "secret", "k": "c2VjcmV0"},
            {"kty": "RSA", "kid": "short", "n": URL_SAFE_NO_PAD.encode([0xffu8; 128]), "e": "AQAB"},
            {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "AA"},
            {"no": "kty"},
            "not even an object",
        ]});
        let keys = parse_jwks(document.to_string().as_bytes()).unwrap();
        assert_eq!(keys.keys.len(), 1);
        assert_eq!(keys.find(Some("good")).unwrap().algorithms, [Algorithm::ES256]);
        assert!(keys.find(Some("secret")).is_none());
    }

    #[test]
    fn lookup_by_kid_and_single_key_fallbacks() {
        let two = parse_jwks(serde_json::json!({"keys": [ec_jwk("a", serde_json::json!({})), ec_jwk("b", serde_json::json!({}))]}).to_string().as_bytes()).unwrap();
        assert_eq!(two.find(Some("b")).unwrap().kid.as_deref(), Some("b"));
        assert!(two.find(None).is_none(), "ambiguous without kid");
        assert!(two.find(Some("c")).is_none());

        let one = parse_jwks(
            serde_json::json!({"keys": [ec_jwk("a", serde_json::json!({}))]})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert!(one.find(None).is_some());
        assert!(
            one.find(Some("other")).is_none(),
            "a kid that names another key is unknown"
        );
    }

    #[test]
    fn garbage_documents_and_pem_are_errors() {
        assert!(parse_jwks(b"").is_err());
        assert!(parse_jwks(b"{\"keys\": 5}").is_err());
        assert!(parse_pem_public_key("").is_err());
        assert!(
            parse_pem_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").is_err()
        );
    }

    #[test]
    fn algorithm_names_round_trip() {
        for (name, algorithm) in SUPPORTED_ALGORITHMS {
            assert_eq!(supported_algorithm(name), Some(*algorithm));
            assert_eq!(algorithm_name(*algorithm), *name);
        }
        assert_eq!(supported_algorithm("HS256"), None);
        assert_eq!(supported_algorithm("none"), None);
    }
}
