//! Reads the front ends make around an entity the caller has already been allowed to see: collections,
//! `$expand`ed and navigation properties (a job's documents and tasks, a printer's share, a task's definition
//! and trigger, a registration operation). Each stays inside the caller's tenant.

use crate::{App, Result};
use platen_domain::records::{
    Document, Job, PrintTask, Printer, PrinterOperation, Share, TaskDefinition, TaskTrigger,
};
use platen_domain::{Caller, CallerKind, JobId};
use platen_store::{ListQuery, Page};
use std::collections::HashMap;

impl App {
    pub async fn list_printers(&self, caller: &Caller, query: &ListQuery) -> Result<Page<Printer>> {
        Ok(self.store.list_printers(&caller.tenant_id, query).await?)
    }

    /// A printer registration's long-running operation.
    pub async fn printer_operation(&self, caller: &Caller, id: &str) -> Result<Option<PrinterOperation>> {
        Ok(self.store.get_operation(&caller.tenant_id, id).await?)
    }

    /// A printer that may have been deleted since it was referred to (an operation's result).
    pub async fn printer_if_present(&self, caller: &Caller, id: &str) -> Result<Option<Printer>> {
        Ok(self.store.get_printer(&caller.tenant_id, id).await?)
    }

    /// The share of a printer, if it is shared.
    pub async fn share_of_printer(&self, caller: &Caller, printer_id: &str) -> Result<Option<Share>> {
        Ok(self.store.share_of_printer(&caller.tenant_id, printer_id).await?)
    }

    /// The printer behind a share the caller may see.
    pub async fn printer_of_share(&self, caller: &Caller, share: &Share) -> Result<Printer> {
        self.store
            .get_printer(&caller.tenant_id, &share.printer_id)
            .await?
            .ok_or_else(|| crate::AppError::Internal("a share whose printer is gone".into()))
    }

    /// When the caller last printed to each of `shares` (a page of a list), in one query.
    pub async fn shares_last_used_by(
        &self,
        caller: &Caller,
        shares: &[String],
    ) -> Result<std::collections::HashMap<String, i64>> {
        Ok(self
            .store
            .shares_last_used(&caller.tenant_id, shares, &caller.object_id)
            .await?
            .into_iter()
            .collect())
    }

    /// The documents of a job the caller found through [`App::find_job`].
    pub async fn documents_of(&self, job: &Job) -> Result<Vec<Document>> {
        Ok(self.store.list_documents(&job.tenant_id, job.id).await?)
    }

    /// A job's print tasks the caller may see: an app sees those of its own triggers, users and admins all.
    pub async fn visible_tasks(&self, caller: &Caller, job: &Job) -> Result<Vec<PrintTask>> {
        let tasks = self.store.tasks_of_job(&job.tenant_id, job.id).await?;
        Ok(tasks.into_iter().filter(|t| sees_task(caller, t)).collect())
    }

    /// The documents of each job of a page the caller was allowed to list, in one query.
    pub async fn documents_of_jobs(
        &self,
        caller: &Caller,
        jobs: &[Job],
    ) -> Result<HashMap<JobId, Vec<Document>>> {
        let ids: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
        let mut by_job: HashMap<JobId, Vec<Document>> = HashMap::new();
        for d in self.store.documents_of_jobs(&caller.tenant_id, &ids).await? {
            by_job.entry(d.job_id).or_default().push(d);
        }
        Ok(by_job)
    }

    /// [`App::visible_tasks`] of each job of a page, in one query.
    pub async fn visible_tasks_of_jobs(
        &self,
        caller: &Caller,
        jobs: &[Job],
    ) -> Result<HashMap<JobId, Vec<PrintTask>>> {
        let ids: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
        let mut by_job: HashMap<JobId, Vec<PrintTask>> = HashMap::new();
        for t in self.store.tasks_of_jobs(&caller.tenant_id, &ids).await? {
            if sees_task(caller, &t) {
                by_job.entry(t.job_id).or_default().push(t);
            }
        }
        Ok(by_job)
    }

    /// The printers behind a page of shares the caller was allowed to list, by printer id, in one query.
    pub async fn printers_of_shares(
        &self,
        caller: &Caller,
        shares: &[Share],
    ) -> Result<HashMap<String, Printer>> {
        let mut ids: Vec<&str> = shares.iter().map(|s| s.printer_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let printers = self.store.printers_by_ids(&caller.tenant_id, &ids).await?;
        let by_id: HashMap<String, Printer> = printers.into_iter().map(|p| (p.id.to_string(), p)).collect();
        if shares.iter().any(|s| !by_id.contains_key(s.printer_id.as_str())) {
            return Err(crate::AppError::Internal("a share whose printer is gone".into()));
        }
        Ok(by_id)
    }

    /// The definition a task belongs to (gone if the app deleted it).
    pub async fn definition_of(&self, task: &PrintTask) -> Result<Option<TaskDefinition>> {
        Ok(self
            .store
            .get_task_definition(&task.tenant_id, &task.definition_id)
            .await?)
    }

    /// The trigger that created a task (gone if an administrator deleted it).
    pub async fn trigger_of(&self, task: &PrintTask) -> Result<Option<TaskTrigger>> {
        Ok(self
            .store
            .get_task_trigger(&task.tenant_id, &task.trigger_id)
            .await?)
    }
}

/// An app sees the tasks of its own triggers; users and administrators see all of a job's tasks.
fn sees_task(caller: &Caller, task: &PrintTask) -> bool {
    match (&caller.kind, &caller.app_id) {
        (CallerKind::Application { .. }, Some(app)) => task.app_id.eq_ignore_ascii_case(app),
        _ => true,
    }
}
