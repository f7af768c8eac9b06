//! A print job's Graph JSON as a `Serialize` value: the one definition of a job's wire shape. [`crate::wire::job`]
//! turns it into a JSON object for handlers that reshape it (`$select`, `$expand`); a plain page or entity is
//! serialised from it straight into the response's bytes, without building a map per job (the maps, their key
//! strings and their teardown were most of a job page's CPU).
//!
//! Keys are written in byte order, as a `serde_json` map orders them, so both renderings are the same bytes.

use crate::response::{hide_evolvable, hides_any};
use crate::route::Version;
use crate::schema::enums::{PRINTER_PROCESSING_STATE_DETAIL, as_seen};
use platen_domain::records::{Job, UserIdentity};
use platen_domain::time::to_graph;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

/// A job as Graph shows it, in `version`, with links absolute under `root` (`{base}/{version}`).
pub struct JobJson<'a> {
    pub job: &'a Job,
    pub version: Version,
    pub root: &'a str,
    /// Evolvable enum members become `unknownFutureValue` (the client did not ask for them; see
    /// [`crate::response::json`], which does the same to a rendered object).
    pub hide_evolvable: bool,
    /// `@odata.context`, for a job served as an entity of its own.
    pub context: Option<&'a str>,
}

impl Serialize for JobJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let j = self.job;
        let beta = self.version == Version::Beta;
        let mut m = s.serialize_map(None)?;
        if let Some(context) = self.context {
            m.serialize_entry("@odata.context", context)?;
        }
        m.serialize_entry("acknowledgedDateTime", &j.acknowledged_at.map(to_graph))?;
        if beta {
            m.serialize_entry("completedDateTime", &j.completed_at.map(to_graph))?;
        }
        m.serialize_entry("configuration", &Configuration(self))?;
        m.serialize_entry("createdBy", &CreatedBy(&j.created_by))?;
        m.serialize_entry("createdDateTime", &to_graph(j.created_at))?;
        if beta {
            m.serialize_entry("displayName", &j.display_name)?;
        }
        m.serialize_entry("errorCode", &j.error_code)?;
        m.serialize_entry("id", &j.id.to_string())?;
        m.serialize_entry("isFetchable", &j.phase.is_fetchable())?;
        m.serialize_entry("redirectedFrom", &Link(self.root, &j.redirected_from))?;
        m.serialize_entry("redirectedTo", &Link(self.root, &j.redirected_to))?;
        m.serialize_entry(
            "status",
            &JobStatusJson {
                job: j,
                version: self.version,
                hide_evolvable: self.hide_evolvable,
            },
        )?;
        m.end()
    }
}

/// Every job of a page, rendered as [`JobJson`].
pub struct JobsJson<'a> {
    pub version: Version,
    pub root: &'a str,
    pub hide_evolvable: bool,
}

impl crate::paging::ItemJson<Job> for JobsJson<'_> {
    fn serialize_item<S: Serializer>(&self, job: &Job, s: S) -> Result<S::Ok, S::Error> {
        JobJson {
            job,
            version: self.version,
            root: self.root,
            hide_evolvable: self.hide_evolvable,
            context: None,
        }
        .serialize(s)
    }
}

/// A job's `printJobStatus` (v1.0, and β's additional names for the same facts).
pub struct JobStatusJson<'a> {
    pub job: &'a Job,
    pub version: Version,
    pub hide_evolvable: bool,
}

impl Serialize for JobStatusJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let j = self.job;
        let status = j.phase.graph_status(j.completion);
        let description = match &j.status_reason {
            Some(reason) if !reason.is_empty() => format!("{} Reason: {reason}", status.description),
            _ => status.description.to_string(),
        };
        let beta = self.version == Version::Beta;
        let acquired = j.is_acquired_by_printer();
        let mut m = s.serialize_map(None)?;
        if beta {
            m.serialize_entry("acquiredByPrinter", &acquired)?;
        }
        m.serialize_entry("description", &description)?;
        // A status object's `details` are checked against the printer details' evolvable members, as
        // `response::json` checks every `{state, details}` object.
        m.serialize_entry(
            "details",
            &Details {
                details: &status.details,
                hide_evolvable: self.hide_evolvable,
            },
        )?;
        m.serialize_entry("isAcquiredByPrinter", &acquired)?;
        if beta {
            m.serialize_entry("processingState", status.state)?;
            m.serialize_entry("processingStateDescription", &description)?;
        }
        m.serialize_entry("state", status.state)?;
        m.end()
    }
}

