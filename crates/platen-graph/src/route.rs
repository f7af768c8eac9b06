//! From a request path to a [`Route`]. Graph path segments and action names are case-insensitive and the
//! Python SDK sends doubled slashes, so the path is split on `/`, empty segments dropped, each segment
//! percent-decoded and lower-cased (every id Platen issues is lower-case), then matched as a slice pattern.

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

pub fn parse(segs: &[String]) -> Option<Route> {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let o = |x: &str| x.to_string();
    Some(match s.as_slice() {
        ["$metadata"] => Route::Metadata,
        ["print"] => Route::Print,
        ["print", "settings"] => Route::Settings,
        ["print", "printers"] => Route::Printers,
        ["print", "printers", "$count"] => Route::PrintersCount,
        ["print", "printers", "create"] => Route::PrinterCreate,
        ["print", "printers", p] => Route::Printer(o(p)),
        ["print", "printers", p, "restorefactorydefaults" | "resetdefaults"] => {
            Route::PrinterRestoreDefaults(o(p))
        }
        [
            "print",
            "printers",
            p,
            "getcapabilities" | "getcapabilities()" | "microsoft.graph.getcapabilities()",
        ] => Route::PrinterCapabilities(o(p)),
        ["print", "printers", p, "connectors"] => Route::PrinterConnectors(o(p)),
        ["print", "printers", p, "connectors", "$count"] => Route::PrinterConnectorsCount(o(p)),
        ["print", "printers", p, "connectors", c] => Route::PrinterConnector(o(p), o(c)),
        ["print", "printers", p, "shares"] => Route::PrinterShares(o(p)),
        ["print", "printers", p, "shares", "$count"] => Route::PrinterSharesCount(o(p)),
        ["print", "printers", p, "shares", sh] => Route::PrinterShare(o(p), o(sh)),
        ["print", "printers", p, "share"] => Route::PrinterSingleShare(o(p)),
        ["print", "printers", p, "jobs", rest @ ..] => return jobs(JobTarget::Printer(o(p).into()), rest),
        ["print", "shares" | "printershares", sh, "jobs", rest @ ..] => {
            return jobs(JobTarget::Share(o(sh).into()), rest);
        }
        ["print", "shares" | "printershares"] => Route::Shares,
        ["print", "shares" | "printershares", "$count"] => Route::SharesCount,
        ["print", "shares" | "printershares", sh] => Route::Share(o(sh)),
        ["print", "shares" | "printershares", sh, "printer"] => Route::SharePrinter(o(sh)),
        ["print", "shares" | "printershares", sh, "printer", "$ref"] => Route::SharePrinterRef(o(sh)),
        ["print", "shares" | "printershares", sh, "allowedusers"] => Route::AllowedUsers(o(sh)),
        ["print", "shares" | "printershares", sh, "allowedusers", "$count"] => {
            Route::AllowedUsersCount(o(sh))
        }
        ["print", "shares" | "printershares", sh, "allowedusers", "$ref"] => Route::AllowedUsersRef(o(sh)),
        [
            "print",
            "shares" | "printershares",
            sh,
            "allowedusers",
            u,
            "serviceprovisioningerrors",
        ] => Route::ProvisioningErrors(o(sh), ShareList::AllowedUsers, o(u)),
        [
            "print",
            "shares" | "printershares",
            sh,
            "allowedusers",
            u,
            "serviceprovisioningerrors",
            "$count",
        ] => Route::ProvisioningErrorsCount(o(sh), ShareList::AllowedUsers, o(u)),
        [
            "print",
            "shares" | "printershares",
            sh,
            "allowedgroups",
            g,
            "serviceprovisioningerrors",
        ] => Route::ProvisioningErrors(o(sh), ShareList::AllowedGroups, o(g)),
        [
            "print",
            "shares" | "printershares",
            sh,
            "allowedgroups",
            g,
            "serviceprovisioningerrors",
            "$count",
        ] => Route::ProvisioningErrorsCount(o(sh), ShareList::AllowedGroups, o(g)),
        ["print", "shares" | "printershares", sh, "allowedusers", u, "$ref"] => {
            Route::AllowedUser(o(sh), o(u))
        }
        // β permission map also lists DELETE /print/printerShares/{id}/allowedUsers/{id} without $ref.
        ["print", "shares" | "printershares", sh, "allowedusers", u] => Route::AllowedUser(o(sh), o(u)),
        ["print", "shares" | "printershares", sh, "allowedgroups"] => Route::AllowedGroups(o(sh)),
        ["print", "shares" | "printershares", sh, "allowedgroups", "$count"] => {
            Route::AllowedGroupsCount(o(sh))
        }
        ["print", "shares" | "printershares", sh, "allowedgroups", "$ref"] => Route::AllowedGroupsRef(o(sh)),
        [
            "print",
            "shares" | "printershares",
            sh,
            "allowedgroups",
            g,
            "$ref",
        ] => Route::AllowedGroup(o(sh), o(g)),
        ["print", "shares" | "printershares", sh, "allowedgroups", g] => Route::AllowedGroup(o(sh), o(g)),
        ["print", "printers", _, "shares", sh, "allowedgroups", "$ref"] => Route::AllowedGroupsRef(o(sh)),
        ["print", "operations"] => Route::Operations,
        ["print", "operations", "$count"] => Route::OperationsCount,
        ["print", "operations", id] => Route::Operation(o(id)),
        ["print", "connectors"] => Route::Connectors,
        ["print", "connectors", "$count"] => Route::ConnectorsCount,
        ["print", "connectors", c] => Route::Connector(o(c)),
        ["print", "services"] => Route::Services,
        ["print", "services", "$count"] => Route::ServicesCount,
        ["print", "services", id] => Route::Service(o(id)),
        ["print", "services", id, "endpoints"] => Route::Endpoints(o(id)),
        ["print", "services", id, "endpoints", "$count"] => Route::EndpointsCount(o(id)),
        ["print", "services", id, "endpoints", e] => Route::Endpoint(o(id), o(e)),
        ["print", "taskdefinitions"] => Route::TaskDefinitions,
        ["print", "taskdefinitions", "$count"] => Route::TaskDefinitionsCount,
        ["print", "taskdefinitions", d] => Route::TaskDefinition(o(d)),
        ["print", "taskdefinitions", d, "tasks"] => Route::Tasks(o(d)),
        ["print", "taskdefinitions", d, "tasks", "$count"] => Route::TasksCount(o(d)),
        ["print", "taskdefinitions", d, "tasks", t] => Route::Task(o(d), o(t)),
        ["print", "taskdefinitions", d, "tasks", t, "definition"] => {
            Route::TaskNav(o(d), o(t), TaskNav::Definition)
        }
        ["print", "taskdefinitions", d, "tasks", t, "trigger"] => {
            Route::TaskNav(o(d), o(t), TaskNav::Trigger)
        }
        ["print", "printers", p, "tasktriggers"] => Route::TaskTriggers(o(p)),
        ["print", "printers", p, "tasktriggers", "$count"] => Route::TaskTriggersCount(o(p)),
        ["print", "printers", p, "tasktriggers", t] => Route::TaskTrigger(o(p), o(t)),
        ["print", "printers", p, "tasktriggers", t, "definition"] => Route::TaskTriggerDefinition(o(p), o(t)),
        ["reports", rest @ ..] => return reports(rest, false),
        ["print", "reports", rest @ ..] => return reports(rest, true),
        ["subscriptions"] => Route::Subscriptions,
        ["subscriptions", id] => Route::Subscription(o(id)),
        ["me", "print"] => Route::UserPrint(None),
        ["users", u, "print"] => Route::UserPrint(Some(o(u))),
        ["me", "print", "recentprintershares"] => Route::RecentShares(None),
        ["users", u, "print", "recentprintershares"] => Route::RecentShares(Some(o(u))),
        _ => return None,
    })
}

