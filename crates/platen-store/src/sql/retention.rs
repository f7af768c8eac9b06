//! Retention: the document bytes of jobs that ended long enough ago, then the job records themselves, in
//! bounded batches through partial indexes of finished jobs (never a scan of all jobs, never a long hold of the
//! writer). Bytes go the usual way of unreferenced blobs: their keys are listed in `orphan_blobs` in the same
//! transaction and the sweeper deletes them. Reports do not read jobs (archived jobs and usage rollups are
//! tables of their own), so they keep their numbers.

use super::SqlStore;
use super::bind::{audited, placeholders};
use crate::{PurgeScope, Result, RetentionStore};
use async_trait::async_trait;
use platen_domain::time::{Micros, now_micros};
use sqlx::Row;

/// The partial indexes a batch is picked through: finished jobs whose bytes are still stored, or all finished jobs.
#[derive(Clone, Copy)]
enum Finished {
    WithBytes,
    All,
}

impl Finished {
    fn condition(self) -> &'static str {
        match self {
            Finished::WithBytes => " AND document_bytes_purged_at IS NULL",
            Finished::All => "",
        }
    }

    /// The index for `scope` (by printer for one printer's jobs).
    fn index(self, scope: &PurgeScope) -> &'static str {
        match (self, scope) {
            (Finished::WithBytes, PurgeScope::Printer(_)) => "jobs_finished_with_bytes_by_printer",
            (Finished::WithBytes, _) => "jobs_finished_with_bytes",
            (Finished::All, PurgeScope::Printer(_)) => "jobs_finished_by_printer",
            (Finished::All, _) => "jobs_finished",
        }
    }
}

/// Finished jobs of `scope`, `(tenant, id)`, oldest first, picked through one of the partial indexes.
///
/// SQLite is told which (`INDEXED BY`): both indexes match the query and have the same columns, and with
/// statistics taken before a purge (or none) its planner may walk `jobs_finished`, skipping every job whose bytes
/// are already gone: each batch then costs the whole purge so far (20 ms per batch after 150,000 purged, and
/// growing, instead of well under a millisecond). PostgreSQL's planner weighs the partial indexes' sizes itself.
async fn finished_jobs(
    store: &SqlStore,
    which: Finished,
    scope: &PurgeScope,
    before: Micros,
    limit: u32,
) -> Result<Vec<(String, i64)>> {
    let extra = which.condition();
    let hint = match store.dialect {
        platen_odata::Dialect::Sqlite => format!(" INDEXED BY {}", which.index(scope)),
        platen_odata::Dialect::Postgres => String::new(),
    };
    let printers: &[String] = match scope {
        PurgeScope::All => &[],
        PurgeScope::Printer(p) => std::slice::from_ref(p),
        PurgeScope::Except(ps) => ps,
    };
    let in_scope = match scope {
        PurgeScope::All => String::new(),
        PurgeScope::Printer(_) => " AND printer_id = $2".to_string(),
        PurgeScope::Except(ps) if ps.is_empty() => String::new(),
        PurgeScope::Except(ps) => format!(" AND printer_id NOT IN ({})", placeholders(2, ps.len())),
    };
    let sql = format!(
        "SELECT tenant_id, id FROM jobs{hint} WHERE completed_at IS NOT NULL AND completed_at < $1{extra}{in_scope} \
         ORDER BY completed_at, tenant_id, id LIMIT {}",
        limit.max(1)
    );
    let mut q = sqlx::query(audited(&sql)).bind(before);
    for p in printers {
        q = q.bind(p.as_str());
    }
    let rows = q.fetch_all(&store.read).await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<String, _>("tenant_id")?, r.try_get::<i64, _>("id")?)))
        .collect()
}

/// `tenant_id = $1 AND <column> IN ($2, …)` over one tenant's share of a batch.
fn of_jobs(column: &str, count: usize) -> String {
    format!("tenant_id = $1 AND {column} IN ({})", placeholders(2, count))
}

