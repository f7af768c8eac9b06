//! Get-Jobs, Get-Job-Attributes, Cancel-Job, Cancel-My-Jobs: the share's Graph jobs, read and canceled with
//! Graph's own rules (a user's own jobs; every job for a Printer Administrator with a `*.All` permission).

use super::job_attributes::{Requested, job_attributes};
use super::request::{Failure, Outcome, ShareRequest, app_failure};
use crate::operation::Answer;
use ipp::prelude::*;
use platen_app::WhichJobs;
use platen_domain::{JobId, Operation};
use platen_ipp_model::message::{IppFailure, as_bool, as_int, as_text, kw, new_group, op_attr, response};
use platen_ipp_model::status;

/// The most jobs one Get-Jobs answers (`limit` may ask for fewer).
const MAX_JOBS: u32 = 1000;

pub async fn get_jobs(r: &ShareRequest) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::ListJobs)?;
    r.check_share_access(caller, &access).await?;
    let which_keyword = op_attr(&r.ipp, "which-jobs")
        .and_then(as_text)
        .unwrap_or_else(|| "not-completed".into());
    let which = match which_keyword.as_str() {
        "not-completed" => WhichJobs::NotCompleted,
        "completed" => WhichJobs::Completed,
        "all" => WhichJobs::All,
        other => {
            let mut g = IppAttributeGroup::new(DelimiterTag::UnsupportedAttributes);
            if let Ok(a) = IppAttribute::with_name("which-jobs", kw(other)) {
                g.attributes_mut().push(a);
            }
            return Err(Failure {
                status: status::ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                message: format!("which-jobs '{other}' is not supported"),
                unsupported: Some(g),
            });
        }
    };
    let mine = op_attr(&r.ipp, "my-jobs").and_then(as_bool) == Some(true);
    let limit = match op_attr(&r.ipp, "limit").map(as_int) {
        None => MAX_JOBS,
        Some(Some(l)) if l > 0 => u32::try_from(l).unwrap_or(MAX_JOBS).min(MAX_JOBS),
        Some(_) => return Err(IppFailure::bad_request("limit must be a positive integer").into()),
    };
    let jobs = r
        .state
        .app
        .share_jobs(caller, &access, &r.share.id, which, mine, limit)
        .await
        .map_err(app_failure)?;
    let requested = Requested::of(r, &["job-id", "job-uri"]);
    let mut m = response(r.ipp.header(), status::OK, None)?;
    for job in &jobs {
        let detail = job.created_by.id == caller.object_id || access.all_users;
        let attrs = job_attributes(r, job, None, &requested, detail);
        new_group(
            &mut m,
            DelimiterTag::JobAttributes,
            attrs.iter().map(|(n, v)| (n.as_str(), v.clone())).collect(),
        );
    }
    Ok(m.into())
}

pub async fn get_job_attributes(r: &ShareRequest) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::GetJob)?;
    let id = r.job_id()?.to_string();
    let app = &r.state.app;
    let job = app
        .find_job(caller, &access, &r.target(), &id)
        .await
        .map_err(app_failure)?;
    let documents = app
        .list_documents(caller, &access, &r.target(), &id)
        .await
        .map_err(app_failure)?;
    let requested = Requested::of(r, &["all"]);
    let attrs = job_attributes(r, &job, documents.first(), &requested, true);
    let mut m = response(r.ipp.header(), status::OK, None)?;
    new_group(
        &mut m,
        DelimiterTag::JobAttributes,
        attrs.iter().map(|(n, v)| (n.as_str(), v.clone())).collect(),
    );
    Ok(m.into())
}

/// Cancel-Job is Graph's cancel: the owner or an administrator; canceling a canceled job again succeeds.
pub async fn cancel_job(r: &ShareRequest) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::CancelJob)?;
    let id = r.job_id()?.to_string();
    r.state
        .app
        .cancel_job(caller, &access, &r.target(), &id)
        .await
        .map_err(app_failure)?;
    Ok(response(r.ipp.header(), status::OK, None)?.into())
}

/// Cancel-My-Jobs: every job of the caller on this share that has not ended (or those of `job-ids`).
pub async fn cancel_my_jobs(r: &ShareRequest) -> Outcome<Answer> {
    let (caller, access) = r.access(Operation::CancelJob)?;
    let app = &r.state.app;
    let named: Option<Vec<JobId>> = op_attr(&r.ipp, "job-ids").map(|v| {
        platen_ipp_model::message::values(v)
            .into_iter()
            .filter_map(as_int)
            .map(|i| JobId::from(i64::from(i)))
            .collect()
    });
    let ids: Vec<JobId> = match named {
        Some(ids) => ids,
        None => app
            .share_jobs(
                caller,
                &access,
                &r.share.id,
                WhichJobs::NotCompleted,
                true,
                MAX_JOBS,
            )
            .await
            .map_err(app_failure)?
            .into_iter()
            .map(|j| j.id)
            .collect(),
    };
    for id in ids {
        app.cancel_job(caller, &access, &r.target(), &id.to_string())
            .await
            .map_err(app_failure)?;
    }
    Ok(response(r.ipp.header(), status::OK, None)?.into())
}
