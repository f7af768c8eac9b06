//! Documents: resumable upload sessions (downloads are in `downloads.rs`).
//!
//! An upload URL carries its own credential: a random secret whose SHA-256 is stored with the session, valid
//! until the session expires. Every byte is written once, into its place: a session writes into one blob (its
//! document's, `session_blob_key`), and each PUT first reserves its range in the database (overlaps refused
//! atomically, across nodes, before any byte is written; the reservation is a lease renewed while the bytes
//! stream), then streams the body to its offset (`BlobStore::put_part`, durable on return), then confirms the
//! range. When the last gap closes the blob becomes the document (`BlobStore::finish_upload`: no copy on local
//! disk or PostgreSQL) and is committed with the job's `UploadCompleted` transition. The SHA-256 is computed as
//! the bytes arrive when they arrive in order on this node (`upload_hash.rs`), else by reading the document
//! once at completion. Nothing is held in memory; ranges may come in any order, to any node.
//!
//! Ranges laid out otherwise (a session begun before ranges were written in place, whose ranges are blobs under
//! `uploads/`, or one carried over by `migrate-store` from another kind of blob store) are gathered once into
//! the document at completion.

use crate::conversions::printer_content_types;
use crate::job_door::{Intent, Otherwise, Passage, Rides};
use crate::upload_hash::RangeHashing;
use crate::{App, AppError, JobTarget, Result, UploadFailure};
use base64::Engine;
use futures::{StreamExt, TryStreamExt};
use platen_blob::ByteStream;
use platen_domain::document_conversion::{UploadFormat, upload_format};
use platen_domain::job::{JobEvent, Transition, transition};
use platen_domain::permissions::Access;
use platen_domain::records::{Document, FinishedUpload, UploadRange, UploadSession};
use platen_domain::time::{Micros, now_micros};
use platen_domain::{Caller, JobId};
use platen_store::AddRange;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A parsed `Content-Range: bytes first-last/total` (inclusive bounds). `bytes=first-last/total` is accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    pub first: u64,
    pub last: u64,
    pub total: u64,
}

impl ContentRange {
    pub fn parse(header: &str) -> Result<Self> {
        let bad = || {
            upload_error(
                UploadFailure::MalformedRange,
                format!("Malformed Content-Range header '{header}'; expected 'bytes first-last/total'."),
            )
        };
        let rest = header.trim().strip_prefix("bytes").ok_or_else(bad)?;
        let rest = rest.trim_start_matches([' ', '=']);
        let (range, total) = rest.split_once('/').ok_or_else(bad)?;
        let (first, last) = range.split_once('-').ok_or_else(bad)?;
        let num = |s: &str| s.trim().parse::<u64>().map_err(|_| bad());
        let r = ContentRange {
            first: num(first)?,
            last: num(last)?,
            total: num(total)?,
        };
        if r.last < r.first || r.last >= r.total {
            return Err(bad());
        }
        Ok(r)
    }

    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone)]
