//! `/print/connectors` (connectors register through the device side; here: list, get, update, delete).

use crate::ctx::Ctx;
use crate::error::GraphResult;
use crate::handlers::{object_body, schema_error};
use crate::paging::{count_query, counted, list_query, page_json, select};
use crate::response::{entity, no_content, ok};
use crate::schema::{self, ObjectReader};
use crate::wire;
use axum::response::Response;
use bytes::Bytes;
use platen_domain::Operation;
use platen_domain::records::Connector;
use platen_odata::QueryOption::{Count, Expand, Filter, Search};

async fn find(ctx: &Ctx, id: &str) -> GraphResult<Connector> {
    Ok(ctx.app().get_connector(&ctx.caller, id).await?)
}

pub async fn list(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::ListConnectors)?;
    // Row 45; and a connector has no navigation to expand.
    ctx.reject(&[Count, Search, Filter, Expand])?;
    let page = ctx.app().list_connectors(&ctx.caller, &list_query(ctx)?).await?;
    let rendered = page
        .items
        .iter()
        .map(|c| wire::connector(c, ctx.version))
        .collect();
    Ok(ok(&page_json(ctx, "print/connectors", page, rendered)?))
}

/// POST /print/connectors: a connector registers itself (Platen's connector does this with an admin token).
pub async fn create(ctx: &Ctx, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::CreateConnector)?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let display_name = r.string("displayName", 256).map_err(schema_error)?;
    let fqdn = r
        .opt_string("fullyQualifiedDomainName", 256)
        .map_err(schema_error)?
        .unwrap_or_default();
    let os = r
        .opt_string("operatingSystem", 256)
        .map_err(schema_error)?
        .unwrap_or_default();
    let version = r
        .opt_string("appVersion", 64)
        .map_err(schema_error)?
        .unwrap_or_default();
    let location = match r.take("location") {
        Some(loc) => schema::location(loc, &ctx.version.schema()).map_err(schema_error)?,
        None => serde_json::json!({}),
    };
    r.finish(&["id", "registeredDateTime", "deviceHealth"])
        .map_err(schema_error)?;
    let c = Connector {
        tenant_id: ctx.tenant().into(),
        id: uuid::Uuid::new_v4().to_string(),
        display_name,
        fully_qualified_domain_name: fqdn,
        operating_system: os,
        app_version: version,
        location,
        registered_at: platen_domain::time::now_micros(),
        last_connection_at: None,
    };
    let c = ctx.app().create_connector(&ctx.caller, c).await?;
    let body = entity(
        ctx.context("print/connectors/$entity"),
        wire::connector(&c, ctx.version),
    );
    Ok(crate::response::json(axum::http::StatusCode::CREATED, &body))
}

/// `/print/connectors/$count`; like the collection, it takes no `$filter`.
pub async fn count(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::ListConnectors)?;
    ctx.reject(&[Filter])?;
    let page = ctx.app().list_connectors(&ctx.caller, &count_query(ctx)?).await?;
    Ok(counted(&page))
}

pub async fn get(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::GetConnector)?;
    ctx.entity_options_only()?;
    let c = find(ctx, id).await?;
    Ok(ok(&entity(
        ctx.context("print/connectors/$entity"),
        select(wire::connector(&c, ctx.version), &ctx.query)?,
    )))
}

pub async fn update(ctx: &Ctx, id: &str, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::UpdateConnector)?;
    ctx.no_options()?;
    let mut c = find(ctx, id).await?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    if let Some(n) = r.opt_string("displayName", 256).map_err(schema_error)? {
        c.display_name = n;
    }
    if let Some(n) = r
        .opt_string("fullyQualifiedDomainName", 256)
        .map_err(schema_error)?
    {
        c.fully_qualified_domain_name = n;
    }
    if let Some(n) = r.opt_string("operatingSystem", 256).map_err(schema_error)? {
        c.operating_system = n;
    }
    if let Some(n) = r.opt_string("appVersion", 64).map_err(schema_error)? {
        c.app_version = n;
    }
    if let Some(loc) = r.take("location") {
        c.location = schema::location(loc, &ctx.version.schema()).map_err(schema_error)?;
    }
    r.finish(&["id", "registeredDateTime", "deviceHealth"])
        .map_err(schema_error)?;
    let c = ctx.app().update_connector(&ctx.caller, c).await?;
    Ok(ok(&entity(
        ctx.context("print/connectors/$entity"),
        wire::connector(&c, ctx.version),
    )))
}

pub async fn delete(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::DeleteConnector)?;
    ctx.no_options()?;
    ctx.app().delete_connector(&ctx.caller, id).await?;
    Ok(no_content())
}
