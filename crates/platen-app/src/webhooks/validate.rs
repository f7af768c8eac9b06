//! The pure checks of a subscription request (`POST /subscriptions`, `PATCH /subscriptions/{id}`): which print
//! resource it names, which change types that resource supports, its lifetime, its URLs, its query options.
//! Everything here is synchronous and side-effect free so it can be unit-tested in isolation.

use super::producers::{JOB_RESOURCE_KIND, TASK_RESOURCE_KIND, parse_query_options};
use crate::{AppError, Result};
use platen_domain::Operation;
use platen_domain::time::Micros;
use platen_odata::QueryOption;
use reqwest::Url;
use std::net::IpAddr;

/// Graph's maximum lifetime of printer and printTaskDefinition subscriptions (§3.6).
pub const MAX_LIFETIME_MINUTES: i64 = 4230;
/// Graph's limit on `clientState`.
pub const MAX_CLIENT_STATE_CHARS: usize = 128;
/// TLS versions Graph accepts in `latestSupportedTlsVersion`, oldest first.
pub const TLS_VERSIONS: &[&str] = &["v1_0", "v1_1", "v1_2", "v1_3"];
pub const DEFAULT_TLS_VERSION: &str = "v1_2";
/// The job properties a `notificationQueryOptions` filter may test: the leaves of
/// [`super::job_filter_view`], which is what the filter is evaluated against.
const JOB_FILTER_PATHS: &[&str] = &[
    "id",
    "isFetchable",
    "status/state",
    "status/isAcquiredByPrinter",
    "createdBy/id",
    "createdBy/userPrincipalName",
    "createdBy/displayName",
    "redirectedFrom",
    "redirectedTo",
    "displayName",
];

/// A print resource that supports change notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribedResource {
    /// `print/taskDefinitions/{id}/tasks`: `created` when a trigger creates a task.
    TaskDefinitionTasks { definition_id: String },
    /// `print/printers/{id}/jobs`: `updated` when a job changes (optionally filtered).
    PrinterJobs { printer_id: String },
}

impl SubscribedResource {
    /// Parses Graph's relative resource path. Accepted: an optional leading `/`, an optional `v1.0/` or `beta/`
    /// version prefix, segments in any case; ids are lower-cased (every id Platen issues is lower-case).
    pub fn parse(raw: &str) -> Result<Self> {
        let bad = || {
            AppError::bad_request(format!(
                "Resource '{raw}' is not supported for change notifications; use \
                 'print/printers/{{id}}/jobs' or 'print/taskDefinitions/{{id}}/tasks'."
            ))
        };
        if raw.contains(['?', '#']) || raw.chars().any(char::is_whitespace) {
            return Err(bad());
        }
        let mut segs: Vec<&str> = raw.trim_start_matches('/').split('/').collect();
        if segs
            .first()
            .is_some_and(|v| v.eq_ignore_ascii_case("v1.0") || v.eq_ignore_ascii_case("beta"))
        {
            segs.remove(0);
        }
        let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
        let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
        match lower.as_slice() {
            ["print", "taskdefinitions", id, "tasks"] if !id.is_empty() => Ok(Self::TaskDefinitionTasks {
                definition_id: (*id).to_string(),
            }),
            ["print", "printers", id, "jobs"] if !id.is_empty() => Ok(Self::PrinterJobs {
                printer_id: (*id).to_string(),
            }),
            _ => Err(bad()),
        }
    }

    /// The stored form (`resource_kind`, `resource_key`) of a subscription, back to a resource.
    pub fn from_stored(kind: &str, key: &str) -> Option<Self> {
        match kind {
            TASK_RESOURCE_KIND => Some(Self::TaskDefinitionTasks {
                definition_id: key.to_string(),
            }),
            JOB_RESOURCE_KIND => Some(Self::PrinterJobs {
                printer_id: key.to_string(),
            }),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::TaskDefinitionTasks { .. } => TASK_RESOURCE_KIND,
            Self::PrinterJobs { .. } => JOB_RESOURCE_KIND,
        }
    }

    pub fn key(&self) -> &str {
        match self {
            Self::TaskDefinitionTasks { definition_id } => definition_id,
            Self::PrinterJobs { printer_id } => printer_id,
        }
    }

    /// The permission rule for subscribing to (and reading, renewing, deleting a subscription on) this resource.
    pub fn operation(&self) -> Operation {
        match self {
            Self::TaskDefinitionTasks { .. } => Operation::SubscribeTaskDefinitionTasks,
            Self::PrinterJobs { .. } => Operation::SubscribePrinterJobs,
        }
    }

    /// The change types Universal Print emits for this resource (§3.6).
    pub fn supported_change_types(&self) -> &'static [&'static str] {
        match self {
            Self::TaskDefinitionTasks { .. } => &["created"],
            Self::PrinterJobs { .. } => &["updated"],
        }
    }
}

