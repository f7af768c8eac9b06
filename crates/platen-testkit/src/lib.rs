//! Test support shared by Platen's integration suites. Only ever a dev-dependency: nothing here is part
//! of the `platen` binary.
//!
//! - [`process`]: child processes under a watchdog, so nothing a test starts outlives the test process,
//!   even when it is killed.
//! - [`serve`]: `platen serve` on a free loopback port, ready once healthy.
//! - [`backend`]: the switch that runs a suite's servers on PostgreSQL instead of SQLite.
//! - [`ippeve`]: CUPS' `ippeveprinter` on loopback as the real printer, on a private D-Bus so that it
//!   never depends on the machine's system bus being up (or on a stale socket left by an earlier one).
//! - [`http`]: buffered responses with Graph-error assertions, and a client bound to one server.
//! - [`csdl`]: an OData CSDL document read into a model that checks its references and resolves
//!   `@odata.context` fragments and property names against it.
//! - [`graph`]: a `platen serve` shared by a test binary, tokens from `platen token`, and fixtures (printer,
//!   share, job, upload) built from public HTTP calls only.
//! - [`pull`]: the pull-printing fixture (an app's task definition, a virtual printer with its trigger, a share,
//!   a destination printer) and the app's and the user's calls on it.

pub mod backend;
pub mod csdl;
pub mod graph;
pub mod http;
pub mod infra;
pub mod ippeve;
pub mod pdf;
pub mod process;
pub mod pull;
pub mod serve;

pub use backend::TestDatabase;
pub use http::{Http, Resp};
pub use ippeve::Ippeve;
pub use process::{Proc, free_port, wait_port};
pub use serve::{Serve, Served};

/// Whether `cmd` is on the PATH.
pub fn have(cmd: &str) -> bool {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
