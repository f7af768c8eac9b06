//! A small in-memory Infrastructure Printer speaking the connector contract (Graph registration, device
//! token, INFRA + ippget over `/ipp/print/{id}`), so the connector can be exercised against a real
//! ippeveprinter without the Platen server.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use ipp::parser::IppParser;
use ipp::prelude::*;
use ipp::reader::IppReader;
use ipp::value::IppValue;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

pub const PRINTER_ID: &str = "printer-1";

#[derive(Debug, Clone, Default)]
pub struct Job {
    pub state: i32,
    pub fetchable: bool,
    pub assigned: bool,
    pub doc: Vec<u8>,
    pub name: String,
    /// Successful Acknowledge-Job calls (must never exceed 1).
    pub acks: u32,
    /// Acknowledge-Job calls refused with not-fetchable.
    pub refused_acks: u32,
    /// Every output-device-job-state reported with Update-Job-Status.
    pub reports: Vec<i32>,
}

#[derive(Default)]
pub struct State {
    pub jobs: Mutex<BTreeMap<i32, Job>>,
    /// (sequence number, event, job id, job state)
    events: Mutex<Vec<(i32, &'static str, i32, i32)>>,
    subs: Mutex<BTreeMap<i32, i32>>,
    pub device_attrs: Mutex<Vec<String>>,
    pub connector_patches: Mutex<u32>,
    pub deregistrations: Mutex<u32>,
    notify: Notify,
}

pub struct Mock {
    pub base: String,
    pub port: u16,
    pub state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Mock {
    pub async fn start() -> Mock {
        Self::start_with(Arc::new(State::default()), 0).await
    }

    /// A restarted server: the same data on the same port, its subscriptions lost.
    pub async fn reopen(state: Arc<State>, port: u16) -> Mock {
        state.subs.lock().unwrap().clear();
        Self::start_with(state, port).await
    }

    async fn start_with(state: Arc<State>, port: u16) -> Mock {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let base = format!("http://127.0.0.1:{port}");
        let app = Router::new()
            .route("/device/token", post(token))
            .route("/v1.0/print/connectors", post(create_connector))
            .route("/v1.0/print/connectors/{id}", patch(patch_connector))
            .route("/v1.0/print/printers/create", post(create_printer))
            .route("/v1.0/print/operations/{id}", get(operation))
            .route("/ipp/print/{id}", post(ipp_endpoint))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Mock {
            base,
            port,
            state,
            task,
        }
    }

    pub fn add_job(&self, name: &str, doc: Vec<u8>) -> i32 {
        let id = {
            let mut jobs = self.state.jobs.lock().unwrap();
            let id = jobs.keys().last().copied().unwrap_or(0) + 1;
            jobs.insert(
                id,
                Job {
                    state: 3,
                    fetchable: true,
                    doc,
                    name: name.into(),
                    ..Default::default()
                },
            );
            id
        };
        self.state.event("job-fetchable", id, 3);
        id
    }

    /// Graph cancel (7) or abort (8).
    pub fn stop_job(&self, id: i32, state: i32) {
        {
            let mut jobs = self.state.jobs.lock().unwrap();
            let j = jobs.get_mut(&id).unwrap();
            j.state = state;
            j.fetchable = false;
        }
        self.state.event("job-state-changed", id, state);
    }

    pub fn job(&self, id: i32) -> Job {
        self.state.jobs.lock().unwrap()[&id].clone()
    }
}

impl State {
    fn event(&self, name: &'static str, job: i32, state: i32) {
        let mut ev = self.events.lock().unwrap();
        let seq = ev.len() as i32 + 1;
        ev.push((seq, name, job, state));
        drop(ev);
        self.notify.notify_waiters();
    }
}

async fn token() -> impl IntoResponse {
    axum::Json(serde_json::json!({"access_token": "device-token", "token_type": "Bearer", "expires_in": 300}))
}

async fn create_connector() -> impl IntoResponse {
    (
        StatusCode::CREATED,
        axum::Json(serde_json::json!({"id": "connector-1"})),
    )
}

async fn patch_connector(AxState(s): AxState<Arc<State>>) -> impl IntoResponse {
    *s.connector_patches.lock().unwrap() += 1;
    axum::Json(serde_json::json!({"id": "connector-1"}))
}

async fn create_printer(headers: HeaderMap) -> Response {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    (
        StatusCode::ACCEPTED,
        [(
            "Operation-Location",
            format!("http://{host}/v1.0/print/operations/op-1"),
        )],
    )
        .into_response()
}

async fn operation() -> impl IntoResponse {
    axum::Json(serde_json::json!({
        "id": "op-1",
        "status": {"state": "succeeded"},
        "certificate": "AQID",
        "printer": {"id": PRINTER_ID}
    }))
}

fn attr_int(req: &IppRequestResponse, tag: DelimiterTag, name: &str) -> Option<i32> {
    req.attributes()
        .groups_of(tag)
        .find_map(|g| g.get(name))
        .and_then(|a| match a.value() {
            IppValue::Integer(i) | IppValue::Enum(i) => Some(*i),
            IppValue::Array(v) => v.first().and_then(|x| {
                if let IppValue::Integer(i) | IppValue::Enum(i) = x {
                    Some(*i)
                } else {
                    None
                }
            }),
            _ => None,
        })
}

fn attr_ints(req: &IppRequestResponse, name: &str) -> Vec<i32> {
    match req
        .attributes()
        .groups_of(DelimiterTag::OperationAttributes)
        .find_map(|g| g.get(name))
        .map(|a| a.value())
    {
        Some(IppValue::Array(v)) => v
            .iter()
            .filter_map(|x| {
                if let IppValue::Integer(i) | IppValue::Enum(i) = x {
                    Some(*i)
                } else {
                    None
                }
            })
            .collect(),
        Some(IppValue::Integer(i) | IppValue::Enum(i)) => vec![*i],
        _ => vec![],
    }
}

fn response(req: &IppRequestResponse, status: u16) -> IppRequestResponse {
    let mut r = IppRequestResponse::new_response(
        IppVersion::v2_0(),
        ipp::model::StatusCode::SuccessfulOk,
        req.header().request_id,
    )
    .unwrap();
    r.header_mut().operation_or_status = status as i16;
    r
}

fn add(r: &mut IppRequestResponse, tag: DelimiterTag, name: &str, v: IppValue) {
    r.attributes_mut().add(
        tag,
        IppAttribute::new(ipp::value::BoundedString::new(name).unwrap(), v),
    );
}

fn ok_bytes(r: IppRequestResponse) -> Response {
    ([("content-type", "application/ipp")], r.to_bytes()).into_response()
}

async fn ipp_endpoint(AxState(s): AxState<Arc<State>>, headers: HeaderMap, body: Bytes) -> Response {
    if headers.get("authorization").and_then(|h| h.to_str().ok()) != Some("Bearer device-token") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let req = IppParser::new(IppReader::new(std::io::Cursor::new(body.to_vec())))
        .parse()
        .unwrap();
    let op = req.header().operation_or_status as u16;
    let job_id = attr_int(&req, DelimiterTag::OperationAttributes, "job-id").unwrap_or(0);
    match op {
        0x0049 => {
            let names = req
                .attributes()
                .groups_of(DelimiterTag::PrinterAttributes)
                .flat_map(|g| g.attributes().iter().map(|a| a.name().to_string()))
                .collect();
            *s.device_attrs.lock().unwrap() = names;
            ok_bytes(response(&req, 0))
        }
        0x0046 => {
            *s.deregistrations.lock().unwrap() += 1;
            ok_bytes(response(&req, 0))
        }
        0x0016 => {
            let start = s.events.lock().unwrap().len() as i32 + 1;
            let mut subs = s.subs.lock().unwrap();
            let id = subs.keys().last().copied().unwrap_or(0) + 1;
            subs.insert(id, start);
            let mut r = response(&req, 0);
            add(
                &mut r,
                DelimiterTag::SubscriptionAttributes,
                "notify-subscription-id",
                IppValue::Integer(id),
            );
            ok_bytes(r)
        }
        0x001A | 0x001B | 0x003F | 0x0047 => ok_bytes(response(&req, 0)),
        0x001C => {
            let sub =
                attr_int(&req, DelimiterTag::OperationAttributes, "notify-subscription-ids").unwrap_or(0);
            let seq =
                attr_int(&req, DelimiterTag::OperationAttributes, "notify-sequence-numbers").unwrap_or(1);
            let header = *req.header();
            drop(req);
            notifications(&s, header, sub, seq).await
        }
        0x000A => {
            let mut r = response(&req, 0);
            let ids: Vec<i32> = s
                .jobs
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, j)| j.fetchable)
                .map(|(id, _)| *id)
                .collect();
            for id in ids {
                let mut g = IppAttributeGroup::new(DelimiterTag::JobAttributes);
                g.attributes_mut().push(IppAttribute::new(
                    ipp::value::BoundedString::new("job-id").unwrap(),
                    IppValue::Integer(id),
                ));
                r.attributes_mut().groups_mut().push(g);
            }
            ok_bytes(r)
        }
        0x0043 => {
            let jobs = s.jobs.lock().unwrap();
            match jobs.get(&job_id) {
                Some(j) if j.fetchable => {
                    let mut r = response(&req, 0);
                    add(
                        &mut r,
                        DelimiterTag::JobAttributes,
                        "job-name",
                        IppValue::NameWithoutLanguage(
                            ipp::value::BoundedString::new(j.name.clone()).unwrap(),
                        ),
                    );
                    add(
                        &mut r,
                        DelimiterTag::JobAttributes,
                        "copies",
                        IppValue::Integer(1),
                    );
                    add(
                        &mut r,
                        DelimiterTag::JobAttributes,
                        "job-originating-user-name",
                        IppValue::NameWithoutLanguage(ipp::value::BoundedString::new("alice").unwrap()),
                    );
                    ok_bytes(r)
                }
                Some(_) => ok_bytes(response(&req, 0x0420)),
                None => ok_bytes(response(&req, 0x0406)),
            }
        }
        0x0041 => {
            let mut jobs = s.jobs.lock().unwrap();
            match jobs.get_mut(&job_id) {
                Some(j) if j.fetchable => {
                    j.fetchable = false;
                    j.assigned = true;
                    j.state = 5;
                    j.acks += 1;
                    ok_bytes(response(&req, 0))
                }
                Some(j) => {
                    j.refused_acks += 1;
                    ok_bytes(response(&req, 0x0420))
                }
                None => ok_bytes(response(&req, 0x0406)),
            }
        }
        0x0042 => {
            let doc = s
                .jobs
                .lock()
                .unwrap()
                .get(&job_id)
                .filter(|j| j.assigned)
                .map(|j| j.doc.clone());
            match doc {
                Some(doc) => {
                    let mut r = response(&req, 0);
                    add(
                        &mut r,
                        DelimiterTag::OperationAttributes,
                        "document-format",
                        IppValue::MimeMediaType(ipp::value::BoundedString::new("application/pdf").unwrap()),
                    );
                    let mut out = r.to_bytes().to_vec();
                    out.extend(doc);
                    ([("content-type", "application/ipp")], Body::from(out)).into_response()
                }
                None => ok_bytes(response(&req, 0x0420)),
            }
        }
        0x0048 => {
            let state = attr_int(&req, DelimiterTag::JobAttributes, "output-device-job-state").unwrap_or(0);
            let mut jobs = s.jobs.lock().unwrap();
            let Some(j) = jobs.get_mut(&job_id) else {
                return ok_bytes(response(&req, 0x0406));
            };
            j.reports.push(state);
            if j.state >= 7 {
                return ok_bytes(response(&req, 0x0404));
            }
            if state >= 7 {
                j.state = state;
            }
            ok_bytes(response(&req, 0))
        }
        0x0045 => {
            let ids = attr_ints(&req, "job-ids");
            let states = attr_ints(&req, "output-device-job-states");
            let jobs = s.jobs.lock().unwrap();
            let (mut changed, mut cs, mut unknown) = (vec![], vec![], vec![]);
            for (id, st) in ids.iter().zip(states) {
                match jobs.get(id) {
                    Some(j) if j.assigned => {
                        if j.state != st {
                            changed.push(IppValue::Integer(*id));
                            cs.push(IppValue::Enum(j.state));
                        }
                    }
                    _ => unknown.push(IppValue::Integer(*id)),
                }
            }
            let mut r = response(&req, 0);
            if !changed.is_empty() {
                add(
                    &mut r,
                    DelimiterTag::OperationAttributes,
                    "job-ids",
                    IppValue::Array(changed),
                );
                add(
                    &mut r,
                    DelimiterTag::OperationAttributes,
                    "output-device-job-states",
                    IppValue::Array(cs),
                );
            }
            if !unknown.is_empty() {
                add(
                    &mut r,
                    DelimiterTag::UnsupportedAttributes,
                    "job-ids",
                    IppValue::Array(unknown),
                );
            }
            ok_bytes(r)
        }
        _ => ok_bytes(response(&req, 0x0501)),
    }
}

