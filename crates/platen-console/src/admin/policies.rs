//! Policies: print policies (force black and white or two-sided, cap a document's size or a job's pages, for a printer or a
//! group) and app printing (the tenant's switch and which app may print on which share). The same use cases and
//! permission rules as `/platen/print-policies` and `/platen/app-printing`.

use crate::Shared;
use crate::error::ConsoleError;
use crate::jobs::require_admin;
use crate::session::{CsrfOnly, Posted, csrf_forms, visit};
use crate::view::{Layout, render, respond, see_other, when};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::response::Response;
use platen_app::NewPrintPolicy;
use platen_domain::permissions::{Operation, authorize};
use platen_domain::print_policy::{PolicyTarget, human_size};
use platen_store::ListQuery;
use serde::Deserialize;
use std::collections::HashMap;

/// How many printers and shares the forms offer to choose from (one page, as the lists show).
const CHOICES: u32 = 500;

pub(crate) struct PolicyRow {
    pub id: String,
    pub name: String,
    pub applies_to: String,
    pub rules: String,
    pub created: String,
}

pub(crate) struct GrantRow {
    pub id: String,
    pub app: String,
    pub share: String,
    pub granted_by: String,
    pub granted: String,
}

pub(crate) struct Choice {
    pub id: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "admin/policies.html")]
struct PoliciesPage {
    layout: Layout,
    policies: Vec<PolicyRow>,
    printers: Vec<Choice>,
    app_printing: bool,
    grants: Vec<GrantRow>,
    shares: Vec<Choice>,
}

/// What a policy does, in words.
fn rules(
    force_monochrome: bool,
    force_duplex: bool,
    max_bytes: Option<i64>,
    max_pages: Option<i64>,
) -> String {
    let mut out = Vec::new();
    if force_monochrome {
        out.push("black and white".to_string());
    }
    if force_duplex {
        out.push("two-sided".to_string());
    }
    if let Some(max) = max_bytes {
        out.push(format!("documents up to {}", human_size(max)));
    }
    if let Some(max) = max_pages {
        out.push(format!("jobs up to {max} pages"));
    }
    out.join(", ")
}

