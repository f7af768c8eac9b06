//! Certificates handed out by the CA and facts read back from them.

use base64::Engine;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;

use crate::encoding::{decode_der, encode_pem};
use crate::error::PkiError;

/// A freshly issued device certificate in the encodings callers need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// DER encoding.
    pub der: Vec<u8>,
    /// PEM encoding ("CERTIFICATE").
    pub pem: String,
    /// Standard base64 of the DER, which is what Graph's `printerCreateOperation.certificate` carries.
    pub base64_der: String,
    /// Serial number, lowercase hex without separators.
    pub serial_hex: String,
    /// SHA-256 of the DER, lowercase hex: the certificate's thumbprint.
    pub sha256_fingerprint_hex: String,
    /// The device's SubjectPublicKeyInfo (DER), for verifying what the device signs later.
    pub public_key_spki_der: Vec<u8>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
}

/// What a successfully verified device certificate tells about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCertificate {
    /// The subject common name: the printer id the certificate was issued for.
    pub subject_cn: String,
    /// The device's SubjectPublicKeyInfo (DER), to verify device-signed JWT assertions.
    pub public_key_spki_der: Vec<u8>,
    /// Serial number, lowercase hex without separators.
    pub serial_hex: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256_fingerprint_hex: String,
    /// End of validity.
    pub not_after: DateTime<Utc>,
}

/// Decodes a certificate given as PEM ("CERTIFICATE") or as base64 of DER (either alphabet,
/// padding optional), e.g. from an `x5c` header or a proxy's client-certificate header.
pub fn decode_certificate(input: &str) -> Result<Vec<u8>, PkiError> {
    decode_der(input, &["CERTIFICATE"], "certificate").map_err(PkiError::Certificate)
}

impl IssuedCertificate {
    pub(crate) fn from_der(der: Vec<u8>, certificate: &X509Certificate<'_>) -> Result<Self, PkiError> {
        Ok(Self {
            pem: encode_pem("CERTIFICATE", &der),
            base64_der: base64::engine::general_purpose::STANDARD.encode(&der),
            serial_hex: hex::encode(certificate.raw_serial()),
            sha256_fingerprint_hex: sha256_hex(&der),
            public_key_spki_der: certificate.public_key().raw.to_vec(),
            not_after: not_after(certificate)?,
            der,
        })
    }
}

pub(crate) fn sha256_hex(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

pub(crate) fn not_after(certificate: &X509Certificate<'_>) -> Result<DateTime<Utc>, PkiError> {
    let timestamp = certificate.validity().not_after.timestamp();
    DateTime::from_timestamp(timestamp, 0)
        .ok_or_else(|| PkiError::Certificate(format!("notAfter {timestamp} is out of range")))
}

/// The first common name in the subject, if it is a valid string.
pub(crate) fn common_name(certificate: &X509Certificate<'_>) -> Option<String> {
    certificate
        .subject()
        .iter_common_name()
        .next()
        .and_then(|attribute| attribute.as_str().ok())
        .map(str::to_owned)
}
