//! What the fuzz targets share: the field maps the store renders OData against, a seeded SQLite store, and the
//! invariants an OData error must keep (a client error, never a server one).

use platen_domain::job::JobPhase;
use platen_odata::{FieldMap, ODataError};
use platen_store::conformance::{document, event, job, operation, printer};
use platen_store::fields;
use platen_store::sql::SqlStore;
use platen_store::{JobStore, PrinterStore};
use std::sync::OnceLock;

/// Every field map a Graph collection is filtered and sorted with.
pub fn field_maps() -> [&'static FieldMap; 12] {
    [
        &fields::JOBS,
        &fields::PRINTERS_SQLITE,
        &fields::PRINTERS_POSTGRES,
        &fields::SHARES_SQLITE,
        &fields::SHARES_POSTGRES,
        &fields::CONNECTORS,
        &fields::USERS,
        &fields::GROUPS,
        &fields::TASKS,
        &fields::USAGE_BY_USER,
        &fields::USAGE_BY_PRINTER,
        &fields::ARCHIVED_JOBS,
    ]
}

/// An OData error is always the client's: a 400 with a non-empty Graph message.
pub fn assert_client_error(e: &ODataError) {
    assert_eq!(e.status(), 400, "{e:?}");
    assert!(!e.message().is_empty(), "{e:?}");
}

/// The OData options of `data` when it is a query string that parses; a query that does not parse must be
/// refused as the client's error.
pub fn parsed_query(data: &[u8]) -> Option<platen_odata::QueryOptions> {
    let raw = std::str::from_utf8(data).ok()?;
    match platen_odata::parse_query(raw) {
        Ok(q) => Some(q),
        Err(e) => {
            assert_client_error(&e);
            None
        }
    }
}

/// A migrated SQLite store (in a temporary directory that lives as long as the process) holding one printer
/// and two jobs, so that filters are evaluated against rows and not only prepared.
pub struct SeededStore {
    pub runtime: tokio::runtime::Runtime,
    pub store: SqlStore,
    _dir: tempfile::TempDir,
}

pub const TENANT: &str = "fuzz-tenant";
pub const PRINTER: &str = "fuzz-printer";

pub fn seeded_store() -> &'static SeededStore {
    static STORE: OnceLock<SeededStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("fuzz.db").display());
        let store = runtime.block_on(async {
            let store = SqlStore::open(&url).await.expect("a SQLite store");
            let p = printer(TENANT, PRINTER, "Fuzz printer");
            store
                .create_printer(&p, &operation(TENANT, "fuzz-op", PRINTER))
                .await
                .expect("a printer");
            for (i, owner) in ["alice", "bob"].iter().enumerate() {
                store
                    .create_job(
                        &job(TENANT, PRINTER, owner),
                        &document(TENANT, &format!("fuzz-doc-{i}")),
                        &event(JobPhase::UploadPending),
                    )
                    .await
                    .expect("a job");
            }
            store
        });
        SeededStore {
            runtime,
            store,
            _dir: dir,
        }
    })
}
