//! App-only printing, Platen's opt-in beyond the contract. Universal Print refuses jobs from application tokens
//! (rows 20, 23, 24 and the share path of row 29 are delegated only), and unattended systems (ERP, line-of-business
//! apps) cannot print. A tenant that switches app printing on lets an application holding one of
//! [`APP_PRINTING_ROLES`] create, upload, start, cancel and read its own jobs on the shares an administrator
//! granted to it, and nothing else. The switch and the grants are object-level checks in `platen-app`; this is
//! the rule: which operations, which roles, through which path, and what the access reaches.

use super::{Access, JobPath, Operation, PermissionDenied};
use crate::principal::Caller;

/// The application roles that may print once a tenant allows it: Graph's own `PrintJob.ReadWrite.All`, or
/// Platen's narrower role, which grants nothing but printing on granted shares.
pub const APP_PRINTING_ROLES: &[&str] = &["PrintJob.ReadWrite.All", "Platen.PrintJob.Submit"];

/// The operations app printing opens, through `/print/shares/{id}/jobs…` only: submitting a job and following it.
pub const APP_PRINTING_OPERATIONS: &[Operation] = &[
    Operation::CreateShareJob,
    Operation::CreateShareUploadSession,
    Operation::StartJob,
    Operation::CancelJob,
    Operation::GetJob,
    Operation::ListJobs,
    Operation::GetDocument,
];

/// Is this a request app printing could open (before the tenant's switch and the share's grant are checked)?
pub fn is_app_printing_request(caller: &Caller, op: Operation, path: JobPath) -> bool {
    !caller.is_delegated() && path == JobPath::Share && APP_PRINTING_OPERATIONS.contains(&op)
}

/// The access app printing gives, for a tenant that switched it on: the app reaches only its own jobs
/// (`all_users` off) and only shares granted to it (`admin` off: the share check asks for the grant).
pub fn authorize_app_printing(
    caller: &Caller,
    op: Operation,
    path: JobPath,
) -> Result<Access, PermissionDenied> {
    if !is_app_printing_request(caller, op, path) {
        return Err(PermissionDenied(
            "App printing covers only job submission through a share.".into(),
        ));
    }
    let permission = APP_PRINTING_ROLES
        .iter()
        .find(|r| caller.holds(r))
        .copied()
        .ok_or_else(|| {
            PermissionDenied(format!(
                "Printing as an application needs one of the roles: {}.",
                APP_PRINTING_ROLES.join(", ")
            ))
        })?;
    Ok(Access {
        permission,
        all_users: false,
        admin: false,
    })
}
