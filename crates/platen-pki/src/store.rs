//! The CA's files in a data directory: created once, atomically, and reused afterwards.

use std::fs;
use std::io;
use std::path::Path;

use chrono::Utc;
use rcgen::KeyPair;

use crate::atomic_file::{Creation, Visibility, create_new_file, ensure_private_dir};
use crate::authority::CertificateAuthority;
use crate::error::PkiError;
use crate::params::ca_params;

/// File name of the CA private key (PKCS#8 PEM, mode 0600).
pub const CA_KEY_FILE: &str = "ca-key.pem";
/// File name of the self-signed CA certificate (PEM).
pub const CA_CERT_FILE: &str = "ca-cert.pem";

impl CertificateAuthority {
    /// Loads the CA from `dir` (`ca-key.pem`, `ca-cert.pem`), creating an ECDSA P-256 key and a
    /// self-signed CA certificate on first use.
    ///
    /// Safe against concurrent first use by several processes: the key is created first and the
    /// certificate second, each atomically and only if absent, and whoever loses a race loads the
    /// winner's file. Both processes therefore end up with the same CA.
    pub fn load_or_create(dir: &Path) -> Result<Self, PkiError> {
        ensure_private_dir(dir).map_err(|error| PkiError::io(dir, error))?;
        let key_pem = load_or_create_file(&dir.join(CA_KEY_FILE), Visibility::OwnerOnly, generate_key_pem)?;
        let cert_pem = load_or_create_file(&dir.join(CA_CERT_FILE), Visibility::Public, || {
            self_signed_certificate_pem(&key_pem)
        })?;
        Self::from_pem(&cert_pem, &key_pem)
    }
}

fn load_or_create_file(
    path: &Path,
    visibility: Visibility,
    generate: impl FnOnce() -> Result<String, PkiError>,
) -> Result<String, PkiError> {
    match fs::read_to_string(path) {
        Ok(contents) => return Ok(contents),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(PkiError::io(path, error)),
    }
    let generated = generate()?;
    match create_new_file(path, generated.as_bytes(), visibility)
        .map_err(|error| PkiError::io(path, error))?
    {
        Creation::Created => Ok(generated),
        // Another process got there first; its file is the one everybody uses.
        Creation::AlreadyExisted => fs::read_to_string(path).map_err(|error| PkiError::io(path, error)),
    }
}

fn generate_key_pem() -> Result<String, PkiError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|error| PkiError::internal("generating the CA key", error))?;
    Ok(key.serialize_pem())
}

fn self_signed_certificate_pem(key_pem: &str) -> Result<String, PkiError> {
    let key = KeyPair::from_pem(key_pem)
        .map_err(|error| PkiError::InvalidCa(format!("{CA_KEY_FILE} is unusable: {error}")))?;
    let certificate = ca_params(Utc::now())?
        .self_signed(&key)
        .map_err(|error| PkiError::internal("self-signing the CA certificate", error))?;
    Ok(certificate.pem())
}
