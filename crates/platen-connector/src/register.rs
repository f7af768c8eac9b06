//! `platen connector register`: create the printConnector and one Graph printer per local printer.
//!
//! Re-running it is safe: the state directory remembers the connector, every printer's key and device id,
//! and the registration operation in flight, so an interrupted run resumes and a finished one is a no-op
//! for the printers it already registered (new `--printer`s are added).

use crate::device::make_and_model;
use crate::graph::{Graph, PrinterRequest};
use crate::host::HostInfo;
use crate::local::LocalPrinter;
use crate::state::{ConnectorConfig, PrinterConfig, StateDir};
use crate::transport::{self, http_client};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::time::Duration;
use uuid::Uuid;

pub struct RegisterOptions {
    pub server: String,
    pub admin_token: String,
    pub state_dir: PathBuf,
    pub name: Option<String>,
    /// `NAME=ipp://HOST:PORT/PATH`
    pub printers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredPrinter {
    pub name: String,
    pub printer_id: String,
}

/// Splits `NAME=URI` and checks the URI is one the connector can reach.
pub fn parse_printer_arg(arg: &str) -> Result<(String, String)> {
    let (name, uri) = arg
        .split_once('=')
        .with_context(|| format!("--printer '{arg}': expected NAME=ipp://HOST:PORT/PATH"))?;
    let name = name.trim();
    if name.is_empty() {
        bail!("--printer '{arg}': the NAME is empty");
    }
    transport::http_url_of(uri.trim()).with_context(|| format!("--printer '{arg}'"))?;
    Ok((name.to_string(), uri.trim().to_string()))
}

pub fn normalize_server(server: &str) -> Result<String> {
    let s = server.trim().trim_end_matches('/');
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        bail!("--server '{server}': expected an http(s) URL");
    }
    Ok(s.to_string())
}

pub async fn register(opts: RegisterOptions) -> Result<Vec<RegisteredPrinter>> {
    let server = normalize_server(&opts.server)?;
    let wanted: Vec<(String, String)> = opts
        .printers
        .iter()
        .map(|p| parse_printer_arg(p))
        .collect::<Result<_>>()?;
    if wanted.is_empty() {
        bail!("give at least one --printer NAME=ipp://HOST:PORT/PATH");
    }
    let state = StateDir::new(&opts.state_dir);
    state.create()?;
    let _lock = state.lock()?;
    let host = HostInfo::detect();
    let http = http_client()?;
    let graph = Graph::new(http.clone(), &server, &opts.admin_token);

    let mut cfg = match state.load_config()? {
        Some(cfg) if cfg.server != server => bail!(
            "{} belongs to the server {}; use another --state-dir for {server}",
            state.root().display(),
            cfg.server
        ),
        Some(cfg) => cfg,
        None => {
            let display_name = opts.name.clone().unwrap_or_else(|| host.fqdn.clone());
            let connector_id = graph.create_connector(&display_name, &host).await?;
            let cfg = ConnectorConfig {
                server: server.clone(),
                connector_id,
                display_name,
                printers: Vec::new(),
            };
            state.save_config(&cfg)?;
            cfg
        }
    };

    let mut out = Vec::new();
    for (name, uri) in wanted {
        let idx = match cfg.printers.iter().position(|p| p.name == name) {
            Some(i) if cfg.printers[i].local_uri != uri && cfg.printers[i].printer_id.is_some() => bail!(
                "the printer '{name}' is already registered for {}; choose another NAME",
                cfg.printers[i].local_uri
            ),
            Some(i) => i,
            None => {
                cfg.printers.push(PrinterConfig {
                    name: name.clone(),
                    local_uri: uri.clone(),
                    physical_device_id: Uuid::new_v4(),
                    printer_id: None,
                    operation_url: None,
                });
                state.save_config(&cfg)?;
                cfg.printers.len() - 1
            }
        };
        let printer_id = register_one(&state, &mut cfg, idx, &graph, &http).await?;
        out.push(RegisteredPrinter { name, printer_id });
    }
    Ok(out)
}

