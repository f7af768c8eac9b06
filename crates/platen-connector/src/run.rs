//! `platen connector run`: serve every registered printer until SIGTERM / ctrl-c.

use crate::auth::TokenSource;
use crate::ctx::{PrinterCtx, Shared};
use crate::graph::Graph;
use crate::host::HostInfo;
use crate::ipp_client::InfraClient;
use crate::local::LocalPrinter;
use crate::service::serve;
use crate::state::{ConnectorConfig, StateDir};
use crate::transport::http_client;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub struct RunOptions {
    pub state_dir: PathBuf,
}

pub async fn run(opts: RunOptions) -> Result<()> {
    run_until(opts, wait_for_signal()).await
}

/// `run`, stopping when `stop` completes instead of on a signal (embedding, tests).
pub async fn run_until(opts: RunOptions, stop: impl std::future::Future<Output = ()>) -> Result<()> {
    let state = StateDir::new(&opts.state_dir);
    let _lock = state.lock()?;
    let cfg = state.load_config()?.with_context(|| {
        format!(
            "{} holds no registration; run `platen connector register` first",
            opts.state_dir.display()
        )
    })?;
    if cfg.registered().next().is_none() {
        bail!(
            "no printer of {} finished registering; run `platen connector register` again",
            opts.state_dir.display()
        );
    }
    let host = HostInfo::detect();
    let http = http_client()?;
    let printers = build_printers(&state, &cfg, &http, &host)?;

    let shutdown = CancellationToken::new();
    tokio::spawn(update_connector(
        cfg.clone(),
        printers[0].infra.tokens().clone(),
        http.clone(),
        host.clone(),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for p in printers {
        tracing::info!(printer = %p.name, printer_id = %p.printer_id, local = p.local.uri(), "starting");
        tasks.spawn(serve(p, shutdown.clone()));
    }
    stop.await;
    tracing::info!("shutting down");
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}
    Ok(())
}

fn build_printers(
    state: &StateDir,
    cfg: &ConnectorConfig,
    http: &reqwest::Client,
    host: &HostInfo,
) -> Result<Vec<Arc<PrinterCtx>>> {
    let mut out = Vec::new();
    for (p, printer_id) in cfg.registered() {
        let key = state.load_key(p.physical_device_id)?.with_context(|| {
            format!(
                "the key of printer '{}' is missing from the state directory",
                p.name
            )
        })?;
        let tokens = Arc::new(TokenSource::new(http.clone(), &cfg.server, printer_id, &key)?);
        out.push(Arc::new(PrinterCtx {
            name: p.name.clone(),
            printer_id: printer_id.to_string(),
            infra: InfraClient::new(
                http.clone(),
                &cfg.server,
                printer_id,
                p.physical_device_id,
                tokens,
            ),
            local: LocalPrinter::new(http.clone(), &p.local_uri)?,
            journal: state.journal(printer_id)?,
            spool: state.spool_dir(printer_id)?,
            host: host.clone(),
            shared: Shared::default(),
        }));
    }
    Ok(out)
}

/// PATCH the printConnector with this start's app version, OS and host name. The admin's token is gone
/// by now; the connector authenticates with one of its printers' device tokens.
async fn update_connector(
    cfg: ConnectorConfig,
    tokens: Arc<TokenSource>,
    http: reqwest::Client,
    host: HostInfo,
) {
    let result = async {
        let token = tokens.token().await.context("device token")?;
        Graph::new(http, &cfg.server, &token)
            .update_connector(&cfg.connector_id, &host)
            .await
    };
    match tokio::time::timeout(std::time::Duration::from_secs(60), result).await {
        Ok(Ok(())) => tracing::info!(connector = %cfg.connector_id, "printConnector updated"),
        Ok(Err(e)) => tracing::warn!(connector = %cfg.connector_id, error = %e, "printConnector not updated"),
        Err(_) => tracing::warn!(connector = %cfg.connector_id, "printConnector update timed out"),
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                return;
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for SIGTERM; ctrl-c only"),
        }
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        tracing::error!(error = %e, "cannot listen for ctrl-c; running until killed");
        std::future::pending::<()>().await;
    }
}