/// Checks Graph's comma-separated `changeType` against what the resource supports; returns it normalised
/// (lower-case, trimmed, without duplicates).
pub fn change_types(raw: &str, resource: &SubscribedResource) -> Result<String> {
    let supported = resource.supported_change_types();
    let mut out: Vec<&'static str> = Vec::new();
    for part in raw.split(',') {
        let part = part.trim();
        let known = supported
            .iter()
            .find(|s| s.eq_ignore_ascii_case(part))
            .ok_or_else(|| {
                AppError::bad_request(format!(
                    "changeType '{part}' is not supported for this resource; supported: {}.",
                    supported.join(", ")
                ))
            })?;
        if !out.contains(known) {
            out.push(known);
        }
    }
    Ok(out.join(","))
}

/// `expirationDateTime` must lie in the future and at most [`MAX_LIFETIME_MINUTES`] ahead of `now`.
pub fn expiration(expires_at: Micros, now: Micros) -> Result<()> {
    if expires_at <= now {
        return Err(AppError::bad_request(
            "Subscription expiration can only be in the future.",
        ));
    }
    let max = now + MAX_LIFETIME_MINUTES * 60 * 1_000_000;
    if expires_at > max {
        return Err(AppError::bad_request(format!(
            "Subscription expiration exceeds the maximum allowed lifetime of {MAX_LIFETIME_MINUTES} minutes for \
             this resource."
        )));
    }
    Ok(())
}

/// Whether a URL host is the local machine: `localhost`, 127.0.0.0/8 or ::1.
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// A notification (or lifecycle notification) URL: absolute, http(s), without credentials or fragment; https
/// unless the host is loopback or `allow_insecure` is set (plain http would expose `clientState`).
pub fn webhook_url(raw: &str, field: &str, allow_insecure: bool) -> Result<Url> {
    let url = Url::parse(raw.trim())
        .map_err(|e| AppError::bad_request(format!("{field} '{raw}' is not an absolute URL: {e}.")))?;
    if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(AppError::bad_request(format!(
            "{field} must name a host and carry no credentials."
        )));
    }
    if url.fragment().is_some() {
        return Err(AppError::bad_request(format!(
            "{field} must not have a fragment."
        )));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_insecure || is_loopback(&url) => Ok(url),
        "http" => Err(AppError::bad_request(format!(
            "{field} must use https (plain http is accepted only for loopback hosts unless the server \
             allows insecure webhooks)."
        ))),
        other => Err(AppError::bad_request(format!(
            "{field} must be an https URL, not '{other}:'."
        ))),
    }
}

pub fn client_state(raw: Option<&str>) -> Result<()> {
    match raw {
        Some(s) if s.chars().count() > MAX_CLIENT_STATE_CHARS => Err(AppError::bad_request(format!(
            "clientState must be at most {MAX_CLIENT_STATE_CHARS} characters long."
        ))),
        _ => Ok(()),
    }
}

/// `notificationQueryOptions`: only for job resources, only `$filter`, only over job properties.
pub fn query_options(raw: Option<&str>, resource: &SubscribedResource) -> Result<Option<String>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if !matches!(resource, SubscribedResource::PrinterJobs { .. }) {
        return Err(AppError::bad_request(
            "notificationQueryOptions is supported only for 'print/printers/{id}/jobs'.",
        ));
    }
    let q = parse_query_options(raw).map_err(|e| AppError::BadRequest {
        message: format!("notificationQueryOptions: {}", e.message()),
        inner: Some("invalidQueryOption"),
    })?;
    let extra: Vec<&str> = q
        .present()
        .into_iter()
        .filter(|o| *o != QueryOption::Filter)
        .map(|o| o.name())
        .collect();
    if !extra.is_empty() || q.filter.is_none() {
        return Err(AppError::bad_request(format!(
            "notificationQueryOptions supports only $filter{}.",
            if extra.is_empty() {
                String::new()
            } else {
                format!(" (not {})", extra.join(", "))
            }
        )));
    }
    if let Some(f) = &q.filter
        && let Some(p) = f
            .paths()
            .into_iter()
            .find(|p| !JOB_FILTER_PATHS.iter().any(|k| k.eq_ignore_ascii_case(p)))
    {
        return Err(AppError::bad_request(format!(
            "notificationQueryOptions cannot filter on '{p}'; supported: {}.",
            JOB_FILTER_PATHS.join(", ")
        )));
    }
    Ok(Some(raw.to_string()))
}

