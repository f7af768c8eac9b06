//! HTTP for the multi-node tests: buffered responses, Graph calls on one node, tenants with tokens minted
//! from the shared development issuer, and fixtures (printer, share, job, upload) built from public calls.

use crate::harness::{mint, uuid};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// A buffered response.
#[derive(Debug)]
pub struct Resp {
    pub what: String,
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{} → {}: not JSON ({e}): {}", self.what, self.status, self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "{} → {}: {}",
            self.what,
            self.status,
            self.text()
        );
        self
    }
    #[track_caller]
    pub fn expect_json(&self, status: u16) -> Value {
        self.expect(status).json()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("reqwest client")
}

pub async fn call(
    http: &reqwest::Client,
    url: &str,
    method: Method,
    token: Option<&str>,
    body: Option<&Value>,
) -> Resp {
    let mut rb = http.request(method.clone(), url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(b);
    }
    send(rb, format!("{method} {url}")).await
}

pub async fn send(rb: reqwest::RequestBuilder, what: String) -> Resp {
    let r = rb
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: transport error: {e:?}"));
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{what}: body: {e:?}"))
        .to_vec();
    Resp {
        what,
        status,
        headers,
        body,
    }
}

/// Deterministic test bytes.
pub fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| ((i * 31 + seed as usize * 7 + i / 251) % 251) as u8)
        .collect()
}

pub const ADMIN_SCOPES: &str = "Printer.Create Printer.Read.All Printer.ReadWrite.All Printer.FullControl.All \
    PrinterShare.ReadWrite.All PrintJob.ReadWrite.All PrintConnector.ReadWrite.All PrintSettings.ReadWrite.All";
pub const USER_SCOPES: &str = "PrintJob.ReadWrite PrinterShare.ReadBasic.All";
pub const APP_ROLES: &str =
    "PrintTaskDefinition.ReadWrite.All PrintJob.Manage.All PrintJob.ReadWrite.All Printer.Read.All";

/// One tenant's actors, minted from a data directory's development issuer.
pub struct Tenant {
    pub id: String,
    pub admin: String,
    pub app: String,
    /// An administrator signed in to `app_id` (creates triggers for that app's definitions).
    pub app_admin: String,
    pub user: String,
    pub user_oid: String,
}

impl Tenant {
    pub fn new(data_dir: &Path) -> Tenant {
        let id = uuid();
        let (admin_oid, user_oid, app_id) = (uuid(), uuid(), uuid());
        let admin = mint(
            data_dir,
            &[
                "token",
                "user",
                "--tenant",
                &id,
                "--user",
                &admin_oid,
                "--upn",
                "admin@contoso.test",
                "--name",
                "Ada Admin",
                "--scopes",
                ADMIN_SCOPES,
                "--admin",
            ],
        );
        let app_admin = mint(
            data_dir,
            &[
                "token",
                "user",
                "--tenant",
                &id,
                "--user",
                &admin_oid,
                "--upn",
                "admin@contoso.test",
                "--name",
                "Ada Admin",
                "--app",
                &app_id,
                "--scopes",
                ADMIN_SCOPES,
                "--admin",
            ],
        );
        let app = mint(
            data_dir,
            &[
                "token", "app", "--tenant", &id, "--app", &app_id, "--roles", APP_ROLES,
            ],
        );
        let user = mint(
            data_dir,
            &[
                "token",
                "user",
                "--tenant",
                &id,
                "--user",
                &user_oid,
                "--upn",
                "user@contoso.test",
                "--name",
                "Una User",
                "--scopes",
                USER_SCOPES,
            ],
        );
        Tenant {
            id,
            admin,
            app,
            app_admin,
            user,
            user_oid,
        }
    }
}

/// The body of `POST /print/printers/create` (a fresh CSR); `physical: false` makes a virtual printer.
pub fn printer_body(name: &str, physical: bool) -> Value {
    let (csr_pem, _key) = platen_pki::generate_csr_pem(name);
    json!({
        "displayName": name,
        "manufacturer": "Contoso",
        "model": "LaserJet 9000",
        "hasPhysicalDevice": physical,
        "physicalDeviceId": if physical { Value::String(uuid()) } else { Value::Null },
        "certificateSigningRequest": {"content": csr_pem, "transportKey": "dGVzdC10cmFuc3BvcnQta2V5"},
    })
}

