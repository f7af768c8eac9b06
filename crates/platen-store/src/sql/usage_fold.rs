//! Usage rollups folded from archived jobs in bulk, off the transaction that ends a job.
//!
//! Ending a job used to add its counts to four rollup rows (its user's and its printer's day and month) inside
//! the job's own transaction. On SQLite that was a third of the pages each job end wrote (the rows and their name
//! index); on PostgreSQL the rows are shared by every job of one user or printer, and each job end held their row
//! locks until its COMMIT's fsync, so one user's or printer's job ends went one at a time (scripts/bench.sh).
//!
//! Now the job's transaction writes one row to `usage_pending` beside its archived record; a fold reads a batch
//! of pending jobs' archived records, adds them up in memory (one row per rollup key, however many jobs share it),
//! upserts those rows and deletes the pending ones, in one transaction. Usage reads fold what is pending first
//! ([`SqlStore::fold_pending_usage`]), so a report counts every job that ended before it was asked for; the app's
//! folder keeps the queue short so that a read seldom has anything to do.
//!
//! On SQLite a fold rides the writer's next batch ([`BatchedWrite`]); on PostgreSQL folds take one advisory lock,
//! so two nodes' folds never count a job twice or wait on each other's rollup rows in opposite orders. Job ends
//! only insert pending rows, which no fold contends for.

use super::SqlStore;
use super::exec::{Exec, Param, ToParam, params};
use super::group_commit::BatchedWrite;
use super::reports::{ARCHIVED_COLUMNS, add_usage, archived_job};
use super::rows::int;
use crate::Result;
use platen_domain::usage::{ArchivedJob, UsageRow};
use platen_odata::Dialect;
use std::collections::BTreeMap;

/// Jobs folded per transaction by a usage read.
const READ_BATCH: u32 = 1000;
/// Batches a usage read folds at most: the jobs that end while it folds need not be counted by it, and under a
/// flood of job ends a read must still finish.
const READ_ROUNDS: u32 = 16;
/// Rollup rows per upsert statement (16 parameters each).
const UPSERT_CHUNK: usize = 64;
/// Pending rows deleted per statement.
const DELETE_CHUNK: usize = 500;

/// Queues an ended job for folding (inside the transaction that archives it).
pub(crate) async fn queue_in<E: Exec>(tx: &mut E, a: &ArchivedJob) -> Result<()> {
    tx.execute(
        "INSERT INTO usage_pending (tenant_id, job_id) VALUES ($1, $2)",
        params![a.tenant_id.as_str(), a.job_id.get()],
    )
    .await?;
    Ok(())
}

/// One fold of at most `limit` pending jobs.
#[derive(Clone)]
struct Fold {
    limit: u32,
}

impl BatchedWrite for Fold {
    type Out = u64;

    async fn run<E: Exec>(&self, tx: &mut E, dialect: Dialect) -> Result<u64> {
        if dialect == Dialect::Postgres {
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('platen/usage-fold', 7))",
                vec![],
            )
            .await?;
        }
        let sql = format!(
            "SELECT q.seq, {ARCHIVED_COLUMNS} FROM usage_pending q \
             JOIN archived_jobs a ON a.tenant_id = q.tenant_id AND a.job_id = q.job_id \
             ORDER BY q.seq LIMIT {}",
            self.limit.max(1)
        );
        let pending = tx
            .fetch_all(&sql, vec![], |row| Ok((int(row, "seq")?, archived_job(row)?)))
            .await?;
        for (tenant, rows) in rollups_of(pending.iter().map(|(_, a)| a)) {
            for chunk in rows.chunks(UPSERT_CHUNK) {
                add_usage(tx, &tenant, chunk).await?;
            }
        }
        let seqs: Vec<i64> = pending.iter().map(|(seq, _)| *seq).collect();
        for chunk in seqs.chunks(DELETE_CHUNK) {
            let sql = format!(
                "DELETE FROM usage_pending WHERE seq IN ({})",
                super::bind::placeholders(1, chunk.len())
            );
            tx.execute(&sql, chunk.iter().map(ToParam::to_param).collect::<Vec<Param>>())
                .await?;
        }
        Ok(pending.len() as u64)
    }
}

