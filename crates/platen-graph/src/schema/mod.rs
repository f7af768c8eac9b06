//! Wire-shape validation of Graph request bodies.
//!
//! Every validator is a pure function from the JSON the client sent to either the normalised JSON to store
//! or a [`SchemaError`] (→ HTTP 400). The rules follow the v1.0 CSDL (wire names, types, nullability) and
//! the beta schema for beta-only members:
//!
//! - unknown members, and beta-only members on v1.0, are refused; `@odata.type` annotations are dropped;
//! - Int32/Int64 must be JSON integers in range (no `1.5`, no `1.0`, no `"2"`), Double any JSON number,
//!   Boolean only `true`/`false`, String only strings, collections only arrays (items never `null`);
//! - enum values are member-name strings, matched case-sensitively;
//! - explicit `null`s are kept (PATCH semantics: `null` clears) unless the member is non-nullable.

pub(crate) mod enums;
mod error;
mod job_configuration;
mod legacy_names;
mod location;
mod media_type;
mod primitives;
mod printer_capabilities;
mod printer_defaults;
mod printer_state_details;
mod reader;
mod settings;
mod shape;
mod shared_types;
mod status;
mod upload;

pub use enums::{
    INCOMPATIBLE_PRINTER_SETTINGS, PRINT_COLOR_CONFIGURATION, PRINT_COLOR_MODE, PRINT_DUPLEX_CONFIGURATION,
    PRINT_DUPLEX_MODE, PRINT_EVENT, PRINT_FINISHING, PRINT_JOB_PROCESSING_STATE, PRINT_JOB_STATE_DETAIL,
    PRINT_MEDIA_TYPE, PRINT_MULTIPAGE_LAYOUT, PRINT_OPERATION_PROCESSING_STATE, PRINT_ORIENTATION,
    PRINT_PRESENTATION_DIRECTION, PRINT_QUALITY, PRINT_RELEASE_TYPE, PRINT_SCALING,
    PRINT_TASK_PROCESSING_STATE, PRINTER_FEED_DIRECTION, PRINTER_FEED_ORIENTATION, PRINTER_PROCESSING_STATE,
    PRINTER_PROCESSING_STATE_DETAIL, PRINTER_PROCESSING_STATE_REASON,
};
pub use error::SchemaError;
pub use job_configuration::{MAX_COPIES, document_configuration, job_configuration};
pub use location::location;
pub use printer_capabilities::{capabilities_for, printer_capabilities};
pub use printer_defaults::{defaults_for, printer_defaults};
pub use reader::ObjectReader;
pub use settings::settings;
pub use status::{printer_status, task_status};
pub use upload::{MAX_DOCUMENT_NAME_CHARS, UploadProperties, upload_properties};

/// The Graph API version a request came in on (`/v1.0/…` or `/beta/…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiVersion {
    V1,
    Beta,
}
