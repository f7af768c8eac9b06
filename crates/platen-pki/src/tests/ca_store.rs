use std::fs;

use crate::{CA_CERT_FILE, CA_KEY_FILE, CertificateAuthority, PkiError};

#[test]
fn load_or_create_reuses_the_same_ca() {
    let dir = tempfile::tempdir().unwrap();
    let first = CertificateAuthority::load_or_create(dir.path()).unwrap();
    let second = CertificateAuthority::load_or_create(dir.path()).unwrap();
    assert_eq!(first.ca_certificate_pem(), second.ca_certificate_pem());
    assert!(dir.path().join(CA_KEY_FILE).is_file());
    assert!(dir.path().join(CA_CERT_FILE).is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join(CA_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Certificates issued before a restart still verify after it.
    let (csr, _key) = crate::test_support::generate_csr_pem("x");
    let issued = first.issue(&csr, "p", super::ONE_YEAR).unwrap();
    assert_eq!(second.verify_issued(&issued.der).unwrap().subject_cn, "p");
}

#[test]
fn concurrent_first_use_yields_one_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca_dir = dir.path().join("pki");
    let certificates: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    CertificateAuthority::load_or_create(&ca_dir)
                        .unwrap()
                        .ca_certificate_pem()
                        .to_owned()
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    assert!(certificates.windows(2).all(|pair| pair[0] == pair[1]));
    let leftovers: Vec<_> = fs::read_dir(&ca_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "only the key and certificate remain: {leftovers:?}"
    );
}

#[test]
fn missing_certificate_is_recreated_from_the_existing_key() {
    let dir = tempfile::tempdir().unwrap();
    CertificateAuthority::load_or_create(dir.path()).unwrap();
    let key_before = fs::read_to_string(dir.path().join(CA_KEY_FILE)).unwrap();
    fs::remove_file(dir.path().join(CA_CERT_FILE)).unwrap();
    CertificateAuthority::load_or_create(dir.path()).unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join(CA_KEY_FILE)).unwrap(),
        key_before
    );
}

#[test]
fn corrupt_files_are_reported_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(CA_KEY_FILE), "not a key").unwrap();
    let error = CertificateAuthority::load_or_create(dir.path()).unwrap_err();
    assert!(matches!(error, PkiError::InvalidCa(_)), "{error:?}");
    assert_eq!(
        fs::read_to_string(dir.path().join(CA_KEY_FILE)).unwrap(),
        "not a key"
    );
}

#[test]
fn from_pem_round_trips_and_rejects_mismatches() {
    let dir = tempfile::tempdir().unwrap();
    let ca = CertificateAuthority::load_or_create(dir.path()).unwrap();
    let key_pem = fs::read_to_string(dir.path().join(CA_KEY_FILE)).unwrap();
    let rebuilt = CertificateAuthority::from_pem(ca.ca_certificate_pem(), &key_pem).unwrap();
    assert_eq!(rebuilt.ca_certificate_pem(), ca.ca_certificate_pem());

    let other_key = rcgen::KeyPair::generate().unwrap().serialize_pem();
    let mismatch = CertificateAuthority::from_pem(ca.ca_certificate_pem(), &other_key).unwrap_err();
    assert!(
        matches!(&mismatch, PkiError::InvalidCa(message) if message.contains("does not belong")),
        "{mismatch}"
    );

    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::default()
        .self_signed(&leaf_key)
        .unwrap();
    let not_ca = CertificateAuthority::from_pem(&leaf.pem(), &leaf_key.serialize_pem()).unwrap_err();
    assert!(
        matches!(&not_ca, PkiError::InvalidCa(message) if message.contains("not a CA")),
        "{not_ca}"
    );

    assert!(matches!(
        CertificateAuthority::from_pem("", &key_pem),
        Err(PkiError::InvalidCa(_))
    ));
    assert!(matches!(
        CertificateAuthority::from_pem(ca.ca_certificate_pem(), ""),
        Err(PkiError::InvalidCa(_))
    ));
}
