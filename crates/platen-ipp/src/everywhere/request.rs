//! One client request to a share: the parsed message, the document stream after it, who sent it, and the
//! share's printer; the checks every operation shares; app errors as IPP statuses.

use super::auth::Connection;
use crate::IppState;
use ipp::prelude::*;
use platen_app::{AppError, JobTarget};
use platen_blob::ByteStream;
use platen_domain::permissions::{Access, authorize};
use platen_domain::records::{Printer, Share};
use platen_domain::{Caller, JobId, Operation};
use platen_ipp_model::message::{IppFailure, Msg, as_int, as_text, group, op_attr};
use platen_ipp_model::status;
use std::sync::Arc;

pub struct ShareRequest {
    pub ipp: Msg,
    /// The bytes after the message; taken by the operation that reads a document. (In a mutex only so that a
    /// `&ShareRequest` may cross awaits: a byte stream is `Send` but not `Sync`.)
    pub data: std::sync::Mutex<Option<ByteStream>>,
    pub state: Arc<IppState>,
    pub share: Share,
    pub printer: Printer,
    /// The authenticated user (every operation but Get-Printer-Attributes has one).
    pub caller: Option<Caller>,
    pub conn: Connection,
}

/// An IPP error answer, with the unsupported-attributes group when attributes caused it.
pub struct Failure {
    pub status: i16,
    pub message: String,
    pub unsupported: Option<IppAttributeGroup>,
}

impl From<IppFailure> for Failure {
    fn from(f: IppFailure) -> Self {
        Failure {
            status: f.status,
            message: f.message,
            unsupported: None,
        }
    }
}

pub type Outcome<T> = Result<T, Failure>;

impl ShareRequest {
    /// RFC 8011 §4.1.4-4.1.5: attributes-charset and attributes-natural-language first, then printer-uri (or
    /// job-uri), in an operation group; only UTF-8 (and its subset US-ASCII) is spoken.
    pub fn check_envelope(&self) -> Outcome<()> {
        let header = self.ipp.header();
        if !(0x0100..0x0300).contains(&header.version.0) {
            return Err(IppFailure::new(
                status::VERSION_NOT_SUPPORTED,
                "only IPP/1.1 and IPP/2.x are supported",
            )
            .into());
        }
        if header.request_id < 1 {
            return Err(IppFailure::bad_request("the request-id must be positive").into());
        }
        let g = group(&self.ipp, DelimiterTag::OperationAttributes)
            .ok_or_else(|| IppFailure::bad_request("the operation attributes group is missing"))?;
        let names: Vec<&str> = g.attributes().iter().map(|a| a.name().as_str()).collect();
        if names.first() != Some(&"attributes-charset")
            || names.get(1) != Some(&"attributes-natural-language")
        {
            return Err(IppFailure::bad_request(
                "attributes-charset and attributes-natural-language must come first",
            )
            .into());
        }
        let charset = op_attr(&self.ipp, "attributes-charset")
            .and_then(as_text)
            .unwrap_or_default()
            .to_ascii_lowercase();
        if charset != "utf-8" && charset != "us-ascii" {
            return Err(IppFailure::new(status::CHARSET_NOT_SUPPORTED, "only utf-8 is supported").into());
        }
        if op_attr(&self.ipp, "printer-uri").is_none() && op_attr(&self.ipp, "job-uri").is_none() {
            return Err(IppFailure::bad_request("printer-uri is missing").into());
        }
        Ok(())
    }

    /// The document bytes after the message (empty when there are none, or they were taken).
    pub fn take_data(&self) -> ByteStream {
        use futures::StreamExt;
        self.data
            .lock()
            .ok()
            .and_then(|mut d| d.take())
            .unwrap_or_else(|| futures::stream::empty().boxed())
    }

    pub fn caller(&self) -> Outcome<&Caller> {
        self.caller
            .as_ref()
            .ok_or_else(|| IppFailure::new(status::NOT_AUTHENTICATED, "authentication is required").into())
    }

    /// The caller and what the permission table grants it for `op` (the Graph operation this IPP one is).
    pub fn access(&self, op: Operation) -> Outcome<(&Caller, Access)> {
        let caller = self.caller()?;
        let access = authorize(caller, op).map_err(|e| IppFailure::new(status::NOT_AUTHORIZED, e.0))?;
        Ok((caller, access))
    }

    /// The share's ACL, exactly as on Graph: a user it does not admit gets `client-error-forbidden` (other
    /// credentials would not help: the share is not theirs to print to).
    pub async fn check_share_access(&self, caller: &Caller, access: &Access) -> Outcome<()> {
        match self
            .state
            .app
            .resolve_target(caller, access, &self.target())
            .await
        {
            Ok(_) => Ok(()),
            Err(AppError::Forbidden(m)) => Err(IppFailure::new(status::FORBIDDEN, m).into()),
            Err(e) => Err(app_failure(e)),
        }
    }

    pub fn target(&self) -> JobTarget {
        JobTarget::Share(self.share.id.clone())
    }

