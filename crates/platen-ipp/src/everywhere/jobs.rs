//! Job creation: Validate-Job, Print-Job, Create-Job, Send-Document, Close-Job. A job is created, given its
//! document and started through the same use cases as Graph's `POST …/jobs`, upload and `start`.

use super::body::{Compression, has_data};
use super::job_attributes::{Requested, job_attributes};
use super::printer::capabilities;
use super::request::{Failure, Outcome, ShareRequest, app_failure};
use crate::operation::Answer;
use futures::StreamExt;
use ipp::prelude::*;
use platen_app::{AppError, IncomingDocument};
use platen_blob::ByteStream;
use platen_domain::Operation;
use platen_domain::records::Job;
use platen_ipp_model::mapping::job_configuration;
use platen_ipp_model::message::{
    IppFailure, Value, as_bool, as_text, attribute_map_of, new_group, op_attr, response, values,
};
use platen_ipp_model::status;
use serde_json::Value as Json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a job creation request asks for, checked against the share's printer.
struct Submission {
    configuration: Json,
    job_name: Option<String>,
    document_name: String,
    format: String,
    compression: Compression,
    /// Attributes ignored (or substituted): answered in the unsupported group with
    /// successful-ok-ignored-or-substituted-attributes.
    ignored: Vec<(String, Value)>,
}

/// The checks of RFC 8011 §4.2.1-4.2.4 for a job creation request.
async fn submission(r: &ShareRequest) -> Outcome<Submission> {
    let description = capabilities(r);
    if r.printer.is_accepting_jobs == Some(false) {
        return Err(IppFailure::new(status::NOT_ACCEPTING_JOBS, "the printer is not accepting jobs").into());
    }
    let text_op = |n: &str| op_attr(&r.ipp, n).and_then(as_text);
    let format = text_op("document-format").unwrap_or_else(|| "application/octet-stream".into());
    let supported_formats: Vec<String> = description
        .get("document-format-supported")
        .map(|v| values(v).into_iter().filter_map(as_text).collect())
        .unwrap_or_default();
    if !supported_formats.contains(&format) {
        return Err(unsupported(
            status::DOCUMENT_FORMAT_NOT_SUPPORTED,
            format!("document-format '{format}' is not supported"),
            vec![("document-format".into(), platen_ipp_model::message::mime(&format))],
        ));
    }
    let compression = compression(r)?;
    let job_attrs = attribute_map_of(&r.ipp, DelimiterTag::JobAttributes);
    let template = job_configuration(&job_attrs, &description);
    let fidelity = op_attr(&r.ipp, "ipp-attribute-fidelity").and_then(as_bool) == Some(true);
    if fidelity && !template.unsupported.is_empty() {
        return Err(unsupported(
            status::ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
            "the printer does not support some of the requested job attributes".into(),
            template.unsupported,
        ));
    }
    Ok(Submission {
        configuration: Json::Object(template.configuration),
        job_name: text_op("job-name").filter(|n| !n.is_empty()),
        document_name: text_op("document-name").unwrap_or_default(),
        format,
        compression,
        ignored: template.unsupported,
    })
}

/// The request's `compression` (RFC 8011 §5.4.32): none, gzip or deflate.
fn compression(r: &ShareRequest) -> Outcome<Compression> {
    let keyword = op_attr(&r.ipp, "compression")
        .and_then(as_text)
        .unwrap_or_else(|| "none".into());
    Compression::from_keyword(&keyword).ok_or_else(|| {
        unsupported(
            status::COMPRESSION_NOT_SUPPORTED,
            format!("compression '{keyword}' is not supported"),
            vec![("compression".into(), platen_ipp_model::message::kw(&keyword))],
        )
    })
}

fn unsupported(status_code: i16, message: String, attrs: Vec<(String, Value)>) -> Failure {
    Failure {
        status: status_code,
        message,
        unsupported: Some(group(attrs)),
    }
}

fn group(attrs: Vec<(String, Value)>) -> IppAttributeGroup {
    let mut g = IppAttributeGroup::new(DelimiterTag::UnsupportedAttributes);
    for (n, v) in attrs {
        if let Ok(a) = IppAttribute::with_name(&n, v) {
            g.attributes_mut().push(a);
        }
    }
    g
}

