//! Jobs and their history. Every change goes through `commit_job_change`, a compare-and-swap on `version`, so
//! concurrent writers (a user's cancel racing an app's abort, two nodes) serialise on the row and exactly one
//! wins.

use super::SqlStore;
use super::bind::audited;
use super::bind::placeholders;
use super::exec::{Exec, Param, params};
use super::list::Collection;
use super::rows::{self, JOB_COLUMNS, to_json};
use crate::{Commit, Committed, JobScope, JobStore, ListQuery, Page, Result, fields};
use async_trait::async_trait;
use platen_domain::JobId;
use platen_domain::records::{Document, Job, JobChange, JobEventRecord, PrintTask, job_path};
use platen_odata::SqlValue;
use std::sync::LazyLock;

#[async_trait]
impl JobStore for SqlStore {
    async fn create_job(&self, job: &Job, doc: &Document, event: &JobEventRecord) -> Result<(Job, Document)> {
        match &self.group_commit {
            Some(group) => group.create(job.clone(), doc.clone(), event.clone()).await,
            None => self.create_alone(job, doc, event).await,
        }
    }

    async fn get_job(&self, tenant: &str, id: JobId) -> Result<Option<Job>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!("SELECT {JOB_COLUMNS} FROM jobs j WHERE j.tenant_id = $1 AND j.id = $2")
        });
        self.lookup(&SQL, params![tenant, id.get()], |row| rows::job(row))
            .await
    }

    async fn transforming_jobs(&self, limit: u32) -> Result<Vec<Job>> {
        // The literal phase matches the partial index `jobs_transforming` (SQLite uses it only then).
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs j WHERE j.phase = 'transforming' ORDER BY j.id LIMIT {}",
            limit.max(1)
        );
        let rows = sqlx::query(audited(&sql)).fetch_all(&self.read).await?;
        rows.iter().map(rows::job).collect()
    }

    async fn list_jobs(&self, tenant: &str, scope: &JobScope, q: &ListQuery) -> Result<Page<Job>> {
        let mut conds = vec!["j.tenant_id = $1".to_string()];
        let mut params = vec![SqlValue::Text(tenant.into())];
        let mut add = |col: &str, v: Option<&str>| {
            if let Some(v) = v {
                params.push(SqlValue::Text(v.to_string()));
                conds.push(format!("{col} = ${}", params.len()));
            }
        };
        add("j.printer_id", scope.printer_id.as_deref());
        add("j.share_id", scope.share_id.as_deref());
        add("j.created_by_id", scope.owner_id.as_deref());
        let coll = Collection {
            columns: JOB_COLUMNS,
            from: "jobs j",
            scope: conds,
            params,
            fields: &fields::JOBS,
        };
        self.list_page(coll, q, |row| rows::job(row)).await
    }

    // What the change means was decided by the use cases; this only writes it, in one transaction, in an order
    // that keeps the per-printer device event cursor monotonic.
    async fn commit_job_change(&self, c: &JobChange) -> Result<Commit> {
        match &self.group_commit {
            Some(group) => group.commit(c.clone()).await,
            None => self.commit_alone(c).await,
        }
    }

    async fn job_events(&self, tenant: &str, job_id: JobId) -> Result<Vec<JobEventRecord>> {
        let rows = sqlx::query(
            "SELECT at, phase, actor, reason FROM job_events WHERE tenant_id = $1 AND job_id = $2 ORDER BY id",
        )
        .bind(tenant)
        .bind(job_id.get())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let phase = rows::text(r, "phase")?;
                Ok(JobEventRecord {
                    at: rows::int(r, "at")?,
                    phase: platen_domain::JobPhase::parse(&phase)
                        .ok_or_else(|| crate::StoreError::Corrupt(format!("event phase {phase}")))?,
                    actor: rows::text(r, "actor")?,
                    reason: rows::opt_text(r, "reason")?,
                })
            })
            .collect()
    }
}

