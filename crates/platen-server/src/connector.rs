//! `platen connector register|run`: the INFRA Proxy that connects local IPP printers to a Platen server
//! (the work is done by the platen-connector crate).

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ConnectorCommand {
    /// Create a printConnector and one Graph printer per local printer; prints each printer's name and id.
    Register(RegisterArgs),
    /// Serve the registered printers until SIGTERM or ctrl-c.
    Run(RunArgs),
}

#[derive(Args)]
pub struct RegisterArgs {
    /// The Platen server's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub server: String,
    /// An administrator's bearer token (Printer Administrator; PrintConnector.ReadWrite.All, Printer.Create).
    #[arg(long, env = "PLATEN_ADMIN_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Directory for the connector's keys, certificates and job journal (created 0700).
    #[arg(long)]
    pub state_dir: PathBuf,
    /// The printConnector's displayName [default: this host's name].
    #[arg(long)]
    pub name: Option<String>,
    /// A local printer as NAME=ipp://HOST:PORT/PATH; NAME becomes the Graph printer's displayName. Repeatable.
    #[arg(long = "printer", value_name = "NAME=URI", required = true)]
    pub printers: Vec<String>,
}

#[derive(Args)]
pub struct RunArgs {
    /// The directory `register` filled.
    #[arg(long)]
    pub state_dir: PathBuf,
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PLATEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Plain text when the log goes to a file or journald rather than a terminal.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
}

pub async fn run(cmd: ConnectorCommand) -> anyhow::Result<()> {
    init_tracing();
    match cmd {
        ConnectorCommand::Register(a) => {
            let printers = platen_connector::register(platen_connector::RegisterOptions {
                server: a.server,
                admin_token: a.token,
                state_dir: a.state_dir,
                name: a.name,
                printers: a.printers,
            })
            .await?;
            for p in printers {
                println!("{}\t{}", p.name, p.printer_id);
            }
            Ok(())
        }
        ConnectorCommand::Run(a) => {
            tracing::info!(
                version = platen_connector::APP_VERSION,
                "platen connector starting"
            );
            platen_connector::run(platen_connector::RunOptions {
                state_dir: a.state_dir,
            })
            .await
        }
    }
}
