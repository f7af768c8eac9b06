//! A real webhook receiver on a loopback port, as a pull-printing app would run it (Graph §3.6):
//! `…/hook?validationToken=T` is answered `200 text/plain` with `T`; any other request to `/hook` is a
//! notification batch `{"value":[…]}`, recorded and acknowledged with `202`. `/refuse` never validates.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Clone)]
struct Shared {
    validations: Arc<Mutex<Vec<String>>>,
    tx: mpsc::UnboundedSender<Value>,
}

pub struct Receiver {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    validations: Arc<Mutex<Vec<String>>>,
    rx: mpsc::UnboundedReceiver<Value>,
    server: tokio::task::JoinHandle<()>,
}

async fn hook(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>, body: Bytes) -> Response {
    if let Some(token) = q.get("validationToken") {
        s.validations.lock().expect("lock").push(token.clone());
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain")],
            token.clone(),
        )
            .into_response();
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(v) => {
            let _ = s.tx.send(v);
            StatusCode::ACCEPTED.into_response()
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let base = format!("http://{}", listener.local_addr().expect("receiver address"));
        let validations = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::unbounded_channel();
        let app = Router::new()
            .route("/hook", any(hook))
            .route("/refuse", any(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
            .with_state(Shared {
                validations: validations.clone(),
                tx,
            });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            base,
            validations,
            rx,
            server,
        }
    }

    pub fn url(&self) -> String {
        format!("{}/hook", self.base)
    }

    /// The validation tokens echoed so far.
    pub fn validations(&self) -> Vec<String> {
        self.validations.lock().expect("lock").clone()
    }

    /// The next notification batch, if one arrives within `within`.
    pub async fn next(&mut self, within: Duration) -> Option<Value> {
        tokio::time::timeout(within, self.rx.recv()).await.ok().flatten()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}
