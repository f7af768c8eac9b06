//! A small harness of its own (the `api` suite's removes data directories when its server stops, and these
//! tests restart servers on the same directory): `platen serve` processes that can be killed with SIGKILL and
//! started again on their data directory, tokens from `platen token`, a reqwest client, and fixtures built
//! from public HTTP calls only.

use platen_testkit::{Proc, Serve};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A data directory (and, with PLATEN_TEST_BACKEND=postgres, a database) that outlives the servers
/// started on it.
pub struct DataDir {
    dir: tempfile::TempDir,
    database: Option<platen_testkit::TestDatabase>,
}

impl DataDir {
    pub fn new() -> DataDir {
        DataDir {
            dir: tempfile::Builder::new()
                .prefix("platen-webhooks-")
                .tempdir()
                .unwrap(),
            database: platen_testkit::TestDatabase::if_selected(),
        }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// One `platen serve` process. Dropping it kills it.
pub struct Server {
    pub base: String,
    pub data: PathBuf,
    proc: Option<Proc>,
}

impl Server {
    pub fn start(dir: &DataDir, env: &[(&str, &str)]) -> Server {
        let mut serve = Serve::new(BIN, dir.path()).env("PLATEN_LOG", "info,sqlx=warn");
        if let Some(db) = &dir.database {
            serve = serve.env("PLATEN_DATABASE_URL", &db.url);
        }
        for (k, v) in env {
            serve = serve.env(k, v);
        }
        let served = serve.start();
        Server {
            base: served.base,
            data: dir.path().to_path_buf(),
            proc: Some(served.proc),
        }
    }

    /// SIGKILL: no graceful shutdown, nothing flushed beyond what was committed.
    pub fn kill(&mut self) {
        if let Some(p) = self.proc.take() {
            p.kill9();
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.join("server.log")).unwrap_or_default()
    }

    fn mint(&self, args: &[&str]) -> String {
        let out = Command::new(BIN)
            .args(args)
            .arg("--data-dir")
            .arg(&self.data)
            .env_remove("PLATEN_DATA_DIR")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "platen {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// An application token.
    pub fn app_token(&self, tenant: &str, app: &str, roles: &str) -> String {
        self.mint(&["token", "app", "--tenant", tenant, "--app", app, "--roles", roles])
    }

    /// A delegated token; `app` is the client the user signed in to.
    pub fn user_token(
        &self,
        tenant: &str,
        user: &str,
        scopes: &str,
        admin: bool,
        app: Option<&str>,
    ) -> String {
        let upn = format!("{}@contoso.test", &user[..8]);
        let mut args = vec![
            "token", "user", "--tenant", tenant, "--user", user, "--upn", &upn, "--scopes", scopes,
        ];
        if admin {
            args.push("--admin");
        }
        if let Some(a) = app {
            args.extend(["--app", a]);
        }
        self.mint(&args)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A buffered response.
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.text)
    }
}

impl Resp {
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "{self:?}");
        &self.body
    }

    /// A Graph error of this status; returns its message.
    #[track_caller]
    pub fn error(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{self:?}");
        let msg = self.body["error"]["message"].as_str().unwrap_or_default();
        assert!(!msg.is_empty(), "not a Graph error: {self:?}");
        msg.to_string()
    }
}

pub struct Client {
    pub base: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(server: &Server) -> Client {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        Client {
            base: server.base.clone(),
            http,
        }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, token: &str, body: Option<&Value>) -> Resp {
        let mut rb = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, body, text }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(reqwest::Method::GET, path, token, None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(reqwest::Method::POST, path, token, Some(body)).await
    }
    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(reqwest::Method::PATCH, path, token, Some(body)).await
    }
    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call(reqwest::Method::DELETE, path, token, None).await
    }

    /// Uploads `data` whole to an upload URL (no Authorization header).
    pub async fn put_all(&self, url: &str, data: &[u8]) -> u16 {
        let range = format!("bytes 0-{}/{}", data.len() - 1, data.len());
        let r = self
            .http
            .put(url)
            .header("content-range", range)
            .body(data.to_vec())
            .send()
            .await
            .unwrap();
        r.status().as_u16()
    }
}

