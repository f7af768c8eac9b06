//! DNS-SD advertisement of shares, seen by mdns-sd's own browser: a share created through Graph appears as
//! `_ipp._tcp` and `_ipps._tcp` (subtype `_universal`) with the TXT keys clients read, follows a change of its
//! printer, and disappears when it is deleted or the server stops.
//!
//! Multicast must not leave this machine (and the container's interfaces may not carry it anyway), so the test
//! runs in a private network namespace with only a multicast-enabled loopback: the outer test re-runs this test
//! binary under `unshare --net` (root; CI runs as root), where the inner test starts `platen serve` and browses.
//! A missing `unshare` or `ip`, or a namespace that cannot be made, fails the test: it never passes silently.

use crate::common::{ADMIN_SCOPES, BIN, uuid};
use mdns_sd::{ServiceDaemon, ServiceEvent};
use platen_testkit::graph::{mint, printer_body};
use platen_testkit::{Http, Serve};
use serde_json::json;
use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

/// Set by the outer test for the run inside the namespace.
const IN_NAMESPACE: &str = "PLATEN_TEST_IN_PRIVATE_NETNS";
const INNER: &str = "dnssd::shares_are_advertised_and_withdrawn_in_the_namespace";

#[test]
fn shares_are_advertised_and_withdrawn() {
    for tool in ["unshare", "ip"] {
        assert!(
            platen_testkit::have(tool),
            "`{tool}` is needed to run the DNS-SD test in a private network namespace (Debian: util-linux, iproute2)"
        );
    }
    let started = Instant::now();
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("unshare")
        .args(["--net", "--", "sh", "-ec"])
        .arg(r#"ip link set lo up; ip link set lo multicast on; exec "$@""#)
        .arg("sh")
        .arg(&exe)
        .args([INNER, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(IN_NAMESPACE, "1")
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "the test in the private network namespace failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    // The inner test's timings (shown with --nocapture).
    eprint!("{stderr}");
    eprintln!(
        "DNS-SD test in a private network namespace: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
#[ignore = "run by shares_are_advertised_and_withdrawn inside a private network namespace"]
async fn shares_are_advertised_and_withdrawn_in_the_namespace() {
    assert!(
        std::env::var_os(IN_NAMESPACE).is_some(),
        "runs only inside the namespace shares_are_advertised_and_withdrawn makes (it multicasts)"
    );
    let t0 = Instant::now();
    let browser = ServiceDaemon::new().unwrap();
    let ipp = browser.browse("_ipp._tcp.local.").unwrap();
    let universal = browser.browse("_universal._sub._ipps._tcp.local.").unwrap();

    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::new(BIN, dir.path()).tls().env("PLATEN_DNSSD", "true");
    let served = tokio::task::spawn_blocking(move || serve.start()).await.unwrap();
    let api = Http::new(&served.base);
    // A virtual printer registered through an app, which then describes it (as a pull-printing app does).
    let (tenant, admin, app) = (uuid(), uuid(), uuid());
    let token = mint(
        BIN,
        dir.path(),
        &[
            "token",
            "user",
            "--tenant",
            &tenant,
            "--user",
            &admin,
            "--app",
            &app,
            "--admin",
            "--scopes",
            ADMIN_SCOPES,
        ],
    );
    let app_token = mint(
        BIN,
        dir.path(),
        &[
            "token",
            "app",
            "--tenant",
            &tenant,
            "--app",
            &app,
            "--roles",
            "Printer.ReadWrite.All",
        ],
    );
    let printer = api
        .register_printer(&token, &printer_body("Lobby", "L1", false))
        .await;
    api.patch(
        &format!("/v1.0/print/printers/{printer}"),
        &app_token,
        &json!({"capabilities": {"contentTypes": ["application/pdf", "image/urf"], "colorModes": ["color"]}}),
    )
    .await
    .expect(200);
    let share = api.create_share(&token, &printer, "Lobby", true).await;
    let created = Instant::now();

    let found = resolved(&ipp, "Lobby._ipp._tcp.local.").await;
    eprintln!(
        "_ipp._tcp resolved {:?} after the share was created",
        created.elapsed()
    );
    assert_eq!(found.port, served.port);
    assert_eq!(found.txt["rp"], format!("ipp/shares/{share}"));
    assert_eq!(
        found.txt["UUID"],
        platen_domain::share_printer_uuid(&share).to_string()
    );
    assert_eq!(found.txt["pdl"], "application/pdf,image/urf");
    assert_eq!(found.txt["ty"], "Contoso L1");
    assert_eq!(found.txt["Color"], "T");
    assert_eq!(found.txt["air"], "username,password");
    assert!(!found.txt.contains_key("TLS"));
    let secure = resolved(&universal, "Lobby._ipps._tcp.local.").await;
    assert_eq!(secure.port, served.tls_port.unwrap());
    assert_eq!(secure.txt["TLS"], "1.2");
    assert_eq!(secure.txt["rp"], format!("ipp/shares/{share}"));

    // A change no one pokes the advertiser about (the printer's capabilities) shows at its next poll.
    api.patch(
        &format!("/v1.0/print/printers/{printer}"),
        &app_token,
        &json!({"capabilities": {"contentTypes": ["application/pdf"], "duplexModes": ["flipOnLongEdge"]}}),
    )
    .await
    .expect(200);
    let changed = Instant::now();
    let updated = resolved_with(&ipp, "Lobby._ipp._tcp.local.", |f| f.txt["Duplex"] == "T").await;
    eprintln!(
        "_ipp._tcp updated {:?} after the printer changed",
        changed.elapsed()
    );
    assert_eq!(updated.txt["URF"], "none");

    api.delete(&format!("/v1.0/print/shares/{share}"), &token)
        .await
        .expect(204);
    let deleted = Instant::now();
    removed(&ipp, "Lobby._ipp._tcp.local.").await;
    eprintln!(
        "_ipp._tcp removed {:?} after the share was deleted",
        deleted.elapsed()
    );
    removed(&universal, "Lobby._ipps._tcp.local.").await;

    // A server that stops says goodbye for what it advertised.
    let printer = api
        .register_printer(&token, &printer_body("Hall", "H1", false))
        .await;
    api.create_share(&token, &printer, "Hall", true).await;
    resolved(&ipp, "Hall._ipp._tcp.local.").await;
    let stopping = Instant::now();
    tokio::task::spawn_blocking(move || served.proc.term())
        .await
        .unwrap();
    removed(&ipp, "Hall._ipp._tcp.local.").await;
    eprintln!(
        "_ipp._tcp removed {:?} after the server was told to stop",
        stopping.elapsed()
    );
    eprintln!("whole DNS-SD check: {:?}", t0.elapsed());
    let _ = browser.shutdown();
}

struct Found {
    port: u16,
    txt: HashMap<String, String>,
}

/// Waits (up to 30 s) until the browser resolves the instance `fullname`.
async fn resolved(events: &mdns_sd::Receiver<ServiceEvent>, fullname: &str) -> Found {
    resolved_with(events, fullname, |_| true).await
}

/// Waits (up to 30 s) until the browser resolves the instance `fullname` as `wanted`.
async fn resolved_with(
    events: &mdns_sd::Receiver<ServiceEvent>,
    fullname: &str,
    wanted: impl Fn(&Found) -> bool + Send + 'static,
) -> Found {
    let (events, fullname) = (events.clone(), fullname.to_string());
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match events.recv_timeout(left) {
                Ok(ServiceEvent::ServiceResolved(s)) if s.get_fullname() == fullname => {
                    let found = Found {
                        port: s.get_port(),
                        txt: s.get_properties().clone().into_property_map_str(),
                    };
                    if wanted(&found) {
                        return found;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("{fullname} was not resolved as expected within 30 s");
    })
    .await
    .unwrap()
}

/// Waits (up to 30 s: a poll of the shares, then the goodbye packets) until `fullname` is removed.
async fn removed(events: &mdns_sd::Receiver<ServiceEvent>, fullname: &str) {
    let (events, fullname) = (events.clone(), fullname.to_string());
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match events.recv_timeout(left) {
                Ok(ServiceEvent::ServiceRemoved(_, name)) if name == fullname => return,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("{fullname} was not removed within 30 s");
    })
    .await
    .unwrap()
}
