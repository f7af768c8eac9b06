//! Usage: pages and jobs per day, per user and per printer over a chosen window, from Graph's daily usage
//! rollups (`printUsageByUser`, `printUsageByPrinter`: written when jobs end, never a scan of jobs), as charts
//! drawn by the server (SVG, with the same figures as a table for screen readers) and as a CSV download.

use crate::error::ConsoleError;
use crate::jobs::require_admin;
use crate::session::visit;
use crate::view::{Layout, render, respond, start_of};
use crate::{ConsoleState, Shared};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use platen_domain::permissions::{Operation, authorize};
use platen_domain::usage::{Dimension, Period, UsageRow};
use platen_odata::{CompareOp, Expr, OrderBy};
use platen_store::ListQuery;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The longest window a page covers.
const MAX_DAYS: i64 = 366;
/// Rollup rows read per dimension at most (a page of 100 at a time); beyond, the page says it is incomplete.
const MAX_ROWS: usize = 50_000;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Window {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    format: String,
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Totals {
    pub jobs: i64,
    pub pages: i64,
    pub color_pages: i64,
    pub sheets: i64,
}

impl Totals {
    fn add(&mut self, row: &UsageRow) {
        let c = &row.counts;
        self.jobs += c.completed_jobs + c.incomplete_jobs;
        self.pages += c.pages;
        self.color_pages += c.color_pages;
        self.sheets += c.media_sheets;
    }
}

pub(crate) struct Subject {
    pub name: String,
    pub totals: Totals,
}

pub(crate) struct Day {
    pub date: String,
    pub totals: Totals,
}

/// One bar chart, drawn by the server.
pub(crate) struct Chart {
    pub title: String,
    pub bars: Vec<Bar>,
    pub width: usize,
    pub max: i64,
}

pub(crate) struct Bar {
    pub x: usize,
    pub y: i64,
    pub height: i64,
    pub label: String,
}

const CHART_HEIGHT: i64 = 120;
const BAR_WIDTH: usize = 12;

fn chart(title: &str, days: &[Day], value: fn(&Totals) -> i64) -> Chart {
    let highest = days.iter().map(|d| value(&d.totals)).max().unwrap_or(0);
    let max = highest.max(1); // the scale: an empty window draws no bars
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let v = value(&d.totals);
            let height = v * CHART_HEIGHT / max;
            Bar {
                x: i * BAR_WIDTH,
                y: CHART_HEIGHT - height,
                height,
                label: format!("{}: {v}", d.date),
            }
        })
        .collect();
    Chart {
        title: title.to_string(),
        bars,
        width: (days.len() * BAR_WIDTH).max(BAR_WIDTH),
        max: highest,
    }
}

#[derive(Template)]
#[template(path = "admin/usage.html")]
struct UsagePage {
    layout: Layout,
    from: String,
    to: String,
    days: Vec<Day>,
    charts: Vec<Chart>,
    users: Vec<Subject>,
    printers: Vec<Subject>,
    total: Totals,
    incomplete: bool,
    csv: String,
}

pub(crate) async fn page(State(state): State<Shared>, parts: Parts, Query(w): Query<Window>) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ReadReports)?;
        let (from, to) = window(&w)?;
        let (by_printer, printers_cut) = rows(&state, &visit.caller, Dimension::Printer, from, to).await?;
        let (by_user, users_cut) = rows(&state, &visit.caller, Dimension::User, from, to).await?;
        if w.format == "csv" {
            return Ok(csv(&by_user, &by_printer, from, to));
        }
        // Every finished job is in exactly one printer's rollup: the days' totals come from those.
        let mut per_day: BTreeMap<NaiveDate, Totals> = BTreeMap::new();
        let mut day = from;
        while day <= to {
            per_day.insert(day, Totals::default());
            day += Duration::days(1);
        }
        let mut total = Totals::default();
        for r in &by_printer {
            total.add(r);
            if let Some(t) = per_day.get_mut(&date_of(r)) {
                t.add(r);
            }
        }
        let days: Vec<Day> = per_day
            .into_iter()
            .map(|(d, totals)| Day {
                date: d.to_string(),
                totals,
            })
            .collect();
        let charts = vec![
            chart("Pages per day", &days, |t| t.pages),
            chart("Jobs per day", &days, |t| t.jobs),
        ];
        Ok(render(&UsagePage {
            layout: Layout::of(&state, &visit, "Usage", "usage"),
            csv: format!(
                "{}?from={from}&to={to}&format=csv",
                state.config.path("/admin/usage")
            ),
            from: from.to_string(),
            to: to.to_string(),
            charts,
            days,
            users: subjects(&by_user),
            printers: subjects(&by_printer),
            total,
            incomplete: printers_cut || users_cut,
        }))
    };
    respond(&state, &parts, result.await).await
}

