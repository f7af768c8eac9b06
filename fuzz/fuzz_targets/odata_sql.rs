//! The OData options of a request, run as the store runs them against a real (seeded) SQLite database, on every
//! paged collection: the answer is rows or a 400, never a database error (a 500). A first page that has more
//! rows is followed by its next page, so keyset predicates run too.

#![no_main]

use libfuzzer_sys::fuzz_target;
use platen_domain::usage::{Dimension, Period};
use platen_fuzz::{PRINTER, TENANT, assert_client_error, parsed_query, seeded_store};
use platen_odata::QueryOptions;
use platen_store::{
    ArchiveScope, ArchivedBy, ConnectorStore, JobScope, JobStore, ListQuery, Page, PrinterStore, ReportStore,
    ShareStore, StoreError, TaskStore, Viewer,
};

fn list_query(q: &QueryOptions) -> ListQuery {
    ListQuery {
        filter: q.filter.clone(),
        orderby: q.orderby.clone(),
        limit: q.top.map(|t| t.clamp(1, 100) as u32).unwrap_or(1),
        skip: q.skip.unwrap_or(0),
        after: None,
        count: q.count.unwrap_or(false),
        count_cap: None,
    }
}

/// A store answer is rows, or the query's own (client) error.
fn check<T>(what: &str, result: Result<Page<T>, StoreError>) -> Option<Page<T>> {
    match result {
        Ok(page) => Some(page),
        Err(StoreError::Query(e)) => {
            assert_client_error(&e);
            None
        }
        Err(e) => panic!("{what}: a server error for a client's query: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(q) = parsed_query(data) else {
        return;
    };
    let seeded = seeded_store();
    let s = &seeded.store;
    let first = list_query(&q);
    seeded.runtime.block_on(async {
        let scope = JobScope {
            printer_id: Some(PRINTER.into()),
            share_id: None,
            owner_id: None,
        };
        if let Some(page) = check("jobs", s.list_jobs(TENANT, &scope, &first).await)
            && let Some(after) = page.next
        {
            let next = ListQuery {
                after: Some(after),
                ..first.clone()
            };
            check("jobs, next page", s.list_jobs(TENANT, &scope, &next).await);
        }
        if let Some(page) = check("printers", s.list_printers(TENANT, &first).await)
            && let Some(after) = page.next
        {
            let next = ListQuery {
                after: Some(after),
                ..first.clone()
            };
            check("printers, next page", s.list_printers(TENANT, &next).await);
        }
        let viewer = Viewer {
            user_id: "alice".into(),
            groups: vec!["g1".into()],
        };
        check("shares", s.list_shares(TENANT, None, &first).await);
        check(
            "shares of a viewer",
            s.list_shares(TENANT, Some(&viewer), &first).await,
        );
        check("connectors", s.list_connectors(TENANT, &first).await);
        check(
            "allowed users",
            s.list_allowed_users(TENANT, "share", &first).await,
        );
        check(
            "allowed groups",
            s.list_allowed_groups(TENANT, "share", &first).await,
        );
        check("tasks", s.list_tasks(TENANT, "definition", &first).await);
        for dimension in [Dimension::User, Dimension::Printer] {
            check(
                "usage",
                s.list_usage(TENANT, Period::Day, dimension, &first).await,
            );
        }
        let archive = ArchiveScope {
            by: ArchivedBy::Printer(PRINTER.into()),
            from: None,
            to: None,
        };
        check(
            "archived jobs",
            s.list_archived_jobs(TENANT, &archive, &first).await,
        );
    });
});
