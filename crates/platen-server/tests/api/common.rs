//! The harness: platen-testkit's (`platen serve` on a free local port shared by this binary, tokens minted with
//! `platen token`, a buffered HTTP client with Graph-error assertions, Graph fixtures built only from public
//! HTTP calls) and this suite's tenant, user and job fixtures on top of it.
//!
//! One server is shared by every test of this binary ([`Api::shared`]); tests stay independent by using their
//! own tenant ids. Tests that need a differently configured server start their own ([`Server::start_with_env`]).
//! Each server runs under platen-testkit's watchdog, so no server outlives the test run.

pub use platen_testkit::graph::{ADMIN_SCOPES, Server, USER_SCOPES, User, uuid};
pub use platen_testkit::http::Resp;
use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

/// A client for this binary's shared server (or another one, [`Api::on`]).
pub type Api = platen_testkit::graph::Api;

/// The body of `POST /print/printers/create` with a fresh CSR (PEM content).
pub fn printer_create_body(name: &str) -> Value {
    platen_testkit::graph::printer_body(name, "LaserJet 9000", true)
}

/// The base64 DER body of a PEM block.
pub fn pem_to_base64_der(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect()
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
        Self::on(Api::shared(BIN))
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
        self.srv().new_user(&self.id, label, scopes, groups)
    }

    /// Registers a printer and returns its id (following the operation).
    pub async fn printer(&self, name: &str) -> String {
        self.printer_with(&self.admin, printer_create_body(name)).await
    }

    pub async fn printer_with(&self, token: &str, body: Value) -> String {
        self.api.register_printer(token, &body).await
    }

    pub async fn share(&self, printer: &str, name: &str, allow_all: bool) -> String {
        self.api.create_share(&self.admin, printer, name, allow_all).await
    }

    /// A physical printer whose key the test holds, shared with all users, and an INFRA device connected for it
    /// (device token from its signed assertion): `(printer, share, device, http client)`.
    pub async fn device_printer(
        &self,
        name: &str,
    ) -> (String, String, platen_testkit::infra::Device, reqwest::Client) {
        let (csr, key) = platen_pki::generate_csr_pem(name);
        let mut body = printer_create_body(name);
        body["certificateSigningRequest"]["content"] = csr.into();
        let printer = self.printer_with(&self.admin, body).await;
        let share = self.share(&printer, name, true).await;
        let http = platen_testkit::http::client();
        let device = platen_testkit::infra::Device::connect(&http, &self.srv().base, &printer, &key).await;
        (printer, share, device, http)
    }

    /// A virtual printer (no physical device) registered by the administrator through a new app, so that the app
    /// may later act on it (set its capabilities, own its task definitions): `(printer, app id, the administrator's
    /// token through that app, printer key PEM)`.
    pub async fn virtual_printer_via_app(&self, name: &str) -> (String, String, String, String) {
        let app_id = uuid();
        let admin_via_app = self
            .srv()
            .user_token(&self.id, &self.admin_oid)
            .scopes(ADMIN_SCOPES)
            .admin()
            .app(&app_id)
            .mint();
        let (csr, key) = platen_pki::generate_csr_pem(name);
        let body = json!({"displayName": name, "manufacturer": "Contoso", "model": "Virtual",
            "hasPhysicalDevice": false, "certificateSigningRequest": {"content": csr, "transportKey": "a2V5"}});
        let printer = self.printer_with(&admin_via_app, body).await;
        (printer, app_id, admin_via_app, key)
    }

    /// A registered printer shared with all users: `(printer, share)`.
    pub async fn open_share(&self, name: &str) -> (String, String) {
        let p = self.printer(name).await;
        let s = self.share(&p, name, true).await;
        (p, s)
    }

    /// Creates a job (201) through a job collection path such as `/v1.0/print/shares/{id}/jobs`.
    pub async fn job(&self, collection: &str, token: &str) -> Job {
        let (id, doc) = self.api.create_job(collection, token, json!({"copies": 1})).await;
        Job {
            id,
            doc,
            collection: collection.to_string(),
        }
    }

    /// `createUploadSession` → the upload URL.
    pub async fn upload_session(&self, job: &Job, token: &str, content_type: &str, size: usize) -> String {
        self.api
            .upload_session(&job.doc_path(), token, "report.pdf", content_type, size)
            .await
    }

    /// Uploads `data` in one PUT (201).
    pub async fn upload(&self, job: &Job, token: &str, data: &[u8]) {
        self.api.upload(&job.doc_path(), token, "report.pdf", data).await;
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
    api.put_chunk(url, chunk, first, total).await
}

