//! Reading a client's request: the IPP message at the head of the HTTP body, and the document after it as a
//! stream (never buffered whole), decompressed when the request says `compression`.

use async_compression::tokio::bufread::{DeflateDecoder, GzipDecoder};
use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use platen_blob::ByteStream;
use platen_ipp_model::ParseError;
use platen_ipp_model::message::Msg;
use tokio_util::io::{ReaderStream, StreamReader};

/// The attributes of a request are small (a few KiB even with a media-col); anything larger is refused
/// before it can take memory.
pub const MAX_MESSAGE: usize = 256 * 1024;

/// A request's IPP message and the rest of its body.
pub struct Incoming {
    pub message: Msg,
    /// The document bytes after the message (empty for requests without a document).
    pub data: ByteStream,
}

pub enum ReadError {
    /// The body ended before an IPP message did, or the message is malformed.
    Malformed(ParseError),
    /// The message is larger than [`MAX_MESSAGE`] without ending; the rest of the body, to drain before answering.
    TooLarge(ByteStream),
    /// The body could not be read: the client went away, or stopped sending (the server's body idle timeout).
    Io(platen_app::connection::BodyFailure, String),
}

/// Reads until the IPP message is complete. The message is parsed again only when the buffer has doubled
/// since the last attempt (or the body ended), so a client trickling bytes costs linear work, not quadratic.
/// A prefix parses only if it holds the whole message (the end-of-attributes tag closes it), so the first
/// success is the message.
pub async fn read(body: Body) -> Result<Incoming, ReadError> {
    let mut stream = body.into_data_stream();
    let mut buf = BytesMut::new();
    let mut attempted_at = 0usize;
    loop {
        let next = stream.next().await;
        let ended = next.is_none();
        match next {
            Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
            Some(Err(e)) => {
                return Err(ReadError::Io(
                    platen_app::connection::BodyFailure::of(&e),
                    e.to_string(),
                ));
            }
            None => {}
        }
        if ended || buf.len() >= attempted_at.saturating_mul(2).max(1) {
            attempted_at = buf.len();
            match platen_ipp_model::parse(&buf) {
                Ok(parsed) => {
                    let message = parsed.message;
                    let rest_len = parsed.data.len();
                    let head_len = buf.len() - rest_len;
                    let rest: Bytes = buf.split_off(head_len).freeze();
                    let tail = stream.map(|r| r.map_err(std::io::Error::other));
                    let data = futures::stream::once(async move { Ok(rest) })
                        .chain(tail)
                        .filter(|r| futures::future::ready(!matches!(r, Ok(b) if b.is_empty())))
                        .boxed();
                    return Ok(Incoming { message, data });
                }
                Err(e) if ended => return Err(ReadError::Malformed(e)),
                Err(_) => {}
            }
        }
        if buf.len() > MAX_MESSAGE {
            let rest = stream.map(|r| r.map_err(std::io::Error::other)).boxed();
            return Err(ReadError::TooLarge(rest));
        }
    }
}

/// The `compression` keywords a document may arrive in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    /// RFC 1952.
    Gzip,
    /// RFC 1951 (raw deflate, as CUPS writes it).
    Deflate,
}

impl Compression {
    pub fn from_keyword(k: &str) -> Option<Self> {
        Some(match k {
            "none" => Compression::None,
            "gzip" => Compression::Gzip,
            "deflate" => Compression::Deflate,
            _ => return None,
        })
    }

    /// The document decompressed as it streams. A corrupt stream ends in an error of kind `InvalidData`.
    pub fn decode(self, data: ByteStream) -> ByteStream {
        let reader = |data| tokio::io::BufReader::new(StreamReader::new(data));
        match self {
            Compression::None => data,
            Compression::Gzip => ReaderStream::new(GzipDecoder::new(reader(data))).boxed(),
            Compression::Deflate => ReaderStream::new(DeflateDecoder::new(reader(data))).boxed(),
        }
    }
}

/// Whether any document bytes follow the message (Print-Job and Send-Document without data are requests
/// a client may send; Create-Job with data is not). Peeks without losing what it read.
pub async fn has_data(data: ByteStream) -> (bool, ByteStream) {
    let mut data = data.peekable();
    let any = std::pin::Pin::new(&mut data).peek().await.is_some();
    (any, data.boxed())
}

/// Reads and discards the rest of a body, at most `limit` bytes and for at most [`DRAIN_TIME`].
pub async fn drain(mut data: ByteStream, limit: u64) {
    let mut seen: u64 = 0;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(Ok(chunk)) = data.next().await {
            seen = seen.saturating_add(chunk.len() as u64);
            if seen > limit {
                break;
            }
        }
    })
    .await;
}

/// How long a refused request's remaining body is read before the connection is given up.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(30);
