//! `platen serve` and `platen migrate`.

use crate::config::{Config, LogFormat, WebhookDelivery};
use crate::listener::{Plain, Tls};
use crate::tls::CertSource;
use anyhow::Context;
use platen_app::webhooks::{DeliveryConfig, spawn_delivery};
use platen_app::{App, AppConfig, spawn_sweeper};
use platen_auth::{AuthConfig, DevIssuer, KeySource, TrustedIssuer, Verifier};
use platen_graph::GraphState;
use platen_pki::CertificateAuthority;
use platen_store::sql::SqlStore;
use std::sync::Arc;
use std::time::Duration;

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PLATEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Standard error: standard output carries the listener lines scripts read (`platen listening on …`).
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => logs.try_init(),
        // The innermost span's fields (a request's `request_id`) on every line, not the whole span list.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

pub async fn migrate(cfg: Config) -> anyhow::Result<()> {
    init_tracing(cfg.log.format);
    usable_data_dir(cfg.data_dir.as_path())?;
    let store = SqlStore::connect(&cfg.database_url())
        .await
        .with_context(|| format!("opening the database {}", redact(&cfg.database_url())))?;
    store.migrate().await?;
    println!("migrations applied to {}", redact(&cfg.database_url()));
    Ok(())
}

/// Creates the data directory if needed and proves it writable, so a wrong path or permission stops the start
/// with the directory's name rather than later with a database or key error.
fn usable_data_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating the data directory {}", dir.display()))?;
    // A name of this call's own: with one shared name, two `platen` processes starting on the same directory
    // (a service restarting while an administrator runs `platen print-password create`) could remove each
    // other's probe, and the second removal failed as "not writable".
    static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let probe = dir.join(format!(".platen-write-check-{}-{n}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .with_context(|| format!("the data directory {} is not writable", dir.display()))
}

pub(crate) fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((head, tail)) if head.contains("://") => {
            let scheme = head.split("://").next().unwrap_or_default();
            format!("{scheme}://…@{tail}")
        }
        _ => url.to_string(),
    }
}

fn auth_config(cfg: &Config) -> AuthConfig {
    let issuers = cfg
        .auth
        .issuers
        .iter()
        .filter_map(|i| {
            let keys = match (&i.jwks_url, &i.key_file) {
                (Some(u), _) => KeySource::JwksUrl(u.clone()),
                (None, Some(f)) => KeySource::KeyFile(f.clone()),
                (None, None) => {
                    tracing::warn!(issuer = %i.issuer, "trusted issuer has neither jwks_url nor key_file; ignored");
                    return None;
                }
            };
            Some(TrustedIssuer { issuer: i.issuer.clone(), audiences: i.audiences.clone(), keys })
        })
        .collect();
    AuthConfig {
        trust_dev_issuer: cfg.auth.trust_dev_issuer,
        issuers,
        ..AuthConfig::default()
    }
}

/// The data directory, the database (migrated), the document store and the CA, as one [`App`]: what `serve`
/// runs on, and what the operator commands (`print-password`) use.
pub(crate) async fn open_app(cfg: &Config) -> anyhow::Result<(SqlStore, App)> {
    usable_data_dir(cfg.data_dir.as_path())?;
    let store = SqlStore::open_with_pool(&cfg.database_url(), cfg.database_max_connections)
        .await
        .with_context(|| format!("opening the database {}", redact(&cfg.database_url())))?;
    let blobs = crate::documents::open(cfg)
        .await
        .context("opening the document store")?;
    let ca = CertificateAuthority::load_or_create(&cfg.data_dir.join("ca"))
        .context("loading the certificate authority")?;
    let app_config = AppConfig {
        max_document_size: cfg.max_document_size,
        upload_session_lifetime: Duration::from_secs(cfg.upload_session_lifetime_secs),
        download_url_lifetime: Duration::from_secs(cfg.download_url_lifetime_secs),
        allow_insecure_webhooks: cfg.allow_insecure_webhooks,
        throttling: cfg.throttling.clone(),
        converter: cfg.conversion.converter_config(),
        retention: cfg.retention.policy()?.0,
        ..AppConfig::default()
    };
    let app = App::new(Arc::new(store.clone()), blobs, Arc::new(ca), app_config);
    Ok((store, app))
}

