//! The TLS listener (`https://`, `ipps://`): Graph over https with the certificate Platen's CA issues, verified
//! against `GET /platen/ca.pem`; an administrator's own certificate and key files; and handshakes bounded by the
//! header timeout without disturbing other clients. Links in answers follow the listener a request came on.

use crate::common::{ADMIN_SCOPES, BIN, uuid};
use platen_testkit::graph::mint;
use platen_testkit::{Http, Serve, Served};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

async fn start(serve: Serve) -> Served {
    tokio::task::spawn_blocking(move || serve.start()).await.unwrap()
}

/// A client that trusts only `ca_pem` (no built-in roots).
fn trusting(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .tls_certs_only([reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap()])
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], 0)))
        .build()
        .unwrap()
}

fn admin_token(data_dir: &Path) -> String {
    let (tenant, user) = (uuid(), uuid());
    mint(
        BIN,
        data_dir,
        &[
            "token",
            "user",
            "--tenant",
            &tenant,
            "--user",
            &user,
            "--admin",
            "--scopes",
            ADMIN_SCOPES,
        ],
    )
}

#[tokio::test]
async fn graph_over_https_with_the_self_issued_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let served = start(Serve::new(BIN, dir.path()).tls()).await;
    let tls_port = served.tls_port.unwrap();
    let plain = Http::new(&served.base);

    // The CA certificate is public, over plain http (where a client without it starts).
    let r = plain
        .req(reqwest::Method::GET, "/platen/ca.pem")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-pem-file");
    let ca_pem = r.text().await.unwrap();
    assert!(ca_pem.starts_with("-----BEGIN CERTIFICATE-----"), "{ca_pem}");

    let https = Http::with_client(&format!("https://127.0.0.1:{tls_port}"), trusting(&ca_pem));
    https.assert_healthy().await;
    let token = admin_token(dir.path());
    let printers = https.get("/v1.0/print/printers", &token).await.expect_json(200);
    // The request knew it came over TLS: its links use the TLS listener's public URL …
    let context = printers["@odata.context"].as_str().unwrap();
    assert!(
        context.starts_with(&format!("https://127.0.0.1:{tls_port}/v1.0/")),
        "{context}"
    );
    // … and over plain http the http one.
    let printers = plain.get("/v1.0/print/printers", &token).await.expect_json(200);
    let context = printers["@odata.context"].as_str().unwrap();
    assert!(
        context.starts_with(&format!("{}/v1.0/", served.base)),
        "{context}"
    );

    // The certificate names localhost too (a default host).
    let by_name = Http::with_client(&format!("https://localhost:{tls_port}"), trusting(&ca_pem));
    by_name.assert_healthy().await;
    // The same routes: the IPP endpoints and the CA certificate are on the TLS listener as well.
    let r = https
        .req(reqwest::Method::GET, "/platen/ca.pem")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), ca_pem);
    let r = https
        .req(reqwest::Method::POST, "/device/token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "the device token endpoint answers over TLS");

    // A client that does not trust Platen's CA is refused by its own TLS stack.
    let untrusting = reqwest::Client::builder().no_proxy().build().unwrap();
    let err = untrusting
        .get(format!("https://127.0.0.1:{tls_port}/healthz"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");

    // The certificate is kept: a restart serves the same one.
    let cert = std::fs::read_to_string(dir.path().join("tls/server-cert.pem")).unwrap();
    drop(served);
    let served = start(Serve::new(BIN, dir.path()).tls()).await;
    let https = Http::with_client(
        &format!("https://127.0.0.1:{}", served.tls_port.unwrap()),
        trusting(&ca_pem),
    );
    https.assert_healthy().await;
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tls/server-cert.pem")).unwrap(),
        cert
    );
}

#[tokio::test]
async fn an_administrators_certificate_and_key_files_are_served() {
    // Another CA stands in for the organisation's; its certificate is written to files Platen is given.
    let dir = tempfile::tempdir().unwrap();
    let org = platen_pki::CertificateAuthority::load_or_create(&dir.path().join("org-ca")).unwrap();
    let cert = org
        .issue_server_certificate(&["print.example".into(), "127.0.0.1".into()])
        .unwrap();
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    // A chain file: the server certificate, then the CA (as administrators' files often are).
    std::fs::write(
        &cert_file,
        format!("{}{}", cert.cert_pem, org.ca_certificate_pem()),
    )
    .unwrap();
    std::fs::write(&key_file, &cert.key_pem).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let served = start(
        Serve::new(BIN, &data)
            .tls()
            .env("PLATEN_TLS__CERT_FILE", &cert_file.display().to_string())
            .env("PLATEN_TLS__KEY_FILE", &key_file.display().to_string())
            .env("PLATEN_TLS__PUBLIC_URL", "https://print.example:8443"),
    )
    .await;
    let tls_port = served.tls_port.unwrap();
    let org_client = |host: &str| {
        let client = reqwest::Client::builder()
            .no_proxy()
            .tls_certs_only([reqwest::Certificate::from_pem(org.ca_certificate_pem().as_bytes()).unwrap()])
            .resolve("print.example", SocketAddr::from(([127, 0, 0, 1], tls_port)))
            .build()
            .unwrap();
        Http::with_client(&format!("https://{host}:{tls_port}"), client)
    };
    org_client("print.example").assert_healthy().await;
    let token = admin_token(&data);
    let v = org_client("127.0.0.1")
        .get("/v1.0/print/printers", &token)
        .await
        .expect_json(200);
    let context = v["@odata.context"].as_str().unwrap();
    assert!(
        context.starts_with("https://print.example:8443/v1.0/"),
        "{context}"
    );

    // Platen's own CA did not sign what is served, and no certificate was issued.
    let own_ca = Http::new(&served.base)
        .req(reqwest::Method::GET, "/platen/ca.pem")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let err = trusting(&own_ca)
        .get(format!("https://127.0.0.1:{tls_port}/healthz"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(!data.join("tls").exists());
}

#[tokio::test]
async fn a_certificate_file_without_its_key_stops_the_server_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::new(BIN, dir.path())
        .tls()
        .env("PLATEN_TLS__CERT_FILE", "/nonexistent/cert.pem");
    let err = tokio::task::spawn_blocking(move || serve.try_start().err())
        .await
        .unwrap()
        .expect("the server must not start");
    assert!(
        err.contains("tls.cert_file and tls.key_file go together"),
        "{err}"
    );
}

/// Reads until the server closes the connection; how long that took.
fn closed_after(s: &mut TcpStream, limit: Duration) -> Duration {
    s.set_read_timeout(Some(limit)).unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return started.elapsed(),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return started.elapsed(),
            Err(e) => panic!(
                "the server kept the connection open for {:?}: {e}",
                started.elapsed()
            ),
        }
    }
}

