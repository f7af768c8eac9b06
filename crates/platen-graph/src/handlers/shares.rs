//! `/print/shares` (β alias `printerShares`) and their access lists.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{id_from_url, object_body, schema_error};
use crate::paging::{count_query, counted, list_query, page_json, select, selects};
use crate::response::{entity, json, no_content, ok};
use crate::route::Version;
use crate::schema::ObjectReader;
use crate::wire::{self, Obj};
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use platen_app::ShareUpdate;
use platen_domain::records::{Printer, Share};
use platen_domain::{Operation, permissions};
use platen_odata::QueryOption::{Count, Expand, Search};
use platen_store::ShareView;
use serde_json::Value;

const SHARE_READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "manufacturer",
    "model",
    "status",
    "viewPoint",
    "isAcceptingJobs",
    "location",
    "capabilities",
    "defaults",
];
const MAX_SHARE_NAME: usize = 50;

async fn printer_of(ctx: &Ctx, s: &Share) -> GraphResult<Printer> {
    Ok(ctx.app().printer_of_share(&ctx.caller, s).await?)
}

fn render(ctx: &Ctx, view: &ShareView) -> GraphResult<Obj> {
    let p = &view.printer;
    let mut m = wire::share(&view.share, p, ctx.version, view.last_used);
    m.insert("defaults".into(), wire::defaults(p, ctx.version));
    if selects(&ctx.query, "capabilities") {
        m.insert("capabilities".into(), wire::capabilities(p, ctx.version));
    }
    for e in &ctx.query.expand {
        match e.path.to_ascii_lowercase().as_str() {
            "printer" => {
                let mut pm = wire::printer(p, ctx.version);
                pm.insert("defaults".into(), wire::defaults(p, ctx.version));
                m.insert("printer".into(), Value::Object(pm));
            }
            other => {
                return Err(GraphError::bad_request(format!(
                    "$expand: '{other}' cannot be expanded on a printer share."
                )));
            }
        }
    }
    select(m, &ctx.query)
}

pub async fn list(ctx: &Ctx) -> GraphResult<Response> {
    let access = ctx.authorize(Operation::ListShares)?;
    ctx.reject(&[Count, Search])?;
    if !ctx.query.expand.is_empty() {
        return Err(GraphError::bad_request(
            "$expand is not supported on the shares collection.",
        ));
    }
    let page = ctx
        .app()
        .list_shares(&ctx.caller, &access, &list_query(ctx)?)
        .await?;
    let full = access.sees_full_share_lists();
    // The caller's own `viewPoint.lastUsedDateTime` of every share on the page, in one query (full view only).
    let last_used = if full {
        let ids: Vec<String> = page.items.iter().map(|s| s.id.to_string()).collect();
        ctx.app().shares_last_used_by(&ctx.caller, &ids).await?
    } else {
        Default::default()
    };
    let printers = ctx.app().printers_of_shares(&ctx.caller, &page.items).await?;
    let mut rendered = Vec::with_capacity(page.items.len());
    for s in &page.items {
        let p = printers.get(s.printer_id.as_str()).ok_or_else(|| {
            GraphError::from(platen_app::AppError::Internal(
                "a share whose printer is gone".into(),
            ))
        })?;
        // Lists never carry defaults or capabilities; non-administrators get the reduced view.
        rendered.push(if full {
            wire::share(s, p, ctx.version, last_used.get(s.id.as_str()).copied())
        } else {
            wire::share_basic(s, p, ctx.version)
        });
    }
    Ok(ok(&page_json(ctx, "print/shares", page, rendered)?))
}

/// `/print/shares/$count`: the shares the collection lists to this caller (administrators all, users those they
/// may use), with its `$filter`.
pub async fn count(ctx: &Ctx) -> GraphResult<Response> {
    let access = ctx.authorize(Operation::ListShares)?;
    let page = ctx
        .app()
        .list_shares(&ctx.caller, &access, &count_query(ctx)?)
        .await?;
    Ok(counted(&page))
}

pub async fn get(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    let access = ctx.authorize(Operation::GetShare)?;
    ctx.entity_options_only()?;
    let view = ctx.app().get_share_view(&ctx.caller, &access, id).await?;
    Ok(ok(&entity(
        ctx.context("print/shares/$entity"),
        render(ctx, &view)?,
    )))
}

/// The share's name from `displayName`, or on beta also from `name` (printerBase's legacy alias of displayName in
/// the beta schema, §1.2/§1.12); when both are sent they must agree.
fn share_name(ctx: &Ctx, r: &mut ObjectReader<'_>) -> GraphResult<Option<String>> {
    let display_name = r
        .opt_string("displayName", MAX_SHARE_NAME)
        .map_err(schema_error)?;
    if ctx.version != Version::Beta {
        return Ok(display_name);
    }
    let name = r.opt_string("name", MAX_SHARE_NAME).map_err(schema_error)?;
    match (display_name, name) {
        (Some(d), Some(n)) if d != n => Err(GraphError::bad_request(
            "name is the beta alias of displayName; send one of them, or the same value in both.",
        )),
        (d, n) => Ok(d.or(n)),
    }
}

