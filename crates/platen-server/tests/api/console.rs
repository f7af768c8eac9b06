//! The web console as HTTP, below the browser tests (`tests/compat/test_console_browser.py`): its cookie over
//! TLS (`__Host-`, `Secure`), the headers of pages and assets, malformed input answered with 4xx pages, and the
//! console turned off.

use crate::common::BIN;
use platen_testkit::{Http, Serve, Served};
use reqwest::header;
use std::net::SocketAddr;
use std::time::Duration;

async fn start(serve: Serve) -> Served {
    tokio::task::spawn_blocking(move || serve.start()).await.unwrap()
}

fn client(ca_pem: Option<&str>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], 0)));
    if let Some(pem) = ca_pem {
        b = b.tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()]);
    }
    b.build().unwrap()
}

/// The development sign-in at `base`: the `Set-Cookie` of the session.
async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let r = http
        .post(format!("{base}/console/sign-in/dev"))
        .form(&[
            ("upn", "ada@contoso.test"),
            ("tenant_id", "t-console"),
            ("admin", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.contains("platen-console="))
        .expect("a session cookie")
}

#[tokio::test]
async fn over_tls_the_session_cookie_is_secure_and_host_only() {
    let dir = tempfile::tempdir().unwrap();
    let served = start(Serve::new(BIN, dir.path()).tls()).await;
    let ca = reqwest::get(format!("{}/platen/ca.pem", served.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let https = format!("https://127.0.0.1:{}", served.tls_port.unwrap());
    let tls = client(Some(&ca));
    let cookie = sign_in(&tls, &https).await;
    assert!(cookie.starts_with("__Host-platen-console="), "{cookie}");
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
    let value = cookie.split(';').next().unwrap();
    let page = tls
        .get(format!("{https}/console/"))
        .header(header::COOKIE, value)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    // Over plain http a session cookie has no Secure (it could not be sent back), and the https one is not read.
    let plain = client(None);
    let cookie = sign_in(&plain, &served.base).await;
    assert!(
        cookie.starts_with("platen-console=") && !cookie.contains("Secure"),
        "{cookie}"
    );
    let r = plain
        .get(format!("{}/console/", served.base))
        .header(header::COOKIE, value)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        303,
        "the TLS session's cookie opens nothing over plain http"
    );
}

#[tokio::test]
async fn pages_and_assets_carry_their_headers_and_bad_input_gets_a_4xx_page() {
    let dir = tempfile::tempdir().unwrap();
    let served = start(Serve::new(BIN, dir.path())).await;
    let http = client(None);
    let base = &served.base;
    let page = http.get(format!("{base}/console/sign-in")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let h = page.headers().clone();
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert!(
        h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let html = page.text().await.unwrap();
    let css = html
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(
        css.starts_with("/console/assets/console-") && css.ends_with(".css"),
        "{css}"
    );
    let asset = http.get(format!("{base}{css}")).send().await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        http.get(format!("{base}/console/assets/console-0.css"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let cookie = sign_in(&http, base).await;
    let cookie = cookie.split(';').next().unwrap().to_string();
    let post = |path: &str, body: &'static str| {
        http.post(format!("{base}{path}"))
            .header(header::COOKIE, cookie.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    for (path, body, status) in [
        ("/console/jobs/1/cancel", "", 400),            // no CSRF field
        ("/console/jobs/1/cancel", "csrf=wrong", 403),  // a CSRF token of no session
        ("/console/jobs/1/cancel", "csrf=%ZZ%FF", 403), // read leniently, and no session's token
        ("/console/passwords", "csrf", 403),
        (
            "/console/admin/printers/x/accepting",
            "csrf=wrong&accepting=maybe",
            403,
        ),
        ("/console/sign-in/dev", "upn=&tenant_id=", 400),
        ("/console/print/jobs", "csrf=wrong&share=s&size=abc", 400),
    ] {
        let r = post(path, body).await.unwrap();
        assert_eq!(r.status(), status, "POST {path} {body}");
    }
    for path in [
        "/console/admin/jobs?state=nonsense",
        "/console/admin/jobs?after=garbage",
        "/console/admin/jobs?from=2026-02-30",
        "/console/admin/usage?from=2026-12-01&to=2026-01-01",
    ] {
        let r = http
            .get(format!("{base}{path}"))
            .header(header::COOKIE, cookie.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "GET {path}");
        assert!(
            r.text().await.unwrap().contains("class=\"error\""),
            "GET {path}: a page that says what failed"
        );
    }
    let r = http
        .get(format!("{base}/console/no/such/page"))
        .header(header::COOKIE, cookie.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn the_console_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let served = start(Serve::new(BIN, dir.path()).env("PLATEN_CONSOLE__ENABLED", "false")).await;
    let http = client(None);
    for path in ["/console/", "/console/sign-in"] {
        assert_eq!(
            http.get(format!("{}{path}", served.base))
                .send()
                .await
                .unwrap()
                .status(),
            404,
            "{path}"
        );
    }
    Http::new(&served.base).assert_healthy().await;
}
