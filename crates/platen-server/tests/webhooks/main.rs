//! Change notifications end to end: real `platen serve` processes, a real receiver on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod delivery;
mod harness;
mod receiver;
mod subscriptions;

use harness::{Client, DataDir, Server, Tenant, in_seconds, uuid};
use receiver::Receiver;
use serde_json::{Value, json};

/// A server, a tenant with a shared printer, an app allowed to subscribe to printers' jobs, and a receiver.
pub struct World {
    pub dir: DataDir,
    pub srv: Server,
    pub c: Client,
    pub t: Tenant,
    pub app_id: String,
    pub app: String,
    pub rx: Receiver,
}

impl World {
    pub async fn new() -> World {
        Self::with_env(&[]).await
    }

    pub async fn with_env(env: &[(&str, &str)]) -> World {
        let dir = DataDir::new();
        let srv = Server::start(&dir, env);
        let c = Client::new(&srv.base);
        let t = Tenant::new(&srv, &c).await;
        let app_id = uuid();
        let app = srv.app_token(&t.id, &app_id, "Printer.Read.All PrintJob.Read.All");
        let rx = Receiver::start().await;
        World {
            dir,
            srv,
            c,
            t,
            app_id,
            app,
            rx,
        }
    }

    /// The body of a fetchable-jobs subscription on the tenant's printer, notifying `path` on the receiver.
    pub fn jobs_body(&self, path: &str) -> Value {
        json!({
            "changeType": "updated",
            "resource": format!("print/printers/{}/jobs", self.t.printer),
            "notificationUrl": self.rx.url(path),
            "expirationDateTime": in_seconds(3600),
            "clientState": "s3cret",
            "notificationQueryOptions": "$filter = isFetchable eq true",
        })
    }

    /// Creates a fetchable-jobs subscription (201) and returns it.
    pub async fn subscribe(&self, body: &Value) -> Value {
        self.c
            .post("/v1.0/subscriptions", &self.app, body)
            .await
            .expect_json(201)
    }

    /// Restarts the server on the same data directory after a SIGKILL.
    pub fn restart(&mut self, env: &[(&str, &str)]) {
        self.srv.kill();
        self.srv = Server::start(&self.dir, env);
        self.c = Client::new(&self.srv.base);
    }
}
