//! Sign-in sessions and CSRF, in one place.
//!
//! The session cookie holds a random secret (the store keeps only its SHA-256): HttpOnly, SameSite=Lax,
//! `Path=/`, and on the TLS listener `Secure` under the `__Host-` prefix. Every form carries a CSRF token derived
//! from the secret (a page script cannot read the cookie, another site cannot compute the token), and a POST is
//! refused when its `Origin` is not Platen's own.

use crate::error::ConsoleError;
use crate::{ConsoleState, Shared};
use axum::Form;
use axum::extract::{FromRequest, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use platen_app::ConnectionInfo;
use platen_app::console::console_caller;
use platen_domain::Caller;
use platen_domain::records::ConsoleSession;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

const COOKIE: &str = "platen-console";
const SECURE_COOKIE: &str = "__Host-platen-console";
/// Holds an OpenID Connect sign-in in flight (state, nonce, PKCE verifier) between the redirect and the callback.
pub(crate) const LOGIN_COOKIE: &str = "platen-console-login";

/// A request by a signed-in user.
pub(crate) struct Visit {
    pub caller: Caller,
    pub session: ConsoleSession,
    /// The token every form of the page carries.
    pub csrf: String,
    pub secret: String,
}

impl Visit {
    pub fn is_admin(&self) -> bool {
        self.caller.is_print_admin()
    }
}

pub(crate) fn over_tls(parts: &Parts) -> bool {
    parts.extensions.get::<ConnectionInfo>().is_some_and(|c| c.tls)
}

fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectionInfo>()
        .map(|c| c.remote.ip().to_canonical().to_string())
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn session_cookie_name(parts: &Parts) -> &'static str {
    if over_tls(parts) { SECURE_COOKIE } else { COOKIE }
}

/// `Set-Cookie` for a cookie of the console (`max_age` seconds; 0 deletes it).
pub(crate) fn set_cookie(parts: &Parts, name: &str, value: &str, max_age: u64) -> HeaderValue {
    let secure = if over_tls(parts) { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("platen-console=; Max-Age=0"))
}

pub(crate) fn session_cookie(parts: &Parts, secret: &str, max_age: u64) -> HeaderValue {
    set_cookie(parts, session_cookie_name(parts), secret, max_age)
}

pub(crate) fn csrf_token(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"platen-console-csrf\0");
    h.update(secret.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// The signed-in user of a request, or [`ConsoleError::SignInRequired`].
pub(crate) async fn visit(state: &ConsoleState, parts: &Parts) -> Result<Visit, ConsoleError> {
    let Some(secret) = cookie(&parts.headers, session_cookie_name(parts)) else {
        return Err(ConsoleError::SignInRequired);
    };
    let session = state
        .app
        .console_session(secret)
        .await?
        .ok_or(ConsoleError::SignInRequired)?;
    Ok(Visit {
        caller: console_caller(&session, client_ip(parts)),
        csrf: csrf_token(secret),
        secret: secret.to_string(),
        session,
    })
}

/// The signed-in user of a form POST: the form's CSRF token must be the session's, and a browser that says
/// where the form came from (`Origin`) must say it came from Platen.
pub(crate) async fn form_visit(state: &Shared, parts: &Parts, csrf: &str) -> Result<Visit, ConsoleError> {
    same_origin(state, parts)?;
    let visit = visit(state, parts).await?;
    if !constant_time_eq(visit.csrf.as_bytes(), csrf.as_bytes()) {
        return Err(ConsoleError::Forbidden(
            "This form has expired or did not come from the console. Reload the page and try again.".into(),
        ));
    }
    Ok(visit)
}

/// A form sent by a signed-in user's page: read, its CSRF token and its origin checked ([`form_visit`]) before
/// the handler runs; a failure is answered with its page. (Web Print's JSON endpoints answer failures as JSON and
/// read their forms themselves.)
pub(crate) struct Posted<T> {
    pub visit: Visit,
    pub form: T,
    pub parts: Parts,
}

/// A console form: each carries the page's CSRF token in its `csrf` field.
pub(crate) trait CsrfForm {
    fn csrf(&self) -> &str;
}

/// `impl CsrfForm` for form structs with a `csrf: String` field.
macro_rules! csrf_forms {
    ($($form:ty),* $(,)?) => {
        $(impl $crate::session::CsrfForm for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })*
    };
}
pub(crate) use csrf_forms;

/// A form that is nothing but its CSRF token (delete, revoke, sign out).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct CsrfOnly {
    pub csrf: String,
}

csrf_forms!(CsrfOnly);

impl<T> FromRequest<Shared> for Posted<T>
where
    T: DeserializeOwned + CsrfForm + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &Shared) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let read = Form::<T>::from_request(Request::from_parts(parts.clone(), body), state).await;
        let checked = async {
            let Form(form) = read.map_err(|e| ConsoleError::BadRequest(e.body_text()))?;
            let visit = form_visit(state, &parts, form.csrf()).await?;
            Ok((visit, form))
        };
        match checked.await {
            Ok((visit, form)) => Ok(Posted { visit, form, parts }),
            Err(e) => Err(crate::view::respond(state, &parts, Err(e)).await),
        }
    }
}

/// Refuses a POST whose `Origin` is another site's (browsers send it on every cross-site POST).
pub(crate) fn same_origin(state: &ConsoleState, parts: &Parts) -> Result<(), ConsoleError> {
    let Some(origin) = parts.headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let own = [
        format!("http://{host}"),
        format!("https://{host}"),
        state.config.public_url.trim_end_matches('/').to_string(),
    ];
    if own.iter().any(|o| o == origin) {
        Ok(())
    } else {
        Err(ConsoleError::Forbidden(
            "The form was sent from another site; the console accepts forms only from its own pages.".into(),
        ))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
