//! Configuration: defaults → TOML file → `PLATEN_*` environment → command line.

use crate::cli::Settings;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    /// Defaults to `http://{listen}`.
    pub public_url: Option<String>,
    /// Defaults to `sqlite://{data_dir}/platen.sqlite3`.
    pub database_url: Option<String>,
    /// PostgreSQL: connections this node opens for its store (documents kept in PostgreSQL get half as many more,
    /// and the change feed one). With N nodes, the server's `max_connections` must allow about N × 1.5 × this + N.
    pub database_max_connections: u32,
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
    /// How long the URL a document's `$value` redirects to stays valid.
    pub download_url_lifetime_secs: u64,
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
    /// A request body that sends no bytes for this many seconds ends its request with 408 (a body that keeps
    /// arriving is never cut, however long it takes).
    pub http_body_idle_timeout_secs: u64,
    /// A second listener with TLS (`https://`, `ipps://`) serving the same endpoints; env `PLATEN_TLS__<FIELD>`.
    pub tls: Option<TlsSettings>,
    /// Advertise printer shares on the local network with DNS-SD (mDNS), as `_ipp._tcp` (and `_ipps._tcp`
    /// with TLS). Defaults to on for the embedded default (no `database_url`) and off otherwise: several
    /// nodes sharing one database would all announce the same printers.
    pub dnssd: Option<bool>,
    /// Limits on job creations (per user, printer, app) and uploaded bytes (per user), each
    /// `{ limit = N, window_secs = S }`; off unless set. A request over a limit gets 429 with `Retry-After`.
    #[serde(default)]
    pub throttling: platen_domain::throttling::ThrottlePolicy,
    /// OXPS → PDF conversion for PDF-only printers (when the tenant's `documentConversionEnabled` is on);
    /// env `PLATEN_CONVERSION__<FIELD>`.
    #[serde(default)]
    pub conversion: ConversionSettings,
    /// The web console (`[console]`; env `PLATEN_CONSOLE__<FIELD>`).
    #[serde(default)]
    pub console: ConsoleSettings,
    /// How long finished jobs keep their documents and records (`[retention]`; env `PLATEN_RETENTION__<FIELD>`).
    #[serde(default)]
    pub retention: RetentionSettings,
    /// How long secure release holds a job before aborting it (`[secure_release]`; env
    /// `PLATEN_SECURE_RELEASE__<FIELD>`).
    #[serde(default)]
    pub secure_release: SecureReleaseSettings,
    /// Prometheus metrics at `/metrics` (`[metrics]`; env `PLATEN_METRICS__PUBLIC`).
    #[serde(default)]
    pub metrics: MetricsSettings,
    /// Log output (`[log]`; env `PLATEN_LOG__FORMAT`). Which messages are written stays `PLATEN_LOG`
    /// (a tracing filter such as `info,sqlx=warn`).
    #[serde(default)]
    pub log: LogSettings,
}

/// `[log]`: how log lines are written to standard error.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `text` (default, for people) or `json` (one JSON object per line, for log collectors); every line written
    /// while a request is served carries its `request_id`, the `request-id` header the client got.
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// `[metrics]`: who may read `/metrics`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Serve `/metrics` to every client, not only to loopback ones (for a scraper on another machine).
    pub public: bool,
}

/// `[secure_release]`: human-readable durations.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecureReleaseSettings {
    /// How long a job waits for its owner to release it before it is aborted with a reason.
    pub expire_after: String,
    /// How often each node looks for expired holds.
    pub check_interval: String,
}

impl Default for SecureReleaseSettings {
    fn default() -> Self {
        Self {
            expire_after: "1d".into(),
            check_interval: "1m".into(),
        }
    }
}

impl SecureReleaseSettings {
    /// (expire after, check interval), checked.
    pub fn durations(&self) -> anyhow::Result<(Duration, Duration)> {
        let parse = |name: &str, value: &str| {
            humantime::parse_duration(value.trim())
                .map_err(|e| {
                    anyhow::anyhow!("secure_release.{name} = {value:?}: {e} (write e.g. \"1d\" or \"8h\")")
                })
                .and_then(|d| {
                    if d.is_zero() {
                        Err(anyhow::anyhow!("secure_release.{name} must be longer than 0"))
                    } else {
                        Ok(d)
                    }
                })
        };
        Ok((
            parse("expire_after", &self.expire_after)?,
            parse("check_interval", &self.check_interval)?,
        ))
    }
}

