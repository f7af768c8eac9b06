//! Pull printing: task definitions (apps), task triggers (admins signed in to the same app), print tasks, and
//! the app-side actions on held jobs: complete/abort a task, abort, redirect, change configuration, replace
//! the payload. An app acts on a job only while a task of its own trigger is processing on it.

use crate::jobs::{Extras, actor};
use crate::{App, AppError, JobTarget, Outcome, Result};
use platen_domain::Caller;
use platen_domain::job::{JobEvent, JobPhase, Transition, transition};
use platen_domain::permissions::Access;
use platen_domain::records::{Document, Job, JobEventRecord, PrintTask, TaskDefinition, TaskTrigger};
use platen_domain::task::{TaskState, TaskTransition, task_transition};
use platen_domain::time::now_micros;
use serde_json::Value;

fn app_id(caller: &Caller) -> Result<&str> {
    caller
        .app_id
        .as_deref()
        .ok_or_else(|| AppError::Forbidden("The token carries no application id (appid/azp).".into()))
}

fn no_task() -> AppError {
    AppError::Forbidden(
        "The job has no print task in the processing state created by a task trigger of the calling app."
            .into(),
    )
}

impl App {
    // ---- task definitions ------------------------------------------------------------------------------
    pub async fn create_task_definition(
        &self,
        caller: &Caller,
        display_name: String,
        app_display_name: Option<String>,
    ) -> Result<TaskDefinition> {
        let d = TaskDefinition {
            tenant_id: caller.tenant_id.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            display_name,
            app_id: app_id(caller)?.to_string(),
            app_display_name,
            created_at: now_micros(),
        };
        self.store.create_task_definition(&d).await?;
        Ok(d)
    }

    /// A definition the calling app created; other apps' definitions are invisible.
    pub async fn own_task_definition(&self, caller: &Caller, id: &str) -> Result<TaskDefinition> {
        let app = app_id(caller)?;
        self.store
            .get_task_definition(&caller.tenant_id, id)
            .await?
            .filter(|d| d.app_id.eq_ignore_ascii_case(app))
            .ok_or_else(|| AppError::not_found("task definition"))
    }

    pub async fn list_task_definitions(&self, caller: &Caller) -> Result<Vec<TaskDefinition>> {
        Ok(self
            .store
            .list_task_definitions(&caller.tenant_id, app_id(caller)?)
            .await?)
    }

    pub async fn update_task_definition(
        &self,
        caller: &Caller,
        id: &str,
        display_name: Option<String>,
        app_display_name: Option<Option<String>>,
    ) -> Result<TaskDefinition> {
        let mut d = self.own_task_definition(caller, id).await?;
        if let Some(n) = display_name {
            d.display_name = n;
        }
        if let Some(n) = app_display_name {
            d.app_display_name = n;
        }
        self.store.update_task_definition(&d).await?;
        Ok(d)
    }

    pub async fn delete_task_definition(&self, caller: &Caller, id: &str) -> Result<()> {
        self.own_task_definition(caller, id).await?;
        self.store.delete_task_definition(&caller.tenant_id, id).await?;
        Ok(())
    }

