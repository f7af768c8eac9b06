//! `/platen/print-passwords`: a user's passwords for IPP clients, managed with the same bearer tokens as Graph.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

const PATH: &str = "/platen/print-passwords";

fn one(path_id: &str) -> String {
    format!("{PATH}/{path_id}")
}

/// `POST` with a label (201); returns the body.
async fn create(t: &Tenant, token: &str, label: &str) -> Value {
    let r = t.api.post(PATH, token, &json!({ "label": label })).await;
    let v = r.expect_json(201);
    let id = v["id"].as_str().expect("id");
    assert_eq!(
        r.header("location"),
        Some(format!("{}{}", t.srv().base, one(id)).as_str())
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    v
}

async fn list(t: &Tenant, token: &str) -> Vec<Value> {
    let v = t.api.get(PATH, token).await.expect_json(200);
    v["value"].as_array().expect("value").clone()
}

#[tokio::test]
async fn print_password_create_list_revoke() {
    let t = Tenant::new();
    let ada = t.user("ada");
    let created = create(&t, &ada.token, "office Mac").await;
    let password = created["password"].as_str().expect("password").to_string();
    let id = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["label"], "office Mac");
    assert_eq!(created["userPrincipalName"], ada.upn.as_str());
    assert!(created["createdAt"].as_str().is_some_and(|d| d.ends_with('Z')));
    assert_eq!(created["lastUsedAt"], Value::Null);
    // `{id}-{secret}`, userinfo-safe, ≥ 128 bits of secret.
    assert!(password.starts_with(&format!("{id}-")));
    let secret = &password[id.len() + 1..];
    assert!(secret.len() >= 26, "{password}");
    assert!(
        password
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    );

    let second = create(&t, &ada.token, "").await;
    let listed = list(&t, &ada.token).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["label"], "office Mac");
    assert_eq!(listed[1]["id"], second["id"]);
    // Secrets never leave again: no password, no hash.
    let text = serde_json::to_string(&listed).unwrap();
    assert!(!text.contains(&password) && !text.contains("argon2"), "{text}");
    for item in &listed {
        let keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 5, "{item}");
        assert!(item.get("password").is_none());
    }

    t.api.delete(&one(&id), &ada.token).await.expect(204);
    let listed = list(&t, &ada.token).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], second["id"]);
    t.api.delete(&one(&id), &ada.token).await.expect_not_found();
    t.api
        .delete(&one("no-such-id"), &ada.token)
        .await
        .expect_not_found();
}

#[tokio::test]
async fn print_password_of_another_user_is_neither_listed_nor_revocable() {
    let t = Tenant::new();
    let ada = t.user("ada");
    let bob = t.user("bob");
    let id = create(&t, &ada.token, "ada's").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(list(&t, &bob.token).await.is_empty());
    t.api.delete(&one(&id), &bob.token).await.expect_not_found();
    // Another tenant's user with the same rights sees nothing either.
    let other = Tenant::new();
    let eve = other.user("eve");
    other.api.delete(&one(&id), &eve.token).await.expect_not_found();
    assert_eq!(list(&t, &ada.token).await.len(), 1);
    // A Printer Administrator of the tenant may revoke anyone's.
    let admin = t.token(&uuid(), "PrintJob.ReadWrite.All Printer.Read.All", true);
    t.api.delete(&one(&id), &admin).await.expect(204);
    assert!(list(&t, &ada.token).await.is_empty());
}

#[tokio::test]
async fn print_password_needs_a_user_token() {
    let t = Tenant::new();
    let ada = t.user("ada");
    let id = create(&t, &ada.token, "").await["id"]
        .as_str()
        .unwrap()
        .to_string();

    let app = t.app("app", "PrintJob.ReadWrite.All Printer.Read.All");
    t.api.get(PATH, &app).await.expect_denied();
    t.api
        .post(PATH, &app, &json!({"label": "x"}))
        .await
        .expect_denied();
    t.api.delete(&one(&id), &app).await.expect_denied();

    for method in [Method::GET, Method::POST] {
        let r = t.api.exec(t.api.req(method, PATH)).await;
        r.expect_code(401, "InvalidAuthenticationToken");
        assert!(
            r.header("www-authenticate")
                .is_some_and(|w| w.starts_with("Bearer"))
        );
    }
    t.api
        .exec(t.api.req(Method::DELETE, &one(&id)))
        .await
        .expect_error(401);
    t.api.get(PATH, "not-a-token").await.expect_error(401);
    assert_eq!(list(&t, &ada.token).await.len(), 1);
}

