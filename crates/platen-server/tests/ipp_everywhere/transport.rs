//! Passwords travel only where nobody can read them: over TLS (`ipps://`, the printer's URIs then say so), or
//! from the machine Platen runs on; over plain `ipp://` from another address they are refused.

use super::jobs::print_job;
use super::support::{BIN, Env, Request};
use platen_testkit::graph::{Api, Server};
use std::sync::Arc;

/// The machine's first non-loopback IPv4 address (CI machines have one, as this project's do).
fn lan_address() -> String {
    let out = std::process::Command::new("hostname")
        .arg("-I")
        .output()
        .expect("hostname (Debian's hostname package)");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .find(|a| a.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| !ip.is_loopback()))
        .expect("a non-loopback IPv4 address to connect from")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn passwords_travel_over_tls_or_from_this_machine_only() {
    let srv = Arc::new(
        tokio::task::spawn_blocking(|| Server::start_configured(BIN, |s| s.tls().listen_all()))
            .await
            .unwrap(),
    );
    let env = Env::new_on(Api::on(srv.clone()), None, true).await;
    let alice = env.user("alice", &[]);
    let (_d, _p, pdf) = super::support::sample_pdf();

    // Over TLS: the printer's URI is ipps and says tls; a password prints.
    let ca = reqwest::get(format!("{}/platen/ca.pem", srv.base))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let tls = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let tls_url = format!("https://127.0.0.1:{}{}", srv.tls_port.unwrap(), env.path());
    let mut gpa = Request::new(0x000b, 1, &env.uri(None));
    gpa.attr(0x44, "requested-attributes", b"printer-uri-supported")
        .attr(0x44, "", b"uri-security-supported");
    let body = tls
        .post(&tls_url)
        .header("content-type", "application/ipp")
        .body(gpa.end())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let a = super::support::Answer {
        http: 200,
        status: Some(u16::from_be_bytes([body[2], body[3]])),
        body: body.to_vec(),
    };
    let uri = a.text("printer-uri-supported").unwrap();
    assert!(uri.starts_with("ipps://127.0.0.1:"), "{uri}");
    assert_eq!(a.text("uri-security-supported").as_deref(), Some("tls"));
    let mut job = Request::new(0x0002, 2, &uri);
    let mut body = job.end();
    body.extend_from_slice(&pdf);
    let r = tls
        .post(&tls_url)
        .header("content-type", "application/ipp")
        .basic_auth(&alice.upn, Some(&alice.password))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let answer = r.bytes().await.unwrap();
    assert_eq!(&answer[2..4], &[0, 0], "a password over TLS prints");

    // From this machine over plain ipp: accepted.
    assert_eq!(
        print_job(&env, (&alice.upn, &alice.password), &pdf, |_| {})
            .await
            .status,
        Some(0)
    );

    // From another address over plain ipp: refused before the password is even checked.
    let lan = format!("http://{}:{}{}", lan_address(), env.port(), env.path());
    let r = reqwest::Client::new()
        .post(&lan)
        .header("content-type", "application/ipp")
        .basic_auth(&alice.upn, Some(&alice.password))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "{}", r.text().await.unwrap_or_default());
    assert_eq!(
        env.graph_jobs().await.len(),
        2,
        "only the two accepted jobs exist"
    );
}
