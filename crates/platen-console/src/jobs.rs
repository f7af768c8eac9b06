//! Job pages: a user's own jobs on every printer, every job of the tenant for administrators (filtered by
//! state, user and printer), and cancel. Lists page in SQL through the jobs indexes, newest first, with a
//! keyset cursor, like Graph's job collections.

use crate::error::ConsoleError;
use crate::session::{Posted, Visit, csrf_forms, visit};
use crate::view::{Layout, render, respond, see_other, start_of, when};
use crate::{ConsoleState, Shared};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::response::Response;
use platen_app::console::JobsAcrossPrinters;
use platen_domain::job::JobPhase;
use platen_domain::permissions::{Operation, authorize, authorize_job};
use platen_domain::records::Job;
use platen_domain::{JobId, PrinterId};
use platen_odata::{CompareOp, Expr, Literal, OrderBy, decode_skiptoken, encode_skiptoken};
use platen_store::ListQuery;
use serde::Deserialize;

const PAGE: u32 = 50;

/// The Graph job states a list can be filtered by (`status/state`), with their labels.
const STATES: &[(&str, &str)] = &[
    ("", "Any state"),
    ("pending", "Pending"),
    ("processing", "Processing"),
    ("paused", "Paused (held or not started)"),
    ("stopped", "Stopped"),
    ("completed", "Completed"),
    ("canceled", "Canceled"),
    ("aborted", "Aborted"),
];

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    state: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    printer: String,
    /// Created on or after this day (`YYYY-MM-DD`, UTC).
    #[serde(default)]
    from: String,
    /// Created on or before this day.
    #[serde(default)]
    to: String,
    /// Where the previous page ended (an opaque cursor).
    #[serde(default)]
    after: String,
}

pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) struct JobRow {
    pub id: String,
    pub name: String,
    pub printer: String,
    pub owner: String,
    pub state: &'static str,
    pub detail: String,
    pub created: String,
    pub cancelable: bool,
    /// Held by secure release, and the viewer printed it: they may release it.
    pub releasable: bool,
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    layout: Layout,
    heading: &'static str,
    states: Vec<Choice>,
    admin_filters: bool,
    user_filter: String,
    printers: Vec<Choice>,
    from: String,
    to: String,
    show_owner: bool,
    jobs: Vec<JobRow>,
    next: Option<String>,
    return_to: String,
    /// Where a held job may be released: the shares the viewer may print to (only when a row is releasable).
    release_to: Vec<Choice>,
}

/// `GET /console/jobs`: the signed-in user's jobs.
pub(crate) async fn mine(State(state): State<Shared>, parts: Parts, filters: Query<Filters>) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        let which = JobsAcrossPrinters {
            owner: Some(visit.caller.object_id.clone()),
            printer: None,
        };
        list_page(&state, &parts, &visit, &filters, which, false).await
    };
    respond(&state, &parts, result.await).await
}

/// `GET /console/admin/jobs`: every job of the tenant, for administrators.
pub(crate) async fn all(State(state): State<Shared>, parts: Parts, filters: Query<Filters>) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        require_admin(&visit)?;
        let which = JobsAcrossPrinters {
            owner: Some(filters.user.trim().to_string()).filter(|u| !u.is_empty()),
            printer: Some(filters.printer.trim())
                .filter(|p| !p.is_empty())
                .map(PrinterId::from),
        };
        list_page(&state, &parts, &visit, &filters, which, true).await
    };
    respond(&state, &parts, result.await).await
}

pub(crate) fn require_admin(visit: &Visit) -> Result<(), ConsoleError> {
    if visit.is_admin() {
        Ok(())
    } else {
        Err(ConsoleError::Forbidden(
            "This page is for Printer Administrators; your account does not have that role.".into(),
        ))
    }
}

/// `createdDateTime` from the start of day `from` to the end of day `to` (UTC), each optional.
fn created_between(from: &str, to: &str) -> Result<Vec<Expr>, ConsoleError> {
    let day = |s: &str| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| ConsoleError::BadRequest(format!("'{s}' is not a date like 2026-12-31.")))
    };
    let mut out = Vec::new();
    if !from.is_empty() {
        out.push(Expr::Compare {
            path: "createdDateTime".into(),
            op: CompareOp::Ge,
            value: start_of(day(from)?),
        });
    }
    if !to.is_empty() {
        let next = day(to)?
            .succ_opt()
            .ok_or_else(|| ConsoleError::BadRequest("That date is too far ahead.".into()))?;
        out.push(Expr::Compare {
            path: "createdDateTime".into(),
            op: CompareOp::Lt,
            value: start_of(next),
        });
    }
    Ok(out)
}

