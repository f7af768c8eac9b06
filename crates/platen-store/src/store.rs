//! The storage contract, one trait per area of the schema. [`Store`] is all of them together: the one bound
//! other layers program against (`Arc<dyn Store>`). Each area's trait is implemented for
//! [`crate::sql::SqlStore`] in the `sql` module of the same name.

use crate::{
    AddRange, ArchiveScope, ChangeEvent, Commit, JobScope, ListQuery, Page, Result, ShareList, ShareView,
    Viewer,
};
use async_trait::async_trait;
use platen_domain::JobId;
use platen_domain::print_policy::PrintPolicy;
use platen_domain::quota::{QuotaAccount, QuotaPeriod, QuotaRule};
use platen_domain::records::*;
use platen_domain::secure_release::ReleasePin;
use platen_domain::time::Micros;

/// Every area of the store; implemented for any type that implements them all.
pub trait Store:
    SettingsStore
    + PrinterStore
    + ShareStore
    + JobStore
    + TaskStore
    + DeviceStore
    + SubscriptionStore
    + OutboxStore
    + DocumentStore
    + ConnectorStore
    + PrintPasswordStore
    + ConsoleSessionStore
    + PolicyStore
    + QuotaStore
    + ReleasePinStore
    + RetentionStore
    + ReportStore
    + ThrottleStore
    + ChangeFeedStore
    + HealthStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: SettingsStore
        + PrinterStore
        + ShareStore
        + JobStore
        + TaskStore
        + DeviceStore
        + SubscriptionStore
        + OutboxStore
        + DocumentStore
        + ConnectorStore
        + PrintPasswordStore
        + ConsoleSessionStore
        + PolicyStore
        + QuotaStore
        + ReleasePinStore
        + RetentionStore
        + ReportStore
        + ThrottleStore
        + ChangeFeedStore
        + HealthStore
        + Send
        + Sync
        + 'static
{
}

/// Tenant settings and the small user/group directory.
#[async_trait]
pub trait SettingsStore {
    async fn get_settings(&self, tenant: &str) -> Result<Option<PrintSettings>>;
    async fn put_settings(&self, tenant: &str, settings: &PrintSettings) -> Result<()>;
    async fn upsert_user(&self, tenant: &str, user: &DirectoryUser) -> Result<()>;
    async fn upsert_group(&self, tenant: &str, group: &DirectoryGroup) -> Result<()>;
}

/// Printers and their registration operations.
#[async_trait]
pub trait PrinterStore {
    /// Stores a newly registered printer and its (finished) create operation in one transaction.
    async fn create_printer(&self, printer: &Printer, operation: &PrinterOperation) -> Result<()>;
    async fn get_operation(&self, tenant: &str, id: &str) -> Result<Option<PrinterOperation>>;
    /// Several printers by id (those of a page of shares), in one query; missing ids are left out.
    async fn printers_by_ids(&self, tenant: &str, ids: &[&str]) -> Result<Vec<Printer>>;
    async fn get_printer(&self, tenant: &str, id: &str) -> Result<Option<Printer>>;
    async fn list_printers(&self, tenant: &str, query: &ListQuery) -> Result<Page<Printer>>;
    /// Fails with NotFound if the printer is gone.
    async fn update_printer(&self, printer: &Printer) -> Result<()>;
    /// Removes the printer, its share (with its access lists) and its registration; returns false if unknown.
    async fn delete_printer(&self, tenant: &str, id: &str) -> Result<bool>;
}

