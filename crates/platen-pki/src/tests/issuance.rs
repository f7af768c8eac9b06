use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::parse_x509_certificate;
use x509_parser::prelude::FromDer;

use super::{ONE_YEAR, RsaTestKey, base64_standard, new_ca, pem_to_der};
use crate::test_support::generate_csr_pem;

#[test]
fn issues_for_pem_and_base64_der_csrs() {
    let (_dir, ca) = new_ca();
    let (csr_pem, _key) = generate_csr_pem("device-chosen-name");
    let der = pem_to_der(&csr_pem);
    let url_safe_no_pad = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &der);
    let wrapped = base64_standard(&der)
        .as_bytes()
        .chunks(60)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n");
    let new_label = csr_pem.replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");

    for (form, csr) in [
        ("pem", csr_pem.clone()),
        ("new pem label", new_label),
        ("standard base64", base64_standard(&der)),
        ("url-safe base64 without padding", url_safe_no_pad),
        ("wrapped base64", wrapped),
    ] {
        let printer_id = format!("printer-{}", form.len());
        let issued = ca
            .issue(&csr, &printer_id, ONE_YEAR)
            .unwrap_or_else(|error| panic!("{form}: {error}"));
        let verified = ca.verify_issued(&issued.der).unwrap();
        assert_eq!(verified.subject_cn, printer_id, "{form}");
        assert_eq!(verified.public_key_spki_der, issued.public_key_spki_der);
        assert_eq!(verified.serial_hex, issued.serial_hex);
        assert_eq!(verified.sha256_fingerprint_hex, issued.sha256_fingerprint_hex);
    }
}

#[test]
fn issued_certificate_has_the_promised_contents() {
    let (_dir, ca) = new_ca();
    let (csr_pem, _key) = generate_csr_pem("ignored");
    let before = chrono::Utc::now();
    let issued = ca
        .issue(&csr_pem, "0b7f3f9e-1c55-4d0c-a3a2-5f7c1b2d9e10", ONE_YEAR)
        .unwrap();

    let (_, certificate) = parse_x509_certificate(&issued.der).unwrap();
    let subject = certificate.subject().to_string();
    assert_eq!(subject, "CN=0b7f3f9e-1c55-4d0c-a3a2-5f7c1b2d9e10");
    assert!(!certificate.is_ca());
    let key_usage = certificate.key_usage().unwrap().unwrap().value;
    assert!(key_usage.digital_signature());
    assert!(!key_usage.key_encipherment(), "EC keys cannot encipher keys");
    assert!(
        certificate
            .extended_key_usage()
            .unwrap()
            .unwrap()
            .value
            .client_auth
    );

    let expected_end = before + ONE_YEAR;
    assert!((issued.not_after - expected_end).num_seconds().abs() <= 5);
    assert_eq!(issued.serial_hex.len(), 32);
    assert_eq!(issued.sha256_fingerprint_hex.len(), 64);
    assert!(issued.pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert_eq!(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &issued.base64_der).unwrap(),
        issued.der
    );
    // The CSR's key is the certificate's key.
    let csr_der = pem_to_der(&csr_pem);
    let (_, csr) = X509CertificationRequest::from_der(&csr_der).unwrap();
    assert_eq!(
        csr.certification_request_info.subject_pki.raw,
        issued.public_key_spki_der.as_slice()
    );
}

#[test]
fn serials_are_unique() {
    let (_dir, ca) = new_ca();
    let (csr_pem, _key) = generate_csr_pem("x");
    let first = ca.issue(&csr_pem, "p", ONE_YEAR).unwrap();
    let second = ca.issue(&csr_pem, "p", ONE_YEAR).unwrap();
    assert_ne!(first.serial_hex, second.serial_hex);
}

#[test]
fn validity_is_capped_at_the_ca_expiry() {
    let (_dir, ca) = new_ca();
    let (csr_pem, _key) = generate_csr_pem("x");
    let issued = ca
        .issue(&csr_pem, "p", chrono::Duration::days(365 * 100))
        .unwrap();
    let (_, ca_certificate) = parse_x509_certificate(ca.ca_certificate_der()).unwrap();
    assert_eq!(
        issued.not_after.timestamp(),
        ca_certificate.validity().not_after.timestamp()
    );
}

#[test]
fn rejects_unusable_issuance_parameters() {
    let (_dir, ca) = new_ca();
    let (csr_pem, _key) = generate_csr_pem("x");
    for (subject, validity) in [
        ("", ONE_YEAR),
        (&"x".repeat(65) as &str, ONE_YEAR),
        ("line\nbreak", ONE_YEAR),
        ("p", chrono::Duration::zero()),
        ("p", -ONE_YEAR),
    ] {
        let error = ca.issue(&csr_pem, subject, validity).unwrap_err();
        assert!(
            matches!(error, crate::PkiError::InvalidRequest(_)),
            "{subject:?}: {error}"
        );
        assert!(!error.is_client_error());
    }
}

#[test]
fn rsa_2048_gets_key_encipherment_and_rsa_1024_is_refused() {
    let (_dir, ca) = new_ca();
    let strong = RsaTestKey::generate(2048).csr_pem("rsa");
    let issued = ca.issue(&strong, "rsa-printer", ONE_YEAR).unwrap();
    let (_, certificate) = parse_x509_certificate(&issued.der).unwrap();
    let key_usage = certificate.key_usage().unwrap().unwrap().value;
    assert!(key_usage.digital_signature() && key_usage.key_encipherment());
    assert_eq!(ca.verify_issued(&issued.der).unwrap().subject_cn, "rsa-printer");

    let weak = RsaTestKey::generate(1024).csr_pem("weak");
    let error = ca.issue(&weak, "p", ONE_YEAR).unwrap_err();
    assert!(
        matches!(&error, crate::PkiError::Csr(message) if message.contains("1024 bits")),
        "{error}"
    );
}
