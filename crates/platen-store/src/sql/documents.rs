//! Documents and resumable upload sessions. Ranges are recorded under the session row's lock so that
//! overlap checks hold across concurrent PUTs and across nodes.

use super::SqlStore;
use super::bind::{audited, placeholders};
use super::exec::{Exec, ToParam, params};
use super::group_commit::BatchedWrite;
use super::rows::{self, Columns, DOCUMENT_COLUMNS, to_json};
use crate::{AddRange, DocumentStore, Result};
use async_trait::async_trait;
use platen_domain::JobId;
use platen_domain::TenantId;
use platen_domain::records::{Document, DocumentConversion, DownloadTicket, UploadRange, UploadSession};
use platen_domain::time::{Micros, now_micros};
use platen_odata::Dialect;

pub(crate) async fn insert<E: Exec>(tx: &mut E, d: &Document) -> Result<()> {
    tx.execute(
        "INSERT INTO documents (tenant_id, id, job_id, display_name, content_type, size, sha256, uploaded_at, \
         downloaded_at, blob_key, configuration, converted_content_type, converted_size, converted_sha256, \
         converted_blob_key) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
        params![
            d.tenant_id.as_str(),
            d.id,
            d.job_id.get(),
            d.display_name,
            d.content_type,
            d.size,
            d.sha256,
            d.uploaded_at,
            d.downloaded_at,
            d.blob_key,
            d.configuration.as_ref().map(to_json),
            d.converted.as_ref().map(|c| c.content_type.clone()),
            d.converted.as_ref().map(|c| c.size),
            d.converted.as_ref().map(|c| c.sha256.clone()),
            d.converted.as_ref().map(|c| c.blob_key.clone()),
        ],
    )
    .await?;
    Ok(())
}

/// Gives a document its converted payload inside a job change's transaction (the change that makes the job
/// fetchable). A payload it had before (a conversion run twice after a restart) becomes an orphan.
pub(crate) async fn convert_in<E: Exec>(tx: &mut E, tenant: &TenantId, c: &DocumentConversion) -> Result<()> {
    tx.execute(
        "INSERT INTO orphan_blobs (blob_key, since) SELECT converted_blob_key, $3 FROM documents \
         WHERE tenant_id = $1 AND id = $2 AND converted_blob_key IS NOT NULL ON CONFLICT DO NOTHING",
        params![tenant.as_str(), c.document_id, now_micros()],
    )
    .await?;
    tx.execute(
        "UPDATE documents SET converted_content_type=$3, converted_size=$4, converted_sha256=$5, \
         converted_blob_key=$6 WHERE tenant_id=$1 AND id=$2",
        params![
            tenant.as_str(),
            c.document_id,
            c.payload.content_type,
            c.payload.size,
            c.payload.sha256,
            c.payload.blob_key,
        ],
    )
    .await?;
    tx.execute(
        "DELETE FROM orphan_blobs WHERE blob_key = $1",
        params![c.payload.blob_key],
    )
    .await?;
    Ok(())
}

/// What a write of an upload session's ranges does.
#[derive(Clone)]
enum RangeWrite {
    /// A range received whole (stored apart).
    Add { range: UploadRange },
    /// A range about to be written in place, under a lease.
    Reserve {
        range: UploadRange,
        reservation: String,
        lease_until: Micros,
    },
    /// The reserved range was written: it counts as received.
    Confirm { reservation: String, part_key: String },
}

/// A write of one session's ranges.
#[derive(Clone)]
struct SessionRanges<W> {
    session_id: String,
    write: W,
}

/// Whether the session exists; on PostgreSQL its row is locked until the transaction ends, so that concurrent PUTs
/// of one session (on any node) check overlaps one at a time. SQLite has a single writer, which serialises them.
async fn session_exists<E: Exec>(conn: &mut E, session_id: &str, dialect: Dialect) -> Result<bool> {
    let sql = match dialect {
        Dialect::Postgres => "SELECT id FROM upload_sessions WHERE id = $1 FOR UPDATE",
        Dialect::Sqlite => "SELECT id FROM upload_sessions WHERE id = $1",
    };
    let found = conn.fetch_optional(sql, params![session_id], |_| Ok(())).await?;
    Ok(found.is_some())
}

