//! Stored records. Complex Graph values that Platen passes through without interpreting (job configuration,
//! printer location/defaults/capabilities) are kept as JSON values, validated by the HTTP layer on input.

use crate::ids::{JobId, PrinterId, ShareId, TenantId};
use crate::job::{CompletionDetail, JobPhase};
use crate::time::Micros;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserIdentity {
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub ip_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Printer {
    pub tenant_id: TenantId,
    pub id: PrinterId,
    pub display_name: String,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub is_accepting_jobs: Option<bool>,
    pub status_state: String,
    pub status_details: Vec<String>,
    pub status_description: Option<String>,
    pub location: Value,
    pub defaults: Value,
    /// What `restoreFactoryDefaults` goes back to: the defaults the device (or registration) reported.
    pub factory_defaults: Value,
    pub capabilities: Value,
    pub registered_at: Micros,
    /// Computed on read: the printer has a share. Ignored on write.
    pub is_shared: bool,
    pub has_physical_device: bool,
    pub physical_device_id: Option<String>,
    pub last_seen_at: Option<Micros>,
    pub connector_id: Option<String>,
    /// The client app id of the token that registered the printer (apps may update only their own virtual printers).
    pub registered_by_app: Option<String>,
    /// The device certificate issued at registration (base64 DER).
    pub certificate: Option<String>,
    /// What the device last reported with Update-Output-Device-Attributes (IPP attributes as JSON).
    pub device_attributes: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub tenant_id: TenantId,
    pub id: ShareId,
    pub printer_id: PrinterId,
    pub display_name: String,
    pub allow_all_users: bool,
    pub created_at: Micros,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub tenant_id: TenantId,
    /// Short numeric id, as Universal Print's are.
    pub id: JobId,
    pub printer_id: PrinterId,
    /// The share the job was submitted through, if any.
    pub share_id: Option<ShareId>,
    pub phase: JobPhase,
    pub completion: Option<CompletionDetail>,
    /// Why the job was aborted or canceled, when a reason was given (abort's `reason`).
    pub status_reason: Option<String>,
    pub created_at: Micros,
    pub created_by: UserIdentity,
    /// The creator's group ids when the job was created (kept for reports by group).
    pub creator_groups: Vec<String>,
    pub configuration: Value,
    pub display_name: Option<String>,
    pub redirected_from: Option<String>,
    pub redirected_to: Option<String>,
    pub error_code: Option<i32>,
    pub acknowledged_at: Option<Micros>,
    /// The output device (its `output-device-uuid`) that claimed the job with Acknowledge-Job.
    pub acquired_by: Option<String>,
    pub completed_at: Option<Micros>,
    /// What the device reported it printed (Update-Job-Status counters).
    pub counts: crate::usage::PrintCounts,
    /// The pages held on the creator's print quota since the job started (Platen's quotas; `None`: no quota
    /// governed the creator when it started). Moves with a redirect; settled when the job ends.
    pub quota_hold: Option<crate::quota::QuotaHold>,
    pub updated_at: Micros,
    /// Optimistic-concurrency version: every write checks and bumps it.
    pub version: i64,
}

impl Job {
    pub fn is_acquired_by_printer(&self) -> bool {
        self.acknowledged_at.is_some()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub tenant_id: TenantId,
    pub id: String,
    pub job_id: JobId,
    pub display_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: Option<String>,
    pub uploaded_at: Option<Micros>,
    pub downloaded_at: Option<Micros>,
    /// Where the bytes live in the blob store, once uploaded.
    pub blob_key: Option<String>,
    /// beta `printerDocumentConfiguration`, validated by the Graph layer; None when never set.
    pub configuration: Option<Value>,
    /// The payload converted for the printer (see `document_conversion`), which devices fetch instead of the
    /// uploaded bytes. Graph's document (contentType, size, `$value`) keeps describing the upload.
    pub converted: Option<ConvertedPayload>,
    /// When retention deleted the bytes (`[retention] documents`); the record stays until the job's goes.
    pub purged_at: Option<Micros>,
}

/// A document's bytes converted to a format its printer takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertedPayload {
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
}

impl Document {
    /// The document as a device sees it (Fetch-Job, Fetch-Document): the converted payload's type, size, hash
    /// and bytes when there is one, else the upload.
    pub fn for_device(self) -> Document {
        match self.converted.clone() {
            Some(c) => Document {
                content_type: c.content_type,
                size: c.size,
                sha256: Some(c.sha256),
                blob_key: Some(c.blob_key),
                ..self
            },
            None => self,
        }
    }
}

/// A short-lived, pre-authenticated download of one document (`$value` answers 302 to its URL). The URL carries
/// a secret; only its SHA-256 is stored. The ticket names the document, not its bytes, so a document whose
/// bytes are gone (purged, job deleted) is refused when the URL is used, not served stale.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadTicket {
    pub id: String,
    pub tenant_id: TenantId,
    pub document_id: String,
    pub token_sha256: String,
    pub expires_at: Micros,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UploadSession {
    pub id: String,
    pub tenant_id: TenantId,
    pub job_id: JobId,
    pub document_id: String,
    /// SHA-256 (hex) of the secret carried by the upload URL; the secret itself is never stored.
    pub token_sha256: String,
    pub document_name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: Micros,
    pub expires_at: Micros,
}

/// One byte range received by an upload session (inclusive bounds), stored as its own blob.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRange {
    pub first: i64,
    pub last: i64,
    pub blob_key: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrinterOperation {
    pub tenant_id: TenantId,
    pub id: String,
    pub created_at: Micros,
    pub state: String,
    pub description: String,
    pub certificate: Option<String>,
    pub printer_id: Option<PrinterId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Connector {
    pub tenant_id: TenantId,
    pub id: String,
    pub display_name: String,
    pub fully_qualified_domain_name: String,
    pub operating_system: String,
    pub app_version: String,
    pub location: Value,
    pub registered_at: Micros,
    pub last_connection_at: Option<Micros>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryUser {
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryGroup {
    pub id: String,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrintSettings {
    pub document_conversion_enabled: bool,
    pub printer_discovery_settings: Value,
}

/// One entry of a job's history: every phase change, with who caused it and why.
#[derive(Debug, Clone, PartialEq)]
pub struct JobEventRecord {
    pub at: Micros,
    pub phase: JobPhase,
    pub actor: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskDefinition {
    pub tenant_id: TenantId,
    pub id: String,
    pub display_name: String,
    /// `createdBy.appId`: the app that created the definition (from its token).
    pub app_id: String,
    /// `createdBy.displayName`.
    pub app_display_name: Option<String>,
    /// `createdBy.servicePrincipalId`: the creating app's service principal (its token's `oid`).
    pub service_principal_id: Option<String>,
    /// `createdBy.servicePrincipalName`: that service principal's name (its token's `app_displayname`).
    pub service_principal_name: Option<String>,
    pub created_at: Micros,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskTrigger {
    pub tenant_id: TenantId,
    pub id: String,
    pub printer_id: PrinterId,
    pub definition_id: String,
    /// `printEvent`: always `jobStarted` today.
    pub event: String,
    pub created_at: Micros,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrintTask {
    pub tenant_id: TenantId,
    pub id: String,
    pub definition_id: String,
    pub trigger_id: String,
    /// The app owning the task: its definition's creator.
    pub app_id: String,
    pub job_id: JobId,
    pub printer_id: PrinterId,
    pub state: crate::task::TaskState,
    pub description: String,
    pub created_at: Micros,
    pub updated_at: Micros,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub id: String,
    pub tenant_id: TenantId,
    pub app_id: String,
    pub creator_id: String,
    pub change_type: String,
    pub resource: String,
    pub resource_kind: String,
    pub resource_key: String,
    pub notification_url: String,
    pub lifecycle_notification_url: Option<String>,
    pub client_state: Option<String>,
    pub notification_query_options: Option<String>,
    pub latest_supported_tls_version: Option<String>,
    pub expires_at: Micros,
    pub created_at: Micros,
}

/// What a notification is about.
#[derive(Debug, Clone, PartialEq)]
pub enum NotificationResource {
    /// `print/taskDefinitions/{definition}/tasks/{task}`.
    Task { definition_id: String, task_id: String },
    /// `print/printers/{printer}/jobs/{job}`; `job_id: None` means the job created by the same change (redirect).
    Job {
        printer_id: PrinterId,
        job_id: Option<JobId>,
    },
}

/// A change notification to store in the outbox together with the change that causes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub tenant_id: TenantId,
    pub subscription_id: String,
    pub change_type: String,
    pub resource: NotificationResource,
}

/// A stored notification waiting for delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: i64,
    pub tenant_id: TenantId,
    pub subscription_id: String,
    /// `change` or `lifecycle`.
    pub kind: String,
    /// The notification's own part (changeType, resource, resourceData, or lifecycleEvent) as JSON.
    pub payload: String,
    pub created_at: Micros,
    pub attempts: i64,
}

/// Everything one change of a job writes, in one transaction. Built only by the use cases' one door (which
/// decides it from the state table and [`crate::job::effects`]); the store writes it under the version check.
#[derive(Debug, Clone)]
pub struct JobChange {
    pub job: Job,
    pub expected_version: i64,
    pub event: Option<JobEventRecord>,
    pub new_task: Option<PrintTask>,
    /// Written only while the stored task has not ended; otherwise nothing is written (a stale decision).
    pub task_update: Option<PrintTask>,
    /// Redirect: the job born on the destination printer. The store links `redirectedTo`/`redirectedFrom`.
    pub redirect: Option<RedirectedJob>,
    /// An upload session that ends with this change, and the document it completes.
    pub upload: Option<FinishedUpload>,
    pub notifications: Vec<NewNotification>,
    /// Events for the devices of the job's printer.
    pub device_events: Vec<crate::job::effects::DeviceNotice>,
    /// The job ended with this change: its archived record, which the store also adds to the usage rollups.
    pub archive: Option<crate::usage::ArchivedJob>,
    /// The job's document gets its converted payload (the conversion finishing).
    pub converted: Option<DocumentConversion>,
    /// The job starts under a print quota: its hold is taken on the account, or the whole change is refused
    /// (`Commit::QuotaExceeded`) when the account has too few pages left.
    pub quota_reserve: Option<crate::quota::QuotaReservation>,
    /// The job ends: its hold is released and what it printed charged.
    pub quota_settle: Option<crate::quota::QuotaSettlement>,
}

/// A conversion's result, written to the document by the change that makes the job fetchable.
#[derive(Debug, Clone)]
pub struct DocumentConversion {
    pub document_id: String,
    pub payload: ConvertedPayload,
}

impl JobChange {
    pub fn new(job: Job, expected_version: i64, event: Option<JobEventRecord>) -> Self {
        Self {
            job,
            expected_version,
            event,
            new_task: None,
            task_update: None,
            redirect: None,
            upload: None,
            notifications: vec![],
            device_events: vec![],
            archive: None,
            converted: None,
            quota_reserve: None,
            quota_settle: None,
        }
    }
}

/// The job a redirect creates, with its document (sharing the source's bytes), its first history entry, the
/// print task that holds it when the destination has a trigger, and the events for the destination's devices.
#[derive(Debug, Clone)]
pub struct RedirectedJob {
    pub job: Job,
    pub document: Document,
    pub event: JobEventRecord,
    /// Its `job_id` is filled in by the store once the job has its id.
    pub held_task: Option<PrintTask>,
    pub device_events: Vec<crate::job::effects::DeviceNotice>,
}

/// The end of an upload: the document gets its bytes, and the upload session (Graph's resumable upload), if
/// the bytes came through one, goes. An IPP client sends its document in the request itself: no session.
#[derive(Debug, Clone)]
pub struct FinishedUpload {
    pub session_id: Option<String>,
    pub document: Document,
}

/// The relative Graph path of a job, as stored in `redirectedFrom`/`redirectedTo` and notifications.
pub fn job_path(printer_id: &PrinterId, job_id: JobId) -> String {
    format!("print/printers/{printer_id}/jobs/{job_id}")
}

/// An event for devices of one printer (IPP `ippget` notifications).
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceEvent {
    /// Monotonic: the IPP `notify-sequence-number`.
    pub id: i64,
    pub printer_id: PrinterId,
    /// `job-fetchable` or `job-state-changed`.
    pub event: String,
    pub job_id: JobId,
    /// RFC 8011 job state at the time of the event.
    pub job_state: i32,
    pub created_at: Micros,
}

/// An IPP printer subscription (Create-Printer-Subscriptions with `ippget`).
#[derive(Debug, Clone, PartialEq)]
pub struct IppSubscription {
    pub tenant_id: TenantId,
    pub id: i64,
    pub printer_id: PrinterId,
    pub events: Vec<String>,
    /// 0: no expiry.
    pub lease_expires_at: Micros,
    pub created_at: Micros,
    /// The user (object id) whose IPP client made it through a share; `None` for a device's.
    pub owner_id: Option<String>,
    /// The one job it follows (Create-Job-Subscriptions); `None`: every job of the printer it may see.
    pub job_id: Option<JobId>,
}

/// A user's print password: what an IPP client (CUPS, macOS, Windows) sends with HTTP Basic, user name = the
/// user's UPN. The identity it stands for (object id, UPN, display name, groups) is copied at creation, because
/// an IPP request carries no token to read it from. Only the argon2 PHC hash of the password is kept.
#[derive(Clone, PartialEq)]
pub struct PrintPassword {
    pub tenant_id: TenantId,
    /// The public lookup id, which the password itself embeds (lower-case).
    pub id: String,
    /// The user's object id (lower-case).
    pub user_id: String,
    pub user_principal_name: String,
    pub display_name: Option<String>,
    /// Group object ids (lower-case), for share access checks.
    pub groups: Vec<String>,
    pub label: String,
    /// Argon2 PHC string (`$argon2id$v=19$…`) of the whole password.
    pub password_hash: String,
    pub created_at: Micros,
    pub last_used_at: Option<Micros>,
}

/// A web console sign-in. The browser's cookie holds a random secret; the store keeps its SHA-256 (`id_hash`)
/// and the identity the sign-in verified, copied so each page can act as that user without a token.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleSession {
    /// Lower-case hex SHA-256 of the cookie's secret.
    pub id_hash: String,
    pub tenant_id: TenantId,
    /// The user's object id (lower-case).
    pub user_id: String,
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
    /// Group object ids, for share access checks.
    pub groups: Vec<String>,
    /// Directory role template ids (`wids`): Printer Administrator sees the admin pages.
    pub directory_roles: Vec<String>,
    /// Who verified the sign-in (an OpenID provider's issuer, or the development issuer).
    pub issuer: String,
    pub created_at: Micros,
    pub expires_at: Micros,
}

/// Leaves the hash out, so logs and assertion messages never carry it.
impl std::fmt::Debug for PrintPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrintPassword")
            .field("tenant_id", &self.tenant_id)
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("user_principal_name", &self.user_principal_name)
            .field("display_name", &self.display_name)
            .field("groups", &self.groups)
            .field("label", &self.label)
            .field("password_hash", &"…")
            .field("created_at", &self.created_at)
            .field("last_used_at", &self.last_used_at)
            .finish()
    }
}

/// An application allowed to print on a share (app printing, Platen's opt-in): its jobs there are its own.
#[derive(Debug, Clone, PartialEq)]
pub struct AppPrintGrant {
    pub tenant_id: TenantId,
    pub id: String,
    /// The client id of the app (`appid`/`azp` of its tokens), lower-case.
    pub app_id: String,
    pub share_id: ShareId,
    /// Who granted it (`user:{upn}`).
    pub granted_by: String,
    pub granted_at: Micros,
}
