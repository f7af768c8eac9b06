//! Records → Graph JSON, with the v1.0/beta differences of `graph-print-api.md` §1.12.

use crate::route::Version;
use platen_domain::records::*;
use platen_domain::time::to_graph;
use serde_json::{Map, Value, json};

pub type Obj = Map<String, Value>;

fn obj(v: Value) -> Obj {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn time(t: Option<i64>) -> Value {
    t.map(|t| Value::String(to_graph(t))).unwrap_or(Value::Null)
}

fn object_or_empty(v: &Value) -> Value {
    if v.is_object() { v.clone() } else { json!({}) }
}

pub fn printer_status(p: &Printer, version: Version) -> Value {
    let mut s = json!({
        "state": p.status_state,
        "details": p.status_details,
        "description": p.status_description.clone().unwrap_or_default(),
    });
    if version == Version::Beta {
        s["processingState"] = json!(p.status_state);
        s["processingStateDescription"] = json!(p.status_description.clone().unwrap_or_default());
        s["processingStateReasons"] = json!(processing_state_reasons(&p.status_details));
    }
    s
}

/// β's legacy `processingStateReasons`: the state details again, in the older, shorter enum
/// (`printerProcessingStateReason`, the core IPP reasons). A detail that enum lacks reads `unknownFutureValue`,
/// once, as a client of the legacy list has no other way to learn of it.
fn processing_state_reasons(details: &[String]) -> Vec<&'static str> {
    use crate::schema::PRINTER_PROCESSING_STATE_REASON as REASONS;
    let mut reasons: Vec<&'static str> = Vec::with_capacity(details.len());
    for d in details {
        let reason = REASONS
            .iter()
            .find(|r| r.eq_ignore_ascii_case(d))
            .copied()
            .unwrap_or("unknownFutureValue");
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    reasons
}

/// A printer's (or its share's) `defaults` in `version`'s shape (β adds the legacy names; v1.0 never has them).
pub fn defaults(p: &Printer, version: Version) -> Value {
    crate::schema::defaults_for(&p.defaults, &version.schema())
}

/// A printer's (or its share's) `capabilities` in `version`'s shape, as [`defaults`].
pub fn capabilities(p: &Printer, version: Version) -> Value {
    crate::schema::capabilities_for(&p.capabilities, &version.schema())
}

/// `defaults`/`capabilities` are added by the caller when they should appear.
pub fn printer(p: &Printer, version: Version) -> Obj {
    let mut m = obj(json!({
        "id": p.id,
        "displayName": p.display_name,
        "manufacturer": p.manufacturer,
        "model": p.model,
        "registeredDateTime": to_graph(p.registered_at),
        "isShared": p.is_shared,
        "hasPhysicalDevice": p.has_physical_device,
        "isAcceptingJobs": p.is_accepting_jobs,
        "lastSeenDateTime": time(p.last_seen_at),
        "status": printer_status(p, version),
        "location": object_or_empty(&p.location),
    }));
    if version == Version::Beta {
        m.insert("name".into(), json!(p.display_name));
        m.insert("acceptingJobs".into(), json!(p.is_accepting_jobs));
    }
    m
}

pub fn share(s: &Share, p: &Printer, version: Version, last_used: Option<i64>) -> Obj {
    let mut m = obj(json!({
        "id": s.id,
        "displayName": s.display_name,
        "createdDateTime": to_graph(s.created_at),
        "allowAllUsers": s.allow_all_users,
        "manufacturer": p.manufacturer,
        "model": p.model,
        "isAcceptingJobs": p.is_accepting_jobs,
        "status": printer_status(p, version),
        "location": object_or_empty(&p.location),
        "viewPoint": {"lastUsedDateTime": time(last_used)},
    }));
    if version == Version::Beta {
        m.insert("name".into(), json!(s.display_name));
    }
    m
}

/// The reduced share view non-administrators get in lists (id, displayName, manufacturer, model, location).
pub fn share_basic(s: &Share, p: &Printer, version: Version) -> Obj {
    let full = share(s, p, version, None);
    full.into_iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "id" | "displayName" | "manufacturer" | "model" | "location" | "name"
            )
        })
        .collect()
}

pub fn job_status(j: &Job, version: Version) -> Obj {
    crate::job_json::to_object(&crate::job_json::JobStatusJson {
        job: j,
        version,
        hide_evolvable: false,
    })
}

/// A job as an object to reshape (`$select`, `$expand`); [`crate::job_json::JobJson`] defines it.
pub fn job(j: &Job, version: Version, root: &str) -> Obj {
    crate::job_json::to_object(&crate::job_json::JobJson {
        job: j,
        version,
        root,
        hide_evolvable: false,
        context: None,
    })
}

pub fn document(d: &Document, version: Version) -> Obj {
    let mut m = obj(json!({
        "id": d.id,
        "displayName": d.display_name,
        "contentType": d.content_type,
        "size": d.size,
        "uploadedDateTime": time(d.uploaded_at),
        "downloadedDateTime": time(d.downloaded_at),
    }));
    if version == Version::Beta {
        m.insert(
            "configuration".into(),
            d.configuration.clone().unwrap_or(Value::Null),
        );
    }
    m
}

pub fn operation(op: &PrinterOperation) -> Obj {
    obj(json!({
        "@odata.type": "#microsoft.graph.printerCreateOperation",
        "id": op.id,
        "createdDateTime": to_graph(op.created_at),
        "status": {"state": op.state, "description": op.description},
        "certificate": op.certificate,
    }))
}

pub fn connector(c: &Connector, version: Version) -> Obj {
    let mut m = obj(json!({
        "id": c.id,
        "displayName": c.display_name,
        "fullyQualifiedDomainName": c.fully_qualified_domain_name,
        "operatingSystem": c.operating_system,
        "appVersion": c.app_version,
        "location": object_or_empty(&c.location),
        "registeredDateTime": to_graph(c.registered_at),
    }));
    if version == Version::Beta {
        m.insert("name".into(), json!(c.display_name));
        m.insert(
            "deviceHealth".into(),
            json!({"lastConnectionTime": time(c.last_connection_at)}),
        );
    }
    m
}

pub fn user(u: &DirectoryUser) -> Obj {
    obj(json!({"id": u.id, "displayName": u.display_name, "userPrincipalName": u.user_principal_name}))
}

pub fn group(g: &DirectoryGroup) -> Obj {
    obj(json!({"id": g.id, "displayName": g.display_name}))
}

pub fn settings(s: &PrintSettings) -> Obj {
    obj(json!({
        "documentConversionEnabled": s.document_conversion_enabled,
        "printerDiscoverySettings": s.printer_discovery_settings,
    }))
}

pub fn default_settings() -> PrintSettings {
    PrintSettings {
        document_conversion_enabled: false,
        printer_discovery_settings: json!({"airPrint": {"incompatiblePrinters": "show"}}),
    }
}

pub fn task_definition(d: &TaskDefinition) -> Obj {
    obj(json!({
        "id": d.id,
        "displayName": d.display_name,
        "createdBy": {
            "appId": d.app_id,
            "displayName": d.app_display_name,
            "servicePrincipalId": d.service_principal_id,
            "servicePrincipalName": d.service_principal_name,
        },
    }))
}

pub fn task_trigger(t: &TaskTrigger) -> Obj {
    obj(json!({"id": t.id, "event": t.event}))
}

pub fn task(t: &PrintTask, root: &str) -> Obj {
    obj(json!({
        "id": t.id,
        "parentUrl": format!("{root}/{}", job_path(&t.printer_id, t.job_id)),
        "status": {"state": t.state.as_str(), "description": t.description},
    }))
}