fn reports(rest: &[&str], under_print: bool) -> Option<Route> {
    use crate::reports::usage_report;
    let path = match rest {
        [f] if f.contains("archivedprintjobs(") => ReportPath::ArchivedJobs(f.to_string()),
        [name] => ReportPath::Usage(usage_report(name)?),
        [name, "$count"] => ReportPath::UsageCount(usage_report(name)?),
        [name, id] => ReportPath::UsageEntry(usage_report(name)?, id.to_string()),
        _ => return None,
    };
    Some(Route::Report { path, under_print })
}

fn jobs(t: JobTarget, rest: &[&str]) -> Option<Route> {
    let o = |x: &str| x.to_string();
    Some(match rest {
        [] => Route::Jobs(t),
        ["$count"] => Route::JobsCount(t),
        [j] => Route::Job(t, o(j)),
        [j, "start" | "startprintjob"] => Route::JobAction(t, o(j), JobAction::Start),
        [j, "cancel" | "cancelprintjob"] => Route::JobAction(t, o(j), JobAction::Cancel),
        [j, "abort"] => Route::JobAction(t, o(j), JobAction::Abort),
        [j, "redirect"] => Route::JobAction(t, o(j), JobAction::Redirect),
        [j, "documents"] => Route::Documents(t, o(j)),
        [j, "documents", "$count"] => Route::DocumentsCount(t, o(j)),
        [j, "documents", d] => Route::Document(t, o(j), o(d)),
        [j, "documents", d, "$value"] => Route::DocumentValue(t, o(j), o(d)),
        [j, "documents", d, "createuploadsession"] => Route::CreateUploadSession(t, o(j), o(d)),
        [j, "tasks"] => Route::JobTasks(t, o(j)),
        [j, "tasks", "$count"] => Route::JobTasksCount(t, o(j)),
        [j, "tasks", k] => Route::JobTask(t, o(j), o(k), None),
        [j, "tasks", k, "definition"] => Route::JobTask(t, o(j), o(k), Some(TaskNav::Definition)),
        [j, "tasks", k, "trigger"] => Route::JobTask(t, o(j), o(k), Some(TaskNav::Trigger)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> Option<Route> {
        parse(&segments(path).unwrap())
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
