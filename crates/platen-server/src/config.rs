//! Configuration: defaults → TOML file → `PLATEN_*` environment → command line.

use crate::cli::Settings;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    /// Defaults to `http://{listen}`.
    pub public_url: Option<String>,
    /// Defaults to `sqlite://{data_dir}/platen.sqlite3`.
    pub database_url: Option<String>,
    /// Where document bytes live: `disk` (under `documents_dir`), `postgres` (in the PostgreSQL database of
    /// `database_url`) or `s3` (the bucket of `[s3]`), the last two shared by every node. Defaults to `disk` for
    /// SQLite and `postgres` for PostgreSQL.
    pub documents: Option<String>,
    /// Defaults to `{data_dir}/blobs`.
    pub documents_dir: Option<PathBuf>,
    /// The S3-compatible object store for `documents = "s3"`.
    pub s3: Option<crate::documents::S3Settings>,
    /// Bytes; at least 1 GiB by default.
    pub max_document_size: u64,
    pub upload_session_lifetime_secs: u64,
    pub auth: AuthSettings,
    /// Accept plain-http webhook URLs on non-loopback hosts (loopback http is always accepted).
    pub allow_insecure_webhooks: bool,
    /// Accept print passwords (HTTP Basic) on a share's plain `ipp://` address from other machines. Off: they
    /// would cross the network in clear; clients use `ipps://` (loopback is always accepted).
    pub allow_insecure_print_passwords: bool,
    pub webhook_delivery: WebhookDelivery,
    /// A connection must send a request's headers within this many seconds of waiting for one (a new
    /// connection, or a keep-alive one between requests), or it is closed.
    pub http_header_timeout_secs: u64,
}

/// Tuning of change-notification delivery (`platen_app::webhooks::DeliveryConfig`); env
/// `PLATEN_WEBHOOK_DELIVERY__<FIELD>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub batch_size: u32,
    pub max_per_post: usize,
    pub lease_secs: u64,
    pub request_timeout_ms: u64,
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
    /// A notification is given up (and `missed` sent) after this many attempts or this age.
    pub max_attempts: i64,
    pub max_age_secs: u64,
    pub poll_interval_ms: u64,
    pub concurrency: usize,
}

impl Default for WebhookDelivery {
    fn default() -> Self {
        Self {
            batch_size: 200,
            max_per_post: 100,
            lease_secs: 30,
            request_timeout_ms: 10_000,
            backoff_base_ms: 1_000,
            backoff_cap_ms: 300_000,
            max_attempts: 100,
            max_age_secs: 4 * 3600,
            poll_interval_ms: 1_000,
            concurrency: 16,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthSettings {
    /// Trust tokens from the built-in development issuer (`platen token …`). Switch off in production.
    pub trust_dev_issuer: bool,
    /// Further trusted issuers (Entra ID, Keycloak, …).
    pub issuers: Vec<IssuerSettings>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuerSettings {
    pub issuer: String,
    pub audiences: Vec<String>,
    pub jwks_url: Option<String>,
    pub key_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("platen-data"),
            public_url: None,
            database_url: None,
            documents: None,
            documents_dir: None,
            s3: None,
            max_document_size: 1 << 30,
            upload_session_lifetime_secs: 3600,
            auth: AuthSettings {
                trust_dev_issuer: true,
                issuers: vec![],
            },
            allow_insecure_webhooks: false,
            allow_insecure_print_passwords: false,
            webhook_delivery: WebhookDelivery::default(),
            http_header_timeout_secs: 30,
        }
    }
}

impl Config {
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("platen.sqlite3").display()))
    }
    pub fn documents_dir(&self) -> PathBuf {
        self.documents_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("blobs"))
    }
}

/// Only the flags actually given override lower layers.
#[derive(Serialize)]
struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
}

pub fn load(s: &Settings) -> anyhow::Result<Config> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    let file = s
        .config
        .clone()
        .or_else(|| std::env::var_os("PLATEN_CONFIG").map(PathBuf::from));
    if let Some(file) = file {
        if !file.exists() {
            anyhow::bail!("configuration file {} does not exist", file.display());
        }
        fig = fig.merge(Toml::file(file));
    }
    fig = fig
        .merge(Env::prefixed("PLATEN_").ignore(&["CONFIG"]).split("__"))
        .merge(Serialized::defaults(Overrides {
            listen: s.listen.clone(),
            data_dir: s.data_dir.clone(),
            public_url: s.public_url.clone(),
            database_url: s.database_url.clone(),
        }));
    Ok(fig.extract()?)
}
