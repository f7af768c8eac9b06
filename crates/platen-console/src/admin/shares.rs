//! Shares: list, create from a printer, who may print (users and groups), delete.

use crate::Shared;
use crate::error::ConsoleError;
use crate::jobs::require_admin;
use crate::passwords::share_ipp_uri;
use crate::session::{CsrfOnly, Posted, Visit, csrf_forms, visit};
use crate::view::{Layout, render, respond, see_other, when};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::response::Response;
use platen_domain::permissions::{Operation, authorize};
use platen_odata::{decode_skiptoken, encode_skiptoken};
use platen_store::ListQuery;
use serde::Deserialize;

pub(crate) struct ShareRow {
    pub id: String,
    pub name: String,
    pub printer_id: String,
    pub printer: String,
    pub audience: &'static str,
    pub created: String,
}

#[derive(Template)]
#[template(path = "admin/shares.html")]
struct SharesPage {
    layout: Layout,
    shares: Vec<ShareRow>,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Cursor {
    #[serde(default)]
    after: String,
}

const FINGERPRINT: &str = "console-shares";

pub(crate) async fn list(State(state): State<Shared>, parts: Parts, Query(c): Query<Cursor>) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        require_admin(&visit)?;
        let access = authorize(&visit.caller, Operation::ListShares)?;
        let after = (!c.after.is_empty())
            .then(|| decode_skiptoken(&c.after, FINGERPRINT))
            .transpose()
            .map_err(|_| ConsoleError::BadRequest("The page link is no longer valid.".into()))?;
        let q = ListQuery {
            limit: 100,
            after,
            ..ListQuery::default()
        };
        let page = state.app.list_shares(&visit.caller, &access, &q).await?;
        let printers = state.app.printers_of_shares(&visit.caller, &page.items).await?;
        let shares = page
            .items
            .iter()
            .map(|s| ShareRow {
                id: s.id.to_string(),
                name: s.display_name.clone(),
                printer_id: s.printer_id.to_string(),
                printer: printers
                    .get(s.printer_id.as_str())
                    .map_or_else(|| s.printer_id.to_string(), |p| p.display_name.clone()),
                audience: if s.allow_all_users {
                    "everybody"
                } else {
                    "listed users and groups"
                },
                created: when(s.created_at),
            })
            .collect();
        let next = page.next.map(|v| {
            format!(
                "{}?after={}",
                parts.uri.path(),
                crate::jobs::enc(&encode_skiptoken(&v, FINGERPRINT))
            )
        });
        Ok(render(&SharesPage {
            layout: Layout::of(&state, &visit, "Shares", "shares"),
            shares,
            next,
        }))
    };
    respond(&state, &parts, result.await).await
}

pub(crate) struct Member {
    pub id: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "admin/share.html")]
struct SharePage {
    layout: Layout,
    id: String,
    name: String,
    printer_id: String,
    printer: String,
    allow_all: bool,
    ipp_uri: String,
    users: Vec<Member>,
    groups: Vec<Member>,
}

pub(crate) async fn detail(State(state): State<Shared>, Path(id): Path<String>, parts: Parts) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        require_admin(&visit)?;
        let access = authorize(&visit.caller, Operation::GetShare)?;
        let share = state.app.get_share(&visit.caller, &access, &id).await?;
        let printer = state.app.printer_of_share(&visit.caller, &share).await?;
        let q = ListQuery {
            limit: 100,
            ..ListQuery::default()
        };
        authorize(&visit.caller, Operation::ListAllowedUsers)?;
        let users = state.app.allowed_users(&visit.caller, &id, &q).await?;
        authorize(&visit.caller, Operation::ListAllowedGroups)?;
        let groups = state.app.allowed_groups(&visit.caller, &id, &q).await?;
        Ok(render(&SharePage {
            layout: Layout::of(&state, &visit, &share.display_name, "shares"),
            ipp_uri: share_ipp_uri(&state.config.public_url, share.id.as_str()),
            id: share.id.to_string(),
            name: share.display_name.clone(),
            printer_id: printer.id.to_string(),
            printer: printer.display_name,
            allow_all: share.allow_all_users,
            users: users
                .items
                .into_iter()
                .map(|u| Member {
                    label: u
                        .user_principal_name
                        .or(u.display_name)
                        .unwrap_or_else(|| u.id.clone()),
                    id: u.id,
                })
                .collect(),
            groups: groups
                .items
                .into_iter()
                .map(|g| Member {
                    label: g.display_name.unwrap_or_else(|| g.id.clone()),
                    id: g.id,
                })
                .collect(),
        }))
    };
    respond(&state, &parts, result.await).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct CreateForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    everybody: Option<String>,
}

