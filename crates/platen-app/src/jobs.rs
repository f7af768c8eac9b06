//! Print jobs: submission, lookup with object-level access checks, start and cancel. Every change of a job
//! goes through the one door, [`App::change_job`](crate::job_door), which consults the state machine table and
//! writes with a version check, so racing writers (a cancel and an abort, two nodes) end with exactly one winner.

use crate::job_door::Intent;
use crate::{App, AppError, Result};
use platen_domain::job::{JobBirth, JobEvent, Refusal, birth};
use platen_domain::permissions::{Access, JobPath};
use platen_domain::records::{Document, Job, JobEventRecord, Printer, Share, UserIdentity};
use platen_domain::time::now_micros;
use platen_domain::{Caller, JobId, PrinterId, ShareId};
use platen_store::{JobScope, ListQuery, Page, Viewer};
use serde_json::Value;

/// The collection a job request addresses: `/print/printers/{id}/jobs` or `/print/shares/{id}/jobs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobTarget {
    Printer(PrinterId),
    Share(ShareId),
}

impl JobTarget {
    /// Which collection addresses the job, for the permission that path needs.
    pub fn path(&self) -> JobPath {
        match self {
            JobTarget::Printer(_) => JobPath::Printer,
            JobTarget::Share(_) => JobPath::Share,
        }
    }
}

/// The result of an action that may already have happened (an SDK retry).
#[derive(Debug, Clone)]
pub enum Outcome<T, U = T> {
    Changed(T),
    Unchanged(U),
}

impl<T> Outcome<T> {
    pub fn into_inner(self) -> T {
        match self {
            Outcome::Changed(t) | Outcome::Unchanged(t) => t,
        }
    }
}

pub(crate) fn viewer_of(caller: &Caller) -> Viewer {
    Viewer {
        user_id: caller.object_id.to_ascii_lowercase(),
        groups: caller.groups.clone(),
    }
}

impl App {
    /// The printer (and share) a job request addresses. Share users must be allowed on the share.
    pub async fn resolve_target(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
    ) -> Result<(Printer, Option<Share>)> {
        let tenant = &caller.tenant_id;
        match target {
            JobTarget::Printer(id) => {
                let printer = self
                    .store
                    .get_printer(tenant, id)
                    .await?
                    .ok_or_else(|| AppError::not_found("printer"))?;
                Ok((printer, None))
            }
            JobTarget::Share(id) => {
                let view = self.get_share_view(caller, access, id).await?;
                Ok((view.printer, Some(view.share)))
            }
        }
    }

    /// The share of a printer as the caller may reach it: administrators and apps reach every printer (and see
    /// its share, if any); other users reach a printer only through a share they may use, so for them a printer
    /// without one is not found.
    pub async fn reachable_share_of_printer(
        &self,
        caller: &Caller,
        access: &Access,
        printer_id: &str,
    ) -> Result<Option<Share>> {
        let share = self.store.share_of_printer(&caller.tenant_id, printer_id).await?;
        if access.admin {
            return Ok(share);
        }
        match share {
            Some(s)
                if s.allow_all_users
                    || self
                        .store
                        .share_visible_to(&caller.tenant_id, &s.id, &viewer_of(caller))
                        .await? =>
            {
                Ok(Some(s))
            }
            _ => Err(AppError::not_found("printer")),
        }
    }

    /// A share's users: everyone if it allows all users, else its allowed users and members of its allowed groups.
    /// Administrators and apps manage every share; an app printing as itself (app printing, no administrator's
    /// reach) uses only the shares granted to it.
    pub async fn ensure_share_usable(&self, caller: &Caller, access: &Access, share: &Share) -> Result<()> {
        if access.admin {
            return Ok(());
        }
        if !caller.is_delegated() {
            return self.ensure_app_granted(caller, share).await;
        }
        if share.allow_all_users {
            return Ok(());
        }
        if self
            .store
            .share_visible_to(&caller.tenant_id, &share.id, &viewer_of(caller))
            .await?
        {
            Ok(())
        } else {
            Err(share_forbidden())
        }
    }

