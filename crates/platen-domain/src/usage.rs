//! Print usage, for Graph's reports: what a device says it printed for a job ([`PrintCounts`]), the record a
//! finished job leaves behind ([`ArchivedJob`], Graph's `archivedPrintJob`), and what that record adds to the
//! daily and monthly rollups per user and per printer ([`UsageRow`], Graph's `printUsageByUser` /
//! `printUsageByPrinter`). The rollups are written in the same transaction that ends the job, so reports read
//! a handful of rows per day and subject however many jobs exist, and they outlive the job records.

use crate::ids::{JobId, PrinterId, TenantId};
use crate::job::JobPhase;
use crate::records::{Job, UserIdentity};
use crate::time::{Micros, to_datetime};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// What the device (or the connector on its behalf) reported it printed for a job: PWG 5100.18
/// Update-Job-Status `job-impressions-completed`, `job-media-sheets-completed`, their `-col` breakdowns
/// (PWG 5100.11: color / monochrome, one- / two-sided), and the copies. `None`: not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrintCounts {
    /// Impressions (printed sides) of all copies: Graph's `pageCount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_pages: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monochrome_pages: Option<i64>,
    /// Impressions printed on sheets printed on both sides (the two-sided members of the breakdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_sided_pages: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheets: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_sided_sheets: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<i64>,
}

impl PrintCounts {
    pub fn is_empty(&self) -> bool {
        *self == PrintCounts::default()
    }

    /// A later report: the counters it carries replace the earlier ones (devices report totals so far).
    pub fn merged(self, later: PrintCounts) -> PrintCounts {
        PrintCounts {
            pages: later.pages.or(self.pages),
            color_pages: later.color_pages.or(self.color_pages),
            monochrome_pages: later.monochrome_pages.or(self.monochrome_pages),
            two_sided_pages: later.two_sided_pages.or(self.two_sided_pages),
            sheets: later.sheets.or(self.sheets),
            two_sided_sheets: later.two_sided_sheets.or(self.two_sided_sheets),
            copies: later.copies.or(self.copies),
        }
    }
}

/// A finished job as reports keep it (Graph `archivedPrintJob`): written once, when the job first reaches
/// `completed`, `canceled` or `aborted`, and independent of the job record afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchivedJob {
    pub tenant_id: TenantId,
    pub job_id: JobId,
    pub printer_id: PrinterId,
    pub printer_name: Option<String>,
    pub created_by: UserIdentity,
    /// The creator's groups when the job was created (for `getGroupArchivedPrintJobs`).
    pub groups: Vec<String>,
    /// Completed, Canceled or Aborted.
    pub phase: JobPhase,
    pub created_at: Micros,
    pub acquired_at: Option<Micros>,
    pub completed_at: Micros,
    pub copies_printed: i64,
    /// Whether the job printed in color (the device's breakdown, else the job's `colorMode`).
    pub color: bool,
    /// Whether the job asked for two-sided printing (used when the device gives no one/two-sided breakdown).
    pub duplex: bool,
    pub counts: PrintCounts,
}

impl ArchivedJob {
    /// The record `job` leaves now that it has ended, or `None` when it did not end in a way reports count: a
    /// redirected job did not print on its printer (its destination job is archived when that one ends).
    pub fn of(job: &Job, printer_name: Option<String>, completed_at: Micros) -> Option<ArchivedJob> {
        if !matches!(
            job.phase,
            JobPhase::Completed | JobPhase::Canceled | JobPhase::Aborted
        ) {
            return None;
        }
        let config = |k: &str| job.configuration.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let color = match (job.counts.color_pages, job.counts.monochrome_pages) {
            (Some(c), _) => c > 0,
            (None, Some(_)) => false,
            (None, None) => config("colorMode") == "color",
        };
        let duplex = config("duplexMode").starts_with("flipOn");
        let requested_copies = job
            .configuration
            .get("copies")
            .and_then(|v| v.as_i64())
            .unwrap_or(1)
            .max(1);
        let copies_printed = match (job.counts.copies, job.phase) {
            (Some(c), _) => c.max(0),
            (None, JobPhase::Completed) => requested_copies,
            (None, _) => 0,
        };
        Some(ArchivedJob {
            tenant_id: job.tenant_id.clone(),
            job_id: job.id,
            printer_id: job.printer_id.clone(),
            printer_name,
            created_by: job.created_by.clone(),
            groups: job.creator_groups.clone(),
            phase: job.phase,
            created_at: job.created_at,
            acquired_at: job.acknowledged_at,
            completed_at,
            copies_printed,
            color,
            duplex,
            counts: job.counts,
        })
    }

