//! beta `printDocument.configuration`: set on a job's document until the job is started (after that the job is
//! the device's to fetch, and its documents are fixed). The Graph layer validates the configuration's shape; here
//! the rule is who may change it and when, decided against the job's version so a racing start wins.

use crate::{App, AppError, JobTarget, Result};
use platen_domain::permissions::Access;
use platen_domain::records::Document;
use platen_domain::{Caller, JobPhase};
use serde_json::Value;

impl App {
    pub async fn set_document_configuration(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
        document_id: &str,
        configuration: Option<Value>,
    ) -> Result<Document> {
        let job = self.find_job(caller, access, target, job_id).await?;
        let doc = self.document_of(&job.tenant_id, job.id, document_id).await?;
        if !matches!(job.phase, JobPhase::UploadPending | JobPhase::Ready) {
            return Err(AppError::Conflict(
                "A document's configuration can be changed only until its job is started.".into(),
            ));
        }
        let stored = self
            .store
            .set_document_configuration(
                &job.tenant_id,
                &doc.id,
                job.id,
                job.version,
                configuration.as_ref(),
            )
            .await?;
        if !stored {
            return Err(AppError::Conflict(
                "The job changed while its document was being updated; read it again and retry.".into(),
            ));
        }
        Ok(Document { configuration, ..doc })
    }
}
