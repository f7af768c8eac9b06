//! OpenID Connect for the console's sign-in: the authorization code flow with PKCE (RFC 7636, S256) against
//! any provider that publishes a discovery document (Entra ID, Keycloak, …). The ID token is verified by
//! [`platen_auth::Verifier::verify_id_token`] with the keys of the provider's issuer, which must therefore be
//! one of Platen's trusted issuers (`[[auth.issuers]]`).

use crate::error::ConsoleError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use platen_app::console::ConsoleIdentity;
use platen_auth::{IdToken, PRINTER_ADMINISTRATOR_ROLE};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A provider people sign in with (`[[console.providers]]`).
#[derive(Debug, Clone)]
pub struct OidcProvider {
    /// Names the provider in URLs (`/console/sign-in/oidc/{id}`).
    pub id: String,
    /// Shown on the sign-in button.
    pub name: String,
    /// The ID tokens' `iss`; a trusted issuer of Platen's.
    pub issuer: String,
    pub client_id: String,
    /// For confidential clients (sent as `client_secret_post`); public clients rely on PKCE alone.
    pub client_secret: Option<String>,
    /// Default: `{issuer}/.well-known/openid-configuration`.
    pub discovery_url: Option<String>,
    /// Default: `openid profile email`.
    pub scopes: Vec<String>,
    /// The tenant of users whose ID token has no `tid` (providers other than Entra ID).
    pub tenant_id: Option<String>,
    /// A provider role (`roles` claim) that makes a Printer Administrator, for providers without Entra's
    /// directory roles (`wids`).
    pub admin_role: Option<String>,
}

impl OidcProvider {
    fn discovery_url(&self) -> String {
        self.discovery_url.clone().unwrap_or_else(|| {
            format!(
                "{}/.well-known/openid-configuration",
                self.issuer.trim_end_matches('/')
            )
        })
    }

    fn scope(&self) -> String {
        if self.scopes.is_empty() {
            "openid profile email".into()
        } else {
            self.scopes.join(" ")
        }
    }

    /// Who the verified ID token says signed in.
    pub(crate) fn identity(&self, token: IdToken) -> Result<ConsoleIdentity, ConsoleError> {
        if token.iss != self.issuer {
            return Err(ConsoleError::Forbidden(
                "The sign-in came back from another issuer than the one it went to.".into(),
            ));
        }
        let tenant_id = token.tid.clone().or_else(|| self.tenant_id.clone()).ok_or_else(|| {
            ConsoleError::Forbidden(
                "Your account's sign-in names no organisation (tid). The administrator sets tenant_id for this \
                 provider in Platen's configuration."
                    .into(),
            )
        })?;
        let object_id = token.oid.clone().or_else(|| token.sub.clone()).ok_or_else(|| {
            ConsoleError::Forbidden("Your account's sign-in names no user (oid or sub).".into())
        })?;
        let mut directory_roles = token.wids.clone();
        if let Some(role) = &self.admin_role
            && token.roles.iter().any(|r| r == role)
        {
            directory_roles.push(PRINTER_ADMINISTRATOR_ROLE.to_string());
        }
        Ok(ConsoleIdentity {
            tenant_id,
            object_id,
            user_principal_name: token.upn.or(token.preferred_username).or(token.email),
            display_name: token.name,
            groups: token.groups,
            directory_roles,
            issuer: token.iss,
        })
    }
}

/// The endpoints a discovery document names.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Endpoints {
    pub authorization_endpoint: String,
    pub token_endpoint: String,
}

/// Discovery documents, kept for an hour.
#[derive(Default)]
pub(crate) struct DiscoveryCache {
    entries: Mutex<HashMap<String, (Instant, Endpoints)>>,
}

const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

