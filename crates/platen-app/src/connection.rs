//! What a front end knows about the connection a request came on. The server's accept loop puts a
//! [`ConnectionInfo`] in the extensions of every request, from the plain and the TLS listener alike; handlers
//! read it with `req.extensions().get::<ConnectionInfo>()` (or axum's `Extension<ConnectionInfo>`).
//!
//! It lives here, in the crate every front end and the server already depend on, rather than in a crate of
//! its own: it is one plain type, and the rules that read it (may this request carry a password, which
//! public URL does this client use) are decisions the front ends must make the same way.

use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The request came over TLS (`https`/`ipps`).
    pub tls: bool,
    /// The peer's address.
    pub remote: SocketAddr,
}

impl ConnectionInfo {
    /// The peer is this machine (127.0.0.0/8, ::1, or ::ffff:127.x.y.z).
    pub fn is_loopback(&self) -> bool {
        self.remote.ip().to_canonical().is_loopback()
    }

    /// Whether a password (HTTP Basic credentials) may travel on this connection: over TLS, or from this
    /// machine, where nobody can read it on the wire.
    pub fn may_carry_passwords(&self) -> bool {
        self.tls || self.is_loopback()
    }

    /// The public URL to give this client: the TLS one (`tls_public_url`) on a TLS connection when the server
    /// has one, otherwise `public_url`; so a client that came over https gets https links, and the other way
    /// round.
    pub fn public_url<'a>(&self, public_url: &'a str, tls_public_url: Option<&'a str>) -> &'a str {
        match tls_public_url {
            Some(url) if self.tls => url,
            _ => public_url,
        }
    }
}

/// The error a request body ends with when no bytes of it arrived for the server's body idle timeout (the server
/// wraps every request body; see `platen-server`'s `body_timeout.rs`). Front ends answer it with 408.
#[derive(Debug)]
pub struct BodyIdle(pub std::time::Duration);

impl std::fmt::Display for BodyIdle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no bytes of the request body arrived for {} s",
            self.0.as_secs()
        )
    }
}

impl std::error::Error for BodyIdle {}

/// Why reading a request body failed, as a front end answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFailure {
    /// Larger than the endpoint accepts: 413.
    TooLarge,
    /// Stalled past the idle timeout: 408.
    Idle,
    /// Broken off or malformed on the wire: 400.
    Broken,
}

impl BodyFailure {
    /// The HTTP status a front end answers it with: 413, 408 or 400.
    pub fn http_status(self) -> u16 {
        match self {
            BodyFailure::TooLarge => 413,
            BodyFailure::Idle => 408,
            BodyFailure::Broken => 400,
        }
    }

    /// Classifies an error from reading a body (`axum::body::to_bytes` and the like) by its chain of causes.
    pub fn of(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(e) = cause {
            if e.is::<BodyIdle>() {
                return BodyFailure::Idle;
            }
            if e.is::<http_body_util::LengthLimitError>() {
                return BodyFailure::TooLarge;
            }
            cause = e.source();
        }
        BodyFailure::Broken
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn info(tls: bool, remote: &str) -> ConnectionInfo {
        ConnectionInfo {
            tls,
            remote: remote.parse().unwrap(),
        }
    }

    #[test]
    fn passwords_travel_over_tls_or_loopback_only() {
        assert!(info(true, "192.0.2.7:5000").may_carry_passwords());
        assert!(!info(false, "192.0.2.7:5000").may_carry_passwords());
        assert!(info(false, "127.0.0.1:5000").may_carry_passwords());
        assert!(info(false, "127.8.9.1:5000").may_carry_passwords());
        assert!(info(false, "[::1]:5000").may_carry_passwords());
        assert!(info(false, "[::ffff:127.0.0.1]:5000").may_carry_passwords());
        assert!(!info(false, "[::ffff:192.0.2.7]:5000").may_carry_passwords());
    }

    #[test]
    fn the_public_url_follows_the_connection() {
        let https = Some("https://print.example:8443");
        assert_eq!(
            info(true, "192.0.2.7:1").public_url("http://print.example", https),
            "https://print.example:8443"
        );
        assert_eq!(
            info(false, "192.0.2.7:1").public_url("http://print.example", https),
            "http://print.example"
        );
        assert_eq!(
            info(true, "192.0.2.7:1").public_url("http://print.example", None),
            "http://print.example"
        );
    }

    #[tokio::test]
    async fn body_failures_are_told_apart_by_their_cause() {
        let big = axum::body::Body::from(vec![0u8; 100]);
        let e = axum::body::to_bytes(big, 10).await.unwrap_err();
        assert_eq!(BodyFailure::of(&e), BodyFailure::TooLarge);
        let idle = axum::Error::new(BodyIdle(std::time::Duration::from_secs(60)));
        assert_eq!(BodyFailure::of(&idle), BodyFailure::Idle);
        let broken = std::io::Error::other("connection reset");
        assert_eq!(BodyFailure::of(&broken), BodyFailure::Broken);
    }
}
