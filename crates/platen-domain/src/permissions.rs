//! The permission rules of every Graph print operation, as data: which delegated scopes and which
//! application roles are accepted (least and higher privileged alike), and whether the signed-in user must
//! also hold the Printer Administrator (or Global Administrator) role. Source: the permission columns of
//! `graph-print-api.md` §2. Everything that decides "may this token call this operation" lives here.

use crate::principal::Caller;

mod app_printing;
mod job_paths;
pub use app_printing::{
    APP_PRINTING_OPERATIONS, APP_PRINTING_ROLES, authorize_app_printing, is_app_printing_request,
};
pub use job_paths::{
    Companion, GET_PRINTER_ACCESS, GET_SHARE_ACCESS, JOB_OPERATIONS, JobPath, authorize_job,
};

/// Every operation a route can map to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    GetSettings,
    UpdateSettings,
    ListPrinters,
    CreatePrinter,
    GetPrinter,
    GetSharePrinter,
    UpdatePrinter,
    DeletePrinter,
    RestoreFactoryDefaults,
    GetCapabilities,
    ListPrinterConnectors,
    ListPrinterShares,
    GetOperation,
    ListTaskTriggers,
    GetTaskTrigger,
    CreateTaskTrigger,
    DeleteTaskTrigger,
    ListJobs,
    GetJob,
    CreatePrinterJob,
    CreateShareJob,
    UpdateJob,
    StartJob,
    CancelJob,
    AbortJob,
    RedirectJob,
    GetDocument,
    DownloadDocument,
    CreateUploadSession,
    /// `createUploadSession` addressed through a share: only the signed-in user's own delegated token.
    CreateShareUploadSession,
    ListShares,
    GetShare,
    CreateShare,
    UpdateShare,
    DeleteShare,
    ListAllowedUsers,
    AddAllowedUser,
    RemoveAllowedUser,
    ListAllowedGroups,
    AddAllowedGroup,
    RemoveAllowedGroup,
    ListRecentShares,
    ListConnectors,
    CreateConnector,
    GetConnector,
    UpdateConnector,
    DeleteConnector,
    GetServices,
    ManageTaskDefinitions,
    ManageTasks,
    ReadReports,
    /// Change notifications on `print/taskDefinitions/{id}/tasks` (create, read, renew, delete).
    SubscribeTaskDefinitionTasks,
    /// Change notifications on `print/printers/{id}/jobs` (create, read, renew, delete).
    SubscribePrinterJobs,
    /// Platen's `/platen/app-printing`: read the tenant's switch and the apps' share grants.
    ReadAppPrinting,
    /// Platen's `/platen/app-printing`: switch app printing, grant and revoke shares.
    ManageAppPrinting,
    /// Platen's `/platen/print-policies`: read the policies.
    ReadPrintPolicies,
    /// Platen's `/platen/print-policies`: create and delete policies; also print quota rules and credits.
    ManagePrintPolicies,
    /// Platen's `/platen/print-quota-balance`: a user reads their own print quota.
    ReadOwnPrintQuota,
    /// Platen's `/platen/release-pin`: a user sets or removes their own release PIN.
    ManageOwnReleasePin,
}

/// One operation's rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Delegated scopes accepted (empty: delegated tokens are not supported).
    pub delegated: &'static [&'static str],
    /// Application roles accepted (empty: application tokens are not supported).
    pub application: &'static [&'static str],
    /// A delegated caller must also be Printer Administrator or Global Administrator.
    pub admin_role: bool,
}

