//! Document downloads. Graph answers `GET …/documents/{id}/$value` with 302 to a short-lived pre-authenticated
//! URL; so does Platen. Granting checks the caller exactly like any document read and stores a ticket (the
//! URL's secret only as its SHA-256); redeeming needs nothing but the URL, so HTTP clients that drop the
//! `Authorization` header on a redirect (as they should) still download. The ticket names the document, not
//! its bytes: a document whose job is gone is refused at redemption rather than served from a stale key.

use crate::uploads::{hash_token, url_secret};
use crate::{App, AppError, JobTarget, Result};
use platen_blob::ByteStream;
use platen_domain::Caller;
use platen_domain::permissions::Access;
use platen_domain::records::{Document, DownloadTicket};
use platen_domain::time::{Micros, now_micros};

/// What the redirect points at: `{base}/downloads/{id}?tempauthtoken={token}`, valid until `expires_at`.
#[derive(Debug, Clone)]
pub struct DownloadGrant {
    pub id: String,
    pub token: String,
    pub expires_at: Micros,
}

fn link_refused() -> AppError {
    AppError::DownloadLinkInvalid
}

impl App {
    /// A pre-authenticated download of one document the caller may read.
    pub async fn grant_download(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
        document_id: &str,
    ) -> Result<DownloadGrant> {
        let job = self.find_job(caller, access, target, job_id).await?;
        let doc = self.document_of(&job.tenant_id, job.id, document_id).await?;
        if let Some(at) = doc.purged_at {
            return Err(AppError::Gone(format!(
                "The document's content was deleted on {} by the retention policy: a finished job keeps its \
                 documents for a limited time ([retention] documents in Platen's configuration).",
                platen_domain::time::to_graph(at)
            )));
        }
        if doc.blob_key.is_none() {
            return Err(AppError::NotFound("The document has no content yet.".into()));
        }
        let (token, token_sha256) = url_secret();
        let ticket = DownloadTicket {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: job.tenant_id.clone(),
            document_id: doc.id,
            token_sha256,
            expires_at: now_micros() + self.config.download_url_lifetime.as_micros() as i64,
        };
        self.store.create_download_ticket(&ticket).await?;
        Ok(DownloadGrant {
            id: ticket.id,
            token,
            expires_at: ticket.expires_at,
        })
    }

    /// The document a download URL names, if its secret matches and it has not expired. The URL may be used
    /// again until then (a client resuming with a Range request).
    pub async fn redeem_download(&self, ticket_id: &str, token: &str) -> Result<Document> {
        let ticket = self
            .store
            .get_download_ticket(ticket_id)
            .await?
            .ok_or_else(link_refused)?;
        if hash_token(token) != ticket.token_sha256 || ticket.expires_at <= now_micros() {
            return Err(link_refused());
        }
        let doc = self
            .store
            .get_document(&ticket.tenant_id, &ticket.document_id)
            .await?
            .filter(|d| d.blob_key.is_some())
            .ok_or_else(|| AppError::NotFound("The document's content is no longer stored.".into()))?;
        Ok(doc)
    }

    /// The document's bytes, or `len` of them from `offset` (already checked against `doc.size`).
    pub async fn read_document(&self, doc: &Document, span: Option<(u64, u64)>) -> Result<ByteStream> {
        let key = doc
            .blob_key
            .as_deref()
            .ok_or_else(|| AppError::NotFound("The document has no content yet.".into()))?;
        Ok(match span {
            Some((offset, len)) => self.blobs.get_range(key, offset, len).await?,
            None => self.blobs.get(key).await?.1,
        })
    }
}
