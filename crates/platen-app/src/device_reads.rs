//! What a device reads about one of its printer's jobs (INFRA Fetch-Job), as a use case, so the IPP front end
//! does not reach into the store. The rule of which jobs a device may read is the domain's
//! ([`JobPhase::is_readable_by_device`]).

use crate::{App, AppError, Device, Result};
use platen_domain::JobId;
use platen_domain::job::{JobPhase, Refusal};
use platen_domain::records::{Document, Job};

impl App {
    /// Fetch-Job: the job and its document (Platen jobs have one; `None` before it exists), if the device may
    /// read the job; `NotFetchable` otherwise.
    pub async fn device_job_for_fetch(&self, d: &Device, job_id: JobId) -> Result<(Job, Option<Document>)> {
        let job = self.device_job(d, job_id).await?;
        if !JobPhase::is_readable_by_device(job.phase) {
            return Err(AppError::Refused(Refusal::NotFetchable));
        }
        let document = self
            .store
            .list_documents(&d.tenant_id, job.id)
            .await?
            .into_iter()
            .next()
            .map(Document::for_device);
        Ok((job, document))
    }
}
