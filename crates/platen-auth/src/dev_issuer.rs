//! Platen's built-in development issuer: mints Entra-shaped tokens signed with a local key, so
//! Platen can be tried and tested without an Entra ID tenant.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::atomic_file::{Creation, create_new_private_file, ensure_private_dir};
use crate::error::AuthError;
use crate::keys::VerificationKey;

/// Directory under the data dir that holds the key.
const KEY_DIR: &str = "dev-issuer";
/// PKCS#8 PEM file of the P-256 signing key.
const KEY_FILE: &str = "key.pem";
/// Longest lifetime `mint` accepts; long enough for any test setup, short enough to stay sane.
const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 60 * 60);
/// Name under which app object ids are derived (UUID v5), so the same tenant and app always get
/// the same service principal id.
const APP_OBJECT_ID_NAMESPACE: &str = "https://platen.invalid/dev-issuer/service-principals";

/// Claims for a development token. A token is delegated when `scopes` is non-empty or `roles` is
/// empty, and an application token otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevClaims {
    /// `tid`.
    pub tenant_id: String,
    /// `oid` of the user. For application tokens it may be left empty to get a stable id derived
    /// from tenant and app.
    pub object_id: String,
    /// `upn` and `preferred_username`.
    pub upn: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `azp` (the client app); required for application tokens.
    pub app_id: Option<String>,
    /// `app_displayname`: the client app's name in the tenant (an application token's service principal name).
    pub app_display_name: Option<String>,
    /// Delegated permissions (`scp`).
    pub scopes: Vec<String>,
    /// Application permissions (`roles`); ignored for delegated tokens.
    pub roles: Vec<String>,
    /// Directory role template ids (`wids`).
    pub directory_roles: Vec<String>,
    /// Group ids (`groups`).
    pub groups: Vec<String>,
    /// `aud`.
    pub audience: String,
}

/// The development issuer's ES256 (P-256) signing key.
#[derive(Clone)]
pub struct DevIssuer {
    encoding_key: EncodingKey,
    kid: String,
    x: String,
    y: String,
    uncompressed_point: Vec<u8>,
}

impl fmt::Debug for DevIssuer {
    // Deliberately omits the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevIssuer")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl DevIssuer {
    /// The `iss` of development tokens; `.invalid` guarantees it can never be a real issuer.
    pub const ISSUER: &'static str = "https://platen.invalid/dev-issuer/v2.0";

