//! Harness of the pull-printing suite: one real `platen serve` process shared by the tests of this binary (each
//! test works in its own tenant), tokens minted with `platen token`, a buffered HTTP client, the pull-printing
//! fixture (an app's task definition, a virtual printer with a trigger, a share, a second printer), a webhook
//! receiver, and the sequential model the concurrency tests check answers against ([`model`]).
//!
//! The server runs under platen-testkit's watchdog, which kills it (and then removes its data directory) when
//! the test process exits for any reason, so no server outlives the run even though the shared one lives in a
//! `static`.

#![allow(dead_code)]

pub mod model;
pub mod receiver;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

use platen_testkit::{Proc, Serve};

pub struct Server {
    /// `http://127.0.0.1:PORT`, also the server's public URL.
    pub base: String,
    pub data_dir: PathBuf,
    /// Under platen-testkit's watchdog: the server stops when this is dropped or the test process exits,
    /// and the watchdog then removes the data directory (and the database, with the backend switch).
    _proc: Proc,
    tokens: Mutex<HashMap<Vec<String>, String>>,
}

impl Server {
    pub fn start() -> Server {
        // The backend switch (PLATEN_TEST_BACKEND=postgres) gives the server its own database; the watchdog
        // drops it with the data directory when the server goes.
        let (serve, data_dir) = Serve::disposable(BIN, "platen-pull-");
        let served = serve.start();
        Server {
            base: served.base,
            data_dir,
            _proc: served.proc,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `platen token …` against this server's data directory; cached per argument list.
    pub fn mint(&self, args: &[&str]) -> String {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        args.push("--data-dir".into());
        args.push(self.data_dir.display().to_string());
        if let Some(t) = self.tokens.lock().expect("lock").get(&args) {
            return t.clone();
        }
        let out = Command::new(BIN)
            .args(&args)
            .env_remove("PLATEN_DATA_DIR")
            .output()
            .expect("run platen token");
        assert!(
            out.status.success(),
            "platen {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8(out.stdout)
            .expect("utf-8 token")
            .trim()
            .to_string();
        assert_eq!(token.split('.').count(), 3, "not a JWT: {token}");
        self.tokens.lock().expect("lock").insert(args, token.clone());
        token
    }

    /// The tail of the server log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

// ---------------------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------------------

/// A buffered response.
pub struct Resp {
    pub method: Method,
    pub url: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} → {} {}",
            self.method,
            self.url,
            self.status,
            self.text()
        )
    }
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{self:?}: body is not JSON ({e})"))
    }

    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status: {self:?}");
        self
    }

    /// Asserts the status and a JSON body; returns the body.
    #[track_caller]
    pub fn expect_json(&self, status: u16) -> Value {
        self.expect(status);
        let ct = self.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("application/json"),
            "Content-Type '{ct}' is not JSON: {self:?}"
        );
        self.json()
    }

    /// Asserts a Graph error (`{"error":{"code","message",…}}`) of this status and code; returns `error`.
    #[track_caller]
    pub fn expect_code(&self, status: u16, code: &str) -> Value {
        let v = self.expect_json(status);
        let e = v["error"].clone();
        assert_eq!(e["code"], code, "error code: {self:?}");
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error.message: {self:?}"
        );
        e
    }

    /// `403 accessDenied`.
    #[track_caller]
    pub fn expect_denied(&self) -> Value {
        self.expect_code(403, "accessDenied")
    }

    /// `404 itemNotFound`.
    #[track_caller]
    pub fn expect_not_found(&self) -> Value {
        self.expect_code(404, "itemNotFound")
    }

    /// `409` with a Graph error (the job's or task's state forbids the request).
    #[track_caller]
    pub fn expect_conflict(&self) -> Value {
        let v = self.expect_json(409);
        assert!(
            v["error"]["code"].as_str().is_some_and(|c| !c.is_empty()),
            "error.code: {self:?}"
        );
        v["error"].clone()
    }

    /// `400` with a Graph error.
    #[track_caller]
    pub fn expect_bad_request(&self) -> Value {
        let v = self.expect_json(400);
        assert!(
            v["error"]["code"].as_str().is_some_and(|c| !c.is_empty()),
            "error.code: {self:?}"
        );
        v["error"].clone()
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("reqwest client")
}

/// A client bound to one server. Create one per test (reqwest clients belong to the runtime they are used on).
#[derive(Clone)]
pub struct Api {
    pub srv: Arc<Server>,
    pub http: reqwest::Client,
}

static SHARED: OnceLock<Arc<Server>> = OnceLock::new();