pub async fn run(cfg: Config) -> anyhow::Result<()> {
    init_tracing(cfg.log.format);
    let (store, app) = open_app(&cfg).await?;
    let ca = app.ca.clone();
    let dev = if cfg.auth.trust_dev_issuer {
        Some(DevIssuer::load_or_create(&cfg.data_dir)?)
    } else {
        None
    };
    let verifier = Verifier::new(auth_config(&cfg), dev.clone())?;
    let public_url = cfg.public_url();
    let tls_public_url = cfg.tls_public_url();
    let mut router = routes(
        &app,
        verifier.clone(),
        &public_url,
        tls_public_url.as_deref(),
        &cfg,
    );
    if cfg.console.enabled {
        router = router.merge(console_routes(&app, verifier, dev, &cfg)?);
    }
    let metrics = crate::metrics::install()?;
    let public_metrics = cfg.metrics.public;
    let scraped = app.clone();
    let body_idle = Duration::from_secs(cfg.http_body_idle_timeout_secs.max(1));
    let router = router
        .route(
            crate::api_description::METRICS.path,
            axum::routing::get(move |req| {
                crate::metrics::render(metrics.clone(), Some(scraped.clone()), public_metrics, req)
            })
            .fallback(crate::api_description::only(crate::api_description::METRICS)),
        )
        .layer(axum::middleware::from_fn(move |req, next| {
            crate::body_timeout::limit(body_idle, req, next)
        }))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(axum::middleware::from_fn(crate::metrics::request_span));
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("binding {}", cfg.listen))?;
    let local = listener.local_addr()?;
    let tls = bind_tls(&cfg, &ca).await?;
    let tls_local = tls.as_ref().map(|t| t.listener.local_addr()).transpose()?;

    let sweeper = spawn_sweeper(app.clone(), Duration::from_secs(60));
    let usage_folder = platen_app::spawn_usage_folder(app.clone(), Duration::from_secs(1));
    let retention = platen_app::spawn_retention(app.clone(), cfg.retention.policy()?.1);
    let (hold_for, check_every) = cfg.secure_release.durations()?;
    let release_expiry = platen_app::spawn_release_expiry(app.clone(), hold_for, check_every);
    // Conversions a node was running when it stopped start again (the job is still `transforming`).
    match app.resume_conversions().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "resumed document conversions"),
        Err(e) => tracing::warn!(error = %e, "could not look for jobs left transforming"),
    }
    let delivery = spawn_delivery(app.clone(), delivery_config(&cfg.webhook_delivery)?);
    let wakeups = wake_devices_on_changes(&store, &app).await?;
    let outbox_wakeups = wake_delivery_on_other_nodes_changes(&store, &app).await?;
    // One signal stops both listeners and the DNS-SD advertiser.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown().await;
        let _ = stop.send(true);
    });
    let dnssd = if cfg.dnssd() {
        let tls = tls_local.zip(tls_public_url.clone());
        advertise(&app, (local, &public_url), tls, stopped.clone())
    } else {
        None
    };

    tracing::info!(%local, %public_url, database = %redact(&cfg.database_url()), "Platen is serving Microsoft Graph at {public_url}/v1.0 and {public_url}/beta");
    println!("platen listening on {local}");
    if let (Some(tls_local), Some(url)) = (tls_local, &tls_public_url) {
        tracing::info!(%tls_local, tls_public_url = %url, "TLS listener (https, ipps)");
        println!("platen listening with TLS on {tls_local}");
    }
    let header_timeout = Duration::from_secs(cfg.http_header_timeout_secs.max(1));
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stopped| *stopped).await;
    };
    let http = crate::listener::serve(
        listener,
        Plain,
        router.clone(),
        header_timeout,
        until_stopped(stopped.clone()),
    );
    let tls_reload = tls.as_ref().map(|t| t.reload.abort_handle());
    let https = async {
        let Some(tls) = tls else {
            return Ok(());
        };
        let handshake = Tls(tls.acceptor);
        crate::listener::serve(
            tls.listener,
            handshake,
            router,
            header_timeout,
            until_stopped(stopped),
        )
        .await
    };
    let (http, https) = tokio::join!(http, https);
    if let Some(task) = dnssd {
        // It withdraws the adverts when the stop signal comes; give it a moment to send the goodbyes.
        let _ = tokio::time::timeout(Duration::from_secs(3), task).await;
    }
    sweeper.abort();
    usage_folder.abort();
    retention.abort();
    release_expiry.abort();
    delivery.abort();
    wakeups.abort();
    if let Some(task) = outbox_wakeups {
        task.abort();
    }
    if let Some(task) = tls_reload {
        task.abort();
    }
    store.close().await;
    http?;
    https?;
    Ok(())
}

