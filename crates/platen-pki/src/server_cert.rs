//! The certificate of Platen's own TLS listener (`https://`, `ipps://`) when the administrator gives none:
//! issued by the CA for the hosts clients use, kept in a directory, and issued again when the hosts change
//! or the certificate nears its end. Clients trust it by trusting the CA (`GET /platen/ca.pem`).

use std::fs;
use std::io;
use std::path::Path;

use chrono::{DateTime, Utc};
use rcgen::{KeyPair, PublicKeyData};
use x509_parser::extensions::GeneralName;
use x509_parser::parse_x509_certificate;

use crate::atomic_file::{Visibility, ensure_private_dir, replace_file};
use crate::authority::CertificateAuthority;
use crate::certificate::not_after;
use crate::encoding::decode_der;
use crate::error::PkiError;
use crate::params::{BACKDATE, ServerName, Validity, server_params};

/// File name of the server certificate (PEM) in the directory given to
/// [`CertificateAuthority::load_or_issue_server_certificate`].
pub const SERVER_CERT_FILE: &str = "server-cert.pem";
/// File name of its private key (PKCS#8 PEM, mode 0600).
pub const SERVER_KEY_FILE: &str = "server-key.pem";

/// 397 days: the longest TLS server certificate Apple's and browsers' clients accept.
const SERVER_LIFETIME: chrono::Duration = chrono::Duration::days(397);
/// A certificate with less than this left is replaced.
pub const RENEW_BEFORE: chrono::Duration = chrono::Duration::days(30);

/// A TLS server certificate and its key.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerCertificate {
    /// The certificate (PEM), signed by the CA.
    pub cert_pem: String,
    /// Its private key (PKCS#8 PEM).
    pub key_pem: String,
    pub not_after: DateTime<Utc>,
    /// Issued by this call (rather than loaded from the directory).
    pub issued_now: bool,
}

impl std::fmt::Debug for ServerCertificate {
    // Deliberately omits the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCertificate")
            .field("not_after", &self.not_after)
            .field("issued_now", &self.issued_now)
            .finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// Issues a server certificate (a new ECDSA P-256 key) for `hosts`: DNS names and IP addresses, each
    /// becoming a subject alternative name; valid for 397 days or until the CA ends, whichever is first.
    pub fn issue_server_certificate(&self, hosts: &[String]) -> Result<ServerCertificate, PkiError> {
        let names = server_names(hosts)?;
        let now = Utc::now();
        let ca_end = self.not_after();
        if now >= ca_end {
            return Err(PkiError::InvalidCa("the CA certificate has expired".to_owned()));
        }
        let validity = Validity {
            not_before: now - BACKDATE,
            not_after: (now + SERVER_LIFETIME).min(ca_end),
        };
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|error| PkiError::internal("generating the server key", error))?;
        let certificate = server_params(&names, validity)?
            .signed_by(&key, self.issuer())
            .map_err(|error| PkiError::internal("signing the server certificate", error))?;
        Ok(ServerCertificate {
            cert_pem: certificate.pem(),
            key_pem: key.serialize_pem(),
            not_after: validity.not_after,
            issued_now: true,
        })
    }

    /// The server certificate kept in `dir` ([`SERVER_CERT_FILE`], [`SERVER_KEY_FILE`]) if it was issued by
    /// this CA for exactly `hosts`, belongs to its key, and has more than [`RENEW_BEFORE`] left; otherwise a
    /// new one, written there (key first, both replaced atomically). Two processes renewing at once may each
    /// write their own pair; the check that key and certificate belong together repairs that at the next call.
    pub fn load_or_issue_server_certificate(
        &self,
        dir: &Path,
        hosts: &[String],
    ) -> Result<ServerCertificate, PkiError> {
        let wanted = server_names(hosts)?;
        let cert_path = dir.join(SERVER_CERT_FILE);
        let key_path = dir.join(SERVER_KEY_FILE);
        if let (Some(cert_pem), Some(key_pem)) = (read_optional(&cert_path)?, read_optional(&key_path)?)
            && let Some(not_after) = self.still_usable(&cert_pem, &key_pem, &wanted)
        {
            return Ok(ServerCertificate {
                cert_pem,
                key_pem,
                not_after,
                issued_now: false,
            });
        }
        let issued = self.issue_server_certificate(hosts)?;
        ensure_private_dir(dir).map_err(|error| PkiError::io(dir, error))?;
        replace_file(&key_path, issued.key_pem.as_bytes(), Visibility::OwnerOnly)
            .map_err(|error| PkiError::io(&key_path, error))?;
        replace_file(&cert_path, issued.cert_pem.as_bytes(), Visibility::Public)
            .map_err(|error| PkiError::io(&cert_path, error))?;
        Ok(issued)
    }

    /// The certificate's end if it may be served as is; None for anything else (unreadable, another CA's,
    /// other names, another key, ending soon).
    fn still_usable(&self, cert_pem: &str, key_pem: &str, wanted: &[ServerName]) -> Option<DateTime<Utc>> {
        let der = decode_der(cert_pem, &["CERTIFICATE"], "server certificate").ok()?;
        let (_, certificate) = parse_x509_certificate(&der).ok()?;
        let (_, ca) = parse_x509_certificate(self.ca_certificate_der()).ok()?;
        certificate.verify_signature(Some(ca.public_key())).ok()?;
        let key = KeyPair::from_pem(key_pem).ok()?;
        if certificate.public_key().raw != key.subject_public_key_info().as_slice() {
            return None;
        }
        let names: Vec<ServerName> = certificate
            .subject_alternative_name()
            .ok()??
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::DNSName(dns) => Some(ServerName::Dns(dns.to_ascii_lowercase())),
                GeneralName::IPAddress(b) => ip_of(b).map(ServerName::Ip),
                _ => None,
            })
            .collect();
        if sorted(names) != sorted(wanted.to_vec()) {
            return None;
        }
        let end = not_after(&certificate).ok()?;
        let now = Utc::now();
        (now.timestamp() >= certificate.validity().not_before.timestamp() && end - now > RENEW_BEFORE)
            .then_some(end)
    }
}

/// The distinct names of `hosts`, in the order given (the first names the certificate).
fn server_names(hosts: &[String]) -> Result<Vec<ServerName>, PkiError> {
    let mut names: Vec<ServerName> = Vec::with_capacity(hosts.len());
    for host in hosts {
        let name = ServerName::parse(host)?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err(PkiError::InvalidRequest(
            "a server certificate needs at least one host name or address".to_owned(),
        ));
    }
    Ok(names)
}

fn sorted(mut names: Vec<ServerName>) -> Vec<ServerName> {
    names.sort();
    names
}

fn ip_of(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        _ => None,
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, PkiError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(PkiError::io(path, error)),
    }
}
