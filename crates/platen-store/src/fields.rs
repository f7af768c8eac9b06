//! Which Graph properties can be filtered and sorted on, and the SQL expression behind each: the field
//! registry the OData renderer works from. Sortable expressions are non-null (keyset paging needs that).

use platen_odata::{Dialect, Field, FieldKind, FieldMap};

pub const JOB_STATES: &[&str] = &[
    "unknown",
    "pending",
    "processing",
    "paused",
    "stopped",
    "completed",
    "canceled",
    "aborted",
];
pub const PRINTER_STATES: &[&str] = &["unknown", "idle", "processing", "stopped"];

const fn field(path: &'static str, sql: &'static str, kind: FieldKind, sortable: bool) -> Field {
    Field {
        path,
        sql,
        kind,
        filterable: true,
        sortable,
    }
}

pub static JOBS: FieldMap = FieldMap {
    fields: &[
        field("createdDateTime", "j.created_at", FieldKind::DateTime, true),
        field("status/state", "j.state", FieldKind::Enum(JOB_STATES), true),
        field("isFetchable", "j.is_fetchable", FieldKind::Bool, true),
        field("createdBy/id", "j.created_by_id", FieldKind::Text, true),
        field(
            "createdBy/userPrincipalName",
            "COALESCE(j.created_by_upn, '')",
            FieldKind::Text,
            true,
        ),
        field(
            "createdBy/displayName",
            "COALESCE(j.created_by_name, '')",
            FieldKind::Text,
            true,
        ),
        field(
            "displayName",
            "COALESCE(j.display_name, '')",
            FieldKind::Text,
            true,
        ),
        field("redirectedFrom", "j.redirected_from", FieldKind::Text, false),
        field("redirectedTo", "j.redirected_to", FieldKind::Text, false),
        field("errorCode", "j.error_code", FieldKind::Int, false),
        field(
            "acknowledgedDateTime",
            "j.acknowledged_at",
            FieldKind::DateTime,
            false,
        ),
        field(
            "status/isAcquiredByPrinter",
            "CASE WHEN j.acknowledged_at IS NULL THEN 0 ELSE 1 END",
            FieldKind::Bool,
            true,
        ),
    ],
    key: Field {
        path: "id",
        sql: "j.id",
        kind: FieldKind::Int,
        filterable: false,
        sortable: true,
    },
};

macro_rules! printer_fields {
    ($($loc:literal => $sqlite:literal, $pg:literal;)*) => {
        pub static PRINTERS_SQLITE: FieldMap = FieldMap {
            fields: &[
                field("displayName", "p.display_name", FieldKind::Text, true),
                field("manufacturer", "COALESCE(p.manufacturer, '')", FieldKind::Text, true),
                field("model", "COALESCE(p.model, '')", FieldKind::Text, true),
                field("registeredDateTime", "p.registered_at", FieldKind::DateTime, true),
                field("hasPhysicalDevice", "p.has_physical_device", FieldKind::Bool, true),
                field("isAcceptingJobs", "p.is_accepting_jobs", FieldKind::Bool, false),
                field("status/state", "p.status_state", FieldKind::Enum(PRINTER_STATES), true),
                field("isShared", IS_SHARED, FieldKind::Bool, true),
                $(field($loc, $sqlite, FieldKind::Text, true),)*
            ],
            key: Field { path: "id", sql: "p.id", kind: FieldKind::Text, filterable: true, sortable: true },
        };
        pub static PRINTERS_POSTGRES: FieldMap = FieldMap {
            fields: &[
                field("displayName", "p.display_name", FieldKind::Text, true),
                field("manufacturer", "COALESCE(p.manufacturer, '')", FieldKind::Text, true),
                field("model", "COALESCE(p.model, '')", FieldKind::Text, true),
                field("registeredDateTime", "p.registered_at", FieldKind::DateTime, true),
                field("hasPhysicalDevice", "p.has_physical_device", FieldKind::Bool, true),
                field("isAcceptingJobs", "p.is_accepting_jobs", FieldKind::Bool, false),
                field("status/state", "p.status_state", FieldKind::Enum(PRINTER_STATES), true),
                field("isShared", IS_SHARED, FieldKind::Bool, true),
                $(field($loc, $pg, FieldKind::Text, true),)*
            ],
            key: Field { path: "id", sql: "p.id", kind: FieldKind::Text, filterable: true, sortable: true },
        };
        pub static SHARES_SQLITE: FieldMap = FieldMap {
            fields: &[
                field("displayName", "s.display_name", FieldKind::Text, true),
                field("createdDateTime", "s.created_at", FieldKind::DateTime, true),
                field("allowAllUsers", "s.allow_all_users", FieldKind::Bool, true),
                field("manufacturer", "COALESCE(p.manufacturer, '')", FieldKind::Text, true),
                field("model", "COALESCE(p.model, '')", FieldKind::Text, true),
                $(field($loc, $sqlite, FieldKind::Text, true),)*
            ],
            key: Field { path: "id", sql: "s.id", kind: FieldKind::Text, filterable: true, sortable: true },
        };
        pub static SHARES_POSTGRES: FieldMap = FieldMap {
            fields: &[
                field("displayName", "s.display_name", FieldKind::Text, true),
                field("createdDateTime", "s.created_at", FieldKind::DateTime, true),
                field("allowAllUsers", "s.allow_all_users", FieldKind::Bool, true),
                field("manufacturer", "COALESCE(p.manufacturer, '')", FieldKind::Text, true),
                field("model", "COALESCE(p.model, '')", FieldKind::Text, true),
                $(field($loc, $pg, FieldKind::Text, true),)*
            ],
            key: Field { path: "id", sql: "s.id", kind: FieldKind::Text, filterable: true, sortable: true },
        };
    };
}

