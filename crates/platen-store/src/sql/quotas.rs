//! Print quotas: the rules, the accounts (one row per user and period start), and the hold and charge a job
//! change writes inside its own transaction (`hold_in`, `settle_in`, called by `jobs::write_change`).

use super::bind::audited;
use super::exec::{Exec, params};
use super::rows::{self, Columns};
use super::{SqlStore, conflict_on_unique};
use crate::{QuotaStore, Result, StoreError};
use async_trait::async_trait;
use platen_domain::quota::{
    QuotaAccount, QuotaPeriod, QuotaReservation, QuotaRule, QuotaSettlement, QuotaSubject,
};
use platen_domain::time::Micros;
use sqlx::any::AnyRow;

const RULE_COLUMNS: &str = "tenant_id, id, user_id, group_id, period, pages, overdraft, created_at";
const ACCOUNT_COLUMNS: &str = "user_id, period, period_start, charged, held, credited";
/// How many of a user's accounts an administrator's view lists (newest first).
const ACCOUNTS_SHOWN: i64 = 24;

fn period<R: Columns + ?Sized>(r: &R) -> Result<QuotaPeriod> {
    let text = rows::text(r, "period")?;
    QuotaPeriod::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("quota period {text}")))
}

fn rule(r: &AnyRow) -> Result<QuotaRule> {
    let subject = match (rows::opt_text(r, "user_id")?, rows::opt_text(r, "group_id")?) {
        (Some(u), None) => QuotaSubject::User(u),
        (None, Some(g)) => QuotaSubject::Group(g),
        _ => {
            return Err(StoreError::Corrupt(
                "a quota rule needs exactly one of user_id, group_id".into(),
            ));
        }
    };
    Ok(QuotaRule {
        tenant_id: rows::id(r, "tenant_id")?,
        id: rows::text(r, "id")?,
        subject,
        period: period(r)?,
        pages: rows::opt_int(r, "pages")?,
        overdraft: rows::int(r, "overdraft")?,
        created_at: rows::int(r, "created_at")?,
    })
}

fn account<R: Columns + ?Sized>(r: &R) -> Result<QuotaAccount> {
    Ok(QuotaAccount {
        user_id: rows::text(r, "user_id")?,
        period: period(r)?,
        period_start: rows::int(r, "period_start")?,
        charged: rows::int(r, "charged")?,
        held: rows::int(r, "held")?,
        credited: rows::int(r, "credited")?,
    })
}

/// Makes sure the account row exists, so that the conditional update below has a row to lock.
async fn ensure_account<E: Exec>(
    conn: &mut E,
    tenant: &str,
    user_id: &str,
    period: QuotaPeriod,
    start: Micros,
) -> Result<()> {
    conn.execute(
        "INSERT INTO quota_accounts (tenant_id, user_id, period, period_start, charged, held, credited) \
         VALUES ($1,$2,$3,$4,0,0,0) ON CONFLICT (tenant_id, user_id, period, period_start) DO NOTHING",
        params![tenant, user_id, period.as_str(), start],
    )
    .await?;
    Ok(())
}

/// Takes the reservation's hold on its account inside the job change's transaction, unless the account would
/// then pass its allowance: then nothing is held and the account as it stands is returned (the caller rolls the
/// transaction back). One conditional `UPDATE`: on PostgreSQL a second start racing for the same row waits for
/// the first's commit and re-checks the condition against the row the first wrote; SQLite has one writer.
pub(crate) async fn hold_in<E: Exec>(
    tx: &mut E,
    tenant: &str,
    r: &QuotaReservation,
) -> Result<Option<QuotaAccount>> {
    let h = &r.hold;
    ensure_account(tx, tenant, &h.user_id, h.period, h.period_start).await?;
    let key = params![tenant, h.user_id, h.period.as_str(), h.period_start];
    let mut hold = key.clone();
    hold.extend(params![h.pages, r.allowance]);
    let done = tx
        .execute(
            "UPDATE quota_accounts SET held = held + $5 \
             WHERE tenant_id = $1 AND user_id = $2 AND period = $3 AND period_start = $4 \
             AND charged + held + $5 <= $6 + credited",
            hold,
        )
        .await?;
    if done > 0 {
        return Ok(None);
    }
    let found = tx
        .fetch_optional(
            &format!(
                "SELECT {ACCOUNT_COLUMNS} FROM quota_accounts \
                 WHERE tenant_id = $1 AND user_id = $2 AND period = $3 AND period_start = $4"
            ),
            key,
            |row| account(row),
        )
        .await?;
    found
        .map(Some)
        .ok_or_else(|| StoreError::Corrupt("a quota account vanished inside its transaction".into()))
}

