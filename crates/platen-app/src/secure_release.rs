//! Secure release (`platen_domain::secure_release`): Platen's own pull-print app. Switching a printer to "hold
//! until released" gives it a `jobStarted` trigger of the tenant's built-in task definition, so its jobs start
//! held with a processing task, exactly as a third-party release app's would. Everything the app then does goes
//! through the use cases a pull-print app's Graph calls use, acting as the built-in app
//! ([`release_caller`]): releasing completes the task, releasing elsewhere redirects the job, expiry aborts it.
//! A held job is a row, never a thread or a timer: expiry is one indexed query per pass.

use crate::console::JobsAcrossPrinters;
use crate::jobs::{JobTarget, actor};
use crate::{App, AppError, Result};
use platen_domain::permissions::{Operation, authorize, authorize_job};
use platen_domain::records::Printer;
use platen_domain::records::{Job, PrintTask, TaskDefinition, TaskTrigger};
use platen_domain::secure_release::{
    RELEASE_APP_ID, RELEASE_APP_NAME, RELEASE_DEFINITION_NAME, expiry_reason, release_caller,
};
use platen_domain::task::TaskState;
use platen_domain::time::{Micros, now_micros};
use platen_domain::{Caller, JobId, JobPhase, PrinterId, Refusal};
use platen_odata::{CompareOp, Expr, Literal};
use platen_store::ListQuery;
use std::collections::HashSet;
use std::net::IpAddr;
use std::time::Duration;

/// How many expired holds one query takes.
const EXPIRY_BATCH: u32 = 100;

impl App {
    /// Whether `printer_id` holds its jobs until their owners release them.
    pub async fn secure_release_enabled(&self, caller: &Caller, printer_id: &str) -> Result<bool> {
        self.get_printer(caller, printer_id).await?;
        Ok(self
            .release_trigger(&caller.tenant_id, printer_id)
            .await?
            .is_some())
    }

    /// Switches secure release on or off for a printer. On: the printer gets the built-in definition's trigger
    /// (a printer has at most one trigger: one held by another app's is a conflict). Off: the trigger goes; jobs
    /// already held stay held until released, deleted or expired.
    pub async fn set_secure_release(&self, caller: &Caller, printer_id: &str, enabled: bool) -> Result<bool> {
        let printer = self.get_printer(caller, printer_id).await?;
        let tenant = &caller.tenant_id;
        let current = self.store.trigger_of_printer(tenant, &printer.id).await?;
        let ours = match &current {
            Some(t) => self.is_release_trigger(tenant, t).await?,
            None => false,
        };
        match (enabled, current) {
            (true, Some(_)) if ours => {}
            (true, Some(_)) => {
                return Err(AppError::Conflict(
                    "Another pull-print app's task trigger already holds this printer's jobs; delete that trigger \
                     first."
                        .into(),
                ));
            }
            (true, None) => {
                let definition = self.release_definition(tenant).await?;
                let app = release_caller(tenant);
                self.create_task_trigger(&app, &printer.id, "jobStarted", &definition.id)
                    .await?;
            }
            (false, Some(t)) if ours => {
                self.store.delete_task_trigger(tenant, &t.id).await?;
            }
            (false, _) => {}
        }
        Ok(enabled)
    }

