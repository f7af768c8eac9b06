//! Outgoing webhook HTTP: the client and the endpoint validation handshake.

use crate::{AppError, Result};
use rand::RngCore;
use reqwest::Url;
use std::sync::OnceLock;
use std::time::Duration;

/// Graph gives an endpoint 10 seconds to answer the validation request.
pub const VALIDATION_TIMEOUT: Duration = Duration::from_secs(10);
/// Validation answers are short plain text; more than this is not a token echo.
const MAX_VALIDATION_BODY: usize = 8 * 1024;

/// The client every webhook request uses. Redirects are not followed (a subscriber's endpoint must answer
/// itself; following them would let a validated URL bounce notifications elsewhere) and no proxy is used
/// (the receivers are the subscribers' own endpoints, loopback ones included).
pub fn build_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(30))
        .user_agent(concat!("Platen-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| AppError::Internal(format!("building the webhook HTTP client: {e}")))
}

/// One process-wide client for validation handshakes, built on first use.
pub fn shared_client() -> Result<reqwest::Client> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(c.clone());
    }
    let c = build_client()?;
    Ok(CLIENT.get_or_init(|| c).clone())
}

fn new_token() -> String {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("platen-validation-{}", hex::encode(bytes))
}

/// Graph's validation handshake: `POST {url}?validationToken={token}` with an empty `text/plain` body; the
/// endpoint must answer `200` with the token as its body within [`VALIDATION_TIMEOUT`]. `Err` carries the
/// reason, for the 400 the subscriber gets.
pub async fn validate_endpoint(client: &reqwest::Client, url: &Url, field: &str) -> Result<()> {
    let token = new_token();
    let mut target = url.clone();
    target.query_pairs_mut().append_pair("validationToken", &token);
    let fail = |why: String| {
        AppError::bad_request(format!(
            "Subscription validation request failed for {field} '{url}': {why}. The endpoint must answer \
             the validation POST within {} seconds with 200 OK and the validationToken query parameter \
             as its text/plain body.",
            VALIDATION_TIMEOUT.as_secs()
        ))
    };
    let exchange = async {
        let mut resp = client
            .post(target)
            .header(reqwest::header::CONTENT_TYPE, "text/plain")
            .body("")
            .send()
            .await
            .map_err(|e| fail(describe(&e)))?;
        let status = resp.status();
        if status != reqwest::StatusCode::OK {
            return Err(fail(format!("the endpoint answered HTTP {}", status.as_u16())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| fail(describe(&e)))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_VALIDATION_BODY {
                return Err(fail("the response body is longer than a validation token".into()));
            }
        }
        Ok(body)
    };
    let body = tokio::time::timeout(VALIDATION_TIMEOUT, exchange)
        .await
        .map_err(|_| {
            fail(format!(
                "no answer within {} seconds",
                VALIDATION_TIMEOUT.as_secs()
            ))
        })??;
    if String::from_utf8_lossy(&body).trim() == token {
        Ok(())
    } else {
        Err(fail(
            "the response body does not match the validationToken".into(),
        ))
    }
}

/// A short, log- and client-safe description of a transport error.
pub fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_connect() {
        "the endpoint could not be reached".into()
    } else if e.is_redirect() {
        "the endpoint answered with a redirect".into()
    } else {
        // The error's own text repeats the URL (with its validation token); its source says what went wrong.
        let cause =
            std::error::Error::source(e).map_or_else(|| "unknown error".to_string(), ToString::to_string);
        format!("the request failed ({cause})")
    }
}
