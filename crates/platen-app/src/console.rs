//! The web console's use cases: sign-in sessions, and the lists the console shows that Graph has no single
//! collection for (a user's jobs on every printer; a tenant's jobs for its administrators).
//!
//! A console session stands for a user the sign-in verified (an OpenID provider's ID token, or the development
//! issuer's page). Each page acts as that user with [`CONSOLE_SCOPES`], so what it may see and do is decided by
//! the same permission rules as a Graph request: the directory roles the sign-in carried make a Printer
//! Administrator; everybody else reaches only their own jobs and the shares they are allowed on.

use crate::JobTarget;
use crate::jobs::viewer_of;
use crate::{App, AppError, Result};
use platen_domain::permissions::{Operation, authorize};
use platen_domain::records::{ConsoleSession, Job, Subscription, TaskDefinition};
use platen_domain::time::now_micros;
use platen_domain::{Caller, CallerKind, JobId, PrinterId};
use platen_store::ChangeEvent;
use platen_store::{JobScope, ListQuery, Page};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

/// The delegated permissions a console session holds: what Universal Print's portal users consent to. They
/// grant nothing by themselves: admin operations still need the Printer Administrator role, and jobs of other
/// users need it too.
pub const CONSOLE_SCOPES: &[&str] = &[
    "Printer.FullControl.All",
    "PrinterShare.ReadWrite.All",
    "PrintJob.ReadWrite.All",
    "PrintConnector.ReadWrite.All",
    "PrintSettings.ReadWrite.All",
    "PrintTaskDefinition.ReadWrite.All",
    "Reports.Read.All",
];

/// The app id a console session's caller carries (a job created in the console names it in its history).
pub const CONSOLE_APP_ID: &str = "platen-console";

/// Who a sign-in verified.
#[derive(Debug, Clone)]
pub struct ConsoleIdentity {
    pub tenant_id: String,
    pub object_id: String,
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
    pub groups: Vec<String>,
    pub directory_roles: Vec<String>,
    pub issuer: String,
}

/// A session just opened: the secret goes into the browser's cookie and nowhere else.
pub struct OpenedSession {
    pub secret: String,
    pub session: ConsoleSession,
}

/// The stored form of a session secret.
fn session_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The caller a console page acts as.
pub fn console_caller(session: &ConsoleSession, ip_address: Option<String>) -> Caller {
    Caller {
        tenant_id: session.tenant_id.clone(),
        object_id: session.user_id.clone(),
        user_principal_name: session.user_principal_name.clone(),
        display_name: session.display_name.clone(),
        app_id: Some(CONSOLE_APP_ID.into()),
        app_display_name: Some("Platen console".into()),
        kind: CallerKind::Delegated {
            scopes: CONSOLE_SCOPES.iter().map(|s| s.to_string()).collect(),
        },
        directory_roles: session.directory_roles.clone(),
        groups: session.groups.clone(),
        ip_address,
    }
}

/// Which jobs a cross-printer list shows.
#[derive(Debug, Clone, Default)]
pub struct JobsAcrossPrinters {
    /// Only this user's jobs (object id). Ignored for a caller who may see only their own.
    pub owner: Option<String>,
    pub printer: Option<PrinterId>,
}

/// See [`App::apps_overview`].
pub struct AppsOverview {
    pub definitions: Vec<TaskDefinition>,
    pub subscriptions: Vec<Subscription>,
}

impl App {
    /// Opens a session for a verified sign-in, `lifetime` long.
    pub async fn open_console_session(
        &self,
        who: ConsoleIdentity,
        lifetime: Duration,
    ) -> Result<OpenedSession> {
        if who.tenant_id.is_empty() || who.object_id.is_empty() {
            return Err(AppError::bad_request(
                "The sign-in names no tenant (tid) or user (oid); the console needs both.",
            ));
        }
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let secret = hex::encode(bytes);
        let now = now_micros();
        let session = ConsoleSession {
            id_hash: session_hash(&secret),
            tenant_id: who.tenant_id.into(),
            user_id: who.object_id.to_ascii_lowercase(),
            user_principal_name: who.user_principal_name,
            display_name: who.display_name,
            groups: who.groups.iter().map(|g| g.to_ascii_lowercase()).collect(),
            directory_roles: who.directory_roles,
            issuer: who.issuer,
            created_at: now,
            expires_at: now.saturating_add(i64::try_from(lifetime.as_micros()).unwrap_or(i64::MAX)),
        };
        self.store.create_console_session(&session).await?;
        self.remember_user(&console_caller(&session, None)).await?;
        Ok(OpenedSession { secret, session })
    }

