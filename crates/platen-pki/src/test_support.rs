//! Helpers for tests in other crates (feature `test-support`); not part of production builds.

/// Generates an ECDSA P-256 key and a PKCS#10 CSR for it with subject `CN=common_name`.
/// Returns `(csr_pem, private_key_pkcs8_pem)`.
///
/// # Panics
///
/// If key generation or CSR encoding fails, which does not happen with a working system RNG and
/// a common name rcgen can encode. Acceptable for a test helper.
pub fn generate_csr_pem(common_name: &str) -> (String, String) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("generate a P-256 key");
    let mut params = rcgen::CertificateParams::default();
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::CommonName, common_name);
    params.distinguished_name = name;
    let csr = params.serialize_request(&key).expect("encode the CSR");
    (csr.pem().expect("PEM-encode the CSR"), key.serialize_pem())
}