pub struct UploadStatus {
    pub expires_at: Micros,
    /// Missing ranges, inclusive, e.g. `["0-99", "200-4533321"]`.
    pub next_expected_ranges: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum RangeOutcome {
    Partial(UploadStatus),
    Completed(Box<Document>),
}

fn upload_error(failure: UploadFailure, message: String) -> AppError {
    AppError::Upload { failure, message }
}

fn session_gone() -> AppError {
    upload_error(
        UploadFailure::SessionNotFound,
        "The upload session does not exist or has expired.".into(),
    )
}

pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new secret for a pre-authenticated URL (upload or download): the token the URL carries, and the SHA-256
/// that is all the store keeps of it.
pub(crate) fn url_secret() -> (String, String) {
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let sha256 = hash_token(&token);
    (token, sha256)
}

/// The gaps between received ranges (sorted by first byte, none overlapping, all below `size`), as the
/// `nextExpectedRanges` of an upload session.
pub fn missing_ranges(ranges: &[UploadRange], size: i64) -> Vec<String> {
    let mut out = vec![];
    let mut next = 0i64;
    for r in ranges {
        if r.first > next {
            out.push(format!("{}-{}", next, r.first - 1));
        }
        next = next.max(r.last + 1);
    }
    if next < size {
        out.push(format!("{}-{}", next, size - 1));
    }
    out
}

impl App {
    /// `createUploadSession` for a job's document. Returns the session, the secret for its URL, and its status.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_upload_session(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
        document_id: &str,
        document_name: String,
        content_type: String,
        size: i64,
    ) -> Result<(UploadSession, String, UploadStatus)> {
        let job = self.find_job(caller, access, target, job_id).await?;
        let doc = self.document_of(&job.tenant_id, job.id, document_id).await?;
        if !caller.is_delegated() && access.admin {
            // Pull-print apps (an application's reach over every job) replace a held job's payload only under their
            // own processing print task; an app printing its own job (app printing) uploads like its owner.
            self.ensure_app_may_modify(caller, &job).await?;
        }
        if let Transition::Refused(r) = transition(job.phase, JobEvent::UploadCompleted) {
            return Err(AppError::Refused(r));
        }
        if size < 1 || size as u64 > self.config.max_document_size {
            return Err(upload_error(
                UploadFailure::DocumentTooLarge,
                format!(
                    "The document size must be between 1 and {} bytes.",
                    self.config.max_document_size
                ),
            ));
        }
        let printer = self
            .store
            .get_printer(&job.tenant_id, &job.printer_id)
            .await?
            .ok_or_else(|| AppError::not_found("printer"))?;
        let supported = printer_content_types(&printer);
        // An OXPS upload to a PDF-only printer is converted after `start` while the tenant allows conversion
        // (`conversions.rs`); a printer that has not reported its formats yet accepts any.
        let conversion_enabled = self
            .store
            .get_settings(&job.tenant_id)
            .await?
            .is_some_and(|s| s.document_conversion_enabled);
        if let UploadFormat::Refused(why) = upload_format(&content_type, &supported, conversion_enabled) {
            return Err(AppError::bad_request(why));
        }
        let (token, token_sha256) = url_secret();
        let now = now_micros();
        let session = UploadSession {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: job.tenant_id.clone(),
            job_id: job.id,
            document_id: doc.id.clone(),
            token_sha256,
            document_name,
            content_type,
            size,
            created_at: now,
            expires_at: now + self.config.upload_session_lifetime.as_micros() as i64,
        };
        self.store.create_upload_session(&session).await?;
        let status = UploadStatus {
            expires_at: session.expires_at,
            next_expected_ranges: vec![format!("0-{}", size - 1)],
        };
        Ok((session, token, status))
    }

    pub(crate) async fn document_of(
        &self,
        tenant: &str,
        job_id: JobId,
        document_id: &str,
    ) -> Result<Document> {
        self.store
            .get_document(tenant, document_id)
            .await?
            .filter(|d| d.job_id == job_id)
            .ok_or_else(|| AppError::not_found("print document"))
    }

    /// The session named by an upload URL, if its secret matches and it has not expired.
    async fn authenticated_session(&self, session_id: &str, token: &str) -> Result<UploadSession> {
        let session = self
            .store
            .get_upload_session(session_id)
            .await?
            .ok_or_else(session_gone)?;
        if hash_token(token) != session.token_sha256 {
            return Err(upload_error(
                UploadFailure::InvalidCredential,
                "The upload URL's credential is not valid.".into(),
            ));
        }
        if session.expires_at <= now_micros() {
            self.discard_session(session_id).await?;
            return Err(session_gone());
        }
        Ok(session)
    }

    async fn discard_session(&self, session_id: &str) -> Result<()> {
        self.upload_hashers.forget(session_id);
        self.store.delete_upload_session(session_id).await?;
        Ok(())
    }