/// Deterministic test bytes.
pub fn bytes(n: usize) -> Vec<u8> {
    platen_testkit::graph::bytes(n, 0)
}

/// A delegated development token minted with the issuer key of the server whose data directory is `dir` (a server
/// the test started itself, not the shared one).
pub fn token_in(dir: &std::path::Path, tenant: &str, user: &str, scopes: &str, admin: bool) -> String {
    let dir = dir.display().to_string();
    let mut args = vec![
        "token",
        "user",
        "--tenant",
        tenant,
        "--user",
        user,
        "--scopes",
        scopes,
        "--data-dir",
        &dir,
    ];
    args.extend(["--upn", "crash@contoso.test", "--expires-in", "3600"]);
    if admin {
        args.push("--admin");
    }
    platen_testkit::graph::run_platen(BIN, &args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
}

/// The value of the series `name` (its exact label set as the exporter writes it) in Prometheus text, if present.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
}

/// `GET {base}/metrics` (from loopback), as text.
pub async fn scrape_metrics(http: &reqwest::Client, base: &str) -> String {
    let r = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// The scopes of an administrator's token on a test's own server: printers, shares and every job.
pub const OWN_ADMIN_SCOPES: &str =
    "Printer.FullControl.All PrinterShare.ReadWrite.All PrintJob.ReadWrite.All";
/// The scopes of a user's token on a test's own server: print to shares.
pub const OWN_USER_SCOPES: &str = "PrintJob.ReadWrite PrinterShare.ReadBasic.All";

/// A Printer Administrator's token for `tenant` on the server whose data directory is `dir`.
pub fn admin_in(dir: &std::path::Path, tenant: &str) -> String {
    token_in(
        dir,
        tenant,
        &platen_testkit::graph::uuid(),
        OWN_ADMIN_SCOPES,
        true,
    )
}

/// A user's token for `tenant` on the server whose data directory is `dir` (a new user each time).
pub fn user_in(dir: &std::path::Path, tenant: &str) -> String {
    token_in(
        dir,
        tenant,
        &platen_testkit::graph::uuid(),
        OWN_USER_SCOPES,
        false,
    )
}

/// A printer registered with a key of its own (returned as PEM, for its device to sign in with).
pub async fn registered_printer(
    http: &platen_testkit::http::Http,
    admin: &str,
    name: &str,
) -> (String, String) {
    let (csr, key) = platen_pki::generate_csr_pem(name);
    let mut body = platen_testkit::graph::printer_body(name, "LaserJet", true);
    body["certificateSigningRequest"]["content"] = csr.into();
    (http.register_printer(admin, &body).await, key)
}

/// A server on its own data directory, on the suite's selected backend (`db`: a PostgreSQL database when the suite
/// runs on PostgreSQL, otherwise the embedded default).
pub fn serve_on(
    dir: &std::path::Path,
    db: &Option<platen_testkit::TestDatabase>,
) -> platen_testkit::serve::Serve {
    let serve = platen_testkit::serve::Serve::new(BIN, dir);
    match db {
        Some(db) => serve.env("PLATEN_DATABASE_URL", &db.url),
        None => serve,
    }
}
