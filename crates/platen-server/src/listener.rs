//! The HTTP accept loop, for plain TCP and for TLS alike ([`Handshake`]). `axum::serve` gives hyper no timer,
//! so a client that never finishes its request headers (slow-loris), or a keep-alive connection that never
//! sends another request, held a connection and a file descriptor forever. Here every connection gets hyper's
//! header-read timeout: the request head must arrive within `header_timeout` of the connection waiting for
//! one, or the connection is closed. A TLS handshake gets the same time, and runs in the connection's own task,
//! so a client that stalls or fails its handshake delays nobody else.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use platen_app::ConnectionInfo;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// How long connections that are still open get to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);

/// What turns an accepted TCP connection into the byte stream HTTP runs on.
pub trait Handshake: Send + Sync + 'static {
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// Whether the stream is TLS (told to handlers through [`ConnectionInfo`]).
    const TLS: bool;
    fn handshake(&self, tcp: TcpStream) -> impl Future<Output = std::io::Result<Self::Stream>> + Send;
}

/// Plain HTTP: the TCP stream as it is.
pub struct Plain;

impl Handshake for Plain {
    type Stream = TcpStream;
    const TLS: bool = false;
    async fn handshake(&self, tcp: TcpStream) -> std::io::Result<TcpStream> {
        Ok(tcp)
    }
}

/// HTTPS/IPPS: a rustls server handshake.
pub struct Tls(pub tokio_rustls::TlsAcceptor);

impl Handshake for Tls {
    type Stream = tokio_rustls::server::TlsStream<TcpStream>;
    const TLS: bool = true;
    fn handshake(&self, tcp: TcpStream) -> impl Future<Output = std::io::Result<Self::Stream>> + Send {
        self.0.accept(tcp)
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open connections finish (up to [`DRAIN`]).
pub async fn serve<H: Handshake>(
    listener: TcpListener,
    handshake: H,
    router: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let handshake = Arc::new(handshake);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // Responses that stream a document after a small header (IPP Fetch-Document, $value) must not wait for
        // delayed ACKs: Nagle would stall each one by ~40 ms.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        let info = ConnectionInfo { tls: H::TLS, remote };
        let service = router
            .clone()
            .map_request(move |req: hyper::Request<Incoming>| with_connection(req, info));
        // Taken before the task starts, so the drain also waits for connections still in their handshake.
        let watcher = graceful.watcher();
        let (builder, handshake) = (builder.clone(), handshake.clone());
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(header_timeout, handshake.handshake(tcp)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, %remote, "handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%remote, "handshake not finished within the header timeout");
                    return;
                }
            };
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
                .into_owned();
            if let Err(e) = watcher.watch(connection).await {
                tracing::trace!(error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::info!("connections still open after the drain period were closed");
    }
    Ok(())
}

/// What `into_make_service_with_connect_info` did (handlers see the peer's address), and whether the
/// connection is TLS.
fn with_connection(req: hyper::Request<Incoming>, info: ConnectionInfo) -> axum::extract::Request {
    let mut req = req.map(Body::new);
    req.extensions_mut().insert(ConnectInfo(info.remote));
    req.extensions_mut().insert(info);
    req
}