/// `[retention]`: human-readable durations ("1d", "12h", "90days"), or "off" to keep forever.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// How long a finished job keeps its document bytes.
    pub documents: String,
    /// How long a finished job's records are kept (reports keep their numbers).
    pub jobs: String,
    /// How often each node looks for something to purge.
    pub purge_interval: String,
    /// A cap on the bytes of stored documents ("50GiB", "500MB"): beyond it, the bytes of the jobs that finished
    /// first go, whatever their age.
    pub max_document_bytes: Option<String>,
    /// Printers with retention of their own, by printer id (`[retention.printers."<id>"]`).
    pub printers: std::collections::BTreeMap<String, PrinterRetentionSettings>,
}

/// `[retention.printers."<printer id>"]`: what is not set here follows `[retention]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrinterRetentionSettings {
    pub documents: Option<String>,
    pub jobs: Option<String>,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            documents: "1d".into(),
            jobs: "90d".into(),
            purge_interval: "1m".into(),
            max_document_bytes: None,
            printers: Default::default(),
        }
    }
}

impl RetentionSettings {
    /// The policy these settings describe, and the purge interval; checked.
    pub fn policy(&self) -> anyhow::Result<(platen_app::RetentionPolicy, Duration)> {
        let keep = |name: &str, value: &str| -> anyhow::Result<Option<Duration>> {
            match value.trim() {
                "off" | "never" => Ok(None),
                v => humantime::parse_duration(v).map(Some).map_err(|e| {
                    anyhow::anyhow!(
                        "retention.{name} = {value:?}: {e} (write e.g. \"1d\", \"12h\" or \"off\")"
                    )
                }),
            }
        };
        let interval = keep("purge_interval", &self.purge_interval)?
            .ok_or_else(|| anyhow::anyhow!("retention.purge_interval cannot be off"))?;
        let max_document_bytes = match &self.max_document_bytes {
            None => None,
            Some(v) => Some(
                v.trim()
                    .parse::<bytesize::ByteSize>()
                    .map_err(|e| {
                        anyhow::anyhow!("retention.max_document_bytes = {v:?}: {e} (write e.g. \"50GiB\")")
                    })?
                    .as_u64(),
            ),
        };
        let documents = keep("documents", &self.documents)?;
        let jobs = keep("jobs", &self.jobs)?;
        let mut printers = Vec::new();
        for (id, p) in &self.printers {
            let own = |name: &str, value: &Option<String>, global: Option<Duration>| match value {
                None => Ok(global),
                Some(v) => keep(&format!("printers.\"{id}\".{name}"), v),
            };
            printers.push(platen_app::PrinterRetention {
                // Printer ids are lower case wherever Platen issues them; the file may have them copied otherwise.
                printer_id: id.trim().to_ascii_lowercase(),
                documents: own("documents", &p.documents, documents)?,
                jobs: own("jobs", &p.jobs, jobs)?,
            });
        }
        let policy = platen_app::RetentionPolicy {
            documents,
            jobs,
            max_document_bytes,
            printers,
            ..Default::default()
        };
        Ok((policy, interval))
    }
}

/// The web console at `{public_url}{path}/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsoleSettings {
    pub enabled: bool,
    /// Where it is served, e.g. `/console`.
    pub path: String,
    /// How long a sign-in lasts.
    pub session_lifetime_secs: u64,
    /// The URL people reach the console at, for OpenID redirect URIs; defaults to the TLS listener's public URL
    /// when there is one, else `public_url`.
    pub public_url: Option<String>,
    /// OpenID Connect providers (`[[console.providers]]`); each `issuer` must also be a trusted issuer
    /// (`[[auth.issuers]]`), whose keys verify the ID tokens.
    pub providers: Vec<ConsoleProvider>,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            path: "/console".into(),
            session_lifetime_secs: 8 * 3600,
            public_url: None,
            providers: vec![],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsoleProvider {
    /// Names the provider in the console's URLs (letters, digits, `-`).
    pub id: String,
    /// Shown on the sign-in button ("Sign in with …").
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub discovery_url: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The tenant of users whose ID token carries no `tid` (providers other than Entra ID).
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// A provider role (`roles` claim) that makes a Printer Administrator.
    #[serde(default)]
    pub admin_role: Option<String>,
}