fn printer_bind(r: &mut ObjectReader<'_>) -> GraphResult<Option<String>> {
    match r.take("printer@odata.bind") {
        None => Ok(None),
        Some(Value::String(url)) => Ok(Some(id_from_url(url, &["printers"])?)),
        Some(_) => Err(GraphError::bad_request(
            "printer@odata.bind must be a URL string.",
        )),
    }
}

pub async fn create(ctx: &Ctx, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::CreateShare)?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let name = match share_name(ctx, &mut r)? {
        Some(n) => n,
        None => r.string("displayName", MAX_SHARE_NAME).map_err(schema_error)?,
    };
    let allow_all = r
        .opt_bool("allowAllUsers")
        .map_err(schema_error)?
        .unwrap_or(false);
    let printer =
        printer_bind(&mut r)?.ok_or_else(|| GraphError::bad_request("printer@odata.bind is required."))?;
    r.finish(SHARE_READ_ONLY).map_err(schema_error)?;
    let s = ctx
        .app()
        .create_share(&ctx.caller, name, &printer, allow_all)
        .await?;
    let p = printer_of(ctx, &s).await?;
    let m = wire::share(&s, &p, ctx.version, None);
    Ok(json(
        StatusCode::CREATED,
        &entity(ctx.context("print/shares/$entity"), m),
    ))
}

pub async fn update(ctx: &Ctx, id: &str, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::UpdateShare)?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let u = ShareUpdate {
        display_name: share_name(ctx, &mut r)?,
        allow_all_users: r.opt_bool("allowAllUsers").map_err(schema_error)?,
        printer_id: printer_bind(&mut r)?,
    };
    r.finish(SHARE_READ_ONLY).map_err(schema_error)?;
    let s = ctx.app().update_share(&ctx.caller, id, u).await?;
    let p = printer_of(ctx, &s).await?;
    Ok(ok(&entity(
        ctx.context("print/shares/$entity"),
        wire::share(&s, &p, ctx.version, None),
    )))
}

pub async fn delete(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::DeleteShare)?;
    ctx.no_options()?;
    ctx.app().delete_share(&ctx.caller, id).await?;
    Ok(no_content())
}

/// GET /print/shares/{id}/printer: users reach it through a share they may use; admins with printer permissions too.
pub async fn printer(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    let (_, access) = ctx.authorize_first(permissions::READ_SHARE_PRINTER)?;
    ctx.entity_options_only()?;
    let view = ctx.app().get_share_view(&ctx.caller, &access, id).await?;
    Ok(ok(&entity(
        ctx.context("print/printers/$entity"),
        crate::handlers::printers::render(ctx, &view.printer).await?,
    )))
}

/// `GET /print/shares/{id}/printer/$ref`: the OData reference to the share's printer.
pub async fn printer_ref(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    let (_, access) = ctx.authorize_first(permissions::READ_SHARE_PRINTER)?;
    ctx.no_options()?;
    let view = ctx.app().get_share_view(&ctx.caller, &access, id).await?;
    Ok(ok(&serde_json::json!({
        "@odata.context": ctx.context("$ref"),
        "@odata.id": format!("{}/print/printers/{}", ctx.root(), view.printer.id),
    })))
}

/// `GET …/allowedUsers/$ref` (or `allowedGroups`): the members as OData references, paged like the members.
pub async fn allowed_refs(ctx: &Ctx, share: &str, groups: bool) -> GraphResult<Response> {
    ctx.authorize(if groups {
        Operation::ListAllowedGroups
    } else {
        Operation::ListAllowedUsers
    })?;
    ctx.reject(&[Search, Expand, platen_odata::QueryOption::Select])?;
    let q = list_query(ctx)?;
    let root = ctx.root();
    let reference = |kind: &str, id: &str| {
        let mut m = serde_json::Map::new();
        m.insert("@odata.id".into(), Value::String(format!("{root}/{kind}/{id}")));
        m
    };
    let body = if groups {
        let page = ctx.app().allowed_groups(&ctx.caller, share, &q).await?;
        let refs = page.items.iter().map(|g| reference("groups", &g.id)).collect();
        page_json(ctx, "Collection($ref)", page, refs)?
    } else {
        let page = ctx.app().allowed_users(&ctx.caller, share, &q).await?;
        let refs = page.items.iter().map(|u| reference("users", &u.id)).collect();
        page_json(ctx, "Collection($ref)", page, refs)?
    };
    Ok(ok(&body))
}

