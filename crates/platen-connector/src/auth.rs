//! Device access tokens (RFC 7523 JWT bearer grant).
//!
//! The printer proves possession of the key whose CSR Platen's CA signed: it signs a short-lived ES256
//! assertion (`iss` = `sub` = printer id, `aud` = the token URL) and exchanges it at `{server}/device/token`.
//! Tokens are cached and renewed a minute before they expire, or at once after the server refused one.

use crate::error::{Error, Result};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

const ASSERTION_LIFETIME_SECS: u64 = 300;
const RENEW_BEFORE: Duration = Duration::from_secs(60);
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

struct Cached {
    token: String,
    renew_at: Instant,
}

pub struct TokenSource {
    http: reqwest::Client,
    token_url: String,
    printer_id: String,
    key: EncodingKey,
    cached: Mutex<Option<Cached>>,
}

impl TokenSource {
    /// `key_pem`: the printer's PKCS#8 private key.
    pub fn new(http: reqwest::Client, server: &str, printer_id: &str, key_pem: &str) -> Result<Self> {
        let key = EncodingKey::from_ec_pem(key_pem.as_bytes())
            .map_err(|e| Error::Other(format!("the printer key is unusable: {e}")))?;
        Ok(TokenSource {
            http,
            token_url: format!("{server}/device/token"),
            printer_id: printer_id.to_string(),
            key,
            cached: Mutex::new(None),
        })
    }

    /// The signed assertion for one token request.
    pub fn assertion(&self) -> Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| Error::Other(format!("system clock before 1970: {e}")))?
            .as_secs();
        let claims = Claims {
            iss: &self.printer_id,
            sub: &self.printer_id,
            aud: &self.token_url,
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.key)
            .map_err(|e| Error::Other(format!("signing the device assertion: {e}")))
    }

    /// A valid access token, from the cache or freshly obtained.
    pub async fn token(&self) -> Result<String> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && Instant::now() < c.renew_at
        {
            return Ok(c.token.clone());
        }
        let fresh = self.request().await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Drops the cached token (after the server answered 401 to it).
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    async fn request(&self) -> Result<Cached> {
        let assertion = self.assertion()?;
        let form = format!(
            "grant_type={}&assertion={}",
            urlencode(GRANT_TYPE),
            urlencode(&assertion)
        );
        let resp = self
            .http
            .post(&self.token_url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|source| Error::Transport {
                peer: "server",
                source,
            })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|source| Error::Transport {
            peer: "server",
            source,
        })?;
        match status {
            200 => {
                let t: TokenResponse = serde_json::from_slice(&body)
                    .map_err(|e| Error::protocol("server", format!("token response: {e}")))?;
                let lifetime = Duration::from_secs(t.expires_in.unwrap_or(300));
                Ok(Cached {
                    token: t.access_token,
                    renew_at: Instant::now() + lifetime.saturating_sub(RENEW_BEFORE),
                })
            }
            400 | 401 | 403 => Err(Error::Auth(String::from_utf8_lossy(&body).into_owned())),
            _ => Err(Error::Http {
                peer: "server",
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            }),
        }
    }
}

/// application/x-www-form-urlencoded for the two values we send (a URN and a JWT).
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    #[test]
    fn the_assertion_has_the_contracted_header_and_claims_and_verifies() {
        let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let src = TokenSource::new(
            reqwest::Client::new(),
            "http://s:1",
            "printer-1",
            &kp.serialize_pem(),
        )
        .unwrap();
        let jwt = src.assertion().unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["typ"], "JWT");
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "printer-1");
        assert_eq!(claims["sub"], "printer-1");
        assert_eq!(claims["aud"], "http://s:1/device/token");
        let (iat, exp) = (claims["iat"].as_u64().unwrap(), claims["exp"].as_u64().unwrap());
        assert!(exp > iat && exp - iat <= 600);
        assert!(claims["jti"].as_str().unwrap().len() >= 16);
        // Verifiable with the public key from the CSR's SubjectPublicKeyInfo.
        use rcgen::PublicKeyData;
        let spki = kp.subject_public_key_info();
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(spki)
        );
        let key = jsonwebtoken::DecodingKey::from_ec_pem(pem.as_bytes()).unwrap();
        let mut v = jsonwebtoken::Validation::new(Algorithm::ES256);
        v.set_audience(&["http://s:1/device/token"]);
        jsonwebtoken::decode::<serde_json::Value>(&jwt, &key, &v).unwrap();
    }

    #[test]
    fn form_values_are_escaped() {
        assert_eq!(urlencode("urn:ietf:a b"), "urn%3Aietf%3Aa%20b");
        assert_eq!(urlencode("x.y-z_~"), "x.y-z_~");
    }
}
