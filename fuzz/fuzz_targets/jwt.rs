//! Bearer token verification (the development issuer's keys, as `platen serve` trusts them): any string is a
//! client error (401), never a server error or a panic; claims of any shape, signed with the trusted key, give
//! either a 401 or a principal of that issuer that has not expired; the verified-token cache answers a second
//! verification exactly as the first.

#![no_main]

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use libfuzzer_sys::fuzz_target;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use platen_auth::{AuthConfig, AuthError, DevIssuer, Principal, Verifier};
use serde_json::Value;
use std::sync::OnceLock;

struct Keys {
    runtime: tokio::runtime::Runtime,
    verifier: Verifier,
    signing: EncodingKey,
    kid: String,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let pem = secret.to_pkcs8_pem(LineEnding::LF).expect("a PEM key");
        let dev = DevIssuer::from_pkcs8_pem(&pem).expect("a development issuer");
        let kid = dev.key_id().to_owned();
        let config = AuthConfig {
            trust_dev_issuer: true,
            ..AuthConfig::default()
        };
        Keys {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            verifier: Verifier::new(config, Some(dev)).expect("a verifier"),
            signing: EncodingKey::from_ec_pem(pem.as_bytes()).expect("an encoding key"),
            kid,
        }
    })
}

fn verify(token: &str) -> Result<Principal, AuthError> {
    let k = keys();
    let first = k.runtime.block_on(k.verifier.verify(token));
    let second = k.runtime.block_on(k.verifier.verify(token));
    match (&first, &second) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the cache changed the principal"),
        // The kind of refusal, not its text: for a token lacking several claims, jsonwebtoken names whichever
        // it checks first, and it keeps them in a hash set.
        (Err(a), Err(b)) => {
            assert_eq!(
                std::mem::discriminant(a),
                std::mem::discriminant(b),
                "the cache changed the refusal: {a} / {b}"
            )
        }
        _ => panic!("the cache changed the answer: {first:?} then {second:?}"),
    }
    if let Err(e) = &first {
        assert!(e.is_client_error(), "a server error for a client's token: {e:?}");
    }
    first
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let k = keys();
    match mode % 2 {
        // Whatever a client puts after `Bearer `.
        0 => {
            if let Ok(token) = std::str::from_utf8(rest) {
                assert!(verify(token).is_err(), "an unsigned string verified: {token:?}");
            }
        }
        // Any claims, properly signed by the trusted key.
        _ => {
            let Ok(claims) = serde_json::from_slice::<Value>(rest) else {
                return;
            };
            let mut header = Header::new(Algorithm::ES256);
            header.kid = Some(k.kid.clone());
            let Ok(token) = jsonwebtoken::encode(&header, &claims, &k.signing) else {
                return;
            };
            if let Ok(principal) = verify(&token) {
                assert_eq!(principal.issuer, DevIssuer::ISSUER);
                assert!(
                    !principal.tenant_id.is_empty() && !principal.object_id.is_empty(),
                    "{principal:?}"
                );
                let now = chrono::Utc::now() - chrono::Duration::minutes(10);
                assert!(principal.expires_at > now, "an expired token verified: {claims}");
            }
        }
    }
});
