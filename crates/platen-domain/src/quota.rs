//! Page quotas (Platen's own, beyond Graph): a budget of pages per user per period (day, week or month), set for
//! a user or for every member of a group, with an overdraft, charged on what the device reports it printed.
//!
//! How a job meets its quota, in three moves, each inside the job's own change through the one door:
//! 1. **Start**: the pages the job will print are estimated ([`estimate_pages`]) and *held* on the creator's
//!    account for the current period; the hold is refused when `charged + held + this job` would pass the
//!    allowance (`pages + overdraft + credited`). The check and the hold are one conditional `UPDATE` of the
//!    account row, so two starts racing for the last pages cannot both pass.
//! 2. **Redirect**: the hold moves with the job to its destination (the pages have not printed yet).
//! 3. **End** (completed, canceled or aborted): the hold is released and what the device reported printed is
//!    charged ([`charge_at_end`]); a job canceled before printing charges nothing, one that printed fewer pages
//!    than estimated charges what it printed.
//!
//! Periods are calendar periods in UTC (a day from midnight, an ISO week from Monday, a month from the 1st). An
//! account is a row per user *per period start*, so a new period starts from zero without any reset job: the
//! old row simply stops being the current one (and stays as history).
//!
//! Pure: the store applies the hold and the charge; this module decides the rule, the estimate and the charge.

use crate::JobPhase;
use crate::time::Micros;
use crate::usage::PrintCounts;
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The length of a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum QuotaPeriod {
    Day,
    Week,
    Month,
}

impl QuotaPeriod {
    pub const ALL: [QuotaPeriod; 3] = [QuotaPeriod::Day, QuotaPeriod::Week, QuotaPeriod::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            QuotaPeriod::Day => "day",
            QuotaPeriod::Week => "week",
            QuotaPeriod::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Nominal length in days, to compare budgets of different periods.
    fn days(self) -> i64 {
        match self {
            QuotaPeriod::Day => 1,
            QuotaPeriod::Week => 7,
            QuotaPeriod::Month => 30,
        }
    }

    /// The start (UTC) of the period holding `at`.
    pub fn start_of(self, at: Micros) -> Micros {
        let date = crate::time::to_datetime(at).date_naive();
        let first = match self {
            QuotaPeriod::Day => date,
            QuotaPeriod::Week => date - Duration::days(i64::from(date.weekday().num_days_from_monday())),
            QuotaPeriod::Month => date.with_day(1).unwrap_or(date),
        };
        midnight(first)
    }

    /// The start of the period after the one starting at `start`: when the budget resets.
    pub fn next_start(self, start: Micros) -> Micros {
        let date = crate::time::to_datetime(start).date_naive();
        let next = match self {
            QuotaPeriod::Day => date + Duration::days(1),
            QuotaPeriod::Week => date + Duration::days(7),
            QuotaPeriod::Month => {
                let (y, m) = if date.month() == 12 {
                    (date.year() + 1, 1)
                } else {
                    (date.year(), date.month() + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(date)
            }
        };
        midnight(next)
    }
}

fn midnight(date: NaiveDate) -> Micros {
    let at = date.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
    at.map_or(0, |t| t.timestamp_micros())
}

/// Whom a rule gives a budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuotaSubject {
    /// One user (object id, lower-case): an exception that wins over every group rule of that user.
    User(String),
    /// Every member of a group (object id, lower-case), each with a budget of their own.
    Group(String),
}

/// An administrator's budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRule {
    pub tenant_id: crate::TenantId,
    pub id: String,
    pub subject: QuotaSubject,
    pub period: QuotaPeriod,
    /// Pages per period; `None`: unlimited (an exception for a user in a limited group).
    pub pages: Option<i64>,
    /// Pages a user may print beyond the budget before being refused.
    pub overdraft: i64,
    pub created_at: Micros,
}

impl QuotaRule {
    /// What the rule lets a user print in one period before credits: budget plus overdraft (`None`: unlimited).
    pub fn allowance(&self) -> Option<i64> {
        self.pages.map(|p| p.saturating_add(self.overdraft))
    }
}

/// The rule that governs a user's jobs among `rules` (those for the user and for the user's groups): the user's
/// own rule if there is one (an exception, whatever their groups say); otherwise the most generous of their
/// groups' rules: unlimited if any is, else the largest allowance per day (ties: the longer period). `None`: the
/// user has no quota.
pub fn governing_rule<'a>(rules: &'a [QuotaRule], user_id: &str) -> Option<&'a QuotaRule> {
    if let Some(own) = rules
        .iter()
        .find(|r| matches!(&r.subject, QuotaSubject::User(u) if u.eq_ignore_ascii_case(user_id)))
    {
        return Some(own);
    }
    rules
        .iter()
        .filter(|r| matches!(r.subject, QuotaSubject::Group(_)))
        .max_by(|a, b| generosity(a).cmp(&generosity(b)))
}

