//! A job's documents: list, get, `$value` download, `createUploadSession`.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::handlers::jobs::collection_path;
use crate::handlers::{object_body, schema_error};
use crate::in_memory::{Expansion, small_collection};
use crate::paging::{count_items, select};
use crate::response::{entity, ok};
use crate::route::Version;
use crate::schema::{self, ObjectReader};
use crate::wire;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use platen_app::JobTarget;
use platen_domain::time::to_graph;
use platen_domain::{Operation, permissions};
use serde_json::json;

/// A job's documents the caller may read, rendered.
async fn documents(ctx: &Ctx, t: &JobTarget, job: &str) -> GraphResult<Vec<wire::Obj>> {
    let access = ctx.authorize_job(Operation::GetDocument, t).await?;
    let docs = ctx.app().list_documents(&ctx.caller, &access, t, job).await?;
    Ok(docs.iter().map(|d| wire::document(d, ctx.version)).collect())
}

pub async fn list(ctx: &Ctx, t: &JobTarget, job: &str) -> GraphResult<Response> {
    let items = documents(ctx, t, job).await?;
    Ok(ok(&small_collection(
        ctx,
        &format!("{}('{job}')/documents", collection_path(t)),
        items,
        &[],
        Expansion::Refused,
    )?))
}

pub async fn count(ctx: &Ctx, t: &JobTarget, job: &str) -> GraphResult<Response> {
    let items = documents(ctx, t, job).await?;
    count_items(ctx, items)
}

pub async fn get(ctx: &Ctx, t: &JobTarget, job: &str, doc: &str) -> GraphResult<Response> {
    let access = ctx.authorize_job(Operation::GetDocument, t).await?;
    ctx.entity_options_only()?;
    let d = ctx.app().get_document(&ctx.caller, &access, t, job, doc).await?;
    Ok(ok(&entity(
        ctx.context(&format!("{}('{job}')/documents/$entity", collection_path(t))),
        select(wire::document(&d, ctx.version), &ctx.query)?,
    )))
}

/// PATCH of a document: beta's `configuration` (printerDocumentConfiguration) is its one writable property, until
/// the job is started; v1.0 has none. Permission: that of writing the document (createUploadSession's).
pub async fn update(ctx: &Ctx, t: &JobTarget, job: &str, doc: &str, body: &Bytes) -> GraphResult<Response> {
    let (through_printer, through_share) = permissions::CREATE_UPLOAD_SESSION;
    let op = match t {
        JobTarget::Printer(_) => through_printer,
        JobTarget::Share(_) => through_share,
    };
    let access = ctx.authorize_job(op, t).await?;
    ctx.entity_options_only()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let configuration = match ctx.version {
        Version::Beta => r.take("configuration").cloned(),
        Version::V1 => None,
    };
    r.finish(DOCUMENT_READ_ONLY).map_err(schema_error)?;
    let Some(configuration) = configuration else {
        return Err(GraphError::bad_request(match ctx.version {
            Version::Beta => "The only property of a print document that can be changed is configuration.",
            Version::V1 => "A print document has no property that can be changed on v1.0.",
        }));
    };
    let configuration = schema::document_configuration(&configuration).map_err(schema_error)?;
    let configuration = (!configuration.is_null()).then_some(configuration);
    let d = ctx
        .app()
        .set_document_configuration(&ctx.caller, &access, t, job, doc, configuration)
        .await?;
    Ok(ok(&entity(
        ctx.context(&format!("{}('{job}')/documents/$entity", collection_path(t))),
        select(wire::document(&d, ctx.version), &ctx.query)?,
    )))
}

/// Server-set properties: named as read-only when a PATCH sends them.
const DOCUMENT_READ_ONLY: &[&str] = &[
    "id",
    "displayName",
    "contentType",
    "size",
    "uploadedDateTime",
    "downloadedDateTime",
];

/// `$value`: as on Graph, 302 to a short-lived pre-authenticated URL (`/downloads/{id}?tempauthtoken=…`)
/// that streams the bytes and serves byte ranges. The caller is checked here, exactly as for any document read.
pub async fn download(ctx: &Ctx, t: &JobTarget, job: &str, doc: &str) -> GraphResult<Response> {
    let access = ctx.authorize_job(Operation::DownloadDocument, t).await?;
    ctx.no_options()?;
    let grant = ctx
        .app()
        .grant_download(&ctx.caller, &access, t, job, doc)
        .await?;
    let location = format!(
        "{}/downloads/{}?tempauthtoken={}",
        ctx.base_url, grant.id, grant.token
    );
    let mut resp = StatusCode::FOUND.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::LOCATION,
        HeaderValue::from_str(&location).map_err(|_| GraphError::internal())?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

pub async fn create_upload_session(
    ctx: &Ctx,
    t: &JobTarget,
    job: &str,
    doc: &str,
    body: &Bytes,
) -> GraphResult<Response> {
    let (through_printer, through_share) = permissions::CREATE_UPLOAD_SESSION;
    let op = match t {
        JobTarget::Printer(_) => through_printer,
        JobTarget::Share(_) => through_share,
    };
    let access = ctx.authorize_job(op, t).await?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let props = r
        .take("properties")
        .cloned()
        .ok_or_else(|| GraphError::bad_request("properties is required."))?;
    r.finish(&[]).map_err(schema_error)?;
    let p = schema::upload_properties(&props).map_err(schema_error)?;
    let (session, token, status) = ctx
        .app()
        .create_upload_session(
            &ctx.caller,
            &access,
            t,
            job,
            doc,
            p.document_name,
            p.content_type,
            p.size,
        )
        .await?;
    let upload_url = format!(
        "{}/uploadSessions/{}?tempauthtoken={}",
        ctx.base_url, session.id, token
    );
    Ok(ok(&json!({
        "@odata.context": ctx.context("microsoft.graph.uploadSession"),
        "uploadUrl": upload_url,
        "expirationDateTime": to_graph(status.expires_at),
        "nextExpectedRanges": status.next_expected_ranges,
    })))
}
