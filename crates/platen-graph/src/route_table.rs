//! Every Graph route Platen serves, as data: the path template in Graph's spelling, the methods it answers and
//! how its captures make a [`Route`]. The router matches requests against this table (`route::parse`), the
//! `405`s take their `Allow` header from it, and the OpenAPI document (`crate::openapi`) is generated from it,
//! so what is described is what is routed.
//!
//! Template syntax: segments separated by `/`; a literal segment may list aliases with `|` (the first is the
//! documented spelling, all are routed, matched case-insensitively); `{name}` captures one segment; a segment
//! `fn(…)` (an OData function call with its arguments in the segment) matches any segment starting with
//! `fn(` and captures the whole segment, whose arguments the handler parses.

use crate::reports::{USAGE_REPORTS, UsageReport};
use crate::route::{JobAction, ReportPath, Route, TaskNav};
use platen_app::JobTarget;
/// The method type of every route row, Graph's and the others' (`platen_app::served`).
pub use platen_app::served::Method as Verb;
use platen_store::ShareList;
use std::sync::LazyLock;

/// Which API versions document a route. Routing does not depend on it: a β-only navigation reached on v1.0
/// gets its handler's explanation (a 404 naming /beta) rather than an unknown-segment 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    Both,
    BetaOnly,
}

#[derive(Debug, Clone, Copy)]
enum TargetKind {
    Printer,
    Share,
}

/// How a matched template's captures become a [`Route`].
#[derive(Clone, Copy)]
enum Build {
    Plain(fn(&[String]) -> Route),
    /// A job route: the first capture is the printer or share id, the rest go to the builder.
    Job(TargetKind, fn(JobTarget, &[String]) -> Route),
    /// A usage report navigation: the report comes from the table, the captures (an entry id) from the path.
    Usage(
        &'static UsageReport,
        bool,
        fn(&'static UsageReport, &[String]) -> ReportPath,
    ),
    /// An archived-jobs function: the capture is the whole function segment.
    Archived(bool),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Lower-cased aliases.
    Literal(Vec<String>),
    Capture,
    /// Lower-cased function name followed by `(`.
    Function(String),
}

/// One row of the table.
pub struct GraphRoute {
    /// The path after `/{version}/`, in Graph's spelling with aliases (`print/shares|printerShares/{printerShareId}`).
    pub template: String,
    pub methods: &'static [Verb],
    pub versions: Versions,
    allow: String,
    segments: Vec<Segment>,
    build: Build,
    /// The metrics label of each version (`v1.0 Job`), made on first use: one row builds one kind of route.
    labels: [std::sync::OnceLock<String>; 2],
}

impl GraphRoute {
    /// The version and the name of the route this row built (`v1.0 Job`, `beta Printers`), never an id.
    pub fn label(&self, version: crate::route::Version, route: &Route) -> &str {
        let slot = &self.labels[usize::from(version == crate::route::Version::Beta)];
        slot.get_or_init(|| {
            let name = format!("{route:?}");
            let name = name.split(['(', ' ', '{']).next().unwrap_or_default();
            format!("{} {name}", version.as_str())
        })
    }