/// Shares, their access lists, and per-user usage.
#[async_trait]
pub trait ShareStore {
    /// Conflict if the printer already has a share.
    async fn create_share(&self, share: &Share) -> Result<()>;
    async fn get_share(&self, tenant: &str, id: &str) -> Result<Option<Share>>;
    /// A share by its id alone, whatever its tenant: IPP clients address a share by its URL, which carries no
    /// tenant (share ids are UUIDs, unique across tenants).
    async fn find_share(&self, id: &str) -> Result<Option<Share>>;
    /// Whether the share's IPP printer takes jobs without credentials (off unless set).
    async fn share_allows_unauthenticated_ipp(&self, tenant: &str, share_id: &str) -> Result<bool>;
    async fn set_share_allows_unauthenticated_ipp(
        &self,
        tenant: &str,
        share_id: &str,
        allow: bool,
    ) -> Result<()>;
    async fn share_of_printer(&self, tenant: &str, printer_id: &str) -> Result<Option<Share>>;
    /// `viewer: None` lists every share (administrators); otherwise only shares the viewer may use.
    async fn list_shares(
        &self,
        tenant: &str,
        viewer: Option<&Viewer>,
        query: &ListQuery,
    ) -> Result<Page<Share>>;
    async fn share_visible_to(&self, tenant: &str, share_id: &str, viewer: &Viewer) -> Result<bool>;
    /// The share with its printer, `user_id`'s last use of it and whether `viewer` may use it, in one statement
    /// (a `GET` of a share pays one read, not four).
    async fn share_view(
        &self,
        tenant: &str,
        id: &str,
        user_id: &str,
        viewer: Option<&Viewer>,
    ) -> Result<Option<ShareView>>;
    /// Conflict if re-pointed to a printer that already has another share; NotFound if the share is gone.
    async fn update_share(&self, share: &Share) -> Result<()>;
    async fn delete_share(&self, tenant: &str, id: &str) -> Result<bool>;
    /// Idempotent.
    async fn add_allowed_user(&self, tenant: &str, share_id: &str, user: &DirectoryUser) -> Result<()>;
    async fn remove_allowed_user(&self, tenant: &str, share_id: &str, user_id: &str) -> Result<bool>;
    async fn list_allowed_users(
        &self,
        tenant: &str,
        share_id: &str,
        query: &ListQuery,
    ) -> Result<Page<DirectoryUser>>;
    async fn add_allowed_group(&self, tenant: &str, share_id: &str, group: &DirectoryGroup) -> Result<()>;
    async fn remove_allowed_group(&self, tenant: &str, share_id: &str, group_id: &str) -> Result<bool>;
    async fn list_allowed_groups(
        &self,
        tenant: &str,
        share_id: &str,
        query: &ListQuery,
    ) -> Result<Page<DirectoryGroup>>;
    /// Whether `member_id` (a user's or group's object id, compared case-insensitively) is on the share's `list`
    /// itself; membership through a group or `allowAllUsers` does not count.
    async fn share_list_contains(
        &self,
        tenant: &str,
        share_id: &str,
        list: ShareList,
        member_id: &str,
    ) -> Result<bool>;
    async fn record_share_use(&self, tenant: &str, share_id: &str, user_id: &str, at: Micros) -> Result<()>;
    async fn share_last_used(&self, tenant: &str, share_id: &str, user_id: &str) -> Result<Option<Micros>>;
    /// [`ShareStore::share_last_used`] for a page of shares in one query: `(share id, last use)` of those used.
    async fn shares_last_used(
        &self,
        tenant: &str,
        share_ids: &[String],
        user_id: &str,
    ) -> Result<Vec<(String, Micros)>>;
    /// The viewer's most recently used shares that are still visible to them, newest first.
    async fn recent_shares(&self, tenant: &str, viewer: &Viewer, limit: u32) -> Result<Vec<(Share, Micros)>>;
    /// Every share of every tenant with its printer, oldest share first, at most `limit`: what the server
    /// advertises on the local network (DNS-SD). Not for requests: it crosses tenants.
    async fn all_shares_with_printers(&self, limit: u32) -> Result<Vec<(Share, Printer)>>;
}

/// Jobs and their history.
#[async_trait]
pub trait JobStore {
    /// Inserts the job (its `id` is assigned and returned in the result) with its single document.
    async fn create_job(
        &self,
        job: &Job,
        document: &Document,
        event: &JobEventRecord,
    ) -> Result<(Job, Document)>;
    async fn get_job(&self, tenant: &str, id: JobId) -> Result<Option<Job>>;
    /// Jobs of every tenant whose payload is being converted (phase `transforming`), oldest first: at start a
    /// node picks up the conversions that were running when a node stopped.
    async fn transforming_jobs(&self, limit: u32) -> Result<Vec<Job>>;
    async fn list_jobs(&self, tenant: &str, scope: &JobScope, query: &ListQuery) -> Result<Page<Job>>;
    async fn job_events(&self, tenant: &str, job_id: JobId) -> Result<Vec<JobEventRecord>>;
    /// The only way a stored job changes: writes the change with everything it carries (history, print task
    /// created or updated, the job a redirect creates, the upload it finishes, change notifications, device
    /// events) in one transaction, if the job's version is still `expected_version`. Only one request finishes
    /// an upload session: a racing second one gets [`Commit::UploadSessionGone`] and writes nothing.
    async fn commit_job_change(&self, change: &JobChange) -> Result<Commit>;
}

