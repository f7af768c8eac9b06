//! The Graph side of print reports, pure: which `/reports` navigations exist (and on which version), the
//! archived-jobs function segment as the SDKs send it, and the wire shapes of `printUsageByUser`,
//! `printUsageByPrinter` and `archivedPrintJob` (§1.9).

use crate::error::GraphError;
use crate::route::Version;
use platen_domain::time::{Micros, to_graph};
use platen_domain::usage::{ArchivedJob, Dimension, Period, UsageRow, usage_date_text};
use platen_store::{ArchiveScope, ArchivedBy};
use serde_json::{Map, Value, json};

/// One usage navigation of `reportRoot`.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageReport {
    /// The navigation's name, as in `@odata.context`.
    pub name: &'static str,
    pub period: Period,
    pub dimension: Dimension,
    /// Only on beta (the `…Summaries…` navigations and the legacy `dailyPrintUsage`).
    pub beta_only: bool,
    /// β `dailyPrintUsage`: a `printUsage[]` collection; Platen serves its per-printer rows, typed.
    pub legacy: bool,
}

const fn report(name: &'static str, period: Period, dimension: Dimension, beta_only: bool) -> UsageReport {
    UsageReport {
        name,
        period,
        dimension,
        beta_only,
        legacy: false,
    }
}

pub static USAGE_REPORTS: &[UsageReport] = &[
    report("dailyPrintUsageByUser", Period::Day, Dimension::User, false),
    report("dailyPrintUsageByPrinter", Period::Day, Dimension::Printer, false),
    report("monthlyPrintUsageByUser", Period::Month, Dimension::User, false),
    report(
        "monthlyPrintUsageByPrinter",
        Period::Month,
        Dimension::Printer,
        false,
    ),
    report(
        "dailyPrintUsageSummariesByUser",
        Period::Day,
        Dimension::User,
        true,
    ),
    report(
        "dailyPrintUsageSummariesByPrinter",
        Period::Day,
        Dimension::Printer,
        true,
    ),
    report(
        "monthlyPrintUsageSummariesByUser",
        Period::Month,
        Dimension::User,
        true,
    ),
    report(
        "monthlyPrintUsageSummariesByPrinter",
        Period::Month,
        Dimension::Printer,
        true,
    ),
    UsageReport {
        name: "dailyPrintUsage",
        period: Period::Day,
        dimension: Dimension::Printer,
        beta_only: true,
        legacy: true,
    },
];

/// The navigation a (lower-cased) path segment names.
#[cfg(test)]
pub fn usage_report(segment: &str) -> Option<&'static UsageReport> {
    USAGE_REPORTS
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(segment))
}

impl UsageReport {
    pub fn on(&self, version: Version) -> bool {
        !self.beta_only || version == Version::Beta
    }
}

/// `printUsageByUser` / `printUsageByPrinter`.
pub fn usage_row(r: &UsageRow, legacy: bool) -> Map<String, Value> {
    let c = &r.counts;
    let mut m = Map::new();
    if legacy {
        m.insert(
            "@odata.type".into(),
            json!("#microsoft.graph.printUsageByPrinter"),
        );
    }
    m.insert("id".into(), json!(r.id));
    m.insert("usageDate".into(), json!(usage_date_text(r.usage_date)));
    match r.dimension {
        Dimension::User => {
            m.insert("userPrincipalName".into(), json!(r.subject_name));
        }
        Dimension::Printer => {
            m.insert("printerId".into(), json!(r.subject_id));
            m.insert("printerName".into(), json!(r.subject_name));
        }
    }
    for (k, v) in [
        ("completedBlackAndWhiteJobCount", c.completed_black_and_white_jobs),
        ("completedColorJobCount", c.completed_color_jobs),
        ("completedJobCount", c.completed_jobs),
        ("incompleteJobCount", c.incomplete_jobs),
        ("pageCount", c.pages),
        ("blackAndWhitePageCount", c.black_and_white_pages),
        ("colorPageCount", c.color_pages),
        ("mediaSheetCount", c.media_sheets),
        ("doubleSidedSheetCount", c.double_sided_sheets),
        ("singleSidedSheetCount", c.single_sided_sheets),
    ] {
        m.insert(k.into(), json!(v));
    }
    m
}

