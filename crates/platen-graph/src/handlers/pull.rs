//! Pull printing: `/print/taskDefinitions` (+ tasks) and `/print/printers/{id}/taskTriggers`.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{id_from_url, object_body, schema_error};
use crate::in_memory::{Expansion, small_collection};
use crate::paging::{count_items, count_query, counted, list_query, page_json, select};
use crate::response::{entity, json, no_content, ok};
use crate::route::TaskNav;
use crate::schema::{self, ObjectReader};
use crate::wire;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use platen_domain::Operation;
use platen_domain::task::TaskState;
use platen_odata::QueryOption::{Count, Filter, Format, OrderBy, Search, Select, Skip, SkipToken, Top};
use serde_json::Value;

/// The spec lists these as unsupported on task definition, task and trigger collections.
const UNSUPPORTED_ON_LISTS: &[platen_odata::QueryOption] = &[Count, Format, Search, Select, Skip, Top];
/// Definitions and triggers are read whole and not filtered or ordered: refused rather than ignored.
const UNSUPPORTED_IN_MEMORY: &[platen_odata::QueryOption] = &[
    Count, Format, Search, Select, Skip, Top, Filter, OrderBy, SkipToken,
];

fn definition_context(ctx: &Ctx) -> String {
    ctx.context("print/taskDefinitions/$entity")
}

pub async fn list_definitions(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTaskDefinitions)?;
    let items = ctx.app().list_task_definitions(&ctx.caller).await?;
    let rendered = items.iter().map(wire::task_definition).collect();
    Ok(ok(&small_collection(
        ctx,
        "print/taskDefinitions",
        rendered,
        UNSUPPORTED_IN_MEMORY,
        Expansion::Refused,
    )?))
}

/// These small collections are not filtered or ordered server-side; refuse rather than ignore.
fn reject_list_filters(ctx: &Ctx) -> GraphResult<()> {
    ctx.reject(&[Filter, OrderBy, SkipToken])
}

/// `/print/taskDefinitions/$count`: the calling app's definitions (like the collection, no `$filter`).
pub async fn definitions_count(ctx: &Ctx) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTaskDefinitions)?;
    reject_list_filters(ctx)?;
    let items = ctx.app().list_task_definitions(&ctx.caller).await?;
    count_items(ctx, items.iter().map(wire::task_definition).collect())
}

pub async fn create_definition(ctx: &Ctx, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTaskDefinitions)?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let name = r.string("displayName", 256).map_err(schema_error)?;
    let created_by = match r.opt_object("createdBy").map_err(schema_error)? {
        Some(mut c) => {
            let n = c
                .nullable_string("displayName", 256)
                .map_err(schema_error)?
                .flatten();
            c.finish(&["appId", "servicePrincipalId", "servicePrincipalName"])
                .map_err(schema_error)?;
            n
        }
        None => None,
    };
    r.finish(&["id", "tasks"]).map_err(schema_error)?;
    let d = ctx
        .app()
        .create_task_definition(&ctx.caller, name, created_by)
        .await?;
    Ok(json(
        StatusCode::CREATED,
        &crate::response::entity(definition_context(ctx), wire::task_definition(&d)),
    ))
}

pub async fn get_definition(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTaskDefinitions)?;
    ctx.entity_options_only()?;
    let d = ctx.app().own_task_definition(&ctx.caller, id).await?;
    Ok(ok(&entity(
        definition_context(ctx),
        select(wire::task_definition(&d), &ctx.query)?,
    )))
}

/// Only `displayName` and `createdBy.displayName` change.
pub async fn update_definition(ctx: &Ctx, id: &str, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTaskDefinitions)?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let name = r.opt_string("displayName", 256).map_err(schema_error)?;
    let created_by = match r.opt_object("createdBy").map_err(schema_error)? {
        Some(mut c) => {
            let n = c.nullable_string("displayName", 256).map_err(schema_error)?;
            c.finish(&["appId", "servicePrincipalId", "servicePrincipalName"])
                .map_err(schema_error)?;
            n
        }
        None => None,
    };
    r.finish(&["id", "tasks"]).map_err(schema_error)?;
    let d = ctx
        .app()
        .update_task_definition(&ctx.caller, id, name, created_by)
        .await?;
    Ok(ok(&entity(definition_context(ctx), wire::task_definition(&d))))
}