impl SqlStore {
    /// One new job in a transaction of its own.
    pub(crate) async fn create_alone(
        &self,
        job: &Job,
        doc: &Document,
        event: &JobEventRecord,
    ) -> Result<(Job, Document)> {
        let mut tx = self.write.begin().await?;
        let created = create_in(&mut *tx, job, doc, event).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// One change in a transaction of its own.
    pub(crate) async fn commit_alone(&self, c: &JobChange) -> Result<Commit> {
        let mut tx = self.write.begin().await?;
        match write_change(&mut *tx, self.dialect, c).await? {
            Written::Done(committed, events) => {
                tx.commit().await?;
                self.feed.after_commit(&self.write, events).await;
                Ok(Commit::Done(committed))
            }
            Written::Refused(refusal) => {
                tx.rollback().await?;
                Ok(refusal)
            }
        }
    }
}

/// Writes a new job, its document and its first history entry inside `tx`, without committing.
pub(crate) async fn create_in<E: Exec>(
    tx: &mut E,
    job: &Job,
    doc: &Document,
    event: &JobEventRecord,
) -> Result<(Job, Document)> {
    let id = insert_job(tx, job).await?;
    let doc = Document {
        job_id: id,
        ..doc.clone()
    };
    super::documents::insert(tx, &doc).await?;
    insert_event(tx, &job.tenant_id, id, event).await?;
    Ok((Job { id, ..job.clone() }, doc))
}

/// What [`write_change`] did inside the caller's transaction.
pub(crate) enum Written {
    /// Everything was written; commit, then announce the events.
    Done(Box<Committed>, Vec<crate::ChangeEvent>),
    /// A check failed (`Commit::Stale` or `Commit::UploadSessionGone`): the transaction must be rolled back,
    /// some of the change may have been written before the check.
    Refused(Commit),
}

/// Writes one change inside `tx`, without committing: what the change means was decided by the use cases; this
/// only writes it, in an order that keeps the per-printer device event cursor monotonic.
pub(crate) async fn write_change<E: Exec>(
    tx: &mut E,
    dialect: platen_odata::Dialect,
    c: &JobChange,
) -> Result<Written> {
    let mut job = c.job.clone();
    let mut redirected = None;
    if let Some(r) = &c.redirect {
        let mut new_job = r.job.clone();
        new_job.redirected_from = Some(job_path(&job.printer_id, job.id));
        let id = insert_job(tx, &new_job).await?;
        new_job.id = id;
        super::documents::insert(
            tx,
            &Document {
                job_id: id,
                ..r.document.clone()
            },
        )
        .await?;
        insert_event(tx, &new_job.tenant_id, id, &r.event).await?;
        if let Some(t) = &r.held_task {
            super::tasks::insert(
                tx,
                &PrintTask {
                    job_id: id,
                    ..t.clone()
                },
            )
            .await?;
        }
        job.redirected_to = Some(job_path(&new_job.printer_id, id));
        redirected = Some(new_job);
    }
    if !save_in(tx, &job, c.expected_version, c.event.as_ref()).await? {
        return Ok(Written::Refused(Commit::Stale));
    }
    if let Some(u) = &c.upload
        && !super::documents::finish_in(tx, u.session_id.as_deref(), &u.document).await?
    {
        return Ok(Written::Refused(Commit::UploadSessionGone));
    }
    if let Some(conversion) = &c.converted {
        super::documents::convert_in(tx, &job.tenant_id, conversion).await?;
    }
    if let Some(r) = &c.quota_reserve
        && let Some(account) = super::quotas::hold_in(tx, &job.tenant_id, r).await?
    {
        return Ok(Written::Refused(Commit::QuotaExceeded(account)));
    }
    if let Some(s) = &c.quota_settle {
        super::quotas::settle_in(tx, &job.tenant_id, s).await?;
    }
    if let Some(t) = &c.new_task {
        super::tasks::insert(tx, t).await?;
    }
    if let Some(t) = &c.task_update
        && !super::tasks::update(tx, t).await?
    {
        return Ok(Written::Refused(Commit::Stale));
    }
    if let Some(a) = &c.archive {
        super::reports::archive_in(tx, a).await?;
    }
    let redirected_id = redirected.as_ref().map(|j: &Job| j.id);
    for n in &c.notifications {
        super::outbox::insert_change(tx, n, redirected_id).await?;
    }
    // Device events are read by id as a cursor: one writer per printer at a time (see `event_order`), holding
    // the printer's lock until its COMMIT. Written last, so that what the lock serialises is this insert and the
    // commit, not the whole change.
    let mut printers = vec![];
    if !c.device_events.is_empty() {
        printers.push((job.tenant_id.as_str(), job.printer_id.as_str()));
    }
    if let (Some(j), Some(r)) = (&redirected, &c.redirect)
        && !r.device_events.is_empty()
    {
        printers.push((j.tenant_id.as_str(), j.printer_id.as_str()));
    }
    super::event_order::lock_printers(tx, dialect, &printers).await?;
    super::devices::insert_events(tx, &job, &c.device_events).await?;
    if let (Some(new_job), Some(r)) = (&redirected, &c.redirect) {
        super::devices::insert_events(tx, new_job, &r.device_events).await?;
    }
    let events = crate::feed::changes_of(&job, redirected.as_ref());
    job.version = c.expected_version + 1;
    Ok(Written::Done(Box::new(Committed { job, redirected }), events))
}

/// The columns a new job is written with, bound in this order by [`state_params`]; a change writes all but the
/// first [`PLACEMENT`].
const STATE_COLUMNS: [&str; 18] = [
    "printer_id",
    "share_id",
    "phase",
    "state",
    "completion",
    "status_reason",
    "is_fetchable",
    "configuration",
    "display_name",
    "redirected_from",
    "redirected_to",
    "error_code",
    "acknowledged_at",
    "acquired_by",
    "completed_at",
    "updated_at",
    "counts",
    "quota_hold",
];

fn state_params(job: &Job) -> Vec<Param> {
    params![
        job.printer_id.as_str(),
        job.share_id.as_deref(),
        job.phase.as_str(),
        job.phase.graph_state(),
        job.completion.map(|c| c.as_str()),
        job.status_reason,
        job.phase.is_fetchable(),
        to_json(&job.configuration),
        job.display_name,
        job.redirected_from,
        job.redirected_to,
        job.error_code.map(i64::from),
        job.acknowledged_at,
        job.acquired_by,
        job.completed_at,
        job.updated_at,
        rows::counts_json(&job.counts),
        rows::opt_json(job.quota_hold.as_ref()),
    ]
}

/// A new job: who created it and when ($1–$8), then its state.
static INSERT_JOB: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO jobs (tenant_id, created_at, created_by_id, created_by_name, created_by_upn, created_by_ip, \
         creator_groups, version, {}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8, {}) RETURNING id",
        STATE_COLUMNS.join(", "),
        placeholders(9, STATE_COLUMNS.len())
    )
});