/// The TLS listener, bound, with its configuration and the task that reloads its certificate.
struct TlsListener {
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    reload: tokio::task::JoinHandle<()>,
}

async fn bind_tls(cfg: &Config, ca: &Arc<CertificateAuthority>) -> anyhow::Result<Option<TlsListener>> {
    let Some(settings) = &cfg.tls else {
        return Ok(None);
    };
    let (acceptor, reload) = crate::tls::acceptor(CertSource::new(cfg, settings, ca.clone())?)?;
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("binding tls.listen {}", settings.listen))?;
    Ok(Some(TlsListener {
        listener,
        acceptor,
        reload,
    }))
}

/// Starts the DNS-SD advertiser for the plain listener (bound address, public URL) and the TLS one.
fn advertise(
    app: &App,
    (http_bound, public_url): (std::net::SocketAddr, &str),
    tls: Option<(std::net::SocketAddr, String)>,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    let listener = |bound: std::net::SocketAddr, url: String| crate::dnssd::Listener {
        port: bound.port(),
        public_url: url,
    };
    let settings = crate::dnssd::Settings {
        listeners: crate::dnssd::Listeners {
            http: listener(http_bound, public_url.to_string()),
            tls: tls.clone().map(|(bound, url)| listener(bound, url)),
        },
        http_bound,
        tls_bound: tls.map(|(bound, _)| bound),
    };
    crate::dnssd::spawn(app.clone(), settings, stopped)
}

/// Every endpoint, served on both listeners: the IPP endpoints, the Graph API, and the CA certificate.
fn routes(
    app: &App,
    verifier: Verifier,
    public_url: &str,
    tls_public_url: Option<&str>,
    cfg: &Config,
) -> axum::Router {
    let ipp = platen_ipp::router(platen_ipp::IppState {
        app: app.clone(),
        public_url: public_url.to_string(),
        tls_public_url: tls_public_url.map(str::to_string),
        verifier: verifier.clone(),
        allow_insecure_basic: cfg.allow_insecure_print_passwords,
        started_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    });
    ipp.merge(ca_certificate_route(&app.ca))
        .merge(crate::api_description::route(public_url))
        .merge(platen_graph::router(GraphState {
            app: app.clone(),
            verifier,
            public_url: public_url.to_string(),
            tls_public_url: tls_public_url.map(str::to_string),
            max_json_body: 1 << 20,
        }))
}

/// The web console at `{public_url}{console.path}/`.
fn console_routes(
    app: &App,
    verifier: Verifier,
    dev: Option<DevIssuer>,
    cfg: &Config,
) -> anyhow::Result<axum::Router> {
    let c = &cfg.console;
    let path = format!("/{}", c.path.trim_matches('/'));
    anyhow::ensure!(
        path.len() > 1
            && !path.contains("//")
            && path
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "/-_".contains(ch)),
        "console.path must be a path such as /console"
    );
    for p in &c.providers {
        anyhow::ensure!(
            !p.id.is_empty() && p.id.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-'),
            "console.providers: id '{}' must be letters, digits and '-'",
            p.id
        );
        anyhow::ensure!(
            cfg.auth.issuers.iter().any(|i| i.issuer == p.issuer),
            "console.providers '{}': its issuer {} must also be a trusted issuer ([[auth.issuers]]), whose keys verify the ID tokens",
            p.id,
            p.issuer
        );
    }
    let public_url = c
        .public_url
        .clone()
        .or_else(|| cfg.tls_public_url())
        .unwrap_or_else(|| cfg.public_url());
    let config = platen_console::ConsoleConfig {
        base_path: path,
        public_url: public_url.trim_end_matches('/').to_string(),
        session_lifetime: Duration::from_secs(c.session_lifetime_secs.clamp(60, 30 * 24 * 3600)),
        providers: c
            .providers
            .iter()
            .map(|p| platen_console::OidcProvider {
                id: p.id.clone(),
                name: p.name.clone(),
                issuer: p.issuer.clone(),
                client_id: p.client_id.clone(),
                client_secret: p.client_secret.clone(),
                discovery_url: p.discovery_url.clone(),
                scopes: p.scopes.clone(),
                tenant_id: p.tenant_id.clone(),
                admin_role: p.admin_role.clone(),
            })
            .collect(),
        dev_issuer: if cfg.auth.trust_dev_issuer { dev } else { None },
    };
    let state =
        platen_console::ConsoleState::new(app.clone(), verifier, config).map_err(anyhow::Error::msg)?;
    Ok(platen_console::router(state))
}