/// The answer to a job creation request: the job's state, and what was ignored.
fn job_answer(r: &ShareRequest, job: &Job, ignored: Vec<(String, Value)>) -> Outcome<Answer> {
    let code = if ignored.is_empty() {
        status::OK
    } else {
        status::OK_IGNORED_OR_SUBSTITUTED
    };
    let mut m = response(r.ipp.header(), code, None)?;
    if !ignored.is_empty() {
        m.attributes_mut().groups_mut().push(group(ignored));
    }
    let requested = Requested::of(
        r,
        &[
            "job-id",
            "job-uri",
            "job-state",
            "job-state-reasons",
            "job-state-message",
        ],
    );
    let attrs = job_attributes(r, job, None, &requested, true);
    new_group(
        &mut m,
        DelimiterTag::JobAttributes,
        attrs.iter().map(|(n, v)| (n.as_str(), v.clone())).collect(),
    );
    Ok(m.into())
}

pub async fn validate_job(r: &ShareRequest) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::CreateShareJob)?;
    r.check_share_access(caller, &access).await?;
    let s = submission(r).await?;
    let code = if s.ignored.is_empty() {
        status::OK
    } else {
        status::OK_IGNORED_OR_SUBSTITUTED
    };
    let mut m = response(r.ipp.header(), code, None)?;
    if !s.ignored.is_empty() {
        m.attributes_mut().groups_mut().push(group(s.ignored));
    }
    Ok(m.into())
}

/// Creates the Graph job of a Print-Job or Create-Job.
async fn create(r: &ShareRequest, s: &Submission) -> Outcome<Job> {
    let (caller, access) = r.access(Operation::CreateShareJob)?;
    r.check_share_access(caller, &access).await?;
    let (job, _document) = r
        .state
        .app
        .create_job(
            caller,
            &access,
            &r.target(),
            s.configuration.clone(),
            s.job_name.clone(),
        )
        .await
        .map_err(app_failure)?;
    Ok(job)
}

pub async fn print_job(r: &ShareRequest) -> Outcome<Answer> {
    let s = submission(r).await?;
    let data = r.take_data();
    let (any, data) = has_data(data).await;
    if !any {
        return Err(IppFailure::bad_request("Print-Job carries no document data").into());
    }
    let job = create(r, &s).await?;
    let job = deliver(r, job, &s.document_name, &s.format, s.compression, data, true).await?;
    job_answer(r, &job, s.ignored)
}

/// How long a job made by Create-Job waits for its document (Send-Document) before it is aborted
/// (`multiple-operation-time-out`, with `multiple-operation-time-out-action` `abort-job`).
pub const MULTIPLE_OPERATION_TIME_OUT: std::time::Duration = std::time::Duration::from_secs(900);

pub async fn create_job(r: &ShareRequest) -> Outcome<Answer> {
    let s = submission(r).await?;
    let job = create(r, &s).await?;
    abort_unless_completed_in_time(r, &job);
    job_answer(r, &job, s.ignored)
}

/// A client that never sends the document must not leave a job waiting forever. The timer lives in this node
/// (a restart forgets it: such a job then stays waiting, as a Graph job whose upload never comes does).
fn abort_unless_completed_in_time(r: &ShareRequest, job: &Job) {
    let app = r.state.app.clone();
    let job = job.clone();
    tokio::spawn(async move {
        tokio::time::sleep(MULTIPLE_OPERATION_TIME_OUT).await;
        // The door decides against the job as stored: one that got its document meanwhile is not touched.
        if let Err(e) = app
            .fail_submission(job, "no document arrived within multiple-operation-time-out")
            .await
        {
            tracing::warn!(error = %e, "aborting a job that never got its document");
        }
    });
}

