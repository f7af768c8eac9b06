use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

use super::{EcTestKey, delegated_claims};
use crate::{AuthConfig, AuthError, KeySource, TrustedIssuer, Verifier};

const ISSUER: &str = "https://login.example/2b8e6d1f/v2.0";

/// What the fake issuer serves at `/keys`, and how often it was asked.
struct JwksEndpoint {
    document: Mutex<Value>,
    available: Mutex<bool>,
    hits: AtomicUsize,
}

impl JwksEndpoint {
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn publish(&self, document: Value) {
        *self.document.lock().unwrap() = document;
    }
}

async fn serve_keys(State(endpoint): State<Arc<JwksEndpoint>>) -> Result<axum::Json<Value>, StatusCode> {
    endpoint.hits.fetch_add(1, Ordering::SeqCst);
    if !*endpoint.available.lock().unwrap() {
        return Err(StatusCode::SERVICE_UNAVAILABLE);
    }
    Ok(axum::Json(endpoint.document.lock().unwrap().clone()))
}

/// Starts the fake issuer on an ephemeral port and returns a verifier trusting it.
async fn start(document: Value, available: bool) -> (Arc<JwksEndpoint>, Verifier) {
    let endpoint = Arc::new(JwksEndpoint {
        document: Mutex::new(document),
        available: Mutex::new(available),
        hits: AtomicUsize::new(0),
    });
    let app = Router::new()
        .route("/keys", get(serve_keys))
        .with_state(Arc::clone(&endpoint));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = AuthConfig {
        issuers: vec![TrustedIssuer {
            issuer: ISSUER.into(),
            audiences: Vec::new(),
            keys: KeySource::JwksUrl(format!("http://{address}/keys")),
        }],
        ..AuthConfig::default()
    };
    (endpoint, Verifier::new(config, None).unwrap())
}

#[tokio::test]
async fn keys_are_fetched_once_and_cached() {
    let key = EcTestKey::generate();
    let (endpoint, verifier) = start(json!({"keys": [key.jwk("k1")]}), true).await;
    assert_eq!(endpoint.hits(), 0, "nothing is fetched before the first token");
    for _ in 0..3 {
        let principal = verifier
            .verify(&key.sign(Some("k1"), &delegated_claims(ISSUER)))
            .await
            .unwrap();
        assert_eq!(principal.issuer, ISSUER);
    }
    let clone = verifier.clone();
    assert!(
        clone
            .verify(&key.sign(Some("k1"), &delegated_claims(ISSUER)))
            .await
            .is_ok()
    );
    assert_eq!(endpoint.hits(), 1);
}

#[tokio::test]
async fn key_rotation_triggers_one_refetch_and_unknown_kids_are_rate_limited() {
    let old_key = EcTestKey::generate();
    let new_key = EcTestKey::generate();
    let (endpoint, verifier) = start(json!({"keys": [old_key.jwk("old")]}), true).await;
    assert!(
        verifier
            .verify(&old_key.sign(Some("old"), &delegated_claims(ISSUER)))
            .await
            .is_ok()
    );
    assert_eq!(endpoint.hits(), 1);

    endpoint.publish(json!({"keys": [new_key.jwk("new")]}));
    assert!(
        verifier
            .verify(&new_key.sign(Some("new"), &delegated_claims(ISSUER)))
            .await
            .is_ok()
    );
    assert_eq!(endpoint.hits(), 2, "the unknown kid caused exactly one refetch");

    // Another unknown kid within five minutes does not reach the issuer again.
    let forged = EcTestKey::generate().sign(Some("forged"), &delegated_claims(ISSUER));
    assert!(matches!(verifier.verify(&forged).await, Err(AuthError::UnknownKey(kid)) if kid == "forged"));
    assert_eq!(endpoint.hits(), 2);
    // The old key was withdrawn with the refetch.
    let old_token = old_key.sign(Some("old"), &delegated_claims(ISSUER));
    assert!(matches!(
        verifier.verify(&old_token).await,
        Err(AuthError::UnknownKey(_))
    ));
    assert_eq!(endpoint.hits(), 2);
}

#[tokio::test]
async fn a_cached_token_is_refused_as_soon_as_its_key_is_rotated_away() {
    let old_key = EcTestKey::generate();
    let new_key = EcTestKey::generate();
    let (endpoint, verifier) = start(json!({"keys": [old_key.jwk("old")]}), true).await;
    let token = old_key.sign(Some("old"), &delegated_claims(ISSUER));
    for _ in 0..3 {
        assert!(
            verifier.verify(&token).await.is_ok(),
            "verified, then from the cache"
        );
    }
    endpoint.publish(json!({"keys": [new_key.jwk("new")]}));
    // Until the keys are re-read the old set is the issuer's set, with or without the cache.
    assert!(verifier.verify(&token).await.is_ok());
    // A token naming the new key makes Platen re-read the set; the old key is gone from it.
    assert!(
        verifier
            .verify(&new_key.sign(Some("new"), &delegated_claims(ISSUER)))
            .await
            .is_ok()
    );
    assert_eq!(endpoint.hits(), 2);
    assert!(matches!(
        verifier.verify(&token).await,
        Err(AuthError::UnknownKey(kid)) if kid == "old"
    ));
}

#[tokio::test]
async fn concurrent_first_requests_share_one_fetch() {
    let key = EcTestKey::generate();
    let (endpoint, verifier) = start(json!({"keys": [key.jwk("k1")]}), true).await;
    let token = key.sign(Some("k1"), &delegated_claims(ISSUER));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.clone());
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().is_ok());
    }
    assert_eq!(endpoint.hits(), 1);
}

#[tokio::test]
async fn unreachable_issuer_is_a_server_side_error_with_backoff() {
    let key = EcTestKey::generate();
    let (endpoint, verifier) = start(json!({"keys": [key.jwk("k1")]}), false).await;
    let token = key.sign(Some("k1"), &delegated_claims(ISSUER));
    let error = verifier.verify(&token).await.unwrap_err();
    assert!(matches!(error, AuthError::KeyUnavailable(_)), "{error:?}");
    assert!(!error.is_client_error());
    assert!(matches!(
        verifier.verify(&token).await,
        Err(AuthError::KeyUnavailable(_))
    ));
    assert_eq!(
        endpoint.hits(),
        1,
        "the second request waits for the backoff instead of refetching"
    );
}

#[tokio::test]
async fn garbage_key_sets_are_unavailable_keys() {
    let key = EcTestKey::generate();
    let (_endpoint, verifier) = start(json!({"not": "a key set"}), true).await;
    let token = key.sign(Some("k1"), &delegated_claims(ISSUER));
    assert!(matches!(
        verifier.verify(&token).await,
        Err(AuthError::KeyUnavailable(_))
    ));
}

#[test]
fn invalid_jwks_urls_are_configuration_errors() {
    for url in ["not a url", "ftp://example.com/keys", ""] {
        let config = AuthConfig {
            issuers: vec![TrustedIssuer {
                issuer: ISSUER.into(),
                audiences: Vec::new(),
                keys: KeySource::JwksUrl(url.into()),
            }],
            ..AuthConfig::default()
        };
        assert!(
            matches!(Verifier::new(config, None), Err(AuthError::Config(_))),
            "{url:?}"
        );
    }
}
