//! Job operations: Get-Jobs, Fetch-Job, Acknowledge-Job (the atomic claim), Fetch-Document (bytes follow the
//! response), Acknowledge-Document, Update-Job-Status, Update-Document-Status, Update-Active-Jobs.

use crate::operation::{Answer, Request, app_failure, check_operation_group};
use ipp::prelude::*;
use platen_domain::JobId;
use platen_domain::device::ipp_job_state;
use platen_domain::job::JobPhase;
use platen_domain::records::Job;
use platen_ipp_model::mapping::counters::print_counts;
use platen_ipp_model::mapping::{format, job_name, job_template};
use platen_ipp_model::message::{
    IppFailure, IppResult, Value, add, as_int, as_text, attr, kw, name, new_group, op_attr, required_int,
    response, set, uri, values,
};
use platen_ipp_model::status;

fn job_uri(r: &Request, id: JobId) -> String {
    format!(
        "{}/ipp/print/{}/jobs/{id}",
        r.state.public_url, r.device.printer_id
    )
}

fn job_id(r: &Request) -> IppResult<JobId> {
    Ok(JobId::from(i64::from(required_int(&r.ipp, "job-id")?)))
}

fn summary(r: &Request, j: &Job) -> Vec<(&'static str, Value)> {
    let (state, reason) = ipp_job_state(j.phase);
    vec![
        (
            "job-id",
            Value::Integer(i32::try_from(j.id.get()).unwrap_or(i32::MAX)),
        ),
        ("job-uri", uri(&job_uri(r, j.id))),
        ("job-state", Value::Enum(state)),
        ("job-state-reasons", kw(reason)),
        (
            "job-originating-user-name",
            name(
                j.created_by
                    .user_principal_name
                    .as_deref()
                    .unwrap_or(&j.created_by.id),
            ),
        ),
    ]
}

pub async fn get_jobs(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let which = op_attr(&r.ipp, "which-jobs")
        .and_then(as_text)
        .unwrap_or_else(|| "not-completed".into());
    if !["fetchable", "not-completed", "completed", "all"].contains(&which.as_str()) {
        let mut resp = response(
            r.ipp.header(),
            status::ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
            Some("which-jobs value not supported"),
        )?;
        add(
            &mut resp,
            DelimiterTag::UnsupportedAttributes,
            "which-jobs",
            kw(&which),
        );
        return Ok(resp.into());
    }
    let limit = op_attr(&r.ipp, "limit")
        .and_then(as_int)
        .filter(|l| *l > 0)
        .map(|l| l.min(1000) as u32)
        .unwrap_or(1000);
    let jobs = r
        .state
        .app
        .device_jobs(&r.device, &which, limit)
        .await
        .map_err(app_failure)?;
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    for j in &jobs {
        new_group(&mut resp, DelimiterTag::JobAttributes, summary(r, j));
    }
    Ok(resp.into())
}

pub async fn fetch_job(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    // The app decides which jobs a device may read (client-error-not-fetchable otherwise).
    let (j, doc) = r
        .state
        .app
        .device_job_for_fetch(&r.device, job_id(r)?)
        .await
        .map_err(app_failure)?;
    let doc = doc.as_ref();
    let mut attrs = summary(r, &j);
    attrs.push((
        "job-name",
        job_name(
            j.display_name.as_deref(),
            doc.map(|d| d.display_name.as_str()).unwrap_or(""),
        ),
    ));
    attrs.push(("job-uuid", uri(&format!("urn:uuid:{}", uuid_of(&j)))));
    attrs.push(("number-of-documents", Value::Integer(1)));
    attrs.push((
        "document-format",
        format(doc.map(|d| d.content_type.as_str()).unwrap_or("")),
    ));
    attrs.extend(job_template(&j.configuration));
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    new_group(&mut resp, DelimiterTag::JobAttributes, attrs);
    Ok(resp.into())
}