const IS_SHARED: &str = "CASE WHEN EXISTS (SELECT 1 FROM shares x WHERE x.tenant_id = p.tenant_id AND x.printer_id = p.id) THEN 1 ELSE 0 END";

printer_fields! {
    "location/building" => "COALESCE(json_extract(p.location, '$.building'), '')", "COALESCE(p.location::jsonb ->> 'building', '')";
    "location/floor" => "COALESCE(json_extract(p.location, '$.floor'), '')", "COALESCE(p.location::jsonb ->> 'floor', '')";
    "location/roomName" => "COALESCE(json_extract(p.location, '$.roomName'), '')", "COALESCE(p.location::jsonb ->> 'roomName', '')";
    "location/site" => "COALESCE(json_extract(p.location, '$.site'), '')", "COALESCE(p.location::jsonb ->> 'site', '')";
    "location/city" => "COALESCE(json_extract(p.location, '$.city'), '')", "COALESCE(p.location::jsonb ->> 'city', '')";
    "location/postalCode" => "COALESCE(json_extract(p.location, '$.postalCode'), '')", "COALESCE(p.location::jsonb ->> 'postalCode', '')";
    "location/stateOrProvince" => "COALESCE(json_extract(p.location, '$.stateOrProvince'), '')", "COALESCE(p.location::jsonb ->> 'stateOrProvince', '')";
    "location/countryOrRegion" => "COALESCE(json_extract(p.location, '$.countryOrRegion'), '')", "COALESCE(p.location::jsonb ->> 'countryOrRegion', '')";
    "location/streetAddress" => "COALESCE(json_extract(p.location, '$.streetAddress'), '')", "COALESCE(p.location::jsonb ->> 'streetAddress', '')";
}

pub fn printers(dialect: Dialect) -> &'static FieldMap {
    match dialect {
        Dialect::Sqlite => &PRINTERS_SQLITE,
        Dialect::Postgres => &PRINTERS_POSTGRES,
    }
}

pub fn shares(dialect: Dialect) -> &'static FieldMap {
    match dialect {
        Dialect::Sqlite => &SHARES_SQLITE,
        Dialect::Postgres => &SHARES_POSTGRES,
    }
}

pub static CONNECTORS: FieldMap = FieldMap {
    fields: &[field("displayName", "c.display_name", FieldKind::Text, true)],
    key: Field {
        path: "id",
        sql: "c.id",
        kind: FieldKind::Text,
        filterable: true,
        sortable: true,
    },
};

pub static USERS: FieldMap = FieldMap {
    fields: &[
        field(
            "displayName",
            "COALESCE(u.display_name, '')",
            FieldKind::Text,
            true,
        ),
        field(
            "userPrincipalName",
            "COALESCE(u.user_principal_name, '')",
            FieldKind::Text,
            true,
        ),
    ],
    key: Field {
        path: "id",
        sql: "a.user_id",
        kind: FieldKind::Text,
        filterable: true,
        sortable: true,
    },
};

