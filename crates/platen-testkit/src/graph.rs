//! The Graph side of the integration suites: `platen serve` shared by a test binary ([`Server`], [`Api`]),
//! tokens minted with `platen token` ([`mint`], [`TokenBuilder`]), the permission sets the suites hand out, and
//! fixtures built only from public HTTP calls (printer, share, job, upload session) on any [`Http`].
//!
//! A shared server runs under the watchdog of [`crate::process`], which kills it (and then removes its data
//! directory, and its database with the backend switch) as soon as it is dropped or the test process exits for
//! any reason, so no server outlives the run even though the shared one lives in a `static`.

use crate::http::{Http, Resp, client};
use crate::{Proc, Serve};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Every delegated permission an administrator's tool holds.
pub const ADMIN_SCOPES: &str = "Printer.Create Printer.Read.All Printer.ReadWrite.All Printer.FullControl.All \
    PrinterShare.ReadWrite.All PrintJob.ReadWrite.All PrintConnector.ReadWrite.All PrintSettings.ReadWrite.All";

/// What a normal user's print client holds.
pub const USER_SCOPES: &str = "PrintJob.ReadWrite PrinterShare.ReadBasic.All";

/// Everything a pull-printing app holds.
pub const APP_ROLES: &str =
    "PrintTaskDefinition.ReadWrite.All PrintJob.Manage.All PrintJob.ReadWrite.All Printer.Read.All";

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Runs the `platen` binary `bin` with `args` (never with the developer's `PLATEN_DATA_DIR`) and returns its
/// trimmed standard output; panics with its standard error when it fails.
pub fn run_platen(bin: &str, args: &[String]) -> String {
    let out = Command::new(bin)
        .args(args)
        .env_remove("PLATEN_DATA_DIR")
        .output()
        .expect("run platen");
    assert!(
        out.status.success(),
        "platen {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8 output")
        .trim()
        .to_string()
}

/// A token from `platen token …` (`args` start with `token`) against the development issuer of `data_dir`.
pub fn mint(bin: &str, data_dir: &Path, args: &[&str]) -> String {
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    args.push("--data-dir".into());
    args.push(data_dir.display().to_string());
    let token = run_platen(bin, &args);
    assert_eq!(token.split('.').count(), 3, "not a JWT: {token}");
    token
}

/// A `platen serve` with a data directory and database of its own that go when it goes; its tokens are cached
/// per argument list.
pub struct Server {
    /// `http://127.0.0.1:PORT`, also the server's public URL.
    pub base: String,
    pub data_dir: PathBuf,
    /// The PostgreSQL database it runs on (the backend switch), or `None` for SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// The TLS listener's port on 127.0.0.1, when started with TLS.
    pub tls_port: Option<u16>,
    bin: String,
    /// Under the watchdog: dropping it stops the server, and the watchdog then removes the data directory
    /// (and the PostgreSQL database, with the backend switch).
    _proc: Proc,
    tokens: Mutex<HashMap<Vec<String>, String>>,
}

impl Server {
    /// `bin`: the `platen` binary (`env!("CARGO_BIN_EXE_platen")`).
    pub fn start(bin: &str) -> Server {
        Self::start_with_env(bin, &[])
    }

    /// Starts `platen serve` with extra `PLATEN_*` environment (e.g. `PLATEN_MAX_DOCUMENT_SIZE`).
    pub fn start_with_env(bin: &str, env: &[(&str, &str)]) -> Server {
        Self::start_configured(bin, |mut serve| {
            for (k, v) in env {
                serve = serve.env(k, v);
            }
            serve
        })
    }

    /// Starts `platen serve` as `configure` sets it up (TLS, listening on every address, environment).
    pub fn start_configured(bin: &str, configure: impl FnOnce(Serve) -> Serve) -> Server {
        let (serve, data_dir) = Serve::disposable(bin, "platen-it-");
        let serve = configure(serve);
        let database_url = serve.env_value("PLATEN_DATABASE_URL");
        let served = serve.start();
        Server {
            tls_port: served.tls_port,
            base: served.base,
            data_dir,
            database_url,
            bin: bin.to_string(),
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
        let token = run_platen(&self.bin, &args);
        assert_eq!(token.split('.').count(), 3, "not a JWT: {token}");
        self.tokens.lock().expect("lock").insert(args, token.clone());
        token
    }

    /// The options that point a `platen` command (`migrate`, `print-password`, …) at this server's data.
    pub fn store_args(&self) -> Vec<String> {
        let mut args = vec!["--data-dir".to_string(), self.data_dir.display().to_string()];
        if let Some(url) = &self.database_url {
            args.extend(["--database-url".to_string(), url.clone()]);
        }
        args
    }

    /// `platen token user --tenant … --user …`, to be completed and minted.
    pub fn user_token(&self, tenant: &str, user: &str) -> TokenBuilder<'_> {
        TokenBuilder::new(self, &["token", "user", "--tenant", tenant, "--user", user])
    }

    /// `platen token app --tenant … --app …`, to be completed and minted.
    pub fn app_token(&self, tenant: &str, app: &str) -> TokenBuilder<'_> {
        TokenBuilder::new(self, &["token", "app", "--tenant", tenant, "--app", app])
    }

    /// A new (non-admin) user of `tenant` named `label` with a token holding `scopes` (and membership of the
    /// comma-separated `groups`, unless empty).
    pub fn new_user(&self, tenant: &str, label: &str, scopes: &str, groups: &str) -> User {
        let oid = uuid();
        let upn = format!("{label}.{}@contoso.test", &oid[..8]);
        let mut b = self.user_token(tenant, &oid).upn(&upn).name(label).scopes(scopes);
        if !groups.is_empty() {
            b = b.groups(groups);
        }
        User {
            oid,
            upn,
            token: b.mint(),
        }
    }

    /// The tail of the server log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

/// A user of a tenant: object id, UPN and a delegated token.
#[derive(Clone, Debug)]
pub struct User {
    pub oid: String,
    pub upn: String,
    pub token: String,
}

/// Arguments of one `platen token user|app` call.
#[derive(Clone)]
pub struct TokenBuilder<'a> {
    srv: &'a Server,
    args: Vec<String>,
}