#[tokio::test]
async fn stalled_and_failed_handshakes_are_dropped_while_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let served = start(
        Serve::new(BIN, dir.path())
            .tls()
            .env("PLATEN_HTTP_HEADER_TIMEOUT_SECS", "1"),
    )
    .await;
    let tls_port = served.tls_port.unwrap();
    let ca_pem = Http::new(&served.base)
        .req(reqwest::Method::GET, "/platen/ca.pem")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let https = Http::with_client(&format!("https://127.0.0.1:{tls_port}"), trusting(&ca_pem));

    // One client connects and never starts its handshake, another sends half a ClientHello and stops.
    let mut silent = TcpStream::connect(("127.0.0.1", tls_port)).unwrap();
    let mut half = TcpStream::connect(("127.0.0.1", tls_port)).unwrap();
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])
        .unwrap();
    // Meanwhile others are served at once.
    let started = Instant::now();
    for _ in 0..3 {
        https.assert_healthy().await;
    }
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );

    let waited = tokio::task::spawn_blocking(move || {
        (
            closed_after(&mut silent, Duration::from_secs(20)),
            closed_after(&mut half, Duration::from_secs(20)),
        )
    })
    .await
    .unwrap();
    assert!(
        waited.0 < Duration::from_secs(10),
        "silent client closed after {:?}",
        waited.0
    );
    assert!(
        waited.1 < Duration::from_secs(10),
        "half handshake closed after {:?}",
        waited.1
    );

    // Plain http to the TLS port fails its handshake at once and harms no one.
    let mut wrong = TcpStream::connect(("127.0.0.1", tls_port)).unwrap();
    wrong
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let after = tokio::task::spawn_blocking(move || closed_after(&mut wrong, Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(after < Duration::from_secs(1), "closed after {after:?}");
    https.assert_healthy().await;
    assert!(platen_testkit::serve::healthy(served.port));
}
