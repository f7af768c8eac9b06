//! The permission a job operation needs besides its own, which depends on the collection that addresses the
//! job. The §2 notes of rows 17, 18, 20, 22, 23, 25 and 28 say a job operation "also needs" a permission that
//! grants Get printer (through `/print/printers/{id}/jobs…`) or Get printerShare (through
//! `/print/shares/{id}/jobs…`). Kept as data next to the rule table, and checked by [`authorize_job`] so no
//! handler decides it.

use super::{Access, Operation, PermissionDenied, authorize};
use crate::principal::Caller;

/// The collection a job request is addressed through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobPath {
    /// `/print/printers/{id}/jobs…`
    Printer,
    /// `/print/shares/{id}/jobs…`
    Share,
}

/// A permission the caller must hold besides the operation's own: any one of the listed names.
#[derive(Debug, Clone, Copy)]
pub struct Companion {
    /// The operation whose permissions these are, for the refusal's message.
    pub grants: &'static str,
    pub delegated: &'static [&'static str],
    pub application: &'static [&'static str],
}

/// Row 5 (`GET /print/printers/{id}`): the printer permissions, and for delegated callers the share permissions
/// too (a user reaches a printer through a share).
pub const GET_PRINTER_ACCESS: Companion = Companion {
    grants: "Get printer",
    delegated: &[
        "Printer.FullControl.All",
        "Printer.Read.All",
        "Printer.ReadWrite.All",
        "PrinterShare.Read.All",
        "PrinterShare.ReadBasic.All",
        "PrinterShare.ReadWrite.All",
    ],
    application: &["Printer.Read.All", "Printer.ReadWrite.All"],
};

/// Row 35 (`GET /print/shares/{id}`) for delegated callers. Row 35 has no application permission, yet row 18
/// documents application permissions for `GET /print/shares/{id}/jobs` and the same "also needs" note: read
/// literally, the two rows would lock every application out of a path the contract gives them. An application
/// reaches the share's jobs with the permission that reads the share's printer (row 5's application form).
pub const GET_SHARE_ACCESS: Companion = Companion {
    grants: "Get printerShare",
    delegated: &[
        "PrinterShare.ReadBasic.All",
        "PrinterShare.ReadWrite.All",
        "PrinterShare.Read.All",
    ],
    application: GET_PRINTER_ACCESS.application,
};

impl JobPath {
    /// THE rule: which companion permission a job operation through this path needs.
    pub const fn companion(self) -> Companion {
        match self {
            JobPath::Printer => GET_PRINTER_ACCESS,
            JobPath::Share => GET_SHARE_ACCESS,
        }
    }
}

/// Every operation addressed to a job or below it (documents, upload sessions, the job's tasks): the operations
/// [`authorize_job`] is for.
pub const JOB_OPERATIONS: &[Operation] = &[
    Operation::ListJobs,
    Operation::GetJob,
    Operation::CreatePrinterJob,
    Operation::CreateShareJob,
    Operation::UpdateJob,
    Operation::StartJob,
    Operation::CancelJob,
    Operation::AbortJob,
    Operation::RedirectJob,
    Operation::GetDocument,
    Operation::DownloadDocument,
    Operation::CreateUploadSession,
    Operation::CreateShareUploadSession,
];

/// [`authorize`] for a job operation, plus the companion permission its path needs.
pub fn authorize_job(caller: &Caller, op: Operation, path: JobPath) -> Result<Access, PermissionDenied> {
    let access = authorize(caller, op)?;
    let companion = path.companion();
    let accepted = if caller.is_delegated() {
        companion.delegated
    } else {
        companion.application
    };
    if accepted.iter().any(|p| caller.holds(p)) {
        return Ok(access);
    }
    Err(PermissionDenied(format!(
        "The token also needs a permission that grants {} access; one of: {}.",
        companion.grants,
        accepted.join(", ")
    )))
}