impl<'a> TokenBuilder<'a> {
    fn new(srv: &'a Server, args: &[&str]) -> Self {
        TokenBuilder {
            srv,
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }
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
    /// A user's `name`, or an app's `app_displayname`.
    pub fn name(self, n: &str) -> Self {
        self.arg("--name", n)
    }
    /// An app token's `oid` (its service principal), instead of the one derived from tenant and app.
    pub fn service_principal(self, id: &str) -> Self {
        self.arg("--service-principal", id)
    }
    /// The client the user signed in to.
    pub fn app(self, a: &str) -> Self {
        self.arg("--app", a)
    }
    pub fn groups(self, g: &str) -> Self {
        self.arg("--groups", g)
    }
    pub fn audience(self, a: &str) -> Self {
        self.arg("--audience", a)
    }
    /// Issued `secs` from now (negative: in the past).
    pub fn issued_at_offset(self, secs: i64) -> Self {
        self.arg("--issued-at-offset", &secs.to_string())
    }
    pub fn data_dir(self, d: &Path) -> Self {
        self.arg("--data-dir", &d.display().to_string())
    }
    /// The Printer Administrator role.
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

/// A client bound to a [`Server`]; the HTTP calls are [`Http`]'s. Create one per test (reqwest clients belong
/// to the runtime they are used on).
#[derive(Clone)]
pub struct Api {
    pub srv: Arc<Server>,
    http: Http,
}

impl Deref for Api {
    type Target = Http;
    fn deref(&self) -> &Http {
        &self.http
    }
}

static SHARED: OnceLock<Arc<Server>> = OnceLock::new();

impl Api {
    /// A client for the server shared by this test binary (started on first use); `bin` is the `platen`
    /// binary. Tests stay independent by working in tenants of their own.
    pub fn shared(bin: &str) -> Api {
        let srv = SHARED.get_or_init(|| Arc::new(Server::start(bin))).clone();
        Api::on(srv)
    }

    pub fn on(srv: Arc<Server>) -> Api {
        let http = Http::new(&srv.base);
        Api { srv, http }
    }

    /// Another client (its own connection pool) for the same server.
    pub fn fresh(&self) -> Api {
        Api {
            srv: self.srv.clone(),
            http: Http::with_client(&self.srv.base, client()),
        }
    }

    /// The [`Http`] client itself.
    pub fn http(&self) -> &Http {
        &self.http
    }
}

// ---------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------

/// The body of `POST /print/printers/create` with a fresh CSR: a printer with a device (`physical`, a new
/// `physicalDeviceId`) or a virtual one (`hasPhysicalDevice: false`, `physicalDeviceId: null`).
pub fn printer_body(name: &str, model: &str, physical: bool) -> Value {
    let (csr_pem, _key) = platen_pki::generate_csr_pem(name);
    json!({
        "displayName": name,
        "manufacturer": "Contoso",
        "model": model,
        "hasPhysicalDevice": physical,
        "physicalDeviceId": if physical { Value::String(uuid()) } else { Value::Null },
        "certificateSigningRequest": {"content": csr_pem, "transportKey": "dGVzdC10cmFuc3BvcnQta2V5"},
    })
}

/// The path (and query) of an absolute URL, e.g. of an `Operation-Location` or an upload URL, to send it to
/// another node of the same installation.
pub fn path_of(url: &str) -> String {
    let at = url.find("://").map_or(0, |i| i + 3);
    url[at..]
        .find('/')
        .map_or_else(|| "/".to_string(), |i| url[at + i..].to_string())
}

impl Http {
    /// `POST /print/printers/create` with `body` (202), then follows the operation until it succeeded;
    /// returns the printer's id.
    pub async fn register_printer(&self, token: &str, body: &Value) -> String {
        let r = self.post("/v1.0/print/printers/create", token, body).await;
        r.expect(202);
        let op = path_of(r.header("operation-location").expect("Operation-Location"));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.get(&op, token).await.expect_json(200);
            match v["status"]["state"].as_str() {
                Some("succeeded") => return v["printer"]["id"].as_str().expect("printer id").to_string(),
                Some("notStarted" | "running") if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                _ => panic!("printer registration did not succeed: {v}"),
            }
        }
    }

    /// `POST /print/shares` of `printer` (201); returns the share's id.
    pub async fn create_share(&self, token: &str, printer: &str, name: &str, allow_all: bool) -> String {
        let body = json!({
            "displayName": name,
            "allowAllUsers": allow_all,
            "printer@odata.bind": format!("https://graph.microsoft.com/v1.0/print/printers/{printer}"),
        });
        self.post("/v1.0/print/shares", token, &body)
            .await
            .expect_json(201)["id"]
            .as_str()
            .expect("share id")
            .to_string()
    }

    /// Creates a job (201) through a job collection such as `/v1.0/print/shares/{id}/jobs` with
    /// `configuration`; returns `(job id, document id)`.
    pub async fn create_job(&self, collection: &str, token: &str, configuration: Value) -> (String, String) {
        let v = self
            .post(collection, token, &json!({"configuration": configuration}))
            .await
            .expect_json(201);
        (
            v["id"].as_str().expect("job id").to_string(),
            v["documents"][0]["id"].as_str().expect("document id").to_string(),
        )
    }

    /// `POST {document}/createUploadSession` (200); returns the upload URL.
    pub async fn upload_session(
        &self,
        document: &str,
        token: &str,
        name: &str,
        content_type: &str,
        size: usize,
    ) -> String {
        let body = json!({"properties": {"documentName": name, "contentType": content_type, "size": size}});
        let v = self
            .post(&format!("{document}/createUploadSession"), token, &body)
            .await
            .expect_json(200);
        v["uploadUrl"].as_str().expect("uploadUrl").to_string()
    }

    /// An upload session for `data` as a PDF and one PUT of all of it (201).
    pub async fn upload(&self, document: &str, token: &str, name: &str, data: &[u8]) -> Resp {
        let url = self
            .upload_session(document, token, name, "application/pdf", data.len())
            .await;
        let r = self.put_all(&url, data).await;
        r.expect(201);
        r
    }
}

/// Deterministic test bytes, different for each `seed`, without a short period (so that ranges at different
/// offsets differ).
pub fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| ((i * 31 + seed as usize * 7 + i / 251) % 251) as u8)
        .collect()
}

/// `now + seconds` as a Graph `DateTimeOffset` (`2026-01-02T03:04:05Z`).
pub fn in_seconds(seconds: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    let t = now + seconds;
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_as_graph_offsets() {
        let s = in_seconds(0);
        assert_eq!(s.len(), 20, "{s}");
        assert!(s.ends_with('Z') && s.as_bytes()[10] == b'T', "{s}");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn paths_of_absolute_urls() {
        assert_eq!(path_of("http://127.0.0.1:8080/v1.0/x?y=1"), "/v1.0/x?y=1");
        assert_eq!(path_of("http://h"), "/");
    }
}
