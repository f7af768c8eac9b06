//! `/me/print` and `/users/{id}/print` (the signed-in user's own only): the complex `userPrint` and its contained
//! `recentPrinterShares` navigation, the shares the user printed to most recently.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::paging::select;
use crate::response::{collection, entity, ok};
use crate::wire::{self, Obj};
use axum::response::Response;
use platen_domain::{Operation, permissions};
use platen_odata::QueryOption::{Count, OrderBy, Search};
use platen_odata::QueryOptions;
use serde_json::Value;

/// `/me/print` or `/users/{id}/print`: where a user's `userPrint` lives (in OData context form).
fn user_print_path(user: Option<&str>) -> String {
    match user {
        Some(u) => format!("users('{u}')/print"),
        None => "me/print".into(),
    }
}

/// Only the signed-in user's own `userPrint` can be read through `/users/{id}/print`.
fn ensure_self(ctx: &Ctx, user: Option<&str>) -> GraphResult<()> {
    match user {
        Some(u) if !permissions::is_self(&ctx.caller, u) => Err(GraphError::forbidden(
            "Only the signed-in user's own recent printer shares can be read.",
        )),
        _ => Ok(()),
    }
}

/// The caller's recently used shares, most recent first, shaped by `q` (the request's options, or those of
/// `$expand=recentPrinterShares(…)`).
async fn recent_items(ctx: &Ctx, q: &QueryOptions) -> GraphResult<Vec<Value>> {
    q.ensure_supported(&[Count, OrderBy, Search])?;
    let limit = q.top.map(|t| t.min(100) as u32).unwrap_or(25);
    let recent = ctx.app().recent_shares(&ctx.caller, limit).await?;
    let mut items = Vec::with_capacity(recent.len());
    for (s, used) in &recent {
        let p = ctx.app().printer_of_share(&ctx.caller, s).await?;
        items.push(Value::Object(select(
            wire::share(s, &p, ctx.version, Some(*used)),
            q,
        )?));
    }
    Ok(items)
}

/// `/me/print` or `/users/{id}/print` (own id only): the complex `userPrint`, whose one member is the contained
/// `recentPrinterShares` navigation, returned when `$expand`ed.
pub async fn get(ctx: &Ctx, user: Option<&str>) -> GraphResult<Response> {
    ctx.authorize(Operation::ListRecentShares)?;
    ctx.entity_options_only()?;
    ensure_self(ctx, user)?;
    let mut body = Obj::new();
    for e in &ctx.query.expand {
        if !e.path.eq_ignore_ascii_case("recentPrinterShares") {
            return Err(GraphError::bad_request(format!(
                "$expand: '{}' cannot be expanded on userPrint.",
                e.path
            )));
        }
        let items = recent_items(ctx, &e.options).await?;
        body.insert("recentPrinterShares".into(), Value::Array(items));
    }
    Ok(ok(&entity(
        ctx.context(&user_print_path(user)),
        select(body, &ctx.query)?,
    )))
}

/// `/me/print/recentPrinterShares` or `/users/{id}/print/recentPrinterShares` (own id only).
pub async fn recent_shares(ctx: &Ctx, user: Option<&str>) -> GraphResult<Response> {
    ctx.authorize(Operation::ListRecentShares)?;
    ensure_self(ctx, user)?;
    let items = recent_items(ctx, &ctx.query).await?;
    Ok(ok(&collection(
        ctx.context(&format!("{}/recentPrinterShares", user_print_path(user))),
        items,
        None,
        None,
    )))
}
