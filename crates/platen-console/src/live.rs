//! `GET /console/live`: server-sent events that tell a job page to refresh, from Platen's own change feed (on
//! every node: PostgreSQL's LISTEN/NOTIFY, or in process on SQLite). A user hears only about their own jobs, an
//! administrator about every job of the tenant; a burst of changes is one event. The stream ends when the
//! session does.

use crate::Shared;
use crate::error::failure;
use crate::session::visit;
use axum::extract::State;
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, StreamExt};
use platen_domain::JobId;
use platen_domain::time::now_micros;
use platen_store::ChangeEvent;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// At most this many of a burst's jobs are looked up to decide whether a user may hear about it.
const LOOKUPS_PER_BURST: usize = 32;

pub(crate) async fn events(State(state): State<Shared>, parts: Parts) -> Response {
    let visit = match visit(&state, &parts).await {
        Ok(v) => v,
        Err(e) => return failure(&state, &parts, None, e),
    };
    let changes = match state.app.watch_job_changes().await {
        Ok(rx) => rx,
        Err(e) => return failure(&state, &parts, Some(&visit), e.into()),
    };
    let remaining =
        Duration::from_micros(u64::try_from(visit.session.expires_at - now_micros()).unwrap_or(0));
    let ready = stream::once(async { Ok::<_, Infallible>(Event::default().event("ready").data("{}")) });
    let follow = stream::unfold(
        (state, visit, changes),
        |(state, visit, mut changes)| async move {
            loop {
                let burst = next_burst(&mut changes).await?;
                if notify(&state, &visit, &burst).await {
                    let event = Event::default().event("jobs").data(format!("{}", burst.len()));
                    return Some((Ok(event), (state, visit, changes)));
                }
            }
        },
    );
    let until_session_ends = ready.chain(follow).take_until(tokio::time::sleep(remaining));
    Sse::new(until_session_ends)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The next change and every one already queued behind it: `None` when the feed is closed. Events missed by a
/// lagging receiver are an empty burst's worth of "something changed".
async fn next_burst(changes: &mut Receiver<ChangeEvent>) -> Option<Burst> {
    let mut burst = Burst::default();
    match changes.recv().await {
        Ok(e) => burst.add(e),
        Err(RecvError::Lagged(_)) => burst.lagged = true,
        Err(RecvError::Closed) => return None,
    }
    loop {
        match changes.try_recv() {
            Ok(e) => burst.add(e),
            Err(TryRecvError::Lagged(_)) => burst.lagged = true,
            Err(TryRecvError::Empty) => return Some(burst),
            Err(TryRecvError::Closed) => return Some(burst),
        }
    }
}

#[derive(Default)]
struct Burst {
    jobs: BTreeSet<(String, JobId)>,
    lagged: bool,
}

impl Burst {
    fn add(&mut self, e: ChangeEvent) {
        self.jobs.insert((e.tenant.to_string(), e.job_id));
    }
    fn len(&self) -> usize {
        self.jobs.len()
    }
}

/// Whether the burst holds a change the viewer may hear about.
async fn notify(state: &Shared, visit: &crate::session::Visit, burst: &Burst) -> bool {
    let tenant = visit.caller.tenant_id.as_str();
    let mine: Vec<JobId> = burst
        .jobs
        .iter()
        .filter(|(t, _)| t == tenant)
        .map(|(_, j)| *j)
        .collect();
    if visit.is_admin() {
        return !mine.is_empty() || burst.lagged;
    }
    if burst.lagged {
        return true;
    }
    for job in mine.into_iter().take(LOOKUPS_PER_BURST) {
        if state.app.job_across_printers(&visit.caller, job).await.is_ok() {
            return true;
        }
    }
    false
}