pub(crate) async fn page(State(state): State<Shared>, parts: Parts) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        require_admin(&visit)?;
        let caller = &visit.caller;
        authorize(caller, Operation::ReadPrintPolicies)?;
        authorize(caller, Operation::ReadAppPrinting)?;
        let q = ListQuery {
            limit: CHOICES,
            ..ListQuery::default()
        };
        let printers = state.app.list_printers(caller, &q).await?.items;
        let shares_access = authorize(caller, Operation::ListShares)?;
        let shares = state.app.list_shares(caller, &shares_access, &q).await?.items;
        let printer_names: HashMap<String, String> = printers
            .iter()
            .map(|p| (p.id.to_string(), p.display_name.clone()))
            .collect();
        let share_names: HashMap<String, String> = shares
            .iter()
            .map(|s| (s.id.to_string(), s.display_name.clone()))
            .collect();
        let policies = state
            .app
            .list_print_policies(caller)
            .await?
            .into_iter()
            .map(|p| PolicyRow {
                applies_to: match &p.target {
                    PolicyTarget::Printer(id) => format!(
                        "printer {}",
                        printer_names.get(id.as_str()).map_or(id.as_str(), String::as_str)
                    ),
                    PolicyTarget::Group(g) => format!("members of group {g}"),
                },
                rules: rules(
                    p.force_monochrome,
                    p.force_duplex,
                    p.max_document_bytes,
                    p.max_pages,
                ),
                created: when(p.created_at),
                id: p.id,
                name: p.display_name,
            })
            .collect();
        let app_printing = state.app.app_printing(caller).await?;
        let grants = app_printing
            .grants
            .into_iter()
            .map(|g| GrantRow {
                share: share_names
                    .get(g.share_id.as_str())
                    .cloned()
                    .unwrap_or_else(|| g.share_id.to_string()),
                app: g.app_id,
                granted_by: g.granted_by,
                granted: when(g.granted_at),
                id: g.id,
            })
            .collect();
        Ok(render(&PoliciesPage {
            layout: Layout::of(&state, &visit, "Policies", "policies"),
            policies,
            printers: printers
                .iter()
                .map(|p| Choice {
                    id: p.id.to_string(),
                    name: p.display_name.clone(),
                })
                .collect(),
            app_printing: app_printing.enabled,
            grants,
            shares: shares
                .iter()
                .map(|s| Choice {
                    id: s.id.to_string(),
                    name: s.display_name.clone(),
                })
                .collect(),
        }))
    };
    respond(&state, &parts, result.await).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct PolicyForm {
    csrf: String,
    #[serde(default)]
    name: String,
    /// `printer` or `group`.
    #[serde(default)]
    applies_to: String,
    #[serde(default)]
    printer: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    monochrome: Option<String>,
    #[serde(default)]
    duplex: Option<String>,
    /// Largest document in MiB; empty for no cap.
    #[serde(default)]
    max_mib: String,
    /// Most pages per job; empty for no cap.
    #[serde(default)]
    max_pages: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SwitchForm {
    csrf: String,
    /// `on` or `off`.
    #[serde(default)]
    enabled: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct GrantForm {
    csrf: String,
    #[serde(default)]
    app: String,
    #[serde(default)]
    share: String,
}

csrf_forms!(PolicyForm, SwitchForm, GrantForm);

fn back(state: &Shared) -> Response {
    see_other(&state.config.path("/admin/policies"))
}

/// `POST /console/admin/policies`.
pub(crate) async fn create(State(state): State<Shared>, posted: Posted<PolicyForm>) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ManagePrintPolicies)?;
        let target = match form.applies_to.as_str() {
            "printer" => PolicyTarget::Printer(form.printer.trim().into()),
            "group" => PolicyTarget::Group(form.group.trim().to_string()),
            _ => {
                return Err(ConsoleError::BadRequest(
                    "Choose whether the policy applies to a printer or to a group.".into(),
                ));
            }
        };
        let max_document_bytes = match form.max_mib.trim() {
            "" => None,
            mib => {
                let mib: f64 = mib
                    .parse()
                    .ok()
                    .filter(|m: &f64| m.is_finite() && *m > 0.0 && *m < 1e9)
                    .ok_or_else(|| {
                        ConsoleError::BadRequest(
                            "The largest document is a number of MiB, such as 25.".into(),
                        )
                    })?;
                Some((mib * 1_048_576.0).round() as i64)
            }
        };
        let max_pages = match form.max_pages.trim() {
            "" => None,
            n => Some(n.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ConsoleError::BadRequest("The most pages per job is a whole number, such as 50.".into())
            })?),
        };
        let new = NewPrintPolicy {
            display_name: form.name,
            target,
            force_monochrome: form.monochrome.as_deref() == Some("on"),
            force_duplex: form.duplex.as_deref() == Some("on"),
            max_document_bytes,
            max_pages,
        };
        state.app.create_print_policy(&visit.caller, new).await?;
        Ok(back(&state))
    };
    respond(&state, &parts, result.await).await
}

/// `POST /console/admin/policies/{id}/delete`.
pub(crate) async fn delete(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<CsrfOnly>,
) -> Response {
    let Posted { visit, parts, .. } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ManagePrintPolicies)?;
        state.app.delete_print_policy(&visit.caller, &id).await?;
        Ok(back(&state))
    };
    respond(&state, &parts, result.await).await
}

/// `POST /console/admin/app-printing`.
pub(crate) async fn switch(State(state): State<Shared>, posted: Posted<SwitchForm>) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ManageAppPrinting)?;
        let enabled = match form.enabled.as_str() {
            "on" => true,
            "off" => false,
            _ => return Err(ConsoleError::BadRequest("Switch app printing on or off.".into())),
        };
        state.app.set_app_printing(&visit.caller, enabled).await?;
        Ok(back(&state))
    };
    respond(&state, &parts, result.await).await
}

/// `POST /console/admin/app-printing/grants`.
pub(crate) async fn grant(State(state): State<Shared>, posted: Posted<GrantForm>) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ManageAppPrinting)?;
        state
            .app
            .grant_app_printing(&visit.caller, &form.app, &form.share.trim().to_ascii_lowercase())
            .await?;
        Ok(back(&state))
    };
    respond(&state, &parts, result.await).await
}

/// `POST /console/admin/app-printing/grants/{id}/revoke`.
pub(crate) async fn revoke(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<CsrfOnly>,
) -> Response {
    let Posted { visit, parts, .. } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ManageAppPrinting)?;
        state.app.revoke_app_printing(&visit.caller, &id).await?;
        Ok(back(&state))
    };
    respond(&state, &parts, result.await).await
}