    /// Loads the key from `{data_dir}/dev-issuer/key.pem`, generating it (mode 0600) on first
    /// use. Concurrent first use by several processes is safe: the key is written to a temporary
    /// file and linked into place only if absent, and a process that loses the race loads the
    /// winner's key.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, AuthError> {
        let dir = data_dir.join(KEY_DIR);
        let path = dir.join(KEY_FILE);
        ensure_private_dir(&dir).map_err(|error| AuthError::io(&dir, error))?;
        let pem = match std::fs::read_to_string(&path) {
            Ok(pem) => pem,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let generated = p256::SecretKey::random(&mut rand::rngs::OsRng)
                    .to_pkcs8_pem(LineEnding::LF)
                    .map_err(|error| AuthError::Internal(format!("encoding the development key: {error}")))?;
                match create_new_private_file(&path, generated.as_bytes())
                    .map_err(|error| AuthError::io(&path, error))?
                {
                    Creation::Created => generated.to_string(),
                    Creation::AlreadyExisted => {
                        std::fs::read_to_string(&path).map_err(|error| AuthError::io(&path, error))?
                    }
                }
            }
            Err(error) => return Err(AuthError::io(&path, error)),
        };
        Self::from_pkcs8_pem(&pem).map_err(|error| AuthError::Config(format!("{}: {error}", path.display())))
    }

    /// Builds the issuer from a PKCS#8 PEM P-256 private key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, AuthError> {
        let secret = p256::SecretKey::from_pkcs8_pem(pem)
            .map_err(|_| AuthError::Config("not a PKCS#8 PEM P-256 private key".to_owned()))?;
        let pkcs8_der = secret
            .to_pkcs8_der()
            .map_err(|error| AuthError::Internal(format!("encoding the development key: {error}")))?;
        let point = secret.public_key().to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err(AuthError::Internal(
                "the development public key has no coordinates".to_owned(),
            ));
        };
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        Ok(Self {
            encoding_key: EncodingKey::from_ec_der(pkcs8_der.as_bytes()),
            kid: jwk_thumbprint(&x, &y),
            x,
            y,
            uncompressed_point: point.as_bytes().to_vec(),
        })
    }

    /// The key id (`kid`) of the signing key: its RFC 7638 JWK thumbprint.
    pub fn key_id(&self) -> &str {
        &self.kid
    }

    /// Mints a signed token with `claims`, valid from now for `lifetime`.
    pub fn mint(&self, claims: &DevClaims, lifetime: Duration) -> Result<String, AuthError> {
        self.sign(claims, None, lifetime, 0)
    }

    /// [`DevIssuer::mint`] as if issued `offset_secs` from now (negative: in the past), so tests can hold a token
    /// that has already expired or is not valid yet.
    pub fn mint_shifted(
        &self,
        claims: &DevClaims,
        lifetime: Duration,
        offset_secs: i64,
    ) -> Result<String, AuthError> {
        self.sign(claims, None, lifetime, offset_secs)
    }

    /// Mints an OpenID Connect ID token for the console's development sign-in page: the claims of [`mint`]
    /// plus the sign-in's `nonce`, for `claims.audience` (the console's client id).
    ///
    /// [`mint`]: DevIssuer::mint
    pub fn mint_id_token(
        &self,
        claims: &DevClaims,
        nonce: &str,
        lifetime: Duration,
    ) -> Result<String, AuthError> {
        self.sign(claims, Some(nonce), lifetime, 0)
    }

    fn sign(
        &self,
        claims: &DevClaims,
        nonce: Option<&str>,
        lifetime: Duration,
        offset_secs: i64,
    ) -> Result<String, AuthError> {
        if lifetime.is_zero() || lifetime > MAX_LIFETIME {
            return Err(AuthError::InvalidDevClaims(format!(
                "the lifetime must be between 1 second and {} days",
                MAX_LIFETIME.as_secs() / 86_400
            )));
        }
        let mut payload = token_payload(claims, lifetime, offset_secs)?;
        if let (Some(nonce), Some(map)) = (nonce, payload.as_object_mut()) {
            map.insert("nonce".into(), Value::String(nonce.to_owned()));
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &payload, &self.encoding_key)
            .map_err(|error| AuthError::Internal(format!("signing a development token: {error}")))
    }

    /// The public key as a JWK set, e.g. to serve at a JWKS URL.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [{
            "kty": "EC", "crv": "P-256", "x": self.x, "y": self.y,
            "kid": self.kid, "alg": "ES256", "use": "sig",
        }]})
    }

    pub(crate) fn verification_key(&self) -> VerificationKey {
        VerificationKey {
            kid: Some(self.kid.clone()),
            algorithms: vec![Algorithm::ES256],
            key: DecodingKey::from_ec_der(&self.uncompressed_point),
        }
    }
}

