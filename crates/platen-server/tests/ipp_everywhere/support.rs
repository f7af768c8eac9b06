//! A tenant with a printer, its share and users with print passwords, on the test binary's shared server;
//! an `ipptool` runner; a small IPP request builder for what ipptool cannot send.

use platen_testkit::graph::{Api, uuid};
use platen_testkit::http::Resp;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

pub const ADMIN_SCOPES: &str =
    "Printer.FullControl.All PrinterShare.ReadWrite.All PrintJob.ReadWrite.All PrintConnector.ReadWrite.All";

pub struct Env {
    pub api: Api,
    pub tenant: String,
    pub app_id: String,
    /// A Printer Administrator signed in to the app.
    pub admin: String,
    pub printer: String,
    pub share: String,
    /// The device behind the share, when there is one.
    pub device: Option<Device>,
}

/// An IPP Everywhere printer (ippeveprinter, finishing each job at once) connected by `platen connector`.
pub struct Device {
    pub printer: platen_testkit::Ippeve,
    _connector: platen_testkit::Proc,
    _state: tempfile::TempDir,
}

/// A user of the tenant with a print password.
pub struct User {
    pub id: String,
    pub upn: String,
    pub password: String,
}

impl Env {
    /// A token of the environment's app (the printer's registering app) holding `roles`.
    pub fn app(&self, roles: &str) -> String {
        self.api
            .srv
            .app_token(&self.tenant, &self.app_id)
            .roles(roles)
            .mint()
    }

    /// A tenant of its own with a printer described as `description` (an IPP printer-attributes message, as
    /// its pull-print app would set it) or as Graph alone (`None`), and a share for everyone or not.
    pub async fn new(description: Option<Vec<u8>>, allow_all: bool) -> Env {
        Env::new_on(Api::shared(BIN), description, allow_all).await
    }

    /// [`Env::new`] on a server of the test's own.
    pub async fn new_on(api: Api, description: Option<Vec<u8>>, allow_all: bool) -> Env {
        let mut env = Env::tenant(api);
        let body = platen_testkit::graph::printer_body("Floor 2", "LaserWriter 9000", false);
        env.printer = env.api.register_printer(&env.admin, &body).await;
        if let Some(ipp) = description {
            let app = env.app("Printer.ReadWrite.All");
            let r = env
                .api
                .http()
                .authed(
                    reqwest::Method::PATCH,
                    &format!("/v1.0/print/printers/{}", env.printer),
                    &app,
                )
                .header("content-type", "application/ipp")
                .body(ipp)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
        }
        env.share = env
            .api
            .create_share(&env.admin, &env.printer, "Floor 2 printer", allow_all)
            .await;
        env
    }

    /// A tenant of its own with its administrator; no printer yet.
    fn tenant(api: Api) -> Env {
        let tenant = format!("t-ipp-{}", uuid());
        let app_id = uuid();
        let admin = api
            .srv
            .user_token(&tenant, &uuid())
            .upn("admin@contoso.test")
            .name("Ada Admin")
            .app(&app_id)
            .scopes(ADMIN_SCOPES)
            .admin()
            .mint();
        Env {
            api,
            tenant,
            app_id,
            admin,
            printer: String::new(),
            share: String::new(),
            device: None,
        }
    }

