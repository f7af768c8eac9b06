//! `/print`, `/print/settings`, `/print/services`.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{object_body, schema_error};
use crate::in_memory::{Expansion, small_collection};
use crate::paging::{count_items, select};
use crate::response::{entity, no_content, ok};
use crate::wire;
use axum::response::Response;
use bytes::Bytes;
use platen_domain::Operation;
use platen_domain::records::PrintSettings;
use serde_json::{Value, json};

async fn settings_of(ctx: &Ctx) -> GraphResult<PrintSettings> {
    Ok(ctx
        .app()
        .print_settings(&ctx.caller)
        .await?
        .unwrap_or_else(wire::default_settings))
}

pub async fn get_print(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::GetSettings)?;
    ctx.entity_options_only()?;
    let mut body = serde_json::Map::new();
    body.insert(
        "settings".into(),
        Value::Object(wire::settings(&settings_of(ctx).await?)),
    );
    Ok(ok(&entity(ctx.context("print"), select(body, &ctx.query)?)))
}

pub async fn get_settings(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::GetSettings)?;
    ctx.entity_options_only()?;
    Ok(ok(&entity(
        ctx.context("print/settings"),
        select(wire::settings(&settings_of(ctx).await?), &ctx.query)?,
    )))
}

/// PATCH /print/settings → 204.
pub async fn patch_settings(ctx: &Ctx, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::UpdateSettings)?;
    ctx.no_options()?;
    let patch = crate::schema::settings(&object_body(body)?).map_err(schema_error)?;
    let mut settings = settings_of(ctx).await?;
    if let Some(v) = patch.get("documentConversionEnabled").and_then(Value::as_bool) {
        settings.document_conversion_enabled = v;
    }
    if let Some(v) = patch.get("printerDiscoverySettings")
        && !v.is_null()
    {
        settings.printer_discovery_settings = v.clone();
    }
    ctx.app().put_print_settings(&ctx.caller, &settings).await?;
    Ok(no_content())
}

/// The one print service: this Platen deployment, and the endpoints clients and devices use.
fn service_endpoints(ctx: &Ctx) -> Vec<wire::Obj> {
    let base = &ctx.base_url;
    let beta = ctx.version == crate::route::Version::Beta;
    [
        (
            "discovery",
            "Platen discovery (Graph print API)",
            format!("{base}/v1.0/print"),
        ),
        (
            "registration",
            "Platen printer registration",
            format!("{base}/v1.0/print/printers/create"),
        ),
        (
            "ipp",
            "Platen IPP Infrastructure Printer",
            format!("{base}/ipp/print"),
        ),
        (
            "notification",
            "Platen IPP notifications",
            format!("{base}/ipp/print"),
        ),
    ]
    .into_iter()
    .map(|(id, name, uri)| {
        let mut e = wire::Obj::new();
        e.insert("id".into(), json!(id));
        e.insert("displayName".into(), json!(name));
        e.insert("uri".into(), json!(uri));
        if beta {
            e.insert("name".into(), json!(name));
        }
        e
    })
    .collect()
}

const SERVICE_ID: &str = "platen";

/// The print services: this deployment alone.
fn services_of() -> Vec<wire::Obj> {
    let mut svc = wire::Obj::new();
    svc.insert("id".into(), json!(SERVICE_ID));
    vec![svc]
}

pub async fn services(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::GetServices)?;
    // A service's one navigation, `endpoints`, is expanded on the single service only.
    Ok(ok(&small_collection(
        ctx,
        "print/services",
        services_of(),
        &[],
        Expansion::Refused,
    )?))
}

pub async fn services_count(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::GetServices)?;
    count_items(ctx, services_of())
}

pub async fn service(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::GetServices)?;
    ctx.entity_options_only()?;
    if id != SERVICE_ID {
        return Err(GraphError::not_found("The print service was not found."));
    }
    let mut body = serde_json::Map::new();
    body.insert("id".into(), json!(SERVICE_ID));
    if ctx
        .query
        .expand
        .iter()
        .any(|e| e.path.eq_ignore_ascii_case("endpoints"))
    {
        let endpoints = service_endpoints(ctx).into_iter().map(Value::Object).collect();
        body.insert("endpoints".into(), Value::Array(endpoints));
    }
    Ok(ok(&entity(ctx.context("print/services/$entity"), body)))
}

pub async fn endpoints(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::GetServices)?;
    if id != SERVICE_ID {
        return Err(GraphError::not_found("The print service was not found."));
    }
    Ok(ok(&small_collection(
        ctx,
        &format!("print/services('{id}')/endpoints"),
        service_endpoints(ctx),
        &[],
        Expansion::Refused,
    )?))
}

pub async fn endpoints_count(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::GetServices)?;
    if id != SERVICE_ID {
        return Err(GraphError::not_found("The print service was not found."));
    }
    count_items(ctx, service_endpoints(ctx))
}

pub async fn endpoint(ctx: &Ctx, id: &str, endpoint: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::GetServices)?;
    ctx.entity_options_only()?;
    let m = (id == SERVICE_ID)
        .then(|| {
            service_endpoints(ctx)
                .into_iter()
                .find(|e| e.get("id").and_then(Value::as_str) == Some(endpoint))
        })
        .flatten()
        .ok_or_else(|| GraphError::not_found("The print service endpoint was not found."))?;
    Ok(ok(&entity(
        ctx.context(&format!("print/services('{id}')/endpoints/$entity")),
        m,
    )))
}
