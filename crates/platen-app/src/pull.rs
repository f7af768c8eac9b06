//! Pull printing: task definitions (apps), task triggers (admins signed in to the same app), print tasks, and
//! the app-side actions on held jobs: complete/abort a task, abort, redirect, change configuration, replace
//! the payload. An app acts on a job only while a task of its own trigger is processing on it.

use crate::job_door::{Intent, Otherwise, Passage, Rides};
use crate::jobs::{actor, ensure_configuration_fits};
use crate::{App, AppError, JobTarget, Outcome, Result};
use platen_domain::job::{JobBirth, JobEvent, Refusal, Transition, birth, transition};
use platen_domain::permissions::Access;
use platen_domain::print_policy::PolicyChange;
use platen_domain::quota::QuotaReservation;
use platen_domain::records::{
    Document, Job, JobEventRecord, PrintTask, Printer, RedirectedJob, TaskDefinition, TaskTrigger,
};
use platen_domain::task::{TaskState, TaskTransition, task_transition};
use platen_domain::time::now_micros;
use platen_domain::{Caller, JobId};
use platen_store::{ListQuery, Page};
use serde_json::Value;

fn app_id(caller: &Caller) -> Result<&str> {
    caller
        .app_id
        .as_deref()
        .ok_or_else(|| AppError::Forbidden("The token carries no application id (appid/azp).".into()))
}

/// An application token's `oid` is its service principal; a delegated token's is the user, whose app has no
/// service principal the token names.
fn service_principal(caller: &Caller) -> Option<&Caller> {
    (!caller.is_delegated()).then_some(caller)
}