    pub async fn upload_status(&self, session_id: &str, token: &str) -> Result<UploadStatus> {
        let session = self.authenticated_session(session_id, token).await?;
        let ranges = self.store.upload_ranges(session_id).await?;
        Ok(UploadStatus {
            expires_at: session.expires_at,
            next_expected_ranges: missing_ranges(&ranges, session.size),
        })
    }

    pub async fn cancel_upload(&self, session_id: &str, token: &str) -> Result<()> {
        self.authenticated_session(session_id, token).await?;
        self.discard_session(session_id).await
    }

    /// One PUT to an upload URL.
    pub async fn put_range(
        &self,
        session_id: &str,
        token: &str,
        range: ContentRange,
        content_length: Option<u64>,
        body: ByteStream,
    ) -> Result<RangeOutcome> {
        let session = self.authenticated_session(session_id, token).await?;
        if range.total != session.size as u64 {
            return Err(upload_error(
                UploadFailure::FragmentLengthMismatch,
                format!(
                    "The Content-Range total {} differs from the session's document size {}.",
                    range.total, session.size
                ),
            ));
        }
        if range.len() > self.config.max_fragment_size {
            return Err(upload_error(
                UploadFailure::FragmentTooLarge,
                format!(
                    "Each fragment must be smaller than {} bytes.",
                    self.config.max_fragment_size + 1
                ),
            ));
        }
        if let Some(len) = content_length
            && len != range.len()
        {
            return Err(upload_error(
                UploadFailure::FragmentLengthMismatch,
                format!(
                    "Content-Length {len} does not match the Content-Range length {}.",
                    range.len()
                ),
            ));
        }
        let existing = self.store.upload_ranges(session_id).await?;
        if missing_ranges(&existing, session.size).is_empty() {
            // Every byte already arrived (an earlier completion was interrupted): finish now.
            return self
                .complete_upload(&session, &existing)
                .await
                .map(|d| RangeOutcome::Completed(Box::new(d)));
        }
        if existing
            .iter()
            .any(|r| r.first as u64 <= range.last && r.last as u64 >= range.first)
        {
            return Err(overlap());
        }
        // Bytes count against the user's upload limit once the range is known to be new; the slot (when uploads in
        // progress are limited) is held until the range is stored.
        let throttling = &self.config.throttling;
        let mut _slot = None;
        if throttling.upload_bytes_per_user.is_some() || throttling.concurrent_uploads_per_user.is_some() {
            let job = self
                .store
                .get_job(&session.tenant_id, session.job_id)
                .await?
                .ok_or_else(|| AppError::not_found("print job"))?;
            _slot = self.upload_slot(&job)?;
            self.charge_upload(&job, range.len()).await?;
        }
        let key = session_blob_key(&session);
        let reservation = uuid::Uuid::new_v4().simple().to_string();
        let part = self.blobs.part_key(&key, range.first, &reservation);
        let record = UploadRange {
            first: range.first as i64,
            last: range.last as i64,
            blob_key: part.clone(),
        };
        match self
            .store
            .reserve_upload_range(session_id, &record, &reservation, lease_until())
            .await?
        {
            AddRange::Overlap => return Err(overlap()),
            AddRange::SessionGone => return Err(session_gone()),
            AddRange::Added(_) => {}
        }
        // The lease is renewed while the bytes stream; if it cannot be, the write stops before it runs out (so
        // that a write whose range was taken over never touches the blob again).
        let lost = Arc::new(AtomicBool::new(false));
        let renewal = AbortOnDrop(tokio::spawn({
            let (store, lost) = (Arc::clone(&self.store), Arc::clone(&lost));
            let (session_id, reservation) = (session_id.to_string(), reservation.clone());
            async move {
                loop {
                    tokio::time::sleep(LEASE / 4).await;
                    if !matches!(
                        store
                            .renew_upload_range(&session_id, &reservation, lease_until())
                            .await,
                        Ok(true)
                    ) {
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            }
        }));
        let (hashing, body) = match self.upload_hashers.take(&session.id, range.first) {
            Some(hasher) => {
                let (hashing, body) = RangeHashing::start(hasher, range.len(), body);
                (Some(hashing), body)
            }
            None => (None, body),
        };
        let body = {
            let lost = Arc::clone(&lost);
            body.map(move |chunk| {
                if lost.load(Ordering::SeqCst) {
                    return Err(std::io::Error::other("the range's reservation was lost"));
                }
                chunk
            })
            .boxed()
        };
        let written = self
            .blobs
            .put_part(&key, &part, range.first, body, range.len())
            .await;
        drop(renewal);
        if let Err(e) = written {
            self.store
                .release_upload_range(session_id, &reservation, &part)
                .await?;
            if part != key {
                self.blobs.delete(&part).await?;
            }
            return Err(fragment_error(e));
        }
        match self
            .store
            .confirm_upload_range(session_id, &reservation, &part)
            .await?
        {
            AddRange::Overlap => {
                if part != key {
                    self.blobs.delete(&part).await?;
                }
                Err(overlap())
            }
            AddRange::SessionGone => Err(session_gone()),
            AddRange::Added(all) => {
                metrics::counter!("platen_upload_bytes_total").increment(range.len());
                if let Some(hashing) = hashing
                    && let Some(h) = hashing.finish().await
                {
                    self.upload_hashers.put_back(&session.id, range.last + 1, h);
                }
                let missing = missing_ranges(&all, session.size);
                if missing.is_empty() {
                    self.complete_upload(&session, &all)
                        .await
                        .map(|d| RangeOutcome::Completed(Box::new(d)))
                } else {
                    Ok(RangeOutcome::Partial(UploadStatus {
                        expires_at: session.expires_at,
                        next_expected_ranges: missing,
                    }))
                }
            }
        }
    }

    /// Makes the session's blob the document (no copy where the blob store can) and commits the document, the
    /// end of the session and the job's transition in one transaction.
    async fn complete_upload(&self, session: &UploadSession, ranges: &[UploadRange]) -> Result<Document> {
        let key = session_blob_key(session);
        let mut parts: Vec<String> = vec![];
        for r in ranges {
            if !parts.contains(&r.blob_key) {
                parts.push(r.blob_key.clone());
            }
        }
        let size = session.size as u64;
        let in_place = self.blobs.writes_in_place();
        let (key, stored) = if ranges.iter().any(|r| (r.blob_key == key) != in_place) {
            // Ranges laid out otherwise than this blob store writes them: a session begun before ranges were
            // written in place (its ranges are blobs under `uploads/`), or carried over by `migrate-store` from
            // another kind of store. Their bytes are gathered once, in order, into a blob of their own.
            let target = format!("{key}.assembled");
            let stored = self
                .blobs
                .put(&target, gather(&self.blobs, &key, ranges), size)
                .await?;
            (target, stored)
        } else {
            let sha = self.upload_hashers.finished(&session.id, size);
            let stored = self.blobs.finish_upload(&key, &parts, size, sha).await?;
            (key, stored)
        };
        if stored.size != size {
            return Err(AppError::Internal(format!(
                "assembled {} bytes, expected {}",
                stored.size, session.size
            )));
        }
        let tenant = &session.tenant_id;
        let doc = self
            .document_of(tenant, session.job_id, &session.document_id)
            .await?;
        let finished = Document {
            display_name: session.document_name.clone(),
            content_type: session.content_type.clone(),
            size: session.size,
            sha256: Some(stored.sha256_hex),
            uploaded_at: Some(now_micros()),
            blob_key: Some(key.clone()),
            ..doc
        };
        let job = self
            .store
            .get_job(tenant, session.job_id)
            .await?
            .ok_or_else(|| AppError::not_found("print job"))?;
        // A job that ended meanwhile keeps its phase; the bytes are still recorded for its history.
        let uploaded = Intent::new(JobEvent::UploadCompleted, "upload")
            .reason(Some("document uploaded".into()))
            .rides(Rides {
                upload: Some(FinishedUpload {
                    session_id: Some(session.id.clone()),
                    document: finished.clone(),
                }),
                ..Rides::default()
            })
            .otherwise(Otherwise::CommitRides { history: true });
        let outcome = self.change_job(job, uploaded).await?;
        // Ranges held apart (PostgreSQL, S3, old sessions) were listed as orphans when the session ended; their
        // bytes are in the document now (or were copied into it), so they go at once rather than at a sweep.
        let apart: Vec<String> = parts.into_iter().filter(|p| *p != key).collect();
        if !apart.is_empty() {
            let (blobs, store) = (Arc::clone(&self.blobs), Arc::clone(&self.store));
            tokio::spawn(async move {
                for p in &apart {
                    if let Err(e) = blobs.delete(p).await {
                        tracing::warn!(error = %e, "deleting an upload's range blob failed; the sweeper will");
                        return;
                    }
                }
                if let Err(e) = store.forget_orphan_blobs(&apart).await {
                    tracing::warn!(error = %e, "forgetting an upload's range blobs failed");
                }
            });
        }
        match outcome {
            Passage::Changed(_) | Passage::Unchanged(_) => Ok(finished),
            Passage::UploadSessionGone => {
                // Another request (a retried last range, maybe on another node) finished the session first, into
                // the same blob: the document is that one.
                let current = self
                    .document_of(tenant, session.job_id, &session.document_id)
                    .await?;
                match current.uploaded_at {
                    Some(_) if current.blob_key.is_some() => Ok(current),
                    _ => Err(session_gone()),
                }
            }
            Passage::TaskEnded(_) => Err(AppError::Internal("an upload closed a print task".into())),
        }
    }

    /// Opens a document's bytes for download (`$value`).
    pub async fn get_document(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
        document_id: &str,
    ) -> Result<Document> {
        let job = self.find_job(caller, access, target, job_id).await?;
        self.document_of(&job.tenant_id, job.id, document_id).await
    }

    pub async fn list_documents(
        &self,
        caller: &Caller,
        access: &Access,
        target: &JobTarget,
        job_id: &str,
    ) -> Result<Vec<Document>> {
        let job = self.find_job(caller, access, target, job_id).await?;
        Ok(self.store.list_documents(&job.tenant_id, job.id).await?)
    }
}

/// The blob an upload session's ranges are written into, which becomes its document's blob. The store derives
/// the same key (`sql/documents.rs`, `SESSION_BLOB_KEY`) to list it as an orphan when the session ends unfinished.
pub(crate) fn session_blob_key(session: &UploadSession) -> String {
    format!("documents/{}/{}", session.document_id, session.id)
}

/// The bytes of `ranges` (sorted, covering the document), each read from where it was written: at its offset of
/// the session's blob `key`, or from the start of a blob of its own.
fn gather(blobs: &Arc<dyn platen_blob::BlobStore>, key: &str, ranges: &[UploadRange]) -> ByteStream {
    let (blobs, key) = (Arc::clone(blobs), key.to_string());
    futures::stream::iter(ranges.to_vec())
        .then(move |r| {
            let (blobs, key) = (Arc::clone(&blobs), key.clone());
            async move {
                let len = (r.last - r.first + 1) as u64;
                let from = if r.blob_key == key { r.first as u64 } else { 0 };
                blobs
                    .get_range(&r.blob_key, from, len)
                    .await
                    .map_err(std::io::Error::other)
            }
        })
        .try_flatten()
        .boxed()
}

/// How long a range's reservation lasts without renewal (renewed every quarter of it while the bytes stream).
const LEASE: Duration = Duration::from_secs(60);

fn lease_until() -> Micros {
    now_micros() + LEASE.as_micros() as i64
}

/// Aborts the task when dropped (the request ended, however).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn fragment_error(e: platen_blob::BlobError) -> AppError {
    match e {
        platen_blob::BlobError::Source(m) => upload_error(
            UploadFailure::FragmentLengthMismatch,
            format!("The fragment body could not be read completely: {m}."),
        ),
        other => other.into(),
    }
}

fn overlap() -> AppError {
    upload_error(
        UploadFailure::FragmentOverlap,
        "The fragment overlaps bytes that were already received.".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AppConfig;
    use bytes::Bytes;
    use platen_blob::LocalDisk;
    use platen_domain::job::JobPhase;
    use platen_domain::records::JobEventRecord;
    use platen_pki::CertificateAuthority;
    use platen_store::conformance::{document, job};
    use platen_store::sql::SqlStore;

    const T: &str = "t-up";

    /// An app on SQLite and local disk in `dir`, with a job of `size` bytes awaiting its upload: the session and
    /// its URL's token.
    async fn app_with_session(dir: &std::path::Path, size: i64) -> (App, UploadSession, String) {
        let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
        let store = SqlStore::open(&url).await.unwrap();
        let blobs = LocalDisk::open(dir.join("blobs")).await.unwrap();
        let ca = CertificateAuthority::load_or_create(&dir.join("ca")).unwrap();
        let app = App::new(
            Arc::new(store),
            Arc::new(blobs),
            Arc::new(ca),
            AppConfig::default(),
        );
        let created = JobEventRecord {
            at: now_micros(),
            phase: JobPhase::UploadPending,
            actor: "test".into(),
            reason: None,
        };
        let (job, doc) = app
            .store
            .create_job(&job(T, "p", "u"), &document(T, "d1"), &created)
            .await
            .unwrap();
        let (token, token_sha256) = url_secret();
        let session = UploadSession {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: T.into(),
            job_id: job.id,
            document_id: doc.id,
            token_sha256,
            document_name: "a.pdf".into(),
            content_type: "application/pdf".into(),
            size,
            created_at: now_micros(),
            expires_at: now_micros() + 3_600_000_000,
        };
        app.store.create_upload_session(&session).await.unwrap();
        (app, session, token)
    }

    fn range(first: u64, last: u64, total: u64) -> ContentRange {
        ContentRange { first, last, total }
    }

    fn body(data: &[u8]) -> ByteStream {
        futures::stream::iter(vec![Ok(Bytes::copy_from_slice(data))]).boxed()
    }

    #[tokio::test]
    async fn an_overlapping_range_is_refused_before_it_writes_a_byte() {
        let dir = tempfile::tempdir().unwrap();
        let (app, session, token) = app_with_session(dir.path(), 100).await;
        // A PUT whose body is still arriving holds its range.
        let (tx, rx) = futures::channel::mpsc::unbounded::<std::io::Result<Bytes>>();
        let slow = {
            let (app, id, token) = (app.clone(), session.id.clone(), token.clone());
            tokio::spawn(async move {
                app.put_range(&id, &token, range(0, 49, 100), None, rx.boxed())
                    .await
            })
        };
        tx.unbounded_send(Ok(Bytes::from(vec![b'a'; 10]))).unwrap();
        // Its file exists once its range is reserved.
        let file = dir.path().join("blobs").join(session_blob_key(&session));
        for _ in 0..500 {
            if file.exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let refused = app
            .put_range(&session.id, &token, range(40, 59, 100), None, body(&[b'X'; 20]))
            .await;
        assert!(
            matches!(
                refused,
                Err(AppError::Upload {
                    failure: UploadFailure::FragmentOverlap,
                    ..
                })
            ),
            "{refused:?}"
        );
        tx.unbounded_send(Ok(Bytes::from(vec![b'a'; 40]))).unwrap();
        drop(tx);
        let done = slow.await.unwrap().unwrap();
        assert!(matches!(done, RangeOutcome::Partial(ref s) if s.next_expected_ranges == vec!["50-99"]));
        let file = dir.path().join("blobs").join(session_blob_key(&session));
        assert_eq!(
            std::fs::read(&file).unwrap(),
            vec![b'a'; 50],
            "the refused range wrote nothing"
        );
    }

    /// A session begun before ranges were written in place (a range stored as a blob of its own under
    /// `uploads/`) takes its remaining ranges in place and is gathered once at completion; nothing is left.
    #[tokio::test]
    async fn a_session_with_ranges_of_the_old_layout_completes() {
        let dir = tempfile::tempdir().unwrap();
        let (app, session, token) = app_with_session(dir.path(), 10).await;
        let piece = format!("uploads/{}/0-3-x", session.id);
        app.blobs.put(&piece, body(b"0123"), 4).await.unwrap();
        let old = UploadRange {
            first: 0,
            last: 3,
            blob_key: piece.clone(),
        };
        assert!(matches!(
            app.store.add_upload_range(&session.id, &old).await.unwrap(),
            AddRange::Added(_)
        ));
        let done = app
            .put_range(&session.id, &token, range(4, 9, 10), Some(6), body(b"456789"))
            .await
            .unwrap();
        let RangeOutcome::Completed(doc) = done else {
            panic!("not completed")
        };
        assert_eq!(
            doc.sha256.as_deref(),
            Some(hex::encode(Sha256::digest(b"0123456789")).as_str())
        );
        let key = doc.blob_key.clone().unwrap();
        let (_, mut st) = app.blobs.get(&key).await.unwrap();
        let mut got = vec![];
        while let Some(c) = st.next().await {
            got.extend_from_slice(&c.unwrap());
        }
        assert_eq!(got, b"0123456789");
        // The piece and the session's own blob go right after the commit (in the background): first the files,
        // then their orphan rows, so wait for both.
        for _ in 0..100 {
            if !dir.path().join("blobs/uploads").exists()
                && !dir.path().join("blobs").join(session_blob_key(&session)).exists()
                && app.store.orphan_blobs(10).await.unwrap().is_empty()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!dir.path().join("blobs/uploads").exists());
        assert!(!dir.path().join("blobs").join(session_blob_key(&session)).exists());
        assert!(app.store.orphan_blobs(10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_expired_sessions_partial_file_is_swept() {
        let dir = tempfile::tempdir().unwrap();
        let (app, session, token) = app_with_session(dir.path(), 100).await;
        app.put_range(&session.id, &token, range(60, 99, 100), None, body(&[7; 40]))
            .await
            .unwrap();
        let file = dir.path().join("blobs").join(session_blob_key(&session));
        assert_eq!(std::fs::metadata(&file).unwrap().len(), 100);
        // Expired: the sweeper ends the session and deletes its file, and the directories it leaves empty.
        app.store
            .create_upload_session(&UploadSession {
                expires_at: 1,
                ..session.clone()
            })
            .await
            .unwrap();
        // (Recreating replaced the first session: its file is an orphan already.)
        let (sessions, blobs) = app.sweep().await.unwrap();
        assert_eq!((sessions, blobs), (1, 1));
        assert!(!file.exists());
        assert!(!dir.path().join("blobs/documents").exists());
        assert_eq!(app.sweep().await.unwrap(), (0, 0));
    }

    #[test]
    fn content_range_forms() {
        assert_eq!(
            ContentRange::parse("bytes 0-9/20").unwrap(),
            ContentRange {
                first: 0,
                last: 9,
                total: 20
            }
        );
        assert_eq!(ContentRange::parse("bytes=0-72796/4533322").unwrap().last, 72796);
        for bad in [
            "",
            "bytes 9-0/20",
            "bytes 0-20/20",
            "bytes a-b/c",
            "bytes 0-1",
            "items 0-1/2",
            "bytes -1-2/3",
        ] {
            assert!(ContentRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn gaps() {
        let r = |a, b| UploadRange {
            first: a,
            last: b,
            blob_key: String::new(),
        };
        assert_eq!(missing_ranges(&[], 10), vec!["0-9"]);
        assert_eq!(missing_ranges(&[r(2, 3), r(6, 9)], 10), vec!["0-1", "4-5"]);
        assert!(missing_ranges(&[r(0, 4), r(5, 9)], 10).is_empty());
    }
}