    /// The owner releases their held job: to the printer it was sent to (`to_share` none: the task completes), or
    /// to the printer of another share they may print to (a redirect). Refused unless the job is held by secure
    /// release and the caller printed it.
    pub async fn release_held_job(
        &self,
        caller: &Caller,
        job_id: JobId,
        to_share: Option<&str>,
    ) -> Result<Job> {
        let job = self.job_across_printers(caller, job_id).await?;
        if !job.created_by.id.eq_ignore_ascii_case(&caller.object_id) {
            return Err(AppError::Forbidden(
                "Only the person who printed a job may release it.".into(),
            ));
        }
        let task = self.release_task(&job).await?;
        let app = release_caller(&job.tenant_id);
        let target = JobTarget::Printer(job.printer_id.clone());
        match to_share {
            None => {
                let note = format!("Released by {}.", actor(caller));
                self.update_task_status(
                    &app,
                    &task.definition_id,
                    &task.id,
                    TaskState::Completed,
                    Some(note),
                )
                .await?;
                self.job_across_printers(caller, job_id).await
            }
            Some(share_id) => {
                let access = authorize(caller, Operation::CreateShareJob).map_err(denied)?;
                let share = self.get_share(caller, &access, share_id).await?;
                let access = authorize_job(&app, Operation::RedirectJob, target.path()).map_err(denied)?;
                self.redirect_job(
                    &app,
                    &access,
                    &target,
                    &job.id.to_string(),
                    &share.printer_id,
                    None,
                )
                .await
            }
        }
    }

    /// The printer a release station serves: only a printer with secure release on has one (the station's URL
    /// names the printer alone, so the tenant comes from it).
    pub async fn release_station(&self, printer_id: &str) -> Result<Printer> {
        let missing = || AppError::not_found("release station");
        let tenant = self.store.printer_tenant(printer_id).await?.ok_or_else(missing)?;
        let printer = self
            .store
            .get_printer(&tenant, printer_id)
            .await?
            .ok_or_else(missing)?;
        if self.release_trigger(&tenant, printer_id).await?.is_none() {
            return Err(missing());
        }
        Ok(printer)
    }

    /// At the station: the user's UPN and release PIN release every job of theirs held at this printer (at most
    /// a page of 100, oldest first). Returns how many were released.
    pub async fn release_at_station(
        &self,
        printer_id: &str,
        upn: &str,
        pin: &str,
        remote: Option<IpAddr>,
    ) -> Result<usize> {
        let printer = self.release_station(printer_id).await?;
        let caller = self
            .authenticate_release_pin(&printer.tenant_id, upn.trim(), pin.trim(), remote)
            .await?;
        let held = self.held_jobs_at(&caller, &printer.id).await?;
        for job in &held {
            self.release_held_job(&caller, job.id, None).await?;
        }
        Ok(held.len())
    }

    /// The caller's jobs secure release holds at `printer_id`, oldest first (at most 100).
    pub async fn held_jobs_at(&self, caller: &Caller, printer_id: &PrinterId) -> Result<Vec<Job>> {
        let which = JobsAcrossPrinters {
            owner: Some(caller.object_id.clone()),
            printer: Some(printer_id.clone()),
        };
        let query = ListQuery {
            filter: Some(Expr::Compare {
                path: "status/state".into(),
                op: CompareOp::Eq,
                value: Literal::String("paused".into()),
            }),
            limit: 100,
            ..ListQuery::default()
        };
        let page = self.list_jobs_across_printers(caller, &which, &query).await?;
        let held = self.held_for_release(caller, &page.items).await?;
        Ok(page.items.into_iter().filter(|j| held.contains(&j.id)).collect())
    }

    /// Which of `jobs` (a page the caller was allowed to list) wait for release by secure release: one query for
    /// the held ones' tasks.
    pub async fn held_for_release(&self, caller: &Caller, jobs: &[Job]) -> Result<HashSet<JobId>> {
        let held: Vec<JobId> = jobs
            .iter()
            .filter(|j| j.phase == JobPhase::Held)
            .map(|j| j.id)
            .collect();
        if held.is_empty() {
            return Ok(HashSet::new());
        }
        Ok(self
            .store
            .tasks_of_jobs(&caller.tenant_id, &held)
            .await?
            .into_iter()
            .filter(|t| t.app_id == RELEASE_APP_ID && t.state == TaskState::Processing)
            .map(|t| t.job_id)
            .collect())
    }

