//! `/me/print` and `/users/{id}/print` (the signed-in user's own only): the complex `userPrint` and its contained
//! `recentPrinterShares` navigation, the shares the user printed to most recently.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::in_memory::{Expansion, shape};
use crate::paging::select;
use crate::response::{collection, entity, ok};
use crate::wire::{self, Obj};
use axum::response::Response;
use platen_domain::{Operation, permissions};
use platen_odata::QueryOption::{Count, OrderBy};
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

/// How many recent shares a user has at most: the list is read whole and shaped in memory.
const MOST_RECENT: u32 = 100;
/// What one answer lists when the client names no `$top`.
const DEFAULT_TOP: u64 = 25;

/// The caller's recently used shares, most recent first, shaped by `q` (the request's options, or those of
/// `$expand=recentPrinterShares(…)`); row 44 lists `$count`, `$orderby` and `$search` as unsupported.
async fn recent_items(ctx: &Ctx, q: &QueryOptions) -> GraphResult<(Vec<Value>, Option<i64>)> {
    let recent = ctx.app().recent_shares(&ctx.caller, MOST_RECENT).await?;
    let mut items = Vec::with_capacity(recent.len());
    for (s, used) in &recent {
        let p = ctx.app().printer_of_share(&ctx.caller, s).await?;
        items.push(wire::share(s, &p, ctx.version, Some(*used)));
    }
    let mut q = q.clone();
    q.top.get_or_insert(DEFAULT_TOP);
    shape(&q, items, &[Count, OrderBy], Expansion::Refused)
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
        let (items, _) = recent_items(ctx, &e.options).await?;
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
    let (items, count) = recent_items(ctx, &ctx.query).await?;
    Ok(ok(&collection(
        ctx.context(&format!("{}/recentPrinterShares", user_print_path(user))),
        items,
        count,
        None,
    )))
}