/// How the document converter runs (see `platen_app::ConverterConfig`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ConversionSettings {
    /// Debian's `xpstopdf` (package libgxps-utils): a path, or a name looked up on `PATH`.
    pub converter: PathBuf,
    /// Wall-clock seconds before the converter is killed.
    pub timeout_secs: u64,
    /// CPU seconds (RLIMIT_CPU).
    pub cpu_secs: u64,
    /// Address space in MiB (RLIMIT_AS).
    pub memory_mib: u64,
    /// Largest converted document in bytes.
    pub max_output_bytes: u64,
}

impl Default for ConversionSettings {
    fn default() -> Self {
        let d = platen_app::ConverterConfig::default();
        Self {
            converter: d.program,
            timeout_secs: d.timeout.as_secs(),
            cpu_secs: d.cpu_seconds,
            memory_mib: d.memory_bytes >> 20,
            max_output_bytes: d.max_output_bytes,
        }
    }
}

impl ConversionSettings {
    pub fn converter_config(&self) -> platen_app::ConverterConfig {
        platen_app::ConverterConfig {
            program: self.converter.clone(),
            timeout: std::time::Duration::from_secs(self.timeout_secs.max(1)),
            cpu_seconds: self.cpu_secs.max(1),
            memory_bytes: self.memory_mib.max(64) << 20,
            max_output_bytes: self.max_output_bytes.max(1),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TlsSettings {
    /// e.g. `0.0.0.0:8443`.
    pub listen: String,
    /// The certificate chain (PEM, server certificate first) and its private key (PEM). Both or neither:
    /// without them Platen's CA issues the certificate (kept in `{data_dir}/tls`, renewed before it ends).
    #[serde(default)]
    pub cert_file: Option<PathBuf>,
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// Names and addresses the issued certificate is valid for. Defaults to the machine's host name (and
    /// `{host}.local`), `localhost`, `127.0.0.1`, `::1`, and the hosts of both public URLs.
    #[serde(default)]
    pub hosts: Option<Vec<String>>,
    /// Absolute URL clients reach the TLS listener at. Defaults to `https://{tls.listen}`.
    #[serde(default)]
    pub public_url: Option<String>,
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
    /// Subscriptions delivered to at once, each by its own task (a receiver that hangs holds one until the request
    /// timeout; the others go on).
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
            concurrency: 64,
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
            database_max_connections: platen_store::sql::DEFAULT_POSTGRES_POOL,
            documents: None,
            documents_dir: None,
            s3: None,
            max_document_size: 1 << 30,
            upload_session_lifetime_secs: 3600,
            download_url_lifetime_secs: 600,
            auth: AuthSettings {
                trust_dev_issuer: true,
                issuers: vec![],
            },
            allow_insecure_webhooks: false,
            allow_insecure_print_passwords: false,
            webhook_delivery: WebhookDelivery::default(),
            http_header_timeout_secs: 30,
            http_body_idle_timeout_secs: 60,
            tls: None,
            dnssd: None,
            throttling: Default::default(),
            conversion: Default::default(),
            console: Default::default(),
            retention: Default::default(),
            secure_release: Default::default(),
            metrics: Default::default(),
            log: Default::default(),
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
    /// The TLS listener's public URL, when there is one (no trailing slash).
    pub fn tls_public_url(&self) -> Option<String> {
        let tls = self.tls.as_ref()?;
        let url = tls
            .public_url
            .clone()
            .unwrap_or_else(|| format!("https://{}", tls.listen));
        Some(url.trim_end_matches('/').to_string())
    }
    pub fn dnssd(&self) -> bool {
        self.dnssd.unwrap_or(self.database_url.is_none())
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
        .merge(
            Env::prefixed("PLATEN_")
                .filter(|k| is_configuration(k.as_str()))
                .split("__"),
        )
        .merge(Serialized::defaults(Overrides {
            listen: s.listen.clone(),
            data_dir: s.data_dir.clone(),
            public_url: s.public_url.clone(),
            database_url: s.database_url.clone(),
        }));
    // A wrong type names its key and where it came from (figment's message, one line).
    let config: Config = fig.extract().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    refuse_unknown_keys(&fig)?;
    Ok(config)
}

/// `PLATEN_*` variables that configure the tools around the server (its log filter, the connector's token, test
/// suites, benchmarks and scripts) rather than the server: never read as configuration keys.
const NOT_CONFIGURATION: &[&str] = &[
    "CONFIG",
    "LOG",
    "ADMIN_TOKEN",
    "BIN",
    "BASE",
    "URI",
    "CHROMIUM",
    "COMPAT_KEEP",
    "CRASH_KILLS",
    "RACE_TRIALS",
];
const NOT_CONFIGURATION_PREFIXES: &[&str] = &["TEST_", "BENCH_", "FIG_"];

/// Is `PLATEN_{name}` a configuration variable (`name` without the prefix)?
fn is_configuration(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    !NOT_CONFIGURATION.contains(&upper.as_str())
        && !NOT_CONFIGURATION_PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// Stops the start at the first key no setting reads (a misspelt section, key or variable would otherwise be
/// ignored silently), naming it and where it came from.
fn refuse_unknown_keys(fig: &Figment) -> anyhow::Result<()> {
    let merged: figment::value::Value = fig
        .extract::<figment::value::Dict>()
        .map_err(|e| anyhow::anyhow!("configuration: {e}"))?
        .into();
    let mut unknown: Vec<String> = vec![];
    // serde_ignored writes `?` for the inside of an Option; the key as written has no such segment.
    let key_of = |path: serde_ignored::Path| {
        path.to_string()
            .split('.')
            .filter(|s| *s != "?")
            .collect::<Vec<_>>()
            .join(".")
    };
    let _: Config = serde_ignored::deserialize(&merged, |path| unknown.push(key_of(path)))
        .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    let Some(key) = unknown.first() else {
        return Ok(());
    };
    let source = match fig.find_metadata(key) {
        Some(m) if m.name.contains("environment") => {
            // The variables that spell this key (a misspelt section covers every variable under it).
            let spelt = format!("PLATEN_{}", key.to_ascii_uppercase().replace('.', "__"));
            let mut names: Vec<String> = std::env::vars_os()
                .filter_map(|(k, _)| k.into_string().ok())
                .filter(|k| {
                    let k = k.to_ascii_uppercase();
                    k == spelt || k.starts_with(&format!("{spelt}__"))
                })
                .collect();
            names.sort();
            if names.is_empty() {
                names.push(spelt);
            }
            format!("the environment ({})", names.join(", "))
        }
        Some(m) => match &m.source {
            Some(source) => format!("{} {source}", m.name),
            None => m.name.to_string(),
        },
        None => "the configuration".into(),
    };
    anyhow::bail!(
        "configuration: unknown key `{key}` in {source} (the keys Platen reads are listed in the README, Configuration)"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn from_toml(text: &str) -> Config {
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(text))
            .extract()
            .unwrap()
    }

    #[test]
    fn tls_is_off_unless_configured() {
        let cfg = from_toml("");
        assert!(cfg.tls.is_none());
        assert_eq!(cfg.tls_public_url(), None);
    }

    #[test]
    fn a_tls_section_needs_only_its_address() {
        let cfg = from_toml("[tls]\nlisten = \"0.0.0.0:8443\"\n");
        let tls = cfg.tls.as_ref().unwrap();
        assert_eq!((tls.cert_file.as_ref(), tls.hosts.as_ref()), (None, None));
        assert_eq!(cfg.tls_public_url().as_deref(), Some("https://0.0.0.0:8443"));
        let cfg = from_toml(
            "[tls]\nlisten = \"0.0.0.0:8443\"\npublic_url = \"https://print.example/\"\n\
             cert_file = \"c.pem\"\nkey_file = \"k.pem\"\nhosts = [\"print.example\"]\n",
        );
        assert_eq!(cfg.tls_public_url().as_deref(), Some("https://print.example"));
        assert_eq!(cfg.tls.unwrap().hosts.unwrap(), ["print.example"]);
    }

    fn settings(config: Option<PathBuf>) -> Settings {
        Settings {
            config,
            listen: None,
            data_dir: None,
            public_url: None,
            database_url: None,
        }
    }

    #[test]
    fn an_unknown_key_or_section_stops_the_start_naming_it_and_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("platen.toml");
        for (text, key) in [
            ("listn = \"0.0.0.0:8080\"\n", "listn"),
            ("[retention]\ndocument = \"2d\"\n", "retention.document"),
            ("[retenshun]\ndocuments = \"2d\"\n", "retenshun"),
            (
                "[throttling.jobs_per_user]\nlimit = 5\nwindow_secs = 60\nburst = 3\n",
                "throttling.jobs_per_user.burst",
            ),
        ] {
            std::fs::write(&file, text).unwrap();
            let e = load(&settings(Some(file.clone()))).unwrap_err().to_string();
            // Sections that refuse unknown fields themselves say so through figment, with the fields they take.
            let named = e.contains(&format!("unknown key `{key}`"))
                || e.contains(&format!(
                    "unknown field: found `{}`",
                    key.rsplit('.').next().unwrap()
                ));
            assert!(named, "{text}: {e}");
            assert!(e.contains("platen.toml"), "{text}: {e}");
            assert_eq!(e.lines().count(), 1, "{e}");
        }
        std::fs::write(&file, "max_document_size = \"big\"\n").unwrap();
        let e = load(&settings(Some(file.clone()))).unwrap_err().to_string();
        assert!(e.contains("max_document_size"), "{e}");
        std::fs::write(
            &file,
            "[retention]\ndocuments = \"2d\"\n[console]\nenabled = false\n",
        )
        .unwrap();
        let config = load(&settings(Some(file))).unwrap();
        assert_eq!(config.retention.documents, "2d");
    }

    #[test]
    fn a_printer_may_have_retention_of_its_own_and_inherits_what_it_does_not_set() {
        let config = from_toml(
            "[retention]\ndocuments = \"2d\"\njobs = \"30d\"\n\
             [retention.printers.\"3F2A\"]\ndocuments = \"0s\"\n\
             [retention.printers.archive]\njobs = \"off\"\n",
        );
        let (policy, _) = config.retention.policy().unwrap();
        let day = Duration::from_secs(86_400);
        assert_eq!(
            policy.printers,
            vec![
                platen_app::PrinterRetention {
                    printer_id: "3f2a".into(),
                    documents: Some(Duration::ZERO),
                    jobs: Some(30 * day),
                },
                platen_app::PrinterRetention {
                    printer_id: "archive".into(),
                    documents: Some(2 * day),
                    jobs: None,
                },
            ]
        );
        let bad = from_toml("[retention.printers.p1]\ndocuments = \"soon\"\n");
        let e = bad.retention.policy().unwrap_err().to_string();
        assert!(e.contains("retention.printers.\"p1\".documents"), "{e}");
    }

    #[test]
    fn tools_variables_are_not_configuration() {
        for name in [
            "CONFIG",
            "LOG",
            "TEST_BACKEND",
            "test_postgres",
            "BENCH_BIN",
            "BIN",
            "CRASH_KILLS",
        ] {
            assert!(!is_configuration(name), "{name}");
        }
        for name in ["LISTEN", "RETENTION__DOCUMENTS", "TLS__LISTEN", "DATABASE_URL"] {
            assert!(is_configuration(name), "{name}");
        }
    }

    #[test]
    fn dnssd_is_on_for_the_embedded_default_only() {
        assert!(from_toml("").dnssd());
        assert!(!from_toml("database_url = \"postgres://db/platen\"").dnssd());
        assert!(!from_toml("dnssd = false").dnssd());
        assert!(from_toml("dnssd = true\ndatabase_url = \"postgres://db/platen\"").dnssd());
    }
}
