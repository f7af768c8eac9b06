//! A job's documents: list, get, `$value` download, `createUploadSession`.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::handlers::jobs::collection_path;
use crate::handlers::{object_body, schema_error};
use crate::in_memory::{Expansion, small_collection};
use crate::paging::{count_items, select};
use crate::response::{entity, ok};
use crate::schema::{self, ObjectReader};
use crate::wire;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use platen_app::JobTarget;
use platen_domain::time::to_graph;
use platen_domain::{Operation, permissions};
use serde_json::json;

/// A job's documents the caller may read, rendered.
async fn documents(ctx: &Ctx, t: &JobTarget, job: &str) -> GraphResult<Vec<wire::Obj>> {
    let access = ctx.authorize_job(Operation::GetDocument, t)?;
    let docs = ctx.app().list_documents(&ctx.caller, &access, t, job).await?;
    Ok(docs.iter().map(wire::document).collect())
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
    let access = ctx.authorize_job(Operation::GetDocument, t)?;
    ctx.entity_options_only()?;
    let d = ctx.app().get_document(&ctx.caller, &access, t, job, doc).await?;
    Ok(ok(&entity(
        ctx.context(&format!("{}('{job}')/documents/$entity", collection_path(t))),
        select(wire::document(&d), &ctx.query)?,
    )))
}

/// `$value`: the document's bytes, streamed.
pub async fn download(ctx: &Ctx, t: &JobTarget, job: &str, doc: &str) -> GraphResult<Response> {
    let access = ctx.authorize(Operation::DownloadDocument)?;
    ctx.no_options()?;
    let (d, len, stream) = ctx.app().open_document(&ctx.caller, &access, t, job, doc).await?;
    let mut resp = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    let ct = HeaderValue::from_str(&d.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    if let Some(sha) = d.sha256.as_deref().and_then(|s| HeaderValue::from_str(s).ok()) {
        h.insert("x-platen-content-sha256", sha);
    }
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
    let access = ctx.authorize_job(op, t)?;
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
