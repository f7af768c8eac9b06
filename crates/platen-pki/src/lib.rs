//! Platen's certificate authority for printer registration.
//!
//! `POST /print/printers/create` carries a PKCS#10 CSR made by the device. [`CertificateAuthority`]
//! validates it and issues a device certificate naming the printer id; the device later proves
//! its identity with that certificate (a JWT assertion signed by the device key, RFC 7523, or
//! mutual TLS), which [`CertificateAuthority::verify_issued`] checks.
//!
//! The same CA issues the certificate of Platen's own TLS listener when the administrator gives none
//! ([`CertificateAuthority::load_or_issue_server_certificate`]); clients trust it by trusting the CA.

mod atomic_file;
mod authority;
mod certificate;
mod csr;
mod encoding;
mod error;
mod params;
mod server_cert;
mod store;
#[cfg(any(test, feature = "test-support"))]
mod test_support;

pub use authority::CertificateAuthority;
pub use certificate::{IssuedCertificate, VerifiedCertificate, decode_certificate};
pub use error::PkiError;
pub use server_cert::{RENEW_BEFORE, SERVER_CERT_FILE, SERVER_KEY_FILE, ServerCertificate};
pub use store::{CA_CERT_FILE, CA_KEY_FILE};
#[cfg(feature = "test-support")]
pub use test_support::generate_csr_pem;

#[cfg(test)]
mod tests;