struct Details<'a> {
    details: &'a [&'static str],
    hide_evolvable: bool,
}

impl Serialize for Details<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.details.len()))?;
        for d in self.details {
            seq.serialize_element(&as_seen(PRINTER_PROCESSING_STATE_DETAIL, d, !self.hide_evolvable))?;
        }
        seq.end()
    }
}

/// The job's configuration object (`{}` when none was stored), its evolvable members hidden when asked.
struct Configuration<'a, 'b>(&'a JobJson<'b>);

impl Serialize for Configuration<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let config = &self.0.job.configuration;
        if !config.is_object() {
            return s.serialize_map(Some(0))?.end();
        }
        if self.0.hide_evolvable && hides_any(config) {
            let mut seen = config.clone();
            hide_evolvable(&mut seen);
            return seen.serialize(s);
        }
        config.serialize(s)
    }
}

struct CreatedBy<'a>(&'a UserIdentity);

impl Serialize for CreatedBy<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let u = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("displayName", &u.display_name)?;
        m.serialize_entry("id", &u.id)?;
        m.serialize_entry("ipAddress", &u.ip_address)?;
        m.serialize_entry("userPrincipalName", &u.user_principal_name)?;
        m.end()
    }
}

/// A stored job link (`print/printers/{p}/jobs/{j}`) as the absolute URL Graph returns.
struct Link<'a>(&'a str, &'a Option<String>);

impl Serialize for Link<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.1 {
            Some(l) if l.starts_with("http://") || l.starts_with("https://") => s.serialize_str(l),
            Some(l) => s.collect_str(&format_args!("{}/{l}", self.0)),
            None => s.serialize_none(),
        }
    }
}

