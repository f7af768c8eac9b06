//! `/print/printers` and `/print/operations`.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{expect_no_parameters, object_body, schema_error};
use crate::in_memory::{Expansion, small_collection};
use crate::paging::{count_items, count_query, counted, list_query, page_json, select, selects};
use crate::response::{entity, no_content, ok};
use crate::route::Version;
use crate::schema::{self, ObjectReader};
use crate::wire::{self, Obj};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use platen_app::{AppError, PrinterRegistration, PrinterUpdate};
use platen_domain::records::Printer;
use platen_domain::{Operation, permissions};
use platen_odata::QueryOption::{Count, Search};
use serde_json::Value;

const PRINTER_READ_ONLY: &[&str] = &[
    "id",
    "registeredDateTime",
    "isShared",
    "hasPhysicalDevice",
    "lastSeenDateTime",
];

/// Adds the `$expand`ed navigations of a printer (shares, share, connectors).
async fn expand(ctx: &Ctx, p: &Printer, m: &mut Obj) -> GraphResult<()> {
    for e in &ctx.query.expand {
        let share = || ctx.app().share_of_printer(&ctx.caller, &p.id);
        match e.path.to_ascii_lowercase().as_str() {
            "shares" => {
                let items: Vec<Value> = share()
                    .await?
                    .iter()
                    .map(|s| Value::Object(wire::share(s, p, ctx.version, None)))
                    .collect();
                m.insert("shares".into(), Value::Array(items));
            }
            "share" if ctx.version == Version::Beta => {
                let s = share()
                    .await?
                    .map(|s| Value::Object(wire::share(&s, p, ctx.version, None)));
                m.insert("share".into(), s.unwrap_or(Value::Null));
            }
            "connectors" => {
                let c = ctx.app().connector_of(p).await?;
                m.insert(
                    "connectors".into(),
                    Value::Array(
                        c.iter()
                            .map(|c| Value::Object(wire::connector(c, ctx.version)))
                            .collect(),
                    ),
                );
            }
            other => {
                return Err(GraphError::bad_request(format!(
                    "$expand: '{other}' cannot be expanded on a printer."
                )));
            }
        }
    }
    Ok(())
}

pub async fn list(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::ListPrinters)?;
    ctx.reject(&[Count, Search])?;
    let page = ctx.app().list_printers(&ctx.caller, &list_query(ctx)?).await?;
    let mut rendered = Vec::with_capacity(page.items.len());
    for p in &page.items {
        let mut m = wire::printer(p, ctx.version);
        expand(ctx, p, &mut m).await?;
        rendered.push(m);
    }
    Ok(ok(&page_json(ctx, "print/printers", page, rendered)?))
}

/// `/print/printers/$count`: the printers the collection lists, with its `$filter`.
pub async fn count(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::ListPrinters)?;
    let page = ctx.app().list_printers(&ctx.caller, &count_query(ctx)?).await?;
    Ok(counted(&page))
}

/// Renders one printer the way a GET returns it: `defaults` included, `capabilities` only when `$select`ed.
pub async fn render(ctx: &Ctx, p: &Printer) -> GraphResult<Obj> {
    let mut m = wire::printer(p, ctx.version);
    m.insert("defaults".into(), wire::defaults(p, ctx.version));
    if selects(&ctx.query, "capabilities") {
        m.insert("capabilities".into(), wire::capabilities(p, ctx.version));
    }
    expand(ctx, p, &mut m).await?;
    select(m, &ctx.query)
}

pub async fn get(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.entity_options_only()?;
    let (granted, access) = ctx.authorize_first(permissions::READ_PRINTER)?;
    if granted == Operation::GetSharePrinter {
        // Through share permissions a user reads only a printer shared with them.
        let share = ctx.app().share_of_printer(&ctx.caller, id).await?;
        let share = share.ok_or_else(|| GraphError::not_found("The printer was not found."))?;
        ctx.app()
            .ensure_share_usable(&ctx.caller, &access, &share)
            .await?;
    }
    let p = ctx.app().get_printer(&ctx.caller, id).await?;
    Ok(ok(&entity(
        ctx.context("print/printers/$entity"),
        render(ctx, &p).await?,
    )))
}

