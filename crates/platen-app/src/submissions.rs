//! Jobs whose document arrives with the request: an IPP client's Print-Job, or Create-Job then Send-Document.
//! They take Graph's own path, one door for job creation: [`App::create_job`] (as `POST …/jobs`), then
//! [`App::receive_document`] (what the end of an upload session does: the document gets its bytes through the
//! job door), then [`App::start_job`](crate::App::start_job). A printer with a task trigger holds the job for
//! its pull-print app, devices fetch it, webhooks fire, exactly as for a Graph job.

use crate::job_door::{Intent, Otherwise, Passage, Rides};
use crate::jobs::actor;
use crate::{App, AppError, Result, UploadFailure};
use futures::StreamExt;
use platen_blob::ByteStream;
use platen_domain::Caller;
use platen_domain::job::JobEvent;
use platen_domain::records::{Document, FinishedUpload, Job, Printer, Share};
use platen_domain::time::now_micros;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A document sent in the request itself, streamed: never held whole in memory.
pub struct IncomingDocument {
    /// `document-name`, or empty.
    pub name: String,
    /// The MIME type the document was sent as (`document-format`).
    pub content_type: String,
    pub body: ByteStream,
}

impl App {
    /// The share an IPP client addresses, with its printer, whatever the tenant: the URL names only the share.
    pub async fn share_with_printer(&self, share_id: &str) -> Result<(Share, Printer)> {
        let share = self
            .store
            .find_share(share_id)
            .await?
            .ok_or_else(|| AppError::not_found("printer share"))?;
        let printer = self
            .store
            .get_printer(&share.tenant_id, &share.printer_id)
            .await?
            .ok_or_else(|| AppError::not_found("printer"))?;
        Ok((share, printer))
    }

    /// Streams a job's document into the document store, within the size limit, and records it through the job
    /// door as a finished upload (the job becomes ready to start). The caller must own the job (checked by the
    /// front end with [`App::find_job`]); a job whose document already arrived refuses a second one.
    pub async fn receive_document(
        &self,
        caller: &Caller,
        job: Job,
        incoming: IncomingDocument,
    ) -> Result<Document> {
        let document = self
            .store
            .list_documents(&job.tenant_id, job.id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::not_found("print document"))?;
        if document.uploaded_at.is_some() {
            return Err(AppError::Conflict(
                "The job already has its document; a job holds one document.".into(),
            ));
        }
        let _slot = self.upload_slot(&job)?;
        let key = format!("documents/{}/{}", document.id, uuid::Uuid::new_v4().simple());
        let limit = self.config.max_document_size;
        let too_large = Arc::new(AtomicBool::new(false));
        let stored = self
            .blobs
            .put(&key, bounded(incoming.body, limit, too_large.clone()), limit)
            .await;
        let stored = match stored {
            Ok(s) => s,
            Err(_) if too_large.load(Ordering::Relaxed) => {
                return Err(AppError::Upload {
                    failure: UploadFailure::DocumentTooLarge,
                    message: format!("The document is larger than the limit of {limit} bytes."),
                });
            }
            Err(platen_blob::BlobError::Source(m)) => {
                return Err(AppError::bad_request(format!(
                    "The document could not be read completely: {m}."
                )));
            }
            Err(e) => return Err(e.into()),
        };
        // An IPP document's size is known once it has arrived: the one that goes over the user's byte limit is
        // refused, and its bytes deleted.
        if let Err(e) = self.charge_upload(&job, stored.size).await {
            self.blobs.delete(&key).await?;
            return Err(e);
        }
        let finished = Document {
            display_name: incoming.name,
            content_type: incoming.content_type,
            size: i64::try_from(stored.size).unwrap_or(i64::MAX),
            sha256: Some(stored.sha256_hex),
            uploaded_at: Some(now_micros()),
            blob_key: Some(key.clone()),
            ..document
        };
        let received = Intent::new(JobEvent::UploadCompleted, actor(caller))
            .reason(Some("document received".into()))
            .rides(Rides {
                upload: Some(FinishedUpload {
                    session_id: None,
                    document: finished.clone(),
                }),
                ..Rides::default()
            });
        match self.change_job(job, received).await {
            Ok(Passage::Changed(_)) => Ok(finished),
            Ok(Passage::Unchanged(_) | Passage::UploadSessionGone | Passage::TaskEnded(_)) => {
                self.blobs.delete(&key).await?;
                Err(AppError::Conflict(
                    "The job can no longer take a document.".into(),
                ))
            }
            Err(e) => {
                // The bytes belong to nothing: a refused or failed commit must not leave them behind.
                self.blobs.delete(&key).await?;
                Err(e)
            }
        }
    }

    /// A submission whose document never arrived whole: its job is aborted (through the door, with the reason
    /// in its history), so no job waits forever for bytes that will not come.
    pub async fn fail_submission(&self, job: Job, reason: &str) -> Result<()> {
        let failed = Intent::new(JobEvent::SubmissionFailed, "system")
            .reason(Some(reason.to_string()))
            .otherwise(Otherwise::Answer);
        match self.change_job(job, failed).await {
            Ok(_) | Err(AppError::Refused(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// The body, failing (and flagging why) once it yields more than `limit` bytes, so a document over the limit
/// (or a compression bomb, once decompressed) stops at the limit instead of filling the disk.
fn bounded(body: ByteStream, limit: u64, too_large: Arc<AtomicBool>) -> ByteStream {
    let mut seen: u64 = 0;
    body.map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len() as u64);
        if seen > limit {
            too_large.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other("the document exceeds the size limit"));
        }
        Ok(chunk)
    })
    .boxed()
}

/// IPP `which-jobs`: the jobs of a share still to print, or those that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhichJobs {
    NotCompleted,
    Completed,
    All,
}

