use super::{ONE_YEAR, base64_standard, new_ca, pem_to_der};
use crate::PkiError;
use crate::test_support::generate_csr_pem;

fn csr_error_message(result: Result<crate::IssuedCertificate, PkiError>) -> String {
    match result {
        Err(PkiError::Csr(message)) => message,
        other => panic!("expected a CSR error, got {other:?}"),
    }
}

#[test]
fn tampered_signature_is_refused() {
    let (_dir, ca) = new_ca();
    let (csr_pem, _key) = generate_csr_pem("x");
    let mut der = pem_to_der(&csr_pem);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let message = csr_error_message(ca.issue(&base64_standard(&der), "p", ONE_YEAR));
    assert!(message.contains("self-signature"), "{message}");
}

#[test]
fn tampered_subject_is_refused() {
    let (_dir, ca) = new_ca();
    let (csr_pem, _key) = generate_csr_pem("printer-aaaa");
    let mut der = pem_to_der(&csr_pem);
    let position = der.windows(4).position(|window| window == b"aaaa").unwrap();
    der[position] = b'b';
    let message = csr_error_message(ca.issue(&base64_standard(&der), "p", ONE_YEAR));
    assert!(message.contains("self-signature"), "{message}");
}

#[test]
fn garbage_is_refused_with_a_reason() {
    let (_dir, ca) = new_ca();
    let huge = "A".repeat(10 * 1024 * 1024);
    let certificate_pem = ca.ca_certificate_pem().to_owned();
    let cases: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("whitespace", " \n\t ".to_owned()),
        ("text", "this is not a CSR".to_owned()),
        ("base64 of text", base64_standard(b"hello world")),
        ("huge", huge),
        ("nul bytes", "\0\0\0".to_owned()),
        ("non-ascii", "Zertifikatsanforderung \u{1F5A8}".to_owned()),
        ("mixed alphabets", "ab+c-d/e_".to_owned()),
        ("certificate instead of csr", certificate_pem.clone()),
        (
            "certificate der instead of csr",
            base64_standard(ca.ca_certificate_der()),
        ),
        (
            "pem without end",
            "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n".to_owned(),
        ),
        (
            "pem with bad body",
            "-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----".to_owned(),
        ),
        ("bare begin", "-----BEGIN ".to_owned()),
    ];
    for (name, input) in cases {
        let message = csr_error_message(ca.issue(&input, "p", ONE_YEAR));
        assert!(!message.is_empty(), "{name}");
    }
}

#[test]
fn every_truncation_and_byte_flip_is_handled_without_panicking() {
    let (_dir, ca) = new_ca();
    let (csr_pem, _key) = generate_csr_pem("x");
    let der = pem_to_der(&csr_pem);
    for length in 0..der.len() {
        let message = csr_error_message(ca.issue(&base64_standard(&der[..length]), "p", ONE_YEAR));
        assert!(!message.is_empty());
    }
    for position in 0..der.len() {
        let mut mutated = der.clone();
        mutated[position] ^= 0xff;
        match ca.issue(&base64_standard(&mutated), "p", ONE_YEAR) {
            Ok(_) | Err(PkiError::Csr(_)) => {}
            Err(other) => panic!("flipping byte {position} gave {other:?}"),
        }
    }
    let mut extended = der.clone();
    extended.push(0);
    let message = csr_error_message(ca.issue(&base64_standard(&extended), "p", ONE_YEAR));
    assert!(message.contains("after"), "{message}");
}

#[test]
fn unsupported_key_types_are_refused() {
    let (_dir, ca) = new_ca();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let csr = rcgen::CertificateParams::default()
        .serialize_request(&key)
        .unwrap()
        .pem()
        .unwrap();
    let message = csr_error_message(ca.issue(&csr, "p", ONE_YEAR));
    assert!(message.contains("not supported"), "{message}");
}
