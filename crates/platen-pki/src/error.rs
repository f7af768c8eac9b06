//! Errors raised by the certificate authority.

use std::path::PathBuf;

/// Everything that can go wrong while validating requests or issuing and verifying certificates.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// The certificate signing request is unusable; the message tells the client why.
    #[error("invalid certificate signing request: {0}")]
    Csr(String),
    /// A presented certificate could not be parsed or is not fit for device authentication.
    #[error("invalid certificate: {0}")]
    Certificate(String),
    /// The certificate is well-formed but was not signed by this certificate authority.
    #[error("certificate was not issued by this certificate authority")]
    NotIssuedByUs,
    /// The certificate's validity period has ended.
    #[error("certificate has expired")]
    Expired,
    /// The certificate's validity period has not started yet.
    #[error("certificate is not yet valid")]
    NotYetValid,
    /// The caller's issuance parameters (subject name, validity) are unusable.
    #[error("invalid issuance request: {0}")]
    InvalidRequest(String),
    /// The CA certificate or key (from files, configuration or a database) is unusable.
    #[error("invalid certificate authority material: {0}")]
    InvalidCa(String),
    /// Reading or writing the CA files failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A cryptographic or encoding step failed unexpectedly.
    #[error("internal certificate authority error: {0}")]
    Internal(String),
}

impl PkiError {
    /// True when the error was caused by what the client sent (a CSR or a certificate), so that
    /// an API should answer 400/401 rather than 500.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            Self::Csr(_) | Self::Certificate(_) | Self::NotIssuedByUs | Self::Expired | Self::NotYetValid
        )
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn internal(context: &str, error: impl std::fmt::Display) -> Self {
        Self::Internal(format!("{context}: {error}"))
    }
}
