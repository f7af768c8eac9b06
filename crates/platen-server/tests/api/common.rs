//! The harness: real `platen serve` processes on free local ports, tokens minted with `platen token`, a small
//! HTTP client returning buffered responses, Graph-error assertions, and fixtures (tenant, printer, share, job,
//! upload) built only from public HTTP calls.
//!
//! One server is shared by every test of this binary ([`Api::shared`]); tests stay independent by using their
//! own tenant ids. Tests that need a differently configured server start their own ([`Server::start_with_env`]).
//!
//! Each server runs under platen-testkit's watchdog, which kills it (and then removes its data directory) as
//! soon as the [`Server`] is dropped or the test process exits for any reason, so no server outlives the test
//! run even though the shared one lives in a `static`.

use platen_testkit::{Proc, Serve};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

pub struct Server {
    /// `http://127.0.0.1:PORT`, also the server's public URL.
    pub base: String,
    pub data_dir: PathBuf,
    /// Under platen-testkit's watchdog: dropping it stops the server, and the watchdog then removes the
    /// data directory (and the PostgreSQL database, with the backend switch).
    _proc: Proc,
    tokens: Mutex<HashMap<Vec<String>, String>>,
}

impl Server {
    pub fn start() -> Server {
        Self::start_with_env(&[])
    }

    /// Starts `platen serve` with extra `PLATEN_*` environment (e.g. `PLATEN_MAX_DOCUMENT_SIZE`).
    pub fn start_with_env(env: &[(&str, &str)]) -> Server {
        // The backend switch (PLATEN_TEST_BACKEND=postgres) gives the server its own database; the watchdog
        // drops it with the data directory when the server goes.
        let (mut serve, data_dir) = Serve::disposable(BIN, "platen-it-");
        for (k, v) in env {
            serve = serve.env(k, v);
        }
        let served = serve.start();
        Server {
            base: served.base,
            data_dir,
            _proc: served.proc,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `platen token …` against this server's data directory (unless the args name another one); cached.
    pub fn mint(&self, args: &[String]) -> String {
        let mut args = args.to_vec();
        if !args.iter().any(|a| a == "--data-dir") {
            args.push("--data-dir".into());
            args.push(self.data_dir.display().to_string());
        }
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

    pub fn user_token(&self, tenant: &str, user: &str) -> TokenBuilder<'_> {
        TokenBuilder {
            srv: self,
            args: vec![
                "token".into(),
                "user".into(),
                "--tenant".into(),
                tenant.into(),
                "--user".into(),
                user.into(),
            ],
        }
    }

    pub fn app_token(&self, tenant: &str, app: &str) -> TokenBuilder<'_> {
        TokenBuilder {
            srv: self,
            args: vec![
                "token".into(),
                "app".into(),
                "--tenant".into(),
                tenant.into(),
                "--app".into(),
                app.into(),
            ],
        }
    }
}

/// Arguments of one `platen token user|app` call.
pub struct TokenBuilder<'a> {
    srv: &'a Server,
    args: Vec<String>,
}

