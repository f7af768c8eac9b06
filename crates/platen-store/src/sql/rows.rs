//! Decoding rows into records.

use crate::{Result, StoreError};
use platen_domain::JobId;
use platen_domain::job::{CompletionDetail, JobPhase};
use platen_domain::records::*;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A row of either driver: sqlx's (`AnyRow`) or rusqlite's (`sqlite_reader::NamedRow`).
pub(crate) trait Columns {
    fn opt_text_at(&self, col: &str) -> Result<Option<String>>;
    fn opt_int_at(&self, col: &str) -> Result<Option<i64>>;
}

impl Columns for AnyRow {
    fn opt_text_at(&self, col: &str) -> Result<Option<String>> {
        Ok(self.try_get::<Option<String>, _>(col)?)
    }
    fn opt_int_at(&self, col: &str) -> Result<Option<i64>> {
        Ok(self.try_get::<Option<i64>, _>(col)?)
    }
}

fn required<T>(v: Option<T>, col: &str) -> Result<T> {
    v.ok_or_else(|| StoreError::Corrupt(format!("{col} is null")))
}

pub(crate) fn text<R: Columns + ?Sized>(row: &R, col: &str) -> Result<String> {
    required(row.opt_text_at(col)?, col)
}
pub(crate) fn opt_text<R: Columns + ?Sized>(row: &R, col: &str) -> Result<Option<String>> {
    row.opt_text_at(col)
}
/// A typed string id ([`platen_domain::TenantId`], [`platen_domain::PrinterId`], …) from a text column.
pub(crate) fn id<T: From<String>, R: Columns + ?Sized>(row: &R, col: &str) -> Result<T> {
    Ok(text(row, col)?.into())
}
pub(crate) fn opt_id<T: From<String>, R: Columns + ?Sized>(row: &R, col: &str) -> Result<Option<T>> {
    Ok(opt_text(row, col)?.map(T::from))
}
pub(crate) fn job_id<R: Columns + ?Sized>(row: &R, col: &str) -> Result<JobId> {
    Ok(int(row, col)?.into())
}
pub(crate) fn int<R: Columns + ?Sized>(row: &R, col: &str) -> Result<i64> {
    required(row.opt_int_at(col)?, col)
}
pub(crate) fn opt_int<R: Columns + ?Sized>(row: &R, col: &str) -> Result<Option<i64>> {
    row.opt_int_at(col)
}
pub(crate) fn flag<R: Columns + ?Sized>(row: &R, col: &str) -> Result<bool> {
    Ok(int(row, col)? != 0)
}
pub(crate) fn opt_flag<R: Columns + ?Sized>(row: &R, col: &str) -> Result<Option<bool>> {
    Ok(opt_int(row, col)?.map(|v| v != 0))
}
pub(crate) fn json<R: Columns + ?Sized>(row: &R, col: &str) -> Result<Value> {
    let raw = text(row, col)?;
    serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}