impl App {
    /// A share's jobs for Get-Jobs, filtered, sorted and paged in SQL: jobs still to print oldest first (queue
    /// order), ended jobs newest first. `mine`: only the caller's (also forced without `*.All` access).
    pub async fn share_jobs(
        &self,
        caller: &Caller,
        access: &platen_domain::permissions::Access,
        share_id: &str,
        which: WhichJobs,
        mine: bool,
        limit: u32,
    ) -> Result<Vec<Job>> {
        let target = crate::JobTarget::Share(share_id.into());
        self.resolve_target(caller, access, &target).await?;
        let (states, order): (&[&str], _) = match which {
            WhichJobs::NotCompleted => (&["paused", "pending", "processing", "stopped"], "asc"),
            WhichJobs::Completed => (&["completed", "canceled", "aborted"], "desc"),
            WhichJobs::All => (&[], "desc"),
        };
        let owner = (mine || !access.all_users).then(|| caller.object_id.to_ascii_lowercase());
        let query = share_jobs_query(states, Some(order), limit.max(1), false)?;
        let scope = share_scope(share_id.into(), owner);
        Ok(self
            .store
            .list_jobs(&caller.tenant_id, &scope, &query)
            .await?
            .items)
    }

    /// How many jobs wait or print on a share (`queued-job-count`), counted in SQL.
    pub async fn share_queue_length(&self, share: &Share) -> Result<i64> {
        let query = share_jobs_query(&["pending", "processing", "stopped"], None, 1, true)?;
        let scope = share_scope(share.id.clone(), None);
        let page = self.store.list_jobs(&share.tenant_id, &scope, &query).await?;
        Ok(page.count.unwrap_or(0))
    }
}

fn share_scope(share: platen_domain::ShareId, owner: Option<String>) -> platen_store::JobScope {
    platen_store::JobScope {
        printer_id: None,
        share_id: Some(share),
        owner_id: owner,
    }
}

/// Jobs in one of Graph's `states` (all when empty), by creation time in `order`, filtered and sorted in SQL
/// through the OData layer the Graph job lists use.
fn share_jobs_query(
    states: &[&str],
    order: Option<&str>,
    limit: u32,
    count: bool,
) -> Result<platen_store::ListQuery> {
    let filter: Vec<String> = states.iter().map(|s| format!("status/state eq '{s}'")).collect();
    let mut options = vec![];
    if !filter.is_empty() {
        options.push(format!("$filter={}", filter.join(" or ")));
    }
    if let Some(order) = order {
        options.push(format!("$orderby=createdDateTime {order}"));
    }
    let parsed = platen_odata::parse_query(&options.join("&"))
        .map_err(|e| AppError::Internal(format!("a share's job query: {}", e.message())))?;
    Ok(platen_store::ListQuery {
        filter: parsed.filter,
        orderby: parsed.orderby,
        limit,
        count,
        ..platen_store::ListQuery::default()
    })
}

/// Platen's own settings of a share's IPP printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareIppSettings {
    /// Jobs without credentials (kiosks on trusted networks); the share must also allow all users.
    pub allow_unauthenticated_printing: bool,
}

impl App {
    /// The IPP settings of a share of the caller's tenant (the caller passed the share's read permission).
    pub async fn share_ipp_settings(&self, caller: &Caller, share_id: &str) -> Result<ShareIppSettings> {
        let share = self.tenant_share(caller, share_id).await?;
        Ok(ShareIppSettings {
            allow_unauthenticated_printing: self
                .store
                .share_allows_unauthenticated_ipp(&share.tenant_id, &share.id)
                .await?,
        })
    }

    /// Changes them: administrators only (the caller passed the share's write permission, which needs the
    /// Printer Administrator role for users).
    pub async fn set_share_ipp_settings(
        &self,
        caller: &Caller,
        access: &platen_domain::permissions::Access,
        share_id: &str,
        settings: ShareIppSettings,
    ) -> Result<ShareIppSettings> {
        if !access.admin {
            return Err(AppError::Forbidden(
                "Only administrators change a share's IPP settings.".into(),
            ));
        }
        let share = self.tenant_share(caller, share_id).await?;
        self.store
            .set_share_allows_unauthenticated_ipp(
                &share.tenant_id,
                &share.id,
                settings.allow_unauthenticated_printing,
            )
            .await?;
        Ok(settings)
    }

    /// Whether the share's IPP printer takes jobs from clients without credentials.
    pub async fn share_takes_unauthenticated_jobs(&self, share: &Share) -> Result<bool> {
        Ok(share.allow_all_users
            && self
                .store
                .share_allows_unauthenticated_ipp(&share.tenant_id, &share.id)
                .await?)
    }

    async fn tenant_share(&self, caller: &Caller, share_id: &str) -> Result<Share> {
        self.store
            .get_share(&caller.tenant_id, share_id)
            .await?
            .ok_or_else(|| AppError::not_found("printer share"))
    }
}
