//! The pull-printing fixture of the integration suites: one tenant wired for pull printing through the public
//! API ([`Pull`]), and the calls the user's client and the app make on it (a held job, reads, task completion,
//! abort, redirect).

use crate::graph::{ADMIN_SCOPES, APP_ROLES, Api, USER_SCOPES, User, printer_body, uuid};
use crate::http::Resp;
use serde_json::{Value, json};

/// The `definition@odata.bind` of a task trigger on `definition`.
pub fn bind_definition(definition: &str) -> String {
    format!("https://graph.microsoft.com/v1.0/print/taskDefinitions/{definition}")
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
    /// The virtual printer with the trigger.
    pub printer: String,
    /// The printer's share, open to all users.
    pub share: String,
    pub trigger: String,
    /// A virtual printer without trigger.
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
    /// The fixture in a new tenant with a new administrator.
    pub async fn new(api: Api) -> Pull {
        Self::in_tenant(api, &uuid(), &uuid()).await
    }

    /// The fixture in `tenant`, whose administrator `admin_oid` (signed in to app A) creates the printers, the
    /// share and the trigger; the definition, printers, share and trigger are created through the public API.
    pub async fn in_tenant(api: Api, tenant: &str, admin_oid: &str) -> Pull {
        let srv = api.srv.clone();
        let app_id = uuid();
        let app = srv.app_token(tenant, &app_id).roles(APP_ROLES).mint();
        let admin = srv
            .user_token(tenant, admin_oid)
            .upn("admin@contoso.test")
            .name("Ada Admin")
            .app(&app_id)
            .scopes(ADMIN_SCOPES)
            .admin()
            .mint();
        let mut p = Pull {
            api,
            tenant: tenant.to_string(),
            app_id,
            app,
            admin_oid: admin_oid.to_string(),
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
        let mut b = self.api.srv.user_token(&self.tenant, oid).scopes(scopes);
        if let Some(a) = app {
            b = b.app(a);
        }
        b.admin_if(admin).mint()
    }

    /// An application token of this tenant.
    pub fn app_token(&self, app_id: &str, roles: &str) -> String {
        self.api.srv.app_token(&self.tenant, app_id).roles(roles).mint()
    }

    /// A new ordinary user with [`USER_SCOPES`].
    pub fn user(&self, label: &str) -> User {
        self.api.srv.new_user(&self.tenant, label, USER_SCOPES, "")
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
        let body = json!({"event": "jobStarted", "definition@odata.bind": bind_definition(definition)});
        self.api
            .post(
                &format!("/v1.0/print/printers/{printer}/taskTriggers"),
                token,
                &body,
            )
            .await
    }

    /// Registers a virtual printer (`hasPhysicalDevice: false`, `physicalDeviceId: null`) as [`Pull::admin`]
    /// and returns its id.
    pub async fn virtual_printer(&self, name: &str) -> String {
        let body = printer_body(name, "Pull Print Queue", false);
        self.api.register_printer(&self.admin, &body).await
    }

    pub async fn share_printer(&self, printer: &str, name: &str) -> String {
        self.api.create_share(&self.admin, printer, name, true).await
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
        let (id, doc) = self
            .api
            .create_job(&jobs, &user.token, json!({"copies": 1, "colorMode": "color"}))
            .await;
        let document = format!("{}/documents/{doc}", self.share_job(&id));
        self.api.upload(&document, &user.token, "payroll.pdf", data).await;
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
