//! Platen's domain: plain records, the job state machine, the permission rules and the principal model.
//! Nothing here does I/O; the storage, HTTP and IPP layers all build on these definitions.

pub mod configuration_fit;
pub mod device;
pub mod document_conversion;
pub mod ids;
pub mod job;
pub mod permissions;
pub mod principal;
pub mod print_policy;
pub mod quota;
pub mod records;
pub mod secure_release;
pub mod share_printer;
pub mod task;
pub mod throttling;
pub mod time;
pub mod usage;

pub use configuration_fit::{UnsupportedSetting, unsupported_setting};
pub use ids::{JobId, PrinterId, ShareId, TenantId};
pub use job::{CompletionDetail, JobEvent, JobPhase, Refusal, Transition};
pub use permissions::{Access, Operation, PermissionDenied};
pub use principal::{Caller, CallerKind};
pub use share_printer::share_printer_uuid;