/// `now + seconds` as a Graph DateTimeOffset (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn in_seconds(seconds: i64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let t = now + seconds;
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

pub const ADMIN_SCOPES: &str = "Printer.Create Printer.Read.All Printer.ReadWrite.All Printer.FullControl.All \
    PrinterShare.ReadWrite.All PrintJob.ReadWrite.All";
pub const USER_SCOPES: &str = "PrintJob.ReadWrite PrinterShare.ReadBasic.All";

/// A tenant with an administrator, a printer shared with everyone, and a user.
pub struct Tenant {
    pub id: String,
    pub admin: String,
    pub user: String,
    pub printer: String,
    pub share: String,
}

impl Tenant {
    pub async fn new(srv: &Server, c: &Client) -> Tenant {
        let id = uuid();
        let admin = srv.user_token(&id, &uuid(), ADMIN_SCOPES, true, None);
        let user = srv.user_token(&id, &uuid(), USER_SCOPES, false, None);
        let printer = printer(c, &admin).await;
        let body = json!({
            "displayName": "Webhooks",
            "allowAllUsers": true,
            "printer@odata.bind": format!("https://graph.microsoft.com/v1.0/print/printers/{printer}"),
        });
        let share = c.post("/v1.0/print/shares", &admin, &body).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        Tenant {
            id,
            admin,
            user,
            printer,
            share,
        }
    }

    /// A job of the user on the share, uploaded but not started; returns its id.
    pub async fn uploaded_job(&self, c: &Client) -> String {
        let jobs = format!("/v1.0/print/shares/{}/jobs", self.share);
        let v = c
            .post(&jobs, &self.user, &json!({"configuration": {"copies": 1}}))
            .await
            .expect(201)
            .clone();
        let job = v["id"].as_str().unwrap().to_string();
        let doc = v["documents"][0]["id"].as_str().unwrap();
        let data = b"%PDF-1.4 webhook test".to_vec();
        let body = json!({"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": data.len()}});
        let s = c
            .post(
                &format!("{jobs}/{job}/documents/{doc}/createUploadSession"),
                &self.user,
                &body,
            )
            .await;
        let url = s.expect(200)["uploadUrl"].as_str().unwrap().to_string();
        assert_eq!(c.put_all(&url, &data).await, 201);
        job
    }

    pub async fn start(&self, c: &Client, job: &str) {
        let path = format!("/v1.0/print/shares/{}/jobs/{job}/start", self.share);
        c.call(reqwest::Method::POST, &path, &self.user, None)
            .await
            .expect(200);
    }
}

/// Registers a printer and returns its id.
pub async fn printer(c: &Client, admin: &str) -> String {
    let (csr, _key) = platen_pki::generate_csr_pem("webhooks");
    let body = json!({
        "displayName": "Webhooks",
        "manufacturer": "Contoso",
        "model": "LaserJet",
        "physicalDeviceId": uuid(),
        "hasPhysicalDevice": true,
        "certificateSigningRequest": {"content": csr, "transportKey": "dGVzdA=="},
    });
    let r = c
        .http
        .post(format!("{}/v1.0/print/printers/create", c.base))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let op = r.headers()["operation-location"].to_str().unwrap().to_string();
    let v: Value = c
        .http
        .get(op)
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"]["state"], "succeeded", "{v}");
    v["printer"]["id"].as_str().unwrap().to_string()
}

/// Polls `f` every 50 ms until it returns true or `limit` passes; returns whether it did.
pub async fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn dates_format_as_graph_offsets() {
    let s = in_seconds(0);
    assert_eq!(s.len(), 20, "{s}");
    assert!(s.ends_with('Z') && s.as_bytes()[10] == b'T', "{s}");
}
