//! `platen`: one binary for the Graph print service and its tools.

mod api_description;
mod body_timeout;
mod cli;
mod config;
mod connector;
mod dnssd;
mod documents;
mod hostname;
mod listener;
mod metrics;
mod migrate_store;
mod print_password;
mod serve;
mod tls;
mod token;

use clap::Parser;

/// mimalloc instead of glibc malloc: rows, JSON maps and responses are many small, short-lived allocations, and
/// glibc's were a fifth of the CPU of a job list page (see ARCHITECTURE.md, Hot paths).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // One line naming what failed and why (the key, the file, the directory, the database), not a debug dump.
    match run(cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("platen: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: cli::Cli) -> anyhow::Result<()> {
    match cli.command {
        cli::Command::Serve(args) => serve::run(config::load(&args.settings)?).await,
        cli::Command::Migrate(args) => serve::migrate(config::load(&args)?).await,
        cli::Command::MigrateStore(args) => migrate_store::run(args).await,
        cli::Command::Token(t) => token::run(t),
        cli::Command::Connector(c) => connector::run(c).await,
        cli::Command::PrintPassword(p) => print_password::run(p).await,
    }
}