/// `GET /platen/ca.pem`: Platen's CA certificate, public, so clients can trust the TLS listener's
/// self-issued certificate (and check printers' certificates).
fn ca_certificate_route(ca: &CertificateAuthority) -> axum::Router {
    let pem = ca.ca_certificate_pem().to_string();
    axum::Router::new().route(
        crate::api_description::CA_CERTIFICATE.path,
        axum::routing::get(move || async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
                pem,
            )
        })
        .fallback(crate::api_description::only(
            crate::api_description::CA_CERTIFICATE,
        )),
    )
}

/// Device long polls (Get-Notifications) wake when a job change of their printer commits on any node: the store's
/// change feed (PostgreSQL LISTEN/NOTIFY across nodes, in-process on SQLite) wakes that printer's pollers.
async fn wake_devices_on_changes(store: &SqlStore, app: &App) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut feed = store.change_feed().subscribe().await?;
    let wakeups = app.device_wakeups.clone();
    Ok(tokio::spawn(async move {
        loop {
            match feed.recv().await {
                Ok(change) => wakeups.wake(&change.tenant, &change.printer_id),
                // Lagging behind lost which printers changed: every waiting poller re-reads its events.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => wakeups.wake_all(),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    }))
}

/// With several nodes (PostgreSQL), a change committed on another node may have queued notifications: the
/// change feed wakes this node's delivery worker too, instead of leaving them to its fallback poll (1 s).
/// At most one extra pass per [`OUTBOX_WAKE_SPACING`], so a busy cluster does not turn every job change
/// into an outbox query. (The committing node's own worker is woken directly, and SQLite has one node.)
async fn wake_delivery_on_other_nodes_changes(
    store: &SqlStore,
    app: &App,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    use tokio::sync::broadcast::error::{RecvError, TryRecvError};
    if !store.change_feed().spans_nodes() {
        return Ok(None);
    }
    let mut feed = store.change_feed().subscribe().await?;
    let wakeup = app.outbox_wakeup.clone();
    Ok(Some(tokio::spawn(async move {
        while let Ok(_) | Err(RecvError::Lagged(_)) = feed.recv().await {
            wakeup.notify_one();
            tokio::time::sleep(OUTBOX_WAKE_SPACING).await;
            // The changes of the pause are covered by one pass.
            while let Ok(_) | Err(TryRecvError::Lagged(_)) = feed.try_recv() {}
        }
    })))
}

const OUTBOX_WAKE_SPACING: Duration = Duration::from_millis(50);

fn delivery_config(d: &WebhookDelivery) -> anyhow::Result<DeliveryConfig> {
    let ms = Duration::from_millis;
    Ok(DeliveryConfig {
        batch_size: d.batch_size.max(1),
        max_per_post: d.max_per_post.max(1),
        lease: Duration::from_secs(d.lease_secs.max(1)),
        request_timeout: ms(d.request_timeout_ms.max(1)),
        backoff_base: ms(d.backoff_base_ms),
        backoff_cap: ms(d.backoff_cap_ms),
        max_attempts: d.max_attempts.max(1),
        max_age: Duration::from_secs(d.max_age_secs),
        poll_interval: ms(d.poll_interval_ms.max(10)),
        concurrency: d.concurrency.max(1),
        ..DeliveryConfig::new()?
    })
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[cfg(test)]
mod tests {
    use super::usable_data_dir;

    /// Probes made at the same moment on one directory (as two `platen` processes starting together) never take
    /// each other's file away: every check passes and no probe is left behind.
    #[test]
    fn concurrent_write_checks_on_one_directory_all_pass() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|s| {
            let checks: Vec<_> = (0..8)
                .map(|_| s.spawn(|| (0..200).all(|_| usable_data_dir(dir.path()).is_ok())))
                .collect();
            for check in checks {
                assert!(check.join().unwrap(), "a write check failed");
            }
        });
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
