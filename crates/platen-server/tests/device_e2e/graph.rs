//! The Graph calls of the scenarios: shares, job submission (create → upload → start), reading, cancel,
//! and the pull-printing pieces (task definition, trigger, abort, task completion).

use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub const ADMIN_SCOPES: &str = "Printer.Create Printer.Read.All Printer.ReadWrite.All Printer.FullControl.All \
    PrinterShare.ReadWrite.All PrintJob.ReadWrite.All PrintConnector.ReadWrite.All";
pub const USER_SCOPES: &str = "PrintJob.ReadWrite PrinterShare.ReadBasic.All";
pub const APP_ROLES: &str =
    "PrintTaskDefinition.ReadWrite.All PrintJob.Manage.All PrintJob.ReadWrite.All Printer.ReadWrite.All";

#[derive(Clone)]
pub struct Graph {
    http: reqwest::Client,
    pub base: String,
}

/// A submitted job, addressed through its share.
#[derive(Clone, Debug)]
pub struct Job {
    pub share: String,
    pub id: String,
}

impl Graph {
    pub fn new(server: &str) -> Graph {
        Graph {
            http: reqwest::Client::new(),
            base: format!("{server}/v1.0"),
        }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = self.http.request(method, url).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("graph request");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("graph body");
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, token, Some(body)).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Value {
        let (s, v) = self.call(reqwest::Method::GET, path, token, None).await;
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }

    pub async fn share(&self, admin: &str, printer: &str, name: &str) -> String {
        let (s, v) = self
            .post(
                "/print/shares",
                admin,
                json!({"displayName": name, "allowAllUsers": true,
                       "printer@odata.bind": format!("{}/print/printers/{printer}", self.base)}),
            )
            .await;
        assert_eq!(s, 201, "share: {v}");
        v["id"].as_str().expect("share id").to_string()
    }

    /// Creates a job on the share and uploads `doc` (not started).
    pub async fn upload(&self, user: &str, share: &str, name: &str, doc: &[u8]) -> Job {
        let (s, v) = self
            .post(
                &format!("/print/shares/{share}/jobs"),
                user,
                json!({"configuration": {"copies": 1}}),
            )
            .await;
        assert_eq!(s, 201, "create job: {v}");
        let id = v["id"].as_str().expect("job id").to_string();
        let doc_id = v["documents"][0]["id"].as_str().expect("document id").to_string();
        let (s, v) = self
            .post(
                &format!("/print/shares/{share}/jobs/{id}/documents/{doc_id}/createUploadSession"),
                user,
                json!({"properties": {"documentName": name, "contentType": "application/pdf", "size": doc.len()}}),
            )
            .await;
        assert_eq!(s, 200, "upload session: {v}");
        let url = v["uploadUrl"].as_str().expect("uploadUrl").to_string();
        let resp = self
            .http
            .put(url)
            .header(
                "Content-Range",
                format!("bytes 0-{}/{}", doc.len() - 1, doc.len()),
            )
            .body(doc.to_vec())
            .send()
            .await
            .expect("upload");
        assert!(resp.status().is_success(), "upload: {}", resp.status());
        Job {
            share: share.to_string(),
            id,
        }
    }

    pub async fn start(&self, user: &str, job: &Job) -> Value {
        let (s, v) = self
            .call(
                reqwest::Method::POST,
                &format!("/print/shares/{}/jobs/{}/start", job.share, job.id),
                user,
                None,
            )
            .await;
        assert_eq!(s, 200, "start: {v}");
        v
    }

    /// share → upload → start.
    pub async fn submit(&self, user: &str, share: &str, name: &str, doc: &[u8]) -> Job {
        let job = self.upload(user, share, name, doc).await;
        self.start(user, &job).await;
        job
    }

    pub async fn job(&self, user: &str, job: &Job) -> Value {
        self.get(&format!("/print/shares/{}/jobs/{}", job.share, job.id), user)
            .await
    }

    pub async fn state(&self, user: &str, job: &Job) -> String {
        self.job(user, job).await["status"]["state"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn cancel(&self, user: &str, job: &Job) {
        let (s, v) = self
            .call(
                reqwest::Method::POST,
                &format!("/print/shares/{}/jobs/{}/cancel", job.share, job.id),
                user,
                None,
            )
            .await;
        assert_eq!(s, 204, "cancel: {v}");
    }

    /// Polls until the job's state is one of `states`; returns the job.
    pub async fn wait_state(&self, user: &str, job: &Job, states: &[&str], secs: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.job(user, job).await;
            if states.contains(&v["status"]["state"].as_str().unwrap_or_default()) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "job {} never reached {states:?}: {v}",
                job.id
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
