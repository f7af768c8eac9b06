//! Bearer-token authentication for Platen.
//!
//! Tokens are JWTs shaped like Microsoft Entra ID access tokens for Microsoft Graph. A
//! [`Verifier`] accepts tokens from configured issuers (keys from a JWKS URL or a key file) and,
//! for development, from Platen's own [`DevIssuer`], and turns them into a [`Principal`].

mod atomic_file;
mod claims;
mod config;
mod dev_issuer;
mod device_assertion;
mod error;
mod id_token;
mod jwks;
mod keys;
mod principal;
mod token;
mod verified_cache;
mod verifier;

pub use config::{AuthConfig, DEFAULT_LEEWAY, GRAPH_AUDIENCES, KeySource, TrustedIssuer};
pub use dev_issuer::{DevClaims, DevIssuer};
pub use device_assertion::{
    DeviceAssertion, MAX_ASSERTION_LIFETIME, device_assertion_subject, verify_device_assertion,
};
pub use error::AuthError;
pub use id_token::IdToken;
/// How long after a failed fetch of an issuer's signing keys the next fetch is tried: the `Retry-After` of the
/// 503 a request gets meanwhile.
pub use jwks::FAILURE_BACKOFF as KEY_FETCH_RETRY;
pub use principal::{GLOBAL_ADMINISTRATOR_ROLE, PRINTER_ADMINISTRATOR_ROLE, Principal, TokenKind};
pub use token::MAX_TOKEN_BYTES;
pub use verifier::Verifier;

#[cfg(test)]
mod tests;