impl BatchedWrite for SessionRanges<RangeWrite> {
    /// The session's ranges after the write.
    type Out = AddRange;
    async fn run<E: Exec>(&self, conn: &mut E, dialect: Dialect) -> Result<AddRange> {
        let session_id = self.session_id.as_str();
        let exists = session_exists(conn, session_id, dialect).await?;
        write_range_in(conn, session_id, &self.write, exists).await
    }
}

async fn write_range_in<E: Exec>(
    conn: &mut E,
    session_id: &str,
    write: &RangeWrite,
    exists: bool,
) -> Result<AddRange> {
    match write {
        RangeWrite::Add { range } => {
            if let Some(refused) = refusal(conn, exists, session_id, range).await? {
                return Ok(refused);
            }
            conn.execute(
                "INSERT INTO upload_ranges (session_id, first_byte, last_byte, blob_key) VALUES ($1,$2,$3,$4)",
                params![session_id, range.first, range.last, range.blob_key],
            )
            .await?;
        }
        RangeWrite::Reserve {
            range,
            reservation,
            lease_until,
        } => {
            if let Some(refused) = refusal(conn, exists, session_id, range).await? {
                return Ok(refused);
            }
            // Reservations whose lease ran out and that this one overlaps are taken over.
            conn.execute(
                "DELETE FROM upload_ranges WHERE session_id = $1 AND first_byte <= $3 AND last_byte >= $2 \
                 AND pending_until IS NOT NULL AND pending_until <= $4",
                params![session_id, range.first, range.last, now_micros()],
            )
            .await?;
            conn.execute(
                "INSERT INTO upload_ranges (session_id, first_byte, last_byte, blob_key, pending_until, \
                 reservation) VALUES ($1,$2,$3,$4,$5,$6)",
                params![
                    session_id,
                    range.first,
                    range.last,
                    range.blob_key,
                    *lease_until,
                    reservation
                ],
            )
            .await?;
        }
        RangeWrite::Confirm {
            reservation,
            part_key,
        } => {
            if !exists {
                orphan(conn, part_key).await?;
                return Ok(AddRange::SessionGone);
            }
            let done = conn
                .execute(
                    "UPDATE upload_ranges SET pending_until = NULL WHERE session_id = $1 AND reservation = $2 \
                     AND pending_until IS NOT NULL",
                    params![session_id, reservation],
                )
                .await?;
            if done == 0 {
                // Taken over by another write after this one's lease ran out.
                return Ok(AddRange::Overlap);
            }
        }
    }
    Ok(AddRange::Added(ranges_in(conn, session_id).await?))
}

/// Why a new range is not taken, if it is not: its session is gone, or it overlaps a range received or reserved
/// under a lease still running.
async fn refusal<E: Exec>(
    conn: &mut E,
    exists: bool,
    session_id: &str,
    range: &UploadRange,
) -> Result<Option<AddRange>> {
    if !exists {
        return Ok(Some(AddRange::SessionGone));
    }
    let overlapping = conn
        .fetch_optional(
            "SELECT COUNT(*) AS n FROM upload_ranges WHERE session_id = $1 AND first_byte <= $3 \
             AND last_byte >= $2 AND (pending_until IS NULL OR pending_until > $4)",
            params![session_id, range.first, range.last, now_micros()],
            |row| rows::int(row, "n"),
        )
        .await?;
    Ok((overlapping.unwrap_or(0) > 0).then_some(AddRange::Overlap))
}

/// A reserved range that was not written: the reservation goes (its blob too, if the session went meanwhile).
#[derive(Clone)]
struct ReleaseRange {
    reservation: String,
    part_key: String,
}

impl BatchedWrite for SessionRanges<ReleaseRange> {
    type Out = ();
    async fn run<E: Exec>(&self, conn: &mut E, dialect: Dialect) -> Result<()> {
        let session_id = self.session_id.as_str();
        if !session_exists(conn, session_id, dialect).await? {
            orphan(conn, &self.write.part_key).await?;
        }
        conn.execute(
            "DELETE FROM upload_ranges WHERE session_id = $1 AND reservation = $2 AND pending_until IS NOT NULL",
            params![session_id, self.write.reservation],
        )
        .await?;
        Ok(())
    }
}

