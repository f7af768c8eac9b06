//! What every IPP operation takes and gives: the authenticated [`Request`], the [`Answer`], the common
//! operation-group check, and app errors as IPP statuses. Operation files (printer, jobs, events) depend on
//! this module only; the dispatcher (`endpoint`) depends on them, never the other way round.

use crate::IppState;
use ipp::prelude::*;
use platen_app::Device;
use platen_ipp_model::message::{IppFailure, IppResult, Msg, group};
use platen_ipp_model::status;
use std::sync::Arc;

/// What an operation answers: an IPP message, optionally followed by document bytes.
pub struct Answer {
    pub message: IppRequestResponse,
    pub data: Option<platen_blob::ByteStream>,
}

impl From<IppRequestResponse> for Answer {
    fn from(message: IppRequestResponse) -> Self {
        Answer { message, data: None }
    }
}

/// A parsed request from an authenticated device.
pub struct Request {
    pub ipp: Msg,
    pub device: Device,
    pub state: Arc<IppState>,
}

/// Every request must carry attributes-charset and attributes-natural-language first (RFC 8011 §4.1.4).
pub fn check_operation_group(r: &Request) -> IppResult<()> {
    let g = group(&r.ipp, DelimiterTag::OperationAttributes)
        .ok_or_else(|| IppFailure::bad_request("the operation attributes group is missing"))?;
    let names: Vec<&str> = g.attributes().iter().map(|a| a.name().as_str()).collect();
    if names.first() != Some(&"attributes-charset") || names.get(1) != Some(&"attributes-natural-language") {
        return Err(IppFailure::bad_request(
            "attributes-charset and attributes-natural-language must come first",
        ));
    }
    Ok(())
}

/// App errors as IPP statuses.
pub fn app_failure(e: platen_app::AppError) -> IppFailure {
    use platen_app::AppError as E;
    use platen_domain::job::Refusal;
    match e {
        E::NotFound(m) => IppFailure::new(status::NOT_FOUND, m),
        E::Refused(Refusal::NotFetchable) => {
            IppFailure::new(status::NOT_FETCHABLE, "the job is not fetchable")
        }
        E::Refused(r) => IppFailure::new(status::NOT_POSSIBLE, platen_app::describe_refusal(r)),
        E::Forbidden(m) => IppFailure::new(status::NOT_AUTHORIZED, m),
        E::Conflict(m) => IppFailure::new(status::NOT_POSSIBLE, m),
        E::BadRequest { message, .. } => IppFailure::bad_request(message),
        E::UnsupportedSetting(u) => {
            IppFailure::new(status::ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, u.to_string())
        }
        E::Throttled { message, .. } => IppFailure::new(status::BUSY, message),
        other => {
            tracing::error!(error = %other, "IPP operation failed");
            IppFailure::new(status::INTERNAL_ERROR, "internal error")
        }
    }
}