/// `DELETE …/allowedUsers/$ref?$id={URL of the user}` (or `allowedGroups`): OData's removal by query, which
/// the SDKs also offer; the same as `DELETE …/allowedUsers/{id}/$ref`.
pub async fn remove_ref(ctx: &Ctx, share: &str, groups: bool) -> GraphResult<Response> {
    ctx.authorize(if groups {
        Operation::RemoveAllowedGroup
    } else {
        Operation::RemoveAllowedUser
    })?;
    let others: Vec<platen_odata::QueryOption> = platen_odata::QueryOption::ALL
        .into_iter()
        .filter(|o| *o != platen_odata::QueryOption::Id)
        .collect();
    ctx.reject(&others)?;
    let url = ctx.query.id.as_deref().ok_or_else(|| {
        GraphError::bad_request(
            "Name the member to remove: DELETE …/$ref?$id={its URL}, or DELETE …/{id}/$ref.",
        )
    })?;
    if groups {
        let id = id_from_url(url, &["groups", "directoryObjects"])?;
        ctx.app().disallow_group(&ctx.caller, share, &id).await?;
    } else {
        let id = id_from_url(url, &["users", "directoryObjects"])?;
        ctx.app().disallow_user(&ctx.caller, share, &id).await?;
    }
    Ok(no_content())
}

/// The id named by a `$ref` body: `{"@odata.id": "https://…/users/{id}"}`.
fn ref_id(body: &Bytes, collection: &[&str]) -> GraphResult<String> {
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let id = match r.take("@odata.id") {
        Some(Value::String(url)) => id_from_url(url, collection)?,
        _ => {
            return Err(GraphError::bad_request(
                "The body must carry \"@odata.id\" with the URL of the entity to add.",
            ));
        }
    };
    r.finish(&[]).map_err(schema_error)?;
    Ok(id)
}

/// The directory objects of a share's lists carry no navigation Platen renders, and no print collection
/// supports `$search`: refused rather than ignored.
const MEMBER_LISTS_REFUSE: &[platen_odata::QueryOption] = &[Search, Expand];

pub async fn allowed_users(ctx: &Ctx, share: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::ListAllowedUsers)?;
    ctx.reject(MEMBER_LISTS_REFUSE)?;
    let page = ctx
        .app()
        .allowed_users(&ctx.caller, share, &list_query(ctx)?)
        .await?;
    let rendered = page.items.iter().map(wire::user).collect();
    Ok(ok(&page_json(
        ctx,
        &format!("print/shares('{share}')/allowedUsers"),
        page,
        rendered,
    )?))
}

pub async fn allowed_groups(ctx: &Ctx, share: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::ListAllowedGroups)?;
    ctx.reject(MEMBER_LISTS_REFUSE)?;
    let page = ctx
        .app()
        .allowed_groups(&ctx.caller, share, &list_query(ctx)?)
        .await?;
    let rendered = page.items.iter().map(wire::group).collect();
    Ok(ok(&page_json(
        ctx,
        &format!("print/shares('{share}')/allowedGroups"),
        page,
        rendered,
    )?))
}

pub async fn member_count(ctx: &Ctx, share: &str, groups: bool) -> GraphResult<Response> {
    let count = if groups {
        ctx.authorize(Operation::ListAllowedGroups)?;
        let q = count_query(ctx)?;
        ctx.app().allowed_groups(&ctx.caller, share, &q).await?.count
    } else {
        ctx.authorize(Operation::ListAllowedUsers)?;
        let q = count_query(ctx)?;
        ctx.app().allowed_users(&ctx.caller, share, &q).await?.count
    };
    Ok(crate::handlers::count_response(count.unwrap_or(0)))
}

pub async fn add_user(ctx: &Ctx, share: &str, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::AddAllowedUser)?;
    ctx.no_options()?;
    let id = ref_id(body, &["users", "directoryObjects"])?;
    ctx.app().allow_user(&ctx.caller, share, &id).await?;
    Ok(no_content())
}

pub async fn remove_user(ctx: &Ctx, share: &str, user: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::RemoveAllowedUser)?;
    ctx.no_options()?;
    ctx.app().disallow_user(&ctx.caller, share, user).await?;
    Ok(no_content())
}

pub async fn add_group(ctx: &Ctx, share: &str, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::AddAllowedGroup)?;
    ctx.no_options()?;
    let id = ref_id(body, &["groups", "directoryObjects"])?;
    ctx.app().allow_group(&ctx.caller, share, &id).await?;
    Ok(no_content())
}

pub async fn remove_group(ctx: &Ctx, share: &str, group: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::RemoveAllowedGroup)?;
    ctx.no_options()?;
    ctx.app().disallow_group(&ctx.caller, share, group).await?;
    Ok(no_content())
}
