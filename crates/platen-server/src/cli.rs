//! The command line.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "platen",
    version,
    about = "Platen: a self-hosted print service speaking Microsoft Graph's Universal Print API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the service (Graph API under {public-url}/v1.0 and /beta).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(Settings),
    /// Copy an installation's data and documents to another database (e.g. SQLite to PostgreSQL), verified.
    MigrateStore(crate::migrate_store::MigrateStoreArgs),
    /// Mint a token from the built-in development issuer.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Connect local IPP printers to a Platen server (the INFRA Proxy): register, then run.
    #[command(subcommand)]
    Connector(crate::connector::ConnectorCommand),
    /// Manage users' print passwords (HTTP Basic for IPP clients) in the database.
    #[command(subcommand)]
    PrintPassword(crate::print_password::PrintPasswordCommand),
}

/// Settings shared by `serve`, `migrate` and `print-password`; each also comes from `PLATEN_*` environment variables and the
/// TOML file given with `--config` (command line > environment > file > defaults).
#[derive(Args, Clone, Default)]
pub struct Settings {
    /// Address to listen on [default: 127.0.0.1:8080; env PLATEN_LISTEN].
    #[arg(long)]
    pub listen: Option<String>,
    /// Directory for the embedded database, documents and keys [default: ./platen-data; env PLATEN_DATA_DIR].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Absolute URL clients reach this server at [default: http://{listen}; env PLATEN_PUBLIC_URL].
    #[arg(long)]
    pub public_url: Option<String>,
    /// sqlite://PATH or postgres://… [default: sqlite://{data-dir}/platen.sqlite3; env PLATEN_DATABASE_URL].
    #[arg(long)]
    pub database_url: Option<String>,
    /// TOML configuration file [env PLATEN_CONFIG].
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// A delegated (user) token: permissions in `scp`.
    User(UserToken),
    /// An application token: permissions in `roles`.
    App(AppToken),
}

#[derive(Args)]
pub struct UserToken {
    #[arg(long)]
    pub tenant: String,
    /// The user's object id (`oid`).
    #[arg(long)]
    pub user: String,
    #[arg(long)]
    pub upn: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    /// The client app id the token was issued to (`appid`/`azp`).
    #[arg(long)]
    pub app: Option<String>,
    /// Space-separated group object ids (`groups`).
    #[arg(long, default_value = "")]
    pub groups: String,
    /// Space-separated delegated permissions (`scp`).
    #[arg(long)]
    pub scopes: String,
    /// Mark the user as Printer Administrator (role template id in `wids`).
    #[arg(long)]
    pub admin: bool,
    #[command(flatten)]
    pub common: TokenCommon,
}

#[derive(Args)]
pub struct AppToken {
    #[arg(long)]
    pub tenant: String,
    /// The app's client id (`appid`/`azp`).
    #[arg(long)]
    pub app: String,
    /// The app's name in the tenant (`app_displayname`), e.g. its service principal's display name.
    #[arg(long)]
    pub name: Option<String>,
    /// The service principal's object id (`oid`); derived from tenant and app when omitted.
    #[arg(long)]
    pub service_principal: Option<String>,
    /// Space-separated application permissions (`roles`).
    #[arg(long)]
    pub roles: String,
    #[command(flatten)]
    pub common: TokenCommon,
}

#[derive(Args)]
pub struct TokenCommon {
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub expires_in: u64,
    /// Data directory holding the development issuer's key [env PLATEN_DATA_DIR; default ./platen-data].
    #[arg(long, env = "PLATEN_DATA_DIR", default_value = "platen-data")]
    pub data_dir: PathBuf,
    /// Audience (`aud`).
    #[arg(long, default_value = "https://graph.microsoft.com")]
    pub audience: String,
    /// Issue the token as if at now + this many seconds (negative: in the past), for testing expired and
    /// not-yet-valid tokens.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub issued_at_offset: i64,
}