/// Releases a job's hold and charges what it printed, on the account the hold was taken from (a job started
/// late in a period is charged to that period, whenever it ends).
pub(crate) async fn settle_in<E: Exec>(tx: &mut E, tenant: &str, s: &QuotaSettlement) -> Result<()> {
    let h = &s.hold;
    tx.execute(
        "UPDATE quota_accounts SET held = held - $5, charged = charged + $6 \
         WHERE tenant_id = $1 AND user_id = $2 AND period = $3 AND period_start = $4",
        params![
            tenant,
            h.user_id,
            h.period.as_str(),
            h.period_start,
            h.pages,
            s.charge
        ],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl QuotaStore for SqlStore {
    async fn create_quota_rule(&self, r: &QuotaRule) -> Result<()> {
        let (user, group) = match &r.subject {
            QuotaSubject::User(u) => (Some(u.as_str()), None),
            QuotaSubject::Group(g) => (None, Some(g.as_str())),
        };
        sqlx::query(audited(&format!(
            "INSERT INTO quota_rules ({RULE_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
        )))
        .bind(r.tenant_id.as_str())
        .bind(&r.id)
        .bind(user)
        .bind(group)
        .bind(r.period.as_str())
        .bind(r.pages)
        .bind(r.overdraft)
        .bind(r.created_at)
        .execute(&self.write)
        .await
        .map_err(|e| {
            conflict_on_unique(e, "This user or group already has a quota rule; delete it first.")
        })?;
        Ok(())
    }

    async fn list_quota_rules(&self, tenant: &str) -> Result<Vec<QuotaRule>> {
        let sql =
            format!("SELECT {RULE_COLUMNS} FROM quota_rules WHERE tenant_id = $1 ORDER BY created_at, id");
        let found = sqlx::query(audited(&sql))
            .bind(tenant)
            .fetch_all(&self.read)
            .await?;
        found.iter().map(rule).collect()
    }

    async fn get_quota_rule(&self, tenant: &str, id: &str) -> Result<Option<QuotaRule>> {
        let sql = format!("SELECT {RULE_COLUMNS} FROM quota_rules WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(rule).transpose()
    }

    async fn delete_quota_rule(&self, tenant: &str, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM quota_rules WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn quota_rules_for(
        &self,
        tenant: &str,
        user_id: &str,
        groups: &[String],
    ) -> Result<Vec<QuotaRule>> {
        let by_group = if groups.is_empty() {
            String::new()
        } else {
            format!(" OR group_id IN ({})", super::bind::placeholders(3, groups.len()))
        };
        let sql = format!(
            "SELECT {RULE_COLUMNS} FROM quota_rules WHERE tenant_id = $1 AND (user_id = $2{by_group}) \
             ORDER BY created_at, id"
        );
        let mut q = sqlx::query(audited(&sql)).bind(tenant).bind(user_id);
        for g in groups {
            q = q.bind(g.as_str());
        }
        let found = q.fetch_all(&self.read).await?;
        found.iter().map(rule).collect()
    }

    async fn quota_account(
        &self,
        tenant: &str,
        user_id: &str,
        period: QuotaPeriod,
        start: Micros,
    ) -> Result<QuotaAccount> {
        let row = sqlx::query(audited(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM quota_accounts \
             WHERE tenant_id = $1 AND user_id = $2 AND period = $3 AND period_start = $4"
        )))
        .bind(tenant)
        .bind(user_id)
        .bind(period.as_str())
        .bind(start)
        .fetch_optional(&self.read)
        .await?;
        match row {
            Some(r) => account(&r),
            None => Ok(QuotaAccount::empty(user_id, period, start)),
        }
    }

    async fn quota_accounts_of(&self, tenant: &str, user_id: &str) -> Result<Vec<QuotaAccount>> {
        let found = sqlx::query(audited(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM quota_accounts WHERE tenant_id = $1 AND user_id = $2 \
             ORDER BY period_start DESC, period LIMIT {ACCOUNTS_SHOWN}"
        )))
        .bind(tenant)
        .bind(user_id)
        .fetch_all(&self.read)
        .await?;
        found.iter().map(account).collect()
    }

    async fn credit_quota(
        &self,
        tenant: &str,
        user_id: &str,
        period: QuotaPeriod,
        start: Micros,
        pages: i64,
    ) -> Result<QuotaAccount> {
        let mut tx = self.write.begin().await?;
        ensure_account(&mut *tx, tenant, user_id, period, start).await?;
        let row = sqlx::query(audited(&format!(
            "UPDATE quota_accounts SET credited = credited + $5 \
             WHERE tenant_id = $1 AND user_id = $2 AND period = $3 AND period_start = $4 \
             RETURNING {ACCOUNT_COLUMNS}"
        )))
        .bind(tenant)
        .bind(user_id)
        .bind(period.as_str())
        .bind(start)
        .bind(pages)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        account(&row)
    }
}
