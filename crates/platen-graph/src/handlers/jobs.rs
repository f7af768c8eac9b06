//! Print jobs on both paths (`/print/printers/{id}/jobs`, `/print/shares/{id}/jobs`) and their actions.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{action_body, expect_no_parameters, json_body, object_body, schema_error};
use crate::in_memory::{Expansion, small_collection};
use crate::job_json::{JobJson, JobsJson};
use crate::paging::{count_items, count_query, counted, list_query, page_json, page_response, select};
use crate::response::{entity, entity_response, hides_evolvable, json, no_content, ok};
use crate::route::{JobAction, Version};
use crate::schema::{self, ObjectReader};
use crate::wire::{self, Obj};
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use platen_app::JobTarget;
use platen_domain::JobId;
use platen_domain::records::Job;
use platen_domain::{Operation, permissions};
use platen_odata::QueryOption::{Count, Search};
use serde_json::Value;
use std::collections::HashMap;

const JOB_READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "createdBy",
    "status",
    "isFetchable",
    "redirectedFrom",
    "redirectedTo",
    "errorCode",
    "acknowledgedDateTime",
    "completedDateTime",
    "documents",
    "tasks",
];

/// `print/printers('{id}')/jobs` — the OData context path of a job collection.
pub fn collection_path(t: &JobTarget) -> String {
    match t {
        JobTarget::Printer(p) => format!("print/printers('{p}')/jobs"),
        JobTarget::Share(s) => format!("print/shares('{s}')/jobs"),
    }
}