/// The window asked for (inclusive), by default the last 30 days.
fn window(w: &Window) -> Result<(NaiveDate, NaiveDate), ConsoleError> {
    let today = Utc::now().date_naive();
    let parse = |s: &str, default: NaiveDate| -> Result<NaiveDate, ConsoleError> {
        if s.is_empty() {
            return Ok(default);
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| ConsoleError::BadRequest(format!("'{s}' is not a date like 2026-12-31.")))
    };
    let to = parse(&w.to, today)?;
    let from = parse(&w.from, to - Duration::days(29))?;
    if from > to {
        return Err(ConsoleError::BadRequest(
            "The window starts after it ends.".into(),
        ));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ConsoleError::BadRequest(format!(
            "A window is at most {MAX_DAYS} days."
        )));
    }
    Ok((from, to))
}

fn date_of(r: &UsageRow) -> NaiveDate {
    platen_domain::time::to_datetime(r.usage_date).date_naive()
}

/// The daily rollups of one dimension in the window, paged in SQL; `true` when [`MAX_ROWS`] cut them short.
async fn rows(
    state: &ConsoleState,
    caller: &platen_domain::Caller,
    dimension: Dimension,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Vec<UsageRow>, bool), ConsoleError> {
    let filter = Expr::And(
        Box::new(Expr::Compare {
            path: "usageDate".into(),
            op: CompareOp::Ge,
            value: start_of(from),
        }),
        Box::new(Expr::Compare {
            path: "usageDate".into(),
            op: CompareOp::Le,
            value: start_of(to),
        }),
    );
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let q = ListQuery {
            filter: Some(filter.clone()),
            orderby: vec![OrderBy {
                path: "usageDate".into(),
                descending: false,
            }],
            limit: 100,
            after: after.take(),
            ..ListQuery::default()
        };
        let page = state.app.usage_report(caller, Period::Day, dimension, &q).await?;
        out.extend(page.items);
        match page.next {
            Some(next) if out.len() < MAX_ROWS => after = Some(next),
            Some(_) => return Ok((out, true)),
            None => return Ok((out, false)),
        }
    }
}

/// Totals per subject over the window, most pages first.
fn subjects(rows: &[UsageRow]) -> Vec<Subject> {
    let mut by: BTreeMap<&str, Subject> = BTreeMap::new();
    for r in rows {
        by.entry(r.subject_id.as_str())
            .or_insert_with(|| Subject {
                name: r.subject_name.clone().unwrap_or_else(|| r.subject_id.clone()),
                totals: Totals::default(),
            })
            .totals
            .add(r);
    }
    let mut list: Vec<Subject> = by.into_values().collect();
    list.sort_by(|a, b| {
        b.totals
            .pages
            .cmp(&a.totals.pages)
            .then_with(|| a.name.cmp(&b.name))
    });
    list
}

/// One line per subject and day, both dimensions.
fn csv(users: &[UsageRow], printers: &[UsageRow], from: NaiveDate, to: NaiveDate) -> Response {
    let mut out = String::from(
        "date,dimension,id,name,completed_jobs,incomplete_jobs,pages,color_pages,black_and_white_pages,media_sheets,double_sided_sheets\n",
    );
    for (dimension, rows) in [("user", users), ("printer", printers)] {
        for r in rows {
            let c = &r.counts;
            out.push_str(&format!(
                "{},{dimension},{},{},{},{},{},{},{},{},{}\n",
                date_of(r),
                csv_field(&r.subject_id),
                csv_field(r.subject_name.as_deref().unwrap_or("")),
                c.completed_jobs,
                c.incomplete_jobs,
                c.pages,
                c.color_pages,
                c.black_and_white_pages,
                c.media_sheets,
                c.double_sided_sheets,
            ));
        }
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"platen-usage-{from}-{to}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        out,
    )
        .into_response()
}

/// A CSV field, quoted when it must be; a leading formula character is defused for spreadsheets.
pub(crate) fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