    /// Aborts, with a reason, every job secure release has held for `hold_for` or longer, in batches through
    /// the index of processing tasks by app; returns how many it aborted.
    pub async fn expire_held_jobs(&self, now: Micros, hold_for: Duration) -> Result<u64> {
        let before = now.saturating_sub(i64::try_from(hold_for.as_micros()).unwrap_or(i64::MAX));
        let reason = expiry_reason(hold_for);
        let mut aborted = 0;
        loop {
            let tasks = self
                .store
                .processing_tasks_of_app(RELEASE_APP_ID, before, EXPIRY_BATCH)
                .await?;
            let mut progress = 0;
            for task in &tasks {
                match self.expire(task, &reason).await {
                    Ok(true) => {
                        aborted += 1;
                        progress += 1;
                    }
                    Ok(false) => progress += 1,
                    Err(e) => tracing::warn!(job = %task.job_id, error = %e, "secure release expiry failed"),
                }
            }
            // A short batch was the last; a batch where nothing moved would come back unchanged.
            if tasks.len() < EXPIRY_BATCH as usize || progress == 0 {
                return Ok(aborted);
            }
        }
    }

    /// Aborts one expired hold's job (true), or only closes its task when the job ended some other way (false).
    async fn expire(&self, task: &PrintTask, reason: &str) -> Result<bool> {
        let app = release_caller(&task.tenant_id);
        let target = JobTarget::Printer(task.printer_id.clone());
        let access = authorize_job(&app, Operation::AbortJob, target.path()).map_err(denied)?;
        match self
            .abort_job(
                &app,
                &access,
                &target,
                &task.job_id.to_string(),
                Some(reason.into()),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(AppError::Refused(Refusal::AlreadyEnded(_)) | AppError::NotFound(_)) => {
                self.update_task_status(
                    &app,
                    &task.definition_id,
                    &task.id,
                    TaskState::Aborted,
                    Some(reason.into()),
                )
                .await?;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The processing task secure release holds `job` with.
    async fn release_task(&self, job: &Job) -> Result<PrintTask> {
        self.store
            .tasks_of_job(&job.tenant_id, job.id)
            .await?
            .into_iter()
            .find(|t| t.app_id == RELEASE_APP_ID && t.state == TaskState::Processing)
            .ok_or_else(|| AppError::Conflict("This job is not waiting for release.".into()))
    }

    /// The printer's trigger, if it is secure release's.
    async fn release_trigger(&self, tenant: &str, printer_id: &str) -> Result<Option<TaskTrigger>> {
        let Some(t) = self.store.trigger_of_printer(tenant, printer_id).await? else {
            return Ok(None);
        };
        Ok(self.is_release_trigger(tenant, &t).await?.then_some(t))
    }

    async fn is_release_trigger(&self, tenant: &str, t: &TaskTrigger) -> Result<bool> {
        let definition = self.store.get_task_definition(tenant, &t.definition_id).await?;
        Ok(definition.is_some_and(|d| d.app_id == RELEASE_APP_ID))
    }

    /// The tenant's built-in definition, created on first use.
    async fn release_definition(&self, tenant: &str) -> Result<TaskDefinition> {
        let existing = self
            .store
            .list_task_definitions(tenant, Some(RELEASE_APP_ID))
            .await?;
        if let Some(d) = existing.into_iter().next() {
            return Ok(d);
        }
        self.create_task_definition(
            &release_caller(tenant),
            RELEASE_DEFINITION_NAME.into(),
            Some(RELEASE_APP_NAME.into()),
        )
        .await
    }
}

fn denied(d: platen_domain::PermissionDenied) -> AppError {
    AppError::Forbidden(d.0)
}

/// Expires held jobs every `every` until the returned handle is aborted.
pub fn spawn_release_expiry(app: App, hold_for: Duration, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
        loop {
            tick.tick().await;
            match app.expire_held_jobs(now_micros(), hold_for).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(aborted = n, "secure release expired held jobs"),
                Err(e) => tracing::warn!(error = %e, "secure release expiry failed"),
            }
        }
    })
}
