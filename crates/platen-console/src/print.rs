//! Web Print: a person prints a PDF from the browser to a share they may use, with the options its printer
//! offers. The page's script asks for a job and an upload session here (the same use cases as Graph's
//! `POST …/jobs` and `createUploadSession`), sends the file in ranges straight to the session's upload URL with a
//! progress bar (resuming from the session's `nextExpectedRanges` after a failure), then starts the job here.

use crate::admin::printers::formats;
use crate::error::ConsoleError;
use crate::jobs::Choice;
use crate::session::{Visit, form_visit, visit};
use crate::view::{Layout, render, respond};
use crate::{ConsoleState, Shared};
use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use platen_app::JobTarget;
use platen_domain::permissions::{self, Operation, authorize, authorize_job};
use platen_store::ListQuery;
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Template)]
#[template(path = "print.html")]
struct PrintPage {
    layout: Layout,
    shares: Vec<Choice>,
    max_copies: i64,
    duplex: Vec<Choice>,
    color: Vec<Choice>,
    formats: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Choose {
    #[serde(default)]
    share: String,
}

/// `GET /console/print`.
pub(crate) async fn page(State(state): State<Shared>, parts: Parts, Query(q): Query<Choose>) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        let access = authorize(&visit.caller, Operation::ListShares)?;
        let query = ListQuery {
            limit: 100,
            ..ListQuery::default()
        };
        let shares = state.app.list_shares(&visit.caller, &access, &query).await?.items;
        let chosen = shares
            .iter()
            .find(|s| s.id.as_str() == q.share)
            .or_else(|| shares.first())
            .cloned();
        let printer = match &chosen {
            Some(share) => Some(state.app.printer_of_share(&visit.caller, share).await?),
            None => None,
        };
        let caps = printer.as_ref().map_or(Value::Null, |p| p.capabilities.clone());
        let defaults = printer.as_ref().map_or(Value::Null, |p| p.defaults.clone());
        Ok(render(&PrintPage {
            layout: Layout::of(&state, &visit, "Print a document", "print"),
            shares: shares
                .iter()
                .map(|s| Choice {
                    value: s.id.to_string(),
                    label: s.display_name.clone(),
                    selected: chosen.as_ref().is_some_and(|c| c.id == s.id),
                })
                .collect(),

            max_copies: caps["copiesPerJob"]["end"].as_i64().unwrap_or(99).clamp(1, 999),
            duplex: choices(&caps, &defaults, "duplexModes", "duplexMode", duplex_label),
            color: choices(&caps, &defaults, "colorModes", "colorMode", color_label),
            formats: printer.as_ref().map(formats).unwrap_or_default(),
        }))
    };
    respond(&state, &parts, result.await).await
}

/// The values a capability lists, the printer's default selected.
fn choices(
    caps: &Value,
    defaults: &Value,
    list: &str,
    default: &str,
    label: fn(&str) -> String,
) -> Vec<Choice> {
    let chosen = defaults[default].as_str();
    caps[list]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|v| *v != "unknownFutureValue")
        .enumerate()
        .map(|(i, v)| Choice {
            value: v.to_string(),
            label: label(v),
            selected: chosen.map_or(i == 0, |c| c == v),
        })
        .collect()
}

fn duplex_label(v: &str) -> String {
    match v {
        "oneSided" => "One-sided".into(),
        "flipOnLongEdge" => "Two-sided (long edge)".into(),
        "flipOnShortEdge" => "Two-sided (short edge)".into(),
        other => other.into(),
    }
}

fn color_label(v: &str) -> String {
    match v {
        "blackAndWhite" => "Black and white".into(),
        "grayscale" => "Grayscale".into(),
        "color" => "Colour".into(),
        "auto" => "Automatic".into(),
        other => other.into(),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewJob {
    csrf: String,
    share: String,
    #[serde(default)]
    name: String,
    size: i64,
    #[serde(default)]
    copies: Option<i64>,
    #[serde(default)]
    duplex: String,
    #[serde(default)]
    color: String,
}

/// A failure the page's script shows as a sentence.
fn json_failure(e: ConsoleError) -> Response {
    let told = e.telling();
    (told.status, Json(json!({ "error": told.message }))).into_response()
}

/// `POST /console/print/jobs`: the job on the share, with the chosen options, and its upload session.
pub(crate) async fn create(
    State(state): State<Shared>,
    parts: Parts,
    form: Result<Form<NewJob>, FormRejection>,
) -> Response {
    let result = async {
        let Form(f) = form.map_err(|e| ConsoleError::BadRequest(e.body_text()))?;
        let visit = form_visit(&state, &parts, &f.csrf).await?;
        create_job(&state, &visit, f).await
    };
    result.await.unwrap_or_else(json_failure)
}

async fn create_job(state: &ConsoleState, visit: &Visit, f: NewJob) -> Result<Response, ConsoleError> {
    let name = f.name.trim();
    let name = if name.is_empty() { "document.pdf" } else { name };
    if name.chars().count() > 256 {
        return Err(ConsoleError::BadRequest(
            "The file name is longer than 256 characters.".into(),
        ));
    }
    let mut configuration = Map::new();
    if let Some(copies) = f.copies {
        configuration.insert("copies".into(), json!(copies));
    }
    if !f.duplex.is_empty() {
        configuration.insert("duplexMode".into(), json!(f.duplex));
    }
    if !f.color.is_empty() {
        configuration.insert("colorMode".into(), json!(f.color));
    }
    let target = JobTarget::Share(f.share.as_str().into());
    let caller = &visit.caller;
    let access = authorize_job(caller, Operation::CreateShareJob, target.path())?;
    let (job, document) = state
        .app
        .create_job(
            caller,
            &access,
            &target,
            Value::Object(configuration),
            Some(name.to_string()),
        )
        .await?;
    let (_, through_share) = permissions::CREATE_UPLOAD_SESSION;
    let access = authorize_job(caller, through_share, target.path())?;
    let (session, token, _) = state
        .app
        .create_upload_session(
            caller,
            &access,
            &target,
            &job.id.to_string(),
            &document.id,
            name.to_string(),
            "application/pdf".into(),
            f.size,
        )
        .await?;
    Ok(Json(json!({
        "jobId": job.id.to_string(),
        // Relative: the page's own origin, whichever listener it came through.
        "uploadUrl": format!("/uploadSessions/{}?tempauthtoken={}", session.id, token),
        "startUrl": state.config.path(&format!("/print/jobs/{}/start", job.id)),
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct StartForm {
    csrf: String,
    share: String,
}

/// `POST /console/print/jobs/{id}/start`, once every byte is uploaded.
pub(crate) async fn start(
    State(state): State<Shared>,
    Path(id): Path<String>,
    parts: Parts,
    form: Result<Form<StartForm>, FormRejection>,
) -> Response {
    let result = async {
        let Form(f) = form.map_err(|e| ConsoleError::BadRequest(e.body_text()))?;
        let visit = form_visit(&state, &parts, &f.csrf).await?;
        let target = JobTarget::Share(f.share.as_str().into());
        let access = authorize_job(&visit.caller, Operation::StartJob, target.path())?;
        let job = state.app.start_job(&visit.caller, &access, &target, &id).await?;
        Ok(Json(json!({
            "jobId": job.id.to_string(),
            "state": job.phase.graph_state(),
            "next": state.config.path("/jobs"),
        }))
        .into_response())
    };
    result.await.unwrap_or_else(json_failure)
}
