//! The console's pure pieces: where a form may send the browser back to, the OpenID sign-in cookie, PKCE, CSV
//! fields, IPP addresses, cookies and CSRF tokens. The pages themselves are tested in Chromium
//! (`tests/compat/test_console_browser.py`, `test_console_oidc.py`).

use crate::admin::usage::csv_field;
use crate::jobs::return_path;
use crate::oidc::Pending;
use crate::passwords::share_ipp_uri;
use crate::session::{cookie, csrf_token};
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use sha2::{Digest, Sha256};

#[test]
fn the_sign_in_cookie_round_trips_and_rejects_garbage() {
    let p = Pending::new("entra", "/console/jobs?state=pending");
    let back = Pending::from_cookie(&p.to_cookie()).unwrap();
    assert_eq!(back.provider, "entra");
    assert_eq!(back.return_to, "/console/jobs?state=pending");
    assert_eq!(
        (back.state, back.nonce, back.verifier),
        (p.state.clone(), p.nonce.clone(), p.verifier.clone())
    );
    assert!(Pending::from_cookie("").is_none());
    assert!(Pending::from_cookie("a.b").is_none());
    assert!(Pending::from_cookie("!!!.b.c.d.e").is_none());
    // RFC 7636: a verifier of 43+ unreserved characters, and the S256 challenge is its hash, base64url.
    assert!(
        p.verifier.len() >= 43
            && p.verifier
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
    );
    let expected =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(p.verifier.as_bytes()));
    assert_eq!(p.challenge(), expected);
    assert_ne!(Pending::new("x", "/").state, p.state);
}

#[test]
fn csv_fields_are_quoted_and_formulas_defused() {
    assert_eq!(csv_field("plain"), "plain");
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    assert_eq!(csv_field("+1"), "'+1");
}

#[test]
fn share_addresses_follow_the_public_url() {
    assert_eq!(share_ipp_uri("http://h:8080", "s1"), "ipp://h:8080/ipp/shares/s1");
    assert_eq!(
        share_ipp_uri("https://print.example.com/", "s1"),
        "ipps://print.example.com/ipp/shares/s1"
    );
}

#[test]
fn cookies_are_found_by_exact_name_and_csrf_tokens_differ_per_session() {
    let mut h = HeaderMap::new();
    h.append(
        header::COOKIE,
        HeaderValue::from_static("a=1; platen-console-login=x"),
    );
    h.append(header::COOKIE, HeaderValue::from_static("platen-console=secret"));
    assert_eq!(cookie(&h, "platen-console"), Some("secret"));
    assert_eq!(cookie(&h, "platen-console-login"), Some("x"));
    assert_eq!(cookie(&h, "platen"), None);
    assert_ne!(csrf_token("one"), csrf_token("two"));
    assert_eq!(csrf_token("one"), csrf_token("one"));
    assert!(!csrf_token("one").contains("one"));
}

#[test]
fn forms_send_the_browser_back_only_to_console_pages() {
    assert_eq!(
        return_path("/console", "/console/jobs?state=x", "/"),
        "/console/jobs?state=x"
    );
    for outside in [
        "https://evil.test/",
        "//evil.test/console/",
        "/v1.0/print",
        "/console",
        "/console/\\evil",
        "/console/\n",
    ] {
        assert_eq!(return_path("/console", outside, "/"), "/console/", "{outside}");
    }
}