pub(crate) fn to_json(v: &Value) -> String {
    v.to_string()
}
/// A JSON text column decoded into a type (`None` for SQL NULL).
pub(crate) fn opt_serde<T: serde::de::DeserializeOwned, R: Columns + ?Sized>(
    row: &R,
    col: &str,
) -> Result<Option<T>> {
    opt_text(row, col)?
        .map(|raw| serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {e}"))))
        .transpose()
}
/// A job's counters as stored: NULL until a device reported one.
pub(crate) fn counts_json(c: &platen_domain::usage::PrintCounts) -> Option<String> {
    (!c.is_empty()).then(|| serde_json::to_string(c).unwrap_or_default())
}
/// A value stored as JSON text; NULL when absent.
pub(crate) fn opt_json<T: serde::Serialize>(v: Option<&T>) -> Option<String> {
    v.and_then(|v| serde_json::to_string(v).ok())
}
/// A list stored as a JSON array; NULL when empty.
pub(crate) fn list_json(items: &[String]) -> Option<String> {
    (!items.is_empty()).then(|| serde_json::to_string(items).unwrap_or_default())
}

pub(crate) const PRINTER_COLUMNS: &str = "p.tenant_id, p.id, p.display_name, p.manufacturer, p.model, \
    p.is_accepting_jobs, p.status_state, p.status_details, p.status_description, p.location, p.defaults, \
    p.factory_defaults, p.capabilities, p.registered_at, p.has_physical_device, p.physical_device_id, \
    p.last_seen_at, p.connector_id, p.registered_by_app, p.certificate, p.device_attributes, \
    CASE WHEN EXISTS (SELECT 1 FROM shares x WHERE x.tenant_id = p.tenant_id AND x.printer_id = p.id) THEN 1 ELSE 0 END AS is_shared";

pub(crate) fn printer<R: Columns + ?Sized>(row: &R) -> Result<Printer> {
    let details: Vec<String> = serde_json::from_value(json(row, "status_details")?)
        .map_err(|e| StoreError::Corrupt(format!("status_details: {e}")))?;
    Ok(Printer {
        tenant_id: id(row, "tenant_id")?,
        id: id(row, "id")?,
        display_name: text(row, "display_name")?,
        manufacturer: opt_text(row, "manufacturer")?,
        model: opt_text(row, "model")?,
        is_accepting_jobs: opt_flag(row, "is_accepting_jobs")?,
        status_state: text(row, "status_state")?,
        status_details: details,
        status_description: opt_text(row, "status_description")?,
        location: json(row, "location")?,
        defaults: json(row, "defaults")?,
        factory_defaults: json(row, "factory_defaults")?,
        capabilities: json(row, "capabilities")?,
        registered_at: int(row, "registered_at")?,
        is_shared: flag(row, "is_shared")?,
        has_physical_device: flag(row, "has_physical_device")?,
        physical_device_id: opt_text(row, "physical_device_id")?,
        last_seen_at: opt_int(row, "last_seen_at")?,
        connector_id: opt_text(row, "connector_id")?,
        registered_by_app: opt_text(row, "registered_by_app")?,
        certificate: opt_text(row, "certificate")?,
        device_attributes: match opt_text(row, "device_attributes")? {
            Some(raw) => serde_json::from_str(&raw)
                .map_err(|e| StoreError::Corrupt(format!("device_attributes: {e}")))?,
            None => Value::Null,
        },
    })
}

pub(crate) const SHARE_COLUMNS: &str =
    "s.tenant_id, s.id, s.printer_id, s.display_name, s.allow_all_users, s.created_at";

pub(crate) fn share<R: Columns + ?Sized>(row: &R) -> Result<Share> {
    Ok(Share {
        tenant_id: id(row, "tenant_id")?,
        id: id(row, "id")?,
        printer_id: id(row, "printer_id")?,
        display_name: text(row, "display_name")?,
        allow_all_users: flag(row, "allow_all_users")?,
        created_at: int(row, "created_at")?,
    })
}

pub(crate) const JOB_COLUMNS: &str = "j.tenant_id, j.id, j.printer_id, j.share_id, j.phase, j.completion, \
    j.status_reason, j.created_at, j.created_by_id, j.created_by_name, j.created_by_upn, j.created_by_ip, \
    j.configuration, j.display_name, j.redirected_from, j.redirected_to, j.error_code, j.acknowledged_at, \
    j.acquired_by, j.completed_at, j.counts, j.creator_groups, j.quota_hold, j.updated_at, j.version";

pub(crate) fn job<R: Columns + ?Sized>(row: &R) -> Result<Job> {
    let phase_text = text(row, "phase")?;
    let phase =
        JobPhase::parse(&phase_text).ok_or_else(|| StoreError::Corrupt(format!("job phase {phase_text}")))?;
    let completion = opt_text(row, "completion")?
        .as_deref()
        .and_then(CompletionDetail::parse);
    Ok(Job {
        tenant_id: id(row, "tenant_id")?,
        id: job_id(row, "id")?,
        printer_id: id(row, "printer_id")?,
        share_id: opt_id(row, "share_id")?,
        phase,
        completion,
        status_reason: opt_text(row, "status_reason")?,
        created_at: int(row, "created_at")?,
        created_by: UserIdentity {
            id: text(row, "created_by_id")?,
            display_name: opt_text(row, "created_by_name")?,
            user_principal_name: opt_text(row, "created_by_upn")?,
            ip_address: opt_text(row, "created_by_ip")?,
        },
        creator_groups: opt_serde(row, "creator_groups")?.unwrap_or_default(),
        configuration: json(row, "configuration")?,
        display_name: opt_text(row, "display_name")?,
        redirected_from: opt_text(row, "redirected_from")?,
        redirected_to: opt_text(row, "redirected_to")?,
        error_code: opt_int(row, "error_code")?.and_then(|c| i32::try_from(c).ok()),
        acknowledged_at: opt_int(row, "acknowledged_at")?,
        acquired_by: opt_text(row, "acquired_by")?,
        completed_at: opt_int(row, "completed_at")?,
        counts: opt_serde(row, "counts")?.unwrap_or_default(),
        quota_hold: opt_serde(row, "quota_hold")?,
        updated_at: int(row, "updated_at")?,
        version: int(row, "version")?,
    })
}

pub(crate) const DOCUMENT_COLUMNS: &str = "d.tenant_id, d.id, d.job_id, d.display_name, d.content_type, d.size, \
    d.sha256, d.uploaded_at, d.downloaded_at, d.blob_key, d.configuration, d.converted_content_type, \
    d.converted_size, d.converted_sha256, d.converted_blob_key, d.purged_at";

pub(crate) fn document<R: Columns + ?Sized>(row: &R) -> Result<Document> {
    Ok(Document {
        tenant_id: id(row, "tenant_id")?,
        id: text(row, "id")?,
        job_id: job_id(row, "job_id")?,
        display_name: text(row, "display_name")?,
        content_type: text(row, "content_type")?,
        size: int(row, "size")?,
        sha256: opt_text(row, "sha256")?,
        uploaded_at: opt_int(row, "uploaded_at")?,
        downloaded_at: opt_int(row, "downloaded_at")?,
        blob_key: opt_text(row, "blob_key")?,
        configuration: opt_serde(row, "configuration")?,
        converted: converted_payload(row)?,
        purged_at: opt_int(row, "purged_at")?,
    })
}

/// The four `converted_*` columns are written together (`documents::convert_in`): all or none.
fn converted_payload<R: Columns + ?Sized>(row: &R) -> Result<Option<ConvertedPayload>> {
    let Some(blob_key) = opt_text(row, "converted_blob_key")? else {
        return Ok(None);
    };
    Ok(Some(ConvertedPayload {
        content_type: opt_text(row, "converted_content_type")?.unwrap_or_default(),
        size: opt_int(row, "converted_size")?.unwrap_or_default(),
        sha256: opt_text(row, "converted_sha256")?.unwrap_or_default(),
        blob_key,
    }))
}

pub(crate) fn upload_session<R: Columns + ?Sized>(row: &R) -> Result<UploadSession> {
    Ok(UploadSession {
        id: text(row, "id")?,
        tenant_id: id(row, "tenant_id")?,
        job_id: job_id(row, "job_id")?,
        document_id: text(row, "document_id")?,
        token_sha256: text(row, "token_sha256")?,
        document_name: text(row, "document_name")?,
        content_type: text(row, "content_type")?,
        size: int(row, "size")?,
        created_at: int(row, "created_at")?,
        expires_at: int(row, "expires_at")?,
    })
}

pub(crate) fn connector<R: Columns + ?Sized>(row: &R) -> Result<Connector> {
    Ok(Connector {
        tenant_id: id(row, "tenant_id")?,
        id: text(row, "id")?,
        display_name: text(row, "display_name")?,
        fully_qualified_domain_name: text(row, "fully_qualified_domain_name")?,
        operating_system: text(row, "operating_system")?,
        app_version: text(row, "app_version")?,
        location: json(row, "location")?,
        registered_at: int(row, "registered_at")?,
        last_connection_at: opt_int(row, "last_connection_at")?,
    })
}

pub(crate) fn operation<R: Columns + ?Sized>(row: &R) -> Result<PrinterOperation> {
    Ok(PrinterOperation {
        tenant_id: id(row, "tenant_id")?,
        id: text(row, "id")?,
        created_at: int(row, "created_at")?,
        state: text(row, "state")?,
        description: text(row, "description")?,
        certificate: opt_text(row, "certificate")?,
        printer_id: opt_id(row, "printer_id")?,
    })
}
