//! Platen's storage boundary. [`Store`] is the one bound every other layer programs against: the per-area
//! traits ([`PrinterStore`], [`JobStore`], …) together. [`sql::SqlStore`] implements them for SQLite (the
//! embedded default) and PostgreSQL (several nodes), chosen at run time from the database URL. The
//! [`conformance`] suite (feature `testsuite`) runs against both.

pub mod feed;
pub mod fields;
pub mod sql;
mod store;
mod types;

#[cfg(any(test, feature = "testsuite"))]
pub mod conformance;
#[cfg(feature = "testsuite")]
pub mod testing;

pub use feed::{ChangeEvent, ChangeFeed};
pub use platen_domain::records::JobChange;
pub use store::{
    ChangeFeedStore, ConnectorStore, ConsoleSessionStore, DeviceStore, DocumentStore, HealthStore, JobStore,
    OutboxStore, PolicyStore, PoolGauge, PrintPasswordStore, PrinterStore, PurgeScope, QuotaStore,
    ReleasePinStore, ReportStore, RetentionStore, SettingsStore, ShareStore, Store, StoreGauges,
    SubscriptionStore, TaskStore, ThrottleStore,
};
pub use types::*;

pub type Result<T> = std::result::Result<T, StoreError>;