    pub async fn create_job(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        configuration: Value,
        display_name: Option<String>,
    ) -> Result<(Job, Document)> {
        let (printer, share) = self.resolve_target(caller, access, target).await?;
        if share.is_none() {
            // Printing straight to a printer needs no role (row 19), but a user still prints only where a share
            // lets them; administrators and apps reach every printer.
            self.reachable_share_of_printer(caller, access, &printer.id)
                .await?;
        }
        if printer.is_accepting_jobs == Some(false) {
            return Err(AppError::Conflict("The printer is not accepting jobs.".into()));
        }
        ensure_configuration_fits(&configuration, &printer)?;
        self.charge_job_creation(caller, &printer.id).await?;
        let now = now_micros();
        let job = Job {
            tenant_id: caller.tenant_id.clone(),
            id: JobId::new(0),
            printer_id: printer.id.clone(),
            share_id: share.as_ref().map(|s| s.id.clone()),
            phase: birth(JobBirth::Created),
            completion: None,
            status_reason: None,
            created_at: now,
            created_by: UserIdentity {
                id: caller.object_id.to_ascii_lowercase(),
                // An app printing as itself is named by its own display name.
                display_name: caller
                    .display_name
                    .clone()
                    .or_else(|| caller.app_display_name.clone()),
                user_principal_name: caller.user_principal_name.clone(),
                ip_address: caller.ip_address.clone(),
            },
            // Lower-case like every id Graph paths carry (reports by group look them up from a path).
            creator_groups: caller.groups.iter().map(|g| g.to_ascii_lowercase()).collect(),
            configuration,
            display_name,
            redirected_from: None,
            redirected_to: None,
            error_code: None,
            acknowledged_at: None,
            acquired_by: None,
            completed_at: None,
            counts: Default::default(),
            quota_hold: None,
            updated_at: now,
            version: 0,
        };
        let document = Document {
            tenant_id: caller.tenant_id.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            job_id: JobId::new(0),
            display_name: String::new(),
            content_type: String::new(),
            size: 0,
            sha256: None,
            uploaded_at: None,
            downloaded_at: None,
            blob_key: None,
            configuration: None,
            converted: None,
            purged_at: None,
        };
        let event = JobEventRecord {
            at: now,
            phase: job.phase,
            actor: actor(caller),
            reason: None,
        };
        let created = self.store.create_job(&job, &document, &event).await?;
        metrics::counter!("platen_jobs_created_total").increment(1);
        if let Some(share) = share {
            self.store
                .record_share_use(&caller.tenant_id, &share.id, &caller.object_id, now)
                .await?;
        }
        Ok(created)
    }

    /// Finds a job through its collection and checks the caller may act on it: unknown ids, other tenants'
    /// jobs and jobs outside the addressed collection are 404; other users' jobs without `*.All` + admin are 403.
    pub async fn find_job(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
    ) -> Result<Job> {
        let id: JobId = job_id
            .parse()
            .ok()
            .filter(|i: &JobId| i.get() > 0)
            .ok_or_else(|| AppError::not_found("print job"))?;
        let job = self
            .store
            .get_job(&caller.tenant_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("print job"))?;
        let in_collection = match target {
            JobTarget::Printer(p) => job.printer_id == *p,
            JobTarget::Share(s) => job.share_id.as_deref() == Some(s.as_str()),
        };
        if !in_collection {
            return Err(AppError::not_found("print job"));
        }
        if !access.reaches_job_of(caller, &job.created_by.id) {
            return Err(AppError::Forbidden(
                "The print job belongs to another user; acting on other users' jobs needs a *.All job permission \
                 and the Printer Administrator role."
                    .into(),
            ));
        }
        Ok(job)
    }