/// The claims of a development token, shaped like an Entra ID v2.0 access token.
fn token_payload(claims: &DevClaims, lifetime: Duration, offset_secs: i64) -> Result<Value, AuthError> {
    let invalid = |reason: &str| AuthError::InvalidDevClaims(reason.to_owned());
    if claims.tenant_id.is_empty() {
        return Err(invalid("tenant_id is empty"));
    }
    if claims.audience.is_empty() {
        return Err(invalid("audience is empty"));
    }
    let application = claims.scopes.is_empty() && !claims.roles.is_empty();
    let object_id = match (application, claims.object_id.is_empty(), claims.app_id.as_deref()) {
        (_, false, _) => claims.object_id.clone(),
        (true, true, Some(app_id)) if !app_id.is_empty() => app_object_id(&claims.tenant_id, app_id),
        (true, true, _) => return Err(invalid("application tokens need an app_id")),
        (false, true, _) => return Err(invalid("object_id is empty")),
    };
    let now = chrono::Utc::now().timestamp().saturating_add(offset_secs);
    // MAX_LIFETIME is far below i64::MAX seconds, so this cannot overflow.
    let expires = now + i64::try_from(lifetime.as_secs()).map_err(|_| invalid("lifetime is too long"))?;

    let mut payload = Map::new();
    payload.insert("iss".into(), json!(DevIssuer::ISSUER));
    payload.insert("aud".into(), json!(claims.audience));
    payload.insert("iat".into(), json!(now));
    payload.insert("nbf".into(), json!(now));
    payload.insert("exp".into(), json!(expires));
    payload.insert("ver".into(), json!("2.0"));
    payload.insert("tid".into(), json!(claims.tenant_id));
    payload.insert("oid".into(), json!(object_id));
    payload.insert("sub".into(), json!(object_id));
    insert_optional(&mut payload, "azp", claims.app_id.as_deref());
    insert_optional(
        &mut payload,
        "app_displayname",
        claims.app_display_name.as_deref(),
    );
    insert_optional(&mut payload, "upn", claims.upn.as_deref());
    insert_optional(&mut payload, "preferred_username", claims.upn.as_deref());
    insert_optional(&mut payload, "name", claims.name.as_deref());
    if application {
        payload.insert("idtyp".into(), json!("app"));
        payload.insert("roles".into(), json!(claims.roles));
    } else {
        payload.insert("idtyp".into(), json!("user"));
        payload.insert("scp".into(), json!(claims.scopes.join(" ")));
    }
    if !claims.directory_roles.is_empty() {
        payload.insert("wids".into(), json!(claims.directory_roles));
    }
    if !claims.groups.is_empty() {
        payload.insert("groups".into(), json!(claims.groups));
    }
    Ok(Value::Object(payload))
}

fn insert_optional(payload: &mut Map<String, Value>, name: &str, value: Option<&str>) {
    if let Some(value) = value.filter(|value| !value.is_empty()) {
        payload.insert(name.to_owned(), json!(value));
    }
}

/// A stable service principal object id for `app_id` in `tenant_id`.
fn app_object_id(tenant_id: &str, app_id: &str) -> String {
    let namespace = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, APP_OBJECT_ID_NAMESPACE.as_bytes());
    uuid::Uuid::new_v5(&namespace, format!("{tenant_id}/{app_id}").as_bytes()).to_string()
}

/// RFC 7638 thumbprint of a P-256 JWK: base64url(SHA-256) of its required members in
/// lexicographic order without whitespace.
fn jwk_thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_object_ids_are_stable_and_distinct() {
        assert_eq!(app_object_id("t", "a"), app_object_id("t", "a"));
        assert_ne!(app_object_id("t", "a"), app_object_id("t", "b"));
        assert_ne!(app_object_id("t", "a"), app_object_id("u", "a"));
    }

    #[test]
    fn refuses_claims_that_cannot_make_a_token() {
        let issuer = DevIssuer::from_pkcs8_pem(
            &p256::SecretKey::random(&mut rand::rngs::OsRng)
                .to_pkcs8_pem(LineEnding::LF)
                .unwrap(),
        )
        .unwrap();
        let valid = DevClaims {
            tenant_id: "t".into(),
            object_id: "o".into(),
            audience: "a".into(),
            ..DevClaims::default()
        };
        let hour = Duration::from_secs(3600);
        assert!(issuer.mint(&valid, hour).is_ok());
        for broken in [
            DevClaims {
                tenant_id: String::new(),
                ..valid.clone()
            },
            DevClaims {
                audience: String::new(),
                ..valid.clone()
            },
            DevClaims {
                object_id: String::new(),
                ..valid.clone()
            },
            DevClaims {
                object_id: String::new(),
                roles: vec!["r".into()],
                ..valid.clone()
            },
        ] {
            assert!(
                matches!(issuer.mint(&broken, hour), Err(AuthError::InvalidDevClaims(_))),
                "{broken:?}"
            );
        }
        assert!(issuer.mint(&valid, Duration::ZERO).is_err());
        assert!(issuer.mint(&valid, Duration::MAX).is_err());
    }
}