pub async fn delete_definition(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTaskDefinitions)?;
    ctx.no_options()?;
    ctx.app().delete_task_definition(&ctx.caller, id).await?;
    Ok(no_content())
}

/// A definition's tasks, newest first, paged server-side like every collection (`@odata.nextLink` with a skip
/// token; the client cannot choose the page size, `$top` being unsupported here).
pub async fn list_tasks(ctx: &Ctx, definition: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTasks)?;
    ctx.reject(UNSUPPORTED_ON_LISTS)?;
    ctx.reject(&[Filter, OrderBy])?;
    let page = ctx
        .app()
        .list_tasks(&ctx.caller, definition, &list_query(ctx)?)
        .await?;
    let mut rendered = Vec::with_capacity(page.items.len());
    for t in &page.items {
        rendered.push(expand_task(ctx, t).await?);
    }
    Ok(ok(&page_json(
        ctx,
        "Collection(microsoft.graph.printTask)",
        page,
        rendered,
    )?))
}

/// `/print/taskDefinitions/{id}/tasks/$count` (like the collection, no `$filter`).
pub async fn tasks_count(ctx: &Ctx, definition: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTasks)?;
    reject_list_filters(ctx)?;
    let page = ctx
        .app()
        .list_tasks(&ctx.caller, definition, &count_query(ctx)?)
        .await?;
    Ok(counted(&page))
}

/// A task with its `$expand`ed `definition`/`trigger`.
pub async fn expand_task(ctx: &Ctx, t: &platen_domain::records::PrintTask) -> GraphResult<wire::Obj> {
    let mut m = wire::task(t, &ctx.root());
    for e in &ctx.query.expand {
        match e.path.to_ascii_lowercase().as_str() {
            "definition" => {
                let d = ctx.app().definition_of(t).await?;
                m.insert(
                    "definition".into(),
                    d.map(|d| Value::Object(wire::task_definition(&d)))
                        .unwrap_or(Value::Null),
                );
            }
            "trigger" => {
                let tr = ctx.app().trigger_of(t).await?;
                m.insert(
                    "trigger".into(),
                    tr.map(|t| Value::Object(wire::task_trigger(&t)))
                        .unwrap_or(Value::Null),
                );
            }
            other => {
                return Err(GraphError::bad_request(format!(
                    "$expand: '{other}' cannot be expanded on a print task."
                )));
            }
        }
    }
    Ok(m)
}

pub async fn get_task(ctx: &Ctx, definition: &str, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTasks)?;
    ctx.entity_options_only()?;
    let t = ctx.app().get_task(&ctx.caller, definition, id).await?;
    let m = expand_task(ctx, &t).await?;
    Ok(ok(&entity(
        ctx.context(&format!("print/taskDefinitions('{definition}')/tasks/$entity")),
        select(m, &ctx.query)?,
    )))
}

/// The owning app reports the task's outcome: `completed` releases the job, `aborted` aborts it.
pub async fn update_task(ctx: &Ctx, definition: &str, id: &str, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTasks)?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let status = r
        .take("status")
        .ok_or_else(|| GraphError::bad_request("status is required."))?;
    let status = schema::task_status(status).map_err(schema_error)?;
    r.finish(&["id", "parentUrl", "definition", "trigger"])
        .map_err(schema_error)?;
    let state = status
        .get("state")
        .and_then(Value::as_str)
        .and_then(TaskState::parse)
        .ok_or_else(|| GraphError::bad_request("status.state must be a printTaskProcessingState."))?;
    let description = status
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let t = ctx
        .app()
        .update_task_status(&ctx.caller, definition, id, state, description)
        .await?;
    Ok(ok(&entity(
        ctx.context(&format!("print/taskDefinitions('{definition}')/tasks/$entity")),
        wire::task(&t, &ctx.root()),
    )))
}

pub async fn task_nav(ctx: &Ctx, definition: &str, id: &str, nav: TaskNav) -> GraphResult<Response> {
    ctx.authorize(Operation::ManageTasks)?;
    ctx.entity_options_only()?;
    let t = ctx.app().get_task(&ctx.caller, definition, id).await?;
    task_navigation(ctx, &t, nav).await
}