/// POST /print/printers/create → 202 with `Operation-Location`.
pub async fn create(ctx: &Ctx, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::CreatePrinter)?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let display_name = r.string("displayName", 256).map_err(schema_error)?;
    let manufacturer = r.string("manufacturer", 256).map_err(schema_error)?;
    let model = r.string("model", 256).map_err(schema_error)?;
    let has_physical_device = r
        .opt_bool("hasPhysicalDevice")
        .map_err(schema_error)?
        .unwrap_or(true);
    let physical_device_id = r
        .nullable_string("physicalDeviceId", 64)
        .map_err(schema_error)?
        .flatten();
    let connector_id = r
        .nullable_string("connectorId", 64)
        .map_err(schema_error)?
        .flatten();
    let mut c = r.object("certificateSigningRequest").map_err(schema_error)?;
    let content = c.string("content", 64 * 1024).map_err(schema_error)?;
    let transport_key = c.string("transportKey", 64 * 1024).map_err(schema_error)?;
    c.finish(&[]).map_err(schema_error)?;
    r.finish(&[]).map_err(schema_error)?;
    if has_physical_device && physical_device_id.is_none() {
        return Err(GraphError::bad_request(
            "physicalDeviceId is required when hasPhysicalDevice is true.",
        ));
    }
    if let Some(id) = &physical_device_id
        && uuid::Uuid::parse_str(id).is_err()
    {
        return Err(GraphError::bad_request("physicalDeviceId must be a GUID."));
    }
    let reg = PrinterRegistration {
        display_name,
        manufacturer,
        model,
        physical_device_id,
        has_physical_device,
        csr: content,
        transport_key,
        connector_id,
    };
    let op = ctx.app().register_printer(&ctx.caller, reg).await?;
    let mut resp = StatusCode::ACCEPTED.into_response_with_location(&format!(
        "{}/print/operations/{}",
        ctx.root(),
        op.id
    ));
    resp.headers_mut()
        .insert("Retry-After", HeaderValue::from_static("1"));
    Ok(resp)
}

trait Accepted {
    fn into_response_with_location(self, url: &str) -> Response;
}

impl Accepted for StatusCode {
    fn into_response_with_location(self, url: &str) -> Response {
        let mut resp = axum::response::IntoResponse::into_response(self);
        if let Ok(v) = HeaderValue::from_str(url) {
            resp.headers_mut().insert("Operation-Location", v.clone());
            resp.headers_mut().insert(axum::http::header::LOCATION, v);
        }
        resp
    }
}

pub async fn update(ctx: &Ctx, id: &str, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::UpdatePrinter)?;
    ctx.no_options()?;
    if ctx.content_type.as_deref() == Some("application/ipp") {
        return update_with_ipp(ctx, id, body).await;
    }
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let sv = ctx.version.schema();
    let mut u = PrinterUpdate {
        display_name: r.opt_string("displayName", 256).map_err(schema_error)?,
        ..Default::default()
    };
    if ctx.version == Version::Beta
        && let Some(n) = r.opt_string("name", 256).map_err(schema_error)?
    {
        u.display_name = Some(n);
    }
    if let Some(loc) = r.take("location") {
        u.location = Some(schema::location(loc, &sv).map_err(schema_error)?);
    }
    if let Some(d) = r.take("defaults") {
        u.defaults = Some(schema::printer_defaults(d, &sv).map_err(schema_error)?);
    }
    let app_only: &[&str] = &[
        "capabilities",
        "manufacturer",
        "model",
        "status",
        "isAcceptingJobs",
    ];
    if ctx.caller.is_delegated() {
        r.finish(&[PRINTER_READ_ONLY, app_only].concat())
            .map_err(schema_error)?;
    } else {
        if let Some(c) = r.take("capabilities") {
            u.capabilities = Some(schema::printer_capabilities(c, &sv).map_err(schema_error)?);
        }
        if let Some(s) = r.take("status") {
            u.status = Some(schema::printer_status(s).map_err(schema_error)?);
        }
        u.manufacturer = r.take("manufacturer").map(|m| m.as_str().map(str::to_string));
        u.model = r.take("model").map(|m| m.as_str().map(str::to_string));
        u.is_accepting_jobs = r.take("isAcceptingJobs").map(Value::as_bool);
        r.finish(PRINTER_READ_ONLY).map_err(schema_error)?;
    }
    let p = ctx.app().update_printer(&ctx.caller, id, u).await?;
    let mut m = wire::printer(&p, ctx.version);
    m.insert("defaults".into(), wire::defaults(&p, ctx.version));
    Ok(ok(&entity(ctx.context("print/printers/$entity"), m)))
}