    /// Graph `processingState`.
    pub fn processing_state(&self) -> &'static str {
        self.phase.graph_state()
    }

    pub fn acquired_by_printer(&self) -> bool {
        self.acquired_at.is_some()
    }

    /// Pages printed in black and white and in color: the device's breakdown, else all pages by the job's color.
    pub fn pages_by_color(&self) -> (i64, i64) {
        let pages = self.counts.pages.unwrap_or(0);
        match (self.counts.monochrome_pages, self.counts.color_pages) {
            (None, None) if self.color => (0, pages),
            (None, None) => (pages, 0),
            (mono, color) => (mono.unwrap_or(0), color.unwrap_or(0)),
        }
    }

    /// Pages printed one-sided and two-sided.
    pub fn pages_by_sides(&self) -> (i64, i64) {
        let pages = self.counts.pages.unwrap_or(0);
        let two = self
            .counts
            .two_sided_pages
            .unwrap_or(if self.duplex { pages } else { 0 });
        ((pages - two).max(0), two)
    }

    /// Sheets printed one-sided and two-sided.
    pub fn sheets_by_sides(&self) -> (i64, i64) {
        let sheets = self.counts.sheets.unwrap_or(0);
        let two = self
            .counts
            .two_sided_sheets
            .unwrap_or(if self.duplex { sheets } else { 0 });
        ((sheets - two).max(0), two)
    }

    /// What this job adds to one rollup row (Graph `printUsage` counters).
    pub fn usage(&self) -> UsageCounts {
        let completed = self.phase == JobPhase::Completed;
        let (bw_pages, color_pages) = self.pages_by_color();
        let (single, double) = self.sheets_by_sides();
        UsageCounts {
            completed_jobs: i64::from(completed),
            completed_color_jobs: i64::from(completed && self.color),
            completed_black_and_white_jobs: i64::from(completed && !self.color),
            incomplete_jobs: i64::from(!completed),
            pages: self.counts.pages.unwrap_or(0),
            black_and_white_pages: bw_pages,
            color_pages,
            media_sheets: self.counts.sheets.unwrap_or(0),
            double_sided_sheets: double,
            single_sided_sheets: single,
        }
    }

    /// The four rollup rows this job adds to: its day and month, by user and by printer.
    pub fn usage_rows(&self) -> Vec<UsageRow> {
        let counts = self.usage();
        let user = &self.created_by;
        let user_name = user
            .user_principal_name
            .clone()
            .unwrap_or_else(|| user.id.clone());
        let mut rows = Vec::with_capacity(4);
        for period in [Period::Day, Period::Month] {
            let date = period.start_of(self.completed_at);
            rows.push(UsageRow::new(
                period,
                Dimension::User,
                &user.id,
                Some(user_name.clone()),
                date,
                counts,
            ));
            rows.push(UsageRow::new(
                period,
                Dimension::Printer,
                &self.printer_id,
                self.printer_name.clone(),
                date,
                counts,
            ));
        }
        rows
    }
}

/// The counters of Graph's `printUsage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UsageCounts {
    pub completed_jobs: i64,
    pub completed_color_jobs: i64,
    pub completed_black_and_white_jobs: i64,
    pub incomplete_jobs: i64,
    pub pages: i64,
    pub black_and_white_pages: i64,
    pub color_pages: i64,
    pub media_sheets: i64,
    pub double_sided_sheets: i64,
    pub single_sided_sheets: i64,
}

impl std::ops::AddAssign for UsageCounts {
    /// Counts of several jobs in one row (the folding of many ended jobs at once).
    fn add_assign(&mut self, other: UsageCounts) {
        self.completed_jobs += other.completed_jobs;
        self.completed_color_jobs += other.completed_color_jobs;
        self.completed_black_and_white_jobs += other.completed_black_and_white_jobs;
        self.incomplete_jobs += other.incomplete_jobs;
        self.pages += other.pages;
        self.black_and_white_pages += other.black_and_white_pages;
        self.color_pages += other.color_pages;
        self.media_sheets += other.media_sheets;
        self.double_sided_sheets += other.double_sided_sheets;
        self.single_sided_sheets += other.single_sided_sheets;
    }
}

/// A report's granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Day,
    Month,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Month => "month",
        }
    }

    /// Midnight UTC of the day, or of the first day of the month, that `at` falls in.
    pub fn start_of(self, at: Micros) -> Micros {
        let t = to_datetime(at);
        let day = match self {
            Period::Day => t.date_naive(),
            Period::Month => NaiveDate::from_ymd_opt(t.year(), t.month(), 1).unwrap_or(t.date_naive()),
        };
        Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
            .timestamp_micros()
    }
}

/// Whom a report row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    User,
    Printer,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::User => "user",
            Dimension::Printer => "printer",
        }
    }
}

/// One rollup row: a subject's (user's or printer's) usage in one day or month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    /// `{subjectId}_{yyyy-mm-dd}`: unique within a (tenant, period, dimension); Graph's `id`.
    pub id: String,
    pub period: Period,
    pub dimension: Dimension,
    /// The user's object id or the printer's id.
    pub subject_id: String,
    /// The user's UPN or the printer's display name, as of the latest job counted.
    pub subject_name: Option<String>,
    /// Midnight UTC of the day (or of the month's first day).
    pub usage_date: Micros,
    pub counts: UsageCounts,
}

