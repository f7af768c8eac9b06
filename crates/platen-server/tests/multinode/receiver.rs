//! A webhook receiver on loopback for the multi-node tests: echoes validation tokens, records every
//! notification POST with the status it answered, and answers 503 while `failing` is set.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Shared {
    pub failing: AtomicBool,
    /// (status answered, notification) for every notification of every POST.
    pub got: Mutex<Vec<(u16, Value)>>,
}

pub struct Receiver {
    pub url: String,
    pub state: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

async fn hook(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> (StatusCode, String) {
    if let Some(token) = q.get("validationToken") {
        return (StatusCode::OK, token.clone());
    }
    let status = if s.failing.load(Ordering::SeqCst) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::ACCEPTED
    };
    let batch: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut got = s.got.lock().expect("lock");
    for n in batch["value"].as_array().cloned().unwrap_or_default() {
        got.push((status.as_u16(), n));
    }
    (status, String::new())
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let state = Arc::new(Shared::default());
        let app = Router::new()
            .route("/hook", axum::routing::any(hook))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, state, task }
    }

    pub fn set_failing(&self, failing: bool) {
        self.state.failing.store(failing, Ordering::SeqCst);
    }

    /// Notifications about job `job`: (status answered, notification id).
    pub fn about(&self, job: &str) -> Vec<(u16, String)> {
        self.state
            .got
            .lock()
            .expect("lock")
            .iter()
            .filter(|(_, n)| n["resourceData"]["id"] == job)
            .map(|(s, n)| (*s, n["id"].as_str().unwrap_or_default().to_string()))
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