/// The rollup rows `jobs` add to, one per key with the jobs' counts summed and the name of the last job (jobs
/// come in the order they ended), by tenant, in key order (so concurrent upserts lock rows in one order).
fn rollups_of<'a>(jobs: impl Iterator<Item = &'a ArchivedJob>) -> BTreeMap<String, Vec<UsageRow>> {
    type Key = (String, &'static str, &'static str, String);
    let mut summed: BTreeMap<Key, UsageRow> = BTreeMap::new();
    for job in jobs {
        for row in job.usage_rows() {
            let key = (
                job.tenant_id.as_str().to_string(),
                row.period.as_str(),
                row.dimension.as_str(),
                row.id.clone(),
            );
            match summed.get_mut(&key) {
                Some(sum) => {
                    sum.counts += row.counts;
                    sum.subject_name = row.subject_name;
                }
                None => {
                    summed.insert(key, row);
                }
            }
        }
    }
    let mut by_tenant: BTreeMap<String, Vec<UsageRow>> = BTreeMap::new();
    for ((tenant, ..), row) in summed {
        by_tenant.entry(tenant).or_default().push(row);
    }
    by_tenant
}

impl SqlStore {
    /// Folds at most `limit` pending jobs in one transaction: how many. Looks first, without the writer.
    pub(crate) async fn fold_usage_batch(&self, limit: u32) -> Result<u64> {
        if !self.usage_pending().await? {
            return Ok(0);
        }
        self.batched_write(Fold { limit }).await
    }

    /// Folds every job pending when called (a usage read's first step): nothing to write, and no trip to the
    /// writer, when none is.
    pub(crate) async fn fold_pending_usage(&self) -> Result<()> {
        for _ in 0..READ_ROUNDS {
            if self.fold_usage_batch(READ_BATCH).await? < u64::from(READ_BATCH) {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Whether any job waits to be folded: a lookup like every other (on SQLite on the calling thread, no
    /// hand-off to a connection's thread), since every usage read and the folder's every tick ask it.
    async fn usage_pending(&self) -> Result<bool> {
        let found = self
            .lookup("SELECT seq FROM usage_pending LIMIT 1", vec![], |row| {
                int(row, "seq")
            })
            .await?;
        Ok(found.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use platen_domain::JobPhase;
    use platen_domain::records::UserIdentity;
    use platen_domain::usage::{Dimension, Period, PrintCounts};

    fn ended(tenant: &str, id: i64, user: &str, printer_name: &str, pages: i64, at: i64) -> ArchivedJob {
        ArchivedJob {
            tenant_id: tenant.into(),
            job_id: id.into(),
            printer_id: "p".into(),
            printer_name: Some(printer_name.into()),
            created_by: UserIdentity {
                id: user.into(),
                display_name: None,
                user_principal_name: Some(format!("{user}@example.com")),
                ip_address: None,
            },
            groups: vec![],
            phase: JobPhase::Completed,
            created_at: at,
            acquired_at: None,
            completed_at: at,
            copies_printed: 1,
            color: false,
            duplex: false,
            counts: PrintCounts {
                pages: Some(pages),
                ..Default::default()
            },
        }
    }

    #[test]
    fn jobs_sharing_a_key_become_one_row_with_their_sums_and_the_last_name() {
        // 2026-12-06 and 2026-12-07, 10:00 UTC.
        let (day1, day2) = (1_796_551_200_000_000, 1_796_637_600_000_000);
        let jobs = [
            ended("t", 1, "alice", "Lobby", 5, day1),
            ended("t", 2, "alice", "Lobby (renamed)", 2, day2),
            ended("t", 3, "bob", "Lobby (renamed)", 1, day2),
            ended("u", 4, "alice", "Other", 7, day2),
        ];
        let rollups = rollups_of(jobs.iter());
        assert_eq!(rollups.keys().collect::<Vec<_>>(), ["t", "u"]);
        let t = &rollups["t"];
        let row = |period, dimension, id: &str| {
            t.iter()
                .find(|r| r.period == period && r.dimension == dimension && r.id == id)
                .unwrap_or_else(|| panic!("no row {id}"))
        };
        // Two days by user for alice, one for bob; one month each; the printer's month counts all three.
        assert_eq!(t.len(), 3 + 2 + 2 + 1);
        let month = row(Period::Month, Dimension::Printer, "p_2026-12-01");
        assert_eq!((month.counts.completed_jobs, month.counts.pages), (3, 8));
        assert_eq!(month.subject_name.as_deref(), Some("Lobby (renamed)"));
        let alice = row(Period::Month, Dimension::User, "alice_2026-12-01");
        assert_eq!((alice.counts.completed_jobs, alice.counts.pages), (2, 7));
        let day = row(Period::Day, Dimension::Printer, "p_2026-12-06");
        assert_eq!(
            (day.counts.pages, day.subject_name.as_deref()),
            (5, Some("Lobby"))
        );
        assert_eq!(rollups["u"].len(), 4);
    }
}
