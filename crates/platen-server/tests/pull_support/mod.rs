//! Harness of the pull-printing suite: platen-testkit's (one real `platen serve` process shared by the tests of
//! this binary, each test working in its own tenant; tokens minted with `platen token`; a buffered HTTP client
//! with Graph-error assertions; Graph fixtures; the pull-printing fixture [`Pull`]: an app's task definition, a
//! virtual printer with a trigger, a share, a second printer), a webhook receiver, and the sequential model the
//! concurrency tests check answers against ([`model`]).

#![allow(dead_code)]

pub mod model;
pub mod receiver;

pub use platen_testkit::graph::{ADMIN_SCOPES, APP_ROLES, bytes, uuid};
pub use platen_testkit::http::Resp;
pub use platen_testkit::pull::{Held, Pull};

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

/// A client for this binary's shared server.
pub type Api = platen_testkit::graph::Api;

/// `now + minutes` as a Graph `DateTimeOffset` (`2026-01-02T03:04:05Z`).
pub fn iso_in(minutes: u64) -> String {
    platen_testkit::graph::in_seconds(minutes as i64 * 60)
}