/// The `$expand`ed navigations of the jobs being rendered, each read in one query for all of them and rendered
/// with its own options: (navigation, its items by job).
type Expanded = Vec<(&'static str, HashMap<JobId, Vec<Value>>)>;

async fn expanded(ctx: &Ctx, jobs: &[Job]) -> GraphResult<Expanded> {
    let mut out = Expanded::new();
    for e in &ctx.query.expand {
        let mut by_job: HashMap<JobId, Vec<Value>> = HashMap::new();
        let name = match e.path.to_ascii_lowercase().as_str() {
            "documents" => {
                for (job, docs) in ctx.app().documents_of_jobs(&ctx.caller, jobs).await? {
                    let items = docs
                        .iter()
                        .map(|d| select(wire::document(d, ctx.version), &e.options).map(Value::Object))
                        .collect::<GraphResult<Vec<_>>>()?;
                    by_job.insert(job, items);
                }
                "documents"
            }
            "tasks" => {
                for (job, tasks) in ctx.app().visible_tasks_of_jobs(&ctx.caller, jobs).await? {
                    let items = tasks
                        .iter()
                        .map(|t| select(wire::task(t, &ctx.root()), &e.options).map(Value::Object))
                        .collect::<GraphResult<Vec<_>>>()?;
                    by_job.insert(job, items);
                }
                "tasks"
            }
            other => {
                return Err(GraphError::bad_request(format!(
                    "$expand: '{other}' cannot be expanded on a print job."
                )));
            }
        };
        out.push((name, by_job));
    }
    Ok(out)
}

/// Renders `j`, taking its expanded items out of `expanded` (each job appears once on a page).
fn render(ctx: &Ctx, j: &Job, expanded: &mut Expanded) -> GraphResult<Obj> {
    let mut m = wire::job(j, ctx.version, &ctx.root());
    for (name, by_job) in expanded.iter_mut() {
        let items = by_job.remove(&j.id).unwrap_or_default();
        m.insert((*name).into(), Value::Array(items));
    }
    select(m, &ctx.query)
}

/// One job as an entity, with its `$expand`ed navigations.
async fn render_one(ctx: &Ctx, j: &Job) -> GraphResult<Obj> {
    let mut expanded = expanded(ctx, std::slice::from_ref(j)).await?;
    render(ctx, j, &mut expanded)
}

pub async fn list(ctx: &Ctx, t: &JobTarget) -> GraphResult<Response> {
    let access = ctx.authorize_job(Operation::ListJobs, t).await?;
    ctx.reject(&[Count, Search])?;
    let page = ctx
        .app()
        .list_jobs(&ctx.caller, &access, t, &list_query(ctx)?)
        .await?;
    if ctx.query.select.is_none() && ctx.query.expand.is_empty() {
        let root = ctx.root();
        let jobs = JobsJson {
            version: ctx.version,
            root: &root,
            hide_evolvable: hides_evolvable(),
        };
        return page_response(ctx, &collection_path(t), page, jobs);
    }
    let mut expanded = expanded(ctx, &page.items).await?;
    let mut rendered = Vec::with_capacity(page.items.len());
    for j in &page.items {
        let mut m = render(ctx, j, &mut expanded)?;
        // `$select` is applied again by page_json; harmless and keeps one code path.
        m.remove("@odata.context");
        rendered.push(m);
    }
    Ok(ok(&page_json(ctx, &collection_path(t), page, rendered)?))
}

/// `…/jobs/$count`: the jobs the collection lists to this caller (without a `*.All` permission, their own), with
/// its `$filter`.
pub async fn count(ctx: &Ctx, t: &JobTarget) -> GraphResult<Response> {
    let access = ctx.authorize_job(Operation::ListJobs, t).await?;
    let page = ctx
        .app()
        .list_jobs(&ctx.caller, &access, t, &count_query(ctx)?)
        .await?;
    Ok(counted(&page))
}

pub async fn create(ctx: &Ctx, t: &JobTarget, body: &Bytes) -> GraphResult<Response> {
    let (through_printer, through_share) = permissions::CREATE_JOB;
    let op = match t {
        JobTarget::Printer(_) => through_printer,
        JobTarget::Share(_) => through_share,
    };
    let access = ctx.authorize_job(op, t).await?;
    ctx.no_options()?;
    let v = json_body(body)?.unwrap_or_else(|| Value::Object(Default::default()));
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let configuration = match r.take("configuration") {
        None | Some(Value::Null) => Value::Object(Default::default()),
        Some(c) => schema::job_configuration(c, &ctx.version.schema()).map_err(schema_error)?,
    };
    let display_name = if ctx.version == Version::Beta {
        r.opt_string("displayName", 256).map_err(schema_error)?
    } else {
        None
    };
    r.finish(JOB_READ_ONLY).map_err(schema_error)?;
    let (job, doc) = ctx
        .app()
        .create_job(&ctx.caller, &access, t, configuration, display_name)
        .await?;
    let mut m = wire::job(&job, ctx.version, &ctx.root());
    m.insert(
        "documents".into(),
        Value::Array(vec![Value::Object(wire::document(&doc, ctx.version))]),
    );
    Ok(json(
        StatusCode::CREATED,
        &entity(ctx.context(&format!("{}/$entity", collection_path(t))), m),
    ))
}

pub async fn get(ctx: &Ctx, t: &JobTarget, id: &str) -> GraphResult<Response> {
    let access = ctx.authorize_job(Operation::GetJob, t).await?;
    ctx.entity_options_only()?;
    let job = ctx.app().find_job(&ctx.caller, &access, t, id).await?;
    let context = ctx.context(&format!("{}/$entity", collection_path(t)));
    if ctx.query.select.is_none() && ctx.query.expand.is_empty() {
        let root = ctx.root();
        let job = JobJson {
            job: &job,
            version: ctx.version,
            root: &root,
            hide_evolvable: hides_evolvable(),
            context: Some(&context),
        };
        return entity_response(&job);
    }
    Ok(ok(&entity(context, render_one(ctx, &job).await?)))
}

pub async fn action(
    ctx: &Ctx,
    t: &JobTarget,
    id: &str,
    action: JobAction,
    body: &Bytes,
) -> GraphResult<Response> {
    ctx.no_options()?;
    match action {
        JobAction::Start => {
            let access = ctx.authorize_job(Operation::StartJob, t).await?;
            expect_no_parameters(body)?;
            let job = ctx.app().start_job(&ctx.caller, &access, t, id).await?;
            Ok(ok(&entity(
                ctx.context("microsoft.graph.printJobStatus"),
                wire::job_status(&job, ctx.version),
            )))
        }
        JobAction::Cancel => {
            let access = ctx.authorize_job(Operation::CancelJob, t).await?;
            expect_no_parameters(body)?;
            ctx.app().cancel_job(&ctx.caller, &access, t, id).await?;
            Ok(no_content())
        }
        JobAction::Abort => {
            let access = ctx.authorize_job(Operation::AbortJob, t).await?;
            let reason = abort_reason(body)?;
            ctx.app().abort_job(&ctx.caller, &access, t, id, reason).await?;
            Ok(no_content())
        }
        JobAction::Redirect => {
            let access = ctx.authorize_job(Operation::RedirectJob, t).await?;
            let v = object_body(body)?;
            let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
            let destination = r
                .string("destinationPrinterId", 64)
                .map_err(schema_error)?
                .to_ascii_lowercase();
            let configuration = match r.take("configuration") {
                None | Some(Value::Null) => None,
                Some(c) => Some(schema::job_configuration(c, &ctx.version.schema()).map_err(schema_error)?),
            };
            r.finish(&[]).map_err(schema_error)?;
            let job = ctx
                .app()
                .redirect_job(&ctx.caller, &access, t, id, &destination, configuration)
                .await?;
            let context = ctx.context(&format!(
                "{}/$entity",
                collection_path(&JobTarget::Printer(job.printer_id.clone()))
            ));
            Ok(ok(&entity(context, wire::job(&job, ctx.version, &ctx.root()))))
        }
    }
}

/// PATCH of a job: only the app owning a processing print task on it may change `configuration`.
pub async fn update(ctx: &Ctx, t: &JobTarget, id: &str, body: &Bytes) -> GraphResult<Response> {
    let access = ctx.authorize_job(Operation::UpdateJob, t).await?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let configuration = match r.take("configuration") {
        Some(c) => schema::job_configuration(c, &ctx.version.schema()).map_err(schema_error)?,
        None => {
            return Err(GraphError::bad_request(
                "Only configuration can be updated on a print job.",
            ));
        }
    };
    r.finish(JOB_READ_ONLY).map_err(schema_error)?;
    let job = ctx
        .app()
        .update_job_configuration(&ctx.caller, &access, t, id, configuration)
        .await?;
    Ok(ok(&entity(
        ctx.context(&format!("{}/$entity", collection_path(t))),
        render_one(ctx, &job).await?,
    )))
}

/// abort's optional body: nothing (an empty body or `null`), `{}`, or `{"reason": "…"}`.
pub fn abort_reason(body: &Bytes) -> GraphResult<Option<String>> {
    let Some(v) = action_body(body)? else {
        return Ok(None);
    };
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let reason = match r.take("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= 1024 => Some(s.clone()),
        Some(Value::String(_)) => {
            return Err(GraphError::bad_request("reason must be at most 1024 characters."));
        }
        Some(_) => return Err(GraphError::bad_request("reason must be a string.")),
    };
    r.finish(&[]).map_err(schema_error)?;
    Ok(reason)
}

/// The print tasks triggered by a job that the caller sees, rendered.
async fn job_tasks(ctx: &Ctx, t: &JobTarget, id: &str) -> GraphResult<Vec<Obj>> {
    let access = ctx.authorize_job(Operation::GetJob, t).await?;
    let tasks = ctx.app().tasks_of_job(&ctx.caller, &access, t, id).await?;
    Ok(tasks.iter().map(|task| wire::task(task, &ctx.root())).collect())
}

/// GET …/jobs/{id}/tasks: the print tasks triggered by the job, each with its `$expand`ed definition/trigger.
pub async fn tasks(ctx: &Ctx, t: &JobTarget, id: &str) -> GraphResult<Response> {
    let access = ctx.authorize_job(Operation::GetJob, t).await?;
    let tasks = ctx.app().tasks_of_job(&ctx.caller, &access, t, id).await?;
    let mut items = Vec::with_capacity(tasks.len());
    for task in &tasks {
        items.push(crate::handlers::pull::expand_task(ctx, task).await?);
    }
    Ok(ok(&small_collection(
        ctx,
        &format!("{}('{id}')/tasks", collection_path(t)),
        items,
        &[],
        Expansion::Rendered,
    )?))
}

/// GET …/jobs/{id}/tasks/$count.
pub async fn tasks_count(ctx: &Ctx, t: &JobTarget, id: &str) -> GraphResult<Response> {
    let items = job_tasks(ctx, t, id).await?;
    count_items(ctx, items)
}

/// GET …/jobs/{id}/tasks/{taskId}[/definition|/trigger].
pub async fn task(
    ctx: &Ctx,
    t: &JobTarget,
    id: &str,
    task_id: &str,
    nav: Option<crate::route::TaskNav>,
) -> GraphResult<Response> {
    let access = ctx.authorize_job(Operation::GetJob, t).await?;
    ctx.entity_options_only()?;
    let task = ctx
        .app()
        .tasks_of_job(&ctx.caller, &access, t, id)
        .await?
        .into_iter()
        .find(|x| x.id == task_id)
        .ok_or_else(|| GraphError::not_found("The print task was not found."))?;
    match nav {
        Some(nav) => crate::handlers::pull::task_navigation(ctx, &task, nav).await,
        None => {
            let m = crate::handlers::pull::expand_task(ctx, &task).await?;
            Ok(ok(&entity(
                ctx.context(&format!("{}('{id}')/tasks/$entity", collection_path(t))),
                select(m, &ctx.query)?,
            )))
        }
    }
}
