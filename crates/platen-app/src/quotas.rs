//! Print quotas (`platen_domain::quota`): rules administered under `/platen/print-quotas` and the console,
//! balances read by their users. The hold a job takes when it starts rides on the start through the job door
//! (`JobChange::quota_reserve`, refused there when the account is short), and its charge on the change that ends
//! it (`JobChange::quota_settle`, built by the door); this module never writes an account behind a job's back.

use crate::page_count::document_pages;
use crate::{App, AppError, Result};
use platen_domain::Caller;
use platen_domain::JobPhase;
use platen_domain::quota::{
    Balance, QuotaAccount, QuotaHold, QuotaPeriod, QuotaReservation, QuotaRule, QuotaSubject, estimate_pages,
    governing_rule,
};
use platen_domain::records::{Document, Job};
use platen_domain::time::{Micros, now_micros};
use serde_json::Value;

/// The largest budget, overdraft or credit a rule or an adjustment may name (a billion pages).
const MAX_PAGES: i64 = 1_000_000_000;

/// What an administrator asks for; validated by [`App::create_quota_rule`].
#[derive(Debug, Clone)]
pub struct NewQuotaRule {
    pub subject: QuotaSubject,
    pub period: QuotaPeriod,
    /// `None`: unlimited (an exception for one user).
    pub pages: Option<i64>,
    pub overdraft: i64,
}

/// What an administrator sees of one user: their own rule (an exception), if any, and their recent accounts.
#[derive(Debug, Clone)]
pub struct UserQuota {
    pub user_id: String,
    pub own_rule: Option<QuotaRule>,
    pub accounts: Vec<QuotaAccount>,
}

/// A starting job's documents, read once per start however many policies and rules ask, and their pages,
/// counted on first use.
#[derive(Default)]
pub(crate) struct JobDocuments {
    documents: Option<Vec<Document>>,
    pages: Option<Vec<Option<i64>>>,
}

impl App {
    pub async fn list_quota_rules(&self, caller: &Caller) -> Result<Vec<QuotaRule>> {
        Ok(self.store.list_quota_rules(&caller.tenant_id).await?)
    }

    pub async fn get_quota_rule(&self, caller: &Caller, id: &str) -> Result<QuotaRule> {
        self.store
            .get_quota_rule(&caller.tenant_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("print quota rule"))
    }

    pub async fn create_quota_rule(&self, caller: &Caller, new: NewQuotaRule) -> Result<QuotaRule> {
        let subject = match new.subject {
            QuotaSubject::User(u) => QuotaSubject::User(object_id(&u, "userId")?),
            QuotaSubject::Group(g) => QuotaSubject::Group(object_id(&g, "groupId")?),
        };
        if new.pages.is_some_and(|p| !(0..=MAX_PAGES).contains(&p)) {
            return Err(AppError::bad_request(
                "pages must be a whole number from 0 to 1000000000, or null for no limit.",
            ));
        }
        if !(0..=MAX_PAGES).contains(&new.overdraft) {
            return Err(AppError::bad_request(
                "overdraft must be a whole number from 0 to 1000000000.",
            ));
        }
        if new.pages.is_none() && new.overdraft != 0 {
            return Err(AppError::bad_request(
                "An unlimited rule (pages: null) has no overdraft.",
            ));
        }
        let rule = QuotaRule {
            tenant_id: caller.tenant_id.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            subject,
            period: new.period,
            pages: new.pages,
            overdraft: new.overdraft,
            created_at: now_micros(),
        };
        self.store.create_quota_rule(&rule).await?;
        Ok(rule)
    }

    pub async fn delete_quota_rule(&self, caller: &Caller, id: &str) -> Result<()> {
        if self.store.delete_quota_rule(&caller.tenant_id, id).await? {
            Ok(())
        } else {
            Err(AppError::not_found("print quota rule"))
        }
    }

    /// The caller's own standing: the rule that governs them (their groups as the token says) and this
    /// period's account. `None`: no rule limits them.
    pub async fn my_quota(&self, caller: &Caller) -> Result<Option<Balance>> {
        let user = caller.object_id.to_ascii_lowercase();
        let groups: Vec<String> = caller.groups.iter().map(|g| g.to_ascii_lowercase()).collect();
        let rules = self
            .store
            .quota_rules_for(&caller.tenant_id, &user, &groups)
            .await?;
        let Some(rule) = governing_rule(&rules, &user) else {
            return Ok(None);
        };
        let start = rule.period.start_of(now_micros());
        let account = self
            .store
            .quota_account(&caller.tenant_id, &user, rule.period, start)
            .await?;
        Ok(Some(Balance {
            rule: rule.clone(),
            account,
            resets_at: rule.period.next_start(start),
        }))
    }

