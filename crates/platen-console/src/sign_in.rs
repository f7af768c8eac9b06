//! Signing in and out: the sign-in page, OpenID Connect (redirect and callback), the development issuer's page,
//! and sign-out. Every way in ends the same: an ID token verified by Platen's verifier becomes a session.

use crate::error::ConsoleError;
use crate::jobs::{enc, local_return};
use crate::oidc::{Pending, authorization_url, exchange_code, random_token};
use crate::session::{CsrfOnly, LOGIN_COOKIE, Posted, cookie, same_origin, session_cookie, set_cookie};
use crate::view::{Layout, render, respond};
use crate::{ConsoleState, Shared};
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use platen_app::console::ConsoleIdentity;
use platen_auth::{DevClaims, DevIssuer, PRINTER_ADMINISTRATOR_ROLE};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The audience of the development issuer's ID tokens: the console is its own client.
const DEV_CLIENT_ID: &str = "platen-console";
/// The tenant the development page offers first (any tenant id may be typed).
const DEV_DEFAULT_TENANT: &str = "00000000-0000-4000-8000-000000000001";
/// How long an OpenID sign-in may take between the redirect and the callback.
const LOGIN_WINDOW_SECS: u64 = 600;

pub(crate) struct ProviderLink {
    pub id: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    layout: Layout,
    message: Option<String>,
    providers: Vec<ProviderLink>,
    dev: bool,
    default_tenant: &'static str,
    return_to: String,
    return_to_encoded: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReturnTo {
    #[serde(default, rename = "return")]
    return_to: String,
}

pub(crate) async fn page(State(state): State<Shared>, Query(q): Query<ReturnTo>) -> Response {
    let return_to = local_return(&state, &q.return_to, "/");
    render(&SignInPage {
        layout: Layout::anonymous(&state, "Sign in"),
        message: None,
        providers: state
            .config
            .providers
            .iter()
            .map(|p| ProviderLink {
                id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect(),
        dev: state.config.dev_issuer.is_some(),
        default_tenant: DEV_DEFAULT_TENANT,
        return_to_encoded: enc(&return_to),
        return_to,
    })
}

/// A signed-in response: the session cookie set, the login cookie cleared, on to where the user was going.
async fn signed_in(
    state: &ConsoleState,
    parts: &Parts,
    who: ConsoleIdentity,
    return_to: &str,
) -> Result<Response, ConsoleError> {
    let lifetime = state.config.session_lifetime;
    let opened = state.app.open_console_session(who, lifetime).await?;
    let mut r = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, local_return(state, return_to, "/"))],
    )
        .into_response();
    let h = r.headers_mut();
    h.append(
        header::SET_COOKIE,
        session_cookie(parts, &opened.secret, lifetime.as_secs()),
    );
    h.append(header::SET_COOKIE, set_cookie(parts, LOGIN_COOKIE, "", 0));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub(crate) struct DevForm {
    #[serde(default)]
    upn: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    tenant_id: String,
    #[serde(default)]
    groups: String,
    #[serde(default)]
    admin: Option<String>,
    #[serde(default)]
    return_to: String,
}

/// `POST /console/sign-in/dev`: the development issuer signs an ID token for whoever the form names, and it is
/// verified like any provider's. Absent (404) when `trust_dev_issuer` is off.
pub(crate) async fn dev(
    State(state): State<Shared>,
    parts: Parts,
    form: Result<Form<DevForm>, FormRejection>,
) -> Response {
    let result = async {
        let Some(issuer) = &state.config.dev_issuer else {
            return Err(ConsoleError::NotFound(
                "The development sign-in is off (trust_dev_issuer is false).".into(),
            ));
        };
        same_origin(&state, &parts)?;
        let Form(form) = form.map_err(|e| ConsoleError::BadRequest(e.body_text()))?;
        let claims = dev_claims(&form)?;
        let nonce = random_token();
        let token = issuer
            .mint_id_token(&claims, &nonce, Duration::from_secs(300))
            .map_err(|e| ConsoleError::BadRequest(e.to_string()))?;
        let verified = state
            .verifier
            .verify_id_token(&token, DEV_CLIENT_ID, &nonce)
            .await
            .map_err(|e| ConsoleError::Forbidden(e.to_string()))?;
        let who = ConsoleIdentity {
            tenant_id: verified.tid.unwrap_or_default(),
            object_id: verified.oid.unwrap_or_default(),
            user_principal_name: verified.upn,
            display_name: verified.name,
            groups: verified.groups,
            directory_roles: verified.wids,
            issuer: DevIssuer::ISSUER.into(),
        };
        signed_in(&state, &parts, who, &form.return_to).await
    };
    respond(&state, &parts, result.await).await
}

fn dev_claims(form: &DevForm) -> Result<DevClaims, ConsoleError> {
    let upn = form.upn.trim();
    let tenant = form.tenant_id.trim();
    if upn.is_empty() || upn.len() > 256 || tenant.is_empty() || tenant.len() > 64 {
        return Err(ConsoleError::BadRequest(
            "Fill in a user principal name (up to 256 characters) and a tenant id (up to 64).".into(),
        ));
    }
    let object_id = match form.object_id.trim() {
        "" => derived_object_id(tenant, upn),
        id if id.len() <= 64 => id.to_ascii_lowercase(),
        _ => {
            return Err(ConsoleError::BadRequest(
                "An object id is at most 64 characters.".into(),
            ));
        }
    };
    let groups: Vec<String> = form
        .groups
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if groups.len() > 200 {
        return Err(ConsoleError::BadRequest("At most 200 groups.".into()));
    }
    let admin = form.admin.as_deref().is_some_and(|v| v == "on" || v == "true");
    Ok(DevClaims {
        tenant_id: tenant.to_string(),
        object_id,
        upn: Some(upn.to_string()),
        name: Some(form.name.trim().to_string()).filter(|n| !n.is_empty()),
        app_id: Some(DEV_CLIENT_ID.into()),
        scopes: vec!["openid".into()],
        directory_roles: if admin {
            vec![PRINTER_ADMINISTRATOR_ROLE.into()]
        } else {
            vec![]
        },
        groups,
        audience: DEV_CLIENT_ID.into(),
        ..DevClaims::default()
    })
}

/// The same user (tenant and UPN) gets the same object id at every development sign-in.
fn derived_object_id(tenant: &str, upn: &str) -> String {
    let d = Sha256::digest(format!("{tenant}\0{}", upn.to_ascii_lowercase()).as_bytes());
    let h = hex::encode(&d[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `GET /console/sign-in/oidc/{provider}`: off to the provider, with state, nonce and a PKCE challenge.
pub(crate) async fn start_oidc(
    State(state): State<Shared>,
    Path(provider_id): Path<String>,
    parts: Parts,
    Query(q): Query<ReturnTo>,
) -> Response {
    let result = async {
        let provider = state
            .config
            .providers
            .iter()
            .find(|p| p.id == provider_id)
            .ok_or_else(|| ConsoleError::NotFound("There is no such sign-in provider.".into()))?;
        let endpoints = state.discovery.endpoints(&state.http, provider).await?;
        let pending = Pending::new(&provider.id, &local_return(&state, &q.return_to, "/"));
        let url = authorization_url(&endpoints, provider, &pending, &redirect_uri(&state))?;
        let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response();
        r.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&parts, LOGIN_COOKIE, &pending.to_cookie(), LOGIN_WINDOW_SECS),
        );
        Ok(r)
    };
    respond(&state, &parts, result.await).await
}

fn redirect_uri(state: &ConsoleState) -> String {
    format!(
        "{}{}",
        state.config.public_url.trim_end_matches('/'),
        state.config.path("/auth/callback")
    )
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /console/auth/callback`: the provider sends the browser back with a code; it becomes a session only if
/// the state matches the one this browser left with, and the ID token carries its nonce.
pub(crate) async fn callback(
    State(state): State<Shared>,
    parts: Parts,
    Query(q): Query<Callback>,
) -> Response {
    let result = async {
        let pending = cookie(&parts.headers, LOGIN_COOKIE)
            .and_then(Pending::from_cookie)
            .ok_or_else(|| {
                ConsoleError::BadRequest(
                    "This sign-in was not started here or took longer than 10 minutes. Sign in again.".into(),
                )
            })?;
        if let Some(error) = q.error {
            let detail = q.error_description.unwrap_or_default();
            return Err(ConsoleError::Forbidden(format!(
                "The sign-in was refused by the provider ({error}). {}",
                detail.chars().take(300).collect::<String>()
            )));
        }
        if q.state.as_deref() != Some(pending.state.as_str()) {
            return Err(ConsoleError::BadRequest(
                "The sign-in response does not belong to this sign-in. Sign in again.".into(),
            ));
        }
        let code = q
            .code
            .filter(|c| !c.is_empty() && c.len() <= 4096)
            .ok_or_else(|| {
                ConsoleError::BadRequest("The sign-in response has no code. Sign in again.".into())
            })?;
        let provider = state
            .config
            .providers
            .iter()
            .find(|p| p.id == pending.provider)
            .ok_or_else(|| ConsoleError::NotFound("There is no such sign-in provider.".into()))?;
        let endpoints = state.discovery.endpoints(&state.http, provider).await?;
        let id_token = exchange_code(
            &state.http,
            &endpoints,
            provider,
            &code,
            &pending,
            &redirect_uri(&state),
        )
        .await?;
        let verified = state
            .verifier
            .verify_id_token(&id_token, &provider.client_id, &pending.nonce)
            .await
            .map_err(|e| ConsoleError::Forbidden(format!("The sign-in could not be verified: {e}")))?;
        let who = provider.identity(verified)?;
        signed_in(&state, &parts, who, &pending.return_to).await
    };
    respond(&state, &parts, result.await).await
}

/// `POST /console/sign-out`: the session ends everywhere, and the cookie goes.
pub(crate) async fn sign_out(State(state): State<Shared>, posted: Posted<CsrfOnly>) -> Response {
    let Posted { visit, parts, .. } = posted;
    let result = async {
        state.app.close_console_session(&visit.secret).await?;
        let mut r = (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, state.config.path("/sign-in"))],
        )
            .into_response();
        r.headers_mut()
            .append(header::SET_COOKIE, session_cookie(&parts, "", 0));
        Ok(r)
    };
    respond(&state, &parts, result.await).await
}