    /// The public URL of the listener this request came on (`https://…` over TLS when TLS is configured).
    pub fn public_url(&self) -> &str {
        let tls_url = self.state.tls_public_url.as_deref();
        match self.conn {
            Some(c) => c.public_url(&self.state.public_url, tls_url),
            None => &self.state.public_url,
        }
    }

    /// `printer-uri-supported` for this request: the share's URI in the scheme it came in (`ipps` for https).
    pub fn printer_uri(&self) -> String {
        let base = self.public_url();
        let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
        let ipp = if scheme == "https" { "ipps" } else { "ipp" };
        format!("{ipp}://{rest}/ipp/shares/{}", self.share.id)
    }

    pub fn job_uri(&self, job_id: JobId) -> String {
        format!("{}/jobs/{job_id}", self.printer_uri())
    }

    /// The job a job operation names: `job-id`, or the last segment of `job-uri`.
    pub fn job_id(&self) -> Outcome<JobId> {
        let id = match op_attr(&self.ipp, "job-id") {
            Some(v) => as_int(v).map(i64::from),
            None => op_attr(&self.ipp, "job-uri")
                .and_then(as_text)
                .and_then(|u| u.rsplit('/').next().and_then(|i| i.parse().ok())),
        };
        id.filter(|i: &i64| *i > 0)
            .map(JobId::from)
            .ok_or_else(|| IppFailure::bad_request("job-id (or job-uri) is missing or malformed").into())
    }
}

/// A configuration the share's printer does not offer (its capabilities changed since the description was
/// read, or a member the description does not express): the IPP attribute it came from, in the unsupported group.
fn unsupported_setting(u: &platen_domain::UnsupportedSetting) -> Failure {
    // `finishings` reports the one item not offered; the template mapping reads a list.
    let value = match u.property.as_str() {
        "finishings" => serde_json::Value::Array(vec![u.value.clone()]),
        _ => u.value.clone(),
    };
    let mut fragment = serde_json::Map::new();
    fragment.insert(u.property.clone(), value);
    let mut unsupported = IppAttributeGroup::new(DelimiterTag::UnsupportedAttributes);
    for (name, value) in platen_ipp_model::mapping::job_template(&serde_json::Value::Object(fragment)) {
        if let Ok(a) = IppAttribute::with_name(name, value) {
            unsupported.attributes_mut().push(a);
        }
    }
    Failure {
        status: status::ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
        message: u.to_string(),
        unsupported: Some(unsupported),
    }
}

/// App errors as IPP statuses. Another user's job is `client-error-not-authorized` (another user might be
/// allowed); a share the user may not print to is decided first, by [`ShareRequest::check_share_access`].
pub fn app_failure(e: AppError) -> Failure {
    let f = match e {
        AppError::UnsupportedSetting(u) => return unsupported_setting(&u),
        AppError::NotFound(m) => IppFailure::new(status::NOT_FOUND, m),
        AppError::Forbidden(m) => IppFailure::new(status::NOT_AUTHORIZED, m),
        AppError::Refused(r) => IppFailure::new(status::NOT_POSSIBLE, platen_app::describe_refusal(r)),
        AppError::Conflict(m) | AppError::PolicyRefused(m) | AppError::QuotaExceeded(m) => {
            IppFailure::new(status::NOT_POSSIBLE, m)
        }
        AppError::BadRequest { message, .. } => IppFailure::bad_request(message),
        AppError::Upload {
            failure: platen_app::UploadFailure::DocumentTooLarge,
            message,
        } => IppFailure::new(status::REQUEST_ENTITY_TOO_LARGE, message),
        other => {
            tracing::error!(error = %other, "IPP share operation failed");
            IppFailure::new(status::INTERNAL_ERROR, "internal error")
        }
    };
    f.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use platen_domain::UnsupportedSetting;
    use serde_json::json;

    fn refused(property: &str, value: serde_json::Value) -> Failure {
        app_failure(AppError::UnsupportedSetting(UnsupportedSetting {
            property: property.to_owned(),
            value,
            offered: json!([]),
            capability: "whatever",
        }))
    }

    fn unsupported_names(f: &Failure) -> Vec<String> {
        f.unsupported
            .iter()
            .flat_map(|g| g.attributes().iter().map(|a| a.name().to_string()))
            .collect()
    }

    #[test]
    fn a_configuration_the_printer_does_not_offer_is_attributes_or_values_not_supported() {
        let f = refused("mediaSize", json!("iso_a3_297x420mm"));
        assert_eq!(f.status, status::ATTRIBUTES_OR_VALUES_NOT_SUPPORTED);
        assert!(f.message.contains("configuration.mediaSize"), "{}", f.message);
        assert_eq!(unsupported_names(&f), vec!["media".to_owned()]);
        assert_eq!(
            unsupported_names(&refused("finishings", json!("staple"))),
            vec!["finishings".to_owned()]
        );
        // A member with no IPP attribute still answers the status, with an empty group.
        let f = refused("margin.top", json!(5));
        assert_eq!(f.status, status::ATTRIBUTES_OR_VALUES_NOT_SUPPORTED);
        assert!(unsupported_names(&f).is_empty());
    }
}
