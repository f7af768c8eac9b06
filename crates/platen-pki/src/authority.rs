//! The certificate authority: issues device certificates from CSRs and verifies them later.

use std::fmt;

use chrono::{DateTime, Utc};
use rcgen::{CertificateParams, DistinguishedName, DnType, Issuer, KeyPair, PublicKeyData};
use x509_parser::certificate::X509Certificate;
use x509_parser::parse_x509_certificate;

use crate::certificate::{IssuedCertificate, VerifiedCertificate, common_name, not_after, sha256_hex};
use crate::csr;
use crate::encoding::{MAX_INPUT_LEN, decode_der, encode_pem};
use crate::error::PkiError;
use crate::params::{BACKDATE, Validity, device_params};

/// Platen's certificate authority for printer registration.
///
/// Holds the CA key in memory; `Send + Sync`, so one instance can serve all requests.
pub struct CertificateAuthority {
    issuer: Issuer<'static, KeyPair>,
    cert_der: Vec<u8>,
    cert_pem: String,
    validity: Validity,
}

impl fmt::Debug for CertificateAuthority {
    // Deliberately omits the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("certificate_sha256", &sha256_hex(&self.cert_der))
            .field("not_after", &self.validity.not_after)
            .finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// Builds the CA from a PEM certificate and its PEM (PKCS#8) private key, e.g. kept in
    /// configuration or a database by multi-node deployments. The certificate must be a CA
    /// certificate and the key must belong to it.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self, PkiError> {
        let cert_der =
            decode_der(cert_pem, &["CERTIFICATE"], "CA certificate").map_err(PkiError::InvalidCa)?;
        let key = KeyPair::from_pem(key_pem)
            .map_err(|error| PkiError::InvalidCa(format!("the CA private key is unusable: {error}")))?;
        let validity = {
            let certificate = parse_whole_certificate(&cert_der).map_err(PkiError::InvalidCa)?;
            check_ca_certificate(&certificate, &key)?;
            validity_of(&certificate)?
        };
        let issuer = Issuer::from_ca_cert_der(&cert_der.as_slice().into(), key)
            .map_err(|error| PkiError::InvalidCa(format!("the CA certificate is unusable: {error}")))?;
        let authority = Self {
            issuer,
            cert_pem: encode_pem("CERTIFICATE", &cert_der),
            cert_der,
            validity,
        };
        authority.check_issuer_name_round_trips()?;
        Ok(authority)
    }

    /// The CA certificate in PEM, for clients that want to trust device certificates.
    pub fn ca_certificate_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate in DER.
    pub fn ca_certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// Validates a PKCS#10 CSR and issues a device certificate for its key.
    ///
    /// `csr` may be PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or base64 of DER
    /// (standard or URL-safe alphabet, padding and whitespace optional). The key must be RSA with
    /// at least 2048 bits or EC P-256/P-384, and the CSR's self-signature must verify; otherwise
    /// the error is [`PkiError::Csr`] with the reason. The subject and extensions the CSR asks
    /// for are ignored: the certificate names `subject_cn` (the printer id), is valid for
    /// `validity` from now (capped at the CA's own expiry), and allows digital signatures (plus
    /// key encipherment for RSA) and TLS client authentication.
    pub fn issue(
        &self,
        csr: &str,
        subject_cn: &str,
        validity: chrono::Duration,
    ) -> Result<IssuedCertificate, PkiError> {
        let key = csr::parse_and_validate(csr)?;
        let params = device_params(subject_cn, key.kind(), self.device_validity(validity)?)?;
        let certificate = params
            .signed_by(&key, &self.issuer)
            .map_err(|error| PkiError::internal("signing the device certificate", error))?;
        let der = certificate.der().to_vec();
        let parsed = parse_whole_certificate(&der).map_err(PkiError::Internal)?;
        if parsed.public_key().subject_public_key.data.as_ref() != key.der_bytes() {
            return Err(PkiError::Internal(
                "the issued certificate does not carry the requested key".to_owned(),
            ));
        }
        IssuedCertificate::from_der(der.clone(), &parsed)
    }

    /// Verifies that `cert_der` is a device certificate signed by this CA and valid now, and
    /// returns its subject common name and public key.
    pub fn verify_issued(&self, cert_der: &[u8]) -> Result<VerifiedCertificate, PkiError> {
        if cert_der.len() > MAX_INPUT_LEN {
            return Err(PkiError::Certificate(format!(
                "larger than {MAX_INPUT_LEN} bytes"
            )));
        }
        let certificate = parse_whole_certificate(cert_der).map_err(PkiError::Certificate)?;
        let ca = parse_whole_certificate(&self.cert_der).map_err(PkiError::Internal)?;
        if certificate.issuer().as_raw() != ca.subject().as_raw() {
            return Err(PkiError::NotIssuedByUs);
        }
        certificate
            .verify_signature(Some(ca.public_key()))
            .map_err(|_| PkiError::NotIssuedByUs)?;
        if certificate.is_ca() {
            return Err(PkiError::Certificate(
                "a CA certificate cannot authenticate a device".to_owned(),
            ));
        }
        if !allows_client_auth(&certificate)? {
            return Err(PkiError::Certificate(
                "the certificate is not valid for client authentication".to_owned(),
            ));
        }
        let now = Utc::now().timestamp();
        if now < certificate.validity().not_before.timestamp() {
            return Err(PkiError::NotYetValid);
        }
        if now > certificate.validity().not_after.timestamp() {
            return Err(PkiError::Expired);
        }
        let subject_cn = common_name(&certificate)
            .ok_or_else(|| PkiError::Certificate("the certificate has no common name".to_owned()))?;
        Ok(VerifiedCertificate {
            subject_cn,
            public_key_spki_der: certificate.public_key().raw.to_vec(),
            serial_hex: hex::encode(certificate.raw_serial()),
            sha256_fingerprint_hex: sha256_hex(cert_der),
            not_after: not_after(&certificate)?,
        })
    }

    /// The end of the CA certificate's validity: nothing it signs may outlive it.
    pub(crate) fn not_after(&self) -> DateTime<Utc> {
        self.validity.not_after
    }

    pub(crate) fn issuer(&self) -> &Issuer<'static, KeyPair> {
        &self.issuer
    }

    fn device_validity(&self, requested: chrono::Duration) -> Result<Validity, PkiError> {
        if requested <= chrono::Duration::zero() {
            return Err(PkiError::InvalidRequest(
                "the validity period must be positive".to_owned(),
            ));
        }
        let now = Utc::now();
        if now >= self.validity.not_after {
            return Err(PkiError::InvalidCa("the CA certificate has expired".to_owned()));
        }
        // A certificate must not outlive its issuer; chains would fail to validate anyway.
        let not_after = now
            .checked_add_signed(requested)
            .map_or(self.validity.not_after, |end| end.min(self.validity.not_after));
        let not_before = (now - BACKDATE).max(self.validity.not_before);
        Ok(Validity {
            not_before,
            not_after,
        })
    }

    /// rcgen re-encodes the CA's subject name when signing. For a certificate made elsewhere
    /// (e.g. with OpenSSL) that encoding could differ from the original bytes, and then no
    /// verifier would chain our certificates to the CA. Sign a throwaway certificate once to
    /// find out at startup rather than at the first device login.
    fn check_issuer_name_round_trips(&self) -> Result<(), PkiError> {
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "platen-ca-self-check");
        params.distinguished_name = name;
        let probe = params
            .signed_by(self.issuer.key(), &self.issuer)
            .map_err(|error| PkiError::InvalidCa(format!("the CA key cannot sign: {error}")))?;
        let probe = parse_whole_certificate(probe.der()).map_err(PkiError::Internal)?;
        let ca = parse_whole_certificate(&self.cert_der).map_err(PkiError::Internal)?;
        if probe.issuer().as_raw() != ca.subject().as_raw() {
            return Err(PkiError::InvalidCa(
                "the CA certificate's subject name uses an encoding Platen cannot reproduce".to_owned(),
            ));
        }
        Ok(())
    }
}