impl DiscoveryCache {
    pub(crate) async fn endpoints(
        &self,
        http: &reqwest::Client,
        provider: &OidcProvider,
    ) -> Result<Endpoints, ConsoleError> {
        let url = provider.discovery_url();
        if let Ok(entries) = self.entries.lock()
            && let Some((at, e)) = entries.get(&url)
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(e.clone());
        }
        let unavailable = |e: String| {
            tracing::warn!(provider = %provider.id, error = %e, "OpenID discovery failed");
            ConsoleError::Unavailable(format!("{} could not be reached to sign you in.", provider.name))
        };
        let response = http
            .get(&url)
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("{url} answered {}", response.status())));
        }
        let endpoints: Endpoints = response.json().await.map_err(|e| unavailable(e.to_string()))?;
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(url, (Instant::now(), endpoints.clone()));
        }
        Ok(endpoints)
    }
}

/// One sign-in in flight: what the callback must see again.
pub(crate) struct Pending {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub return_to: String,
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Pending {
    pub fn new(provider: &str, return_to: &str) -> Self {
        Self {
            provider: provider.to_string(),
            state: random_token(),
            nonce: random_token(),
            verifier: random_token(),
            return_to: return_to.to_string(),
        }
    }

    /// The cookie's value: fields without `.` joined by `.` (the return path base64url-encoded).
    pub fn to_cookie(&self) -> String {
        [
            URL_SAFE_NO_PAD.encode(&self.provider),
            self.state.clone(),
            self.nonce.clone(),
            self.verifier.clone(),
            URL_SAFE_NO_PAD.encode(&self.return_to),
        ]
        .join(".")
    }

    pub fn from_cookie(value: &str) -> Option<Self> {
        let mut parts = value.split('.');
        let text = |s: Option<&str>| String::from_utf8(URL_SAFE_NO_PAD.decode(s?).ok()?).ok();
        let provider = text(parts.next())?;
        let state = parts.next()?.to_string();
        let nonce = parts.next()?.to_string();
        let verifier = parts.next()?.to_string();
        let return_to = text(parts.next())?;
        Some(Self {
            provider,
            state,
            nonce,
            verifier,
            return_to,
        })
    }

    /// The PKCE challenge (S256) of the verifier.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }
}

/// The URL that sends the browser to the provider.
pub(crate) fn authorization_url(
    endpoints: &Endpoints,
    provider: &OidcProvider,
    pending: &Pending,
    redirect_uri: &str,
) -> Result<String, ConsoleError> {
    let mut url = reqwest::Url::parse(&endpoints.authorization_endpoint).map_err(|_| {
        ConsoleError::Unavailable(format!(
            "{} publishes an invalid authorization endpoint.",
            provider.name
        ))
    })?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &provider.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &provider.scope())
        .append_pair("state", &pending.state)
        .append_pair("nonce", &pending.nonce)
        .append_pair("code_challenge", &pending.challenge())
        .append_pair("code_challenge_method", "S256");
    Ok(url.into())
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

/// Trades the authorization code (with the PKCE verifier) for the ID token.
pub(crate) async fn exchange_code(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    provider: &OidcProvider,
    code: &str,
    pending: &Pending,
    redirect_uri: &str,
) -> Result<String, ConsoleError> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", provider.client_id.as_str()),
        ("code_verifier", pending.verifier.as_str()),
    ];
    if let Some(secret) = &provider.client_secret {
        form.push(("client_secret", secret.as_str()));
    }
    let failed = |e: String| {
        tracing::warn!(provider = %provider.id, error = %e, "OpenID code exchange failed");
        ConsoleError::Unavailable(format!(
            "{} did not complete the sign-in; try again.",
            provider.name
        ))
    };
    let response = http
        .post(&endpoints.token_endpoint)
        .form(&form)
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    if !response.status().is_success() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        return Err(failed(format!(
            "token endpoint answered {status}: {}",
            body.chars().take(300).collect::<String>()
        )));
    }
    let tokens: TokenResponse = response.json().await.map_err(|e| failed(e.to_string()))?;
    tokens
        .id_token
        .ok_or_else(|| failed("the token response has no id_token (is `openid` among the scopes?)".into()))
}
