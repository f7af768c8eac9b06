//! Cursor-read rows in commit order. Device events are read as "events of printer P after id N" (the IPP
//! `notify-sequence-number`). PostgreSQL takes ids from a sequence at insert time but transactions commit in
//! any order, so without care a reader could see id 11, move its cursor past 10, and never see 10 committed a
//! moment later. The writers of one printer's events therefore go one at a time: each takes a
//! transaction-scoped advisory lock on the printer before inserting, held until it commits, so that printer's
//! ids become visible in increasing order. SQLite has a single writer and needs nothing.

use super::exec::{Exec, params};
use crate::Result;
use platen_odata::Dialect;

/// Takes the event-writer lock of each `(tenant, printer)` (sorted, so that two transactions never wait on
/// each other in opposite orders).
pub(crate) async fn lock_printers<E: Exec>(
    tx: &mut E,
    dialect: Dialect,
    printers: &[(&str, &str)],
) -> Result<()> {
    if dialect != Dialect::Postgres {
        return Ok(());
    }
    let mut keys: Vec<String> = printers.iter().map(|(t, p)| format!("{t}/{p}")).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
            params![key],
        )
        .await?;
    }
    Ok(())
}
