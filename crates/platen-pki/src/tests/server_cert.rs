//! The TLS listener's own certificate: names, purpose, persistence and renewal.

use std::fs;
use std::process::Command;

use x509_parser::extensions::GeneralName;
use x509_parser::parse_x509_certificate;

use super::{new_ca, pem_to_der};
use crate::{CertificateAuthority, PkiError, SERVER_CERT_FILE, SERVER_KEY_FILE};

fn hosts(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// The subject alternative names of a PEM certificate, as text.
fn names_of(cert_pem: &str) -> Vec<String> {
    let der = pem_to_der(cert_pem);
    let (_, cert) = parse_x509_certificate(&der).unwrap();
    let san = cert.subject_alternative_name().unwrap().unwrap();
    san.value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::DNSName(d) => d.to_string(),
            GeneralName::IPAddress(b) if b.len() == 4 => {
                std::net::IpAddr::from(<[u8; 4]>::try_from(*b).unwrap()).to_string()
            }
            GeneralName::IPAddress(b) => {
                std::net::IpAddr::from(<[u8; 16]>::try_from(*b).unwrap()).to_string()
            }
            other => panic!("unexpected name {other:?}"),
        })
        .collect()
}

#[test]
fn a_server_certificate_names_its_hosts_and_is_for_tls_servers() {
    let (_dir, ca) = new_ca();
    let issued = ca
        .issue_server_certificate(&hosts(&[
            "Print.Example.",
            "localhost",
            "127.0.0.1",
            "[::1]",
            "localhost",
        ]))
        .unwrap();
    assert_eq!(
        names_of(&issued.cert_pem),
        ["print.example", "localhost", "127.0.0.1", "::1"]
    );
    let der = pem_to_der(&issued.cert_pem);
    let (_, cert) = parse_x509_certificate(&der).unwrap();
    let (_, ca_cert) = parse_x509_certificate(ca.ca_certificate_der()).unwrap();
    cert.verify_signature(Some(ca_cert.public_key())).unwrap();
    assert!(!cert.is_ca());
    let eku = cert.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.server_auth && !eku.client_auth);
    let days = (issued.not_after - chrono::Utc::now()).num_days();
    assert!((395..=397).contains(&days), "{days} days");
    // Not a device certificate: it cannot log a printer in.
    assert!(ca.verify_issued(&der).is_err());
}

#[test]
fn unusable_host_lists_are_refused() {
    let (_dir, ca) = new_ca();
    for bad in [
        vec![],
        hosts(&["exa mple"]),
        hosts(&["-bad.example"]),
        hosts(&["a..b"]),
    ] {
        assert!(
            matches!(
                ca.issue_server_certificate(&bad),
                Err(PkiError::InvalidRequest(_))
            ),
            "{bad:?}"
        );
    }
    assert!(ca.issue_server_certificate(&hosts(&["*.print.example"])).is_ok());
}

#[test]
fn the_stored_certificate_is_reused_until_the_hosts_change() {
    let (_ca_dir, ca) = new_ca();
    let dir = tempfile::tempdir().unwrap();
    let tls = dir.path().join("tls");
    let first = ca
        .load_or_issue_server_certificate(&tls, &hosts(&["a.example", "127.0.0.1"]))
        .unwrap();
    assert!(first.issued_now);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(tls.join(SERVER_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The same hosts in another order and with repeats: the same certificate.
    let again = ca
        .load_or_issue_server_certificate(&tls, &hosts(&["127.0.0.1", "A.example", "a.example"]))
        .unwrap();
    assert!(!again.issued_now);
    assert_eq!(
        (&again.cert_pem, &again.key_pem),
        (&first.cert_pem, &first.key_pem)
    );
    // Another host list: a new certificate, stored.
    let changed = ca
        .load_or_issue_server_certificate(&tls, &hosts(&["b.example"]))
        .unwrap();
    assert!(changed.issued_now);
    assert_eq!(names_of(&changed.cert_pem), ["b.example"]);
    assert_eq!(
        fs::read_to_string(tls.join(SERVER_CERT_FILE)).unwrap(),
        changed.cert_pem
    );
    // No temporary files are left behind.
    let mut files: Vec<String> = fs::read_dir(&tls)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, [SERVER_CERT_FILE, SERVER_KEY_FILE]);
}

#[test]
fn a_mismatched_foreign_or_damaged_certificate_is_replaced() {
    let (_ca_dir, ca) = new_ca();
    let dir = tempfile::tempdir().unwrap();
    let h = hosts(&["a.example"]);
    let first = ca.load_or_issue_server_certificate(dir.path(), &h).unwrap();

    // A key that does not belong to the certificate (two nodes renewing at once).
    let other = ca.issue_server_certificate(&h).unwrap();
    fs::write(dir.path().join(SERVER_KEY_FILE), &other.key_pem).unwrap();
    let repaired = ca.load_or_issue_server_certificate(dir.path(), &h).unwrap();
    assert!(repaired.issued_now);

    // Issued by another CA (the data directory's CA was replaced).
    let (_other_dir, other_ca) = new_ca();
    assert!(
        other_ca
            .load_or_issue_server_certificate(dir.path(), &h)
            .unwrap()
            .issued_now
    );

    // Garbage.
    fs::write(dir.path().join(SERVER_CERT_FILE), "not a certificate").unwrap();
    let fresh = ca.load_or_issue_server_certificate(dir.path(), &h).unwrap();
    assert!(fresh.issued_now);
    assert_ne!(fresh.cert_pem, first.cert_pem);
}

#[test]
fn a_certificate_near_its_end_is_renewed() {
    // A CA that itself ends in 20 days can only issue certificates ending then: within RENEW_BEFORE, so
    // every call issues a new one rather than serving one that is about to expire.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = crate::params::ca_params(chrono::Utc::now()).unwrap();
    params.not_after = crate::params::to_offset(chrono::Utc::now() + chrono::Duration::days(20)).unwrap();
    let ca_pem = params.self_signed(&key).unwrap().pem();
    let ca = CertificateAuthority::from_pem(&ca_pem, &key.serialize_pem()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let h = hosts(&["a.example"]);
    let first = ca.load_or_issue_server_certificate(dir.path(), &h).unwrap();
    assert!((first.not_after - chrono::Utc::now()).num_days() <= 20);
    assert!(
        ca.load_or_issue_server_certificate(dir.path(), &h)
            .unwrap()
            .issued_now
    );
}

#[test]
fn openssl_verifies_it_as_a_server_certificate_for_its_hosts() {
    let (_ca_dir, ca) = new_ca();
    let issued = ca
        .issue_server_certificate(&hosts(&["print.example", "127.0.0.1"]))
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    fs::write(work.path().join("ca.pem"), ca.ca_certificate_pem()).unwrap();
    fs::write(work.path().join("cert.pem"), &issued.cert_pem).unwrap();
    for check in [["-verify_hostname", "print.example"], ["-verify_ip", "127.0.0.1"]] {
        let mut args = vec!["verify", "-CAfile", "ca.pem", "-purpose", "sslserver"];
        args.extend_from_slice(&check);
        args.push("cert.pem");
        let output = match Command::new("openssl")
            .args(&args)
            .current_dir(work.path())
            .output()
        {
            Ok(output) => output,
            Err(error) => {
                eprintln!("note: skipping the OpenSSL check, openssl is unavailable: {error}");
                return;
            }
        };
        assert!(
            output.status.success(),
            "openssl {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