/// `latestSupportedTlsVersion`, defaulting to `v1_2`.
pub fn tls_version(raw: Option<&str>) -> Result<String> {
    match raw {
        None => Ok(DEFAULT_TLS_VERSION.to_string()),
        Some(v) => TLS_VERSIONS
            .iter()
            .find(|t| t.eq_ignore_ascii_case(v.trim()))
            .map(|t| t.to_string())
            .ok_or_else(|| {
                AppError::bad_request(format!(
                    "latestSupportedTlsVersion '{v}' is not one of {}.",
                    TLS_VERSIONS.join(", ")
                ))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(p: &str) -> SubscribedResource {
        SubscribedResource::PrinterJobs { printer_id: p.into() }
    }

    #[test]
    fn resources_parse_in_every_accepted_spelling() {
        for raw in [
            "print/printers/ABC/jobs",
            "/print/printers/abc/jobs",
            "v1.0/print/printers/abc/jobs",
            "/beta/Print/Printers/abc/Jobs",
        ] {
            assert_eq!(SubscribedResource::parse(raw).unwrap(), jobs("abc"), "{raw}");
        }
        assert_eq!(
            SubscribedResource::parse("print/taskDefinitions/D1/tasks").unwrap(),
            SubscribedResource::TaskDefinitionTasks {
                definition_id: "d1".into()
            }
        );
        for raw in [
            "",
            "print/printers",
            "print/printers//jobs",
            "print/printers/a/jobs/1",
            "print/printers/a/jobs?$filter=x",
            "print/shares/a/jobs",
            "https://graph.microsoft.com/v1.0/print/printers/a/jobs",
            "print/taskDefinitions/a/tasks/",
            "print/printers/a b/jobs",
        ] {
            assert!(SubscribedResource::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn stored_form_round_trips() {
        for r in [
            jobs("p"),
            SubscribedResource::TaskDefinitionTasks {
                definition_id: "d".into(),
            },
        ] {
            assert_eq!(SubscribedResource::from_stored(r.kind(), r.key()), Some(r));
        }
        assert_eq!(SubscribedResource::from_stored("other", "x"), None);
    }

    #[test]
    fn change_types_follow_the_resource() {
        let tasks = SubscribedResource::TaskDefinitionTasks {
            definition_id: "d".into(),
        };
        assert_eq!(change_types("created", &tasks).unwrap(), "created");
        assert_eq!(change_types(" Created , created", &tasks).unwrap(), "created");
        assert!(change_types("updated", &tasks).is_err());
        assert!(change_types("created,updated", &tasks).is_err());
        assert_eq!(change_types("updated", &jobs("p")).unwrap(), "updated");
        assert!(change_types("created", &jobs("p")).is_err());
        assert!(change_types("deleted", &jobs("p")).is_err());
        assert!(change_types("", &jobs("p")).is_err());
        assert!(change_types("updated,", &jobs("p")).is_err());
    }

    #[test]
    fn lifetime_is_bounded() {
        let now = 1_000_000_000_000;
        let minute = 60_000_000;
        assert!(expiration(now, now).is_err());
        assert!(expiration(now - 1, now).is_err());
        assert!(expiration(now + minute, now).is_ok());
        assert!(expiration(now + MAX_LIFETIME_MINUTES * minute, now).is_ok());
        assert!(expiration(now + MAX_LIFETIME_MINUTES * minute + 1, now).is_err());
    }

    #[test]
    fn urls_need_https_outside_loopback() {
        for ok in [
            "https://example.com/hook",
            "https://example.com:8443/hook?x=1",
            "http://127.0.0.1:9000/hook",
            "http://127.1.2.3/hook",
            "http://localhost:80/",
            "http://[::1]:8080/h",
        ] {
            assert!(webhook_url(ok, "notificationUrl", false).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/hook",
            "http://10.0.0.1/hook",
            "ftp://example.com/x",
            "/relative/hook",
            "example.com/hook",
            "https://user:pw@example.com/hook",
            "https://example.com/hook#frag",
            "http://localhost.example.com/",
        ] {
            assert!(webhook_url(bad, "notificationUrl", false).is_err(), "{bad}");
        }
        assert!(webhook_url("http://example.com/hook", "notificationUrl", true).is_ok());
        assert!(webhook_url("ftp://example.com/x", "notificationUrl", true).is_err());
    }

    #[test]
    fn client_state_is_limited() {
        assert!(client_state(None).is_ok());
        assert!(client_state(Some(&"x".repeat(128))).is_ok());
        assert!(client_state(Some(&"x".repeat(129))).is_err());
    }

    #[test]
    fn query_options_only_filter_jobs() {
        let p = jobs("p");
        assert_eq!(
            query_options(Some("$filter = isFetchable eq true"), &p)
                .unwrap()
                .as_deref(),
            Some("$filter = isFetchable eq true")
        );
        assert!(query_options(Some("$filter=createdBy/userPrincipalName eq 'a@b'"), &p).is_ok());
        assert_eq!(query_options(None, &p).unwrap(), None);
        assert_eq!(query_options(Some("  "), &p).unwrap(), None);
        assert!(query_options(Some("$filter=nope eq 1"), &p).is_err());
        assert!(query_options(Some("$filter=isFetchable eq"), &p).is_err());
        assert!(query_options(Some("$top=1"), &p).is_err());
        assert!(query_options(Some("$filter=isFetchable&$select=id"), &p).is_err());
        let tasks = SubscribedResource::TaskDefinitionTasks {
            definition_id: "d".into(),
        };
        assert!(query_options(Some("$filter=isFetchable eq true"), &tasks).is_err());
    }

    #[test]
    fn tls_versions() {
        assert_eq!(tls_version(None).unwrap(), "v1_2");
        assert_eq!(tls_version(Some("V1_3")).unwrap(), "v1_3");
        assert!(tls_version(Some("v2_0")).is_err());
    }
}