/// `archivedPrintJob`; beta adds the page counts.
pub fn archived_job(a: &ArchivedJob, version: Version) -> Map<String, Value> {
    let Value::Object(mut m) = json!({
        "id": a.job_id.to_string(),
        "printerId": a.printer_id,
        "printerName": a.printer_name,
        "processingState": a.processing_state(),
        "createdDateTime": to_graph(a.created_at),
        "acquiredDateTime": a.acquired_at.map(to_graph),
        "completionDateTime": to_graph(a.completed_at),
        "acquiredByPrinter": a.acquired_by_printer(),
        "copiesPrinted": a.copies_printed,
        "createdBy": {
            "id": a.created_by.id,
            "displayName": a.created_by.display_name,
            "userPrincipalName": a.created_by.user_principal_name,
            "ipAddress": a.created_by.ip_address,
        },
    }) else {
        return Map::new();
    };
    if version == Version::Beta {
        let (bw, color) = a.pages_by_color();
        let (simplex, duplex) = a.pages_by_sides();
        m.insert("pageCount".into(), json!(a.counts.pages.unwrap_or(0)));
        m.insert("blackAndWhitePageCount".into(), json!(bw));
        m.insert("colorPageCount".into(), json!(color));
        m.insert("simplexPageCount".into(), json!(simplex));
        m.insert("duplexPageCount".into(), json!(duplex));
    }
    m
}

/// Parses `getPrinterArchivedPrintJobs(printerId='…',startDateTime=…,endDateTime=…)` (and the user and group
/// forms) as the SDKs send it: parameter names in any case and order, string values in single quotes, date/times
/// bare or quoted, `null` for an open end. The id is required; both date/times must be present (they may be
/// `null`), as Graph requires.
pub fn archived_call(segment: &str) -> Result<ArchiveScope, GraphError> {
    let bad = |m: String| GraphError::bad_request(m);
    let open = segment
        .find('(')
        .ok_or_else(|| bad("The function call has no parameter list.".into()))?;
    let name = segment[..open].trim_start_matches("microsoft.graph.");
    let params = segment[open + 1..]
        .strip_suffix(')')
        .ok_or_else(|| bad("The function's parameter list is not closed.".into()))?;
    let (id_param, by): (&str, fn(String) -> ArchivedBy) = match name {
        "getprinterarchivedprintjobs" => ("printerid", ArchivedBy::Printer),
        "getuserarchivedprintjobs" => ("userid", ArchivedBy::User),
        "getgrouparchivedprintjobs" => ("groupid", ArchivedBy::Group),
        other => return Err(bad(format!("Unknown function '{other}'."))),
    };
    let mut id = None;
    let mut start = None;
    let mut end = None;
    for (key, value) in parameters(params, &[id_param, "startdatetime", "enddatetime"])? {
        match key {
            "startdatetime" => start = Some(datetime(value, "startDateTime")?),
            "enddatetime" => end = Some(datetime(value, "endDateTime")?),
            _ => id = Some(unquote(value).to_string()),
        }
    }
    let id = id
        .filter(|i| !i.is_empty() && i != "null")
        .ok_or_else(|| bad(format!("The function parameter '{id_param}' is required.")))?;
    let (Some(from), Some(to)) = (start, end) else {
        return Err(bad(
            "The function parameters 'startDateTime' and 'endDateTime' are required (they may be null)."
                .into(),
        ));
    };
    Ok(ArchiveScope { by: by(id), from, to })
}

