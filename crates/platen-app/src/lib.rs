//! Platen's use cases. The Graph HTTP layer and the IPP layer both call these; this is the one place where
//! the domain rules (state machine, permissions' object-level checks), storage, document bytes and the
//! certificate authority meet.

mod app_printing;
pub mod connection;
mod connectors;
pub mod console;
mod conversions;
mod converter;
mod device_reads;
mod device_wakeups;
mod devices;
mod directory;
mod document_settings;
mod downloads;
mod error;
mod health;
mod in_flight;
mod job_door;
mod jobs;
mod navigation;
mod page_count;
mod print_passwords;
mod print_policies;
mod printers;
mod pull;
mod quotas;
mod reports;
pub mod retention;
mod secure_release;
pub mod served;
mod settings;
mod share_events;
mod shares;
mod submissions;
mod sweeper;
mod throttle;
mod upload_hash;
mod uploads;
mod usage_folder;
pub mod webhooks;

pub use app_printing::AppPrinting;
pub use connection::ConnectionInfo;
pub use converter::ConverterConfig;
pub use device_wakeups::DeviceWakeups;
pub use devices::{DEVICE_TOKEN_LIFETIME, Device};
pub use downloads::DownloadGrant;
pub use error::{AppError, UploadFailure};
pub use jobs::{JobTarget, Outcome, describe_refusal};
pub use print_passwords::{NewPrintPassword, PRINT_PASSWORD_SCOPES, PrintPasswordOwner, PrintPasswordPolicy};
pub use print_policies::NewPrintPolicy;
pub use printers::{PrinterRegistration, PrinterUpdate};
pub use quotas::{NewQuotaRule, UserQuota};
pub use retention::{PrinterRetention, RetentionPolicy, spawn_retention};
pub use secure_release::spawn_release_expiry;
pub use shares::ShareUpdate;
pub use submissions::{IncomingDocument, ShareIppSettings, WhichJobs};
pub use sweeper::spawn_sweeper;
pub use uploads::{ContentRange, RangeOutcome, UploadStatus, missing_ranges};
pub use usage_folder::spawn_usage_folder;

use platen_blob::BlobStore;
use platen_pki::CertificateAuthority;
use platen_store::Store;
use std::sync::Arc;
use std::time::Duration;

pub type Result<T> = std::result::Result<T, AppError>;

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Largest document accepted by createUploadSession (Universal Print's floor is 1 GB).
    pub max_document_size: u64,
    /// How long an upload URL stays valid.
    pub upload_session_lifetime: Duration,
    /// How long a download URL (the target of `$value`'s redirect) stays valid.
    pub download_url_lifetime: Duration,
    /// Largest byte range accepted by one upload PUT (Graph: each PUT is under 10 MB).
    pub max_fragment_size: u64,
    /// Lifetime of device certificates issued at printer registration.
    pub device_certificate_lifetime: chrono::Duration,
    /// Accept plain `http://` webhook URLs on non-loopback hosts (loopback is always allowed).
    pub allow_insecure_webhooks: bool,
    /// Print password logins: cache lifetime, failure limits, bookkeeping.
    pub print_passwords: PrintPasswordPolicy,
    /// Limits on job creations and uploaded bytes (off unless configured).
    pub throttling: platen_domain::throttling::ThrottlePolicy,
    /// How OXPS uploads are converted to PDF for PDF-only printers.
    pub converter: ConverterConfig,
    /// How long finished jobs keep their document bytes and their records.
    pub retention: RetentionPolicy,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            max_document_size: 1 << 30,
            upload_session_lifetime: Duration::from_secs(3600),
            download_url_lifetime: Duration::from_secs(600),
            max_fragment_size: 10 * 1024 * 1024 - 1,
            device_certificate_lifetime: chrono::Duration::days(825),
            allow_insecure_webhooks: false,
            print_passwords: PrintPasswordPolicy::default(),
            throttling: Default::default(),
            converter: ConverterConfig::default(),
            retention: RetentionPolicy::default(),
        }
    }
}

#[derive(Clone)]
pub struct App {
    /// Private to the use cases: front ends call the use cases, never the store.
    store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub ca: Arc<CertificateAuthority>,
    pub config: AppConfig,
    directory: Arc<directory::SeenCache>,
    /// Print password logins on this node: verified-credential cache, failure counters, argon2 slots.
    logins: Arc<print_passwords::Logins>,
    /// Uploads in progress on this node, per user (`concurrent_uploads_per_user`).
    uploads_in_flight: Arc<in_flight::InFlight>,
    /// SHA-256 of upload sessions whose ranges arrive here in order, as they arrive.
    upload_hashers: Arc<upload_hash::Hashers>,
    /// Poked after a commit that queued change notifications, so delivery starts at once instead of at the
    /// next poll.
    pub outbox_wakeup: Arc<tokio::sync::Notify>,
    /// Device long polls, woken per printer after a job change of that printer commits (here, or on another node
    /// through the change feed), so they answer at once.
    pub device_wakeups: Arc<DeviceWakeups>,
    /// Poked after a share is created, changed or removed here, so the DNS-SD advertiser looks at once
    /// instead of at its next poll (which still catches changes made by other nodes).
    pub share_wakeup: Arc<tokio::sync::Notify>,
}

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        ca: Arc<CertificateAuthority>,
        config: AppConfig,
    ) -> Self {
        Self {
            store,
            blobs,
            ca,
            logins: Arc::new(print_passwords::Logins::new(config.print_passwords.clone())),
            config,
            directory: Arc::new(directory::SeenCache::default()),
            uploads_in_flight: Arc::default(),
            upload_hashers: Arc::default(),
            outbox_wakeup: Arc::new(tokio::sync::Notify::new()),
            device_wakeups: Arc::default(),
            share_wakeup: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

/// An app on the SQLite database at `url` with documents and its CA under `dir`: what the use cases' own tests
/// run against.
#[cfg(test)]
pub(crate) async fn test_app(url: &str, dir: &std::path::Path, config: AppConfig) -> App {
    let store = platen_store::sql::SqlStore::open(url).await.unwrap();
    let blobs = platen_blob::LocalDisk::open(dir.join("blobs")).await.unwrap();
    let ca = CertificateAuthority::load_or_create(&dir.join("ca")).unwrap();
    App::new(Arc::new(store), Arc::new(blobs), Arc::new(ca), config)
}
