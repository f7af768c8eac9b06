//! `/reports` (β also `/print/reports`): print usage by user and by printer, daily and monthly, and the
//! archived-jobs functions. Delegated `Reports.Read.All` only (§2 rows 58–59).

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::handlers::count_response;
use crate::paging::{list_query, page_json, select};
use crate::reports::{UsageReport, archived_call, archived_job, usage_row};
use crate::response::{entity, ok};
use crate::route::{ReportPath, Version};
use axum::http::StatusCode;
use axum::response::Response;
use platen_domain::Operation;
use platen_odata::OrderBy;
use platen_odata::QueryOption::{Expand, Search};
use platen_store::ListQuery;

pub async fn handle(ctx: &Ctx, path: ReportPath, under_print: bool) -> GraphResult<Response> {
    let on_version = match &path {
        ReportPath::Usage(r) | ReportPath::UsageCount(r) | ReportPath::UsageEntry(r, _) => r.on(ctx.version),
        ReportPath::ArchivedJobs(_) => true,
    };
    if !on_version || (under_print && ctx.version != Version::Beta) {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("Resource not found for the segment path '{}'.", ctx.path),
        ));
    }
    ctx.authorize(Operation::ReadReports)?;
    match path {
        ReportPath::Usage(r) => usage(ctx, r).await,
        ReportPath::UsageCount(r) => usage_count(ctx, r).await,
        ReportPath::UsageEntry(r, id) => usage_entry(ctx, r, &id).await,
        ReportPath::ArchivedJobs(call) => archived(ctx, &call).await,
    }
}

/// Reports read oldest first unless `$orderby` says otherwise (the key, `id`, breaks ties).
fn ordered(mut q: ListQuery, default: &str) -> ListQuery {
    if q.orderby.is_empty() {
        q.orderby.push(OrderBy {
            path: default.into(),
            descending: false,
        });
    }
    q
}

async fn usage(ctx: &Ctx, r: &'static UsageReport) -> GraphResult<Response> {
    ctx.reject(&[Search, Expand])?;
    let q = ordered(list_query(ctx)?, "usageDate");
    let page = ctx
        .app()
        .usage_report(&ctx.caller, r.period, r.dimension, &q)
        .await?;
    let rendered = page.items.iter().map(|u| usage_row(u, r.legacy)).collect();
    Ok(ok(&page_json(
        ctx,
        &format!("reports/{}", r.name),
        page,
        rendered,
    )?))
}

async fn usage_count(ctx: &Ctx, r: &'static UsageReport) -> GraphResult<Response> {
    ctx.reject(&[Search, Expand])?;
    let mut q = list_query(ctx)?;
    q.count = true;
    q.limit = 1;
    let page = ctx
        .app()
        .usage_report(&ctx.caller, r.period, r.dimension, &q)
        .await?;
    Ok(count_response(page.count.unwrap_or(0)))
}

async fn usage_entry(ctx: &Ctx, r: &'static UsageReport, id: &str) -> GraphResult<Response> {
    ctx.entity_options_only()?;
    let row = ctx
        .app()
        .usage_entry(&ctx.caller, r.period, r.dimension, id)
        .await?;
    Ok(ok(&entity(
        ctx.context(&format!("reports/{}/$entity", r.name)),
        select(usage_row(&row, r.legacy), &ctx.query)?,
    )))
}

async fn archived(ctx: &Ctx, call: &str) -> GraphResult<Response> {
    ctx.reject(&[Search, Expand])?;
    let scope = archived_call(call)?;
    let q = ordered(list_query(ctx)?, "completionDateTime");
    let page = ctx.app().archived_jobs(&ctx.caller, &scope, &q).await?;
    let rendered = page.items.iter().map(|a| archived_job(a, ctx.version)).collect();
    Ok(ok(&page_json(
        ctx,
        "Collection(microsoft.graph.archivedPrintJob)",
        page,
        rendered,
    )?))
}
