//! Print usage for Graph's reports: the archived record a finished job leaves, written inside the transaction
//! that ends the job (`archive_in`, called by `commit_job_change`) with its place in the queue of jobs the usage
//! rollups have yet to count ([`super::usage_fold`]), and the report reads, filtered, sorted and paged in SQL like
//! every other collection.

use super::SqlStore;
use super::bind::audited;
use super::exec::{Exec, ToParam, params};
use super::list::Collection;
use super::rows::{self, Columns, flag, int, opt_int, opt_text, text};
use crate::{ArchiveScope, ArchivedBy, ListQuery, Page, ReportStore, Result, StoreError, fields};
use async_trait::async_trait;
use platen_domain::JobPhase;
use platen_domain::records::UserIdentity;
use platen_domain::usage::{ArchivedJob, Dimension, Period, UsageCounts, UsageRow};
use platen_odata::{FieldMap, SqlValue};

const USAGE_COLUMNS: &str = "u.period, u.dimension, u.id, u.subject_id, u.subject_name, u.usage_date, \
    u.completed_jobs, u.completed_color_jobs, u.completed_black_and_white_jobs, u.incomplete_jobs, u.pages, \
    u.black_and_white_pages, u.color_pages, u.media_sheets, u.double_sided_sheets, u.single_sided_sheets";

pub(crate) const ARCHIVED_COLUMNS: &str = "a.tenant_id, a.job_id, a.printer_id, a.printer_name, a.user_id, a.user_name, \
    a.user_upn, a.phase, a.created_at, a.acquired_at, a.completed_at, a.copies_printed, a.is_color, a.is_duplex, \
    a.counts, a.groups_json, a.user_ip";

/// Writes `a` and queues it for the usage rollups. Called once per job: only the change that first moves a job
/// into an ended phase carries an archive, and that change commits under the job's version. Without a printer
/// name in `a`, the printer's current name is read here, in the same statement.
pub(crate) async fn archive_in<E: Exec>(tx: &mut E, a: &ArchivedJob) -> Result<()> {
    tx.execute(
        "INSERT INTO archived_jobs (tenant_id, job_id, printer_id, printer_name, user_id, user_name, user_upn, phase, \
         state, created_at, acquired_at, completed_at, copies_printed, is_color, is_duplex, counts, groups_json, \
         user_ip) \
         VALUES ($1,$2,$3,COALESCE($4, (SELECT display_name FROM printers WHERE tenant_id = $1 AND id = $3)), \
         $5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)",
        params![
            a.tenant_id.as_str(),
            a.job_id.get(),
            a.printer_id.as_str(),
            a.printer_name,
            a.created_by.id,
            a.created_by.display_name,
            a.created_by.user_principal_name,
            a.phase.as_str(),
            a.processing_state(),
            a.created_at,
            a.acquired_at,
            a.completed_at,
            a.copies_printed,
            a.color,
            a.duplex,
            serde_json::to_string(&a.counts).unwrap_or_default(),
            rows::list_json(&a.groups),
            a.created_by.ip_address,
        ],
    )
    .await?;
    if !a.groups.is_empty() {
        // One statement for all of the creator's groups: every statement is a round trip inside the writer's
        // transaction on PostgreSQL.
        let values: Vec<String> = (0..a.groups.len())
            .map(|i| format!("($1, ${}, $2, $3)", i + 4))
            .collect();
        let sql = format!(
            "INSERT INTO archived_job_groups (tenant_id, group_id, completed_at, job_id) VALUES {} \
             ON CONFLICT DO NOTHING",
            values.join(", ")
        );
        let mut values = params![a.tenant_id.as_str(), a.completed_at, a.job_id.get()];
        values.extend(a.groups.iter().map(|g| g.to_param()));
        tx.execute(&sql, values).await?;
    }
    super::usage_fold::queue_in(tx, a).await
}

/// Columns bound per rollup row by [`add_usage`].
const USAGE_PARAMS: usize = 16;

