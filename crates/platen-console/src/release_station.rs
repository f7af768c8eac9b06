//! Secure release's station: a page for a tablet beside a printer that holds jobs until released. Nobody signs
//! in there: a person types their user principal name and release PIN and every job of theirs held at that
//! printer is released (the PIN does nothing else). The page also shows a QR code of the phone page, where a
//! person signed in to the console on their own phone sees their held jobs at this printer and releases them one
//! by one. Only a printer with secure release on has a station.

use crate::error::ConsoleError;
use crate::session::{same_origin, visit};
use crate::view::{Layout, render, respond, when};
use crate::{ConsoleState, Shared};
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::response::Response;
use platen_app::ConnectionInfo;
use platen_domain::permissions::{Operation, authorize};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "release_station.html")]
struct StationPage {
    layout: Layout,
    printer: String,
    printer_id: String,
    /// The outcome of the last attempt, for the person at the station.
    message: Option<String>,
    /// The QR code of the phone page, as inline SVG.
    qr_svg: String,
    phone_url: String,
}

pub(crate) struct HeldRow {
    pub id: String,
    pub name: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "release_mine.html")]
struct MinePage {
    layout: Layout,
    printer: String,
    jobs: Vec<HeldRow>,
    return_to: String,
}

fn phone_url(state: &ConsoleState, printer_id: &str) -> String {
    format!(
        "{}{}",
        state.config.public_url.trim_end_matches('/'),
        state.config.path(&format!("/release/{printer_id}/mine"))
    )
}

fn qr_svg(url: &str) -> Result<String, ConsoleError> {
    let code =
        qrcode::QrCode::new(url.as_bytes()).map_err(|e| ConsoleError::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

async fn station(
    state: &ConsoleState,
    printer_id: &str,
    message: Option<String>,
) -> Result<Response, ConsoleError> {
    let printer = state.app.release_station(printer_id).await?;
    let phone = phone_url(state, printer_id);
    Ok(render(&StationPage {
        layout: Layout::anonymous(state, &format!("Release at {}", printer.display_name)),
        printer: printer.display_name,
        printer_id: printer_id.to_string(),
        message,
        qr_svg: qr_svg(&phone)?,
        phone_url: phone,
    }))
}

/// `GET /console/release/{printerId}`.
pub(crate) async fn page(
    State(state): State<Shared>,
    Path(printer_id): Path<String>,
    parts: Parts,
) -> Response {
    let result = station(&state, &printer_id.to_ascii_lowercase(), None).await;
    respond(&state, &parts, result).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct StationForm {
    #[serde(default)]
    upn: String,
    #[serde(default)]
    pin: String,
}

/// `POST /console/release/{printerId}`: UPN and PIN release the person's held jobs here. No session, so no
/// CSRF token: the form must come from Platen's own origin, and a PIN releases nothing but its owner's jobs.
pub(crate) async fn release(
    State(state): State<Shared>,
    Path(printer_id): Path<String>,
    parts: Parts,
    form: Result<Form<StationForm>, FormRejection>,
) -> Response {
    let result = async {
        same_origin(&state, &parts)?;
        let Form(form) = form.map_err(|e| ConsoleError::BadRequest(e.body_text()))?;
        let printer_id = printer_id.to_ascii_lowercase();
        let remote = parts.extensions.get::<ConnectionInfo>().map(|c| c.remote.ip());
        let message = match state
            .app
            .release_at_station(&printer_id, &form.upn, &form.pin, remote)
            .await
        {
            Ok(0) => "You have no jobs waiting at this printer.".to_string(),
            Ok(1) => "1 job released: it prints now.".to_string(),
            Ok(n) => format!("{n} jobs released: they print now."),
            Err(platen_app::AppError::BadCredentials) => {
                "That user name and PIN do not match; try again.".to_string()
            }
            Err(e) => return Err(e.into()),
        };
        station(&state, &printer_id, Some(message)).await
    };
    respond(&state, &parts, result.await).await
}

/// `GET /console/release/{printerId}/mine`: the signed-in person's jobs held at this printer (the phone page).
pub(crate) async fn mine(
    State(state): State<Shared>,
    Path(printer_id): Path<String>,
    parts: Parts,
) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        authorize(&visit.caller, Operation::ListJobs)?;
        let printer = state
            .app
            .release_station(&printer_id.to_ascii_lowercase())
            .await?;
        let held = state.app.held_jobs_at(&visit.caller, &printer.id).await?;
        let documents = state.app.documents_of_jobs(&visit.caller, &held).await?;
        let jobs = held
            .iter()
            .map(|j| HeldRow {
                id: j.id.to_string(),
                name: documents
                    .get(&j.id)
                    .and_then(|d| d.first())
                    .map(|d| d.display_name.clone())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("Job {}", j.id)),
                created: when(j.created_at),
            })
            .collect();
        Ok(render(&MinePage {
            layout: Layout::of(
                &state,
                &visit,
                &format!("Release at {}", printer.display_name),
                "jobs",
            ),
            printer: printer.display_name,
            jobs,
            return_to: parts.uri.path().to_string(),
        }))
    };
    respond(&state, &parts, result.await).await
}