const PRINTER_READ: &[&str] = &[
    "Printer.Read.All",
    "Printer.ReadWrite.All",
    "Printer.FullControl.All",
];
const PRINTER_WRITE: &[&str] = &["Printer.ReadWrite.All", "Printer.FullControl.All"];
const PRINTER_CREATE: &[&str] = &[
    "Printer.Create",
    "Printer.FullControl.All",
    "Printer.ReadWrite.All",
];
const APP_PRINTER_READ: &[&str] = &["Printer.Read.All", "Printer.ReadWrite.All"];
const JOB_READ_D: &[&str] = &[
    "PrintJob.ReadBasic",
    "PrintJob.Read",
    "PrintJob.Read.All",
    "PrintJob.ReadBasic.All",
    "PrintJob.ReadWrite",
    "PrintJob.ReadWrite.All",
    "PrintJob.ReadWriteBasic",
    "PrintJob.ReadWriteBasic.All",
];
const JOB_READ_A: &[&str] = &[
    "PrintJob.ReadBasic.All",
    "PrintJob.Read.All",
    "PrintJob.ReadWrite.All",
    "PrintJob.ReadWriteBasic.All",
];
const JOB_CREATE_PRINTER: &[&str] = &[
    "PrintJob.Create",
    "PrintJob.ReadWrite",
    "PrintJob.ReadWrite.All",
    "PrintJob.ReadWriteBasic",
    "PrintJob.ReadWriteBasic.All",
];
const JOB_CREATE_SHARE: &[&str] = &[
    "PrintJob.ReadWriteBasic",
    "PrintJob.ReadWrite",
    "PrintJob.ReadWrite.All",
    "PrintJob.ReadWriteBasic.All",
];
const JOB_APP_WRITE: &[&str] = &[
    "PrintJob.ReadWriteBasic.All",
    "PrintJob.Manage.All",
    "PrintJob.ReadWrite.All",
];
/// Document content: never a `Basic` permission.
const DOC_READ_D: &[&str] = &[
    "PrintJob.Read",
    "PrintJob.Read.All",
    "PrintJob.ReadWrite",
    "PrintJob.ReadWrite.All",
];
const DOC_READ_A: &[&str] = &["PrintJob.Read.All", "PrintJob.ReadWrite.All"];
const SHARE_READ: &[&str] = &[
    "PrinterShare.ReadBasic.All",
    "PrinterShare.Read.All",
    "PrinterShare.ReadWrite.All",
];
const SHARE_ACL_READ: &[&str] = &["PrinterShare.Read.All", "PrinterShare.ReadWrite.All"];
const SHARE_WRITE: &[&str] = &["PrinterShare.ReadWrite.All"];
const CONNECTOR_READ: &[&str] = &["PrintConnector.Read.All", "PrintConnector.ReadWrite.All"];
const CONNECTOR_WRITE: &[&str] = &["PrintConnector.ReadWrite.All"];
const TASK_DEFINITION: &[&str] = &["PrintTaskDefinition.ReadWrite.All"];
/// Every delegated Universal Print permission (the services list accepts any of them).
const ANY_PRINT_D: &[&str] = &[
    "PrintJob.ReadBasic",
    "PrintJob.Read",
    "PrintJob.ReadWriteBasic",
    "PrintJob.ReadWrite",
    "PrintJob.Create",
    "PrintJob.ReadBasic.All",
    "PrintJob.Read.All",
    "PrintJob.ReadWriteBasic.All",
    "PrintJob.ReadWrite.All",
    "Printer.Create",
    "Printer.Read.All",
    "Printer.ReadWrite.All",
    "Printer.FullControl.All",
    "PrinterShare.ReadBasic.All",
    "PrinterShare.Read.All",
    "PrinterShare.ReadWrite.All",
    "PrintConnector.Read.All",
    "PrintConnector.ReadWrite.All",
    "PrintSettings.Read.All",
    "PrintSettings.ReadWrite.All",
];
const NONE: &[&str] = &[];

const fn d(delegated: &'static [&'static str], admin_role: bool) -> Rule {
    Rule {
        delegated,
        application: NONE,
        admin_role,
    }
}
const fn a(application: &'static [&'static str]) -> Rule {
    Rule {
        delegated: NONE,
        application,
        admin_role: false,
    }
}
const fn da(
    delegated: &'static [&'static str],
    application: &'static [&'static str],
    admin_role: bool,
) -> Rule {
    Rule {
        delegated,
        application,
        admin_role,
    }
}

