//! Which issuers, keys and audiences a [`crate::Verifier`] trusts.

use std::path::PathBuf;
use std::time::Duration;

/// Audiences Microsoft Graph access tokens carry (v1 tokens use the URL, v2 tokens the app id);
/// always accepted, so tokens requested for Graph work unchanged against Platen.
pub const GRAPH_AUDIENCES: [&str; 2] = [
    "https://graph.microsoft.com",
    "00000003-0000-0000-c000-000000000000",
];

/// Default allowance for clock differences between the issuer and Platen.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// Token verification settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// Accept tokens minted by Platen's built-in development issuer.
    pub trust_dev_issuer: bool,
    /// Audiences accepted from the development issuer, besides [`GRAPH_AUDIENCES`].
    pub dev_audiences: Vec<String>,
    /// External issuers (e.g. an Entra ID tenant) whose tokens are accepted.
    pub issuers: Vec<TrustedIssuer>,
    /// Allowed clock skew for `exp` and `nbf`.
    pub leeway: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            trust_dev_issuer: false,
            dev_audiences: Vec::new(),
            issuers: Vec::new(),
            leeway: DEFAULT_LEEWAY,
        }
    }
}

/// An external token issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedIssuer {
    /// The exact `iss` value, e.g. `https://login.microsoftonline.com/{tenant}/v2.0`.
    pub issuer: String,
    /// Audiences accepted from this issuer, besides [`GRAPH_AUDIENCES`].
    pub audiences: Vec<String>,
    /// Where the issuer's signing keys come from.
    pub keys: KeySource,
}

/// Where an issuer's signing keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWKS URL (e.g. `https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys`), fetched
    /// on first use, cached, and refetched when a token names an unknown key.
    JwksUrl(String),
    /// A file read at startup: a PEM public key (RSA or EC) or a JWKS JSON document.
    KeyFile(PathBuf),
}
