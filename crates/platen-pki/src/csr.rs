//! Validation of PKCS#10 certificate signing requests.

use rcgen::{PublicKeyData, SignatureAlgorithm};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::error::X509Error;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
    OID_PKCS1_SHA1WITHRSA, OID_SHA1_WITH_RSA,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::encoding::decode_der;
use crate::error::PkiError;

/// PEM labels seen in the wild: OpenSSL writes the first, older Microsoft and Netscape tools the second.
const CSR_PEM_LABELS: &[&str] = &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];
const MIN_RSA_BITS: usize = 2048;
/// ring (which verifies the self-signature) refuses larger moduli, and so would most TLS stacks.
const MAX_RSA_BITS: usize = 8192;
const P256_UNCOMPRESSED_POINT_LEN: usize = 65;
const P384_UNCOMPRESSED_POINT_LEN: usize = 97;
const UNCOMPRESSED_POINT_TAG: u8 = 0x04;

/// The kinds of device key Platen certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa { bits: usize },
    EcP256,
    EcP384,
}

/// A requester's public key whose possession the CSR's self-signature has proven.
#[derive(Debug)]
pub(crate) struct RequestedKey {
    kind: KeyKind,
    /// The contents of the SubjectPublicKeyInfo BIT STRING (PKCS#1 RSAPublicKey or an EC point).
    subject_public_key: Vec<u8>,
}

impl RequestedKey {
    pub(crate) fn kind(&self) -> KeyKind {
        self.kind
    }
}

impl PublicKeyData for RequestedKey {
    fn der_bytes(&self) -> &[u8] {
        &self.subject_public_key
    }

    /// rcgen derives the certificate's SubjectPublicKeyInfo algorithm identifier (rsaEncryption,
    /// or id-ecPublicKey with the curve) from this; the hash half of the choice is irrelevant
    /// because the CA's key, not this one, signs the certificate.
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        match self.kind {
            KeyKind::Rsa { .. } => &rcgen::PKCS_RSA_SHA256,
            KeyKind::EcP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyKind::EcP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        }
    }
}

/// Decodes `input` (PEM or base64 DER), checks that it is a well-formed PKCS#10 request for an
/// acceptable key and that its self-signature verifies. The requested subject and extensions are
/// ignored: the CA decides what the certificate says.
pub(crate) fn parse_and_validate(input: &str) -> Result<RequestedKey, PkiError> {
    let der = decode_der(input, CSR_PEM_LABELS, "certificate signing request").map_err(PkiError::Csr)?;
    let (rest, csr) = X509CertificationRequest::from_der(&der)
        .map_err(|_| csr_error("not a DER-encoded PKCS#10 certificate signing request"))?;
    if !rest.is_empty() {
        return Err(csr_error("unexpected data after the certificate signing request"));
    }
    let spki = &csr.certification_request_info.subject_pki;
    let kind = classify_key(spki)?;
    let signature_oid = &csr.signature_algorithm.algorithm;
    if *signature_oid == OID_PKCS1_SHA1WITHRSA || *signature_oid == OID_SHA1_WITH_RSA {
        return Err(csr_error(
            "SHA-1 signatures are not accepted; sign the request with SHA-256 or better",
        ));
    }
    csr.verify_signature().map_err(|error| match error {
        X509Error::SignatureUnsupportedAlgorithm => {
            PkiError::Csr(format!("signature algorithm {signature_oid} is not supported"))
        }
        _ => csr_error(
            "the self-signature does not verify (the request was altered or signed with another key)",
        ),
    })?;
    Ok(RequestedKey {
        kind,
        subject_public_key: spki.subject_public_key.data.to_vec(),
    })
}

fn classify_key(spki: &SubjectPublicKeyInfo<'_>) -> Result<KeyKind, PkiError> {
    let algorithm = &spki.algorithm.algorithm;
    if *algorithm == OID_PKCS1_RSAENCRYPTION {
        let Ok(PublicKey::RSA(rsa)) = spki.parsed() else {
            return Err(csr_error("the RSA public key is malformed"));
        };
        let bits = significant_bits(rsa.modulus);
        if bits < MIN_RSA_BITS {
            return Err(PkiError::Csr(format!(
                "the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
            )));
        }
        if bits > MAX_RSA_BITS {
            return Err(PkiError::Csr(format!(
                "the RSA key has {bits} bits; at most {MAX_RSA_BITS} are supported"
            )));
        }
        Ok(KeyKind::Rsa { bits })
    } else if *algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|parameters| parameters.as_oid().ok());
        let (kind, point_len) = match curve {
            Some(curve) if curve == OID_EC_P256 => (KeyKind::EcP256, P256_UNCOMPRESSED_POINT_LEN),
            Some(curve) if curve == OID_NIST_EC_P384 => (KeyKind::EcP384, P384_UNCOMPRESSED_POINT_LEN),
            Some(curve) => {
                return Err(PkiError::Csr(format!(
                    "elliptic curve {curve} is not supported; use P-256 or P-384"
                )));
            }
            None => return Err(csr_error("the EC public key does not name its curve")),
        };
        let point = &spki.subject_public_key.data;
        if point.len() != point_len || point.first() != Some(&UNCOMPRESSED_POINT_TAG) {
            return Err(csr_error(
                "the EC public key must be an uncompressed point on its curve",
            ));
        }
        Ok(kind)
    } else {
        Err(PkiError::Csr(format!(
            "public key algorithm {algorithm} is not supported; use RSA (2048 bits or more) or EC P-256/P-384"
        )))
    }
}

/// Bit length of a big-endian unsigned integer (DER may prefix a zero byte).
fn significant_bits(big_endian: &[u8]) -> usize {
    let digits = match big_endian.iter().position(|&byte| byte != 0) {
        Some(first_nonzero) => &big_endian[first_nonzero..],
        None => return 0,
    };
    let leading_zero_bits = digits.first().map_or(0, |byte| byte.leading_zeros() as usize);
    digits.len() * 8 - leading_zero_bits
}

fn csr_error(message: &str) -> PkiError {
    PkiError::Csr(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::significant_bits;

    #[test]
    fn counts_significant_bits() {
        assert_eq!(significant_bits(&[]), 0);
        assert_eq!(significant_bits(&[0, 0]), 0);
        assert_eq!(significant_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(significant_bits(&[0x01, 0xff]), 9);
    }
}
