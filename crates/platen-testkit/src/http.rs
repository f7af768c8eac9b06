//! HTTP for the integration suites: a buffered response with Graph-error assertions ([`Resp`]) and a client
//! bound to one server's base URL ([`Http`]), with the calls every suite makes (JSON verbs, raw bodies, upload
//! ranges, the health check).

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;

/// A buffered response.
pub struct Resp {
    pub method: Method,
    pub url: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} → {} {:?} {}",
            self.method,
            self.url,
            self.status,
            self.headers,
            self.text()
        )
    }
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A 2xx status.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON; panics (naming the request) when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {} → {}: body is not JSON ({e}): {}",
                self.method,
                self.url,
                self.status,
                self.text()
            )
        })
    }

    fn context(&self) -> String {
        format!("{} {} → {} {}", self.method, self.url, self.status, self.text())
    }

    /// Asserts the status and returns self.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status: {}", self.context());
        self
    }

    /// Asserts the status and a JSON body; returns the body.
    #[track_caller]
    pub fn expect_json(&self, status: u16) -> Value {
        self.expect(status);
        self.assert_json_content_type();
        self.json()
    }

    #[track_caller]
    pub fn assert_json_content_type(&self) {
        let ct = self.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("application/json"),
            "Content-Type '{ct}' is not JSON: {}",
            self.context()
        );
    }

    /// Asserts a Graph error of this status (any code); returns the `error` object.
    #[track_caller]
    pub fn expect_error(&self, status: u16) -> Value {
        self.expect(status);
        self.assert_graph_error()
    }

    /// Asserts a Graph error with this status and `error.code`; returns the `error` object.
    #[track_caller]
    pub fn expect_code(&self, status: u16, code: &str) -> Value {
        let e = self.expect_error(status);
        assert_eq!(e["code"], code, "error code: {}", self.context());
        e
    }

    /// Asserts a Graph error of this status (any code); returns its message.
    #[track_caller]
    pub fn error_message(&self, status: u16) -> String {
        let e = self.expect_error(status);
        e["message"].as_str().unwrap_or_default().to_string()
    }

    /// `403 accessDenied`.
    #[track_caller]
    pub fn expect_denied(&self) -> Value {
        self.expect_code(403, "accessDenied")
    }

    /// `404 itemNotFound`.
    #[track_caller]
    pub fn expect_not_found(&self) -> Value {
        self.expect_code(404, "itemNotFound")
    }

    /// `409` with a Graph error (the state of a job or task forbids the request).
    #[track_caller]
    pub fn expect_conflict(&self) -> Value {
        self.expect_error(409)
    }

    /// `400` with a Graph error.
    #[track_caller]
    pub fn expect_bad_request(&self) -> Value {
        self.expect_error(400)
    }

    /// The body is `{"error":{"code","message","innerError":{"request-id","date",…}}}` with a JSON content type,
    /// and `innerError.request-id` equals the `request-id` header. Returns the `error` object.
    #[track_caller]
    pub fn assert_graph_error(&self) -> Value {
        self.assert_json_content_type();
        let v = self.json();
        let top = v
            .as_object()
            .unwrap_or_else(|| panic!("error body is not an object: {}", self.context()));
        assert_eq!(
            top.len(),
            1,
            "error body must have exactly one member 'error': {}",
            self.context()
        );
        let e = &v["error"];
        assert!(
            e["code"].as_str().is_some_and(|c| !c.is_empty()),
            "error.code: {}",
            self.context()
        );
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error.message: {}",
            self.context()
        );
        let inner = &e["innerError"];
        let rid = inner["request-id"]
            .as_str()
            .unwrap_or_else(|| panic!("innerError.request-id: {}", self.context()));
        assert!(!rid.is_empty(), "empty request-id: {}", self.context());
        assert_eq!(
            Some(rid),
            self.header("request-id"),
            "innerError.request-id differs from the header: {}",
            self.context()
        );
        let date = inner["date"]
            .as_str()
            .unwrap_or_else(|| panic!("innerError.date: {}", self.context()));
        assert!(
            is_graph_date(date),
            "innerError.date '{date}' is not YYYY-MM-DDTHH:MM:SS: {}",
            self.context()
        );
        e.clone()
    }
}

/// `2020-10-25T02:19:38` (optionally with fractional seconds / a zone).
fn is_graph_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

/// A reqwest client for loopback servers: no proxy, a generous timeout. reqwest clients belong to the runtime
/// they are first used on, so make one per test.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("reqwest client")
}

/// A client bound to one base URL (a server, or one node of several).
#[derive(Clone)]
pub struct Http {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub http: reqwest::Client,
}

impl Http {
    /// With a new [`client`].
    pub fn new(base: &str) -> Http {
        Http::with_client(base, client())
    }

    /// Sharing `http`'s connection pool (e.g. one client for every node of a cluster).
    pub fn with_client(base: &str, http: reqwest::Client) -> Http {
        Http {
            base: base.trim_end_matches('/').to_string(),
            http,
        }
    }

    /// `path` on this base; an absolute URL is kept as it is.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path))
    }

    pub fn authed(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.req(method, path).bearer_auth(token)
    }

    /// Sends the request and buffers the answer; a transport error panics, naming the request.
    pub async fn exec(&self, rb: reqwest::RequestBuilder) -> Resp {
        self.try_exec(rb).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Http::exec`] for callers that expect the server to go away (a crash test): a transport error (no
    /// connection, a connection cut before the whole answer) is returned, naming the request.
    pub async fn try_exec(&self, rb: reqwest::RequestBuilder) -> Result<Resp, String> {
        let req = rb.build().map_err(|e| format!("request: {e:?}"))?;
        let method = req.method().clone();
        let url = req.url().to_string();
        let r = self
            .http
            .execute(req)
            .await
            .map_err(|e| format!("{method} {url}: transport error: {e:?}"))?;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r
            .bytes()
            .await
            .map_err(|e| format!("{method} {url}: reading body: {e:?}"))?
            .to_vec();
        Ok(Resp {
            method,
            url,
            status,
            headers,
            body,
        })
    }

    /// `method path` with a bearer token and, when given, a JSON body.
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<&Value>) -> Resp {
        let mut rb = self.authed(method, path, token);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        self.exec(rb).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call(Method::DELETE, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// A POST without a body and without a Content-Type (actions without parameters).
    pub async fn post_empty(&self, path: &str, token: &str) -> Resp {
        self.call(Method::POST, path, token, None).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    /// Sends raw bytes with a JSON content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: impl Into<reqwest::Body>,
    ) -> Resp {
        self.exec(
            self.authed(method, path, token)
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    /// PUTs `chunk` as the bytes starting at `first` of a document of `total` bytes to an upload URL (no
    /// Authorization header: the URL carries its own credential).
    pub async fn put_chunk(&self, upload_url: &str, chunk: &[u8], first: usize, total: usize) -> Resp {
        let last = first + chunk.len() - 1;
        self.exec(
            self.req(Method::PUT, upload_url)
                .header("content-range", format!("bytes {first}-{last}/{total}"))
                .body(chunk.to_vec()),
        )
        .await
    }

    /// PUTs `data` whole to an upload URL.
    pub async fn put_all(&self, upload_url: &str, data: &[u8]) -> Resp {
        self.put_chunk(upload_url, data, 0, data.len()).await
    }

    /// `GET /healthz` answers `ok`: the server is still serving.
    pub async fn assert_healthy(&self) {
        let r = self.exec(self.req(Method::GET, "/healthz")).await;
        r.expect(200);
        assert_eq!(r.text(), "ok");
    }
}
