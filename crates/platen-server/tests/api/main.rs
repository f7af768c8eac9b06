//! Platen's HTTP integration suite: real `platen serve` processes spoken to over HTTP (see `common`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod common;
mod connections;
mod conventions;
mod dnssd;
mod flows;
mod isolation;
mod odata;
mod permissions;
mod print_passwords;
mod pull;
mod races;
mod reports;
mod throttling;
mod tls;
mod uploads;
