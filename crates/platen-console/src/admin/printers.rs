//! Printers: list (state and reasons, accepting, shared, last seen), detail, rename, accept or stop accepting
//! jobs, share, delete.

use crate::Shared;
use crate::error::ConsoleError;
use crate::jobs::require_admin;
use crate::session::{CsrfOnly, Posted, csrf_forms, visit};
use crate::view::{Layout, render, respond, see_other, when};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::response::Response;
use platen_app::PrinterUpdate;
use platen_domain::permissions::{Operation, authorize};
use platen_domain::records::Printer;
use platen_odata::{decode_skiptoken, encode_skiptoken};
use platen_store::ListQuery;
use serde::Deserialize;

pub(crate) struct PrinterRow {
    pub id: String,
    pub name: String,
    pub state: String,
    pub reasons: String,
    pub description: String,
    pub accepting: &'static str,
    pub shared: &'static str,
    pub last_seen: String,
    pub model: String,
    pub registered: String,
}

fn row(p: &Printer) -> PrinterRow {
    PrinterRow {
        id: p.id.to_string(),
        name: p.display_name.clone(),
        state: p.status_state.clone(),
        reasons: p.status_details.join(", "),
        description: p.status_description.clone().unwrap_or_default(),
        accepting: match p.is_accepting_jobs {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        },
        shared: if p.is_shared { "yes" } else { "no" },
        last_seen: p.last_seen_at.map_or_else(|| "never".into(), when),
        model: [p.manufacturer.as_deref(), p.model.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        registered: when(p.registered_at),
    }
}

#[derive(Template)]
#[template(path = "admin/printers.html")]
struct PrintersPage {
    layout: Layout,
    printers: Vec<PrinterRow>,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Cursor {
    #[serde(default)]
    after: String,
}

const FINGERPRINT: &str = "console-printers";

pub(crate) async fn list(State(state): State<Shared>, parts: Parts, Query(c): Query<Cursor>) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ListPrinters)?;
        let after = (!c.after.is_empty())
            .then(|| decode_skiptoken(&c.after, FINGERPRINT))
            .transpose()
            .map_err(|_| ConsoleError::BadRequest("The page link is no longer valid.".into()))?;
        let q = ListQuery {
            limit: 100,
            after,
            ..ListQuery::default()
        };
        let page = state.app.list_printers(&visit.caller, &q).await?;
        let next = page.next.map(|v| {
            format!(
                "{}?after={}",
                parts.uri.path(),
                crate::jobs::enc(&encode_skiptoken(&v, FINGERPRINT))
            )
        });
        Ok(render(&PrintersPage {
            layout: Layout::of(&state, &visit, "Printers", "printers"),
            printers: page.items.iter().map(row).collect(),
            next,
        }))
    };
    respond(&state, &parts, result.await).await
}

#[derive(Template)]
#[template(path = "admin/printer.html")]
struct PrinterPage {
    layout: Layout,
    p: PrinterRow,
    connector: String,
    formats: String,
    share: Option<(String, String)>,
    /// The task definition its trigger hands started jobs to.
    trigger: Option<String>,
    /// Whether the trigger is Platen's secure release (the switch offered), or no trigger holds its jobs.
    secure_release: bool,
    /// Whether the switch may be turned on (no other app's trigger holds the printer's jobs).
    secure_release_possible: bool,
    /// What the printer can do and does unless asked otherwise, one line per capability it describes.
    capabilities: Vec<(String, String)>,
}