impl Operation {
    pub const ALL: &'static [Operation] = &[
        Op::GetSettings,
        Op::UpdateSettings,
        Op::ListPrinters,
        Op::CreatePrinter,
        Op::GetPrinter,
        Op::GetSharePrinter,
        Op::UpdatePrinter,
        Op::DeletePrinter,
        Op::RestoreFactoryDefaults,
        Op::GetCapabilities,
        Op::ListPrinterConnectors,
        Op::ListPrinterShares,
        Op::GetOperation,
        Op::ListTaskTriggers,
        Op::GetTaskTrigger,
        Op::CreateTaskTrigger,
        Op::DeleteTaskTrigger,
        Op::ListJobs,
        Op::GetJob,
        Op::CreatePrinterJob,
        Op::CreateShareJob,
        Op::UpdateJob,
        Op::StartJob,
        Op::CancelJob,
        Op::AbortJob,
        Op::RedirectJob,
        Op::GetDocument,
        Op::DownloadDocument,
        Op::CreateUploadSession,
        Op::CreateShareUploadSession,
        Op::ListShares,
        Op::GetShare,
        Op::CreateShare,
        Op::UpdateShare,
        Op::DeleteShare,
        Op::ListAllowedUsers,
        Op::AddAllowedUser,
        Op::RemoveAllowedUser,
        Op::ListAllowedGroups,
        Op::AddAllowedGroup,
        Op::RemoveAllowedGroup,
        Op::ListRecentShares,
        Op::ListConnectors,
        Op::CreateConnector,
        Op::GetConnector,
        Op::UpdateConnector,
        Op::DeleteConnector,
        Op::GetServices,
        Op::ManageTaskDefinitions,
        Op::ManageTasks,
        Op::ReadReports,
        Op::SubscribeTaskDefinitionTasks,
        Op::SubscribePrinterJobs,
        Op::ReadAppPrinting,
        Op::ManageAppPrinting,
        Op::ReadPrintPolicies,
        Op::ManagePrintPolicies,
        Op::ReadOwnPrintQuota,
        Op::ManageOwnReleasePin,
    ];

    /// THE table.
    pub fn rule(self) -> Rule {
        match self {
            // Row 1 names no directory role: whoever holds a PrintSettings permission reads the settings.
            Op::GetSettings => d(&["PrintSettings.Read.All", "PrintSettings.ReadWrite.All"], false),
            Op::UpdateSettings => d(&["PrintSettings.ReadWrite.All"], true),
            Op::ListPrinters => d(PRINTER_READ, true),
            Op::CreatePrinter => d(PRINTER_CREATE, true),
            Op::GetPrinter => da(PRINTER_READ, APP_PRINTER_READ, true),
            // A user reaching a printer through a share they may use: share permissions, no admin role.
            Op::GetSharePrinter => d(SHARE_READ, false),
            Op::UpdatePrinter => da(PRINTER_WRITE, &["Printer.ReadWrite.All"], true),
            Op::DeletePrinter => d(&["Printer.FullControl.All"], true),
            Op::RestoreFactoryDefaults => d(PRINTER_WRITE, true),
            Op::GetCapabilities => d(PRINTER_READ, true),
            Op::ListPrinterConnectors => d(CONNECTOR_READ, true),
            // Row 12 names no directory role: a user sees a printer's share with share permissions.
            Op::ListPrinterShares => d(SHARE_READ, false),
            Op::GetOperation => d(PRINTER_CREATE, true),
            Op::ListTaskTriggers | Op::GetTaskTrigger => d(PRINTER_READ, true),
            Op::CreateTaskTrigger | Op::DeleteTaskTrigger => d(PRINTER_WRITE, true),
            Op::ListJobs | Op::GetJob => da(JOB_READ_D, JOB_READ_A, false),
            // Row 19: the current map names no role (only older pages did, §6.9). Which printers a user may print
            // to directly is an object-level check in `App::create_job`.
            Op::CreatePrinterJob => d(JOB_CREATE_PRINTER, false),
            Op::CreateShareJob => d(JOB_CREATE_SHARE, false),
            Op::UpdateJob | Op::AbortJob => a(JOB_APP_WRITE),
            Op::StartJob => d(JOB_CREATE_PRINTER, false),
            Op::CancelJob => d(JOB_CREATE_SHARE, false),
            Op::RedirectJob => a(&["PrintJob.Manage.All"]),
            Op::GetDocument | Op::DownloadDocument => da(DOC_READ_D, DOC_READ_A, false),
            Op::CreateUploadSession => da(
                &["PrintJob.Create", "PrintJob.ReadWrite", "PrintJob.ReadWrite.All"],
                &["PrintJob.ReadWrite.All"],
                false,
            ),
            Op::CreateShareUploadSession => d(
                &["PrintJob.Create", "PrintJob.ReadWrite", "PrintJob.ReadWrite.All"],
                false,
            ),
            Op::ListShares | Op::GetShare | Op::ListRecentShares => d(SHARE_READ, false),
            Op::CreateShare | Op::UpdateShare | Op::DeleteShare => d(SHARE_WRITE, true),
            Op::ListAllowedUsers | Op::ListAllowedGroups => d(SHARE_ACL_READ, true),
            Op::AddAllowedUser | Op::RemoveAllowedUser | Op::AddAllowedGroup | Op::RemoveAllowedGroup => {
                d(SHARE_WRITE, true)
            }
            Op::ListConnectors | Op::GetConnector => d(CONNECTOR_READ, true),
            // Connectors register themselves with an administrator's token (`platen connector register`).
            Op::CreateConnector | Op::UpdateConnector | Op::DeleteConnector => d(CONNECTOR_WRITE, true),
            Op::GetServices => d(ANY_PRINT_D, false),
            Op::ManageTaskDefinitions | Op::ManageTasks => a(TASK_DEFINITION),
            Op::ReadReports => d(&["Reports.Read.All"], false),
            // Subscriptions on print resources: application tokens only (§3.6, §7).
            Op::SubscribeTaskDefinitionTasks => a(TASK_DEFINITION),
            Op::SubscribePrinterJobs => a(APP_PRINTER_READ),
            // Platen's own administration, with the Graph permissions of the nearest Graph operation: app printing
            // is a tenant print setting (rows 1-2), policies are printer administration (rows 3, 6).
            Op::ReadAppPrinting => d(&["PrintSettings.Read.All", "PrintSettings.ReadWrite.All"], true),
            Op::ManageAppPrinting => d(&["PrintSettings.ReadWrite.All"], true),
            Op::ReadPrintPolicies => d(PRINTER_READ, true),
            Op::ManagePrintPolicies => d(PRINTER_WRITE, true),
            // Whoever may print reads what they may still print.
            Op::ReadOwnPrintQuota | Op::ManageOwnReleasePin => d(ANY_PRINT_D, false),
        }
    }
}