/// `value` as a JSON object (a `Serialize` of a map always is one).
pub fn to_object(value: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use platen_domain::JobId;
    use platen_domain::job::{CompletionDetail, JobPhase};
    use serde_json::json;

    fn jobs() -> Vec<Job> {
        let base = Job {
            tenant_id: "t".into(),
            id: JobId::new(42),
            printer_id: "p".into(),
            share_id: None,
            phase: JobPhase::Queued,
            completion: None,
            status_reason: None,
            created_at: 1_700_000_000_123_456,
            created_by: UserIdentity {
                id: "u".into(),
                display_name: Some("Ada \"the\" Lovelace".into()),
                user_principal_name: Some("ada@contoso.test".into()),
                ip_address: None,
            },
            creator_groups: vec![],
            configuration: json!({"copies": 2, "finishings": ["staple", "stapleTripleLeft"], "é": "ü"}),
            display_name: Some("report.pdf".into()),
            redirected_from: Some("print/printers/a/jobs/1".into()),
            redirected_to: Some("https://elsewhere.test/v1.0/print/printers/b/jobs/2".into()),
            error_code: Some(-3),
            acknowledged_at: Some(1_700_000_000_999_000),
            acquired_by: None,
            completed_at: Some(1_700_000_100_000_000),
            counts: Default::default(),
            quota_hold: None,
            updated_at: 1,
            version: 1,
        };
        let mut out = vec![];
        for phase in JobPhase::ALL {
            for completion in [None, Some(CompletionDetail::WithWarnings)] {
                out.push(Job {
                    phase,
                    completion,
                    status_reason: Some("paper jam".into()),
                    ..base.clone()
                });
            }
        }
        out.push(Job {
            configuration: Value::Null,
            display_name: None,
            redirected_from: None,
            redirected_to: None,
            error_code: None,
            acknowledged_at: None,
            completed_at: None,
            status_reason: Some(String::new()),
            created_by: UserIdentity {
                id: "u".into(),
                ..Default::default()
            },
            ..base
        });
        out
    }

    /// Serialised straight (evolvable members hidden or not) and through a rendered object and `response::json`'s
    /// hiding, a job is the same bytes in both versions.
    #[test]
    fn straight_and_rendered_jobs_are_the_same_bytes() {
        for version in [Version::V1, Version::Beta] {
            for job in &jobs() {
                let root = "https://platen.test/v1.0";
                let rendered = Value::Object(crate::wire::job(job, version, root));
                for hide in [false, true] {
                    let straight = JobJson {
                        job,
                        version,
                        root,
                        hide_evolvable: hide,
                        context: None,
                    };
                    let mut expected = rendered.clone();
                    if hide {
                        hide_evolvable(&mut expected);
                    }
                    assert_eq!(
                        serde_json::to_string(&straight).unwrap(),
                        serde_json::to_string(&expected).unwrap(),
                        "{version:?} hide={hide} {:?}",
                        job.phase
                    );
                }
            }
        }
    }

    #[test]
    fn hidden_finishings_are_unknown_future_values() {
        let job = &jobs()[0];
        let straight = JobJson {
            job,
            version: Version::V1,
            root: "r",
            hide_evolvable: true,
            context: Some("ctx"),
        };
        let v = serde_json::to_value(&straight).unwrap();
        assert_eq!(
            v["configuration"]["finishings"],
            json!(["staple", "unknownFutureValue"])
        );
        assert_eq!(v["@odata.context"], json!("ctx"));
        assert_eq!(v["redirectedFrom"], json!("r/print/printers/a/jobs/1"));
    }

    /// The rendering before it was a `Serialize` (kept in the test as the reference it must equal).
    fn reference(j: &Job, version: Version, root: &str) -> Value {
        let link = |stored: &Option<String>| match stored {
            Some(s) if s.starts_with("http://") || s.starts_with("https://") => json!(s),
            Some(s) => json!(format!("{root}/{s}")),
            None => Value::Null,
        };
        let time = |t: Option<i64>| t.map(|t| Value::String(to_graph(t))).unwrap_or(Value::Null);
        let status = j.phase.graph_status(j.completion);
        let description = match &j.status_reason {
            Some(reason) if !reason.is_empty() => format!("{} Reason: {reason}", status.description),
            _ => status.description.to_string(),
        };
        let mut st = json!({
            "state": status.state,
            "description": description,
            "details": status.details,
            "isAcquiredByPrinter": j.is_acquired_by_printer(),
        });
        let mut m = json!({
            "id": j.id.to_string(),
            "createdDateTime": to_graph(j.created_at),
            "createdBy": {
                "id": j.created_by.id,
                "displayName": j.created_by.display_name,
                "userPrincipalName": j.created_by.user_principal_name,
                "ipAddress": j.created_by.ip_address,
            },
            "configuration": if j.configuration.is_object() { j.configuration.clone() } else { json!({}) },
            "isFetchable": j.phase.is_fetchable(),
            "redirectedFrom": link(&j.redirected_from),
            "redirectedTo": link(&j.redirected_to),
            "errorCode": j.error_code,
            "acknowledgedDateTime": time(j.acknowledged_at),
        });
        if version == Version::Beta {
            st["processingState"] = json!(status.state);
            st["processingStateDescription"] = json!(description);
            st["acquiredByPrinter"] = json!(j.is_acquired_by_printer());
            m["displayName"] = json!(j.display_name);
            m["completedDateTime"] = time(j.completed_at);
        }
        m["status"] = st;
        m
    }

    #[test]
    fn a_job_renders_as_it_did_as_a_map() {
        for version in [Version::V1, Version::Beta] {
            for job in &jobs() {
                assert_eq!(
                    Value::Object(crate::wire::job(job, version, "https://platen.test/beta")),
                    reference(job, version, "https://platen.test/beta")
                );
            }
        }
    }
}
