//! A printer's device assertion (the JWT it signs with its certificate's key to get a device token): any
//! string is a client error; claims of any shape signed with the device's key are refused or give the printer
//! the claims name, for a lifetime no longer than the limit.

#![no_main]

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use libfuzzer_sys::fuzz_target;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use platen_auth::{device_assertion_subject, verify_device_assertion};
use serde_json::Value;
use std::sync::OnceLock;
use std::time::Duration;

const AUDIENCE: &str = "https://platen.invalid/device-token";

struct DeviceKey {
    spki: Vec<u8>,
    signing: EncodingKey,
}

fn device_key() -> &'static DeviceKey {
    static KEY: OnceLock<DeviceKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let pem = secret.to_pkcs8_pem(LineEnding::LF).expect("a PEM key");
        let spki = secret
            .public_key()
            .to_public_key_der()
            .expect("a public key")
            .into_vec();
        DeviceKey {
            spki,
            signing: EncodingKey::from_ec_pem(pem.as_bytes()).expect("an encoding key"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let key = device_key();
    let leeway = Duration::from_secs(60);
    if mode % 2 == 0 {
        let Ok(assertion) = std::str::from_utf8(rest) else {
            return;
        };
        if let Err(e) = device_assertion_subject(assertion) {
            assert!(e.is_client_error(), "{e:?}");
        }
        match verify_device_assertion(assertion, &key.spki, AUDIENCE, leeway) {
            Ok(a) => panic!("an unsigned string verified as printer {}", a.printer_id),
            Err(e) => assert!(e.is_client_error(), "{e:?}"),
        }
        return;
    }
    let Ok(claims) = serde_json::from_slice::<Value>(rest) else {
        return;
    };
    let Ok(assertion) = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key.signing) else {
        return;
    };
    match verify_device_assertion(&assertion, &key.spki, AUDIENCE, leeway) {
        Ok(a) => {
            assert_eq!(Some(a.printer_id.as_str()), claims["sub"].as_str());
            let exp = claims["exp"]
                .as_i64()
                .expect("an accepted assertion has an integer exp");
            let now = chrono::Utc::now().timestamp();
            let limit = platen_auth::MAX_ASSERTION_LIFETIME.as_secs() as i64 + 60;
            assert!(
                exp.saturating_sub(now) <= limit,
                "an assertion living {} s was accepted: {claims}",
                exp - now
            );
        }
        Err(e) => assert!(e.is_client_error(), "{e:?}"),
    }
});
