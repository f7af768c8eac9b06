//! Who is printing: HTTP Basic with a print password (what print dialogs can do; username = the user's UPN),
//! or a bearer token from a trusted issuer. Either way the caller is a user of the share's tenant; credentials
//! of another tenant find no share.

use crate::endpoint::{Credentials, credentials};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use platen_domain::Caller;
use platen_domain::records::Share;

/// Why a request gets no caller: each is an HTTP answer, as IPP over HTTP has it (RFC 8010 §4).
pub enum Refusal {
    /// No (usable) credentials: 401 with the challenge print dialogs answer.
    Challenge(&'static str),
    /// Basic credentials over plain HTTP from another machine: the password would cross the network in clear.
    InsecureBasic,
    /// The credentials belong to another tenant: the share does not exist for them.
    NotFound,
    /// The identity service failed (not the client's fault).
    Unavailable,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Challenge(message) => (
                StatusCode::UNAUTHORIZED,
                [(
                    header::WWW_AUTHENTICATE,
                    "Basic realm=\"Platen\", charset=\"UTF-8\"",
                )],
                message,
            )
                .into_response(),
            Refusal::InsecureBasic => (
                StatusCode::FORBIDDEN,
                "Print passwords are accepted only over TLS (ipps://) or from this machine; use the share's \
                 ipps:// address.",
            )
                .into_response(),
            Refusal::NotFound => (StatusCode::NOT_FOUND, "no such printer share").into_response(),
            Refusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        }
    }
}

/// The connection a request came in on (`None`: not through the server's listeners, e.g. an in-process test:
/// neither TLS nor loopback).
pub type Connection = Option<platen_app::ConnectionInfo>;

fn may_carry_passwords(conn: Connection, allow_insecure: bool) -> bool {
    allow_insecure || conn.is_some_and(|c| c.may_carry_passwords())
}

/// The caller of a request to `share`.
pub async fn caller(
    state: &crate::IppState,
    share: &Share,
    headers: &HeaderMap,
    conn: Connection,
) -> Result<Caller, Refusal> {
    let ip = conn.map(|c| c.remote.ip().to_string());
    let caller = match credentials(headers) {
        None => return Err(Refusal::Challenge("a user name and print password are required")),
        Some(Credentials::Bearer(token)) => match state.verifier.verify(&token).await {
            Ok(p) => p.into_caller(ip),
            Err(e) if e.is_client_error() => return Err(Refusal::Challenge("the bearer token is not valid")),
            Err(e) => {
                tracing::error!(error = %e, "token validation failed on the server side");
                return Err(Refusal::Unavailable);
            }
        },
        Some(Credentials::Basic { user, password }) => {
            if !may_carry_passwords(conn, state.allow_insecure_basic) {
                return Err(Refusal::InsecureBasic);
            }
            let remote = conn.map(|c| c.remote.ip());
            match state
                .app
                .authenticate_print_password(&share.tenant_id, &user, &password, remote)
                .await
            {
                Ok(c) => c,
                Err(platen_app::AppError::BadCredentials) => {
                    return Err(Refusal::Challenge("the user name or print password is not valid"));
                }
                Err(platen_app::AppError::TooManyFailures { .. }) => {
                    return Err(Refusal::Challenge("too many wrong passwords; try again later"));
                }
                Err(e) => {
                    tracing::error!(error = %e, "print password check failed");
                    return Err(Refusal::Unavailable);
                }
            }
        }
    };
    if caller.tenant_id != share.tenant_id {
        return Err(Refusal::NotFound);
    }
    Ok(caller)
}

/// The object id every unauthenticated job is created by: such jobs are marked as such in Graph, and on a kiosk
/// share they are one anonymous user's (any client of the share may list or cancel them).
pub const UNAUTHENTICATED: &str = "unauthenticated";

/// The caller of a share that takes jobs without credentials: the client's `requesting-user-name` is recorded
/// (as the display name), the identity marked unauthenticated; it may print and manage its jobs, nothing more.
pub fn guest(share: &Share, message: &platen_ipp_model::message::Msg, conn: Connection) -> Caller {
    let said = platen_ipp_model::message::op_attr(message, "requesting-user-name")
        .and_then(platen_ipp_model::message::as_text)
        .map(|n| n.chars().take(127).collect::<String>())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "anonymous".into());
    Caller {
        tenant_id: share.tenant_id.clone(),
        object_id: UNAUTHENTICATED.into(),
        user_principal_name: None,
        display_name: Some(format!("{said} (unauthenticated)")),
        app_id: None,
        app_display_name: None,
        kind: platen_domain::CallerKind::Delegated {
            scopes: vec!["PrintJob.ReadWriteBasic".into()],
        },
        directory_roles: vec![],
        groups: vec![],
        ip_address: conn.map(|c| c.remote.ip().to_string()),
    }
}