impl TokenBuilder<'_> {
    fn arg(mut self, k: &str, v: &str) -> Self {
        self.args.push(k.into());
        self.args.push(v.into());
        self
    }
    pub fn scopes(self, s: &str) -> Self {
        self.arg("--scopes", s)
    }
    pub fn roles(self, r: &str) -> Self {
        self.arg("--roles", r)
    }
    pub fn upn(self, u: &str) -> Self {
        self.arg("--upn", u)
    }
    pub fn name(self, n: &str) -> Self {
        self.arg("--name", n)
    }
    pub fn app(self, a: &str) -> Self {
        self.arg("--app", a)
    }
    pub fn groups(self, g: &str) -> Self {
        self.arg("--groups", g)
    }
    pub fn audience(self, a: &str) -> Self {
        self.arg("--audience", a)
    }
    pub fn data_dir(self, d: &Path) -> Self {
        self.arg("--data-dir", &d.display().to_string())
    }
    pub fn admin(mut self) -> Self {
        self.args.push("--admin".into());
        self
    }
    pub fn admin_if(self, admin: bool) -> Self {
        if admin { self.admin() } else { self }
    }
    pub fn mint(self) -> String {
        self.srv.mint(&self.args)
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
            "{} {} → {} {:?} {}",
            self.method,
            self.url,
            self.status,
            self.headers,
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
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {} → {}: body is not JSON ({e}): {}",
                self.method,
                self.url,
                self.status,
                self.text()
            )
        })
    }

    fn context(&self) -> String {
        format!("{} {} → {} {}", self.method, self.url, self.status, self.text())
    }

    /// Asserts the status and returns self.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status: {}", self.context());
        self
    }

    /// Asserts the status and a JSON body; returns the body.
    #[track_caller]
    pub fn expect_json(&self, status: u16) -> Value {
        self.expect(status);
        self.assert_json_content_type();
        self.json()
    }

    #[track_caller]
    pub fn assert_json_content_type(&self) {
        let ct = self.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("application/json"),
            "Content-Type '{ct}' is not JSON: {}",
            self.context()
        );
    }

    /// Asserts a Graph error of this status (any code); returns the `error` object.
    #[track_caller]
    pub fn expect_error(&self, status: u16) -> Value {
        self.expect(status);
        self.assert_graph_error()
    }

    /// Asserts a Graph error with this status and `error.code`; returns the `error` object.
    #[track_caller]
    pub fn expect_code(&self, status: u16, code: &str) -> Value {
        let e = self.expect_error(status);
        assert_eq!(e["code"], code, "error code: {}", self.context());
        e
    }

    /// `403 accessDenied`.
    #[track_caller]
    pub fn expect_denied(&self) -> Value {
        self.expect_code(403, "accessDenied")
    }

    /// The body is `{"error":{"code","message","innerError":{"request-id","date",…}}}` with a JSON content type,
    /// and `innerError.request-id` equals the `request-id` header.
    #[track_caller]
    pub fn assert_graph_error(&self) -> Value {
        self.assert_json_content_type();
        let v = self.json();
        let top = v
            .as_object()
            .unwrap_or_else(|| panic!("error body is not an object: {}", self.context()));
        assert_eq!(
            top.len(),
            1,
            "error body must have exactly one member 'error': {}",
            self.context()
        );
        let e = &v["error"];
        assert!(
            e["code"].as_str().is_some_and(|c| !c.is_empty()),
            "error.code: {}",
            self.context()
        );
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error.message: {}",
            self.context()
        );
        let inner = &e["innerError"];
        let rid = inner["request-id"]
            .as_str()
            .unwrap_or_else(|| panic!("innerError.request-id: {}", self.context()));
        assert!(!rid.is_empty(), "empty request-id: {}", self.context());
        assert_eq!(
            Some(rid),
            self.header("request-id"),
            "innerError.request-id differs from the header: {}",
            self.context()
        );
        let date = inner["date"]
            .as_str()
            .unwrap_or_else(|| panic!("innerError.date: {}", self.context()));
        assert!(
            is_graph_date(date),
            "innerError.date '{date}' is not YYYY-MM-DDTHH:MM:SS: {}",
            self.context()
        );
        e.clone()
    }
}

/// `2020-10-25T02:19:38` (optionally with fractional seconds / a zone).
fn is_graph_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

/// A client bound to one server. Create one per test (reqwest clients belong to the runtime they are used on).
#[derive(Clone)]
pub struct Api {
    pub srv: Arc<Server>,
    pub http: reqwest::Client,
}

static SHARED: OnceLock<Arc<Server>> = OnceLock::new();

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("reqwest client")
}

impl Api {
    /// A client for the server shared by this test binary (started on first use).
    pub fn shared() -> Api {
        let srv = SHARED.get_or_init(|| Arc::new(Server::start())).clone();
        Api { srv, http: client() }
    }