/// Graph calls on one base URL (a node).
pub struct Graph<'a> {
    pub http: &'a reqwest::Client,
    pub base: String,
}

impl Graph<'_> {
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<&Value>) -> Resp {
        call(
            self.http,
            &format!("{}{path}", self.base),
            method,
            Some(token),
            body,
        )
        .await
    }
    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, token, None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::POST, path, token, Some(body)).await
    }
    pub async fn post_empty(&self, path: &str, token: &str) -> Resp {
        self.call(Method::POST, path, token, None).await
    }

    /// Registers a printer (following its operation) and returns its id.
    pub async fn printer(&self, admin: &str, name: &str, physical: bool) -> String {
        let r = self
            .post(
                "/v1.0/print/printers/create",
                admin,
                &printer_body(name, physical),
            )
            .await;
        r.expect(202);
        let op = r
            .header("operation-location")
            .expect("Operation-Location")
            .to_string();
        let path = op.find("/v1.0/").map(|i| op[i..].to_string()).unwrap_or(op);
        for _ in 0..600 {
            let v = self.get(&path, admin).await.expect_json(200);
            match v["status"]["state"].as_str() {
                Some("succeeded") => return v["printer"]["id"].as_str().expect("printer id").to_string(),
                Some("notStarted" | "running") => tokio::time::sleep(Duration::from_millis(50)).await,
                _ => panic!("printer registration failed: {v}"),
            }
        }
        panic!("printer registration did not finish")
    }

    pub async fn share(&self, admin: &str, printer: &str, name: &str) -> String {
        let body = json!({
            "displayName": name,
            "allowAllUsers": true,
            "printer@odata.bind": format!("https://graph.microsoft.com/v1.0/print/printers/{printer}"),
        });
        self.post("/v1.0/print/shares", admin, &body)
            .await
            .expect_json(201)["id"]
            .as_str()
            .expect("share id")
            .to_string()
    }

    /// Creates a job on a share: `(job id, document id)`.
    pub async fn job(&self, share: &str, user: &str) -> (String, String) {
        let v = self
            .post(
                &format!("/v1.0/print/shares/{share}/jobs"),
                user,
                &json!({"configuration": {"copies": 1, "colorMode": "color"}}),
            )
            .await
            .expect_json(201);
        (
            v["id"].as_str().expect("job id").to_string(),
            v["documents"][0]["id"].as_str().expect("doc id").to_string(),
        )
    }

    /// `createUploadSession` → the upload URL's path and query (send it to any node).
    pub async fn upload_session(&self, share: &str, job: &str, doc: &str, user: &str, size: usize) -> String {
        let body = json!({"properties": {"documentName": "report.pdf", "contentType": "application/pdf", "size": size}});
        let v = self
            .post(
                &format!("/v1.0/print/shares/{share}/jobs/{job}/documents/{doc}/createUploadSession"),
                user,
                &body,
            )
            .await
            .expect_json(200);
        let url = v["uploadUrl"].as_str().expect("uploadUrl");
        let at = url.find("://").map(|i| i + 3).unwrap_or(0);
        url[at..]
            .find('/')
            .map(|i| url[at + i..].to_string())
            .expect("a path in the upload URL")
    }
}

/// PUTs one range of an upload to `base`.
pub async fn put_range(
    http: &reqwest::Client,
    base: &str,
    upload: &str,
    data: &[u8],
    first: usize,
    last: usize,
) -> Resp {
    let url = format!("{base}{upload}");
    let rb = http
        .put(&url)
        .header("Content-Range", format!("bytes {first}-{last}/{}", data.len()))
        .body(data[first..=last].to_vec());
    send(rb, format!("PUT {url} [{first}-{last}]")).await
}

/// A job created, uploaded (one PUT) and started by the user on node `g`; returns `(job id, start answer)`.
pub async fn started_job(g: &Graph<'_>, share: &str, user: &str, data: &[u8]) -> (String, Value) {
    let (job, doc) = g.job(share, user).await;
    let upload = g.upload_session(share, &job, &doc, user, data.len()).await;
    put_range(g.http, &g.base, &upload, data, 0, data.len() - 1)
        .await
        .expect(201);
    let st = g
        .post_empty(&format!("/v1.0/print/shares/{share}/jobs/{job}/start"), user)
        .await
        .expect_json(200);
    (job, st)
}
