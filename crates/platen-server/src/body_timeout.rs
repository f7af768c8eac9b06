//! A request body that stops arriving ends its request. The header timeout (`listener.rs`) closes connections
//! that never finish their headers, but a client could send complete headers announcing a body and then send it
//! a byte a minute (or never): the handler would wait on the body forever, holding its connection, descriptor and
//! task, and an upload's range reservation. Every request body here fails with `platen_app::connection::BodyIdle`
//! when no bytes arrive for `http_body_idle_timeout_secs`; front ends answer 408 (`BodyFailure`). A body that keeps arriving, however slowly overall, is
//! never cut: large uploads over slow links stay possible.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use platen_app::connection::BodyIdle;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

struct IdleTimeoutBody {
    inner: Body,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl http_body::Body for IdleTimeoutBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.deadline.as_mut().reset(Instant::now() + this.idle);
                Poll::Ready(frame)
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(BodyIdle(this.idle))))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Middleware: wraps every request body in the idle timeout.
pub async fn limit(idle: Duration, req: Request, next: Next) -> Response {
    let req = req.map(|inner| {
        if http_body::Body::is_end_stream(&inner) {
            return inner;
        }
        Body::new(IdleTimeoutBody {
            inner,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        })
    });
    next.run(req).await
}