/// What a cursor is bound to: the same list with the same filters.
fn fingerprint(admin: bool, f: &Filters) -> String {
    format!(
        "console-jobs|{admin}|{}|{}|{}|{}|{}",
        f.state,
        f.user.trim(),
        f.printer.trim(),
        f.from,
        f.to
    )
}

async fn list_page(
    state: &ConsoleState,
    parts: &Parts,
    visit: &Visit,
    filters: &Filters,
    which: JobsAcrossPrinters,
    admin: bool,
) -> Result<Response, ConsoleError> {
    let state_filter = STATES
        .iter()
        .find(|(value, _)| *value == filters.state)
        .ok_or_else(|| ConsoleError::BadRequest(format!("'{}' is not a job state.", filters.state)))?
        .0;
    let fingerprint = fingerprint(admin, filters);
    let after = if filters.after.is_empty() {
        None
    } else {
        Some(decode_skiptoken(&filters.after, &fingerprint).map_err(|_| {
            ConsoleError::BadRequest("The page link is no longer valid; start from the first page.".into())
        })?)
    };
    let mut conditions: Vec<Expr> = Vec::new();
    if !state_filter.is_empty() {
        conditions.push(Expr::Compare {
            path: "status/state".into(),
            op: CompareOp::Eq,
            value: Literal::String(state_filter.into()),
        });
    }
    let dated = !filters.from.is_empty() || !filters.to.is_empty();
    if admin {
        conditions.extend(created_between(&filters.from, &filters.to)?);
    }
    let filter = conditions
        .into_iter()
        .reduce(|a, b| Expr::And(Box::new(a), Box::new(b)));
    // Newest first: by id through the (tenant, …, id) indexes, or by creation time through
    // (tenant, created_at, id) when a window is asked for.
    let newest_first = |path: &str| OrderBy {
        path: path.into(),
        descending: true,
    };
    let orderby = if admin && dated {
        vec![newest_first("createdDateTime"), newest_first("id")]
    } else {
        vec![newest_first("id")]
    };
    let query = ListQuery {
        filter,
        orderby,
        limit: PAGE,
        after,
        ..ListQuery::default()
    };
    let page = state
        .app
        .list_jobs_across_printers(&visit.caller, &which, &query)
        .await?;
    let names = state.app.printer_names_of(&visit.caller, &page.items).await?;
    let documents = state.app.documents_of_jobs(&visit.caller, &page.items).await?;
    let held = state.app.held_for_release(&visit.caller, &page.items).await?;
    let jobs = page
        .items
        .iter()
        .map(|j| {
            let printer = names
                .get(&j.printer_id)
                .map_or(j.printer_id.as_str(), String::as_str);
            // v1.0 jobs have no name of their own: their document's is what people recognise.
            let document = documents
                .get(&j.id)
                .and_then(|d| d.first())
                .map(|d| d.display_name.as_str())
                .filter(|n| !n.is_empty());
            let releasable =
                held.contains(&j.id) && j.created_by.id.eq_ignore_ascii_case(&visit.caller.object_id);
            JobRow {
                releasable,
                ..row(j, printer, document)
            }
        })
        .collect::<Vec<JobRow>>();
    let release_to = if jobs.iter().any(|j| j.releasable) {
        release_choices(state, visit).await?
    } else {
        vec![]
    };
    let here = parts.uri.path_and_query().map_or("", |p| p.as_str()).to_string();
    let next = page.next.map(|values| {
        let token = encode_skiptoken(&values, &fingerprint);
        let mut link = format!("{}?state={}", parts.uri.path(), enc(&filters.state));
        if admin {
            link.push_str(&format!(
                "&user={}&printer={}&from={}&to={}",
                enc(filters.user.trim()),
                enc(filters.printer.trim()),
                enc(&filters.from),
                enc(&filters.to)
            ));
        }
        link.push_str(&format!("&after={}", enc(&token)));
        link
    });
    let printers = if admin {
        printer_choices(state, visit, filters.printer.trim()).await?
    } else {
        vec![]
    };
    let page = JobsPage {
        layout: Layout::of(
            state,
            visit,
            if admin { "All jobs" } else { "My jobs" },
            if admin { "all-jobs" } else { "jobs" },
        ),
        heading: if admin { "All jobs" } else { "My jobs" },
        states: STATES
            .iter()
            .map(|(value, label)| Choice {
                value: (*value).into(),
                label: (*label).into(),
                selected: *value == state_filter,
            })
            .collect(),
        admin_filters: admin,
        user_filter: filters.user.trim().to_string(),
        from: filters.from.clone(),
        to: filters.to.clone(),
        printers,
        show_owner: admin,
        jobs,
        next,
        return_to: here,
        release_to,
    };
    Ok(render(&page))
}