    // ---- task triggers -----------------------------------------------------------------------------------
    /// Admins create triggers signed in to the app that created the definition (the token's app id must match).
    pub async fn create_task_trigger(
        &self,
        caller: &Caller,
        printer_id: &str,
        event: &str,
        definition_id: &str,
    ) -> Result<TaskTrigger> {
        self.get_printer(caller, printer_id).await?;
        let definition = self
            .store
            .get_task_definition(&caller.tenant_id, definition_id)
            .await?
            .ok_or_else(|| {
                AppError::bad_request(format!(
                    "definition@odata.bind: the task definition '{definition_id}' does not exist."
                ))
            })?;
        if !caller
            .app_id
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(&definition.app_id))
        {
            return Err(AppError::Forbidden(
                "The token's application id must be the app that created the task definition.".into(),
            ));
        }
        let trigger = TaskTrigger {
            tenant_id: caller.tenant_id.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            printer_id: printer_id.to_string(),
            definition_id: definition.id,
            event: event.to_string(),
            created_at: now_micros(),
        };
        self.store
            .create_task_trigger(&trigger)
            .await
            .map_err(|e| match e {
                platen_store::StoreError::Conflict(m) => AppError::Conflict(m),
                other => other.into(),
            })?;
        Ok(trigger)
    }

    pub async fn task_trigger(&self, caller: &Caller, printer_id: &str, id: &str) -> Result<TaskTrigger> {
        self.get_printer(caller, printer_id).await?;
        self.store
            .get_task_trigger(&caller.tenant_id, id)
            .await?
            .filter(|t| t.printer_id == printer_id)
            .ok_or_else(|| AppError::not_found("task trigger"))
    }

    pub async fn task_triggers(&self, caller: &Caller, printer_id: &str) -> Result<Vec<TaskTrigger>> {
        self.get_printer(caller, printer_id).await?;
        Ok(self
            .store
            .trigger_of_printer(&caller.tenant_id, printer_id)
            .await?
            .into_iter()
            .collect())
    }

    pub async fn delete_task_trigger(&self, caller: &Caller, printer_id: &str, id: &str) -> Result<()> {
        self.task_trigger(caller, printer_id, id).await?;
        self.store.delete_task_trigger(&caller.tenant_id, id).await?;
        Ok(())
    }

    /// The definition behind a trigger (any app may read it through the printer it administers).
    pub async fn trigger_definition(
        &self,
        caller: &Caller,
        printer_id: &str,
        id: &str,
    ) -> Result<TaskDefinition> {
        let t = self.task_trigger(caller, printer_id, id).await?;
        self.store
            .get_task_definition(&caller.tenant_id, &t.definition_id)
            .await?
            .ok_or_else(|| AppError::not_found("task definition"))
    }

    // ---- starting a job: held for a task when the printer has a trigger ---------------------------------
    pub(crate) async fn start_with_trigger(&self, caller: &Caller, job: Job) -> Result<Job> {
        let trigger = self
            .store
            .trigger_of_printer(&job.tenant_id, &job.printer_id)
            .await?;
        let Some(trigger) = trigger else {
            return Ok(self
                .apply(job, JobEvent::Start { held: false }, &actor(caller), None, |_| {})
                .await?
                .into_inner());
        };
        let definition = self
            .store
            .get_task_definition(&job.tenant_id, &trigger.definition_id)
            .await?;
        let Some(definition) = definition else {
            // A trigger whose definition is gone holds nothing.
            return Ok(self
                .apply(job, JobEvent::Start { held: false }, &actor(caller), None, |_| {})
                .await?
                .into_inner());
        };
        let now = now_micros();
        let task = PrintTask {
            tenant_id: job.tenant_id.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            definition_id: definition.id.clone(),
            trigger_id: trigger.id.clone(),
            app_id: definition.app_id.clone(),
            job_id: job.id,
            printer_id: job.printer_id.clone(),
            state: TaskState::Processing,
            description: String::new(),
            created_at: now,
            updated_at: now,
        };
        let extras = Extras {
            new_task: Some(task),
            ..Extras::default()
        };
        let outcome = self
            .apply_with(
                job,
                JobEvent::Start { held: true },
                &actor(caller),
                None,
                |_| {},
                extras,
            )
            .await?;
        Ok(match outcome {
            Outcome::Changed(c) => c.job,
            Outcome::Unchanged(j) => j,
        })
    }

    // ---- tasks ---------------------------------------------------------------------------------------------
    pub async fn list_tasks(&self, caller: &Caller, definition_id: &str) -> Result<Vec<PrintTask>> {
        self.own_task_definition(caller, definition_id).await?;
        Ok(self
            .store
            .list_tasks(&caller.tenant_id, definition_id, 1000)
            .await?)
    }

    pub async fn get_task(&self, caller: &Caller, definition_id: &str, id: &str) -> Result<PrintTask> {
        self.own_task_definition(caller, definition_id).await?;
        self.store
            .get_task(&caller.tenant_id, id)
            .await?
            .filter(|t| t.definition_id == definition_id)
            .ok_or_else(|| AppError::not_found("print task"))
    }

    /// A job's tasks visible to the caller: an app sees its own; users and admins see all of the job's tasks.
    pub async fn tasks_of_job(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
    ) -> Result<Vec<PrintTask>> {
        let job = self.find_job(caller, access, target, job_id).await?;
        let tasks = self.store.tasks_of_job(&caller.tenant_id, job.id).await?;
        Ok(match (&caller.kind, &caller.app_id) {
            (platen_domain::CallerKind::Application { .. }, Some(app)) => tasks
                .into_iter()
                .filter(|t| t.app_id.eq_ignore_ascii_case(app))
                .collect(),
            _ => tasks,
        })
    }

    /// PATCH of a task's status by its app: `completed` releases the job to its printer, `aborted` aborts it.
    pub async fn update_task_status(
        &self,
        caller: &Caller,
        definition_id: &str,
        id: &str,
        state: TaskState,
        description: Option<String>,
    ) -> Result<PrintTask> {
        // Decide from fresh reads and write with the job's version check; if the job changed meanwhile (an
        // abort, a redirect, a user's cancel), decide again from what it became.
        // Another app's definition exists but is not the caller's: changing its tasks is forbidden (§2.1).
        if self.own_task_definition(caller, definition_id).await.is_err()
            && self
                .store
                .get_task_definition(&caller.tenant_id, definition_id)
                .await?
                .is_some()
        {
            return Err(AppError::Forbidden(
                "Only the app that owns the print task may update it.".into(),
            ));
        }
        for _ in 0..16 {
            let task = self.get_task(caller, definition_id, id).await?;
            let mut updated = task.clone();
            match task_transition(task.state, state) {
                TaskTransition::AlreadyDone => return Ok(task),
                TaskTransition::Refused(s) => {
                    return Err(AppError::Conflict(format!(
                        "The print task already ended ({}).",
                        s.as_str()
                    )));
                }
                TaskTransition::To(next) => updated.state = next,
            }
            if let Some(d) = &description {
                updated.description = d.clone();
            }
            updated.updated_at = now_micros();
            let job = self
                .store
                .get_job(&caller.tenant_id, task.job_id)
                .await?
                .ok_or_else(|| AppError::not_found("print job"))?;
            let event = match state {
                TaskState::Completed => Some(JobEvent::Release),
                TaskState::Aborted => Some(JobEvent::Abort),
                _ => None,
            };
            let applies = event.is_some_and(|e| matches!(transition(job.phase, e), Transition::To(_)));
            let mut change = platen_domain::records::JobChange::new(job.clone(), job.version, None);
            if let (true, Some(event)) = (applies, event) {
                let Transition::To(next) = transition(job.phase, event) else {
                    continue;
                };
                let reason = (state == TaskState::Aborted)
                    .then(|| updated.description.clone())
                    .filter(|d| !d.is_empty());
                let status_reason = reason.clone();
                change = self
                    .transition_change(&job, next, &actor(caller), reason, |j| {
                        if next.is_terminal() {
                            j.status_reason = status_reason.clone();
                        }
                    })
                    .await?;
            }
            // Otherwise the job already left the held state some other way (a user canceled it): only the task
            // changes, still under the job's version so a concurrent change makes us decide again.
            change.task_update = Some(updated.clone());
            if self.store.commit_job_change(&change).await?.is_some() {
                if !change.notifications.is_empty() {
                    self.outbox_wakeup.notify_one();
                }
                self.device_wakeup.notify_waiters();
                return Ok(updated);
            }
        }
        Err(AppError::Internal("the job kept changing; try again".into()))
    }

    /// The processing task on `job` that belongs to the calling app, if any.
    async fn own_processing_task(&self, caller: &Caller, job: &Job) -> Result<Option<PrintTask>> {
        let app = app_id(caller)?;
        Ok(self
            .store
            .tasks_of_job(&job.tenant_id, job.id)
            .await?
            .into_iter()
            .find(|t| t.state == TaskState::Processing && t.app_id.eq_ignore_ascii_case(app)))
    }

    // ---- app actions on held jobs ------------------------------------------------------------------------
    /// `abort` (apps): needs a processing task of the app's trigger; a repeat on an aborted job answers success.
    pub async fn abort_job(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
        reason: Option<String>,
    ) -> Result<Outcome<Job>> {
        let mut job = self.find_job(caller, access, target, job_id).await?;
        let task = match self.own_processing_task(caller, &job).await? {
            Some(t) => Some(t),
            None => {
                // No processing task: maybe an identical abort (an SDK retry in flight) closed it after we read the
                // job. Judge from the job as it is now.
                job = self.find_job(caller, access, target, job_id).await?;
                None
            }
        };
        if job.phase == JobPhase::Aborted {
            let app = app_id(caller)?;
            let own = self
                .store
                .tasks_of_job(&job.tenant_id, job.id)
                .await?
                .iter()
                .any(|t| t.app_id.eq_ignore_ascii_case(app));
            return if own {
                Ok(Outcome::Unchanged(job))
            } else {
                Err(no_task())
            };
        }
        if job.phase.is_terminal() {
            return Err(AppError::Refused(platen_domain::Refusal::AlreadyEnded(job.phase)));
        }
        let task = task.ok_or_else(no_task)?;
        let closed = PrintTask {
            state: TaskState::Aborted,
            description: reason.clone().unwrap_or_else(|| "The job was aborted.".into()),
            updated_at: now_micros(),
            ..task
        };
        let extras = Extras {
            task_update: Some(closed),
            ..Extras::default()
        };
        let r = reason.clone();
        let outcome = self
            .apply_with(
                job,
                JobEvent::Abort,
                &actor(caller),
                reason,
                move |j| j.status_reason = r.clone(),
                extras,
            )
            .await?;
        Ok(match outcome {
            Outcome::Changed(c) => Outcome::Changed(c.job),
            Outcome::Unchanged(j) => Outcome::Unchanged(j),
        })
    }

    /// `redirect` (apps): a new job on the destination printer, sharing the document's bytes, queued as if
    /// started there (held again if the destination has a trigger); the source's task completes.
    pub async fn redirect_job(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
        destination: &str,
        configuration: Option<Value>,
    ) -> Result<Job> {
        let job = self.find_job(caller, access, target, job_id).await?;
        if job.phase.is_terminal() {
            return Err(AppError::Refused(platen_domain::Refusal::AlreadyEnded(job.phase)));
        }
        let task = self
            .own_processing_task(caller, &job)
            .await?
            .ok_or_else(no_task)?;
        let dest = self
            .store
            .get_printer(&caller.tenant_id, destination)
            .await?
            .ok_or_else(|| {
                AppError::bad_request(format!(
                    "destinationPrinterId: the printer '{destination}' does not exist."
                ))
            })?;
        if dest.is_accepting_jobs == Some(false) {
            return Err(AppError::Conflict(
                "The destination printer is not accepting jobs.".into(),
            ));
        }
        let docs = self.store.list_documents(&job.tenant_id, job.id).await?;
        let source_doc = docs
            .into_iter()
            .next()
            .ok_or_else(|| AppError::Internal("job without document".into()))?;
        let now = now_micros();
        let dest_trigger = self.store.trigger_of_printer(&caller.tenant_id, &dest.id).await?;
        let dest_definition = match &dest_trigger {
            Some(t) => {
                self.store
                    .get_task_definition(&caller.tenant_id, &t.definition_id)
                    .await?
            }
            None => None,
        };
        let held = dest_definition.is_some();
        let new_job = Job {
            id: 0,
            printer_id: dest.id.clone(),
            share_id: None,
            phase: if held { JobPhase::Held } else { JobPhase::Queued },
            completion: None,
            status_reason: None,
            created_at: now,
            configuration: configuration.unwrap_or_else(|| job.configuration.clone()),
            redirected_from: None,
            redirected_to: None,
            error_code: None,
            acknowledged_at: None,
            acquired_by: None,
            completed_at: None,
            updated_at: now,
            version: 0,
            ..job.clone()
        };
        let new_doc = Document {
            id: uuid::Uuid::new_v4().to_string(),
            job_id: 0,
            downloaded_at: None,
            ..source_doc
        };
        let first = JobEventRecord {
            at: now,
            phase: new_job.phase,
            actor: actor(caller),
            reason: Some("redirected".into()),
        };
        let completed = PrintTask {
            state: TaskState::Completed,
            description: "The job was redirected.".into(),
            updated_at: now,
            ..task
        };
        let extras = Extras {
            task_update: Some(completed),
            redirect: Some((new_job, new_doc, first)),
            ..Extras::default()
        };
        // A held destination would need a second task; create it after the commit through the same path as start.
        let outcome = self
            .apply_with(job, JobEvent::Redirect, &actor(caller), None, |_| {}, extras)
            .await?;
        let committed = match outcome {
            Outcome::Changed(c) => c,
            Outcome::Unchanged(_) => {
                return Err(AppError::Conflict("The job was already redirected.".into()));
            }
        };
        let mut redirected = committed
            .redirected
            .ok_or_else(|| AppError::Internal("redirect created no job".into()))?;
        if let (Some(trigger), Some(definition)) = (dest_trigger, dest_definition) {
            redirected = self
                .hold_for_task(redirected, &trigger, &definition, caller)
                .await?;
        }
        Ok(redirected)
    }

    /// Creates the processing task for a job that a redirect placed held on a triggered printer.
    async fn hold_for_task(
        &self,
        job: Job,
        trigger: &TaskTrigger,
        definition: &TaskDefinition,
        caller: &Caller,
    ) -> Result<Job> {
        let now = now_micros();
        let task = PrintTask {
            tenant_id: job.tenant_id.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            definition_id: definition.id.clone(),
            trigger_id: trigger.id.clone(),
            app_id: definition.app_id.clone(),
            job_id: job.id,
            printer_id: job.printer_id.clone(),
            state: TaskState::Processing,
            description: String::new(),
            created_at: now,
            updated_at: now,
        };
        let mut change = platen_domain::records::JobChange::new(job.clone(), job.version, None);
        change.notifications = self.task_created_notifications(&task).await?;
        change.new_task = Some(task);
        let committed = self
            .store
            .commit_job_change(&change)
            .await?
            .ok_or_else(|| AppError::Internal("redirected job changed".into()))?;
        if !change.notifications.is_empty() {
            self.outbox_wakeup.notify_one();
        }
        let _ = caller;
        Ok(committed.job)
    }

    /// PATCH of a held job's configuration by the task's app.
    pub async fn update_job_configuration(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
        configuration: Value,
    ) -> Result<Job> {
        let job = self.find_job(caller, access, target, job_id).await?;
        self.ensure_app_may_modify(caller, &job).await?;
        let outcome = self
            .apply(job, JobEvent::Modify, &actor(caller), None, move |j| {
                j.configuration = configuration.clone()
            })
            .await?;
        Ok(outcome.into_inner())
    }

    /// Apps change a job only while it is held (409 once it became fetchable) and only with their own
    /// processing task on it (403).
    pub async fn ensure_app_may_modify(&self, caller: &Caller, job: &Job) -> Result<()> {
        if let Transition::Refused(r) = transition(job.phase, JobEvent::Modify) {
            return Err(AppError::Refused(r));
        }
        self.own_processing_task(caller, job).await?.ok_or_else(no_task)?;
        Ok(())
    }
}