/// The document formats a printer takes, for people.
pub(crate) fn formats(p: &Printer) -> String {
    p.capabilities["contentTypes"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

/// The capabilities people ask about, with their defaults: `(label, "values; default: x")`.
fn capability_lines(p: &Printer) -> Vec<(String, String)> {
    const SHOWN: &[(&str, &str, &str)] = &[
        ("mediaSizes", "mediaSize", "Paper sizes"),
        ("colorModes", "colorMode", "Colour"),
        ("duplexModes", "duplexMode", "Sides"),
        ("qualities", "quality", "Quality"),
        ("orientations", "orientation", "Orientation"),
        ("dpis", "dpi", "Resolutions (dpi)"),
        ("finishings", "finishings", "Finishings"),
    ];
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    let mut lines: Vec<(String, String)> = SHOWN
        .iter()
        .filter_map(|(capability, default, label)| {
            let values = p.capabilities.get(*capability).filter(|v| !v.is_null())?;
            let mut line = text(values);
            if let Some(d) = p.defaults.get(*default).filter(|v| !v.is_null()) {
                line.push_str(&format!("; default: {}", text(d)));
            }
            Some(((*label).to_string(), line))
        })
        .collect();
    if let Some(range) = p.capabilities.get("copiesPerJob").filter(|v| !v.is_null()) {
        lines.push(("Copies".into(), format!("{} to {}", range["start"], range["end"])));
    }
    lines
}

pub(crate) async fn detail(State(state): State<Shared>, Path(id): Path<String>, parts: Parts) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::GetPrinter)?;
        let printer = state.app.get_printer(&visit.caller, &id).await?;
        let connector = match state.app.connector_of(&printer).await? {
            Some(c) => format!("{} ({})", c.display_name, c.fully_qualified_domain_name),
            None => "none (the printer connects itself)".into(),
        };
        let share = state
            .app
            .share_of_printer(&visit.caller, &id)
            .await?
            .map(|s| (s.id.to_string(), s.display_name));
        authorize(&visit.caller, Operation::ListTaskTriggers)?;
        let trigger = match state.app.task_triggers(&visit.caller, &id).await?.first() {
            Some(t) => {
                let d = state.app.trigger_definition(&visit.caller, &id, &t.id).await?;
                Some(format!(
                    "{} ({})",
                    d.display_name,
                    d.app_display_name.unwrap_or(d.app_id)
                ))
            }
            None => None,
        };
        let secure_release = state.app.secure_release_enabled(&visit.caller, &id).await?;
        let secure_release_possible = secure_release || trigger.is_none();
        Ok(render(&PrinterPage {
            secure_release,
            secure_release_possible,
            layout: Layout::of(&state, &visit, &printer.display_name, "printers"),
            p: row(&printer),
            connector,
            formats: formats(&printer),
            share,
            trigger,
            capabilities: capability_lines(&printer),
        }))
    };
    respond(&state, &parts, result.await).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct RenameForm {
    csrf: String,
    #[serde(default)]
    name: String,
}

pub(crate) async fn rename(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<RenameForm>,
) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::UpdatePrinter)?;
        let name = form.name.trim();
        if name.is_empty() || name.chars().count() > 256 {
            return Err(ConsoleError::BadRequest(
                "A printer's name is 1 to 256 characters.".into(),
            ));
        }
        let update = PrinterUpdate {
            display_name: Some(name.to_string()),
            ..PrinterUpdate::default()
        };
        state.app.update_printer(&visit.caller, &id, update).await?;
        Ok(see_other(&state.config.path(&format!("/admin/printers/{id}"))))
    };
    respond(&state, &parts, result.await).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct SecureReleaseForm {
    csrf: String,
    /// `on` or `off`.
    enabled: String,
}

/// `POST /console/admin/printers/{id}/secure-release`: the same use case as `PUT
/// /platen/secure-release/printers/{id}`.
pub(crate) async fn secure_release(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<SecureReleaseForm>,
) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ManagePrintPolicies)?;
        let enabled = match form.enabled.as_str() {
            "on" => true,
            "off" => false,
            _ => {
                return Err(ConsoleError::BadRequest(
                    "Switch secure release on or off.".into(),
                ));
            }
        };
        state.app.set_secure_release(&visit.caller, &id, enabled).await?;
        Ok(see_other(&state.config.path(&format!("/admin/printers/{id}"))))
    };
    respond(&state, &parts, result.await).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct AcceptingForm {
    csrf: String,
    accepting: String,
}

pub(crate) async fn accepting(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<AcceptingForm>,
) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::UpdatePrinter)?;
        let accepting = match form.accepting.as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(ConsoleError::BadRequest("accepting is true or false.".into())),
        };
        let update = PrinterUpdate {
            is_accepting_jobs: Some(Some(accepting)),
            ..PrinterUpdate::default()
        };
        state.app.update_printer(&visit.caller, &id, update).await?;
        Ok(see_other(&state.config.path(&format!("/admin/printers/{id}"))))
    };
    respond(&state, &parts, result.await).await
}

pub(crate) async fn delete(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<CsrfOnly>,
) -> Response {
    let Posted { visit, parts, .. } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::DeletePrinter)?;
        state.app.delete_printer(&visit.caller, &id).await?;
        Ok(see_other(&state.config.path("/admin/printers")))
    };
    respond(&state, &parts, result.await).await
}

csrf_forms!(RenameForm, AcceptingForm, SecureReleaseForm);