async fn orphan<E: Exec>(conn: &mut E, key: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO orphan_blobs (blob_key, since) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        params![key, now_micros()],
    )
    .await?;
    Ok(())
}

/// The blob an upload session writes its ranges into, which becomes its document's: the same expression as
/// `platen_app::uploads::session_blob_key`.
const SESSION_BLOB_KEY: &str = "'documents/' || document_id || '/' || id";

#[async_trait]
impl DocumentStore for SqlStore {
    async fn list_documents(&self, tenant: &str, job_id: JobId) -> Result<Vec<Document>> {
        self.documents_of_jobs(tenant, &[job_id]).await
    }

    async fn documents_of_jobs(&self, tenant: &str, job_ids: &[JobId]) -> Result<Vec<Document>> {
        if job_ids.is_empty() {
            return Ok(vec![]);
        }
        // A page is at most a few hundred jobs: one placeholder each, through `documents_by_job`.
        let placeholders = placeholders(2, job_ids.len());
        let sql = format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.tenant_id = $1 AND d.job_id IN ({}) \
             ORDER BY d.job_id, d.id",
            placeholders
        );
        let mut values = params![tenant];
        values.extend(job_ids.iter().map(|id| id.get().to_param()));
        self.lookup_all(&sql, values, |row| rows::document(row)).await
    }

    async fn get_document(&self, tenant: &str, id: &str) -> Result<Option<Document>> {
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.tenant_id = $1 AND d.id = $2");
        self.lookup(&sql, params![tenant, id], |row| rows::document(row))
            .await
    }

    async fn mark_document_downloaded(&self, tenant: &str, id: &str, at: Micros) -> Result<()> {
        sqlx::query("UPDATE documents SET downloaded_at = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .bind(at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn create_upload_session(&self, u: &UploadSession) -> Result<()> {
        self.batched_write(NewSession(u.clone())).await
    }

    async fn get_upload_session(&self, id: &str) -> Result<Option<UploadSession>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM upload_sessions WHERE id = $1");
        self.lookup(&sql, params![id], |row| rows::upload_session(row))
            .await
    }

    async fn upload_ranges(&self, session_id: &str) -> Result<Vec<UploadRange>> {
        self.lookup_all(RANGES_SQL, params![session_id], |r| range_row(r))
            .await
    }

    async fn add_upload_range(&self, session_id: &str, range: &UploadRange) -> Result<AddRange> {
        let write = RangeWrite::Add { range: range.clone() };
        self.batched_write(ranges_of(session_id, write)).await
    }

    async fn reserve_upload_range(
        &self,
        session_id: &str,
        range: &UploadRange,
        reservation: &str,
        lease_until: Micros,
    ) -> Result<AddRange> {
        let write = RangeWrite::Reserve {
            range: range.clone(),
            reservation: reservation.to_string(),
            lease_until,
        };
        self.batched_write(ranges_of(session_id, write)).await
    }

    async fn renew_upload_range(
        &self,
        session_id: &str,
        reservation: &str,
        lease_until: Micros,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE upload_ranges SET pending_until = $3 WHERE session_id = $1 AND reservation = $2 \
             AND pending_until IS NOT NULL",
        )
        .bind(session_id)
        .bind(reservation)
        .bind(lease_until)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn confirm_upload_range(
        &self,
        session_id: &str,
        reservation: &str,
        part_key: &str,
    ) -> Result<AddRange> {
        let write = RangeWrite::Confirm {
            reservation: reservation.to_string(),
            part_key: part_key.to_string(),
        };
        self.batched_write(ranges_of(session_id, write)).await
    }

    async fn release_upload_range(&self, session_id: &str, reservation: &str, part_key: &str) -> Result<()> {
        let write = ReleaseRange {
            reservation: reservation.to_string(),
            part_key: part_key.to_string(),
        };
        self.batched_write(ranges_of(session_id, write)).await
    }

    async fn delete_upload_session(&self, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let gone = drop_session(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(gone)
    }

    async fn expired_upload_sessions(&self, now: Micros, limit: u32) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(audited(&format!(
            "SELECT id FROM upload_sessions WHERE expires_at < $1 ORDER BY expires_at LIMIT {}",
            limit.max(1)
        )))
        .bind(now)
        .fetch_all(&self.read)
        .await?)
    }

    async fn orphan_blobs(&self, limit: u32) -> Result<Vec<String>> {
        // A redirect makes two documents share one blob: a blob still referenced is not an orphan after all.
        // One bounded batch, oldest first, each checked by index lookups (no scan of documents on the writer).
        let limit = limit.max(1);
        sqlx::query(audited(&format!(
            "DELETE FROM orphan_blobs WHERE blob_key IN (SELECT batch.blob_key FROM \
             (SELECT blob_key FROM orphan_blobs ORDER BY since LIMIT {limit}) batch \
             WHERE EXISTS (SELECT 1 FROM documents d WHERE d.blob_key = batch.blob_key) \
             OR EXISTS (SELECT 1 FROM documents d WHERE d.converted_blob_key = batch.blob_key))"
        )))
        .execute(&self.write)
        .await?;
        Ok(sqlx::query_scalar(audited(&format!(
            "SELECT blob_key FROM orphan_blobs ORDER BY since LIMIT {limit}"
        )))
        .fetch_all(&self.read)
        .await?)
    }

    async fn forget_orphan_blobs(&self, keys: &[String]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for k in keys {
            sqlx::query("DELETE FROM orphan_blobs WHERE blob_key = $1")
                .bind(k)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_document_configuration(
        &self,
        tenant: &str,
        document_id: &str,
        job_id: JobId,
        job_version: i64,
        configuration: Option<&serde_json::Value>,
    ) -> Result<bool> {
        // Only while the job is the version the caller decided on: a start (which bumps it) wins the race.
        let done = sqlx::query(
            "UPDATE documents SET configuration = $1 WHERE tenant_id = $2 AND id = $3 AND job_id = $4 \
             AND EXISTS (SELECT 1 FROM jobs j WHERE j.tenant_id = $2 AND j.id = $4 AND j.version = $5)",
        )
        .bind(configuration.map(to_json))
        .bind(tenant)
        .bind(document_id)
        .bind(job_id.get())
        .bind(job_version)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn create_download_ticket(&self, t: &DownloadTicket) -> Result<()> {
        sqlx::query(
            "INSERT INTO download_tickets (id, tenant_id, document_id, token_sha256, expires_at) \
             VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(&t.id)
        .bind(t.tenant_id.as_str())
        .bind(&t.document_id)
        .bind(&t.token_sha256)
        .bind(t.expires_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn get_download_ticket(&self, id: &str) -> Result<Option<DownloadTicket>> {
        let row: Option<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, tenant_id, document_id, token_sha256, expires_at FROM download_tickets WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(
            |(id, tenant, document_id, token_sha256, expires_at)| DownloadTicket {
                id,
                tenant_id: TenantId::new(tenant),
                document_id,
                token_sha256,
                expires_at,
            },
        ))
    }

    async fn purge_download_tickets(&self, now: Micros, limit: u32) -> Result<u64> {
        let done = sqlx::query(audited(&format!(
            "DELETE FROM download_tickets WHERE id IN \
             (SELECT id FROM download_tickets WHERE expires_at < $1 ORDER BY expires_at LIMIT {})",
            limit.max(1)
        )))
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }
}

fn ranges_of<W>(session_id: &str, write: W) -> SessionRanges<W> {
    SessionRanges {
        session_id: session_id.to_string(),
        write,
    }
}

/// A new upload session, replacing the document's session if it has one.
#[derive(Clone)]
struct NewSession(UploadSession);

impl BatchedWrite for NewSession {
    type Out = ();
    async fn run<E: Exec>(&self, conn: &mut E, dialect: Dialect) -> Result<()> {
        create_session_in(conn, &self.0, dialect).await
    }
}

/// Replaces the document's upload session (if any) by `u`. On PostgreSQL sessions of one document are created one
/// at a time (the document row's lock), so a racing createUploadSession replaces the other's session instead of
/// failing on the one-per-document index; SQLite's single writer serialises them already.
async fn create_session_in<E: Exec>(conn: &mut E, u: &UploadSession, dialect: Dialect) -> Result<()> {
    let document = params![u.tenant_id.as_str(), u.document_id];
    if dialect == Dialect::Postgres {
        conn.fetch_optional(
            "SELECT id FROM documents WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
            document.clone(),
            |_| Ok(()),
        )
        .await?;
    }
    // At most one session per document exists (a unique index); each one dropped is read again until none is left.
    while let Some(previous) = conn
        .fetch_optional(
            "SELECT id FROM upload_sessions WHERE tenant_id = $1 AND document_id = $2 LIMIT 1",
            document.clone(),
            |row| rows::text(row, "id"),
        )
        .await?
    {
        if !drop_session(conn, &previous).await? {
            break;
        }
    }
    conn.execute(
        "INSERT INTO upload_sessions (id, tenant_id, job_id, document_id, token_sha256, document_name, \
         content_type, size, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        params![
            u.id,
            u.tenant_id.as_str(),
            u.job_id.get(),
            u.document_id,
            u.token_sha256,
            u.document_name,
            u.content_type,
            u.size,
            u.created_at,
            u.expires_at
        ],
    )
    .await?;
    Ok(())
}

/// Moves a session's blobs (the one its ranges are written into, and any range held apart) to the orphan list
/// and deletes the session's rows.
async fn drop_session<E: Exec>(tx: &mut E, session_id: &str) -> Result<bool> {
    tx.execute(
        &format!(
            "INSERT INTO orphan_blobs (blob_key, since) SELECT {SESSION_BLOB_KEY}, $2 FROM upload_sessions \
             WHERE id = $1 UNION SELECT blob_key, $2 FROM upload_ranges WHERE session_id = $1 ON CONFLICT DO NOTHING"
        ),
        params![session_id, now_micros()],
    )
    .await?;
    tx.execute(
        "DELETE FROM upload_ranges WHERE session_id = $1",
        params![session_id],
    )
    .await?;
    let done = tx
        .execute("DELETE FROM upload_sessions WHERE id = $1", params![session_id])
        .await?;
    Ok(done > 0)
}

const SESSION_COLUMNS: &str = "id, tenant_id, job_id, document_id, token_sha256, document_name, content_type, size, created_at, expires_at";

/// A session's received ranges, in order (reservations still streaming are not received).
const RANGES_SQL: &str = "SELECT first_byte, last_byte, blob_key FROM upload_ranges WHERE session_id = $1 \
     AND pending_until IS NULL ORDER BY first_byte";

fn range_row<R: Columns + ?Sized>(r: &R) -> Result<UploadRange> {
    Ok(UploadRange {
        first: rows::int(r, "first_byte")?,
        last: rows::int(r, "last_byte")?,
        blob_key: rows::text(r, "blob_key")?,
    })
}

async fn ranges_in<E: Exec>(conn: &mut E, session_id: &str) -> Result<Vec<UploadRange>> {
    conn.fetch_all(RANGES_SQL, params![session_id], |r| range_row(r))
        .await
}

/// Ends an upload session inside a job change's transaction and gives the document its bytes. False (nothing
/// written) when the session is gone: the session's row decides who finishes it, so a request that raced
/// another one to the last range (on PostgreSQL, possibly on another node) writes nothing and the document and
/// the job's history record the upload once.
pub(crate) async fn finish_in<E: Exec>(tx: &mut E, session_id: Option<&str>, d: &Document) -> Result<bool> {
    if let Some(session_id) = session_id
        && !drop_session(tx, session_id).await?
    {
        return Ok(false);
    }
    // The document's previous payload (an app replacing a held job's payload) becomes an orphan.
    tx.execute(
        "INSERT INTO orphan_blobs (blob_key, since) SELECT blob_key, $3 FROM documents \
         WHERE tenant_id = $1 AND id = $2 AND blob_key IS NOT NULL ON CONFLICT DO NOTHING",
        params![d.tenant_id.as_str(), d.id, now_micros()],
    )
    .await?;
    tx.execute(
        "UPDATE documents SET display_name=$3, content_type=$4, size=$5, sha256=$6, uploaded_at=$7, blob_key=$8 \
         WHERE tenant_id=$1 AND id=$2",
        params![
            d.tenant_id.as_str(),
            d.id,
            d.display_name,
            d.content_type,
            d.size,
            d.sha256,
            d.uploaded_at,
            d.blob_key,
        ],
    )
    .await?;
    if let Some(key) = &d.blob_key {
        tx.execute("DELETE FROM orphan_blobs WHERE blob_key = $1", params![key])
            .await?;
    }
    Ok(true)
}