    /// The documented path: the first spelling of every literal segment.
    pub fn documented_path(&self) -> String {
        self.template
            .split('/')
            .map(|s| s.split('|').next().unwrap_or(s))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Other spellings the router accepts for this route, each as a whole path.
    pub fn aliases(&self) -> Vec<String> {
        let mut paths = vec![String::new()];
        for seg in self.template.split('/') {
            let alternatives: Vec<&str> = if seg.starts_with('{') || seg.contains('(') && seg.contains('{') {
                vec![seg]
            } else {
                seg.split('|').collect()
            };
            paths = paths
                .iter()
                .flat_map(|p| {
                    alternatives.iter().map(move |a| {
                        if p.is_empty() {
                            a.to_string()
                        } else {
                            format!("{p}/{a}")
                        }
                    })
                })
                .collect();
        }
        let documented = self.documented_path();
        paths.retain(|p| *p != documented);
        paths
    }

    /// Whether the row answers a request with this HTTP method.
    pub fn answers(&self, method: &axum::http::Method) -> bool {
        Verb::answers(self.methods, method)
    }

    /// `GET, PATCH`: the `Allow` header of this route's 405s.
    pub fn allow_header(&'static self) -> &'static str {
        &self.allow
    }

    /// The captures, when `segs` match: compared first without allocating, since most rows do not match.
    fn matches(&self, segs: &[&str]) -> Option<Vec<String>> {
        if segs.len() != self.segments.len() {
            return None;
        }
        let all_match = self
            .segments
            .iter()
            .zip(segs)
            .all(|(pattern, seg)| match pattern {
                Segment::Literal(names) => names.iter().any(|n| n == seg),
                Segment::Capture => true,
                Segment::Function(prefix) => seg.starts_with(prefix.as_str()),
            });
        all_match.then(|| {
            self.segments
                .iter()
                .zip(segs)
                .filter(|(pattern, _)| !matches!(pattern, Segment::Literal(_)))
                .map(|(_, seg)| seg.to_string())
                .collect()
        })
    }

    fn route(&self, captures: &[String]) -> Option<Route> {
        Some(match self.build {
            Build::Plain(f) => f(captures),
            Build::Job(kind, f) => {
                let (id, rest) = captures.split_first()?;
                let target = match kind {
                    TargetKind::Printer => JobTarget::Printer(id.clone().into()),
                    TargetKind::Share => JobTarget::Share(id.clone().into()),
                };
                f(target, rest)
            }
            Build::Usage(report, under_print, f) => Route::Report {
                path: f(report, captures),
                under_print,
            },
            Build::Archived(under_print) => Route::Report {
                path: ReportPath::ArchivedJobs(captures.first()?.clone()),
                under_print,
            },
        })
    }
}

fn segments_of(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .map(|s| {
            if s.starts_with('{') {
                Segment::Capture
            } else if let Some((name, _)) = s.split_once('(').filter(|_| s.contains('{')) {
                Segment::Function(format!("{}(", name.to_lowercase()))
            } else {
                Segment::Literal(s.split('|').map(str::to_lowercase).collect())
            }
        })
        .collect()
}

fn row(template: String, methods: &'static [Verb], versions: Versions, build: Build) -> GraphRoute {
    GraphRoute {
        allow: methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", "),
        segments: segments_of(&template),
        template,
        methods,
        versions,
        build,
        labels: Default::default(),
    }
}

use Verb::{Delete as D, Get as G, Patch as P, Post as O};

const GET: &[Verb] = &[G];
const POST: &[Verb] = &[O];
const DELETE: &[Verb] = &[D];
const GET_POST: &[Verb] = &[G, O];
const GET_PATCH: &[Verb] = &[G, P];
const GET_DELETE: &[Verb] = &[G, D];
const GET_PATCH_DELETE: &[Verb] = &[G, P, D];
const GET_POST_DELETE: &[Verb] = &[G, O, D];
const NONE: &[Verb] = &[];

type Plain = (&'static str, &'static [Verb], fn(&[String]) -> Route);

fn id(c: &[String], i: usize) -> String {
    c.get(i).cloned().unwrap_or_default()
}

/// Routes outside the job collections and reports, literal templates before captures at the same depth.
const PLAIN: &[Plain] = &[
    ("$metadata", GET, |_| Route::Metadata),
    ("print", GET, |_| Route::Print),
    ("print/settings", GET_PATCH, |_| Route::Settings),
    ("print/printers", GET_POST, |_| Route::Printers),
    ("print/printers/$count", GET, |_| Route::PrintersCount),
    ("print/printers/create", POST, |_| Route::PrinterCreate),
    ("print/printers/{printerId}", GET_PATCH_DELETE, |c| {
        Route::Printer(id(c, 0))
    }),
    (
        "print/printers/{printerId}/restoreFactoryDefaults|resetDefaults",
        POST,
        |c| Route::PrinterRestoreDefaults(id(c, 0)),
    ),
    (
        "print/printers/{printerId}/getCapabilities|getCapabilities()|microsoft.graph.getCapabilities()",
        GET,
        |c| Route::PrinterCapabilities(id(c, 0)),
    ),
    ("print/printers/{printerId}/connectors", GET, |c| {
        Route::PrinterConnectors(id(c, 0))
    }),
    ("print/printers/{printerId}/connectors/$count", GET, |c| {
        Route::PrinterConnectorsCount(id(c, 0))
    }),
    (
        "print/printers/{printerId}/connectors/{printConnectorId}",
        GET,
        |c| Route::PrinterConnector(id(c, 0), id(c, 1)),
    ),
    ("print/printers/{printerId}/shares", GET, |c| {
        Route::PrinterShares(id(c, 0))
    }),
    ("print/printers/{printerId}/shares/$count", GET, |c| {
        Route::PrinterSharesCount(id(c, 0))
    }),
    ("print/printers/{printerId}/shares/{printerShareId}", GET, |c| {
        Route::PrinterShare(id(c, 0), id(c, 1))
    }),
    // Graph's permission reference names this spelling for adding groups through a printer's share.
    (
        "print/printers/{printerId}/shares/{printerShareId}/allowedGroups/$ref",
        GET_POST_DELETE,
        |c| Route::AllowedGroupsRef(id(c, 1)),
    ),
    ("print/printers/{printerId}/taskTriggers", GET_POST, |c| {
        Route::TaskTriggers(id(c, 0))
    }),
    ("print/printers/{printerId}/taskTriggers/$count", GET, |c| {
        Route::TaskTriggersCount(id(c, 0))
    }),
    (
        "print/printers/{printerId}/taskTriggers/{printTaskTriggerId}",
        GET_DELETE,
        |c| Route::TaskTrigger(id(c, 0), id(c, 1)),
    ),
    (
        "print/printers/{printerId}/taskTriggers/{printTaskTriggerId}/definition",
        GET,
        |c| Route::TaskTriggerDefinition(id(c, 0), id(c, 1)),
    ),
    ("print/shares|printerShares", GET_POST, |_| Route::Shares),
    ("print/shares|printerShares/$count", GET, |_| Route::SharesCount),
    (
        "print/shares|printerShares/{printerShareId}",
        GET_PATCH_DELETE,
        |c| Route::Share(id(c, 0)),
    ),
    ("print/shares|printerShares/{printerShareId}/printer", GET, |c| {
        Route::SharePrinter(id(c, 0))
    }),
    (
        "print/shares|printerShares/{printerShareId}/printer/$ref",
        GET,
        |c| Route::SharePrinterRef(id(c, 0)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedUsers",
        GET,
        |c| Route::AllowedUsers(id(c, 0)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedUsers/$count",
        GET,
        |c| Route::AllowedUsersCount(id(c, 0)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedUsers/$ref",
        GET_POST_DELETE,
        |c| Route::AllowedUsersRef(id(c, 0)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedUsers/{userId}/$ref",
        DELETE,
        |c| Route::AllowedUser(id(c, 0), id(c, 1)),
    ),
    // The β permission reference also lists DELETE …/allowedUsers/{id} without $ref.
    (
        "print/shares|printerShares/{printerShareId}/allowedUsers/{userId}",
        DELETE,
        |c| Route::AllowedUser(id(c, 0), id(c, 1)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedUsers/{userId}/serviceProvisioningErrors",
        GET,
        |c| Route::ProvisioningErrors(id(c, 0), ShareList::AllowedUsers, id(c, 1)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedUsers/{userId}/serviceProvisioningErrors/$count",
        GET,
        |c| Route::ProvisioningErrorsCount(id(c, 0), ShareList::AllowedUsers, id(c, 1)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedGroups",
        GET,
        |c| Route::AllowedGroups(id(c, 0)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedGroups/$count",
        GET,
        |c| Route::AllowedGroupsCount(id(c, 0)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedGroups/$ref",
        GET_POST_DELETE,
        |c| Route::AllowedGroupsRef(id(c, 0)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedGroups/{groupId}/$ref",
        DELETE,
        |c| Route::AllowedGroup(id(c, 0), id(c, 1)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedGroups/{groupId}",
        DELETE,
        |c| Route::AllowedGroup(id(c, 0), id(c, 1)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedGroups/{groupId}/serviceProvisioningErrors",
        GET,
        |c| Route::ProvisioningErrors(id(c, 0), ShareList::AllowedGroups, id(c, 1)),
    ),
    (
        "print/shares|printerShares/{printerShareId}/allowedGroups/{groupId}/serviceProvisioningErrors/$count",
        GET,
        |c| Route::ProvisioningErrorsCount(id(c, 0), ShareList::AllowedGroups, id(c, 1)),
    ),
    // Print operations are read one at a time; the collection and its count answer no method.
    ("print/operations", NONE, |_| Route::Operations),
    ("print/operations/$count", NONE, |_| Route::OperationsCount),
    ("print/operations/{printOperationId}", GET, |c| {
        Route::Operation(id(c, 0))
    }),
    ("print/connectors", GET_POST, |_| Route::Connectors),
    ("print/connectors/$count", GET, |_| Route::ConnectorsCount),
    ("print/connectors/{printConnectorId}", GET_PATCH_DELETE, |c| {
        Route::Connector(id(c, 0))
    }),
    ("print/services", GET, |_| Route::Services),
    ("print/services/$count", GET, |_| Route::ServicesCount),
    ("print/services/{printServiceId}", GET, |c| {
        Route::Service(id(c, 0))
    }),
    ("print/services/{printServiceId}/endpoints", GET, |c| {
        Route::Endpoints(id(c, 0))
    }),
    ("print/services/{printServiceId}/endpoints/$count", GET, |c| {
        Route::EndpointsCount(id(c, 0))
    }),
    (
        "print/services/{printServiceId}/endpoints/{printServiceEndpointId}",
        GET,
        |c| Route::Endpoint(id(c, 0), id(c, 1)),
    ),
    ("print/taskDefinitions", GET_POST, |_| Route::TaskDefinitions),
    ("print/taskDefinitions/$count", GET, |_| {
        Route::TaskDefinitionsCount
    }),
    (
        "print/taskDefinitions/{printTaskDefinitionId}",
        GET_PATCH_DELETE,
        |c| Route::TaskDefinition(id(c, 0)),
    ),
    ("print/taskDefinitions/{printTaskDefinitionId}/tasks", GET, |c| {
        Route::Tasks(id(c, 0))
    }),
    (
        "print/taskDefinitions/{printTaskDefinitionId}/tasks/$count",
        GET,
        |c| Route::TasksCount(id(c, 0)),
    ),
    (
        "print/taskDefinitions/{printTaskDefinitionId}/tasks/{printTaskId}",
        GET_PATCH,
        |c| Route::Task(id(c, 0), id(c, 1)),
    ),
    (
        "print/taskDefinitions/{printTaskDefinitionId}/tasks/{printTaskId}/definition",
        GET,
        |c| Route::TaskNav(id(c, 0), id(c, 1), TaskNav::Definition),
    ),
    (
        "print/taskDefinitions/{printTaskDefinitionId}/tasks/{printTaskId}/trigger",
        GET,
        |c| Route::TaskNav(id(c, 0), id(c, 1), TaskNav::Trigger),
    ),
    ("subscriptions", GET_POST, |_| Route::Subscriptions),
    ("subscriptions/{subscriptionId}", GET_PATCH_DELETE, |c| {
        Route::Subscription(id(c, 0))
    }),
    ("me/print", GET, |_| Route::UserPrint(None)),
    ("me/print/recentPrinterShares", GET, |_| Route::RecentShares(None)),
    ("users/{userId}/print", GET, |c| Route::UserPrint(Some(id(c, 0)))),
    ("users/{userId}/print/recentPrinterShares", GET, |c| {
        Route::RecentShares(Some(id(c, 0)))
    }),
];

type JobRow = (&'static str, &'static [Verb], fn(JobTarget, &[String]) -> Route);

/// The job collection's routes, under `print/printers/{printerId}/` and `print/shares/{printerShareId}/`.
const JOBS: &[JobRow] = &[
    ("jobs", GET_POST, |t, _| Route::Jobs(t)),
    ("jobs/$count", GET, |t, _| Route::JobsCount(t)),
    ("jobs/{printJobId}", GET_PATCH, |t, c| Route::Job(t, id(c, 0))),
    ("jobs/{printJobId}/start|startPrintJob", POST, |t, c| {
        Route::JobAction(t, id(c, 0), JobAction::Start)
    }),
    ("jobs/{printJobId}/cancel|cancelPrintJob", POST, |t, c| {
        Route::JobAction(t, id(c, 0), JobAction::Cancel)
    }),
    ("jobs/{printJobId}/abort", POST, |t, c| {
        Route::JobAction(t, id(c, 0), JobAction::Abort)
    }),
    ("jobs/{printJobId}/redirect", POST, |t, c| {
        Route::JobAction(t, id(c, 0), JobAction::Redirect)
    }),
    ("jobs/{printJobId}/documents", GET, |t, c| {
        Route::Documents(t, id(c, 0))
    }),
    ("jobs/{printJobId}/documents/$count", GET, |t, c| {
        Route::DocumentsCount(t, id(c, 0))
    }),
    (
        "jobs/{printJobId}/documents/{printDocumentId}",
        GET_PATCH,
        |t, c| Route::Document(t, id(c, 0), id(c, 1)),
    ),
    (
        "jobs/{printJobId}/documents/{printDocumentId}/$value",
        GET,
        |t, c| Route::DocumentValue(t, id(c, 0), id(c, 1)),
    ),
    (
        "jobs/{printJobId}/documents/{printDocumentId}/createUploadSession",
        POST,
        |t, c| Route::CreateUploadSession(t, id(c, 0), id(c, 1)),
    ),
    ("jobs/{printJobId}/tasks", GET, |t, c| {
        Route::JobTasks(t, id(c, 0))
    }),
    ("jobs/{printJobId}/tasks/$count", GET, |t, c| {
        Route::JobTasksCount(t, id(c, 0))
    }),
    ("jobs/{printJobId}/tasks/{printTaskId}", GET, |t, c| {
        Route::JobTask(t, id(c, 0), id(c, 1), None)
    }),
    ("jobs/{printJobId}/tasks/{printTaskId}/definition", GET, |t, c| {
        Route::JobTask(t, id(c, 0), id(c, 1), Some(TaskNav::Definition))
    }),
    ("jobs/{printJobId}/tasks/{printTaskId}/trigger", GET, |t, c| {
        Route::JobTask(t, id(c, 0), id(c, 1), Some(TaskNav::Trigger))
    }),
];

type UsageRow = (&'static str, fn(&'static UsageReport, &[String]) -> ReportPath);

/// A usage report's routes, after `reports/{report}`.
const USAGE: &[UsageRow] = &[
    ("", |r, _| ReportPath::Usage(r)),
    ("/$count", |r, _| ReportPath::UsageCount(r)),
    ("/{printUsageId}", |r, c| ReportPath::UsageEntry(r, id(c, 0))),
];

/// The archived-jobs functions of `reportRoot`, with the arguments the handler reads.
const ARCHIVED: &[&str] = &[
    "getPrinterArchivedPrintJobs(printerId='{printerId}',startDateTime={startDateTime},endDateTime={endDateTime})",
    "getUserArchivedPrintJobs(userId='{userId}',startDateTime={startDateTime},endDateTime={endDateTime})",
    "getGroupArchivedPrintJobs(groupId='{groupId}',startDateTime={startDateTime},endDateTime={endDateTime})",
];

/// The whole table, in matching order.
pub fn table() -> &'static [GraphRoute] {
    static TABLE: LazyLock<Vec<GraphRoute>> = LazyLock::new(build_table);
    &TABLE
}

fn build_table() -> Vec<GraphRoute> {
    let mut rows: Vec<GraphRoute> = PLAIN
        .iter()
        .map(|&(t, methods, f)| {
            // printer.share is a β navigation (v1.0 reaches it only to be told so).
            row(t.to_string(), methods, Versions::Both, Build::Plain(f))
        })
        .collect();
    rows.push(row(
        "print/printers/{printerId}/share".into(),
        GET,
        Versions::BetaOnly,
        Build::Plain(|c| Route::PrinterSingleShare(id(c, 0))),
    ));
    for (prefix, kind) in [
        ("print/printers/{printerId}", TargetKind::Printer),
        ("print/shares|printerShares/{printerShareId}", TargetKind::Share),
    ] {
        for &(t, methods, f) in JOBS {
            rows.push(row(
                format!("{prefix}/{t}"),
                methods,
                Versions::Both,
                Build::Job(kind, f),
            ));
        }
    }
    // β also reaches the reports through `print/reports`.
    for (root, under_print, versions) in [
        ("reports", false, None),
        ("print/reports", true, Some(Versions::BetaOnly)),
    ] {
        for report in USAGE_REPORTS {
            let versions = versions.unwrap_or(if report.beta_only {
                Versions::BetaOnly
            } else {
                Versions::Both
            });
            for &(suffix, f) in USAGE {
                rows.push(row(
                    format!("{root}/{}{suffix}", report.name),
                    GET,
                    versions,
                    Build::Usage(report, under_print, f),
                ));
            }
        }
        for function in ARCHIVED {
            rows.push(row(
                format!("{root}/{function}"),
                GET,
                versions.unwrap_or(Versions::Both),
                Build::Archived(under_print),
            ));
        }
    }
    rows
}

/// The route and table row of a path after the version (segments decoded and lower-cased).
pub fn lookup(segs: &[&str]) -> Option<(Route, &'static GraphRoute)> {
    table()
        .iter()
        .find_map(|r| r.matches(segs).and_then(|c| r.route(&c)).map(|route| (route, r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_routes_its_documented_path_and_aliases_to_itself() {
        for r in table() {
            for path in std::iter::once(r.documented_path()).chain(r.aliases()) {
                let lower = path.to_lowercase();
                let segs: Vec<&str> = lower.split('/').collect();
                let (_, found) = lookup(&segs).unwrap_or_else(|| panic!("{path} does not route"));
                assert!(
                    std::ptr::eq(found, r),
                    "{path} routes to {} instead",
                    found.template
                );
            }
        }
    }

    /// `cargo test --release -p platen-graph lookup_cost -- --ignored --nocapture`: what a lookup costs.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn lookup_cost() {
        let paths = [
            "print/printers/3f2a/jobs/17/cancel",
            "print/shares/9c1d/jobs/42/documents/d1/createuploadsession",
            "print/printers/3f2a",
            "reports/getuserarchivedprintjobs(userid='u',startdatetime=x,enddatetime=y)",
            "me/print/recentprintershares",
        ];
        let split: Vec<Vec<&str>> = paths.iter().map(|p| p.split('/').collect()).collect();
        let rounds = 200_000;
        let started = std::time::Instant::now();
        for _ in 0..rounds {
            for segs in &split {
                std::hint::black_box(lookup(std::hint::black_box(segs)));
            }
        }
        let per = started.elapsed() / (rounds * split.len() as u32);
        println!("route_table::lookup: {per:?} per path ({} rows)", table().len());
    }

    #[test]
    fn aliases_expand_every_spelling() {
        let row = table()
            .iter()
            .find(|r| {
                r.template
                    == "print/shares|printerShares/{printerShareId}/jobs/{printJobId}/cancel|cancelPrintJob"
            })
            .unwrap();
        assert_eq!(
            row.documented_path(),
            "print/shares/{printerShareId}/jobs/{printJobId}/cancel"
        );
        assert_eq!(row.aliases().len(), 3);
        assert_eq!(row.allow_header(), "POST");
    }
}
