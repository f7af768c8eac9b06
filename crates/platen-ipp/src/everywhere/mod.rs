//! Every printer share as an IPP Everywhere printer for people's computers and phones, at
//! `{public_url}/ipp/shares/{shareId}` (PWG 5100.14, RFC 8011). A job printed here is a Graph job on the share:
//! created, given its document and started through the same use cases as Graph's create + upload + start, so
//! pull printing, devices, connectors and webhooks apply unchanged, and a cancel on either side is the same
//! cancel.

mod auth;
mod body;
mod events;
pub(crate) mod info;
mod job_attributes;
mod jobs;
mod printer;
mod queries;
mod request;

use crate::IppState;
use crate::endpoint::{malformed, render};
use auth::Connection;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use platen_ipp_model::message::{IppFailure, response};
use platen_ipp_model::{op, status};
use request::ShareRequest;
use std::sync::Arc;

/// `POST /ipp/shares/{shareId}` (and a job's URI below it).
pub async fn handle(
    State(state): State<Arc<IppState>>,
    Path(params): Path<Vec<(String, String)>>,
    conn: Option<Extension<platen_app::ConnectionInfo>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let share_id = params
        .iter()
        .find(|(k, _)| k == "share_id")
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    let (share, printer) = match state.app.share_with_printer(&share_id).await {
        Ok(found) => found,
        Err(platen_app::AppError::NotFound(_)) => {
            return (StatusCode::NOT_FOUND, "no such printer share").into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "looking up a share for IPP failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let incoming = match body::read(body).await {
        Ok(i) => i,
        Err(body::ReadError::Malformed(e)) => return malformed(&e),
        Err(body::ReadError::TooLarge(rest)) => {
            // Read on (bounded) so the client, still sending, gets the answer rather than a broken connection.
            body::drain(rest, 64 * body::MAX_MESSAGE as u64).await;
            return (StatusCode::PAYLOAD_TOO_LARGE, "the IPP message is too large").into_response();
        }
        Err(body::ReadError::Io(failure, m)) => {
            let status = StatusCode::from_u16(failure.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            return (status, m).into_response();
        }
    };
    let conn: Connection = conn.map(|Extension(c)| c);
    let header = *incoming.message.header();
    let code = header.operation_or_status;
    // Printers describe themselves to anyone who can reach them (print dialogs list printers before asking for
    // a password); everything else needs the user.
    let guest = !headers.contains_key(axum::http::header::AUTHORIZATION)
        && code != op::GET_PRINTER_ATTRIBUTES
        && state
            .app
            .share_takes_unauthenticated_jobs(&share)
            .await
            .unwrap_or(false);
    let caller = if code == op::GET_PRINTER_ATTRIBUTES {
        None
    } else if guest {
        Some(auth::guest(&share, &incoming.message, conn))
    } else {
        match auth::caller(&state, &share, &headers, conn).await {
            Ok(c) => Some(c),
            Err(refusal) => {
                // Clients send the whole request (document included) before reading the answer: a 401 sent
                // mid-upload would reach them as a broken connection instead of a challenge to answer.
                body::drain(incoming.data, state.app.config.max_document_size).await;
                return refusal.into_response();
            }
        }
    };
    let request = ShareRequest {
        ipp: incoming.message,
        data: std::sync::Mutex::new(Some(incoming.data)),
        state,
        share,
        printer,
        caller,
        conn,
    };
    let answer = match request.check_envelope() {
        Err(f) => Err(f),
        Ok(()) => dispatch(code, &request).await,
    };
    // A request answered without reading its document (an error found in its attributes): the client is still
    // sending it, and would take an answer before the end for a broken connection.
    body::drain(request.take_data(), request.state.app.config.max_document_size).await;
    match answer {
        Ok(a) => render(a),
        Err(f) => match response(&header, f.status, Some(&f.message)) {
            Ok(mut m) => {
                if let Some(group) = f.unsupported {
                    m.attributes_mut().groups_mut().push(group);
                }
                render(m.into())
            }
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    }
}

async fn dispatch(code: i16, r: &ShareRequest) -> Result<crate::operation::Answer, request::Failure> {
    match code {
        op::GET_PRINTER_ATTRIBUTES => printer::get_printer_attributes(r).await,
        op::VALIDATE_JOB => jobs::validate_job(r).await,
        op::PRINT_JOB => jobs::print_job(r).await,
        op::CREATE_JOB => jobs::create_job(r).await,
        op::SEND_DOCUMENT => jobs::send_document(r).await,
        op::CLOSE_JOB => jobs::close_job(r).await,
        op::GET_JOBS => queries::get_jobs(r).await,
        op::GET_JOB_ATTRIBUTES => queries::get_job_attributes(r).await,
        op::CANCEL_JOB => queries::cancel_job(r).await,
        op::CANCEL_MY_JOBS => queries::cancel_my_jobs(r).await,
        op::CREATE_PRINTER_SUBSCRIPTIONS => events::create_printer_subscriptions(r).await,
        op::CREATE_JOB_SUBSCRIPTIONS => events::create_job_subscriptions(r).await,
        op::GET_NOTIFICATIONS => events::get_notifications(r).await,
        op::RENEW_SUBSCRIPTION => events::renew_subscription(r).await,
        op::CANCEL_SUBSCRIPTION => events::cancel_subscription(r).await,
        _ => Err(IppFailure::new(
            status::OPERATION_NOT_SUPPORTED,
            format!("operation 0x{code:04x} is not supported"),
        )
        .into()),
    }
}