pub static GROUPS: FieldMap = FieldMap {
    fields: &[field(
        "displayName",
        "COALESCE(g.display_name, '')",
        FieldKind::Text,
        true,
    )],
    key: Field {
        path: "id",
        sql: "a.group_id",
        kind: FieldKind::Text,
        filterable: true,
        sortable: true,
    },
};

/// The creation time a definition's tasks are listed by (newest first). printTask has no such Graph property, and
/// task lists refuse `$filter` and `$orderby`: only the store sorts on it.
pub const TASK_CREATED: &str = "createdDateTime";

pub static TASKS: FieldMap = FieldMap {
    fields: &[Field {
        path: TASK_CREATED,
        sql: "t.created_at",
        kind: FieldKind::DateTime,
        filterable: false,
        sortable: true,
    }],
    key: Field {
        path: "id",
        sql: "t.id",
        kind: FieldKind::Text,
        filterable: false,
        sortable: true,
    },
};

/// The counters every `printUsage` row has (all non-null, so sortable: `$orderby=pageCount desc`).
macro_rules! usage_fields {
    ($($extra:expr,)*) => {
        &[
            field("usageDate", "u.usage_date", FieldKind::DateTime, true),
            field("completedJobCount", "u.completed_jobs", FieldKind::Int, true),
            field("completedBlackAndWhiteJobCount", "u.completed_black_and_white_jobs", FieldKind::Int, true),
            field("completedColorJobCount", "u.completed_color_jobs", FieldKind::Int, true),
            field("incompleteJobCount", "u.incomplete_jobs", FieldKind::Int, true),
            field("pageCount", "u.pages", FieldKind::Int, true),
            field("blackAndWhitePageCount", "u.black_and_white_pages", FieldKind::Int, true),
            field("colorPageCount", "u.color_pages", FieldKind::Int, true),
            field("mediaSheetCount", "u.media_sheets", FieldKind::Int, true),
            field("doubleSidedSheetCount", "u.double_sided_sheets", FieldKind::Int, true),
            field("singleSidedSheetCount", "u.single_sided_sheets", FieldKind::Int, true),
            $($extra,)*
        ]
    };
}

const USAGE_KEY: Field = Field {
    path: "id",
    sql: "u.id",
    kind: FieldKind::Text,
    filterable: true,
    sortable: true,
};

/// `printUsageByUser` rows (`subject_name` is the UPN, always written).
pub static USAGE_BY_USER: FieldMap = FieldMap {
    fields: usage_fields!(field(
        "userPrincipalName",
        "u.subject_name",
        FieldKind::Text,
        true
    ),),
    key: USAGE_KEY,
};

/// `printUsageByPrinter` rows (`subject_name` is the printer's name, or its id when it had none).
pub static USAGE_BY_PRINTER: FieldMap = FieldMap {
    fields: usage_fields!(
        field("printerId", "u.subject_id", FieldKind::Text, true),
        field("printerName", "u.subject_name", FieldKind::Text, true),
    ),
    key: USAGE_KEY,
};

pub const ARCHIVED_STATES: &[&str] = &["completed", "canceled", "aborted"];

/// `archivedPrintJob` records.
pub static ARCHIVED_JOBS: FieldMap = FieldMap {
    fields: &[
        field("completionDateTime", "a.completed_at", FieldKind::DateTime, true),
        field("createdDateTime", "a.created_at", FieldKind::DateTime, true),
        field(
            "processingState",
            "a.state",
            FieldKind::Enum(ARCHIVED_STATES),
            true,
        ),
        field("printerId", "a.printer_id", FieldKind::Text, true),
        field("createdBy/id", "a.user_id", FieldKind::Text, true),
        field(
            "createdBy/userPrincipalName",
            "COALESCE(a.user_upn, '')",
            FieldKind::Text,
            true,
        ),
        field("copiesPrinted", "a.copies_printed", FieldKind::Int, true),
    ],
    key: Field {
        path: "id",
        sql: "a.job_id",
        kind: FieldKind::Int,
        filterable: false,
        sortable: true,
    },
};