/// The first columns of [`STATE_COLUMNS`], `printer_id` and `share_id`: where a job is, fixed when it is created
/// (a redirect creates a job on the other printer). A change does not set them, so SQLite leaves the indexes that
/// hold only them and the job's creator and id (by printer, by share, by printer and owner) alone: three fewer
/// b-tree pages written per job change. It checks them instead: a change that moved a job would not apply (and
/// the door would report the job as changing under it) rather than be half written.
const PLACEMENT: usize = 2;

/// A change: the job's state, written only over the version it was read at ($1–$3), at its place ($4, $5).
static UPDATE_JOB: LazyLock<String> = LazyLock::new(|| {
    let set: Vec<String> = STATE_COLUMNS
        .iter()
        .enumerate()
        .skip(PLACEMENT)
        .map(|(i, col)| format!("{col} = ${}", i + 4))
        .collect();
    format!(
        "UPDATE jobs SET {}, version = version + 1 WHERE tenant_id = $1 AND id = $2 AND version = $3 \
         AND printer_id = $4 AND COALESCE(share_id, '') = COALESCE($5, '')",
        set.join(", ")
    )
});

async fn insert_job<E: Exec>(tx: &mut E, job: &Job) -> Result<JobId> {
    let mut values = params![
        job.tenant_id.as_str(),
        job.created_at,
        job.created_by.id,
        job.created_by.display_name,
        job.created_by.user_principal_name,
        job.created_by.ip_address,
        rows::list_json(&job.creator_groups),
        job.version,
    ];
    values.extend(state_params(job));
    let id = tx
        .fetch_optional(&INSERT_JOB, values, |row| rows::int(row, "id"))
        .await?
        .ok_or_else(|| crate::StoreError::Corrupt("INSERT … RETURNING id returned no row".into()))?;
    Ok(id.into())
}

async fn save_in<E: Exec>(
    tx: &mut E,
    job: &Job,
    expected: i64,
    event: Option<&JobEventRecord>,
) -> Result<bool> {
    let mut values = params![job.tenant_id.as_str(), job.id.get(), expected];
    values.extend(state_params(job));
    let done = tx.execute(&UPDATE_JOB, values).await?;
    if done == 0 {
        return Ok(false);
    }
    if let Some(e) = event {
        insert_event(tx, &job.tenant_id, job.id, e).await?;
    }
    Ok(true)
}

async fn insert_event<E: Exec>(tx: &mut E, tenant: &str, job_id: JobId, e: &JobEventRecord) -> Result<()> {
    tx.execute(
        "INSERT INTO job_events (tenant_id, job_id, at, phase, actor, reason) VALUES ($1,$2,$3,$4,$5,$6)",
        params![tenant, job_id.get(), e.at, e.phase.as_str(), e.actor, e.reason],
    )
    .await?;
    Ok(())
}