pub async fn send_document(r: &ShareRequest) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::CreateShareJob)?;
    let job_id = r.job_id()?;
    let job = r
        .state
        .app
        .find_job(caller, &access, &r.target(), &job_id.to_string())
        .await
        .map_err(app_failure)?;
    let last = op_attr(&r.ipp, "last-document")
        .and_then(as_bool)
        .ok_or_else(|| IppFailure::bad_request("last-document is missing"))?;
    let text_op = |n: &str| op_attr(&r.ipp, n).and_then(as_text);
    let format = text_op("document-format")
        .or_else(|| {
            job.configuration
                .get("contentType")
                .and_then(Json::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "application/octet-stream".into());
    let compression = compression(r)?;
    let document_name = text_op("document-name").unwrap_or_default();
    let (any, data) = has_data(r.take_data()).await;
    let job = if any {
        deliver(r, job, &document_name, &format, compression, data, last).await?
    } else if last {
        start(r, job).await?
    } else {
        job
    };
    job_answer(r, &job, vec![])
}

/// Close-Job: the job has all its documents. A job that never got one cannot print: it is aborted.
pub async fn close_job(r: &ShareRequest) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::CreateShareJob)?;
    let job_id = r.job_id()?;
    let job = r
        .state
        .app
        .find_job(caller, &access, &r.target(), &job_id.to_string())
        .await
        .map_err(app_failure)?;
    let job = if job.phase == platen_domain::JobPhase::UploadPending {
        r.state
            .app
            .fail_submission(job.clone(), "the job was closed without a document")
            .await
            .map_err(app_failure)?;
        r.state
            .app
            .find_job(caller, &access, &r.target(), &job_id.to_string())
            .await
            .map_err(app_failure)?
    } else {
        start(r, job).await?
    };
    job_answer(r, &job, vec![])
}

async fn start(r: &ShareRequest, job: Job) -> Outcome<Job> {
    let (caller, access) = r.access(Operation::CreateShareJob)?;
    match r
        .state
        .app
        .start_job(caller, &access, &r.target(), &job.id.to_string())
        .await
    {
        // An IPP client cannot start the job again later: it ends, aborted with the policy's (or the quota's)
        // sentence, which the client also gets as the refusal.
        Err(refusal @ (AppError::PolicyRefused(_) | AppError::QuotaExceeded(_))) => {
            r.state
                .app
                .fail_submission(job, &refusal.to_string())
                .await
                .map_err(app_failure)?;
            Err(app_failure(refusal))
        }
        started => started.map_err(app_failure),
    }
}

/// Streams the document into the job (decompressing as it goes) and, for the last document, starts it. A
/// document that does not arrive whole aborts the job: nothing waits for bytes that will not come.
async fn deliver(
    r: &ShareRequest,
    job: Job,
    document_name: &str,
    format: &str,
    compression: Compression,
    data: ByteStream,
    last: bool,
) -> Outcome<Job> {
    let caller = r.caller()?;
    if job.phase != platen_domain::JobPhase::UploadPending {
        return Err(IppFailure::new(
            status::MULTIPLE_DOCUMENT_JOBS_NOT_SUPPORTED,
            "a job holds one document",
        )
        .into());
    }
    // A decoding error that is not the body's own failure (the client going away) is corrupt compressed data.
    let source_failed = Arc::new(AtomicBool::new(false));
    let decoder_failed = Arc::new(AtomicBool::new(false));
    let (source_flag, decoder_flag) = (source_failed.clone(), decoder_failed.clone());
    let data = data
        .inspect(move |chunk| {
            if chunk.is_err() {
                source_flag.store(true, Ordering::Relaxed);
            }
        })
        .boxed();
    let body = compression
        .decode(data)
        .inspect(move |chunk| {
            if chunk.is_err() {
                decoder_flag.store(true, Ordering::Relaxed);
            }
        })
        .boxed();
    let received = r
        .state
        .app
        .receive_document(
            caller,
            job.clone(),
            IncomingDocument {
                name: document_name.to_string(),
                content_type: format.to_string(),
                body,
            },
        )
        .await;
    if let Err(e) = received {
        let corrupt = compression != Compression::None
            && decoder_failed.load(Ordering::Relaxed)
            && !source_failed.load(Ordering::Relaxed);
        let failure = if corrupt && !matches!(e, platen_app::AppError::Upload { .. }) {
            IppFailure::new(
                status::COMPRESSION_ERROR,
                "the document's compressed data is corrupt",
            )
            .into()
        } else {
            app_failure(e)
        };
        if let Err(abort) = r.state.app.fail_submission(job, &failure.message).await {
            tracing::error!(error = %abort, "aborting a job whose document failed");
        }
        return Err(failure);
    }
    if last { start(r, job).await } else { Ok(job) }
}
