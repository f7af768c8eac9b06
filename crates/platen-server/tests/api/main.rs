//! Platen's HTTP integration suite: real `platen serve` processes spoken to over HTTP (see `common`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod beta_shares;
mod common;
mod configurations;
mod connections;
mod conventions;
mod counts;
mod device_errors;
mod dnssd;
mod document_configuration;
mod downloads;
mod flows;
mod isolation;
mod metadata;
mod odata;
mod permissions;
mod print_passwords;
mod pull;
mod pull_navigation;
mod races;
mod reports;
mod throttling;
mod tls;
mod uploads;
mod user_print;