/// Pull printing: task definitions, their triggers and print tasks.
#[async_trait]
pub trait TaskStore {
    async fn create_task_definition(&self, definition: &TaskDefinition) -> Result<()>;
    async fn get_task_definition(&self, tenant: &str, id: &str) -> Result<Option<TaskDefinition>>;
    /// The definitions an app created (`None`: every app's, for administrators), oldest first.
    async fn list_task_definitions(&self, tenant: &str, app_id: Option<&str>) -> Result<Vec<TaskDefinition>>;
    async fn update_task_definition(&self, definition: &TaskDefinition) -> Result<()>;
    /// Removes the definition, its triggers and its tasks.
    async fn delete_task_definition(&self, tenant: &str, id: &str) -> Result<bool>;
    /// Conflict if the printer already has a trigger.
    async fn create_task_trigger(&self, trigger: &TaskTrigger) -> Result<()>;
    async fn get_task_trigger(&self, tenant: &str, id: &str) -> Result<Option<TaskTrigger>>;
    async fn trigger_of_printer(&self, tenant: &str, printer_id: &str) -> Result<Option<TaskTrigger>>;
    async fn delete_task_trigger(&self, tenant: &str, id: &str) -> Result<bool>;
    async fn get_task(&self, tenant: &str, id: &str) -> Result<Option<PrintTask>>;
    /// A definition's tasks, newest first, at most `limit`.
    /// A definition's tasks, newest first (the query's own `$orderby`, if any, comes first), keyset-paged.
    async fn list_tasks(
        &self,
        tenant: &str,
        definition_id: &str,
        query: &ListQuery,
    ) -> Result<Page<PrintTask>>;
    async fn tasks_of_job(&self, tenant: &str, job_id: JobId) -> Result<Vec<PrintTask>>;
    /// The oldest processing tasks of one app created before `before`, in every tenant, at most `limit`
    /// (secure release's expiry): through a partial index of processing tasks by app.
    async fn processing_tasks_of_app(
        &self,
        app_id: &str,
        before: Micros,
        limit: u32,
    ) -> Result<Vec<PrintTask>>;
    /// The tasks of several jobs (a page of a list), in one query, ordered by job, then creation.
    async fn tasks_of_jobs(&self, tenant: &str, job_ids: &[JobId]) -> Result<Vec<PrintTask>>;
}

