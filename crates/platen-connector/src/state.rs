//! The connector's state directory.
//!
//! ```text
//! DIR/connector.json                       server URL, connector id, the printers (see `ConnectorConfig`)
//! DIR/printers/{physicalDeviceId}/key.pem  the printer's P-256 private key (PKCS#8)
//! DIR/printers/{physicalDeviceId}/cert.der the certificate Platen's CA issued for it
//! DIR/journal/{printerId}/{jobId}.json     jobs this connector has claimed (see `journal.rs`)
//! DIR/spool/{printerId}/{jobId}.doc        fetched documents until their job is finished
//! DIR/lock                                 held (flock) by the process using the directory
//! ```
//!
//! Everything is written with `fsutil::write_atomic` (0600 files, 0700 directories).

use crate::fsutil::{create_private_dir, write_atomic};
use crate::journal::Journal;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use uuid::Uuid;

const CONFIG_FILE: &str = "connector.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorConfig {
    /// Base URL of the Platen server (no trailing slash).
    pub server: String,
    pub connector_id: String,
    pub display_name: String,
    pub printers: Vec<PrinterConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrinterConfig {
    /// The Graph printer's displayName (the NAME of `--printer NAME=URI`).
    pub name: String,
    /// The local printer, `ipp://HOST:PORT/PATH` (or ipps/http/https).
    pub local_uri: String,
    /// Our device identity: `physicalDeviceId` in Graph, `urn:uuid:…` as INFRA `output-device-uuid`.
    pub physical_device_id: Uuid,
    /// The Graph printer id, once registration succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer_id: Option<String>,
    /// The registration's `Operation-Location` while it is in progress, so an interrupted `register`
    /// resumes polling instead of creating a second Graph printer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_url: Option<String>,
}

impl ConnectorConfig {
    /// The printers whose registration has completed.
    pub fn registered(&self) -> impl Iterator<Item = (&PrinterConfig, &str)> {
        self.printers
            .iter()
            .filter_map(|p| p.printer_id.as_deref().map(|id| (p, id)))
    }
}

#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

/// Holds the exclusive lock on a state directory for as long as it lives.
#[derive(Debug)]
pub struct StateLock {
    _file: File,
}

impl StateDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StateDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn create(&self) -> Result<()> {
        create_private_dir(&self.root).with_context(|| format!("creating {}", self.root.display()))
    }

    /// Takes the directory's lock: two processes working on one journal would print jobs twice.
    /// (Two connectors serving the same printers need two state directories.)
    pub fn lock(&self) -> Result<StateLock> {
        let path = self.root.join("lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(StateLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "{} is in use by another platen connector process",
                self.root.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => Err(e).context("locking the state directory"),
        }
    }

    fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    pub fn load_config(&self) -> Result<Option<ConnectorConfig>> {
        let path = self.config_path();
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(
                serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))?,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    pub fn save_config(&self, cfg: &ConnectorConfig) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(cfg)?;
        write_atomic(&self.config_path(), &bytes).context("writing connector.json")
    }

    fn printer_dir(&self, device: Uuid) -> PathBuf {
        self.root.join("printers").join(device.to_string())
    }

    pub fn key_path(&self, device: Uuid) -> PathBuf {
        self.printer_dir(device).join("key.pem")
    }

    pub fn cert_path(&self, device: Uuid) -> PathBuf {
        self.printer_dir(device).join("cert.der")
    }

    pub fn load_key(&self, device: Uuid) -> Result<Option<String>> {
        match std::fs::read_to_string(self.key_path(device)) {
            Ok(pem) => Ok(Some(pem)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).context("reading the printer key"),
        }
    }

    pub fn save_key(&self, device: Uuid, pem: &str) -> Result<()> {
        create_private_dir(&self.printer_dir(device))?;
        write_atomic(&self.key_path(device), pem.as_bytes()).context("writing the printer key")
    }

    pub fn save_cert(&self, device: Uuid, der: &[u8]) -> Result<()> {
        create_private_dir(&self.printer_dir(device))?;
        write_atomic(&self.cert_path(device), der).context("writing the printer certificate")
    }

    pub fn journal(&self, printer_id: &str) -> Result<Journal> {
        Journal::open(self.root.join("journal").join(safe_component(printer_id)))
            .context("opening the job journal")
    }

    pub fn spool_dir(&self, printer_id: &str) -> Result<PathBuf> {
        let dir = self.root.join("spool").join(safe_component(printer_id));
        create_private_dir(&dir).context("creating the spool directory")?;
        Ok(dir)
    }
}

/// Server-assigned ids become directory names: keep them to a harmless alphabet.
fn safe_component(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn sample() -> ConnectorConfig {
        ConnectorConfig {
            server: "http://127.0.0.1:8080".into(),
            connector_id: "c1".into(),
            display_name: "Basement".into(),
            printers: vec![
                PrinterConfig {
                    name: "Lobby".into(),
                    local_uri: "ipp://localhost:8631/ipp/print".into(),
                    physical_device_id: Uuid::new_v4(),
                    printer_id: Some("p1".into()),
                    operation_url: None,
                },
                PrinterConfig {
                    name: "Half".into(),
                    local_uri: "ipp://localhost:8632/ipp/print".into(),
                    physical_device_id: Uuid::new_v4(),
                    printer_id: None,
                    operation_url: Some("http://x/op".into()),
                },
            ],
        }
    }

    #[test]
    fn config_round_trips_and_lists_registered_printers() {
        let d = tempfile::tempdir().unwrap();
        let s = StateDir::new(d.path().join("state"));
        s.create().unwrap();
        assert!(s.load_config().unwrap().is_none());
        let cfg = sample();
        s.save_config(&cfg).unwrap();
        let back = s.load_config().unwrap().unwrap();
        assert_eq!(back, cfg);
        let reg: Vec<_> = back
            .registered()
            .map(|(p, id)| (p.name.clone(), id.to_string()))
            .collect();
        assert_eq!(reg, [("Lobby".to_string(), "p1".to_string())]);
        let mode = std::fs::metadata(s.root()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn keys_are_private_and_the_directory_is_exclusive() {
        let d = tempfile::tempdir().unwrap();
        let s = StateDir::new(d.path());
        let dev = Uuid::new_v4();
        assert!(s.load_key(dev).unwrap().is_none());
        s.save_key(dev, "PEM").unwrap();
        assert_eq!(s.load_key(dev).unwrap().as_deref(), Some("PEM"));
        let mode = std::fs::metadata(s.key_path(dev)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let first = s.lock().unwrap();
        let err = s.lock().unwrap_err().to_string();
        assert!(err.contains("in use"), "{err}");
        drop(first);
        s.lock().unwrap();
    }

    #[test]
    fn ids_cannot_escape_the_state_directory() {
        assert_eq!(safe_component("../../etc"), "______etc");
        assert_eq!(safe_component("a1-b2_c3"), "a1-b2_c3");
    }
}
