//! From a request path to a [`Route`]. Graph path segments and action names are case-insensitive and the
//! Python SDK sends doubled slashes, so the path is split on `/`, empty segments dropped, each segment
//! percent-decoded and lower-cased (every id Platen issues is lower-case), then matched against the route table
//! (`route_table`).

use crate::error::GraphError;
use platen_app::JobTarget;
use platen_store::ShareList;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    Beta,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1 => "v1.0",
            Version::Beta => "beta",
        }
    }
    pub fn schema(self) -> crate::schema::ApiVersion {
        match self {
            Version::V1 => crate::schema::ApiVersion::V1,
            Version::Beta => crate::schema::ApiVersion::Beta,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobAction {
    Start,
    Cancel,
    Abort,
    Redirect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `$metadata`: the version's CSDL document, read without authentication.
    Metadata,
    Print,
    Settings,
    Printers,
    PrintersCount,
    PrinterCreate,
    Printer(String),
    PrinterRestoreDefaults(String),
    PrinterCapabilities(String),
    PrinterConnectors(String),
    PrinterConnectorsCount(String),
    PrinterConnector(String, String),
    PrinterShares(String),
    PrinterSharesCount(String),
    PrinterShare(String, String),
    /// β `printer.share` (single).
    PrinterSingleShare(String),
    Jobs(JobTarget),
    JobsCount(JobTarget),
    Job(JobTarget, String),
    JobAction(JobTarget, String, JobAction),
    Documents(JobTarget, String),
    DocumentsCount(JobTarget, String),
    Document(JobTarget, String, String),
    DocumentValue(JobTarget, String, String),
    CreateUploadSession(JobTarget, String, String),
    JobTasks(JobTarget, String),
    JobTasksCount(JobTarget, String),
    Shares,
    SharesCount,
    Share(String),
    SharePrinter(String),
    /// `GET /print/shares/{id}/printer/$ref`: the reference, not the printer.
    SharePrinterRef(String),
    AllowedUsers(String),
    AllowedUsersCount(String),
    AllowedUsersRef(String),
    AllowedUser(String, String),
    AllowedGroups(String),
    AllowedGroupsCount(String),
    AllowedGroupsRef(String),
    AllowedGroup(String, String),
    /// `…/allowedUsers/{id}/serviceProvisioningErrors` and `…/allowedGroups/{id}/…`: share, list, member.
    ProvisioningErrors(String, ShareList, String),
    ProvisioningErrorsCount(String, ShareList, String),
    Operations,
    OperationsCount,
    Operation(String),
    Connectors,
    ConnectorsCount,
    Connector(String),
    Services,
    ServicesCount,
    Service(String),
    Endpoints(String),
    EndpointsCount(String),
    Endpoint(String, String),
    /// `/me/print` (None) or `/users/{id}/print`: the user's `userPrint`.
    UserPrint(Option<String>),
    /// `/me/print/recentPrinterShares` (None) or `/users/{id}/print/recentPrinterShares`.
    RecentShares(Option<String>),
    TaskDefinitions,
    TaskDefinitionsCount,
    TaskDefinition(String),
    Tasks(String),
    TasksCount(String),
    Task(String, String),
    /// `…/tasks/{id}/definition` or `…/tasks/{id}/trigger` reached from a definition.
    TaskNav(String, String, TaskNav),
    TaskTriggers(String),
    TaskTriggersCount(String),
    TaskTrigger(String, String),
    TaskTriggerDefinition(String, String),
    /// A job's task (`…/jobs/{j}/tasks/{t}`), optionally a navigation of it.
    JobTask(JobTarget, String, String, Option<TaskNav>),
    /// `/subscriptions` (change notifications).
    Subscriptions,
    Subscription(String),
    /// `/reports/…` (β also `/print/reports/…`, `under_print`).
    Report {
        path: ReportPath,
        under_print: bool,
    },
}

/// What a `/reports` path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportPath {
    Usage(&'static crate::reports::UsageReport),
    UsageCount(&'static crate::reports::UsageReport),
    UsageEntry(&'static crate::reports::UsageReport, String),
    /// `get{Printer|User|Group}ArchivedPrintJobs(…)`: the function segment as sent (decoded, lower-cased).
    ArchivedJobs(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskNav {
    Definition,
    Trigger,
}

/// Splits, decodes and lower-cases a path. Segments that do not decode to UTF-8 are rejected.
pub fn segments(path: &str) -> Result<Vec<String>, GraphError> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .ok()
                .filter(|c| !c.contains('\0'))
                .map(|c| c.to_lowercase())
                .ok_or_else(|| {
                    GraphError::bad_request(
                        "The request path is not valid UTF-8 without NUL characters after percent-decoding.",
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> Option<Route> {
        let segs = segments(path).unwrap();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        crate::route_table::lookup(&segs).map(|(route, _)| route)
    }

    #[test]
    fn slashes_case_and_aliases() {
        assert_eq!(route("//print//Printers/ABC"), Some(Route::Printer("abc".into())));
        assert_eq!(
            route("/print/printerShares/s1/jobs/7/CancelPrintJob"),
            Some(Route::JobAction(
                JobTarget::Share("s1".into()),
                "7".into(),
                JobAction::Cancel
            ))
        );
        assert_eq!(
            route("/print/printers/p/getCapabilities()"),
            Some(Route::PrinterCapabilities("p".into()))
        );
        assert_eq!(
            route("/print/shares/a%20b/printer"),
            Some(Route::SharePrinter("a b".into()))
        );
        assert_eq!(route("/print/nothing"), None);
        assert_eq!(
            route("/print/printers/p/jobs/7/tasks/$count"),
            Some(Route::JobTasksCount(JobTarget::Printer("p".into()), "7".into()))
        );
        assert_eq!(
            route("/print/services/platen/endpoints/%24count"),
            Some(Route::EndpointsCount("platen".into()))
        );
        assert_eq!(
            route("/print/printerShares/S/allowedUsers/U/serviceProvisioningErrors"),
            Some(Route::ProvisioningErrors(
                "s".into(),
                ShareList::AllowedUsers,
                "u".into()
            ))
        );
        assert_eq!(
            route("/print/shares/s/allowedGroups/g/serviceProvisioningErrors/$count"),
            Some(Route::ProvisioningErrorsCount(
                "s".into(),
                ShareList::AllowedGroups,
                "g".into()
            ))
        );
    }
}