/// The device side (IPP INFRA): device tokens, the per-printer event log, IPP subscriptions.
#[async_trait]
pub trait DeviceStore {
    /// The tenant of a printer, looked up by its globally unique id (devices name only their printer).
    async fn printer_tenant(&self, printer_id: &str) -> Result<Option<String>>;
    /// Stores a device access token by the SHA-256 (hex) of its value.
    async fn create_device_token(
        &self,
        token_sha256: &str,
        tenant: &str,
        printer_id: &str,
        expires_at: Micros,
    ) -> Result<()>;
    /// (tenant, printer id, expiry) of a device access token.
    async fn device_token(&self, token_sha256: &str) -> Result<Option<(String, String, Micros)>>;
    /// Device events of a printer with ids greater than `after`, oldest first.
    async fn device_events(
        &self,
        tenant: &str,
        printer_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DeviceEvent>>;
    async fn last_device_event_id(&self, tenant: &str, printer_id: &str) -> Result<i64>;
    async fn create_ipp_subscription(&self, subscription: &IppSubscription) -> Result<i64>;
    async fn get_ipp_subscription(&self, tenant: &str, id: i64) -> Result<Option<IppSubscription>>;
    async fn renew_ipp_subscription(&self, tenant: &str, id: i64, lease_expires_at: Micros) -> Result<()>;
    async fn cancel_ipp_subscription(&self, tenant: &str, id: i64) -> Result<bool>;
}

/// Change-notification subscriptions.
#[async_trait]
pub trait SubscriptionStore {
    async fn create_subscription(&self, subscription: &Subscription) -> Result<()>;
    async fn get_subscription(&self, tenant: &str, id: &str) -> Result<Option<Subscription>>;
    /// Subscriptions an app created (`None`: every app's, for administrators; unexpired and expired alike),
    /// oldest first.
    async fn list_subscriptions(&self, tenant: &str, app_id: Option<&str>) -> Result<Vec<Subscription>>;
    async fn update_subscription(&self, subscription: &Subscription) -> Result<()>;
    /// Removes the subscription and its undelivered notifications.
    async fn delete_subscription(&self, tenant: &str, id: &str) -> Result<bool>;
    /// Unexpired subscriptions on one resource (`kind` + `key`), e.g. `printerJobs` + printer id.
    async fn subscriptions_for(
        &self,
        tenant: &str,
        kind: &str,
        key: &str,
        now: Micros,
    ) -> Result<Vec<Subscription>>;
    /// Removes subscriptions that expired before `now` (with their undelivered notifications); returns them.
    async fn remove_expired_subscriptions(&self, now: Micros, limit: u32) -> Result<Vec<Subscription>>;
}

/// The outbox of change notifications awaiting delivery.
#[async_trait]
pub trait OutboxStore {
    /// Queues a lifecycle notification (`missed`, `subscriptionRemoved`, …) for a subscription.
    async fn enqueue_lifecycle(
        &self,
        tenant: &str,
        subscription_id: &str,
        payload: &str,
        now: Micros,
    ) -> Result<()>;
    /// Leases up to `limit` due notifications until `lease_until` so no other worker (or node) takes them.
    async fn claim_notifications(
        &self,
        now: Micros,
        lease_until: Micros,
        limit: u32,
    ) -> Result<Vec<OutboxItem>>;
    async fn delete_notifications(&self, ids: &[i64]) -> Result<()>;
    /// Schedules another attempt of a failed delivery.
    async fn retry_notification(&self, id: i64, next_attempt_at: Micros, error: &str) -> Result<()>;
}

/// Documents and upload sessions.
#[async_trait]
pub trait DocumentStore {
    async fn list_documents(&self, tenant: &str, job_id: JobId) -> Result<Vec<Document>>;
    /// The documents of several jobs (a page of a list), in one query, ordered by job and document id.
    async fn documents_of_jobs(&self, tenant: &str, job_ids: &[JobId]) -> Result<Vec<Document>>;
    async fn get_document(&self, tenant: &str, id: &str) -> Result<Option<Document>>;
    async fn mark_document_downloaded(&self, tenant: &str, id: &str, at: Micros) -> Result<()>;
    /// Creates the session, replacing (and discarding the received ranges of) any earlier one for the document.
    async fn create_upload_session(&self, session: &UploadSession) -> Result<()>;
    async fn get_upload_session(&self, id: &str) -> Result<Option<UploadSession>>;
    async fn upload_ranges(&self, session_id: &str) -> Result<Vec<UploadRange>>;
    /// Records a received range unless it overlaps one already received (or reserved).
    async fn add_upload_range(&self, session_id: &str, range: &UploadRange) -> Result<AddRange>;
    /// Reserves a range before its bytes are written in place: refused (`Overlap`) if it overlaps a range
    /// received or reserved under a lease still running (a reservation whose lease ran out is taken over).
    /// `Added` carries the ranges received so far. `reservation` names this write.
    async fn reserve_upload_range(
        &self,
        session_id: &str,
        range: &UploadRange,
        reservation: &str,
        lease_until: Micros,
    ) -> Result<AddRange>;
    /// Extends a reservation's lease; false if it is gone (taken over, or the session ended).
    async fn renew_upload_range(
        &self,
        session_id: &str,
        reservation: &str,
        lease_until: Micros,
    ) -> Result<bool>;
    /// Marks a reservation's bytes received: `Added` with every received range, or `SessionGone` if the session
    /// or the reservation is gone. When the session is gone, `part_key` (where the bytes went) is listed as an
    /// orphan, in case the write made it again after the session's blobs were swept.
    async fn confirm_upload_range(
        &self,
        session_id: &str,
        reservation: &str,
        part_key: &str,
    ) -> Result<AddRange>;
    /// Drops a reservation whose write failed; `part_key` as for `confirm_upload_range`.
    async fn release_upload_range(&self, session_id: &str, reservation: &str, part_key: &str) -> Result<()>;
    /// Cancels a session (its range blobs become orphans); false if unknown.
    async fn delete_upload_session(&self, id: &str) -> Result<bool>;
    async fn expired_upload_sessions(&self, now: Micros, limit: u32) -> Result<Vec<String>>;
    async fn orphan_blobs(&self, limit: u32) -> Result<Vec<String>>;
    async fn forget_orphan_blobs(&self, keys: &[String]) -> Result<()>;
    /// Sets a document's (beta) configuration if its job is still at `job_version`; false otherwise.
    async fn set_document_configuration(
        &self,
        tenant: &str,
        document_id: &str,
        job_id: JobId,
        job_version: i64,
        configuration: Option<&serde_json::Value>,
    ) -> Result<bool>;
    async fn create_download_ticket(&self, ticket: &DownloadTicket) -> Result<()>;
    async fn get_download_ticket(&self, id: &str) -> Result<Option<DownloadTicket>>;
    /// Deletes up to `limit` tickets that expired before `now`; returns how many.
    async fn purge_download_tickets(&self, now: Micros, limit: u32) -> Result<u64>;
}

/// Connectors.
#[async_trait]
pub trait ConnectorStore {
    async fn create_connector(&self, connector: &Connector) -> Result<()>;
    async fn list_connectors(&self, tenant: &str, query: &ListQuery) -> Result<Page<Connector>>;
    async fn get_connector(&self, tenant: &str, id: &str) -> Result<Option<Connector>>;
    async fn update_connector(&self, connector: &Connector) -> Result<()>;
    async fn delete_connector(&self, tenant: &str, id: &str) -> Result<bool>;
}

/// The web console's sign-in sessions, by the SHA-256 of the cookie's secret.
#[async_trait]
pub trait ConsoleSessionStore {
    /// Conflict if a session with this hash exists.
    async fn create_console_session(&self, session: &ConsoleSession) -> Result<()>;
    /// The session, expired or not (the use case decides).
    async fn get_console_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>>;
    /// False if there was no such session.
    async fn delete_console_session(&self, id_hash: &str) -> Result<bool>;
    /// Deletes at most `limit` sessions that expired before `now`, oldest first; returns how many.
    async fn delete_expired_console_sessions(&self, now: Micros, limit: u32) -> Result<u64>;
}

/// Platen's tenant policies beyond Graph: app printing (the tenant's switch, the apps' share grants) and print
/// policies (rules applied when a job starts).
#[async_trait]
pub trait PolicyStore {
    /// Off until an administrator switches it on.
    async fn app_printing_enabled(&self, tenant: &str) -> Result<bool>;
    async fn set_app_printing(&self, tenant: &str, enabled: bool, at: Micros) -> Result<()>;
    /// Conflict if the app already has a grant on the share.
    async fn create_app_print_grant(&self, grant: &AppPrintGrant) -> Result<()>;
    /// The tenant's grants, oldest first.
    async fn list_app_print_grants(&self, tenant: &str) -> Result<Vec<AppPrintGrant>>;
    /// False if there was no such grant.
    async fn delete_app_print_grant(&self, tenant: &str, id: &str) -> Result<bool>;
    /// The lookup of every app printing request: one row by the unique index.
    async fn app_print_grant_exists(&self, tenant: &str, app_id: &str, share_id: &str) -> Result<bool>;
    async fn create_print_policy(&self, policy: &PrintPolicy) -> Result<()>;
    /// The tenant's policies, oldest first.
    async fn list_print_policies(&self, tenant: &str) -> Result<Vec<PrintPolicy>>;
    async fn get_print_policy(&self, tenant: &str, id: &str) -> Result<Option<PrintPolicy>>;
    /// False if there was no such policy.
    async fn delete_print_policy(&self, tenant: &str, id: &str) -> Result<bool>;
    /// The policies that govern a job on `printer_id` created by a member of `groups` (lower-case), oldest
    /// first: through the printer and group indexes, whatever else the tenant holds.
    async fn policies_for_job(
        &self,
        tenant: &str,
        printer_id: &str,
        groups: &[String],
    ) -> Result<Vec<PrintPolicy>>;
}

/// Print quotas: rules, and accounts per user and period. A job's hold and charge are written by its change
/// ([`JobStore::commit_job_change`] with `quota_reserve` / `quota_settle`), never here.
#[async_trait]
pub trait QuotaStore {
    /// Conflict if the user or group already has a rule.
    async fn create_quota_rule(&self, rule: &QuotaRule) -> Result<()>;
    /// The tenant's rules, oldest first.
    async fn list_quota_rules(&self, tenant: &str) -> Result<Vec<QuotaRule>>;
    async fn get_quota_rule(&self, tenant: &str, id: &str) -> Result<Option<QuotaRule>>;
    /// False if there was no such rule.
    async fn delete_quota_rule(&self, tenant: &str, id: &str) -> Result<bool>;
    /// The rules for `user_id` and for its `groups` (lower-case), through the two unique indexes.
    async fn quota_rules_for(&self, tenant: &str, user_id: &str, groups: &[String])
    -> Result<Vec<QuotaRule>>;
    /// The account of one period (empty if nothing touched it yet).
    async fn quota_account(
        &self,
        tenant: &str,
        user_id: &str,
        period: QuotaPeriod,
        start: Micros,
    ) -> Result<QuotaAccount>;
    /// A user's most recent accounts, newest first (at most 24).
    async fn quota_accounts_of(&self, tenant: &str, user_id: &str) -> Result<Vec<QuotaAccount>>;
    /// Adds `pages` (negative: takes away) to an account's credit; the account as it then stands.
    async fn credit_quota(
        &self,
        tenant: &str,
        user_id: &str,
        period: QuotaPeriod,
        start: Micros,
        pages: i64,
    ) -> Result<QuotaAccount>;
}

/// Release PINs (secure release's station): argon2 hashes, found by UPN.
#[async_trait]
pub trait ReleasePinStore {
    /// Sets (or replaces) the user's PIN.
    async fn put_release_pin(&self, pin: &ReleasePin) -> Result<()>;
    async fn release_pin_by_upn(&self, tenant: &str, upn: &str) -> Result<Option<ReleasePin>>;
    async fn release_pin_of(&self, tenant: &str, user_id: &str) -> Result<Option<ReleasePin>>;
    /// False if the user had none.
    async fn delete_release_pin(&self, tenant: &str, user_id: &str) -> Result<bool>;
}

/// Print passwords (HTTP Basic for IPP clients): records with the argon2 hash, never the password.
#[async_trait]
pub trait PrintPasswordStore {
    /// Conflict if the tenant already has a password with this id.
    async fn create_print_password(&self, password: &PrintPassword) -> Result<()>;
    /// The one lookup a login needs: by the id the password embeds.
    async fn get_print_password(&self, tenant: &str, id: &str) -> Result<Option<PrintPassword>>;
    /// A user's passwords (by object id), oldest first.
    async fn list_print_passwords(&self, tenant: &str, user_id: &str) -> Result<Vec<PrintPassword>>;
    /// False if there was no such password.
    async fn delete_print_password(&self, tenant: &str, id: &str) -> Result<bool>;
    /// Records a use at `at`; never moves `last_used_at` backwards, and is a no-op for an unknown id.
    async fn touch_print_password(&self, tenant: &str, id: &str, at: Micros) -> Result<()>;
}

/// Print usage for Graph's reports. The records are written by [`JobStore::commit_job_change`] when a change
/// carries an archive (a job's first ended phase); the rollups are added to later, in bulk ([`fold_usage`]);
/// usage reads fold what is pending first, so they count every job that ended before they were made.
///
/// [`fold_usage`]: ReportStore::fold_usage
#[async_trait]
pub trait ReportStore {
    /// Adds at most `limit` archived jobs not yet counted to the usage rollups, in one transaction: how many.
    async fn fold_usage(&self, limit: u32) -> Result<u64>;
    /// Rollup rows of one granularity and dimension, filtered, sorted and paged like every collection.
    async fn list_usage(
        &self,
        tenant: &str,
        period: platen_domain::usage::Period,
        dimension: platen_domain::usage::Dimension,
        q: &ListQuery,
    ) -> Result<Page<platen_domain::usage::UsageRow>>;
    async fn get_usage(
        &self,
        tenant: &str,
        period: platen_domain::usage::Period,
        dimension: platen_domain::usage::Dimension,
        id: &str,
    ) -> Result<Option<platen_domain::usage::UsageRow>>;
    /// Archived jobs of a printer, a user or a group, completed within the window (inclusive).
    async fn list_archived_jobs(
        &self,
        tenant: &str,
        scope: &ArchiveScope,
        q: &ListQuery,
    ) -> Result<Page<platen_domain::usage::ArchivedJob>>;
}

/// Which printers' jobs a retention batch may take: per-printer retention (`[retention.printers."id"]`) purges
/// each such printer with its own cutoff and the rest with the global one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurgeScope {
    All,
    /// Only this printer's jobs.
    Printer(String),
    /// Every printer's but these.
    Except(Vec<String>),
}