impl Api {
    /// A client for the server shared by this test binary (started on first use).
    pub fn shared() -> Api {
        let srv = SHARED.get_or_init(|| Arc::new(Server::start())).clone();
        Api { srv, http: client() }
    }

    /// Another client (its own connection pool) for the same server.
    pub fn fresh(&self) -> Api {
        Api {
            srv: self.srv.clone(),
            http: client(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{}", self.srv.base, path)
        }
    }

    pub fn authed(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(token)
    }

    pub async fn exec(&self, rb: reqwest::RequestBuilder) -> Resp {
        let req = rb.build().expect("request");
        let method = req.method().clone();
        let url = req.url().to_string();
        let r = self
            .http
            .execute(req)
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: transport error: {e:?}"));
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: reading body: {e:?}"))
            .to_vec();
        Resp {
            method,
            url,
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.exec(self.authed(Method::GET, path, token)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.exec(self.authed(Method::DELETE, path, token)).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.exec(self.authed(Method::POST, path, token).json(body)).await
    }

    /// A POST without a body and without a Content-Type.
    pub async fn post_empty(&self, path: &str, token: &str) -> Resp {
        self.exec(self.authed(Method::POST, path, token)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.exec(self.authed(Method::PATCH, path, token).json(body))
            .await
    }

    /// PUTs `data` whole to an upload URL (no Authorization header: the URL carries its own credential).
    pub async fn put_all(&self, upload_url: &str, data: &[u8]) -> Resp {
        let range = format!("bytes 0-{}/{}", data.len() - 1, data.len());
        self.exec(
            self.http
                .put(upload_url)
                .header("content-range", range)
                .body(data.to_vec()),
        )
        .await
    }
}

// ---------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Every delegated permission a printer administrator's tool holds.
pub const ADMIN_SCOPES: &str = "Printer.Create Printer.Read.All Printer.ReadWrite.All Printer.FullControl.All \
    PrinterShare.ReadWrite.All PrintJob.ReadWrite.All";

/// What a normal user's print client holds.
pub const USER_SCOPES: &str = "PrintJob.ReadWrite PrinterShare.ReadBasic.All";

/// Everything a pull-printing app holds.
pub const APP_ROLES: &str =
    "PrintTaskDefinition.ReadWrite.All PrintJob.Manage.All PrintJob.ReadWrite.All Printer.Read.All";

/// Deterministic test bytes, different for each `seed`.
pub fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| ((i * 31 + seed as usize * 7) % 251) as u8)
        .collect()
}

/// `now + minutes` as a Graph `DateTimeOffset` (`2026-01-02T03:04:05Z`).
pub fn iso_in(minutes: u64) -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        + minutes * 60;
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A user of the tenant with a delegated token.
#[derive(Clone, Debug)]
pub struct User {
    pub oid: String,
    pub upn: String,
    pub token: String,
}

/// One tenant wired for pull printing: app A's task definition, a virtual printer with A's `jobStarted`
/// trigger (created by an administrator signed in to app A) shared with all users, and a second virtual printer
/// without trigger (the redirect destination).
#[derive(Clone)]
pub struct Pull {
    pub api: Api,
    pub tenant: String,
    pub app_id: String,
    /// App A's token with [`APP_ROLES`].
    pub app: String,
    pub admin_oid: String,
    /// An administrator's delegated token issued to app A.
    pub admin: String,
    pub definition: String,
    pub printer: String,
    pub share: String,
    pub trigger: String,
    pub dest: String,
}

/// A job started on the triggered printer and held for its print task.
#[derive(Clone, Debug)]
pub struct Held {
    pub id: String,
    pub doc: String,
    pub task: String,
    pub data: Vec<u8>,
}

impl Pull {
    /// Creates the definition, the printers, the share and the trigger through the public API.
    pub async fn new(api: Api) -> Pull {
        let srv = api.srv.clone();
        let tenant = uuid();
        let app_id = uuid();
        let app = srv.mint(&[
            "token", "app", "--tenant", &tenant, "--app", &app_id, "--roles", APP_ROLES,
        ]);
        let admin_oid = uuid();
        let admin = srv.mint(&[
            "token",
            "user",
            "--tenant",
            &tenant,
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
        ]);
        let mut p = Pull {
            api,
            tenant,
            app_id,
            app,
            admin_oid,
            admin,
            definition: String::new(),
            printer: String::new(),
            share: String::new(),
            trigger: String::new(),
            dest: String::new(),
        };
        p.definition = p.create_definition(&p.app.clone(), "Follow-me release").await;
        p.printer = p.virtual_printer("Follow-me queue").await;
        p.share = p.share_printer(&p.printer.clone(), "Follow-me").await;
        let t = p
            .create_trigger(&p.admin, &p.printer, &p.definition)
            .await
            .expect_json(201);
        assert_eq!(t["event"], "jobStarted", "{t}");
        p.trigger = t["id"].as_str().expect("trigger id").to_string();
        p.dest = p.virtual_printer("Floor 2 device").await;
        p
    }

    pub fn base(&self) -> &str {
        &self.api.srv.base
    }

    /// `{public URL}/v1.0{path}`: the absolute form Graph uses in `parentUrl`, `redirectedTo`, `redirectedFrom`.
    pub fn abs(&self, path: &str) -> String {
        format!("{}{}", self.base(), path)
    }

    /// A delegated token of this tenant.
    pub fn user_token(&self, oid: &str, scopes: &str, admin: bool, app: Option<&str>) -> String {
        let mut args = vec![
            "token",
            "user",
            "--tenant",
            &self.tenant,
            "--user",
            oid,
            "--scopes",
            scopes,
        ];
        if let Some(a) = app {
            args.extend(["--app", a]);
        }
        if admin {
            args.push("--admin");
        }
        self.api.srv.mint(&args)
    }

    /// An application token of this tenant.
    pub fn app_token(&self, app_id: &str, roles: &str) -> String {
        self.api.srv.mint(&[
            "token",
            "app",
            "--tenant",
            &self.tenant,
            "--app",
            app_id,
            "--roles",
            roles,
        ])
    }

    /// A new ordinary user with [`USER_SCOPES`].
    pub fn user(&self, label: &str) -> User {
        let oid = uuid();
        let upn = format!("{label}.{}@contoso.test", &oid[..8]);
        let token = self.api.srv.mint(&[
            "token",
            "user",
            "--tenant",
            &self.tenant,
            "--user",
            &oid,
            "--upn",
            &upn,
            "--name",
            label,
            "--scopes",
            USER_SCOPES,
        ]);
        User { oid, upn, token }
    }

    pub async fn create_definition(&self, app_token: &str, name: &str) -> String {
        let body = json!({"displayName": name, "createdBy": {"displayName": "Contoso Release Station"}});
        let v = self
            .api
            .post("/v1.0/print/taskDefinitions", app_token, &body)
            .await
            .expect_json(201);
        assert_eq!(v["displayName"], name, "{v}");
        assert_eq!(v["createdBy"]["displayName"], "Contoso Release Station", "{v}");
        assert!(
            v["createdBy"]["appId"].as_str().is_some_and(|a| !a.is_empty()),
            "the server fills createdBy.appId: {v}"
        );
        v["id"].as_str().expect("definition id").to_string()
    }

    pub async fn create_trigger(&self, token: &str, printer: &str, definition: &str) -> Resp {
        let body = json!({
            "event": "jobStarted",
            "definition@odata.bind": format!("https://graph.microsoft.com/v1.0/print/taskDefinitions/{definition}"),
        });
        self.api
            .post(
                &format!("/v1.0/print/printers/{printer}/taskTriggers"),
                token,
                &body,
            )
            .await
    }

    /// Registers a virtual printer (`hasPhysicalDevice: false`, `physicalDeviceId: null`) and returns its id.
    pub async fn virtual_printer(&self, name: &str) -> String {
        let (csr_pem, _key) = platen_pki::generate_csr_pem(name);
        let body = json!({
            "displayName": name,
            "manufacturer": "Contoso",
            "model": "Pull Print Queue",
            "hasPhysicalDevice": false,
            "physicalDeviceId": null,
            "certificateSigningRequest": {"content": csr_pem, "transportKey": "dGVzdC10cmFuc3BvcnQta2V5"},
        });
        let r = self
            .api
            .post("/v1.0/print/printers/create", &self.admin, &body)
            .await;
        r.expect(202);
        let op = r
            .header("operation-location")
            .expect("Operation-Location")
            .to_string();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.api.get(&op, &self.admin).await.expect_json(200);
            match v["status"]["state"].as_str() {
                Some("succeeded") => return v["printer"]["id"].as_str().expect("printer id").to_string(),
                Some("notStarted" | "running") if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                _ => panic!("printer registration did not succeed: {v}"),
            }
        }
    }

    pub async fn share_printer(&self, printer: &str, name: &str) -> String {
        let body = json!({
            "displayName": name,
            "allowAllUsers": true,
            "printer@odata.bind": format!("https://graph.microsoft.com/v1.0/print/printers/{printer}"),
        });
        let v = self
            .api
            .post("/v1.0/print/shares", &self.admin, &body)
            .await
            .expect_json(201);
        v["id"].as_str().expect("share id").to_string()
    }

    // ---- paths -------------------------------------------------------------------------------------------

    /// The job through the printer (the path apps use): `/v1.0/print/printers/{p}/jobs/{j}`.
    pub fn job(&self, id: &str) -> String {
        format!("/v1.0/print/printers/{}/jobs/{id}", self.printer)
    }

    /// The job through the share (the path the user's client uses).
    pub fn share_job(&self, id: &str) -> String {
        format!("/v1.0/print/shares/{}/jobs/{id}", self.share)
    }

    pub fn task(&self, id: &str) -> String {
        format!("/v1.0/print/taskDefinitions/{}/tasks/{id}", self.definition)
    }

    pub fn tasks(&self) -> String {
        format!("/v1.0/print/taskDefinitions/{}/tasks", self.definition)
    }

    // ---- the user's side -----------------------------------------------------------------------------------

    /// Creates a job on the share and uploads `data`; returns `(job id, document id)`.
    pub async fn uploaded(&self, user: &User, data: &[u8]) -> (String, String) {
        let jobs = format!("/v1.0/print/shares/{}/jobs", self.share);
        let v = self
            .api
            .post(
                &jobs,
                &user.token,
                &json!({"configuration": {"copies": 1, "colorMode": "color"}}),
            )
            .await
            .expect_json(201);
        let id = v["id"].as_str().expect("job id").to_string();
        let doc = v["documents"][0]["id"].as_str().expect("document id").to_string();
        let body = json!({"properties": {"documentName": "payroll.pdf", "contentType": "application/pdf", "size": data.len()}});
        let s = self
            .api
            .post(
                &format!("{}/documents/{doc}/createUploadSession", self.share_job(&id)),
                &user.token,
                &body,
            )
            .await
            .expect_json(200);
        let url = s["uploadUrl"].as_str().expect("uploadUrl");
        self.api.put_all(url, data).await.expect(201);
        (id, doc)
    }

    /// A job submitted, uploaded and started by `user`; the start holds it; returns it with its one print task.
    pub async fn held(&self, user: &User, data: &[u8]) -> Held {
        let (id, doc) = self.uploaded(user, data).await;
        let st = self
            .api
            .post_empty(&format!("{}/start", self.share_job(&id)), &user.token)
            .await
            .expect_json(200);
        assert_eq!(
            st["state"], "paused",
            "a start on a printer with a trigger holds the job: {st}"
        );
        assert_eq!(st["details"], json!(["releaseWait"]), "{st}");
        let tasks = self
            .api
            .get(&format!("{}/tasks", self.job(&id)), &self.app)
            .await
            .expect_json(200);
        let tasks = tasks["value"].as_array().expect("value").clone();
        assert_eq!(tasks.len(), 1, "one task per start: {tasks:?}");
        assert_eq!(tasks[0]["status"]["state"], "processing", "{tasks:?}");
        let task = tasks[0]["id"].as_str().expect("task id").to_string();
        Held {
            id,
            doc,
            task,
            data: data.to_vec(),
        }
    }

    // ---- reads ---------------------------------------------------------------------------------------------

    pub async fn job_as_app(&self, id: &str) -> Value {
        self.api.get(&self.job(id), &self.app).await.expect_json(200)
    }

    pub async fn task_as_app(&self, id: &str) -> Value {
        self.api.get(&self.task(id), &self.app).await.expect_json(200)
    }

    /// The bytes of a job's document (`$value`) read by app A through the printer path `job_path`.
    pub async fn download(&self, job_path: &str) -> Vec<u8> {
        let docs = self
            .api
            .get(&format!("{job_path}/documents"), &self.app)
            .await
            .expect_json(200);
        let doc = docs["value"][0]["id"].as_str().expect("document id").to_string();
        let r = self
            .api
            .get(&format!("{job_path}/documents/{doc}/$value"), &self.app)
            .await;
        r.expect(200);
        r.body
    }

    // ---- the app's side ------------------------------------------------------------------------------------

    pub async fn complete(&self, token: &str, task: &str, description: &str) -> Resp {
        self.api
            .patch(
                &self.task(task),
                token,
                &json!({"status": {"state": "completed", "description": description}}),
            )
            .await
    }

    pub async fn abort(&self, token: &str, job: &str, reason: &str) -> Resp {
        self.api
            .post(
                &format!("{}/abort", self.job(job)),
                token,
                &json!({"reason": reason}),
            )
            .await
    }

    pub async fn redirect(&self, token: &str, job: &str, destination: &str) -> Resp {
        self.api
            .post(
                &format!("{}/redirect", self.job(job)),
                token,
                &json!({"destinationPrinterId": destination}),
            )
            .await
    }
}
