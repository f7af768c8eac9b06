//! Print policies (`platen_domain::print_policy`): administered under `/platen/print-policies` and the console,
//! applied when a job starts. What a policy changes rides on the start through the job door (the job's
//! configuration and status reason change with its phase, in one version); a refusal leaves the job as it was.

use crate::quotas::JobDocuments;
use crate::{App, AppError, Result};
use platen_domain::Caller;
use platen_domain::JobPhase;
use platen_domain::print_policy::{PolicyChange, PolicyTarget, PrintPolicy, Verdict, apply};
use platen_domain::quota::estimate_pages;
use platen_domain::records::{Job, Printer};
use platen_domain::time::now_micros;

/// What an administrator asks for; validated by [`App::create_print_policy`].
#[derive(Debug, Clone)]
pub struct NewPrintPolicy {
    pub display_name: String,
    pub target: PolicyTarget,
    pub force_monochrome: bool,
    pub force_duplex: bool,
    pub max_document_bytes: Option<i64>,
    pub max_pages: Option<i64>,
}

impl App {
    pub async fn list_print_policies(&self, caller: &Caller) -> Result<Vec<PrintPolicy>> {
        Ok(self.store.list_print_policies(&caller.tenant_id).await?)
    }

    pub async fn get_print_policy(&self, caller: &Caller, id: &str) -> Result<PrintPolicy> {
        self.store
            .get_print_policy(&caller.tenant_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("print policy"))
    }

    pub async fn create_print_policy(&self, caller: &Caller, new: NewPrintPolicy) -> Result<PrintPolicy> {
        let display_name = new.display_name.trim().to_string();
        if display_name.is_empty() || display_name.chars().count() > 100 {
            return Err(AppError::bad_request("displayName must be 1 to 100 characters."));
        }
        if !new.force_monochrome
            && !new.force_duplex
            && new.max_document_bytes.is_none()
            && new.max_pages.is_none()
        {
            return Err(AppError::bad_request(
                "A print policy needs at least one rule: forceMonochrome, forceDuplex, maxDocumentBytes or maxPages.",
            ));
        }
        if new.max_pages.is_some_and(|m| m <= 0) {
            return Err(AppError::bad_request(
                "maxPages must be a positive number of pages.",
            ));
        }
        if new.max_document_bytes.is_some_and(|m| m <= 0) {
            return Err(AppError::bad_request(
                "maxDocumentBytes must be a positive number of bytes.",
            ));
        }
        let target = match new.target {
            PolicyTarget::Printer(id) => {
                let printer = self.get_printer(caller, &id.to_ascii_lowercase()).await?;
                PolicyTarget::Printer(printer.id)
            }
            PolicyTarget::Group(g) => {
                let g = g.trim().to_ascii_lowercase();
                if g.is_empty() || g.len() > 128 {
                    return Err(AppError::bad_request("groupId must be a group's object id."));
                }
                PolicyTarget::Group(g)
            }
        };
        let policy = PrintPolicy {
            tenant_id: caller.tenant_id.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            display_name,
            target,
            force_monochrome: new.force_monochrome,
            force_duplex: new.force_duplex,
            max_document_bytes: new.max_document_bytes,
            max_pages: new.max_pages,
            created_at: now_micros(),
        };
        self.store.create_print_policy(&policy).await?;
        Ok(policy)
    }

    pub async fn delete_print_policy(&self, caller: &Caller, id: &str) -> Result<()> {
        if self.store.delete_print_policy(&caller.tenant_id, id).await? {
            Ok(())
        } else {
            Err(AppError::not_found("print policy"))
        }
    }

    /// What the policies governing `job` (its printer, its creator's groups) change as it starts; a refusal is
    /// [`AppError::PolicyRefused`]. Only a job about to start is decided: a retried start of a started job is
    /// answered as it is. The document is read only when a policy caps its size.
    pub(crate) async fn policy_change(
        &self,
        job: &Job,
        printer: &Printer,
        pages: &mut JobDocuments,
    ) -> Result<Option<PolicyChange>> {
        if job.phase != JobPhase::Ready {
            return Ok(None);
        }
        let policies = self
            .store
            .policies_for_job(&job.tenant_id, &job.printer_id, &job.creator_groups)
            .await?;
        if policies.is_empty() {
            return Ok(None);
        }
        let document_bytes = if policies.iter().any(|p| p.max_document_bytes.is_some()) {
            self.job_documents(job, pages).await?.iter().map(|d| d.size).sum()
        } else {
            0
        };
        // A page cap applies only when every document's pages are known before printing.
        let pages = if policies.iter().any(|p| p.max_pages.is_some()) {
            let counted = self.job_pages(job, pages).await?;
            counted
                .iter()
                .all(Option::is_some)
                .then(|| estimate_pages(counted, &job.configuration))
        } else {
            None
        };
        match apply(
            &policies,
            &job.configuration,
            document_bytes,
            pages,
            &printer.capabilities,
        ) {
            Verdict::Unchanged => Ok(None),
            Verdict::Changed(change) => Ok(Some(change)),
            Verdict::Refused(why) => Err(AppError::PolicyRefused(why)),
        }
    }
}
