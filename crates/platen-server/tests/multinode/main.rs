//! Several `platen serve` processes on one PostgreSQL database, with clients spraying requests across them:
//! uploads whose ranges land on different nodes, concurrent cancels, aborts and device claims with exactly one
//! winner, device long polls woken by changes committed on another node, webhooks delivered once per change
//! when the committing node is killed, and
//! `platen migrate-store` from a populated SQLite installation to PostgreSQL. Each test creates its own
//! database on the server named by `PLATEN_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and drops it afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod console;
mod devices;
mod fixtures;
mod harness;
mod migrate;
mod races;
mod receiver;
mod s3;
mod uploads;
mod webhooks;