    pub fn on(srv: Arc<Server>) -> Api {
        Api { srv, http: client() }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{}", self.srv.base, path)
        }
    }

    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path))
    }

    pub fn authed(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.req(method, path).bearer_auth(token)
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

    /// A POST without a body (actions without parameters).
    pub async fn post_empty(&self, path: &str, token: &str) -> Resp {
        self.exec(self.authed(Method::POST, path, token)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.exec(self.authed(Method::PATCH, path, token).json(body))
            .await
    }

    /// Sends raw bytes with a JSON content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: impl Into<reqwest::Body>,
    ) -> Resp {
        self.exec(
            self.authed(method, path, token)
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    /// `GET /healthz` answers `ok`: the server is still serving.
    pub async fn assert_healthy(&self) {
        let r = self.exec(self.req(Method::GET, "/healthz")).await;
        r.expect(200);
        assert_eq!(r.text(), "ok");
    }
}

// ---------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Every delegated permission an administrator's tool would hold.
pub const ADMIN_SCOPES: &str = "Printer.Create Printer.Read.All Printer.ReadWrite.All Printer.FullControl.All \
    PrinterShare.ReadWrite.All PrintJob.ReadWrite.All PrintConnector.ReadWrite.All PrintSettings.ReadWrite.All";

/// What a normal user's print client holds.
pub const USER_SCOPES: &str = "PrintJob.ReadWrite PrinterShare.ReadBasic.All";

/// The body of `POST /print/printers/create` with a fresh CSR (PEM content).
pub fn printer_create_body(name: &str) -> Value {
    let (csr_pem, _key) = platen_pki::generate_csr_pem(name);
    json!({
        "displayName": name,
        "manufacturer": "Contoso",
        "model": "LaserJet 9000",
        "physicalDeviceId": uuid(),
        "hasPhysicalDevice": true,
        "certificateSigningRequest": {"content": csr_pem, "transportKey": "dGVzdC10cmFuc3BvcnQta2V5"},
    })
}

/// The base64 DER body of a PEM block.
pub fn pem_to_base64_der(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect()
}

/// A user of a tenant: object id, UPN and a token.
#[derive(Clone, Debug)]
pub struct User {
    pub oid: String,
    pub upn: String,
    pub token: String,
}

/// A job as created: its id, its document id, and the collection path it was created through.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: String,
    pub doc: String,
    /// e.g. `/v1.0/print/shares/{id}/jobs`.
    pub collection: String,
}

impl Job {
    pub fn path(&self) -> String {
        format!("{}/{}", self.collection, self.id)
    }
    pub fn doc_path(&self) -> String {
        format!("{}/{}/documents/{}", self.collection, self.id, self.doc)
    }
    pub fn action(&self, a: &str) -> String {
        format!("{}/{}/{a}", self.collection, self.id)
    }
}

/// One tenant with its own administrator; every test makes its own.
#[derive(Clone)]
pub struct Tenant {
    pub api: Api,
    pub id: String,
    pub admin_oid: String,
    pub admin: String,
}

impl Tenant {
    pub fn new() -> Tenant {
        Self::on(Api::shared())
    }

    pub fn on(api: Api) -> Tenant {
        let id = uuid();
        let admin_oid = uuid();
        let admin = api
            .srv
            .user_token(&id, &admin_oid)
            .upn("admin@contoso.test")
            .name("Admin")
            .scopes(ADMIN_SCOPES)
            .admin()
            .mint();
        Tenant {
            api,
            id,
            admin_oid,
            admin,
        }
    }

    pub fn srv(&self) -> &Server {
        &self.api.srv
    }

    /// A delegated token of this tenant for `user` with exactly these scopes.
    pub fn token(&self, user: &str, scopes: &str, admin: bool) -> String {
        self.srv()
            .user_token(&self.id, user)
            .scopes(scopes)
            .admin_if(admin)
            .mint()
    }

    pub fn app(&self, app: &str, roles: &str) -> String {
        self.srv().app_token(&self.id, app).roles(roles).mint()
    }

    /// A new ordinary (non-admin) user with [`USER_SCOPES`].
    pub fn user(&self, label: &str) -> User {
        self.user_with(label, USER_SCOPES, "")
    }

    pub fn user_with(&self, label: &str, scopes: &str, groups: &str) -> User {
        let oid = uuid();
        let upn = format!("{label}.{}@contoso.test", &oid[..8]);
        let mut b = self
            .srv()
            .user_token(&self.id, &oid)
            .upn(&upn)
            .name(label)
            .scopes(scopes);
        if !groups.is_empty() {
            b = b.groups(groups);
        }
        User {
            oid,
            upn,
            token: b.mint(),
        }
    }

    /// Registers a printer and returns its id (following the operation).
    pub async fn printer(&self, name: &str) -> String {
        self.printer_with(&self.admin, printer_create_body(name)).await
    }

    pub async fn printer_with(&self, token: &str, body: Value) -> String {
        let r = self.api.post("/v1.0/print/printers/create", token, &body).await;
        r.expect(202);
        let op = r
            .header("operation-location")
            .expect("Operation-Location")
            .to_string();
        let v = self.api.get(&op, &self.admin).await.expect_json(200);
        assert_eq!(v["status"]["state"], "succeeded", "{v}");
        v["printer"]["id"].as_str().expect("printer id").to_string()
    }

    pub async fn share(&self, printer: &str, name: &str, allow_all: bool) -> String {
        let body = json!({
            "displayName": name,
            "allowAllUsers": allow_all,
            "printer@odata.bind": format!("https://graph.microsoft.com/v1.0/print/printers/{printer}"),
        });
        let v = self
            .api
            .post("/v1.0/print/shares", &self.admin, &body)
            .await
            .expect_json(201);
        v["id"].as_str().expect("share id").to_string()
    }

    /// A registered printer shared with all users: `(printer, share)`.
    pub async fn open_share(&self, name: &str) -> (String, String) {
        let p = self.printer(name).await;
        let s = self.share(&p, name, true).await;
        (p, s)
    }

    /// Creates a job (201) through a job collection path such as `/v1.0/print/shares/{id}/jobs`.
    pub async fn job(&self, collection: &str, token: &str) -> Job {
        let v = self
            .api
            .post(collection, token, &json!({"configuration": {"copies": 1}}))
            .await
            .expect_json(201);
        Job {
            id: v["id"].as_str().expect("job id").to_string(),
            doc: v["documents"][0]["id"].as_str().expect("document id").to_string(),
            collection: collection.to_string(),
        }
    }

    /// `createUploadSession` → the upload URL.
    pub async fn upload_session(&self, job: &Job, token: &str, content_type: &str, size: usize) -> String {
        let body =
            json!({"properties": {"documentName": "report.pdf", "contentType": content_type, "size": size}});
        let v = self
            .api
            .post(&format!("{}/createUploadSession", job.doc_path()), token, &body)
            .await
            .expect_json(200);
        v["uploadUrl"].as_str().expect("uploadUrl").to_string()
    }

    /// Uploads `data` in one PUT (201).
    pub async fn upload(&self, job: &Job, token: &str, data: &[u8]) {
        let url = self
            .upload_session(job, token, "application/pdf", data.len())
            .await;
        put_range(&self.api, &url, data, 0).await.expect(201);
    }

    /// A job of `user` on `share` with its document uploaded.
    pub async fn uploaded_job(&self, share: &str, token: &str, data: &[u8]) -> Job {
        let job = self.job(&format!("/v1.0/print/shares/{share}/jobs"), token).await;
        self.upload(&job, token, data).await;
        job
    }
}

/// PUTs `chunk` as the bytes starting at `first` of a document of `total` bytes (no Authorization header).
pub async fn put_chunk(api: &Api, url: &str, chunk: &[u8], first: usize, total: usize) -> Resp {
    let last = first + chunk.len() - 1;
    api.exec(
        api.req(Method::PUT, url)
            .header("content-range", format!("bytes {first}-{last}/{total}"))
            .body(chunk.to_vec()),
    )
    .await
}

/// PUTs `data` whole as the range starting at `first` of a document whose size is `first + data.len()`.
pub async fn put_range(api: &Api, url: &str, data: &[u8], first: usize) -> Resp {
    put_chunk(api, url, data, first, first + data.len()).await
}

/// Deterministic test bytes.
pub fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}
