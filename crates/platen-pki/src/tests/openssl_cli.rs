//! CSRs made by the `openssl` command line, as the README tells users to do.

use std::path::Path;
use std::process::Command;

use super::{ONE_YEAR, new_ca};

/// Runs `openssl` with `args` in `dir`; `None` (after a printed note) if openssl is not installed.
fn openssl(dir: &Path, args: &[&str]) -> Option<std::process::Output> {
    match Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(output) => Some(output),
        Err(error) => {
            eprintln!("note: skipping the OpenSSL interoperability test, openssl is unavailable: {error}");
            None
        }
    }
}

fn openssl_csr(dir: &Path, new_key: &[&str]) -> Option<String> {
    let mut args = vec!["req", "-new"];
    args.extend_from_slice(new_key);
    args.extend_from_slice(&["-nodes", "-subj", "/CN=x", "-keyout", "k", "-out", "r"]);
    let output = openssl(dir, &args)?;
    assert!(
        output.status.success(),
        "openssl req failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(std::fs::read_to_string(dir.join("r")).unwrap())
}

#[test]
fn openssl_csrs_are_accepted_and_certificates_verify_with_openssl() {
    let (_ca_dir, ca) = new_ca();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("ca.pem"), ca.ca_certificate_pem()).unwrap();
    let key_types: [&[&str]; 3] = [
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        // OpenSSL signs P-384 requests with SHA-256 by default; the certificate must still name P-384.
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        &["-newkey", "rsa:2048"],
    ];
    for new_key in key_types {
        let Some(csr) = openssl_csr(work.path(), new_key) else {
            return;
        };
        let issued = ca
            .issue(&csr, "printer-1", ONE_YEAR)
            .unwrap_or_else(|error| panic!("{new_key:?}: {error}"));
        assert_eq!(ca.verify_issued(&issued.der).unwrap().subject_cn, "printer-1");

        std::fs::write(work.path().join("cert.pem"), &issued.pem).unwrap();
        let Some(verify) = openssl(
            work.path(),
            &["verify", "-CAfile", "ca.pem", "-purpose", "sslclient", "cert.pem"],
        ) else {
            return;
        };
        assert!(
            verify.status.success(),
            "{new_key:?}: openssl verify failed: {}{}",
            String::from_utf8_lossy(&verify.stdout),
            String::from_utf8_lossy(&verify.stderr)
        );
        let Some(public_key) = openssl(work.path(), &["pkey", "-in", "k", "-pubout", "-outform", "DER"])
        else {
            return;
        };
        assert_eq!(
            public_key.stdout, issued.public_key_spki_der,
            "{new_key:?}: certificate carries the CSR's key"
        );
    }
}

#[test]
fn ca_made_with_openssl_can_issue_certificates_openssl_accepts() {
    let work = tempfile::tempdir().unwrap();
    let key_algorithms: [&[&str]; 2] = [
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    ];
    for key_algorithm in key_algorithms {
        let mut genpkey = vec!["genpkey"];
        genpkey.extend_from_slice(key_algorithm);
        genpkey.extend_from_slice(&["-out", "ca.key"]);
        let Some(output) = openssl(work.path(), &genpkey) else {
            return;
        };
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let ca_args = [
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-days",
            "30",
            "-out",
            "ca.pem",
            "-subj",
            "/C=DE/O=Example Org/CN=Example Printing CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ];
        let Some(output) = openssl(work.path(), &ca_args) else {
            return;
        };
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let read = |name: &str| std::fs::read_to_string(work.path().join(name)).unwrap();
        let ca = crate::CertificateAuthority::from_pem(&read("ca.pem"), &read("ca.key"))
            .unwrap_or_else(|error| panic!("{key_algorithm:?}: {error}"));

        let Some(csr) = openssl_csr(
            work.path(),
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ) else {
            return;
        };
        let issued = ca.issue(&csr, "printer-2", ONE_YEAR).unwrap();
        assert_eq!(ca.verify_issued(&issued.der).unwrap().subject_cn, "printer-2");
        std::fs::write(work.path().join("cert.pem"), &issued.pem).unwrap();
        let Some(verify) = openssl(
            work.path(),
            &["verify", "-CAfile", "ca.pem", "-purpose", "sslclient", "cert.pem"],
        ) else {
            return;
        };
        assert!(
            verify.status.success(),
            "{key_algorithm:?}: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }
}