#[tokio::test]
async fn print_password_needs_a_upn_and_a_printing_token() {
    let t = Tenant::new();
    let no_upn = t.token(&uuid(), USER_SCOPES, false);
    let message = t.api.post(PATH, &no_upn, &json!({})).await.error_message(400);
    assert!(message.contains("user principal name"), "{message}");
    // Listing needs no UPN.
    assert!(list(&t, &no_upn).await.is_empty());
    let read_only = t.user_with("reader", "PrinterShare.ReadBasic.All", "");
    t.api
        .post(PATH, &read_only.token, &json!({}))
        .await
        .expect_denied();
}

#[tokio::test]
async fn print_password_malformed_requests_are_4xx() {
    let t = Tenant::new();
    let ada = t.user("ada");
    for body in [
        "not json",
        "[1]",
        r#"{"label": 7}"#,
        r#"{"label": "x", "extra": 1}"#,
        r#"{"label": "a\u0000b"}"#,
    ] {
        t.api
            .send_raw(Method::POST, PATH, &ada.token, body)
            .await
            .expect_bad_request();
    }
    let long = "x".repeat(101);
    t.api
        .post(PATH, &ada.token, &json!({ "label": long }))
        .await
        .expect_bad_request();
    // No body at all: a password without a label.
    let v = t.api.post_empty(PATH, &ada.token).await.expect_json(201);
    assert_eq!(v["label"], "");

    let r = t.api.call(Method::PUT, PATH, &ada.token, Some(&json!({}))).await;
    r.expect_code(405, "notSupported");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = t.api.get(&one("abc"), &ada.token).await;
    r.expect_code(405, "notSupported");
    assert_eq!(r.header("allow"), Some("DELETE"));
}

/// `platen print-password create|list|revoke` on a data directory of its own (and with the backend switch, a
/// PostgreSQL database of its own).
#[test]
fn print_password_cli_create_list_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let db = platen_testkit::TestDatabase::if_selected();
    let mut common = vec!["--data-dir".to_string(), dir.path().display().to_string()];
    if let Some(db) = &db {
        common.extend(["--database-url".to_string(), db.url.clone()]);
    }
    let args = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = ["print-password"]
            .iter()
            .chain(args)
            .map(|s| s.to_string())
            .collect();
        all.extend(common.iter().cloned());
        all
    };
    let run = |a: &[&str]| platen_testkit::graph::run_platen(BIN, &args(a));

    let out = run(&[
        "create",
        "--tenant",
        "t1",
        "--user",
        "OID-1",
        "--upn",
        "ada@contoso.test",
        "--name",
        "Ada",
        "--group",
        "g1",
        "--group",
        "g2",
        "--label",
        "front desk",
    ]);
    let password = out.lines().last().unwrap().to_string();
    let (id, secret) = password.split_once('-').expect("id-secret");
    assert!(
        secret.len() >= 26 && password.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
        "{out}"
    );
    assert_eq!(out.matches(&password).count(), 1, "{out}");

    let listed = run(&["list", "--tenant", "t1", "--user", "oid-1"]);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    for part in [id, "ada@contoso.test", "front desk", "never"] {
        assert!(listed.contains(part), "{part}: {listed}");
    }
    assert!(!listed.contains(secret), "{listed}");
    assert_eq!(run(&["list", "--tenant", "t2", "--user", "oid-1"]), "");

    assert!(run(&["revoke", "--tenant", "t1", "--id", id]).contains(id));
    assert_eq!(run(&["list", "--tenant", "t1", "--user", "oid-1"]), "");
    let again = std::process::Command::new(BIN)
        .args(args(&["revoke", "--tenant", "t1", "--id", id]))
        .env_remove("PLATEN_DATA_DIR")
        .output()
        .unwrap();
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("not found"), "{stderr}");
}