pub async fn delete(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::DeletePrinter)?;
    ctx.no_options()?;
    ctx.app().delete_printer(&ctx.caller, id).await?;
    Ok(no_content())
}

pub async fn restore_defaults(ctx: &Ctx, id: &str, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::RestoreFactoryDefaults)?;
    ctx.no_options()?;
    expect_no_parameters(body)?;
    ctx.app().restore_factory_defaults(&ctx.caller, id).await?;
    Ok(no_content())
}

/// β `getCapabilities()`.
pub async fn capabilities(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    if ctx.version != Version::Beta {
        return Err(GraphError::not_found("getCapabilities is a beta function."));
    }
    ctx.authorize(Operation::GetCapabilities)?;
    ctx.no_options()?;
    let p = ctx.app().get_printer(&ctx.caller, id).await?;
    // β's function: the legacy `supported*` names of its documented example, with the v1.0 names.
    let caps = match wire::capabilities(&p, ctx.version) {
        Value::Object(m) => m,
        _ => Obj::new(),
    };
    Ok(ok(&entity(
        ctx.context("microsoft.graph.printerCapabilities"),
        caps,
    )))
}

pub async fn connectors(ctx: &Ctx, id: &str, one: Option<&str>) -> GraphResult<Response> {
    ctx.authorize(Operation::ListPrinterConnectors)?;
    let p = ctx.app().get_printer(&ctx.caller, id).await?;
    let connector = ctx.app().connector_of(&p).await?;
    match one {
        Some(cid) => {
            ctx.entity_options_only()?;
            let c = connector
                .filter(|c| c.id == cid)
                .ok_or_else(|| GraphError::not_found("The connector was not found."))?;
            Ok(ok(&entity(
                ctx.context("print/connectors/$entity"),
                select(wire::connector(&c, ctx.version), &ctx.query)?,
            )))
        }
        None => {
            let rendered = connector
                .iter()
                .map(|c| wire::connector(c, ctx.version))
                .collect();
            Ok(ok(&small_collection(
                ctx,
                &format!("print/printers('{id}')/connectors"),
                rendered,
                &[],
                Expansion::Refused,
            )?))
        }
    }
}

/// `/print/printers/{id}/connectors/$count`: the printer's connector, if it has one (and `$filter` keeps it).
pub async fn connectors_count(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::ListPrinterConnectors)?;
    let p = ctx.app().get_printer(&ctx.caller, id).await?;
    let connector = ctx.app().connector_of(&p).await?;
    count_items(
        ctx,
        connector
            .iter()
            .map(|c| wire::connector(c, ctx.version))
            .collect(),
    )
}

/// `/print/printers/{id}/shares/$count`: the printer's share, if it is shared (and `$filter` keeps it).
pub async fn shares_count(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    let access = ctx.authorize(Operation::ListPrinterShares)?;
    let share = ctx
        .app()
        .reachable_share_of_printer(&ctx.caller, &access, id)
        .await?;
    let p = ctx.app().get_printer(&ctx.caller, id).await?;
    count_items(
        ctx,
        share
            .iter()
            .map(|s| wire::share(s, &p, ctx.version, None))
            .collect(),
    )
}

