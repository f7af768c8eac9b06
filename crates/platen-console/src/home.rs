//! The start page: what needs attention, for a user and for an administrator.

use crate::error::ConsoleError;
use crate::session::{Visit, visit};
use crate::view::{Layout, render, respond};
use crate::{ConsoleState, Shared};
use askama::Template;
use axum::extract::State;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use platen_app::console::JobsAcrossPrinters;
use platen_domain::permissions::{Operation, authorize};
use platen_odata::{CompareOp, Expr, Literal};
use platen_store::ListQuery;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    name: String,
    my_active: String,
    printers: String,
    waiting: String,
    stuck: String,
    /// The user's print quota in words; empty when no quota limits them.
    quota: String,
}

/// `GET /console` → `/console/`.
pub(crate) async fn to_home(State(state): State<Shared>) -> Response {
    Redirect::to(&state.config.path("/")).into_response()
}

pub(crate) async fn page(State(state): State<Shared>, parts: Parts) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        let active = Expr::In {
            path: "status/state".into(),
            values: ["pending", "processing", "paused", "stopped"]
                .map(|s| Literal::String(s.into()))
                .to_vec(),
        };
        let mine = JobsAcrossPrinters {
            owner: Some(visit.caller.object_id.clone()),
            printer: None,
        };
        let my_active = count_jobs(&state, &visit, mine, active).await?;
        let (mut printers, mut waiting, mut stuck) = (String::new(), String::new(), String::new());
        if visit.is_admin() {
            authorize(&visit.caller, Operation::ListPrinters)?;
            let q = capped_count(None);
            printers = label(state.app.list_printers(&visit.caller, &q).await?.count);
            let all = || JobsAcrossPrinters::default();
            waiting = count_jobs(&state, &visit, all(), state_is("pending")).await?;
            stuck = count_jobs(&state, &visit, all(), state_is("stopped")).await?;
        }
        authorize(&visit.caller, Operation::ReadOwnPrintQuota)?;
        let quota = state
            .app
            .my_quota(&visit.caller)
            .await?
            .map(|b| quota_words(&b))
            .unwrap_or_default();
        let layout = Layout::of(&state, &visit, "Start", "home");
        Ok(render(&HomePage {
            name: layout.user.clone().unwrap_or_default(),
            layout,
            my_active,
            printers,
            waiting,
            stuck,
            quota,
        }))
    };
    respond(&state, &parts, result.await).await
}

/// "37 of 100 pages left this month (resets 2027-01-01)".
fn quota_words(b: &platen_domain::quota::Balance) -> String {
    let resets = crate::view::when(b.resets_at);
    match (b.remaining(), b.rule.pages) {
        (Some(left), Some(pages)) => format!(
            "{} of {pages} pages left this {}{}; resets {resets}.",
            left.max(0),
            b.rule.period.as_str(),
            if b.account.held > 0 {
                format!(" ({} held by jobs not yet printed)", b.account.held)
            } else {
                String::new()
            },
        ),
        _ => String::new(),
    }
}

fn state_is(value: &str) -> Expr {
    Expr::Compare {
        path: "status/state".into(),
        op: CompareOp::Eq,
        value: Literal::String(value.into()),
    }
}

async fn count_jobs(
    state: &ConsoleState,
    visit: &Visit,
    which: JobsAcrossPrinters,
    filter: Expr,
) -> Result<String, ConsoleError> {
    let q = capped_count(Some(filter));
    let page = state
        .app
        .list_jobs_across_printers(&visit.caller, &which, &q)
        .await?;
    Ok(label(page.count))
}

/// Counting stops at this many: the start page stays fast with millions of jobs.
const COUNT_CAP: u32 = 1000;

fn capped_count(filter: Option<Expr>) -> ListQuery {
    ListQuery {
        filter,
        limit: 0,
        count: true,
        count_cap: Some(COUNT_CAP),
        ..ListQuery::default()
    }
}

fn label(count: Option<i64>) -> String {
    match count.unwrap_or(0) {
        n if n >= i64::from(COUNT_CAP) => format!("{COUNT_CAP} or more"),
        n => n.to_string(),
    }
}
