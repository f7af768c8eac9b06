//! Print quotas: the rules (a page budget per period for a user or for each member of a group, with an
//! overdraft; a user's own rule is an exception that wins over their groups'), and credits to one user's current
//! period. The same use cases and permission rules as `/platen/print-quotas`.

use crate::Shared;
use crate::error::ConsoleError;
use crate::jobs::require_admin;
use crate::session::{CsrfOnly, Posted, csrf_forms, visit};
use crate::view::{Layout, render, respond, see_other, when};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::response::Response;
use platen_app::NewQuotaRule;
use platen_domain::permissions::{Operation, authorize};
use platen_domain::quota::{QuotaPeriod, QuotaSubject};
use serde::Deserialize;

pub(crate) struct RuleRow {
    pub id: String,
    pub applies_to: String,
    pub budget: String,
    pub created: String,
}

/// One user's accounts, when the page was asked to show them (`?user=`).
pub(crate) struct AccountRow {
    pub period: String,
    pub printed: i64,
    pub held: i64,
    pub credited: i64,
}

#[derive(Template)]
#[template(path = "admin/quotas.html")]
struct QuotasPage {
    layout: Layout,
    rules: Vec<RuleRow>,
    user: String,
    accounts: Vec<AccountRow>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct PageQuery {
    #[serde(default)]
    user: String,
}

/// A budget in words: "100 pages a week, 10 more as overdraft".
fn budget(pages: Option<i64>, overdraft: i64, period: QuotaPeriod) -> String {
    match pages {
        None => format!("unlimited (per {})", period.as_str()),
        Some(p) if overdraft > 0 => format!("{p} pages a {}, {overdraft} more as overdraft", period.as_str()),
        Some(p) => format!("{p} pages a {}", period.as_str()),
    }
}

pub(crate) async fn page(
    State(state): State<Shared>,
    axum::extract::Query(query): axum::extract::Query<PageQuery>,
    parts: Parts,
) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        require_admin(&visit)?;
        let caller = &visit.caller;
        authorize(caller, Operation::ReadPrintPolicies)?;
        let rules = state
            .app
            .list_quota_rules(caller)
            .await?
            .into_iter()
            .map(|r| RuleRow {
                applies_to: match &r.subject {
                    QuotaSubject::User(u) => format!("user {u}"),
                    QuotaSubject::Group(g) => format!("each member of group {g}"),
                },
                budget: budget(r.pages, r.overdraft, r.period),
                created: when(r.created_at),
                id: r.id,
            })
            .collect();
        let user = query.user.trim().to_string();
        let accounts = if user.is_empty() {
            vec![]
        } else {
            state
                .app
                .user_quota(caller, &user)
                .await?
                .accounts
                .into_iter()
                .map(|a| AccountRow {
                    period: format!("{} from {}", a.period.as_str(), when(a.period_start)),
                    printed: a.charged,
                    held: a.held,
                    credited: a.credited,
                })
                .collect()
        };
        Ok(render(&QuotasPage {
            layout: Layout::of(&state, &visit, "Quotas", "quotas"),
            rules,
            user,
            accounts,
        }))
    };
    respond(&state, &parts, result.await).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct RuleForm {
    csrf: String,
    /// `user` or `group`.
    #[serde(default)]
    applies_to: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    period: String,
    /// Pages per period; empty for unlimited.
    #[serde(default)]
    pages: String,
    #[serde(default)]
    overdraft: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CreditForm {
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    pages: String,
}

csrf_forms!(RuleForm, CreditForm);

fn back(state: &Shared, user: Option<&str>) -> Response {
    let query = user
        .map(|u| format!("?user={}", crate::jobs::enc(u)))
        .unwrap_or_default();
    see_other(&state.config.path(&format!("/admin/quotas{query}")))
}

fn period(text: &str) -> Result<QuotaPeriod, ConsoleError> {
    QuotaPeriod::parse(text)
        .ok_or_else(|| ConsoleError::BadRequest("Choose a day, a week or a month.".into()))
}

fn whole(text: &str, what: &str) -> Result<Option<i64>, ConsoleError> {
    match text.trim() {
        "" => Ok(None),
        n => n
            .parse()
            .map(Some)
            .map_err(|_| ConsoleError::BadRequest(format!("{what} is a whole number of pages."))),
    }
}

/// `POST /console/admin/quotas`.
pub(crate) async fn create(State(state): State<Shared>, posted: Posted<RuleForm>) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ManagePrintPolicies)?;
        let subject = match form.applies_to.as_str() {
            "user" => QuotaSubject::User(form.subject),
            "group" => QuotaSubject::Group(form.subject),
            _ => {
                return Err(ConsoleError::BadRequest(
                    "Choose whether the quota is for a user or for a group's members.".into(),
                ));
            }
        };
        let new = NewQuotaRule {
            subject,
            period: period(&form.period)?,
            pages: whole(&form.pages, "The budget")?,
            overdraft: whole(&form.overdraft, "The overdraft")?.unwrap_or(0),
        };
        state.app.create_quota_rule(&visit.caller, new).await?;
        Ok(back(&state, None))
    };
    respond(&state, &parts, result.await).await
}

/// `POST /console/admin/quotas/{id}/delete`.
pub(crate) async fn delete(
    State(state): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<CsrfOnly>,
) -> Response {
    let Posted { visit, parts, .. } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ManagePrintPolicies)?;
        state.app.delete_quota_rule(&visit.caller, &id).await?;
        Ok(back(&state, None))
    };
    respond(&state, &parts, result.await).await
}

/// `POST /console/admin/quotas/credits`.
pub(crate) async fn credit(State(state): State<Shared>, posted: Posted<CreditForm>) -> Response {
    let Posted { visit, form, parts } = posted;
    let result = async {
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ManagePrintPolicies)?;
        let pages = whole(&form.pages, "The credit")?.ok_or_else(|| {
            ConsoleError::BadRequest("Give the pages to add (negative to take away).".into())
        })?;
        state
            .app
            .credit_quota(&visit.caller, &form.user, period(&form.period)?, pages)
            .await?;
        Ok(back(&state, Some(form.user.trim())))
    };
    respond(&state, &parts, result.await).await
}