async fn register_one(
    state: &StateDir,
    cfg: &mut ConnectorConfig,
    idx: usize,
    graph: &Graph,
    http: &reqwest::Client,
) -> Result<String> {
    if let Some(id) = &cfg.printers[idx].printer_id {
        return Ok(id.clone());
    }
    let p = cfg.printers[idx].clone();
    let key_pem = match state.load_key(p.physical_device_id)? {
        Some(pem) => pem,
        None => {
            let kp =
                rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).context("generating a key")?;
            let pem = kp.serialize_pem();
            state.save_key(p.physical_device_id, &pem)?;
            pem
        }
    };
    let operation_url = match &p.operation_url {
        Some(url) => url.clone(),
        None => {
            let local = LocalPrinter::new(http.clone(), &p.local_uri)?;
            let attrs = local
                .printer_attributes()
                .await
                .with_context(|| format!("asking the local printer {} for its attributes", p.local_uri))?;
            let (manufacturer, model) = make_and_model(&attrs);
            let kp = rcgen::KeyPair::from_pem(&key_pem).context("reading the printer key")?;
            let (csr, spki) = csr_for(&kp, &p.name)?;
            let url = graph
                .create_printer(&PrinterRequest {
                    display_name: &p.name,
                    manufacturer: &manufacturer,
                    model: &model,
                    physical_device_id: p.physical_device_id,
                    connector_id: &cfg.connector_id,
                    csr: &csr,
                    transport_key: &spki,
                })
                .await?;
            cfg.printers[idx].operation_url = Some(url.clone());
            state.save_config(cfg)?;
            url
        }
    };
    let created = graph
        .await_printer(&operation_url, Duration::from_secs(120))
        .await?;
    state.save_cert(p.physical_device_id, &created.certificate)?;
    cfg.printers[idx].printer_id = Some(created.printer_id.clone());
    cfg.printers[idx].operation_url = None;
    state.save_config(cfg)?;
    Ok(created.printer_id)
}

/// A PKCS#10 request (DER) for the key, and the key's SubjectPublicKeyInfo (DER).
pub fn csr_for(kp: &rcgen::KeyPair, name: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    use rcgen::PublicKeyData;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).context("CSR parameters")?;
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    let csr = params.serialize_request(kp).context("signing the CSR")?;
    Ok((csr.der().to_vec(), kp.subject_public_key_info()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_arguments_are_validated() {
        assert_eq!(
            parse_printer_arg("Lobby=ipp://localhost:8631/ipp/print").unwrap(),
            ("Lobby".to_string(), "ipp://localhost:8631/ipp/print".to_string())
        );
        assert_eq!(parse_printer_arg("Two words = ipp://h/p").unwrap().0, "Two words");
        assert!(parse_printer_arg("ipp://h/p").is_err());
        assert!(parse_printer_arg("=ipp://h/p").is_err());
        assert!(parse_printer_arg("X=lpd://h/p").is_err());
    }

    #[test]
    fn servers_lose_their_trailing_slash() {
        assert_eq!(normalize_server("http://h:1/").unwrap(), "http://h:1");
        assert!(normalize_server("h:1").is_err());
    }

    #[test]
    fn the_csr_is_a_p256_request_for_the_key() {
        let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let (csr, spki) = csr_for(&kp, "Lobby").unwrap();
        // The SPKI is embedded verbatim in the CertificationRequestInfo.
        assert!(csr.windows(spki.len()).any(|w| w == spki.as_slice()));
        // A P-256 SPKI: 91 bytes, naming prime256v1 (1.2.840.10045.3.1.7).
        assert_eq!(spki.len(), 91);
        let prime256v1 = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
        assert!(spki.windows(prime256v1.len()).any(|w| w == prime256v1));
    }
}