/// The printer filter's choices (the first 100 printers by name order of registration).
async fn printer_choices(
    state: &ConsoleState,
    visit: &Visit,
    selected: &str,
) -> Result<Vec<Choice>, ConsoleError> {
    authorize(&visit.caller, Operation::ListPrinters)?;
    let query = ListQuery {
        limit: 100,
        ..ListQuery::default()
    };
    let printers = state.app.list_printers(&visit.caller, &query).await?;
    let mut choices = vec![Choice {
        value: String::new(),
        label: "Any printer".into(),
        selected: selected.is_empty(),
    }];
    choices.extend(printers.items.into_iter().map(|p| Choice {
        selected: p.id.as_str() == selected,
        value: p.id.to_string(),
        label: p.display_name,
    }));
    Ok(choices)
}

pub(crate) fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn row(job: &Job, printer: &str, document: Option<&str>) -> JobRow {
    let state = job.phase.graph_state();
    JobRow {
        id: job.id.to_string(),
        name: job
            .display_name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| document.map(str::to_string))
            .unwrap_or_else(|| format!("Job {}", job.id)),
        printer: printer.to_string(),
        owner: job
            .created_by
            .user_principal_name
            .clone()
            .or_else(|| job.created_by.display_name.clone())
            .unwrap_or_else(|| job.created_by.id.clone()),
        state,
        detail: job.status_reason.clone().unwrap_or_default(),
        created: when(job.created_at),
        cancelable: !job.phase.is_terminal() && job.phase != JobPhase::Redirected,
        releasable: false,
    }
}

/// The shares a held job may be released to (besides its own printer): those the viewer may print to.
async fn release_choices(state: &ConsoleState, visit: &Visit) -> Result<Vec<Choice>, ConsoleError> {
    let access = authorize(&visit.caller, Operation::ListShares)?;
    let query = ListQuery {
        limit: 100,
        ..ListQuery::default()
    };
    let shares = state.app.list_shares(&visit.caller, &access, &query).await?;
    let mut choices = vec![Choice {
        value: String::new(),
        label: "The printer it was sent to".into(),
        selected: true,
    }];
    choices.extend(shares.items.into_iter().map(|s| Choice {
        value: s.id.to_string(),
        label: s.display_name,
        selected: false,
    }));
    Ok(choices)
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReleaseForm {
    csrf: String,
    /// Empty: the printer the job was sent to; else a share's id.
    #[serde(default)]
    share: String,
    #[serde(default)]
    return_to: String,
}

/// `POST /console/jobs/{id}/release`: the owner releases a job secure release holds (the same use case as
/// `/platen/secure-release/jobs/{id}/release`).
pub(crate) async fn release(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<ReleaseForm>,
) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        let job_id: JobId = id
            .parse()
            .map_err(|_| ConsoleError::NotFound("There is no such job.".into()))?;
        authorize(&visit.caller, Operation::CancelJob)?;
        let share = Some(form.share.trim().to_ascii_lowercase()).filter(|s| !s.is_empty());
        state
            .app
            .release_held_job(&visit.caller, job_id, share.as_deref())
            .await?;
        Ok(see_other(&local_return(&state, &form.return_to, "/jobs")))
    };
    respond(&state, &parts, result.await).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct CancelForm {
    csrf: String,
    #[serde(default)]
    return_to: String,
}

/// `POST /console/jobs/{id}/cancel`: the user's cancel (Graph's `cancel`), through the same use case.
pub(crate) async fn cancel(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<CancelForm>,
) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        let job_id: JobId = id
            .parse()
            .map_err(|_| ConsoleError::NotFound("There is no such job.".into()))?;
        let job = state.app.job_across_printers(&visit.caller, job_id).await?;
        let target = state.app.job_target_for(&visit.caller, &job);
        let access = authorize_job(&visit.caller, Operation::CancelJob, target.path())?;
        state.app.cancel_job(&visit.caller, &access, &target, &id).await?;
        Ok(see_other(&local_return(&state, &form.return_to, "/jobs")))
    };
    respond(&state, &parts, result.await).await
}

/// Where a form sends the browser back to: a path of the console only (never another site).
pub(crate) fn local_return(state: &ConsoleState, wanted: &str, fallback: &str) -> String {
    return_path(&state.config.base_path, wanted, fallback)
}

pub(crate) fn return_path(base: &str, wanted: &str, fallback: &str) -> String {
    let safe = wanted.starts_with(&format!("{base}/"))
        && !wanted.starts_with("//")
        && !wanted.contains('\\')
        && !wanted.chars().any(char::is_control);
    if safe {
        wanted.to_string()
    } else {
        format!("{base}{fallback}")
    }
}

csrf_forms!(CancelForm, ReleaseForm);
