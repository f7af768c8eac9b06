//! Validation of bearer tokens against the trusted issuers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};

use crate::claims::EntraClaims;
use crate::config::{AuthConfig, GRAPH_AUDIENCES, KeySource};
use crate::dev_issuer::DevIssuer;
use crate::error::{AuthError, truncate_for_error};
use crate::id_token::IdToken;
use crate::jwks::RemoteKeySet;
use crate::keys::{KeySet, algorithm_name, load_key_file};
use crate::principal::Principal;
use crate::token::{MAX_TOKEN_BYTES, UnverifiedToken, inspect};
use crate::verified_cache::{Entry, VerifiedTokens};

/// Clock skew beyond this is a configuration mistake (and would weaken `exp` to nothing).
const MAX_LEEWAY: Duration = Duration::from_secs(60 * 60);
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(10);
const JWKS_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Validates bearer tokens. Cheap to clone; all clones share the issuers' cached keys.
#[derive(Clone)]
pub struct Verifier {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    issuers: HashMap<String, Issuer>,
    leeway_seconds: u64,
    /// Tokens this node has verified (see [`crate::verified_cache`]).
    pub(crate) verified: VerifiedTokens,
}

struct Issuer {
    audiences: Vec<String>,
    keys: IssuerKeys,
}

enum IssuerKeys {
    Fixed(Arc<KeySet>),
    Remote(Box<RemoteKeySet>),
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut issuers: Vec<&String> = self.inner.issuers.keys().collect();
        issuers.sort();
        f.debug_struct("Verifier")
            .field("issuers", &issuers)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// Sets up verification for the configured issuers, plus the development issuer when
    /// `config.trust_dev_issuer` is set (which then requires `dev`). Key files are read now;
    /// JWKS URLs are fetched on first use.
    pub fn new(config: AuthConfig, dev: Option<DevIssuer>) -> Result<Self, AuthError> {
        if config.leeway > MAX_LEEWAY {
            return Err(AuthError::Config(format!(
                "leeway exceeds {} seconds",
                MAX_LEEWAY.as_secs()
            )));
        }
        let mut issuers = HashMap::new();
        if config.trust_dev_issuer {
            let dev = dev.ok_or_else(|| {
                AuthError::Config("trust_dev_issuer is set but no development issuer was provided".to_owned())
            })?;
            let keys = IssuerKeys::Fixed(Arc::new(KeySet::single(dev.verification_key())));
            issuers.insert(
                DevIssuer::ISSUER.to_owned(),
                Issuer {
                    audiences: with_graph_audiences(&config.dev_audiences),
                    keys,
                },
            );
        }
        let mut client = None;
        for trusted in config.issuers {
            if trusted.issuer.is_empty() {
                return Err(AuthError::Config(
                    "a trusted issuer has an empty issuer".to_owned(),
                ));
            }
            if issuers.contains_key(&trusted.issuer) {
                return Err(AuthError::Config(format!(
                    "issuer {} is configured twice",
                    trusted.issuer
                )));
            }
            let keys = match &trusted.keys {
                KeySource::KeyFile(path) => IssuerKeys::Fixed(Arc::new(load_key_file(path)?)),
                KeySource::JwksUrl(url) => {
                    let client = match &client {
                        Some(client) => client,
                        None => client.insert(jwks_client()?),
                    };
                    IssuerKeys::Remote(Box::new(RemoteKeySet::new(url, client.clone())?))
                }
            };
            issuers.insert(
                trusted.issuer,
                Issuer {
                    audiences: with_graph_audiences(&trusted.audiences),
                    keys,
                },
            );
        }
        Ok(Self {
            inner: Arc::new(Inner {
                issuers,
                leeway_seconds: config.leeway.as_secs(),
                verified: VerifiedTokens::new(),
            }),
        })
    }