/// Adds each row's counters to its stored row (created at zero if missing; the subject's name is the latest), in
/// one statement: `rows` have distinct keys (PostgreSQL refuses to update one row twice in a statement).
pub(crate) async fn add_usage<E: Exec>(tx: &mut E, tenant: &str, rows: &[UsageRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..rows.len())
        .map(|r| {
            let p = |k: usize| format!("${}", 2 + r * USAGE_PARAMS + k);
            format!(
                "($1,{},{},{},{}, \
                 COALESCE({}, (SELECT display_name FROM printers WHERE tenant_id = $1 AND id = {} AND {} = 'printer'), {}), \
                 {})",
                p(0),
                p(1),
                p(2),
                p(3),
                p(4),
                p(3),
                p(1),
                p(3),
                (5..USAGE_PARAMS).map(p).collect::<Vec<_>>().join(",")
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO usage_rollups (tenant_id, period, dimension, id, subject_id, subject_name, usage_date, \
         completed_jobs, completed_color_jobs, completed_black_and_white_jobs, incomplete_jobs, pages, \
         black_and_white_pages, color_pages, media_sheets, double_sided_sheets, single_sided_sheets) \
         VALUES {} \
         ON CONFLICT (tenant_id, period, dimension, id) DO UPDATE SET \
         subject_name = excluded.subject_name, \
         completed_jobs = usage_rollups.completed_jobs + excluded.completed_jobs, \
         completed_color_jobs = usage_rollups.completed_color_jobs + excluded.completed_color_jobs, \
         completed_black_and_white_jobs = usage_rollups.completed_black_and_white_jobs + excluded.completed_black_and_white_jobs, \
         incomplete_jobs = usage_rollups.incomplete_jobs + excluded.incomplete_jobs, \
         pages = usage_rollups.pages + excluded.pages, \
         black_and_white_pages = usage_rollups.black_and_white_pages + excluded.black_and_white_pages, \
         color_pages = usage_rollups.color_pages + excluded.color_pages, \
         media_sheets = usage_rollups.media_sheets + excluded.media_sheets, \
         double_sided_sheets = usage_rollups.double_sided_sheets + excluded.double_sided_sheets, \
         single_sided_sheets = usage_rollups.single_sided_sheets + excluded.single_sided_sheets",
        values.join(", ")
    );
    let mut values = params![tenant];
    for row in rows {
        let c = &row.counts;
        values.extend(params![
            row.period.as_str(),
            row.dimension.as_str(),
            row.id,
            row.subject_id,
            // Always a name (the printer's current one, else the subject's id), so the `userPrincipalName` /
            // `printerName` sort key is never null.
            row.subject_name,
            row.usage_date,
            c.completed_jobs,
            c.completed_color_jobs,
            c.completed_black_and_white_jobs,
            c.incomplete_jobs,
            c.pages,
            c.black_and_white_pages,
            c.color_pages,
            c.media_sheets,
            c.double_sided_sheets,
            c.single_sided_sheets,
        ]);
    }
    tx.execute(&sql, values).await?;
    Ok(())
}

fn usage_fields(dimension: Dimension) -> &'static FieldMap {
    match dimension {
        Dimension::User => &fields::USAGE_BY_USER,
        Dimension::Printer => &fields::USAGE_BY_PRINTER,
    }
}

fn period_of(text: &str) -> Result<Period> {
    match text {
        "day" => Ok(Period::Day),
        "month" => Ok(Period::Month),
        other => Err(StoreError::Corrupt(format!("usage period {other}"))),
    }
}

fn dimension_of(text: &str) -> Result<Dimension> {
    match text {
        "user" => Ok(Dimension::User),
        "printer" => Ok(Dimension::Printer),
        other => Err(StoreError::Corrupt(format!("usage dimension {other}"))),
    }
}

fn usage_row<R: Columns + ?Sized>(row: &R) -> Result<UsageRow> {
    Ok(UsageRow {
        id: text(row, "id")?,
        period: period_of(&text(row, "period")?)?,
        dimension: dimension_of(&text(row, "dimension")?)?,
        subject_id: text(row, "subject_id")?,
        subject_name: opt_text(row, "subject_name")?,
        usage_date: int(row, "usage_date")?,
        counts: UsageCounts {
            completed_jobs: int(row, "completed_jobs")?,
            completed_color_jobs: int(row, "completed_color_jobs")?,
            completed_black_and_white_jobs: int(row, "completed_black_and_white_jobs")?,
            incomplete_jobs: int(row, "incomplete_jobs")?,
            pages: int(row, "pages")?,
            black_and_white_pages: int(row, "black_and_white_pages")?,
            color_pages: int(row, "color_pages")?,
            media_sheets: int(row, "media_sheets")?,
            double_sided_sheets: int(row, "double_sided_sheets")?,
            single_sided_sheets: int(row, "single_sided_sheets")?,
        },
    })
}

pub(crate) fn archived_job<R: Columns + ?Sized>(row: &R) -> Result<ArchivedJob> {
    let phase_text = text(row, "phase")?;
    let phase = JobPhase::parse(&phase_text)
        .ok_or_else(|| StoreError::Corrupt(format!("archived phase {phase_text}")))?;
    Ok(ArchivedJob {
        tenant_id: rows::id(row, "tenant_id")?,
        job_id: rows::job_id(row, "job_id")?,
        printer_id: rows::id(row, "printer_id")?,
        printer_name: opt_text(row, "printer_name")?,
        created_by: UserIdentity {
            id: text(row, "user_id")?,
            display_name: opt_text(row, "user_name")?,
            user_principal_name: opt_text(row, "user_upn")?,
            ip_address: opt_text(row, "user_ip")?,
        },
        groups: rows::opt_serde(row, "groups_json")?.unwrap_or_default(),
        phase,
        created_at: int(row, "created_at")?,
        acquired_at: opt_int(row, "acquired_at")?,
        completed_at: int(row, "completed_at")?,
        copies_printed: int(row, "copies_printed")?,
        color: flag(row, "is_color")?,
        duplex: flag(row, "is_duplex")?,
        counts: rows::opt_serde(row, "counts")?.unwrap_or_default(),
    })
}

#[async_trait]
impl ReportStore for SqlStore {
    async fn fold_usage(&self, limit: u32) -> Result<u64> {
        self.fold_usage_batch(limit).await
    }

    async fn list_usage(
        &self,
        tenant: &str,
        period: Period,
        dimension: Dimension,
        q: &ListQuery,
    ) -> Result<Page<UsageRow>> {
        self.fold_pending_usage().await?;
        let coll = Collection {
            columns: USAGE_COLUMNS,
            from: "usage_rollups u",
            scope: vec![
                "u.tenant_id = $1".into(),
                "u.period = $2".into(),
                "u.dimension = $3".into(),
            ],
            params: vec![
                SqlValue::Text(tenant.into()),
                SqlValue::Text(period.as_str().into()),
                SqlValue::Text(dimension.as_str().into()),
            ],
            fields: usage_fields(dimension),
        };
        self.list_page(coll, q, |row| usage_row(row)).await
    }

    async fn get_usage(
        &self,
        tenant: &str,
        period: Period,
        dimension: Dimension,
        id: &str,
    ) -> Result<Option<UsageRow>> {
        self.fold_pending_usage().await?;
        let sql = format!(
            "SELECT {USAGE_COLUMNS} FROM usage_rollups u \
             WHERE u.tenant_id = $1 AND u.period = $2 AND u.dimension = $3 AND u.id = $4"
        );
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(period.as_str())
            .bind(dimension.as_str())
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(usage_row).transpose()
    }

    async fn list_archived_jobs(
        &self,
        tenant: &str,
        scope: &ArchiveScope,
        q: &ListQuery,
    ) -> Result<Page<ArchivedJob>> {
        let mut params = vec![SqlValue::Text(tenant.into())];
        let (from, mut conds, time_col) = match &scope.by {
            ArchivedBy::Printer(id) => {
                params.push(SqlValue::Text(id.clone()));
                (
                    "archived_jobs a",
                    vec!["a.printer_id = $2".to_string()],
                    "a.completed_at",
                )
            }
            ArchivedBy::User(id) => {
                params.push(SqlValue::Text(id.clone()));
                (
                    "archived_jobs a",
                    vec!["a.user_id = $2".to_string()],
                    "a.completed_at",
                )
            }
            // The group's index row carries the completion time, so the window is read from that index.
            ArchivedBy::Group(id) => {
                params.push(SqlValue::Text(id.clone()));
                (
                    "archived_job_groups g JOIN archived_jobs a ON a.tenant_id = g.tenant_id AND a.job_id = g.job_id",
                    vec!["g.tenant_id = $1".to_string(), "g.group_id = $2".to_string()],
                    "g.completed_at",
                )
            }
        };
        conds.insert(0, "a.tenant_id = $1".into());
        if let Some(from_at) = scope.from {
            params.push(SqlValue::Int(from_at));
            conds.push(format!("{time_col} >= ${}", params.len()));
        }
        if let Some(to_at) = scope.to {
            params.push(SqlValue::Int(to_at));
            conds.push(format!("{time_col} <= ${}", params.len()));
        }
        let coll = Collection {
            columns: ARCHIVED_COLUMNS,
            from,
            scope: conds,
            params,
            fields: &fields::ARCHIVED_JOBS,
        };
        self.list_page(coll, q, |row| archived_job(row)).await
    }
}