    pub async fn list_jobs(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        query: &ListQuery,
    ) -> Result<Page<Job>> {
        // The collection must exist and be reachable; a share's printer is not needed to list its jobs.
        match target {
            JobTarget::Printer(_) => {
                self.resolve_target(caller, access, target).await?;
            }
            JobTarget::Share(id) => {
                self.get_share(caller, access, id).await?;
            }
        }
        let owner = (!access.all_users).then(|| caller.object_id.to_ascii_lowercase());
        let scope = match target {
            JobTarget::Printer(p) => JobScope {
                printer_id: Some(p.clone()),
                share_id: None,
                owner_id: owner,
            },
            JobTarget::Share(s) => JobScope {
                printer_id: None,
                share_id: Some(s.clone()),
                owner_id: owner,
            },
        };
        Ok(self.store.list_jobs(&caller.tenant_id, &scope, query).await?)
    }

    /// `start`: the job is queued for its printer (or held for a print task when the printer has a trigger).
    pub async fn start_job(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
    ) -> Result<Job> {
        let job = self.find_job(caller, access, target, job_id).await?;
        // The printer's capabilities may have changed since the job was created.
        let printer = self.job_printer(&job).await?;
        ensure_configuration_fits(&job.configuration, &printer)?;
        let mut documents = crate::quotas::JobDocuments::default();
        let policy = self.policy_change(&job, &printer, &mut documents).await?;
        let configuration = policy.as_ref().map_or(&job.configuration, |p| &p.configuration);
        let quota = self
            .quota_reservation(
                &job,
                configuration,
                &mut documents,
                platen_domain::time::now_micros(),
            )
            .await?;
        self.start_with_trigger(caller, job, &printer, policy, quota)
            .await
    }

    /// The printer a job was created on (or redirected to).
    pub(crate) async fn job_printer(&self, job: &Job) -> Result<Printer> {
        self.store
            .get_printer(&job.tenant_id, &job.printer_id)
            .await?
            .ok_or_else(|| AppError::not_found("printer"))
    }

    /// `cancel` (users): idempotent for an already canceled job; refused for jobs that ended otherwise.
    pub async fn cancel_job(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
    ) -> Result<Outcome<Job>> {
        let job = self.find_job(caller, access, target, job_id).await?;
        self.change_job(job, Intent::new(JobEvent::Cancel, actor(caller)))
            .await?
            .into_outcome()
    }
}

/// Refuses a configuration that asks for something the printer's capabilities do not offer.
pub(crate) fn ensure_configuration_fits(configuration: &Value, printer: &Printer) -> Result<()> {
    match platen_domain::unsupported_setting(configuration, &printer.capabilities) {
        Some(unsupported) => Err(AppError::UnsupportedSetting(unsupported)),
        None => Ok(()),
    }
}

/// Who caused a job event, for the job's history.
pub(crate) fn actor(caller: &Caller) -> String {
    match (&caller.kind, &caller.user_principal_name) {
        (platen_domain::CallerKind::Application { .. }, _) => {
            format!("app:{}", caller.app_id.as_deref().unwrap_or(&caller.object_id))
        }
        (_, Some(upn)) => format!("user:{upn}"),
        (_, None) => format!("user:{}", caller.object_id),
    }
}

/// A human description of a refusal, for Graph error messages.
pub fn describe_refusal(r: Refusal) -> String {
    match r {
        Refusal::UploadIncomplete => "The job's document has not been uploaded completely.".into(),
        Refusal::AlreadyEnded(p) => format!("The job has already ended ({}).", p.graph_state()),
        Refusal::NoLongerModifiable => {
            "The job has become fetchable by a printer and can no longer be modified.".into()
        }
        Refusal::NotHeld => "The job is not held by a print task.".into(),
        Refusal::NotFetchable => "The job is not fetchable.".into(),
        Refusal::NotAcquired => "The job has not been acquired by a printer.".into(),
        Refusal::NotStarted => "The job has not been started.".into(),
        Refusal::NotTransforming => "The job's document is not being converted.".into(),
    }
}

pub(crate) fn share_forbidden() -> AppError {
    AppError::Forbidden("The signed-in user is not allowed to use this printer share.".into())
}