async fn notifications(s: &Arc<State>, header: ipp::IppHeader, sub: i32, seq: i32) -> Response {
    let mut base = IppRequestResponse::new_response(
        IppVersion::v2_0(),
        ipp::model::StatusCode::SuccessfulOk,
        header.request_id,
    )
    .unwrap();
    let Some(start) = s.subs.lock().unwrap().get(&sub).copied() else {
        base.header_mut().operation_or_status = 0x0406;
        return ok_bytes(base);
    };
    let wanted = seq.max(start);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        let notified = s.notify.notified();
        let events: Vec<_> = s
            .events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.0 >= wanted)
            .cloned()
            .collect();
        if !events.is_empty() || tokio::time::Instant::now() >= deadline {
            let mut r = base;
            add(
                &mut r,
                DelimiterTag::OperationAttributes,
                "notify-get-interval",
                IppValue::Integer(30),
            );
            for (seq, name, job, state) in events {
                let mut g = IppAttributeGroup::new(DelimiterTag::EventNotificationAttributes);
                let a = |n: &str, v| IppAttribute::new(ipp::value::BoundedString::new(n).unwrap(), v);
                g.attributes_mut()
                    .push(a("notify-subscription-id", IppValue::Integer(sub)));
                g.attributes_mut()
                    .push(a("notify-sequence-number", IppValue::Integer(seq)));
                g.attributes_mut().push(a(
                    "notify-subscribed-event",
                    IppValue::Keyword(ipp::value::BoundedString::new(name).unwrap()),
                ));
                g.attributes_mut().push(a("job-id", IppValue::Integer(job)));
                g.attributes_mut().push(a("job-state", IppValue::Enum(state)));
                r.attributes_mut().groups_mut().push(g);
            }
            return ok_bytes(r);
        }
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}
