//! One error type for everything that talks to the server or the local printer, classified so that the
//! callers can decide between "retry later" (the peer is unreachable or busy) and "give up on this request".

use crate::codes::status;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The peer could not be reached or the connection broke: retry with back-off.
    #[error("{peer} unreachable: {source}")]
    Transport {
        peer: &'static str,
        #[source]
        source: reqwest::Error,
    },
    /// A non-success HTTP status.
    #[error("{peer} answered HTTP {status}: {body}")]
    Http {
        peer: &'static str,
        status: u16,
        body: String,
    },
    /// An IPP response whose status-code is not successful.
    #[error("{peer} answered IPP status 0x{status:04x} to operation 0x{op:04x}: {message}")]
    Ipp {
        peer: &'static str,
        op: u16,
        status: u16,
        message: String,
    },
    /// A malformed message (IPP or JSON).
    #[error("malformed message from {peer}: {detail}")]
    Protocol { peer: &'static str, detail: String },
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The device token endpoint refused our assertion: the key or certificate is no longer accepted.
    #[error("device token refused: {0}")]
    Auth(String),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// True when repeating the same request later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            // 408 timeout, 429 throttling and every 5xx (a restarting server or proxy) are transient; 404 too,
            // because a server being upgraded may briefly not route the IPP endpoint.
            Error::Http { status, .. } => matches!(status, 404 | 408 | 429 | 500..=599),
            Error::Ipp { status, .. } => status::is_transient(*status),
            Error::Io(_) => true,
            // A refused device token is retried (slowly): the admin may fix the printer's registration,
            // and a daemon that exits would need a supervisor to notice.
            Error::Auth(_) => true,
            Error::Protocol { .. } | Error::Other(_) => false,
        }
    }

    /// The IPP status-code, when the peer answered one.
    pub fn ipp_status(&self) -> Option<u16> {
        match self {
            Error::Ipp { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn protocol(peer: &'static str, detail: impl Into<String>) -> Self {
        Error::Protocol {
            peer,
            detail: detail.into(),
        }
    }
}