    /// A share whose printer is a real device: ippeveprinter behind `platen connector`, which registers it,
    /// reports its IPP description, and prints the share's jobs on it.
    pub async fn with_device(allow_all: bool) -> Env {
        let mut env = Env::tenant(Api::shared(BIN));
        let printer = platen_testkit::Ippeve::start_temp("share-device", &["-c", "/bin/true"]);
        let state = tempfile::tempdir().unwrap();
        let registered = register_connector(&env.api.srv.base, &env.admin, state.path(), &printer.uri);
        let connector = platen_testkit::Proc::spawn(
            BIN,
            &[
                "connector".into(),
                "run".into(),
                "--state-dir".into(),
                state.path().join("state").display().to_string(),
            ],
            &[("PLATEN_LOG", "info")],
            &state.path().join("connector.log"),
        );
        env.printer = registered;
        env.share = env
            .api
            .create_share(&env.admin, &env.printer, "Floor 3 device", allow_all)
            .await;
        let path = format!("/v1.0/print/printers/{}", env.printer);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let p = env.api.get(&path, &env.admin).await.expect_json(200);
            // The connector's Update-Output-Device-Attributes sets the Graph defaults from the device's.
            let described = p["defaults"]["mediaSize"].is_string();
            if described {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the connector did not report the device's description: {p}\nconnector log:\n{}",
                std::fs::read_to_string(state.path().join("connector.log")).unwrap_or_default()
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        env.device = Some(Device {
            printer,
            _connector: connector,
            _state: state,
        });
        env
    }

    pub fn port(&self) -> u16 {
        self.api
            .srv
            .base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port")
    }

    /// `ipp://127.0.0.1:PORT/ipp/shares/ID`, with credentials when given.
    pub fn uri(&self, user: Option<&User>) -> String {
        let auth = user
            .map(|u| format!("{}:{}@", u.upn.replace('@', "%40"), u.password))
            .unwrap_or_default();
        format!("ipp://{auth}127.0.0.1:{}/ipp/shares/{}", self.port(), self.share)
    }

    pub fn path(&self) -> String {
        format!("/ipp/shares/{}", self.share)
    }

    /// A user with a print password made by the administrator's CLI.
    pub fn user(&self, name: &str, groups: &[&str]) -> User {
        let id = uuid();
        let upn = format!("{name}@contoso.test");
        let mut args: Vec<String> = [
            "print-password",
            "create",
            "--tenant",
            &self.tenant,
            "--user",
            &id,
            "--upn",
            &upn,
            "--name",
            name,
            "--label",
            "test laptop",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(self.api.srv.store_args());
        for g in groups {
            args.push("--group".into());
            args.push(g.to_string());
        }
        let out = platen_testkit::graph::run_platen(BIN, &args);
        let password = out.lines().last().unwrap_or_default().to_string();
        assert!(!password.is_empty() && !password.contains(' '), "{password}");
        User { id, upn, password }
    }

    /// A Graph token for `user` (delegated, as the user's own apps would hold).
    pub fn token_of(&self, user: &User) -> String {
        self.api
            .srv
            .user_token(&self.tenant, &user.id)
            .upn(&user.upn)
            .app(&self.app_id)
            .scopes("PrintJob.ReadWrite PrinterShare.ReadBasic.All")
            .mint()
    }

    /// The share's Graph jobs as the administrator sees them.
    pub async fn graph_jobs(&self) -> Vec<Value> {
        let v = self
            .api
            .get(&format!("/v1.0/print/shares/{}/jobs", self.share), &self.admin)
            .await
            .expect_json(200);
        v["value"].as_array().cloned().unwrap_or_default()
    }

    pub async fn graph_job(&self, id: &str) -> Value {
        self.api
            .get(
                &format!("/v1.0/print/shares/{}/jobs/{id}?$expand=documents", self.share),
                &self.admin,
            )
            .await
            .expect_json(200)
    }

    pub async fn graph_cancel(&self, id: &str, token: &str) -> Resp {
        self.api
            .post(
                &format!("/v1.0/print/shares/{}/jobs/{id}/cancel", self.share),
                token,
                &json!({}),
            )
            .await
    }
}

/// `platen connector register` for one printer; returns its Graph printer id.
fn register_connector(server: &str, admin: &str, dir: &std::path::Path, uri: &str) -> String {
    let out = Command::new(BIN)
        .args([
            "connector",
            "register",
            "--server",
            server,
            "--token",
            admin,
            "--name",
            "ipp-tests",
        ])
        .arg("--state-dir")
        .arg(dir.join("state"))
        .arg("--printer")
        .arg(format!("device={uri}"))
        .output()
        .expect("platen connector register");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| l.split_once('\t'))
        .map(|(_, id)| id.trim().to_string())
        .expect("the registered printer's id")
}

/// Runs `ipptool` (which must be installed: the test command installs cups-ipp-utils); returns its exit
/// status success and output.
pub fn ipptool(args: &[&str]) -> (bool, String) {
    let out = Command::new("ipptool")
        .args(args)
        .output()
        .expect("ipptool is required (Debian cups-ipp-utils; ./scripts/test.sh installs it)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A one-page A4 PDF, written to a temporary file.
pub fn sample_pdf() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let pdf = pdf_document(595, 842, "Printed through Platen");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platen-test.pdf");
    std::fs::write(&path, &pdf).unwrap();
    (dir, path, pdf)
}

/// A one-page PDF of `width` × `height` points showing `text` (valid: cross-reference offsets computed).
pub fn pdf_document(width: u32, height: u32, text: &str) -> Vec<u8> {
    platen_testkit::pdf::pages(width, height, &[text])
}

/// An IPP request built byte by byte (RFC 8010), for what ipptool cannot send.
pub struct Request {
    bytes: Vec<u8>,
}

impl Request {
    pub fn new(operation: u16, request_id: u32, printer_uri: &str) -> Request {
        let mut r = Request::raw(0x0200, operation, request_id);
        r.group(0x01);
        r.attr(0x47, "attributes-charset", b"utf-8");
        r.attr(0x48, "attributes-natural-language", b"en");
        r.attr(0x45, "printer-uri", printer_uri.as_bytes());
        r
    }

    pub fn raw(version: u16, operation: u16, request_id: u32) -> Request {
        let mut bytes = version.to_be_bytes().to_vec();
        bytes.extend_from_slice(&operation.to_be_bytes());
        bytes.extend_from_slice(&request_id.to_be_bytes());
        Request { bytes }
    }

    pub fn group(&mut self, tag: u8) -> &mut Self {
        self.bytes.push(tag);
        self
    }

    pub fn attr(&mut self, tag: u8, name: &str, value: &[u8]) -> &mut Self {
        self.bytes.push(tag);
        self.bytes.extend_from_slice(&(name.len() as u16).to_be_bytes());
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.extend_from_slice(&(value.len() as u16).to_be_bytes());
        self.bytes.extend_from_slice(value);
        self
    }

    pub fn int(&mut self, name: &str, v: i32) -> &mut Self {
        self.attr(0x21, name, &v.to_be_bytes())
    }

    pub fn end(&mut self) -> Vec<u8> {
        let mut b = std::mem::take(&mut self.bytes);
        b.push(0x03);
        b
    }
}

/// A parsed IPP answer.
pub struct Answer {
    pub http: u16,
    pub status: Option<u16>,
    pub body: Vec<u8>,
}

impl Answer {
    /// The value of the first attribute named `name` (any group) as text, if it is a string value.
    pub fn text(&self, name: &str) -> Option<String> {
        self.values(name)
            .into_iter()
            .next()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    pub fn int(&self, name: &str) -> Option<i32> {
        self.values(name)
            .into_iter()
            .next()
            .and_then(|v| <[u8; 4]>::try_from(v.as_slice()).ok().map(i32::from_be_bytes))
    }

    /// Every value of every attribute named `name` (additional values included), raw.
    pub fn values(&self, name: &str) -> Vec<Vec<u8>> {
        let mut out = vec![];
        let b = &self.body;
        let mut i = 8;
        let mut current = String::new();
        while i < b.len() {
            let tag = b[i];
            i += 1;
            if tag <= 0x0f {
                if tag == 0x03 {
                    break;
                }
                continue;
            }
            let nl = u16::from_be_bytes([b[i], b[i + 1]]) as usize;
            let n = String::from_utf8_lossy(&b[i + 2..i + 2 + nl]).into_owned();
            i += 2 + nl;
            let vl = u16::from_be_bytes([b[i], b[i + 1]]) as usize;
            let v = b[i + 2..i + 2 + vl].to_vec();
            i += 2 + vl;
            if !n.is_empty() {
                current = n;
            }
            if current == name && tag != 0x4a && tag != 0x34 && tag != 0x37 {
                out.push(v);
            }
        }
        out
    }
}

/// POSTs an IPP request to the share, with Basic credentials when given.
pub async fn post(env: &Env, user: Option<(&str, &str)>, body: Vec<u8>) -> Answer {
    let mut req = env
        .api
        .http()
        .req(reqwest::Method::POST, &env.path())
        .header("content-type", "application/ipp")
        .body(body);
    if let Some((u, p)) = user {
        req = req.basic_auth(u, Some(p));
    }
    let r = req.send().await.unwrap();
    let http = r.status().as_u16();
    let body = r.bytes().await.unwrap().to_vec();
    let status = (http == 200 && body.len() >= 4).then(|| u16::from_be_bytes([body[2], body[3]]));
    Answer { http, status, body }
}

/// Polls `f` until it holds (job states move asynchronously), or panics after `secs`.
pub async fn until(secs: u64, what: &str, mut f: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}