fn task_ended(state: TaskState) -> AppError {
    AppError::Conflict(format!("The print task already ended ({}).", state.as_str()))
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
            service_principal_id: service_principal(caller).map(|c| c.object_id.clone()),
            service_principal_name: service_principal(caller).and_then(|c| c.app_display_name.clone()),
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
            .list_task_definitions(&caller.tenant_id, Some(app_id(caller)?))
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
            printer_id: printer_id.into(),
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
    pub(crate) async fn start_with_trigger(
        &self,
        caller: &Caller,
        job: Job,
        printer: &Printer,
        policy: Option<PolicyChange>,
        quota: Option<QuotaReservation>,
    ) -> Result<Job> {
        let held_by = self.trigger_task_for(&job.tenant_id, &job.printer_id).await?;
        let mut intent = Intent::new(
            JobEvent::Start {
                held: held_by.is_some(),
                convert: self.needs_conversion(&job, printer).await?,
            },
            actor(caller),
        );
        if let Some(PolicyChange { reason, .. }) = &policy {
            intent = intent.reason(Some(reason.clone()));
        }
        // What the policies change is written with the start, in the job's history and its status: Graph shows
        // the job as it will print. The quota's hold is kept on the job until it ends.
        let hold = quota.as_ref().map(|q| q.hold.clone());
        if policy.is_some() || hold.is_some() {
            intent = intent.edit(move |j| {
                if let Some(PolicyChange {
                    configuration,
                    reason,
                }) = &policy
                {
                    j.configuration = configuration.clone();
                    j.status_reason = Some(reason.clone());
                }
                j.quota_hold = hold.clone();
            });
        }
        let intent = intent.rides(Rides {
            new_task: held_by.map(|task| PrintTask {
                job_id: job.id,
                ..task
            }),
            quota,
            ..Rides::default()
        });
        let started = self.change_job(job, intent).await?.into_job()?;
        self.convert_if_transforming(&started);
        Ok(started)
    }

    /// The processing print task that holds a job started on `printer_id`, if the printer has a trigger whose
    /// definition still exists (a trigger whose definition is gone holds nothing).
    async fn trigger_task_for(&self, tenant: &str, printer_id: &str) -> Result<Option<PrintTask>> {
        let Some(trigger) = self.store.trigger_of_printer(tenant, printer_id).await? else {
            return Ok(None);
        };
        let Some(definition) = self
            .store
            .get_task_definition(tenant, &trigger.definition_id)
            .await?
        else {
            return Ok(None);
        };
        let now = now_micros();
        Ok(Some(PrintTask {
            tenant_id: tenant.into(),
            id: uuid::Uuid::new_v4().to_string(),
            definition_id: definition.id,
            trigger_id: trigger.id,
            app_id: definition.app_id,
            job_id: JobId::new(0), // the job's, set by the caller (or by the store for a job a redirect creates)
            printer_id: printer_id.into(),
            state: TaskState::Processing,
            description: String::new(),
            created_at: now,
            updated_at: now,
        }))
    }

    // ---- tasks ---------------------------------------------------------------------------------------------
    /// A page of the tasks of a definition the calling app owns, newest first.
    pub async fn list_tasks(
        &self,
        caller: &Caller,
        definition_id: &str,
        query: &ListQuery,
    ) -> Result<Page<PrintTask>> {
        self.own_task_definition(caller, definition_id).await?;
        Ok(self
            .store
            .list_tasks(&caller.tenant_id, definition_id, query)
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
        self.visible_tasks(caller, &job).await
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
        let task = self.get_task(caller, definition_id, id).await?;
        let mut updated = match task_transition(task.state, state) {
            TaskTransition::AlreadyDone => return Ok(task),
            TaskTransition::Refused(s) => return Err(task_ended(s)),
            TaskTransition::To(next) => PrintTask {
                state: next,
                updated_at: now_micros(),
                ..task.clone()
            },
        };
        if let Some(d) = description {
            updated.description = d;
        }
        let job = self
            .store
            .get_job(&caller.tenant_id, task.job_id)
            .await?
            .ok_or_else(|| AppError::not_found("print job"))?;
        // `completed` releases the job, `aborted` aborts it. If the job already left the held state some other
        // way (a user canceled it), only the task changes, still under the job's version.
        let event = match state {
            TaskState::Completed => Some(JobEvent::Release {
                convert: self
                    .needs_conversion(&job, &self.job_printer(&job).await?)
                    .await?,
            }),
            TaskState::Aborted => Some(JobEvent::Abort),
            _ => None,
        };
        let reason = (state == TaskState::Aborted)
            .then(|| updated.description.clone())
            .filter(|d| !d.is_empty());
        let status_reason = reason.clone();
        let intent = Intent::maybe(event, actor(caller))
            .reason(reason)
            .edit(move |j| {
                if j.phase.is_terminal() {
                    j.status_reason = status_reason.clone();
                }
            })
            .rides(Rides {
                task_update: Some(updated.clone()),
                ..Rides::default()
            })
            .otherwise(Otherwise::CommitRides { history: false });
        match self.change_job(job, intent).await? {
            Passage::Changed(c) => {
                self.convert_if_transforming(&c.job);
                Ok(updated)
            }
            Passage::Unchanged(_) => Ok(updated),
            // Another request ended the task first: answer as if deciding from what it became.
            Passage::TaskEnded(Some(now)) => match task_transition(now.state, state) {
                TaskTransition::AlreadyDone => Ok(now),
                TaskTransition::Refused(s) | TaskTransition::To(s) => Err(task_ended(s)),
            },
            Passage::TaskEnded(None) => Err(AppError::not_found("print task")),
            Passage::UploadSessionGone => Err(AppError::Internal("a task PATCH finished an upload".into())),
        }
    }

    /// The calling app's tasks on `job` (those of its own triggers).
    async fn own_tasks(&self, caller: &Caller, job: &Job) -> Result<Vec<PrintTask>> {
        let app = app_id(caller)?;
        let mut tasks = self.store.tasks_of_job(&job.tenant_id, job.id).await?;
        tasks.retain(|t| t.app_id.eq_ignore_ascii_case(app));
        Ok(tasks)
    }

    /// The processing task on `job` that belongs to the calling app, if any.
    async fn own_processing_task(&self, caller: &Caller, job: &Job) -> Result<Option<PrintTask>> {
        let tasks = self.own_tasks(caller, job).await?;
        Ok(tasks.into_iter().find(|t| t.state == TaskState::Processing))
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
        let task = self.own_processing_task(caller, &job).await?;
        if task.is_none() {
            // No processing task: maybe an identical abort (an SDK retry in flight) closed it after we read the
            // job. Judge from the job as it is now.
            job = self.find_job(caller, access, target, job_id).await?;
        }
        match transition(job.phase, JobEvent::Abort) {
            // A repeat of the app's own abort succeeds; anyone else never had a task on the job.
            Transition::AlreadyDone => {
                return if !self.own_tasks(caller, &job).await?.is_empty() {
                    Ok(Outcome::Unchanged(job))
                } else {
                    Err(no_task())
                };
            }
            Transition::Refused(r) => return Err(AppError::Refused(r)),
            Transition::To(_) => {}
        }
        let task = task.ok_or_else(no_task)?;
        let closed = PrintTask {
            state: TaskState::Aborted,
            description: reason.clone().unwrap_or_else(|| "The job was aborted.".into()),
            updated_at: now_micros(),
            ..task
        };
        let status_reason = reason.clone();
        let intent = Intent::new(JobEvent::Abort, actor(caller))
            .reason(reason)
            .edit(move |j| j.status_reason = status_reason.clone())
            .rides(Rides {
                task_update: Some(closed),
                ..Rides::default()
            });
        match self.change_job(job, intent).await? {
            Passage::TaskEnded(_) => Err(no_task()),
            other => other.into_outcome(),
        }
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
        // An ended job says so before anything about tasks.
        if let Transition::Refused(r @ Refusal::AlreadyEnded(_)) = transition(job.phase, JobEvent::Redirect) {
            return Err(AppError::Refused(r));
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
        // A configuration given with the redirect is the app's adaptation to the destination: it must fit it.
        if let Some(configuration) = &configuration {
            ensure_configuration_fits(configuration, &dest)?;
        }
        let source_doc = self
            .store
            .list_documents(&job.tenant_id, job.id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::Internal("job without document".into()))?;
        let now = now_micros();
        // Born started on the destination: held again (with a task of its own) if the destination has a trigger.
        let held_task = self.trigger_task_for(&caller.tenant_id, &dest.id).await?;
        let new_job = Job {
            id: JobId::new(0),
            printer_id: dest.id.clone(),
            share_id: None,
            phase: birth(JobBirth::Started {
                held: held_task.is_some(),
            }),
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
            counts: Default::default(),
            updated_at: now,
            version: 0,
            ..job.clone()
        };
        let redirected = RedirectedJob {
            event: JobEventRecord {
                at: now,
                phase: new_job.phase,
                actor: actor(caller),
                reason: Some("redirected".into()),
            },
            job: new_job,
            document: Document {
                id: uuid::Uuid::new_v4().to_string(),
                job_id: JobId::new(0),
                downloaded_at: None,
                ..source_doc
            },
            held_task,
            device_events: vec![],
        };
        let completed = PrintTask {
            state: TaskState::Completed,
            description: "The job was redirected.".into(),
            updated_at: now,
            ..task
        };
        let intent = Intent::new(JobEvent::Redirect, actor(caller)).rides(Rides {
            task_update: Some(completed),
            redirect: Some(redirected),
            ..Rides::default()
        });
        match self.change_job(job, intent).await? {
            Passage::Changed(c) => c
                .redirected
                .ok_or_else(|| AppError::Internal("redirect created no job".into())),
            Passage::Unchanged(_) => Err(AppError::Conflict("The job was already redirected.".into())),
            Passage::TaskEnded(_) => Err(no_task()),
            Passage::UploadSessionGone => Err(AppError::Internal("a redirect finished an upload".into())),
        }
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
        ensure_configuration_fits(&configuration, &self.job_printer(&job).await?)?;
        let modify = Intent::new(JobEvent::Modify, actor(caller))
            .edit(move |j| j.configuration = configuration.clone());
        self.change_job(job, modify).await?.into_job()
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