    /// Validates a raw bearer token (without the `Bearer ` prefix) and returns its principal.
    ///
    /// Checks, in order: size and shape, an accepted algorithm (never `none` or HMAC), a trusted
    /// `iss`, a key for `kid` that supports the algorithm, the signature, `exp` and `nbf` (with
    /// leeway), `aud`, and finally the identity claims (`tid`, `oid`, `scp`/`roles`).
    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let token = token.trim();
        if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
            return self.verify_fully(token).await.map(|(principal, _)| principal);
        }
        let digest = VerifiedTokens::digest(token);
        if let Some(entry) = self.inner.verified.get(&digest) {
            if let Some(issuer) = self.inner.issuers.get(&*entry.issuer)
                && let Ok(current) = issuer_keys(issuer, entry.kid.as_deref()).await
                && Arc::ptr_eq(&current, &entry.keys)
            {
                return Ok((*entry.principal).clone());
            }
            // The issuer's keys were re-read since: the token is checked again against the current ones.
            self.inner.verified.remove(&digest);
        }
        let (principal, entry) = self.verify_fully(token).await?;
        self.inner.verified.insert(digest, entry);
        Ok(principal)
    }

    /// Every check of [`Verifier::verify`], without the cache; also returns what the cache keeps.
    async fn verify_fully(&self, token: &str) -> Result<(Principal, Entry), AuthError> {
        let (unverified, issuer, keys) = self.issuer_of(token).await?;
        let claims: EntraClaims = self.decode_claims(token, &unverified, &keys, &issuer.audiences)?;
        let principal = claims.into_principal()?;
        let entry = Entry {
            principal: Arc::new(principal.clone()),
            issuer: Arc::from(unverified.issuer.as_str()),
            kid: unverified.kid.as_deref().map(Arc::from),
            keys,
        };
        Ok((principal, entry))
    }

    /// Verifies an OpenID Connect ID token for the web console: from a trusted issuer, signed by one of its
    /// keys, for `client_id`, unexpired, and carrying the sign-in's `nonce` (so a token captured from another
    /// sign-in cannot be replayed into this one). Never cached: a sign-in happens once.
    pub async fn verify_id_token(
        &self,
        token: &str,
        client_id: &str,
        nonce: &str,
    ) -> Result<IdToken, AuthError> {
        let token = token.trim();
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Malformed("the ID token is too large".to_owned()));
        }
        let (unverified, _, keys) = self.issuer_of(token).await?;
        let claims: IdToken = self.decode_claims(token, &unverified, &keys, &[client_id.to_owned()])?;
        if claims.nonce.as_deref() != Some(nonce) || nonce.is_empty() {
            return Err(AuthError::Malformed(
                "the ID token's nonce is not this sign-in's".to_owned(),
            ));
        }
        Ok(claims)
    }

    /// The trusted issuer a token names (before any check of it), and that issuer's current keys.
    async fn issuer_of(&self, token: &str) -> Result<(UnverifiedToken, &Issuer, Arc<KeySet>), AuthError> {
        let unverified = inspect(token)?;
        let issuer = self
            .inner
            .issuers
            .get(&unverified.issuer)
            .ok_or_else(|| AuthError::UnknownIssuer(truncate_for_error(&unverified.issuer)))?;
        let keys = issuer_keys(issuer, unverified.kid.as_deref()).await?;
        Ok((unverified, issuer, keys))
    }

    /// The signature (by the issuer's key for the token's `kid`, with an algorithm that key allows), `exp`,
    /// `nbf`, `iss` and `aud` (one of `audiences`), then the claims as `T`.
    fn decode_claims<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        unverified: &UnverifiedToken,
        keys: &KeySet,
        audiences: &[String],
    ) -> Result<T, AuthError> {
        let key = keys.find(unverified.kid.as_deref()).ok_or_else(|| {
            AuthError::UnknownKey(
                unverified
                    .kid
                    .as_deref()
                    .map_or_else(|| "(none)".to_owned(), truncate_for_error),
            )
        })?;
        if !key.algorithms.contains(&unverified.algorithm) {
            return Err(AuthError::AlgorithmNotAllowed(format!(
                "{} does not match the issuer's key",
                algorithm_name(unverified.algorithm)
            )));
        }
        let validation = self.validation(unverified.algorithm, &unverified.issuer, audiences);
        jsonwebtoken::decode::<T>(token, &key.key, &validation)
            .map(|data| data.claims)
            .map_err(|error| map_jwt_error(error.into_kind()))
    }

    fn validation(&self, algorithm: Algorithm, issuer: &str, audiences: &[String]) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.inner.leeway_seconds;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(audiences);
        validation
    }
}

/// The issuer's current keys (fetched first when they must be, as the JWKS cache decides).
async fn issuer_keys(issuer: &Issuer, kid: Option<&str>) -> Result<Arc<KeySet>, AuthError> {
    match &issuer.keys {
        IssuerKeys::Fixed(keys) => Ok(Arc::clone(keys)),
        IssuerKeys::Remote(remote) => remote.keys_for(kid).await,
    }
}

fn map_jwt_error(kind: ErrorKind) -> AuthError {
    match kind {
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidIssuer => AuthError::UnknownIssuer("(mismatch)".to_owned()),
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => {
            AuthError::AlgorithmNotAllowed("the algorithm does not match the issuer's key".to_owned())
        }
        // Only the claims `validation` requires can be reported here.
        ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
            "exp" => AuthError::MissingClaim("exp"),
            "aud" => AuthError::MissingClaim("aud"),
            "iss" => AuthError::MissingClaim("iss"),
            other => AuthError::Malformed(format!("the {} claim is missing", truncate_for_error(other))),
        },
        ErrorKind::InvalidClaimFormat(claim) => AuthError::Malformed(format!(
            "the {} claim has the wrong type",
            truncate_for_error(&claim)
        )),
        ErrorKind::InvalidEcdsaKey | ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => {
            AuthError::KeyUnavailable("the issuer's key cannot be used for verification".to_owned())
        }
        ErrorKind::Json(error) => AuthError::Malformed(format!("the claims are not valid: {error}")),
        other => AuthError::Malformed(format!("{other:?}")),
    }
}

fn with_graph_audiences(configured: &[String]) -> Vec<String> {
    let mut audiences: Vec<String> = GRAPH_AUDIENCES
        .iter()
        .map(|audience| (*audience).to_owned())
        .collect();
    for audience in configured {
        if !audiences.contains(audience) {
            audiences.push(audience.clone());
        }
    }
    audiences
}

fn jwks_client() -> Result<reqwest::Client, AuthError> {
    reqwest::Client::builder()
        .timeout(JWKS_FETCH_TIMEOUT)
        .connect_timeout(JWKS_CONNECT_TIMEOUT)
        .user_agent(concat!("platen/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| {
            AuthError::Config(format!(
                "cannot build the HTTP client for JWKS downloads: {error}"
            ))
        })
}