/// `POST /console/admin/printers/{id}/share`.
pub(crate) async fn create(
    State(state): State<Shared>,
    Path(printer_id): Path<String>,
    posted: Posted<CreateForm>,
) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::CreateShare)?;
        let name = form.name.trim();
        if name.is_empty() || name.chars().count() > 256 {
            return Err(ConsoleError::BadRequest(
                "A share's name is 1 to 256 characters.".into(),
            ));
        }
        let everybody = form.everybody.as_deref() == Some("on");
        let share = state
            .app
            .create_share(&visit.caller, name.to_string(), &printer_id, everybody)
            .await?;
        Ok(see_other(
            &state.config.path(&format!("/admin/shares/{}", share.id)),
        ))
    };
    respond(&state, &parts, result.await).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct MemberForm {
    csrf: String,
    #[serde(default)]
    id: String,
}

#[derive(Clone, Copy)]
enum Change {
    AllowUser,
    RemoveUser,
    AllowGroup,
    RemoveGroup,
}

async fn change_member(
    state: &Shared,
    visit: &Visit,
    share: &str,
    member: &str,
    change: Change,
) -> Result<Response, ConsoleError> {
    require_admin(visit)?;
    let member = member.trim().to_ascii_lowercase();
    if member.is_empty() || member.len() > 64 {
        return Err(ConsoleError::BadRequest(
            "Type the object id of the user or group (up to 64 characters).".into(),
        ));
    }
    let (app, caller) = (&state.app, &visit.caller);
    match change {
        Change::AllowUser => {
            authorize(caller, Operation::AddAllowedUser)?;
            app.allow_user(caller, share, &member).await?
        }
        Change::RemoveUser => {
            authorize(caller, Operation::RemoveAllowedUser)?;
            app.disallow_user(caller, share, &member).await?
        }
        Change::AllowGroup => {
            authorize(caller, Operation::AddAllowedGroup)?;
            app.allow_group(caller, share, &member).await?
        }
        Change::RemoveGroup => {
            authorize(caller, Operation::RemoveAllowedGroup)?;
            app.disallow_group(caller, share, &member).await?
        }
    }
    Ok(see_other(&state.config.path(&format!("/admin/shares/{share}"))))
}

/// `POST …/users`, `…/groups`: the member is the form's `id`.
async fn add_member(state: Shared, id: String, posted: Posted<MemberForm>, change: Change) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = change_member(&state, &visit, &id, &form.id, change).await;
    respond(&state, &parts, result).await
}

/// `POST …/users/{member}/remove`, `…/groups/{member}/remove`.
async fn remove_member(
    state: Shared,
    (id, member): (String, String),
    posted: Posted<CsrfOnly>,
    change: Change,
) -> Response {
    let Posted { visit, parts, .. } = posted;
    let result = change_member(&state, &visit, &id, &member, change).await;
    respond(&state, &parts, result).await
}

pub(crate) async fn allow_user(
    State(s): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<MemberForm>,
) -> Response {
    add_member(s, id, posted, Change::AllowUser).await
}

pub(crate) async fn allow_group(
    State(s): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<MemberForm>,
) -> Response {
    add_member(s, id, posted, Change::AllowGroup).await
}

pub(crate) async fn remove_user(
    State(s): State<Shared>,
    Path(ids): Path<(String, String)>,
    posted: Posted<CsrfOnly>,
) -> Response {
    remove_member(s, ids, posted, Change::RemoveUser).await
}

pub(crate) async fn remove_group(
    State(s): State<Shared>,
    Path(ids): Path<(String, String)>,
    posted: Posted<CsrfOnly>,
) -> Response {
    remove_member(s, ids, posted, Change::RemoveGroup).await
}

pub(crate) async fn delete(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<CsrfOnly>,
) -> Response {
    let Posted { visit, parts, .. } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::DeleteShare)?;
        state.app.delete_share(&visit.caller, &id).await?;
        Ok(see_other(&state.config.path("/admin/shares")))
    };
    respond(&state, &parts, result.await).await
}

csrf_forms!(CreateForm, MemberForm);
