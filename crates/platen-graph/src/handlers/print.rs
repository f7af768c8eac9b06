//! `/print`, `/print/settings`, `/print/services`.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{object_body, schema_error};
use crate::paging::select;
use crate::response::{collection, entity, no_content, ok};
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
fn service_endpoints(ctx: &Ctx) -> Vec<Value> {
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
        let mut e = json!({"id": id, "displayName": name, "uri": uri});
        if beta {
            e["name"] = json!(name);
        }
        e
    })
    .collect()
}

const SERVICE_ID: &str = "platen";

pub async fn services(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::GetServices)?;
    let svc = json!({"id": SERVICE_ID});
    Ok(ok(&collection(
        ctx.context("print/services"),
        vec![svc],
        None,
        None,
    )))
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
        body.insert("endpoints".into(), Value::Array(service_endpoints(ctx)));
    }
    Ok(ok(&entity(ctx.context("print/services/$entity"), body)))
}

pub async fn endpoints(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::GetServices)?;
    if id != SERVICE_ID {
        return Err(GraphError::not_found("The print service was not found."));
    }
    let items = service_endpoints(ctx);
    let count = ctx.query.count.unwrap_or(false).then_some(items.len() as i64);
    Ok(ok(&collection(
        ctx.context(&format!("print/services('{id}')/endpoints")),
        items,
        count,
        None,
    )))
}

pub async fn endpoint(ctx: &Ctx, id: &str, endpoint: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::GetServices)?;
    ctx.entity_options_only()?;
    let found = (id == SERVICE_ID)
        .then(|| service_endpoints(ctx).into_iter().find(|e| e["id"] == endpoint))
        .flatten()
        .ok_or_else(|| GraphError::not_found("The print service endpoint was not found."))?;
    let Value::Object(m) = found else {
        return Err(GraphError::internal());
    };
    Ok(ok(&entity(
        ctx.context(&format!("print/services('{id}')/endpoints/$entity")),
        m,
    )))
}
