//! `POST /ipp/print/{printerId}`: authenticate the device, parse the IPP request, dispatch it to its
//! operation, render the answer. Malformed IPP gets client-error-bad-request (or HTTP 400 when not even the
//! header is there), never a crash: the parser is the model crate's total one.

use crate::operation::{Answer, Request};
use crate::{IppState, events, jobs, printer};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use ipp::prelude::*;
use platen_ipp_model::message::{IppFailure, IppResult, response};
use platen_ipp_model::{ParseError, op, status};
use std::sync::Arc;

/// IPP requests from devices carry attributes only (no documents), so they are read whole, bounded.
const MAX_REQUEST: usize = 1 << 20;

/// What an `Authorization` header carries, as both IPP endpoints read it.
pub(crate) enum Credentials {
    Basic { user: String, password: String },
    Bearer(String),
}

/// `Authorization: Bearer TOKEN` or HTTP Basic (user name and password, UTF-8); anything else is none.
pub(crate) fn credentials(headers: &HeaderMap) -> Option<Credentials> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(Credentials::Bearer(rest.trim().to_string()));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        use base64::Engine;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        return Some(Credentials::Basic {
            user: user.to_string(),
            password: password.to_string(),
        });
    }
    None
}

/// The device access token: a bearer token, or HTTP Basic with the token as password (the user name is
/// ignored; the token names its printer) for IPP clients that only speak Basic, such as CUPS' ipptool.
fn device_token(headers: &HeaderMap) -> Option<String> {
    match credentials(headers)? {
        Credentials::Bearer(token) | Credentials::Basic { password: token, .. } => Some(token),
    }
}

fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            "Bearer realm=\"platen-ipp\", Basic realm=\"platen-ipp\"",
        )],
        message.to_string(),
    )
        .into_response()
}

pub async fn handle(
    State(state): State<Arc<IppState>>,
    Path(printer_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(token) = device_token(&headers) else {
        return unauthorized("a device token is required");
    };
    let device = match state
        .app
        .authenticate_device(&token, &printer_id.to_ascii_lowercase())
        .await
    {
        Ok(d) => d,
        Err(platen_app::AppError::Forbidden(m)) => return unauthorized(&m),
        Err(e) => {
            tracing::error!(error = %e, "device authentication failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let bytes = match axum::body::to_bytes(body, MAX_REQUEST).await {
        Ok(b) => b,
        Err(e) => {
            let failure = platen_app::connection::BodyFailure::of(&e);
            let status = StatusCode::from_u16(failure.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            return (status, format!("IPP request not read: {e}")).into_response();
        }
    };
    let ipp = match platen_ipp_model::parse(&bytes) {
        // Devices send no documents: whatever follows the attributes is ignored.
        Ok(parsed) => parsed.message,
        Err(e) => return malformed(&e),
    };
    let header = *ipp.header();
    let answer = if !(0x0100..0x0300).contains(&header.version.0) {
        Err(IppFailure::new(
            status::VERSION_NOT_SUPPORTED,
            "only IPP/1.1 and IPP/2.x are supported",
        ))
    } else {
        let op_code = header.operation_or_status;
        dispatch(op_code, Request { ipp, device, state }).await
    };
    let answer = match answer {
        Ok(a) => a,
        Err(f) => match response(&header, f.status, Some(&f.message)) {
            Ok(m) => m.into(),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    };
    render(answer)
}

/// A request whose attributes do not parse: client-error-bad-request with the request id, if the 8-byte header
/// at least is there; otherwise an HTTP 400.
pub(crate) fn malformed(e: &ParseError) -> Response {
    let Some(header) = e.header else {
        return (StatusCode::BAD_REQUEST, format!("not an IPP message: {e}")).into_response();
    };
    let header = IppHeader::new(header.version, 0, header.request_id);
    match response(
        &header,
        status::BAD_REQUEST,
        Some(&format!("malformed IPP request: {e}")),
    ) {
        Ok(m) => render(m.into()),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

pub(crate) fn render(answer: Answer) -> Response {
    let head = bytes::Bytes::from(platen_ipp_model::encode::to_bytes(&answer.message));
    let body = match answer.data {
        None => Body::from(head),
        Some(data) => {
            Body::from_stream(futures::stream::once(async move { Ok::<_, std::io::Error>(head) }).chain(data))
        }
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/ipp")], body).into_response()
}

async fn dispatch(code: i16, r: Request) -> IppResult<Answer> {
    match code {
        op::GET_PRINTER_ATTRIBUTES => printer::get_printer_attributes(&r).await,
        op::UPDATE_OUTPUT_DEVICE_ATTRIBUTES => printer::update_output_device_attributes(&r).await,
        op::GET_OUTPUT_DEVICE_ATTRIBUTES => printer::get_output_device_attributes(&r).await,
        op::DEREGISTER_OUTPUT_DEVICE => printer::deregister_output_device(&r).await,
        op::ACKNOWLEDGE_IDENTIFY_PRINTER => printer::acknowledge_identify_printer(&r).await,
        op::GET_JOBS => jobs::get_jobs(&r).await,
        op::FETCH_JOB => jobs::fetch_job(&r).await,
        op::ACKNOWLEDGE_JOB => jobs::acknowledge_job(&r).await,
        op::FETCH_DOCUMENT => jobs::fetch_document(&r).await,
        op::ACKNOWLEDGE_DOCUMENT => jobs::acknowledge_document(&r).await,
        op::UPDATE_JOB_STATUS => jobs::update_job_status(&r).await,
        op::UPDATE_DOCUMENT_STATUS => jobs::update_document_status(&r).await,
        op::UPDATE_ACTIVE_JOBS => jobs::update_active_jobs(&r).await,
        op::CREATE_PRINTER_SUBSCRIPTIONS => events::create_printer_subscriptions(&r).await,
        op::GET_NOTIFICATIONS => events::get_notifications(&r).await,
        op::RENEW_SUBSCRIPTION => events::renew_subscription(&r).await,
        op::CANCEL_SUBSCRIPTION => events::cancel_subscription(&r).await,
        _ => Err(IppFailure::new(
            status::OPERATION_NOT_SUPPORTED,
            format!("operation 0x{code:04x} is not supported"),
        )),
    }
}
