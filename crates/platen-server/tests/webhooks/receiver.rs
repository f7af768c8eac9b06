//! A real webhook receiver on loopback: answers validation handshakes as told, records every notification POST
//! (whatever it answers), and can fail on purpose or stop and come back on the same port.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How validation requests are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handshake {
    Echo,
    WrongToken,
    Status500,
    /// Echo, but only after this long.
    Slow(Duration),
}

/// One notification POST as received.
#[derive(Debug, Clone)]
pub struct Post {
    pub path: String,
    pub body: Value,
    pub at: Instant,
}

pub struct Shared {
    pub handshake: Mutex<Handshake>,
    pub validations: AtomicUsize,
    pub posts: Mutex<Vec<Post>>,
    /// Answer every notification with 503.
    pub failing: AtomicBool,
    /// Answer this many notifications with 500 first.
    pub fail_next: AtomicUsize,
}

pub struct Receiver {
    pub addr: SocketAddr,
    pub state: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

async fn handle(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> (StatusCode, String) {
    if let Some(token) = q.get("validationToken") {
        s.validations.fetch_add(1, Ordering::SeqCst);
        let mode = *s.handshake.lock().unwrap();
        return match mode {
            Handshake::Echo => (StatusCode::OK, token.clone()),
            Handshake::WrongToken => (StatusCode::OK, "not-the-token".into()),
            Handshake::Status500 => (StatusCode::INTERNAL_SERVER_ERROR, String::new()),
            Handshake::Slow(d) => {
                tokio::time::sleep(d).await;
                (StatusCode::OK, token.clone())
            }
        };
    }
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    s.posts.lock().unwrap().push(Post {
        path: uri.path().to_string(),
        body,
        at: Instant::now(),
    });
    if s.failing.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, String::new());
    }
    if s.fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (StatusCode::INTERNAL_SERVER_ERROR, String::new());
    }
    (StatusCode::ACCEPTED, String::new())
}

impl Receiver {
    pub async fn start() -> Receiver {
        let state = Arc::new(Shared {
            handshake: Mutex::new(Handshake::Echo),
            validations: AtomicUsize::new(0),
            posts: Mutex::new(Vec::new()),
            failing: AtomicBool::new(false),
            fail_next: AtomicUsize::new(0),
        });
        Self::serve("127.0.0.1:0".parse().unwrap(), state).await
    }

    async fn serve(addr: SocketAddr, state: Arc<Shared>) -> Receiver {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new().fallback(handle).with_state(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Receiver {
            addr,
            state,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stops listening: connections are refused until [`Receiver::resume`].
    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(mut t) = self.task.take() {
            // Graceful: idle keep-alive connections close too, so the server's pooled ones fail fast.
            if tokio::time::timeout(Duration::from_secs(5), &mut t)
                .await
                .is_err()
            {
                t.abort();
            }
        }
    }

    /// Listens again on the same port with the same recordings.
    pub async fn resume(&mut self) {
        let again = Self::serve(self.addr, self.state.clone()).await;
        *self = again;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set_handshake(&self, h: Handshake) {
        *self.state.handshake.lock().unwrap() = h;
    }

    pub fn posts(&self) -> Vec<Post> {
        self.state.posts.lock().unwrap().clone()
    }

    /// Every notification (element of `value`) received on `path`, in arrival order, with duplicates.
    pub fn notifications(&self, path: &str) -> Vec<Value> {
        self.posts()
            .into_iter()
            .filter(|p| p.path == path)
            .flat_map(|p| p.body["value"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}