/// A stable UUID for a job (its tenant, printer and id), as job-uuid wants one.
fn uuid_of(j: &Job) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("{}/{}/{}", j.tenant_id, j.printer_id, j.id).as_bytes());
    let h = hex::encode(&d[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub async fn acknowledge_job(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let id = job_id(r)?;
    // A device reporting that it could not fetch the job does not claim it.
    if op_attr(&r.ipp, "fetch-status-code")
        .and_then(as_int)
        .is_some_and(|c| c != 0)
    {
        r.state.app.device_job(&r.device, id).await.map_err(app_failure)?;
        return Ok(response(r.ipp.header(), status::OK, None)?.into());
    }
    let device = op_attr(&r.ipp, "output-device-uuid").and_then(as_text);
    r.state
        .app
        .acknowledge_job(&r.device, id, device.as_deref())
        .await
        .map_err(app_failure)?;
    Ok(response(r.ipp.header(), status::OK, None)?.into())
}

pub async fn fetch_document(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let id = job_id(r)?;
    if required_int(&r.ipp, "document-number")? != 1 {
        return Err(IppFailure::new(
            status::NOT_FOUND,
            "Platen jobs have exactly one document (document-number 1)",
        ));
    }
    let (doc, _len, stream) = r
        .state
        .app
        .device_document(&r.device, id)
        .await
        .map_err(app_failure)?;
    if let Some(accepted) = op_attr(&r.ipp, "document-format-accepted") {
        let formats: Vec<String> = values(accepted).into_iter().filter_map(as_text).collect();
        if !formats
            .iter()
            .any(|f| f.eq_ignore_ascii_case(&doc.content_type) || f == "application/octet-stream")
        {
            return Err(IppFailure::new(
                status::NOT_FETCHABLE,
                "the document is not available in an accepted format",
            ));
        }
    }
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    add(
        &mut resp,
        DelimiterTag::OperationAttributes,
        "document-format",
        format(&doc.content_type),
    );
    add(
        &mut resp,
        DelimiterTag::OperationAttributes,
        "compression",
        kw("none"),
    );
    Ok(Answer {
        message: resp,
        data: Some(stream),
    })
}

pub async fn acknowledge_document(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    r.state
        .app
        .device_job(&r.device, job_id(r)?)
        .await
        .map_err(app_failure)?;
    required_int(&r.ipp, "document-number")?;
    Ok(response(r.ipp.header(), status::OK, None)?.into())
}

pub async fn update_job_status(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let id = job_id(r)?;
    let job_attr = |n: &str| attr(&r.ipp, DelimiterTag::JobAttributes, n).or_else(|| op_attr(&r.ipp, n));
    let state = job_attr("output-device-job-state")
        .and_then(as_int)
        .ok_or_else(|| IppFailure::bad_request("output-device-job-state is required"))?;
    if !(3..=9).contains(&state) {
        return Err(IppFailure::bad_request("output-device-job-state must be 3..9"));
    }
    let reasons: Vec<String> = job_attr("output-device-job-state-reasons")
        .map(|v| values(v).into_iter().filter_map(as_text).collect())
        .unwrap_or_default();
    let message = job_attr("output-device-job-state-message").and_then(as_text);
    let counts = print_counts(job_attr);
    r.state
        .app
        .device_job_status(&r.device, id, state, &reasons, message, counts)
        .await
        .map_err(app_failure)?;
    Ok(response(r.ipp.header(), status::OK, None)?.into())
}

pub async fn update_document_status(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    r.state
        .app
        .device_job(&r.device, job_id(r)?)
        .await
        .map_err(app_failure)?;
    Ok(response(r.ipp.header(), status::OK, None)?.into())
}

/// Reconciliation: the device lists the jobs it holds with their local states; Platen answers with the
/// server state of those that differ (plus jobs the device has claimed but did not list), and names unknown
/// ids in the unsupported group.
pub async fn update_active_jobs(r: &Request) -> IppResult<Answer> {
    check_operation_group(r)?;
    let ids: Vec<i32> = op_attr(&r.ipp, "job-ids")
        .map(|v| values(v).into_iter().filter_map(as_int).collect())
        .unwrap_or_default();
    let states: Vec<i32> = op_attr(&r.ipp, "output-device-job-states")
        .map(|v| values(v).into_iter().filter_map(as_int).collect())
        .unwrap_or_default();
    if ids.len() != states.len() {
        return Err(IppFailure::bad_request(
            "job-ids and output-device-job-states must have the same length",
        ));
    }
    let mut differ_ids = vec![];
    let mut differ_states = vec![];
    let mut unknown = vec![];
    for (id, device_state) in ids.iter().zip(&states) {
        match r
            .state
            .app
            .device_job(&r.device, JobId::from(i64::from(*id)))
            .await
        {
            Ok(j) => {
                let (server_state, _) = ipp_job_state(j.phase);
                if server_state != *device_state {
                    differ_ids.push(Value::Integer(*id));
                    differ_states.push(Value::Enum(server_state));
                }
            }
            Err(platen_app::AppError::NotFound(_)) => unknown.push(Value::Integer(*id)),
            Err(e) => return Err(app_failure(e)),
        }
    }
    // Jobs this printer's devices claimed that the device did not mention.
    for j in r
        .state
        .app
        .device_jobs(&r.device, "not-completed", 1000)
        .await
        .map_err(app_failure)?
    {
        let claimed = matches!(j.phase, JobPhase::Processing | JobPhase::Stopped);
        let listed = ids.iter().any(|i| i64::from(*i) == j.id);
        if claimed && !listed {
            differ_ids.push(Value::Integer(i32::try_from(j.id.get()).unwrap_or(i32::MAX)));
            differ_states.push(Value::Enum(ipp_job_state(j.phase).0));
        }
    }
    let mut resp = response(r.ipp.header(), status::OK, None)?;
    if !differ_ids.is_empty() {
        add(
            &mut resp,
            DelimiterTag::OperationAttributes,
            "job-ids",
            Value::Array(differ_ids),
        );
        add(
            &mut resp,
            DelimiterTag::OperationAttributes,
            "output-device-job-states",
            Value::Array(differ_states),
        );
    }
    if !unknown.is_empty() {
        add(
            &mut resp,
            DelimiterTag::UnsupportedAttributes,
            "job-ids",
            set(unknown),
        );
    }
    Ok(resp.into())
}