/// A printer's share (row 12: share permissions, no role). Users who are not administrators reach only printers
/// shared with them, and get the reduced list view, as on `/print/shares`.
pub async fn shares(ctx: &Ctx, id: &str, one: Option<&str>, single_nav: bool) -> GraphResult<Response> {
    let access = ctx.authorize(Operation::ListPrinterShares)?;
    let share = ctx
        .app()
        .reachable_share_of_printer(&ctx.caller, &access, id)
        .await?;
    let p = ctx.app().get_printer(&ctx.caller, id).await?;
    if single_nav {
        ctx.entity_options_only()?;
        let s = share.ok_or_else(|| GraphError::not_found("The printer is not shared."))?;
        return Ok(ok(&entity(
            ctx.context("print/shares/$entity"),
            select(wire::share(&s, &p, ctx.version, None), &ctx.query)?,
        )));
    }
    match one {
        Some(sid) => {
            ctx.entity_options_only()?;
            let s = share
                .filter(|s| s.id == sid)
                .ok_or_else(|| GraphError::not_found("The printer share was not found."))?;
            Ok(ok(&entity(
                ctx.context("print/shares/$entity"),
                select(wire::share(&s, &p, ctx.version, None), &ctx.query)?,
            )))
        }
        None => {
            let rendered = share
                .iter()
                .map(|s| {
                    if access.sees_full_share_lists() {
                        wire::share(s, &p, ctx.version, None)
                    } else {
                        wire::share_basic(s, &p, ctx.version)
                    }
                })
                .collect();
            Ok(ok(&small_collection(
                ctx,
                &format!("print/printers('{id}')/shares"),
                rendered,
                &[Count],
                Expansion::Refused,
            )?))
        }
    }
}

pub async fn operation(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::GetOperation)?;
    ctx.entity_options_only()?;
    let op = ctx
        .app()
        .printer_operation(&ctx.caller, id)
        .await?
        .ok_or_else(|| GraphError::not_found("The operation was not found."))?;
    let mut m = wire::operation(&op);
    if let Some(pid) = &op.printer_id {
        // The printer may have been deleted since; the operation then reports no printer.
        if let Some(p) = ctx.app().printer_if_present(&ctx.caller, pid).await? {
            let mut pm = wire::printer(&p, ctx.version);
            pm.insert("defaults".into(), wire::defaults(&p, ctx.version));
            m.insert("printer".into(), Value::Object(pm));
        }
    }
    Ok(ok(&entity(
        ctx.context("print/operations/$entity"),
        select(m, &ctx.query)?,
    )))
}

/// Unsupported methods on collection URLs that the SDKs can nevertheless call.
pub fn create_via_collection() -> GraphResult<Response> {
    Err(GraphError::bad_request(
        "Printers are registered with POST /print/printers/create.",
    ))
}

/// An app configuring its virtual printer with an IPP printer-attributes group: 204, no body.
async fn update_with_ipp(ctx: &Ctx, id: &str, body: &Bytes) -> GraphResult<Response> {
    if ctx.caller.is_delegated() {
        return Err(GraphError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "Content-Type application/ipp is accepted with application permissions only; use application/json.",
        ));
    }
    // Decoded by the IPP model's total parser: a malformed body is a 400, whatever its bytes.
    let attributes = platen_ipp_model::printer::printer_attributes(body).map_err(GraphError::bad_request)?;
    // Merged with the description stored on the printer as this update reads it (no second read to race).
    ctx.app()
        .update_printer_with(&ctx.caller, id, |p| {
            platen_ipp_model::printer::apply_virtual_printer_attributes(p, attributes)
                .map_err(|f| AppError::Internal(f.message))
        })
        .await?;
    Ok(no_content())
}
