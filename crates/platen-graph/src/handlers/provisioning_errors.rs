//! `/print/shares/{id}/allowedUsers/{id}/serviceProvisioningErrors` and `…/allowedGroups/{id}/…` (+ `/$count`):
//! the errors Entra met provisioning a user or group into another service (Exchange, Teams, …). Platen
//! provisions directory objects into no other service, so an entry of a share's list has none: the answer is
//! the true one, an empty collection, for an id on the list, and 404 for one that is not, as for the entry.

use crate::ctx::Ctx;
use crate::error::GraphResult;
use crate::in_memory::{Expansion, small_collection};
use crate::paging::count_items;
use crate::response::ok;
use axum::response::Response;
use platen_domain::Operation;
use platen_store::ShareList;

/// Reading an entry's errors is reading the list it is on.
fn read_list(ctx: &Ctx, list: ShareList) -> GraphResult<()> {
    ctx.authorize(match list {
        ShareList::AllowedUsers => Operation::ListAllowedUsers,
        ShareList::AllowedGroups => Operation::ListAllowedGroups,
    })?;
    Ok(())
}

fn list_segment(list: ShareList) -> &'static str {
    match list {
        ShareList::AllowedUsers => "allowedUsers",
        ShareList::AllowedGroups => "allowedGroups",
    }
}

pub async fn list(ctx: &Ctx, share: &str, list: ShareList, member: &str) -> GraphResult<Response> {
    read_list(ctx, list)?;
    ctx.app()
        .ensure_on_share_list(&ctx.caller, share, list, member)
        .await?;
    let context = format!(
        "print/shares('{share}')/{}('{member}')/serviceProvisioningErrors",
        list_segment(list)
    );
    // serviceProvisioningError is a complex type: nothing to expand.
    Ok(ok(&small_collection(
        ctx,
        &context,
        Vec::new(),
        &[],
        Expansion::Refused,
    )?))
}

pub async fn count(ctx: &Ctx, share: &str, list: ShareList, member: &str) -> GraphResult<Response> {
    read_list(ctx, list)?;
    ctx.app()
        .ensure_on_share_list(&ctx.caller, share, list, member)
        .await?;
    count_items(ctx, Vec::new())
}
