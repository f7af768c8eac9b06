//! The TLS listener's rustls configuration and certificate: the administrator's files (`tls.cert_file`,
//! `tls.key_file`), or a certificate Platen's CA issues for `tls.hosts` and keeps in `{data_dir}/tls`. Either
//! is loaded again every few hours, so renewed files and a renewal before expiry take effect without a
//! restart; connections already open keep the certificate they started with.

use crate::config::{Config, TlsSettings};
use crate::hostname::{is_dns_name, local_name, machine_hostname};
use anyhow::Context;
use platen_pki::CertificateAuthority;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{ServerConfig, crypto::aws_lc_rs};

/// How often the certificate is loaded again (and renewed when it nears its end).
const RELOAD_EVERY: Duration = Duration::from_secs(6 * 3600);

/// Where the certificate comes from.
pub enum CertSource {
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    Issued {
        ca: Arc<CertificateAuthority>,
        dir: PathBuf,
        hosts: Vec<String>,
    },
}

impl CertSource {
    pub fn new(cfg: &Config, tls: &TlsSettings, ca: Arc<CertificateAuthority>) -> anyhow::Result<Self> {
        match (&tls.cert_file, &tls.key_file) {
            (Some(cert), Some(key)) => Ok(Self::Files {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (None, None) => Ok(Self::Issued {
                ca,
                dir: cfg.data_dir.join("tls"),
                hosts: tls.hosts.clone().unwrap_or_else(|| default_hosts(cfg, tls)),
            }),
            _ => anyhow::bail!("tls.cert_file and tls.key_file go together: give both, or neither"),
        }
    }

    /// The certificate and key to serve, loaded (and for an issued one, renewed when due) now.
    fn load(&self, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
        let (cert_pem, key_pem) = match self {
            Self::Files { cert, key } => (
                std::fs::read(cert).with_context(|| format!("reading tls.cert_file {}", cert.display()))?,
                std::fs::read(key).with_context(|| format!("reading tls.key_file {}", key.display()))?,
            ),
            Self::Issued { ca, dir, hosts } => {
                let issued = ca
                    .load_or_issue_server_certificate(dir, hosts)
                    .context("issuing the TLS server certificate")?;
                if issued.issued_now {
                    tracing::info!(?hosts, not_after = %issued.not_after, "issued a TLS server certificate");
                }
                (issued.cert_pem.into_bytes(), issued.key_pem.into_bytes())
            }
        };
        let chain = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .context("reading the TLS certificate chain (PEM)")?;
        anyhow::ensure!(!chain.is_empty(), "the TLS certificate file holds no certificate");
        let key = PrivateKeyDer::from_pem_slice(&key_pem).context("reading the TLS private key (PEM)")?;
        CertifiedKey::from_der(chain, key, provider)
            .context("the TLS private key does not fit the certificate")
    }
}

/// The TLS listener's configuration and the task that reloads its certificate.
pub fn acceptor(source: CertSource) -> anyhow::Result<(TlsAcceptor, tokio::task::JoinHandle<()>)> {
    // Explicitly aws-lc-rs: the provider rustls already uses through reqwest, so no second one is built in.
    let provider = Arc::new(aws_lc_rs::default_provider());
    let resolver = Arc::new(Current(RwLock::new(Arc::new(source.load(&provider)?))));
    let mut config = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_cert_resolver(resolver.clone());
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let reload = tokio::spawn(async move {
        let source = Arc::new(source);
        loop {
            tokio::time::sleep(RELOAD_EVERY).await;
            let (source, provider) = (source.clone(), provider.clone());
            match tokio::task::spawn_blocking(move || source.load(&provider)).await {
                Ok(Ok(key)) => resolver.replace(key),
                Ok(Err(e)) => {
                    tracing::warn!(error = %format!("{e:#}"), "TLS certificate not reloaded; still serving the previous one")
                }
                Err(e) => tracing::warn!(error = %e, "TLS certificate reload failed"),
            }
        }
    });
    Ok((TlsAcceptor::from(Arc::new(config)), reload))
}

/// The certificate every new handshake gets.
#[derive(Debug)]
struct Current(RwLock<Arc<CertifiedKey>>);

impl Current {
    fn replace(&self, key: CertifiedKey) {
        let mut current = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if current.cert != key.cert {
            tracing::info!("TLS certificate reloaded");
        }
        *current = Arc::new(key);
    }
}

impl ResolvesServerCert for Current {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.0
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
        )
    }
}

/// The names clients may use for this server: its host name (and the `.local` name DNS-SD advertises),
/// loopback, the hosts of both public URLs, and the TLS listener's address when it is a specific one.
pub fn default_hosts(cfg: &Config, tls: &TlsSettings) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    let mut add = |host: String| {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let usable = match host.parse::<IpAddr>() {
            Ok(ip) => !ip.is_unspecified(),
            Err(_) => is_dns_name(&host),
        };
        if usable && !hosts.contains(&host) {
            hosts.push(host);
        }
    };
    if let Some(name) = machine_hostname() {
        add(local_name(&name));
        add(name);
    }
    for host in ["localhost", "127.0.0.1", "::1"] {
        add(host.to_string());
    }
    for url in std::iter::once(cfg.public_url()).chain(cfg.tls_public_url()) {
        if let Some(host) = url
            .parse::<hyper::Uri>()
            .ok()
            .and_then(|u| u.host().map(str::to_string))
        {
            add(host);
        }
    }
    if let Ok(addr) = tls.listen.parse::<SocketAddr>() {
        add(addr.ip().to_string());
    }
    hosts
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn default_hosts_cover_loopback_and_both_public_urls() {
        let tls = TlsSettings {
            listen: "0.0.0.0:8443".into(),
            cert_file: None,
            key_file: None,
            hosts: None,
            public_url: Some("https://[2001:db8::1]:8443".into()),
        };
        let cfg = Config {
            public_url: Some("http://Print.Example:8080/".into()),
            tls: Some(tls.clone()),
            ..Config::default()
        };
        let hosts = default_hosts(&cfg, &tls);
        for want in ["localhost", "127.0.0.1", "::1", "print.example", "2001:db8::1"] {
            assert!(hosts.iter().any(|h| h == want), "{want} missing from {hosts:?}");
        }
        // The unspecified listen address is no name a client uses.
        assert!(!hosts.iter().any(|h| h == "0.0.0.0"), "{hosts:?}");
        let mut unique = hosts.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), hosts.len());
    }
}
