//! Timestamps are stored as integer microseconds since the Unix epoch: portable across SQLite and
//! PostgreSQL, totally ordered, and indexable.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

pub type Micros = i64;

pub fn now_micros() -> Micros {
    Utc::now().timestamp_micros()
}

pub fn to_datetime(micros: Micros) -> DateTime<Utc> {
    Utc.timestamp_micros(micros).single().unwrap_or_default()
}

/// Graph's DateTimeOffset wire form: RFC 3339 in UTC with a `Z` suffix.
pub fn to_graph(micros: Micros) -> String {
    to_datetime(micros).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}