/// Orders rules by what they allow: unlimited above everything, then pages per day (as a fraction compared by
/// cross-multiplication), then the longer period.
fn generosity(r: &QuotaRule) -> (bool, i128, i64) {
    match r.allowance() {
        None => (true, 0, r.period.days()),
        // Scaled by the product of all period lengths so that every per-day figure is a whole number.
        Some(a) => (
            false,
            i128::from(a) * 210 / i128::from(r.period.days()),
            r.period.days(),
        ),
    }
}

/// Pages held on an account for a started job until it ends; kept on the job (and moved by a redirect).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaHold {
    /// Whose account (the job's creator's object id).
    pub user_id: String,
    pub period: QuotaPeriod,
    pub period_start: Micros,
    pub pages: i64,
}

/// A hold to take at start, refused unless the account then stays within `allowance` plus its credits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaReservation {
    pub hold: QuotaHold,
    /// The governing rule's budget plus overdraft.
    pub allowance: i64,
}

/// A hold released at the job's end, and the pages charged instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaSettlement {
    pub hold: QuotaHold,
    pub charge: i64,
}

/// One user's account for one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaAccount {
    pub user_id: String,
    pub period: QuotaPeriod,
    pub period_start: Micros,
    /// Pages printed (as the devices reported) by the jobs started in this period that have ended.
    pub charged: i64,
    /// Pages held by started jobs that have not ended.
    pub held: i64,
    /// Pages an administrator granted on top of the budget (negative: taken away).
    pub credited: i64,
}

impl QuotaAccount {
    /// An account nothing has touched yet.
    pub fn empty(user_id: &str, period: QuotaPeriod, period_start: Micros) -> Self {
        Self {
            user_id: user_id.into(),
            period,
            period_start,
            charged: 0,
            held: 0,
            credited: 0,
        }
    }
}

/// A user's standing under their rule, for the user and the administrators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub rule: QuotaRule,
    pub account: QuotaAccount,
    pub resets_at: Micros,
}

impl Balance {
    /// Pages the user may still start this period (`None`: unlimited); negative once the overdraft is used.
    pub fn remaining(&self) -> Option<i64> {
        let a = &self.account;
        self.rule
            .allowance()
            .map(|allow| allow + a.credited - a.charged - a.held)
    }
}

/// The estimate held at start: every document's pages (`None`: a format whose pages Platen cannot count, taken
/// as one page) within the configuration's `pageRanges`, on `pagesPerSheet` pages per side, times `copies`.
/// What the device then reports is what is charged, so the estimate only decides whether the job may start.
pub fn estimate_pages(document_pages: &[Option<i64>], configuration: &Value) -> i64 {
    let ranges: Vec<(i64, i64)> = configuration
        .get("pageRanges")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|r| Some((r.get("start")?.as_i64()?, r.get("end")?.as_i64()?)))
                .collect()
        })
        .unwrap_or_default();
    let per_side = configuration
        .get("pagesPerSheet")
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(1);
    let copies = configuration
        .get("copies")
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(1);
    let sides: i64 = document_pages
        .iter()
        .map(|pages| {
            let pages = match pages {
                Some(n) if !ranges.is_empty() => in_ranges(*n, &ranges),
                Some(n) => *n,
                None => 1,
            };
            (pages.max(0) + per_side - 1) / per_side
        })
        .sum();
    sides.saturating_mul(copies).max(1)
}

/// How many of pages `1..=count` lie in `ranges` (each counted once however the ranges overlap).
fn in_ranges(count: i64, ranges: &[(i64, i64)]) -> i64 {
    let mut clipped: Vec<(i64, i64)> = ranges
        .iter()
        .map(|&(s, e)| (s.max(1), e.min(count)))
        .filter(|(s, e)| s <= e)
        .collect();
    clipped.sort_unstable();
    let mut total = 0;
    let mut covered_to = 0;
    for (s, e) in clipped {
        let s = s.max(covered_to + 1);
        if s <= e {
            total += e - s + 1;
            covered_to = e;
        }
    }
    total
}

/// What a job that ends in `phase` with `counts` from its device is charged, having held `held` pages: the
/// impressions the device reported; without a report, the estimate for a completed job and nothing for one that
/// was canceled or aborted (nothing is known to have printed).
pub fn charge_at_end(phase: JobPhase, counts: &PrintCounts, held: i64) -> i64 {
    match (counts.pages, phase) {
        (Some(printed), _) => printed.max(0),
        (None, JobPhase::Completed) => held,
        (None, _) => 0,
    }
}

/// The refusal a user reads when a job would pass their budget.
pub fn refusal(reservation: &QuotaReservation, account: &QuotaAccount) -> String {
    let hold = &reservation.hold;
    let left = reservation.allowance + account.credited - account.charged - account.held;
    format!(
        "This job needs {} page{} and your print quota has {} left this {} (it resets on {}).",
        hold.pages,
        if hold.pages == 1 { "" } else { "s" },
        left.max(0),
        hold.period.as_str(),
        crate::time::to_graph(hold.period.next_start(hold.period_start)),
    )
}

#[cfg(test)]
mod tests;
