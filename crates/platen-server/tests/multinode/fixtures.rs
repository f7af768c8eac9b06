//! HTTP for the multi-node tests, on platen-testkit's harness (buffered responses, the client, tokens, Graph
//! fixtures): Graph calls on one node ([`Graph`]), tenants with tokens minted from the shared development
//! issuer, and jobs built from public calls.

use crate::harness::{mint, uuid};
pub use platen_testkit::graph::{ADMIN_SCOPES, APP_ROLES, USER_SCOPES, bytes, path_of};
pub use platen_testkit::http::{Http, Resp, client};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;

/// `method url` (absolute) on `http`, with a bearer token and a JSON body when given.
pub async fn call(
    http: &reqwest::Client,
    url: &str,
    method: Method,
    token: Option<&str>,
    body: Option<&Value>,
) -> Resp {
    let h = Http::with_client(url, http.clone());
    let mut rb = h.req(method, url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(b);
    }
    h.exec(rb).await
}

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
        // The administrator, signed in to no app or to `app_id`.
        let admin_in = |app: Option<&str>| {
            let mut args = vec![
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
            ];
            if let Some(a) = app {
                args.extend(["--app", a]);
            }
            args.extend(["--scopes", ADMIN_SCOPES, "--admin"]);
            mint(data_dir, &args)
        };
        let admin = admin_in(None);
        let app_admin = admin_in(Some(&app_id));
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
    platen_testkit::graph::printer_body(name, "LaserJet 9000", physical)
}

/// Graph calls on one base URL (a node).
pub struct Graph<'a> {
    pub http: &'a reqwest::Client,
    pub base: String,
}

impl Graph<'_> {
    /// This node as a platen-testkit client (sharing the connection pool).
    pub fn node(&self) -> Http {
        Http::with_client(&self.base, self.http.clone())
    }
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<&Value>) -> Resp {
        self.node().call(method, path, token, body).await
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
        self.node()
            .register_printer(admin, &printer_body(name, physical))
            .await
    }

    pub async fn share(&self, admin: &str, printer: &str, name: &str) -> String {
        self.node().create_share(admin, printer, name, true).await
    }

    /// Creates a job on a share: `(job id, document id)`.
    pub async fn job(&self, share: &str, user: &str) -> (String, String) {
        self.node()
            .create_job(
                &format!("/v1.0/print/shares/{share}/jobs"),
                user,
                json!({"copies": 1, "colorMode": "color"}),
            )
            .await
    }

    /// `createUploadSession` → the upload URL's path and query (send it to any node).
    pub async fn upload_session(&self, share: &str, job: &str, doc: &str, user: &str, size: usize) -> String {
        let document = format!("/v1.0/print/shares/{share}/jobs/{job}/documents/{doc}");
        let url = self
            .node()
            .upload_session(&document, user, "report.pdf", "application/pdf", size)
            .await;
        path_of(&url)
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
    Http::with_client(base, http.clone())
        .put_chunk(upload, &data[first..=last], first, data.len())
        .await
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
