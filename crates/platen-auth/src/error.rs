//! Why a bearer token was refused, in the forms an HTTP API needs.

use std::path::PathBuf;

/// The realm announced in `WWW-Authenticate` challenges.
const REALM: &str = "platen";
/// Longest `error_description` put into a header; longer text is cut.
const MAX_HEADER_DESCRIPTION_CHARS: usize = 200;

/// A bearer token could not be accepted, or the verifier could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No token was presented.
    #[error("no bearer token was presented")]
    Missing,
    /// The token is not a well-formed signed JWT.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The token's `alg` is refused (`none`, HMAC, or unsupported) or does not fit the key.
    #[error("token algorithm not accepted: {0}")]
    AlgorithmNotAllowed(String),
    /// `exp` has passed (beyond the allowed clock skew).
    #[error("token has expired")]
    Expired,
    /// `nbf` lies in the future (beyond the allowed clock skew).
    #[error("token is not yet valid")]
    NotYetValid,
    /// The signature does not verify with the issuer's key.
    #[error("token signature is invalid")]
    BadSignature,
    /// `aud` names none of the accepted audiences.
    #[error("token audience is not accepted")]
    WrongAudience,
    /// `iss` names no trusted issuer.
    #[error("token issuer is not trusted: {0}")]
    UnknownIssuer(String),
    /// The issuer has no key with the token's `kid` (even after refreshing its key set).
    #[error("no signing key matches kid {0}")]
    UnknownKey(String),
    /// A required claim is absent.
    #[error("token lacks required claim `{0}`")]
    MissingClaim(&'static str),
    /// The issuer's keys could not be obtained (JWKS endpoint unreachable or invalid).
    #[error("signing keys are unavailable: {0}")]
    KeyUnavailable(String),
    /// Claims given to the development issuer cannot make a valid token.
    #[error("invalid development token claims: {0}")]
    InvalidDevClaims(String),
    /// The authentication configuration is unusable.
    #[error("invalid auth configuration: {0}")]
    Config(String),
    /// Reading or writing a key file failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A cryptographic or encoding step failed unexpectedly.
    #[error("internal authentication error: {0}")]
    Internal(String),
}

impl AuthError {
    /// True when the token is at fault (answer 401); false when the server is (answer 500/503).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            Self::KeyUnavailable(_)
                | Self::InvalidDevClaims(_)
                | Self::Config(_)
                | Self::Io { .. }
                | Self::Internal(_)
        )
    }

    /// Developer-facing text for the `message` of a Graph-style 401 error body. Server-side
    /// details (URLs, paths) stay out of it; log the error's `Display` form for those.
    pub fn message(&self) -> String {
        match self {
            Self::Missing => "Access token is empty.".to_owned(),
            Self::Malformed(detail) => format!("Access token validation failure: {detail}."),
            Self::AlgorithmNotAllowed(detail) => format!("Access token validation failure: {detail}."),
            Self::Expired => "Lifetime validation failed, the token is expired.".to_owned(),
            Self::NotYetValid => "Lifetime validation failed, the token is not yet valid.".to_owned(),
            Self::BadSignature => "Access token validation failure. Invalid signature.".to_owned(),
            Self::WrongAudience => "Access token validation failure. Invalid audience.".to_owned(),
            Self::UnknownIssuer(issuer) => {
                format!("Access token validation failure. Issuer '{issuer}' is not trusted.")
            }
            Self::UnknownKey(kid) => {
                format!("Signature validation failed: no signing key matches kid '{kid}'.")
            }
            Self::MissingClaim(claim) => {
                format!("Access token validation failure. The token has no '{claim}' claim.")
            }
            Self::KeyUnavailable(_) => {
                "The signing keys of the token's issuer are unavailable; try again later.".to_owned()
            }
            Self::InvalidDevClaims(_) | Self::Config(_) | Self::Io { .. } | Self::Internal(_) => {
                "The access token could not be validated because of a server error.".to_owned()
            }
        }
    }

    /// The `WWW-Authenticate` header value for a 401 response (RFC 6750 §3): a bare challenge when
    /// no token was sent, otherwise `error="invalid_token"` with a short description.
    pub fn www_authenticate(&self) -> String {
        match self {
            Self::Missing => format!("Bearer realm=\"{REALM}\""),
            _ => format!(
                "Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{}\"",
                header_safe(&self.message())
            ),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// RFC 6750 limits `error_description` to printable ASCII without `"` and `\`; the message may
/// echo token content (issuer, kid), so anything else is replaced.
fn header_safe(text: &str) -> String {
    text.chars()
        .take(MAX_HEADER_DESCRIPTION_CHARS)
        .map(|c| {
            if matches!(c, ' '..='~') && c != '"' && c != '\\' {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// Shortens token-supplied text before it goes into an error, so errors stay small.
pub(crate) fn truncate_for_error(text: &str) -> String {
    const MAX_CHARS: usize = 100;
    if text.chars().count() <= MAX_CHARS {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX_CHARS).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_token_gets_a_bare_challenge() {
        assert_eq!(AuthError::Missing.www_authenticate(), "Bearer realm=\"platen\"");
    }

    #[test]
    fn challenges_stay_header_safe() {
        let error = AuthError::UnknownIssuer("evil\"\\\r\nissuer\u{e9}".to_owned());
        let header = error.www_authenticate();
        assert!(header.starts_with("Bearer realm=\"platen\", error=\"invalid_token\", error_description=\""));
        let description = header
            .split("error_description=\"")
            .nth(1)
            .unwrap()
            .trim_end_matches('"');
        assert!(
            description
                .chars()
                .all(|c| matches!(c, ' '..='~') && c != '"' && c != '\\')
        );
        assert!(description.contains("evil??"));
    }

    #[test]
    fn server_side_failures_are_not_client_errors() {
        assert!(AuthError::Expired.is_client_error());
        assert!(!AuthError::KeyUnavailable("down".to_owned()).is_client_error());
        assert!(
            !AuthError::KeyUnavailable("http://internal:8080/keys".to_owned())
                .message()
                .contains("internal")
        );
    }
}