impl UsageRow {
    pub fn new(
        period: Period,
        dimension: Dimension,
        subject_id: &str,
        subject_name: Option<String>,
        usage_date: Micros,
        counts: UsageCounts,
    ) -> UsageRow {
        UsageRow {
            id: format!("{subject_id}_{}", usage_date_text(usage_date)),
            period,
            dimension,
            subject_id: subject_id.to_string(),
            subject_name,
            usage_date,
            counts,
        }
    }
}

/// Graph `Edm.Date` form of a usage date: `2026-12-06`.
pub fn usage_date_text(date: Micros) -> String {
    to_datetime(date).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(phase: JobPhase, configuration: serde_json::Value, counts: PrintCounts) -> Job {
        Job {
            tenant_id: "t".into(),
            id: JobId::from(7),
            printer_id: "p".into(),
            share_id: None,
            phase,
            completion: None,
            status_reason: None,
            created_at: 1,
            created_by: UserIdentity {
                id: "u".into(),
                user_principal_name: Some("ada@contoso.test".into()),
                ..Default::default()
            },
            creator_groups: vec!["g".into()],
            configuration,
            display_name: None,
            redirected_from: None,
            redirected_to: None,
            error_code: None,
            acknowledged_at: Some(2),
            acquired_by: None,
            completed_at: None,
            counts,
            quota_hold: None,
            updated_at: 1,
            version: 1,
        }
    }

    // 2026-12-06T10:00:00Z
    const AT: Micros = 1_796_551_200_000_000;

    #[test]
    fn only_jobs_that_ended_on_their_printer_are_archived() {
        for phase in [JobPhase::Redirected, JobPhase::Processing, JobPhase::Queued] {
            assert!(ArchivedJob::of(&job(phase, json!({}), PrintCounts::default()), None, AT).is_none());
        }
        for phase in [JobPhase::Completed, JobPhase::Canceled, JobPhase::Aborted] {
            assert!(ArchivedJob::of(&job(phase, json!({}), PrintCounts::default()), None, AT).is_some());
        }
    }

    #[test]
    fn device_breakdowns_win_over_the_configuration() {
        let counts = PrintCounts {
            pages: Some(6),
            color_pages: Some(2),
            monochrome_pages: Some(4),
            sheets: Some(4),
            two_sided_sheets: Some(2),
            ..Default::default()
        };
        let a = ArchivedJob::of(
            &job(JobPhase::Completed, json!({"colorMode": "blackAndWhite"}), counts),
            None,
            AT,
        )
        .unwrap();
        let u = a.usage();
        assert_eq!(
            (u.completed_jobs, u.completed_color_jobs, u.incomplete_jobs),
            (1, 1, 0)
        );
        assert_eq!((u.pages, u.black_and_white_pages, u.color_pages), (6, 4, 2));
        assert_eq!(
            (u.media_sheets, u.single_sided_sheets, u.double_sided_sheets),
            (4, 2, 2)
        );
    }

    #[test]
    fn without_a_breakdown_the_configuration_decides_color_and_sides() {
        let counts = PrintCounts {
            pages: Some(4),
            sheets: Some(2),
            ..Default::default()
        };
        let config = json!({"colorMode": "color", "duplexMode": "flipOnLongEdge", "copies": 2});
        let a = ArchivedJob::of(&job(JobPhase::Completed, config, counts), None, AT).unwrap();
        let u = a.usage();
        assert_eq!((u.completed_color_jobs, u.completed_black_and_white_jobs), (1, 0));
        assert_eq!((u.black_and_white_pages, u.color_pages), (0, 4));
        assert_eq!((u.single_sided_sheets, u.double_sided_sheets), (0, 2));
        assert_eq!(a.copies_printed, 2);
        let canceled = ArchivedJob::of(&job(JobPhase::Canceled, json!({}), counts), None, AT).unwrap();
        assert_eq!(canceled.usage().incomplete_jobs, 1);
        assert_eq!(canceled.usage().completed_jobs, 0);
        assert_eq!(canceled.copies_printed, 0);
    }

    #[test]
    fn a_job_adds_to_its_day_and_month_by_user_and_by_printer() {
        let a = ArchivedJob::of(
            &job(JobPhase::Completed, json!({}), PrintCounts::default()),
            Some("Lobby".into()),
            AT,
        )
        .unwrap();
        let rows = a.usage_rows();
        let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            ["u_2026-12-06", "p_2026-12-06", "u_2026-12-01", "p_2026-12-01"]
        );
        assert_eq!(rows[0].subject_name.as_deref(), Some("ada@contoso.test"));
        assert_eq!(rows[1].subject_name.as_deref(), Some("Lobby"));
        assert_eq!(usage_date_text(Period::Month.start_of(AT)), "2026-12-01");
    }

    #[test]
    fn later_reports_replace_the_counters_they_carry() {
        let first = PrintCounts {
            pages: Some(1),
            sheets: Some(1),
            ..Default::default()
        };
        let later = PrintCounts {
            pages: Some(3),
            ..Default::default()
        };
        assert_eq!(first.merged(later).pages, Some(3));
        assert_eq!(first.merged(later).sheets, Some(1));
    }
}