/// The `name=value` pairs of a parameter list. Microsoft's Python SDK drops the commas between parameters
/// (`printerId='p1'startDateTime=2026-…endDateTime=…`: its URI template expansion eats them), so a value ends at
/// its closing quote, at a comma, or where the next known parameter name begins, whichever comes first.
fn parameters<'a>(
    params: &'a str,
    keys: &[&'static str],
) -> Result<Vec<(&'static str, &'a str)>, GraphError> {
    let key_at = |s: &str| {
        keys.iter()
            .copied()
            .find(|k| s.starts_with(k) && s[k.len()..].starts_with('='))
    };
    let mut out = vec![];
    let mut rest = params;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if rest.is_empty() {
            return Ok(out);
        }
        let key = key_at(rest).ok_or_else(|| {
            let name = rest.split(['=', ',']).next().unwrap_or(rest);
            GraphError::bad_request(format!("Unknown function parameter '{name}'."))
        })?;
        if out.iter().any(|(k, _)| *k == key) {
            return Err(GraphError::bad_request(format!(
                "The function parameter '{key}' appears twice."
            )));
        }
        rest = &rest[key.len() + 1..];
        let len = if let Some(quoted) = rest.strip_prefix('\'') {
            quoted.find('\'').map(|i| i + 2).ok_or_else(|| {
                GraphError::bad_request(format!("The value of '{key}' has no closing quote."))
            })?
        } else {
            rest.char_indices()
                .find(|&(i, c)| c == ',' || (i > 0 && key_at(&rest[i..]).is_some()))
                .map_or(rest.len(), |(i, _)| i)
        };
        out.push((key, rest[..len].trim()));
        rest = &rest[len..];
    }
}

fn unquote(v: &str) -> &str {
    v.strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(v)
}

fn datetime(value: &str, name: &str) -> Result<Option<Micros>, GraphError> {
    let v = unquote(value);
    if v == "null" {
        return Ok(None);
    }
    platen_odata::parse_datetime(v)
        .map(|d| Some(d.timestamp_micros()))
        .ok_or_else(|| {
            GraphError::bad_request(format!(
                "'{name}' must be an Edm.DateTimeOffset (e.g. 2026-12-01T00:00:00Z) or null, not '{value}'."
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_python_sdk_form_with_an_offset_and_null() {
        let s = archived_call(
            "getprinterarchivedprintjobs(printerid='p1',startdatetime=2026-12-01t00:00:00+00:00,enddatetime=null)",
        )
        .unwrap();
        assert_eq!(s.by, ArchivedBy::Printer("p1".into()));
        assert_eq!(s.from, Some(1_796_083_200_000_000));
        assert_eq!(s.to, None);
    }

    #[test]
    fn the_python_sdk_drops_the_commas() {
        let s = archived_call(
            "getuserarchivedprintjobs(userid='u1'startdatetime=2026-12-06t07:30:25.715485+00:00enddatetime=2026-12-06t08:30:25.715485+00:00)",
        )
        .unwrap();
        assert_eq!(s.by, ArchivedBy::User("u1".into()));
        assert_eq!(s.from, Some(1_796_542_225_715_485));
        assert_eq!(s.to, Some(1_796_545_825_715_485));
    }

    #[test]
    fn the_documented_quoted_form_and_the_group_function() {
        let s = archived_call(
            "microsoft.graph.getgrouparchivedprintjobs(groupid='g',startdatetime='2026-12-01t00:00:00z',enddatetime='2026-12-02')",
        )
        .unwrap();
        assert_eq!(s.by, ArchivedBy::Group("g".into()));
        assert!(s.from.is_some() && s.to.is_some());
    }

    #[test]
    fn missing_or_malformed_parameters_are_refused() {
        for bad in [
            "getuserarchivedprintjobs(userid='u')",
            "getuserarchivedprintjobs(startdatetime=null,enddatetime=null)",
            "getuserarchivedprintjobs(userid='u',startdatetime=yesterday,enddatetime=null)",
            "getuserarchivedprintjobs(userid='u',startdatetime=null,enddatetime=null,extra=1)",
            "getuserarchivedprintjobs(userid='u,startdatetime=null,enddatetime=null)",
            "getuserarchivedprintjobs(userid='u',userid='v',startdatetime=null,enddatetime=null)",
            "getuserarchivedprintjobs(userid='u',startdatetime=null,enddatetime=null",
            "getsomethingarchivedprintjobs(userid='u',startdatetime=null,enddatetime=null)",
        ] {
            assert!(archived_call(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn report_names_and_versions() {
        assert!(usage_report("dailyprintusagebyuser").unwrap().on(Version::V1));
        assert!(
            !usage_report("monthlyprintusagesummariesbyprinter")
                .unwrap()
                .on(Version::V1)
        );
        assert!(usage_report("dailyprintusage").unwrap().legacy);
        assert!(usage_report("weeklyprintusagebyuser").is_none());
    }
}
