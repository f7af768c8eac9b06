use rcgen::{CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair};

use super::{ONE_YEAR, new_ca};
use crate::test_support::generate_csr_pem;
use crate::{CertificateAuthority, PkiError, decode_certificate};

/// A CA whose key the test holds, so it can sign certificates `issue` would never produce.
fn ca_with_known_key() -> (CertificateAuthority, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let certificate = crate::params::ca_params(chrono::Utc::now())
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let key_pem = key.serialize_pem();
    let ca = CertificateAuthority::from_pem(&certificate.pem(), &key_pem).unwrap();
    let issuer = Issuer::from_ca_cert_pem(&certificate.pem(), KeyPair::from_pem(&key_pem).unwrap()).unwrap();
    (ca, issuer)
}

fn device_params(offset_days: (i64, i64)) -> CertificateParams {
    let now = time::OffsetDateTime::now_utc();
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "printer");
    params.distinguished_name = name;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.not_before = now + time::Duration::days(offset_days.0);
    params.not_after = now + time::Duration::days(offset_days.1);
    params
}

#[test]
fn certificate_from_another_ca_is_not_ours() {
    let (_dir_a, ours) = new_ca();
    let (_dir_b, theirs) = new_ca();
    let (csr, _key) = generate_csr_pem("x");
    let foreign = theirs.issue(&csr, "p", ONE_YEAR).unwrap();
    assert!(matches!(
        ours.verify_issued(&foreign.der),
        Err(PkiError::NotIssuedByUs)
    ));
}

#[test]
fn same_name_different_key_is_not_ours() {
    let (ours, _) = ca_with_known_key();
    // An impostor CA copying our subject name but holding its own key.
    let impostor_key = KeyPair::generate().unwrap();
    let impostor = Issuer::from_ca_cert_der(&ours.ca_certificate_der().into(), impostor_key).unwrap();
    let device_key = KeyPair::generate().unwrap();
    let forged = device_params((-1, 30)).signed_by(&device_key, &impostor).unwrap();
    assert!(matches!(
        ours.verify_issued(forged.der()),
        Err(PkiError::NotIssuedByUs)
    ));
}

#[test]
fn expired_and_future_certificates_are_refused() {
    let (ca, issuer) = ca_with_known_key();
    let device_key = KeyPair::generate().unwrap();
    let expired = device_params((-30, -1)).signed_by(&device_key, &issuer).unwrap();
    assert!(matches!(ca.verify_issued(expired.der()), Err(PkiError::Expired)));
    let future = device_params((1, 30)).signed_by(&device_key, &issuer).unwrap();
    assert!(matches!(
        ca.verify_issued(future.der()),
        Err(PkiError::NotYetValid)
    ));
    let current = device_params((-1, 30)).signed_by(&device_key, &issuer).unwrap();
    assert_eq!(ca.verify_issued(current.der()).unwrap().subject_cn, "printer");
}

#[test]
fn certificates_without_client_auth_or_that_are_cas_are_refused() {
    let (ca, issuer) = ca_with_known_key();
    let device_key = KeyPair::generate().unwrap();
    let mut params = device_params((-1, 30));
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_only = params.signed_by(&device_key, &issuer).unwrap();
    assert!(matches!(
        ca.verify_issued(server_only.der()),
        Err(PkiError::Certificate(_))
    ));
    assert!(matches!(
        ca.verify_issued(ca.ca_certificate_der()),
        Err(PkiError::Certificate(_))
    ));
}

#[test]
fn garbage_certificates_are_client_errors() {
    let (_dir, ca) = new_ca();
    let (csr, _key) = generate_csr_pem("x");
    let issued = ca.issue(&csr, "p", ONE_YEAR).unwrap();
    let mut trailing = issued.der.clone();
    trailing.push(0);
    for input in [
        Vec::new(),
        vec![0x30],
        b"garbage".to_vec(),
        trailing,
        vec![0u8; 100_000],
    ] {
        let error = ca.verify_issued(&input).unwrap_err();
        assert!(error.is_client_error(), "{error:?}");
    }
    for length in 0..issued.der.len() {
        assert!(
            ca.verify_issued(&issued.der[..length])
                .unwrap_err()
                .is_client_error()
        );
    }
}

#[test]
fn decodes_certificates_in_pem_and_base64() {
    let (_dir, ca) = new_ca();
    let (csr, _key) = generate_csr_pem("x");
    let issued = ca.issue(&csr, "p", ONE_YEAR).unwrap();
    assert_eq!(decode_certificate(&issued.pem).unwrap(), issued.der);
    assert_eq!(decode_certificate(&issued.base64_der).unwrap(), issued.der);
    assert!(matches!(
        decode_certificate("nope!"),
        Err(PkiError::Certificate(_))
    ));
}