/// Parses exactly one DER certificate; error text suits the caller's error variant.
fn parse_whole_certificate(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    match parse_x509_certificate(der) {
        Ok(([], certificate)) => Ok(certificate),
        Ok(_) => Err("unexpected data after the certificate".to_owned()),
        Err(_) => Err("not a DER-encoded X.509 certificate".to_owned()),
    }
}

fn check_ca_certificate(certificate: &X509Certificate<'_>, key: &KeyPair) -> Result<(), PkiError> {
    if !certificate.is_ca() {
        return Err(PkiError::InvalidCa(
            "the certificate is not a CA certificate (basicConstraints cA is not set)".to_owned(),
        ));
    }
    let may_sign_certificates = match certificate.key_usage() {
        Ok(Some(usage)) => usage.value.key_cert_sign(),
        Ok(None) => true,
        Err(error) => {
            return Err(PkiError::InvalidCa(format!(
                "the key usage extension is malformed: {error}"
            )));
        }
    };
    if !may_sign_certificates {
        return Err(PkiError::InvalidCa(
            "the CA certificate's key usage does not allow signing certificates".to_owned(),
        ));
    }
    if certificate.public_key().raw != key.subject_public_key_info().as_slice() {
        return Err(PkiError::InvalidCa(
            "the private key does not belong to the CA certificate".to_owned(),
        ));
    }
    Ok(())
}

fn validity_of(certificate: &X509Certificate<'_>) -> Result<Validity, PkiError> {
    let convert = |timestamp: i64| {
        DateTime::from_timestamp(timestamp, 0)
            .ok_or_else(|| PkiError::InvalidCa(format!("validity date {timestamp} is out of range")))
    };
    Ok(Validity {
        not_before: convert(certificate.validity().not_before.timestamp())?,
        not_after: convert(certificate.validity().not_after.timestamp())?,
    })
}

fn allows_client_auth(certificate: &X509Certificate<'_>) -> Result<bool, PkiError> {
    match certificate.extended_key_usage() {
        Ok(Some(usage)) => Ok(usage.value.client_auth || usage.value.any),
        Ok(None) => Ok(false),
        Err(error) => Err(PkiError::Certificate(format!(
            "the extended key usage extension is malformed: {error}"
        ))),
    }
}