/// Runs `sql` for one tenant's jobs of a batch: `$1` is the tenant, `$2…` the job ids, then `now` if given.
async fn for_jobs(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: &str,
    tenant: &str,
    ids: &[i64],
    now: Option<Micros>,
) -> Result<()> {
    let mut q = bind_jobs(sqlx::query(audited(sql)), tenant, ids);
    if let Some(at) = now {
        q = q.bind(at);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Lists the stored bytes (uploaded and converted) of these jobs' documents as orphans: the sweeper deletes them.
async fn orphan_bytes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &str,
    ids: &[i64],
    now: Micros,
) -> Result<()> {
    for column in ["blob_key", "converted_blob_key"] {
        let sql = format!(
            "INSERT INTO orphan_blobs (blob_key, since) SELECT {column}, ${} FROM documents \
             WHERE {} AND {column} IS NOT NULL ON CONFLICT DO NOTHING",
            ids.len() + 2,
            of_jobs("job_id", ids.len())
        );
        for_jobs(tx, &sql, tenant, ids, Some(now)).await?;
    }
    Ok(())
}

#[async_trait]
impl RetentionStore for SqlStore {
    async fn purge_document_bytes(
        &self,
        scope: &PurgeScope,
        ended_before: Micros,
        limit: u32,
    ) -> Result<u64> {
        let batch = finished_jobs(self, Finished::WithBytes, scope, ended_before, limit).await?;
        let now = now_micros();
        let mut tx = self.write.begin().await?;
        for (tenant, ids) in by_tenant(&batch) {
            orphan_bytes(&mut tx, tenant, &ids, now).await?;
            let sql = format!(
                "UPDATE documents SET blob_key = NULL, converted_blob_key = NULL, purged_at = ${} WHERE {} \
                 AND (blob_key IS NOT NULL OR converted_blob_key IS NOT NULL)",
                ids.len() + 2,
                of_jobs("job_id", ids.len())
            );
            for_jobs(&mut tx, &sql, tenant, &ids, Some(now)).await?;
            let sql = format!(
                "UPDATE jobs SET document_bytes_purged_at = ${} WHERE {}",
                ids.len() + 2,
                of_jobs("id", ids.len())
            );
            for_jobs(&mut tx, &sql, tenant, &ids, Some(now)).await?;
        }
        tx.commit().await?;
        Ok(batch.len() as u64)
    }

    async fn purge_job_records(&self, scope: &PurgeScope, ended_before: Micros, limit: u32) -> Result<u64> {
        let batch = finished_jobs(self, Finished::All, scope, ended_before, limit).await?;
        let now = now_micros();
        let mut tx = self.write.begin().await?;
        for (tenant, ids) in by_tenant(&batch) {
            // Bytes still there (a longer document retention than job retention) become orphans first.
            orphan_bytes(&mut tx, tenant, &ids, now).await?;
            for (table, column) in [
                ("job_events", "job_id"),
                ("documents", "job_id"),
                ("tasks", "job_id"),
                ("ipp_subscriptions", "job_id"),
                ("jobs", "id"),
            ] {
                let sql = format!("DELETE FROM {table} WHERE {}", of_jobs(column, ids.len()));
                for_jobs(&mut tx, &sql, tenant, &ids, None).await?;
            }
        }
        // Device events are the printers' own log (IPP notify-sequence-numbers): the oldest go by age, with the
        // global cutoff (a printer's own retention is about its jobs).
        if !matches!(scope, PurgeScope::Printer(_)) {
            let sql = format!(
                "DELETE FROM device_events WHERE id IN \
                 (SELECT id FROM device_events WHERE created_at < $1 ORDER BY id LIMIT {})",
                limit.max(1)
            );
            sqlx::query(audited(&sql))
                .bind(ended_before)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(batch.len() as u64)
    }

    async fn stored_document_bytes(&self) -> Result<i64> {
        // Two sums through the partial indexes of documents that hold bytes (CAST: PostgreSQL sums to numeric).
        let sql = "SELECT CAST(COALESCE((SELECT SUM(size) FROM documents WHERE blob_key IS NOT NULL), 0) \
                   + COALESCE((SELECT SUM(converted_size) FROM documents WHERE converted_blob_key IS NOT NULL), 0) \
                   AS BIGINT)";
        Ok(sqlx::query_scalar::<_, i64>(sql).fetch_one(&self.read).await?)
    }
}

/// A batch's jobs grouped by tenant (every statement stays inside one tenant).
fn by_tenant(batch: &[(String, i64)]) -> Vec<(&str, Vec<i64>)> {
    let mut out: Vec<(&str, Vec<i64>)> = Vec::new();
    for (tenant, id) in batch {
        match out.iter_mut().find(|(t, _)| *t == tenant.as_str()) {
            Some((_, ids)) => ids.push(*id),
            None => out.push((tenant.as_str(), vec![*id])),
        }
    }
    out
}

fn bind_jobs<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    tenant: &'q str,
    ids: &[i64],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q = q.bind(tenant);
    for id in ids {
        q = q.bind(*id);
    }
    q
}
