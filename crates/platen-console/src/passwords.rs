//! `/console/passwords`: a user's print passwords for IPP clients (create with a label, shown once; list with
//! last use; revoke), and the addresses of the shares they may print to.

use crate::error::ConsoleError;
use crate::session::{CsrfOnly, Posted, Visit, csrf_forms, visit};
use crate::view::{Layout, render, respond, see_other, when};
use crate::{ConsoleState, Shared};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::response::Response;
use platen_domain::permissions::{Operation, authorize};
use platen_store::ListQuery;
use serde::Deserialize;

pub(crate) struct PasswordRow {
    pub id: String,
    pub label: String,
    pub created: String,
    pub last_used: String,
}

pub(crate) struct Created {
    pub label: String,
    pub password: String,
}

pub(crate) struct ShareAddress {
    pub name: String,
    pub uri: String,
}

#[derive(Template)]
#[template(path = "passwords.html")]
struct PasswordsPage {
    layout: Layout,
    upn: String,
    created: Option<Created>,
    passwords: Vec<PasswordRow>,
    shares: Vec<ShareAddress>,
    /// Whether the user has a release PIN (secure release's station).
    has_pin: bool,
    /// The outcome of a PIN change, shown once.
    pin_message: Option<String>,
}

pub(crate) async fn page(State(state): State<Shared>, parts: Parts) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        show(&state, &visit, None, None).await
    };
    respond(&state, &parts, result.await).await
}

async fn show(
    state: &ConsoleState,
    visit: &Visit,
    created: Option<Created>,
    pin_message: Option<String>,
) -> Result<Response, ConsoleError> {
    let passwords = state
        .app
        .list_print_passwords(&visit.caller, &visit.caller.object_id)
        .await?
        .into_iter()
        .map(|p| PasswordRow {
            id: p.id.clone(),
            label: if p.label.is_empty() {
                "(no label)".into()
            } else {
                p.label.clone()
            },
            created: when(p.created_at),
            last_used: p.last_used_at.map_or_else(|| "never".into(), when),
        })
        .collect();
    let access = authorize(&visit.caller, Operation::ListShares)?;
    let query = ListQuery {
        limit: 100,
        ..ListQuery::default()
    };
    let shares = state
        .app
        .list_shares(&visit.caller, &access, &query)
        .await?
        .items
        .into_iter()
        .map(|s| ShareAddress {
            uri: share_ipp_uri(&state.config.public_url, s.id.as_str()),
            name: s.display_name,
        })
        .collect();
    Ok(render(&PasswordsPage {
        layout: Layout::of(state, visit, "Print passwords", "passwords"),
        upn: visit.caller.user_principal_name.clone().unwrap_or_default(),
        created,
        passwords,
        shares,
        has_pin: state.app.has_release_pin(&visit.caller).await?,
        pin_message,
    }))
}

/// The IPP Everywhere address of a share (`ipp://host:port/ipp/shares/{id}`, `ipps` behind TLS).
pub(crate) fn share_ipp_uri(public_url: &str, share_id: &str) -> String {
    let url = public_url.trim_end_matches('/');
    let (scheme, rest) = match url.split_once("://") {
        Some(("https", rest)) => ("ipps", rest),
        Some((_, rest)) => ("ipp", rest),
        None => ("ipp", url),
    };
    format!("{scheme}://{rest}/ipp/shares/{share_id}")
}

#[derive(Debug, Deserialize)]
pub(crate) struct CreateForm {
    csrf: String,
    #[serde(default)]
    label: String,
}

pub(crate) async fn create(State(state): State<Shared>, posted: Posted<CreateForm>) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        let label = form.label.trim();
        if label.chars().count() > 100 {
            return Err(ConsoleError::BadRequest(
                "A label is at most 100 characters.".into(),
            ));
        }
        let new = state.app.create_print_password(&visit.caller, label).await?;
        // Shown on this response only: never stored, never in a URL.
        show(
            &state,
            &visit,
            Some(Created {
                label: new.record.label.clone(),
                password: new.password.clone(),
            }),
            None,
        )
        .await
    };
    respond(&state, &parts, result.await).await
}

pub(crate) async fn revoke(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<CsrfOnly>,
) -> Response {
    let Posted { visit, parts, .. } = posted;
    let result = async {
        state.app.revoke_print_password(&visit.caller, &id).await?;
        Ok(see_other(&state.config.path("/passwords")))
    };
    respond(&state, &parts, result.await).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct PinForm {
    csrf: String,
    #[serde(default)]
    pin: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /console/passwords/release-pin`: sets or changes the user's release PIN.
pub(crate) async fn set_pin(State(state): State<Shared>, posted: Posted<PinForm>) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        if form.pin != form.confirm {
            return Err(ConsoleError::BadRequest(
                "The two PINs differ; type the same PIN twice.".into(),
            ));
        }
        state.app.set_release_pin(&visit.caller, form.pin.trim()).await?;
        show(&state, &visit, None, Some("Your release PIN is set.".into())).await
    };
    respond(&state, &parts, result.await).await
}

/// `POST /console/passwords/release-pin/delete`.
pub(crate) async fn delete_pin(State(state): State<Shared>, posted: Posted<CsrfOnly>) -> Response {
    let Posted { visit, parts, .. } = posted;
    let result = async {
        state.app.delete_release_pin(&visit.caller).await?;
        Ok(see_other(&state.config.path("/passwords")))
    };
    respond(&state, &parts, result.await).await
}

csrf_forms!(CreateForm, PinForm);