    /// One user's own rule and recent accounts, for an administrator (group rules depend on the groups the
    /// user's sign-in carries, which only the user's own requests know).
    pub async fn user_quota(&self, caller: &Caller, user_id: &str) -> Result<UserQuota> {
        let user = object_id(user_id, "userId")?;
        let own_rule = self
            .store
            .quota_rules_for(&caller.tenant_id, &user, &[])
            .await?
            .into_iter()
            .next();
        let accounts = self.store.quota_accounts_of(&caller.tenant_id, &user).await?;
        Ok(UserQuota {
            user_id: user,
            own_rule,
            accounts,
        })
    }

    /// Adds `pages` (negative: takes pages away) to a user's account for the current `period`: a refund by
    /// hand, or extra pages for a project.
    pub async fn credit_quota(
        &self,
        caller: &Caller,
        user_id: &str,
        period: QuotaPeriod,
        pages: i64,
    ) -> Result<QuotaAccount> {
        let user = object_id(user_id, "userId")?;
        if pages == 0 || !(-MAX_PAGES..=MAX_PAGES).contains(&pages) {
            return Err(AppError::bad_request(
                "pages must be a non-zero whole number from -1000000000 to 1000000000.",
            ));
        }
        let start = period.start_of(now_micros());
        Ok(self
            .store
            .credit_quota(&caller.tenant_id, &user, period, start, pages)
            .await?)
    }

    /// The hold a job about to start takes on its creator's account (`configuration`: the one it will print
    /// with, after print policies), or `None` when no limited rule governs the creator. Only a job about to
    /// start is decided, as for print policies.
    pub(crate) async fn quota_reservation(
        &self,
        job: &Job,
        configuration: &Value,
        pages: &mut JobDocuments,
        now: Micros,
    ) -> Result<Option<QuotaReservation>> {
        if job.phase != JobPhase::Ready {
            return Ok(None);
        }
        let user = job.created_by.id.to_ascii_lowercase();
        let rules = self
            .store
            .quota_rules_for(&job.tenant_id, &user, &job.creator_groups)
            .await?;
        let Some(rule) = governing_rule(&rules, &user) else {
            return Ok(None);
        };
        let Some(allowance) = rule.allowance() else {
            return Ok(None);
        };
        let estimate = estimate_pages(self.job_pages(job, pages).await?, configuration);
        Ok(Some(QuotaReservation {
            hold: QuotaHold {
                user_id: user,
                period: rule.period,
                period_start: rule.period.start_of(now),
                pages: estimate,
            },
            allowance,
        }))
    }

    /// The job's documents, read on first use.
    pub(crate) async fn job_documents<'a>(
        &self,
        job: &Job,
        cache: &'a mut JobDocuments,
    ) -> Result<&'a [Document]> {
        if cache.documents.is_none() {
            cache.documents = Some(self.store.list_documents(&job.tenant_id, job.id).await?);
        }
        Ok(cache.documents.as_deref().unwrap_or_default())
    }

    /// Each of the job's documents' pages, counted on first use.
    pub(crate) async fn job_pages<'a>(
        &self,
        job: &Job,
        cache: &'a mut JobDocuments,
    ) -> Result<&'a [Option<i64>]> {
        if cache.pages.is_none() {
            let mut counted = vec![];
            for doc in self.job_documents(job, cache).await? {
                counted.push(document_pages(self.blobs.as_ref(), doc).await?);
            }
            cache.pages = Some(counted);
        }
        Ok(cache.pages.as_deref().unwrap_or_default())
    }
}

/// A user's or group's object id as rules and accounts store it: trimmed, lower-case, 1 to 128 characters.
fn object_id(raw: &str, name: &str) -> Result<String> {
    let id = raw.trim().to_ascii_lowercase();
    if id.is_empty() || id.len() > 128 || id.chars().any(|c| c.is_control() || c == '/') {
        return Err(AppError::bad_request(format!(
            "{name} must be an object id (1 to 128 characters)."
        )));
    }
    Ok(id)
}