    /// The live session a cookie's secret opens, if any (unknown and expired ones are `None`).
    pub async fn console_session(&self, secret: &str) -> Result<Option<ConsoleSession>> {
        if secret.is_empty() || secret.len() > 128 {
            return Ok(None);
        }
        let session = self.store.get_console_session(&session_hash(secret)).await?;
        Ok(session.filter(|s| s.expires_at > now_micros()))
    }

    /// Signs out: the session stops working on every node at once.
    pub async fn close_console_session(&self, secret: &str) -> Result<()> {
        self.store.delete_console_session(&session_hash(secret)).await?;
        Ok(())
    }

    /// Jobs on every printer of the tenant, newest first: a Printer Administrator sees everybody's (or one
    /// user's), everybody else only their own, exactly as a printer's job list would show them.
    pub async fn list_jobs_across_printers(
        &self,
        caller: &Caller,
        which: &JobsAcrossPrinters,
        query: &ListQuery,
    ) -> Result<Page<Job>> {
        let access = authorize(caller, Operation::ListJobs).map_err(|d| AppError::Forbidden(d.0))?;
        let mine = viewer_of(caller).user_id;
        let owner = if access.all_users {
            which.owner.as_ref().map(|o| o.to_ascii_lowercase())
        } else {
            Some(mine)
        };
        let scope = JobScope {
            printer_id: which.printer.clone(),
            share_id: None,
            owner_id: owner,
        };
        Ok(self.store.list_jobs(&caller.tenant_id, &scope, query).await?)
    }

    /// One job by id, on whichever printer, if the caller may see it (their own; anybody's for an
    /// administrator who may list every user's jobs). Other tenants' and unknown jobs are not found.
    pub async fn job_across_printers(&self, caller: &Caller, id: JobId) -> Result<Job> {
        let access = authorize(caller, Operation::GetJob).map_err(|d| AppError::Forbidden(d.0))?;
        let job = self
            .store
            .get_job(&caller.tenant_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("print job"))?;
        if !access.reaches_job_of(caller, &job.created_by.id) {
            return Err(AppError::not_found("print job"));
        }
        Ok(job)
    }

    /// The collection a caller addresses a job through: its share for its owner (who reaches printers only
    /// through shares), its printer for an administrator or a job that has no share.
    pub fn job_target_for(&self, caller: &Caller, job: &Job) -> JobTarget {
        match &job.share_id {
            Some(share) if !caller.is_print_admin() => JobTarget::Share(share.clone()),
            _ => JobTarget::Printer(job.printer_id.clone()),
        }
    }

    /// The names of the printers of a page of jobs the caller was allowed to list, in one query.
    pub async fn printer_names_of(
        &self,
        caller: &Caller,
        jobs: &[Job],
    ) -> Result<HashMap<PrinterId, String>> {
        let mut ids: Vec<&str> = jobs.iter().map(|j| j.printer_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let printers = self.store.printers_by_ids(&caller.tenant_id, &ids).await?;
        Ok(printers.into_iter().map(|p| (p.id, p.display_name)).collect())
    }

    /// Every job change committed from now on, on any node: what makes the console's job pages live.
    pub async fn watch_job_changes(&self) -> Result<tokio::sync::broadcast::Receiver<ChangeEvent>> {
        Ok(self.store.subscribe_changes().await?)
    }

    /// What pull-print apps set up in the tenant, for a Printer Administrator: every app's task definitions (each
    /// with the printers whose trigger points at it) and every app's unexpired webhook subscriptions.
    pub async fn apps_overview(&self, caller: &Caller) -> Result<AppsOverview> {
        if !caller.is_delegated() || !caller.is_print_admin() {
            return Err(AppError::Forbidden(
                "Only a Printer Administrator sees every app's task definitions and subscriptions.".into(),
            ));
        }
        let tenant = caller.tenant_id.as_str();
        let definitions = self.store.list_task_definitions(tenant, None).await?;
        let now = now_micros();
        let subscriptions = self
            .store
            .list_subscriptions(tenant, None)
            .await?
            .into_iter()
            .filter(|s| s.expires_at > now)
            .collect();
        Ok(AppsOverview {
            definitions,
            subscriptions,
        })
    }

    /// Deletes expired console sessions, in bounded batches (the sweeper's step).
    pub(crate) async fn purge_console_sessions(&self) -> Result<u64> {
        Ok(self
            .store
            .delete_expired_console_sessions(now_micros(), 1000)
            .await?)
    }
}

#[cfg(test)]
mod tests;