/// Retention (`[retention]`): finished jobs' document bytes, then their records, in bounded batches, oldest
/// first. Each call is one batch; 0 means nothing is left to do before the cutoff.
#[async_trait]
pub trait RetentionStore {
    /// Lists the blobs of the documents of at most `limit` jobs of `scope` that ended before `ended_before` as
    /// orphans (the sweeper deletes them), marks those documents purged; returns how many jobs it went through.
    async fn purge_document_bytes(&self, scope: &PurgeScope, ended_before: Micros, limit: u32)
    -> Result<u64>;
    /// Deletes at most `limit` jobs of `scope` that ended before `ended_before` with their history, documents
    /// (bytes left as orphans), tasks and job subscriptions; with [`PurgeScope::All`] and
    /// [`PurgeScope::Except`] also device events older than the cutoff; archived jobs and usage rollups stay.
    /// Returns how many jobs it deleted.
    async fn purge_job_records(&self, scope: &PurgeScope, ended_before: Micros, limit: u32) -> Result<u64>;
    /// The bytes of every document (and converted payload) whose blob is stored, every tenant.
    async fn stored_document_bytes(&self) -> Result<i64>;
}

/// Throttling counters in fixed windows (see `platen_domain::throttling`).
#[async_trait]
pub trait ThrottleStore {
    /// Adds `amount` to the counter of (`tenant`, `bucket`, `window_start`), created at zero, and returns the new
    /// total; atomic across concurrent callers on every node.
    async fn add_to_window(
        &self,
        tenant: &str,
        bucket: &str,
        window_start: Micros,
        amount: i64,
    ) -> Result<i64>;
    /// Deletes the counters of windows that started before `before`.
    async fn purge_windows(&self, before: Micros) -> Result<u64>;
}

/// Whether the store can serve requests (`/readyz`).
#[async_trait]
pub trait HealthStore {
    /// `Ok` when the database answers a query and holds every migration this binary knows; otherwise why not.
    async fn readiness(&self) -> Result<()>;
    /// What `/metrics` shows of the store when scraped: the webhook outbox's backlog and the connection pools.
    /// Read on the read pool, never the writer; O(undelivered notifications), which the outbox keeps small.
    async fn gauges(&self) -> Result<StoreGauges>;
}

/// See [`HealthStore::gauges`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreGauges {
    /// Notifications not yet delivered (delivered ones are deleted).
    pub outbox_pending: i64,
    /// When the oldest undelivered notification was queued.
    pub outbox_oldest: Option<platen_domain::time::Micros>,
    pub pools: Vec<PoolGauge>,
}

/// One connection pool: `read` or `write`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolGauge {
    pub name: &'static str,
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// The change feed.
#[async_trait]
pub trait ChangeFeedStore {
    /// Every job change committed from now on, by any node (see [`crate::feed`]): a wakeup hint for waiters.
    async fn subscribe_changes(&self) -> Result<tokio::sync::broadcast::Receiver<ChangeEvent>>;
}
