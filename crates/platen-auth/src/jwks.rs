//! Signing keys fetched from an issuer's JWKS URL, cached, and refreshed when they rotate.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::error::AuthError;
use crate::keys::{KeySet, parse_jwks};

/// A token naming an unknown `kid` triggers a refetch at most this often, so forged `kid`s cannot
/// turn Platen into a traffic generator against the issuer.
const UNKNOWN_KID_REFETCH_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// Keys are re-read at least this often so that keys the issuer withdrew stop being trusted.
const MAX_KEY_SET_AGE: Duration = Duration::from_secs(24 * 60 * 60);
/// After a failed fetch, requests wait this long before trying again instead of each retrying.
pub const FAILURE_BACKOFF: Duration = Duration::from_secs(10);
/// Key sets are a few KiB; the cap bounds memory if the URL serves something else.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// The key set behind one issuer's JWKS URL.
pub(crate) struct RemoteKeySet {
    url: reqwest::Url,
    client: reqwest::Client,
    cache: RwLock<Cache>,
    /// Serializes fetches so that a burst of requests causes one download, not one each.
    fetch_lock: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Cache {
    keys: Arc<KeySet>,
    fetched_at: Option<Instant>,
    last_unknown_kid_refetch: Option<Instant>,
    last_failure: Option<(Instant, String)>,
}

enum Plan {
    UseCached(Arc<KeySet>),
    Fetch { because_of_unknown_kid: bool },
    Fail(String),
}

impl RemoteKeySet {
    pub(crate) fn new(url: &str, client: reqwest::Client) -> Result<Self, AuthError> {
        let url = reqwest::Url::parse(url)
            .map_err(|error| AuthError::Config(format!("JWKS URL {url:?}: {error}")))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(AuthError::Config(format!(
                "JWKS URL {url} must use https (or http)"
            )));
        }
        Ok(Self {
            url,
            client,
            cache: RwLock::default(),
            fetch_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The issuer's keys, downloaded first if they were never fetched, are too old, or lack `kid`
    /// (subject to the refetch limits above). A set without `kid` may still be returned; the
    /// caller then reports the key as unknown.
    pub(crate) async fn keys_for(&self, kid: Option<&str>) -> Result<Arc<KeySet>, AuthError> {
        if let Plan::UseCached(keys) = self.plan(kid, false) {
            return Ok(keys);
        }
        let _one_fetch_at_a_time = self.fetch_lock.lock().await;
        // Whoever held the lock before may have fetched exactly what this request needs.
        match self.plan(kid, true) {
            Plan::UseCached(keys) => Ok(keys),
            Plan::Fail(reason) => Err(AuthError::KeyUnavailable(reason)),
            Plan::Fetch {
                because_of_unknown_kid,
            } => self.fetch_and_store(because_of_unknown_kid).await,
        }
    }

    /// Decides what to do. Without `apply_limits` it only answers "is the cache good enough?".
    fn plan(&self, kid: Option<&str>, apply_limits: bool) -> Plan {
        let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
        let recently =
            |instant: Option<Instant>, window: Duration| instant.is_some_and(|at| at.elapsed() < window);
        let failed_recently = recently(cache.last_failure.as_ref().map(|(at, _)| *at), FAILURE_BACKOFF);
        let Some(fetched_at) = cache.fetched_at else {
            return match (&cache.last_failure, apply_limits && failed_recently) {
                (Some((_, reason)), true) => Plan::Fail(format!("fetching {} failed: {reason}", self.url)),
                _ => Plan::Fetch {
                    because_of_unknown_kid: false,
                },
            };
        };
        let stale = fetched_at.elapsed() >= MAX_KEY_SET_AGE;
        let knows_kid = cache.keys.find(kid).is_some();
        if !apply_limits {
            return if stale || !knows_kid {
                Plan::Fetch {
                    because_of_unknown_kid: !knows_kid,
                }
            } else {
                Plan::UseCached(Arc::clone(&cache.keys))
            };
        }
        if failed_recently {
            Plan::UseCached(Arc::clone(&cache.keys))
        } else if !knows_kid && !recently(cache.last_unknown_kid_refetch, UNKNOWN_KID_REFETCH_INTERVAL) {
            Plan::Fetch {
                because_of_unknown_kid: true,
            }
        } else if stale {
            Plan::Fetch {
                because_of_unknown_kid: false,
            }
        } else {
            Plan::UseCached(Arc::clone(&cache.keys))
        }
    }

    async fn fetch_and_store(&self, because_of_unknown_kid: bool) -> Result<Arc<KeySet>, AuthError> {
        if because_of_unknown_kid {
            // Counted before the attempt: a failing refetch must not be retried by every request.
            self.cache
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .last_unknown_kid_refetch = Some(Instant::now());
        }
        let outcome = self.fetch().await;
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Ok(keys) => {
                tracing::debug!(url = %self.url, "fetched signing keys");
                cache.keys = Arc::new(keys);
                cache.fetched_at = Some(Instant::now());
                cache.last_failure = None;
                Ok(Arc::clone(&cache.keys))
            }
            Err(reason) => {
                tracing::warn!(url = %self.url, %reason, "could not fetch signing keys");
                cache.last_failure = Some((Instant::now(), reason.clone()));
                // Keys fetched earlier stay usable: an issuer outage must not lock everybody out.
                match cache.fetched_at {
                    Some(_) => Ok(Arc::clone(&cache.keys)),
                    None => Err(AuthError::KeyUnavailable(format!(
                        "fetching {} failed: {reason}",
                        self.url
                    ))),
                }
            }
        }
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        let mut response = self
            .client
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|error| error.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP status {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|length| length > MAX_JWKS_BYTES as u64)
        {
            return Err(format!("the key set is larger than {MAX_JWKS_BYTES} bytes"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| error.to_string())? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("the key set is larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let keys = parse_jwks(&body)?;
        if keys.is_empty() {
            return Err("the key set contains no usable signing key".to_owned());
        }
        Ok(keys)
    }
}