pub async fn task_navigation(
    ctx: &Ctx,
    t: &platen_domain::records::PrintTask,
    nav: TaskNav,
) -> GraphResult<Response> {
    match nav {
        TaskNav::Definition => {
            let d = ctx
                .app()
                .definition_of(t)
                .await?
                .ok_or_else(|| GraphError::not_found("The task definition was not found."))?;
            Ok(ok(&entity(
                definition_context(ctx),
                select(wire::task_definition(&d), &ctx.query)?,
            )))
        }
        TaskNav::Trigger => {
            let tr = ctx
                .app()
                .trigger_of(t)
                .await?
                .ok_or_else(|| GraphError::not_found("The task trigger no longer exists."))?;
            Ok(ok(&entity(
                trigger_context(ctx, &tr),
                select(wire::task_trigger(&tr), &ctx.query)?,
            )))
        }
    }
}

/// A single trigger lives in its printer's `taskTriggers`, whichever path reached it.
fn trigger_context(ctx: &Ctx, t: &platen_domain::records::TaskTrigger) -> String {
    ctx.context(&format!(
        "print/printers('{}')/taskTriggers/$entity",
        t.printer_id.as_str()
    ))
}

pub async fn list_triggers(ctx: &Ctx, printer: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::ListTaskTriggers)?;
    let items = ctx.app().task_triggers(&ctx.caller, printer).await?;
    let rendered = items.iter().map(wire::task_trigger).collect();
    Ok(ok(&small_collection(
        ctx,
        &format!("print/printers('{printer}')/taskTriggers"),
        rendered,
        UNSUPPORTED_IN_MEMORY,
        Expansion::Refused,
    )?))
}

/// `/print/printers/{id}/taskTriggers/$count` (like the collection, no `$filter`).
pub async fn triggers_count(ctx: &Ctx, printer: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::ListTaskTriggers)?;
    reject_list_filters(ctx)?;
    let items = ctx.app().task_triggers(&ctx.caller, printer).await?;
    count_items(ctx, items.iter().map(wire::task_trigger).collect())
}

pub async fn create_trigger(ctx: &Ctx, printer: &str, body: &Bytes) -> GraphResult<Response> {
    ctx.authorize(Operation::CreateTaskTrigger)?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let event = r
        .enum_member("event", "printEvent", &["jobStarted"])
        .map_err(schema_error)?;
    let bind = r.bind("definition@odata.bind").map_err(schema_error)?;
    r.finish(&["id", "definition"]).map_err(schema_error)?;
    let definition = id_from_url(&bind, &["taskDefinitions"])?;
    let t = ctx
        .app()
        .create_task_trigger(&ctx.caller, printer, event, &definition)
        .await?;
    Ok(json(
        StatusCode::CREATED,
        &entity(
            ctx.context(&format!("print/printers('{printer}')/taskTriggers/$entity")),
            wire::task_trigger(&t),
        ),
    ))
}

pub async fn get_trigger(ctx: &Ctx, printer: &str, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::GetTaskTrigger)?;
    ctx.entity_options_only()?;
    let t = ctx.app().task_trigger(&ctx.caller, printer, id).await?;
    let mut m = wire::task_trigger(&t);
    if ctx
        .query
        .expand
        .iter()
        .any(|e| e.path.eq_ignore_ascii_case("definition"))
    {
        let d = ctx.app().trigger_definition(&ctx.caller, printer, id).await?;
        m.insert("definition".into(), Value::Object(wire::task_definition(&d)));
    }
    Ok(ok(&entity(
        ctx.context(&format!("print/printers('{printer}')/taskTriggers/$entity")),
        select(m, &ctx.query)?,
    )))
}

pub async fn delete_trigger(ctx: &Ctx, printer: &str, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::DeleteTaskTrigger)?;
    ctx.no_options()?;
    ctx.app().delete_task_trigger(&ctx.caller, printer, id).await?;
    Ok(no_content())
}

pub async fn trigger_definition(ctx: &Ctx, printer: &str, id: &str) -> GraphResult<Response> {
    ctx.authorize(Operation::GetTaskTrigger)?;
    ctx.entity_options_only()?;
    let d = ctx.app().trigger_definition(&ctx.caller, printer, id).await?;
    Ok(ok(&entity(
        definition_context(ctx),
        select(wire::task_definition(&d), &ctx.query)?,
    )))
}
