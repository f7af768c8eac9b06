//! End-to-end tests of token verification with real keys, files and a JWKS server.

mod dev_issuer;
mod id_token;
mod jwks_url;
mod key_file;
mod rejection;
mod verified_cache;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};

use crate::{AuthConfig, DevClaims, DevIssuer, Verifier};

const HOUR: Duration = Duration::from_secs(3600);
const TENANT: &str = "8a3f7c2e-51d4-4b6a-9f0e-2c7d1e5b9a44";
const USER: &str = "0c9e2d4a-7b1f-4e3c-8a6d-5f2b1c9e7d30";

/// A P-256 key the test controls, in every encoding the tests need.
struct EcTestKey {
    private_pkcs8_pem: String,
    public_spki_pem: String,
    x: String,
    y: String,
}

impl EcTestKey {
    fn generate() -> Self {
        let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let point = secret.public_key().to_encoded_point(false);
        Self {
            private_pkcs8_pem: secret.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            public_spki_pem: secret.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
            x: URL_SAFE_NO_PAD.encode(point.x().unwrap()),
            y: URL_SAFE_NO_PAD.encode(point.y().unwrap()),
        }
    }

    fn jwk(&self, kid: &str) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y, "kid": kid, "use": "sig", "alg": "ES256"})
    }

    fn sign(&self, kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = kid.map(str::to_owned);
        let key = EncodingKey::from_ec_pem(self.private_pkcs8_pem.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }
}

/// Valid Entra-shaped delegated claims from `issuer`, expiring in an hour.
fn delegated_claims(issuer: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": issuer, "aud": "https://graph.microsoft.com", "iat": now, "nbf": now, "exp": now + 3600,
        "tid": TENANT, "oid": USER, "upn": "ada@contoso.example", "name": "Ada",
        "appid": "5d3c1b2a-0000-4000-8000-000000000001", "scp": "PrintJob.Create Printer.Read.All",
    })
}

fn dev_issuer() -> (tempfile::TempDir, DevIssuer) {
    let dir = tempfile::tempdir().unwrap();
    let issuer = DevIssuer::load_or_create(dir.path()).unwrap();
    (dir, issuer)
}

fn dev_verifier(issuer: &DevIssuer) -> Verifier {
    let config = AuthConfig {
        trust_dev_issuer: true,
        dev_audiences: vec!["api://platen".into()],
        ..AuthConfig::default()
    };
    Verifier::new(config, Some(issuer.clone())).unwrap()
}

fn user_claims() -> DevClaims {
    DevClaims {
        tenant_id: TENANT.into(),
        object_id: USER.into(),
        upn: Some("ada@contoso.example".into()),
        name: Some("Ada Lovelace".into()),
        app_id: Some("cli-app".into()),
        scopes: vec!["PrintJob.Create".into(), "Printer.Read.All".into()],
        directory_roles: vec![crate::PRINTER_ADMINISTRATOR_ROLE.into()],
        groups: vec!["group-1".into()],
        audience: "https://graph.microsoft.com".into(),
        ..DevClaims::default()
    }
}

#[test]
fn verifier_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
    assert_send_sync_clone::<Verifier>();
    assert_send_sync_clone::<DevIssuer>();
}
