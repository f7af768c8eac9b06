//! This suite's servers, on top of platen-testkit's harness (HTTP client, buffered responses, tokens, Graph
//! fixtures): the `api` suite's shared server removes its data directory when it stops, and these tests restart
//! servers on the same directory, so a [`Server`] here is a `platen serve` that can be killed with SIGKILL and
//! started again on its [`DataDir`].

use platen_testkit::{Proc, Serve};
use serde_json::json;
use std::path::{Path, PathBuf};

pub use platen_testkit::graph::{ADMIN_SCOPES, USER_SCOPES, eventually, in_seconds, uuid};
pub use platen_testkit::http::Http as Client;

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

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

    /// An application token.
    pub fn app_token(&self, tenant: &str, app: &str, roles: &str) -> String {
        platen_testkit::graph::mint(
            BIN,
            &self.data,
            &["token", "app", "--tenant", tenant, "--app", app, "--roles", roles],
        )
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
        platen_testkit::graph::mint(BIN, &self.data, &args)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

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
        let body = platen_testkit::graph::printer_body("Webhooks", "LaserJet", true);
        let printer = c.register_printer(&admin, &body).await;
        let share = c.create_share(&admin, &printer, "Webhooks", true).await;
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
        let (job, doc) = c.create_job(&jobs, &self.user, json!({"copies": 1})).await;
        let document = format!("{jobs}/{job}/documents/{doc}");
        c.upload(&document, &self.user, "a.pdf", b"%PDF-1.4 webhook test")
            .await;
        job
    }

    pub async fn start(&self, c: &Client, job: &str) {
        let path = format!("/v1.0/print/shares/{}/jobs/{job}/start", self.share);
        c.post_empty(&path, &self.user).await.expect(200);
    }
}
