//! Tests of the certificate authority against real CSRs (rcgen, the `rsa` crate, OpenSSL).

mod ca_store;
mod csr_rejection;
mod issuance;
mod openssl_cli;
mod server_cert;
mod verification;

use base64::Engine;
use rcgen::{PublicKeyData, SignatureAlgorithm, SigningKey};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::signature::{SignatureEncoding, Signer};

use crate::CertificateAuthority;

const ONE_YEAR: chrono::Duration = chrono::Duration::days(365);

fn new_ca() -> (tempfile::TempDir, CertificateAuthority) {
    let dir = tempfile::tempdir().unwrap();
    let ca = CertificateAuthority::load_or_create(dir.path()).unwrap();
    (dir, ca)
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    crate::encoding::decode_der(pem, &["CERTIFICATE REQUEST", "CERTIFICATE"], "test input").unwrap()
}

fn base64_standard(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// An RSA key usable by rcgen for signing CSRs (ring cannot generate RSA keys).
struct RsaTestKey {
    signing_key: rsa::pkcs1v15::SigningKey<sha2::Sha256>,
    public_key_pkcs1_der: Vec<u8>,
}

impl RsaTestKey {
    fn generate(bits: usize) -> Self {
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, bits).unwrap();
        let public_key_pkcs1_der = private
            .to_public_key()
            .to_pkcs1_der()
            .unwrap()
            .as_bytes()
            .to_vec();
        Self {
            signing_key: rsa::pkcs1v15::SigningKey::new(private),
            public_key_pkcs1_der,
        }
    }

    fn csr_pem(&self, common_name: &str) -> String {
        let mut params = rcgen::CertificateParams::default();
        let mut name = rcgen::DistinguishedName::new();
        name.push(rcgen::DnType::CommonName, common_name);
        params.distinguished_name = name;
        params.serialize_request(self).unwrap().pem().unwrap()
    }
}

impl PublicKeyData for RsaTestKey {
    fn der_bytes(&self) -> &[u8] {
        &self.public_key_pkcs1_der
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

impl SigningKey for RsaTestKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.signing_key.sign(message).to_vec())
    }
}

#[test]
fn certificate_authority_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CertificateAuthority>();
}
