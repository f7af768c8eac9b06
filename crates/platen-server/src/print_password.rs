//! `platen print-password create|list|revoke`: the operator manages users' print passwords (HTTP Basic for
//! IPP clients) straight in the database, e.g. for a user whose identity provider issues no tokens Platen
//! trusts. Users manage their own through `/platen/print-passwords`.

use crate::cli::Settings;
use clap::{Args, Subcommand};
use platen_app::{App, PrintPasswordOwner};
use platen_domain::time::to_graph;

#[derive(Subcommand)]
pub enum PrintPasswordCommand {
    /// Create a password for a user; the password is printed once, alone on the last line.
    Create(CreateArgs),
    /// List a user's passwords (never the passwords themselves).
    List(ListArgs),
    /// Revoke a password by its id.
    Revoke(RevokeArgs),
}

#[derive(Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub tenant: String,
    /// The user's object id.
    #[arg(long)]
    pub user: String,
    /// The user principal name IPP clients will sign in with.
    #[arg(long)]
    pub upn: String,
    /// The user's display name.
    #[arg(long)]
    pub name: Option<String>,
    /// A group object id the user belongs to (for share access); repeatable.
    #[arg(long = "group", value_name = "GID")]
    pub groups: Vec<String>,
    /// What the password is for, e.g. the device.
    #[arg(long, default_value = "")]
    pub label: String,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Args)]
pub struct ListArgs {
    #[arg(long)]
    pub tenant: String,
    /// The user's object id.
    #[arg(long)]
    pub user: String,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Args)]
pub struct RevokeArgs {
    #[arg(long)]
    pub tenant: String,
    /// The password's id (as `list` shows it; also the part of the password before the dash).
    #[arg(long)]
    pub id: String,
    #[command(flatten)]
    pub settings: Settings,
}

async fn open(settings: &Settings) -> anyhow::Result<(platen_store::sql::SqlStore, App)> {
    // Logs go to standard error, so that standard output holds only the answer.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .try_init();
    crate::serve::open_app(&crate::config::load(settings)?).await
}

pub async fn run(cmd: PrintPasswordCommand) -> anyhow::Result<()> {
    match cmd {
        PrintPasswordCommand::Create(a) => {
            let (store, app) = open(&a.settings).await?;
            let owner = PrintPasswordOwner {
                user_id: a.user,
                user_principal_name: a.upn,
                display_name: a.name,
                groups: a.groups,
            };
            let created = app
                .create_print_password_as_operator(&a.tenant, owner, &a.label)
                .await;
            store.close().await;
            let new = created?;
            let r = &new.record;
            println!(
                "print password {} for {} (user {}) in tenant {}",
                r.id, r.user_principal_name, r.user_id, r.tenant_id
            );
            println!(
                "IPP clients sign in with the user name {} and this password, shown only now:",
                r.user_principal_name
            );
            println!("{}", new.password);
            Ok(())
        }
        PrintPasswordCommand::List(a) => {
            let (store, app) = open(&a.settings).await?;
            let listed = app.list_print_passwords_as_operator(&a.tenant, &a.user).await;
            store.close().await;
            for p in listed? {
                let last = p.last_used_at.map(to_graph).unwrap_or_else(|| "never".into());
                println!(
                    "{}\tcreated {}\tlast used {}\t{}\t{}",
                    p.id,
                    to_graph(p.created_at),
                    last,
                    p.user_principal_name,
                    p.label
                );
            }
            Ok(())
        }
        PrintPasswordCommand::Revoke(a) => {
            let (store, app) = open(&a.settings).await?;
            let revoked = app.revoke_print_password_as_operator(&a.tenant, &a.id).await;
            store.close().await;
            revoked?;
            println!("revoked print password {}", a.id.to_ascii_lowercase());
            Ok(())
        }
    }
}
