//! `platen connector`: Platen's INFRA Proxy (PWG 5100.18).
//!
//! It connects ordinary IPP printers (CUPS `ippeveprinter`, IPP Everywhere printers) to a Platen server,
//! which is the INFRA Infrastructure Printer: `register` creates a printConnector and one Graph printer per
//! local printer (keys, CSRs and certificates stay in the state directory); `run` serves them: it pulls
//! fetchable jobs (ippget notifications, Get-Jobs), claims each exactly once (Acknowledge-Job), prints it on
//! the local printer, follows it there, reports the outcome, and forwards cloud-side cancel/abort.
//!
//! Restart safety comes from the journal (`journal.rs`); the per-printer tasks are in `service.rs`, the
//! job pipeline in `job.rs` and `print.rs`.

mod auth;
mod backoff;
mod codes;
mod ctx;
mod device;
mod error;
mod fsutil;
mod graph;
mod host;
mod infra;
mod ipp_client;
mod job;
mod journal;
mod local;
mod msg;
mod print;
mod register;
mod run;
mod service;
mod state;
mod ticket;
mod transport;

pub use host::APP_VERSION;
pub use register::{RegisterOptions, RegisteredPrinter, register};
pub use run::{RunOptions, run, run_until};
