//! Reads the front ends make around an entity the caller has already been allowed to see: collections,
//! `$expand`ed and navigation properties (a job's documents and tasks, a printer's share, a task's definition
//! and trigger, a registration operation). Each stays inside the caller's tenant.

use crate::{App, Result};
use platen_domain::records::{
    Document, Job, PrintTask, Printer, PrinterOperation, Share, TaskDefinition, TaskTrigger,
};
use platen_domain::{Caller, CallerKind};
use platen_store::{ListQuery, Page};

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

    /// When the caller last printed to the share.
    pub async fn share_last_used_by(&self, caller: &Caller, share_id: &str) -> Result<Option<i64>> {
        Ok(self
            .store
            .share_last_used(&caller.tenant_id, share_id, &caller.object_id)
            .await?)
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
        Ok(match (&caller.kind, &caller.app_id) {
            (CallerKind::Application { .. }, Some(app)) => tasks
                .into_iter()
                .filter(|t| t.app_id.eq_ignore_ascii_case(app))
                .collect(),
            _ => tasks,
        })
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