use Operation as Op;

/// What a granted call may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// The permission that granted the call.
    pub permission: &'static str,
    /// The caller may act on every user's jobs in the tenant (an application token, or a `*.All` scope held by
    /// a Printer/Global Administrator); otherwise only on the caller's own jobs.
    pub all_users: bool,
    /// The caller is a Printer or Global Administrator (delegated) or an app.
    pub admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PermissionDenied(pub String);

/// Decide whether `caller` may call `op` at all. Object-level checks (is this the caller's job, may the
/// user print to this share) come after, with the returned [`Access`].
pub fn authorize(caller: &Caller, op: Operation) -> Result<Access, PermissionDenied> {
    let rule = op.rule();
    let accepted = if caller.is_delegated() {
        rule.delegated
    } else {
        rule.application
    };
    if accepted.is_empty() {
        let kind = if caller.is_delegated() {
            "Delegated"
        } else {
            "Application"
        };
        return Err(PermissionDenied(format!(
            "{kind} tokens are not supported for this operation."
        )));
    }
    // Prefer an `.All` permission when the caller holds several, so an admin holding both
    // PrintJob.ReadWrite and PrintJob.ReadWrite.All reaches every user's jobs.
    let held = accepted
        .iter()
        .filter(|p| caller.holds(p))
        .max_by_key(|p| p.ends_with(".All"))
        .copied()
        .ok_or_else(|| {
            PermissionDenied(format!(
                "The token lacks a permission this operation requires; one of: {}.",
                accepted.join(", ")
            ))
        })?;
    let admin = !caller.is_delegated() || caller.is_print_admin();
    if rule.admin_role && !admin {
        return Err(PermissionDenied(
            "This operation requires the signed-in user to be a Printer Administrator or Global Administrator."
                .into(),
        ));
    }
    Ok(Access {
        permission: held,
        all_users: held.ends_with(".All") && admin,
        admin,
    })
}

/// Routes whose documented permissions are those of either of two operations (§2): the first operation the
/// caller's token satisfies grants the call. An administrator reads a printer with printer permissions; a user
/// reaches the same printer through a share they may use, with share permissions.
pub const READ_PRINTER: &[Operation] = &[Op::GetPrinter, Op::GetSharePrinter];
/// `GET /print/shares/{id}/printer`: share users first, administrators with printer permissions too.
pub const READ_SHARE_PRINTER: &[Operation] = &[Op::GetSharePrinter, Op::GetPrinter];

/// The job operations whose rule depends on the collection addressed: `(through a printer, through a share)`.
pub const CREATE_JOB: (Operation, Operation) = (Op::CreatePrinterJob, Op::CreateShareJob);
pub const CREATE_UPLOAD_SESSION: (Operation, Operation) =
    (Op::CreateUploadSession, Op::CreateShareUploadSession);

/// Authorizes the first of `ops` the caller may call, and says which. Denied: the first operation's reason.
pub fn authorize_first(caller: &Caller, ops: &[Operation]) -> Result<(Operation, Access), PermissionDenied> {
    let mut first_denial = None;
    for &op in ops {
        match authorize(caller, op) {
            Ok(access) => return Ok((op, access)),
            Err(denied) => {
                first_denial.get_or_insert(denied);
            }
        }
    }
    Err(first_denial.unwrap_or_else(|| PermissionDenied("No operation to authorize.".into())))
}

/// `/users/{id}/print/…`: a user reads only their own, named by object id or user principal name.
pub fn is_self(caller: &Caller, user: &str) -> bool {
    user.eq_ignore_ascii_case(&caller.object_id)
        || caller
            .user_principal_name
            .as_deref()
            .is_some_and(|upn| upn.eq_ignore_ascii_case(user))
}

impl Access {
    /// May the caller act on a job created by `owner_id`?
    pub fn reaches_job_of(&self, caller: &Caller, owner_id: &str) -> bool {
        self.all_users || caller.object_id.eq_ignore_ascii_case(owner_id)
    }

    /// Lists of shares show administrators every property; other users get the reduced (basic) view.
    pub fn sees_full_share_lists(&self) -> bool {
        self.admin
    }
}

#[cfg(test)]
mod tests;
