//! Converting a started job's payload for its printer (an OXPS upload to a PDF-only printer, see
//! `platen_domain::document_conversion`). The job is `transforming` (Graph `processing` + `transforming`) while a
//! background task converts; the door then makes it fetchable with the converted PDF riding along
//! (`ConversionSucceeded`), or aborts it with an errorCode and the reason (`ConversionFailed`).
//!
//! Nothing is held across restarts but the job's phase: a node that starts picks up every job left
//! `transforming` (`Store::transforming_jobs`, a partial index) and converts it again. Two nodes converting the
//! same job are harmless: the door commits one result under the job's version, the other's bytes are deleted.
//!
//! What Graph shows: the document keeps the upload's contentType, size and `$value` (Universal Print documents
//! the uploaded properties; the conversion is the service's business). Devices fetch the converted PDF. The
//! uploaded OXPS is kept with the document, like any payload, so `$value` still serves what the user sent.

use crate::converter::{self, Failed};
use crate::job_door::{Intent, Passage, Rides};
use crate::{App, AppError, Result};
use platen_domain::JobPhase;
use platen_domain::document_conversion::{OXPS, PDF, essence, needs_pdf_conversion};
use platen_domain::job::JobEvent;
use platen_domain::records::{ConvertedPayload, Document, DocumentConversion, Job, Printer};

/// Who converts, for the job's history.
const ACTOR: &str = "system:conversion";
/// How many jobs left `transforming` one start picks up (the rest wait for the next start).
const RESUME_BATCH: u32 = 500;

/// The content types a printer lists (essences); empty when it has not reported them.
pub(crate) fn printer_content_types(printer: &Printer) -> Vec<String> {
    printer
        .capabilities
        .get("contentTypes")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|t| t.as_str()).map(essence).collect())
        .unwrap_or_default()
}

impl App {
    /// Whether `job`'s payload must be converted before a device of `printer` (the job's) may fetch it. Decided
    /// from the stored document and printer: createUploadSession only let such an upload through while the
    /// tenant's conversion was on. The document is read only for a printer that could need a conversion.
    pub(crate) async fn needs_conversion(&self, job: &Job, printer: &Printer) -> Result<bool> {
        let types = printer_content_types(printer);
        if !needs_pdf_conversion(OXPS, &types) {
            return Ok(false);
        }
        Ok(self
            .job_document(job)
            .await?
            .is_some_and(|doc| needs_pdf_conversion(&doc.content_type, &types)))
    }

    /// After a change that left `job` transforming: convert it in the background.
    pub(crate) fn convert_if_transforming(&self, job: &Job) {
        if job.phase != JobPhase::Transforming {
            return;
        }
        let app = self.clone();
        let job = job.clone();
        tokio::spawn(async move {
            let id = job.id;
            if let Err(e) = app.convert(job).await {
                tracing::warn!(job = %id, error = %e, "document conversion could not run; retried at the next start");
            }
        });
    }

    /// At start: converts (in the background) every job a node left `transforming`. Returns how many.
    pub async fn resume_conversions(&self) -> Result<usize> {
        let jobs = self.store.transforming_jobs(RESUME_BATCH).await?;
        for job in &jobs {
            self.convert_if_transforming(job);
        }
        Ok(jobs.len())
    }

    async fn job_document(&self, job: &Job) -> Result<Option<Document>> {
        Ok(self
            .store
            .list_documents(&job.tenant_id, job.id)
            .await?
            .into_iter()
            .next())
    }

    async fn convert(&self, job: Job) -> Result<()> {
        let doc = self
            .job_document(&job)
            .await?
            .ok_or_else(|| AppError::not_found("print document"))?;
        let input = doc
            .blob_key
            .clone()
            .ok_or_else(|| AppError::not_found("print document content"))?;
        let output = format!("documents/{}/converted-{}", doc.id, uuid::Uuid::new_v4().simple());
        let converted =
            converter::oxps_to_pdf(&self.config.converter, self.blobs.as_ref(), &input, &output).await?;
        let intent = match converted {
            Ok(stored) => Intent::new(JobEvent::ConversionSucceeded, ACTOR)
                .reason(Some(format!("converted to {PDF}")))
                .rides(Rides {
                    conversion: Some(DocumentConversion {
                        document_id: doc.id.clone(),
                        payload: ConvertedPayload {
                            content_type: PDF.into(),
                            size: i64::try_from(stored.size).unwrap_or(i64::MAX),
                            sha256: stored.sha256_hex,
                            blob_key: output.clone(),
                        },
                    }),
                    ..Rides::default()
                }),
            Err(Failed { kind, reason }) => {
                let status_reason = reason.clone();
                Intent::new(JobEvent::ConversionFailed, ACTOR)
                    .reason(Some(reason))
                    .edit(move |j| {
                        j.error_code = Some(kind.error_code());
                        j.status_reason = Some(status_reason.clone());
                    })
            }
        };
        let carries_bytes = intent.rides.conversion.is_some();
        let committed = matches!(self.change_job(job, intent).await, Ok(Passage::Changed(_)));
        if carries_bytes && !committed {
            // Canceled meanwhile, or another node converted it first: these bytes belong to nothing.
            self.blobs.delete(&output).await?;
        }
        Ok(())
    }
}
