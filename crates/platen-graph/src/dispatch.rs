//! The one entry point: normalise the path, authenticate, route, and call the handler.

use crate::ctx::{Ctx, GraphState, authenticate};
use crate::error::{GraphError, GraphResult};
use crate::handlers::{
    connectors, documents, downloads, jobs, print, printers, provisioning_errors, pull, reports, shares,
    subscriptions, uploads, user_print,
};
use crate::metadata;
use crate::route::{self, Route, Version};
use crate::route_table::{self, GraphRoute};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use platen_app::ConnectionInfo;
use platen_app::served::{Auth, Endpoint, Errors, Method as Verb, Payload};
use std::net::SocketAddr;
use std::sync::Arc;

/// The route a Graph request was parsed to, on its response (failures included), for metrics labels: the
/// version and the route's name (`v1.0 Job`, `beta Printers`), never an id.
#[derive(Debug, Clone)]
pub struct RouteTemplate(pub &'static str);

/// What `serve` answers before the Graph route table: the upload and download URLs and health. Described here,
/// beside the match that routes them, for the OpenAPI document.
pub(crate) const SERVED: &[Endpoint] = &[
    Endpoint::new(
        Verb::Get,
        UPLOAD,
        "The upload session's status: the byte ranges still expected.",
    )
    .auth(Auth::UrlCredential)
    .query(TOKEN)
    .responds(&[(200, Payload::Json(upload_status_schema))]),
    Endpoint::new(
        Verb::Put,
        UPLOAD,
        "One byte range of the document (Content-Range: bytes a-b/size).",
    )
    .auth(Auth::UrlCredential)
    .query(TOKEN)
    .headers(&[("Content-Range", true)])
    .request(Payload::Bytes("application/octet-stream"))
    .responds(&[
        (202, Payload::Json(upload_status_schema)),
        (201, Payload::Json(|| serde_json::json!({"type": "object"}))),
    ]),
    Endpoint::new(Verb::Delete, UPLOAD, "Cancel the upload session.")
        .auth(Auth::UrlCredential)
        .query(TOKEN)
        .responds(&[(204, Payload::None)]),
    Endpoint::new(
        Verb::Get,
        DOWNLOAD,
        "A document's bytes (the URL a $value redirects to).",
    )
    .auth(Auth::UrlCredential)
    .query(TOKEN)
    .headers(&[("Range", false)])
    .responds(&[(200, Payload::Bytes("*/*")), (206, Payload::Bytes("*/*"))]),
    Endpoint::new(Verb::Get, HEALTH, "The process answers.")
        .auth(Auth::Public)
        .responds(&[(200, Payload::Text)])
        .errors(Errors::Text),
    Endpoint::new(
        Verb::Get,
        READY,
        "The database answers and holds this binary's migrations.",
    )
    .auth(Auth::Public)
    .responds(&[(200, Payload::Text), (503, Payload::Text)])
    .errors(Errors::Text),
];
const UPLOAD: &str = "/uploadSessions/{id}";
const DOWNLOAD: &str = "/downloads/{id}";
const HEALTH: &str = "/healthz";
const READY: &str = "/readyz";

/// A method `SERVED` does not list for `path` is a 405 naming those it does.
fn ensure_served(path: &'static str, method: &Method) -> GraphResult<()> {
    let methods: Vec<Verb> = SERVED
        .iter()
        .filter(|e| e.path == path)
        .map(|e| e.method)
        .collect();
    if Verb::answers(&methods, method) {
        return Ok(());
    }
    Err(GraphError::method_not_allowed(Endpoint::allow_header(
        SERVED, path,
    )))
}
const TOKEN: &[(&str, bool)] = &[("tempauthtoken", true)];

fn upload_status_schema() -> serde_json::Value {
    serde_json::json!({"type": "object", "properties": {
        "expirationDateTime": {"type": "string", "format": "date-time"},
        "nextExpectedRanges": {"type": "array", "items": {"type": "string"}},
    }})
}

pub async fn handle(State(state): State<Arc<GraphState>>, req: Request) -> Response {
    let mut template = None;
    let mut response = match serve(state, req, &mut template).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    if let Some(t) = template {
        response.extensions_mut().insert(t);
    }
    response
}

async fn serve(
    state: Arc<GraphState>,
    req: Request,
    template: &mut Option<RouteTemplate>,
) -> GraphResult<Response> {
    let (parts, body) = req.into_parts();
    let segs = route::segments(parts.uri.path())?;
    let raw_query = parts.uri.query().unwrap_or_default().to_string();
    let ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());

    match segs.first().map(String::as_str) {
        Some("uploadsessions") if segs.len() == 2 => {
            ensure_served(UPLOAD, &parts.method)?;
            let answer = uploads::handle(
                &state.app,
                &parts.method,
                &segs[1],
                &raw_query,
                &parts.headers,
                body,
            )
            .await;
            // A refused PUT may leave part of its body unread: close the connection rather than let the client
            // reuse it mid-body.
            return Ok(match answer {
                Ok(r) => r,
                Err(e) if parts.method == Method::PUT => {
                    let mut r = e.into_response();
                    r.headers_mut().insert(
                        axum::http::header::CONNECTION,
                        axum::http::HeaderValue::from_static("close"),
                    );
                    r
                }
                Err(e) => e.into_response(),
            });
        }
        Some("downloads") if segs.len() == 2 => {
            ensure_served(DOWNLOAD, &parts.method)?;
            return downloads::handle(&state.app, &parts.method, &segs[1], &raw_query, &parts.headers).await;
        }
        Some("healthz") if segs.len() == 1 => {
            ensure_served(HEALTH, &parts.method)?;
            return Ok((StatusCode::OK, "ok").into_response());
        }
        // Ready: the database answers and holds this binary's migrations; otherwise 503 with the reason.
        Some("readyz") if segs.len() == 1 => {
            ensure_served(READY, &parts.method)?;
            return Ok(match state.app.readiness().await {
                Ok(()) => (StatusCode::OK, "ready").into_response(),
                // The reason may name database hosts: it goes to the log, not to whoever asks.
                Err(e) => {
                    tracing::warn!(error = %e, "not ready");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "not ready (the server log says why)",
                    )
                        .into_response()
                }
            });
        }
        _ => {}
    }
    let version = match segs.first().map(String::as_str) {
        Some("v1.0") => Version::V1,
        Some("beta") => Version::Beta,
        _ => {
            return Err(GraphError::not_found(
                "Unknown API version or path; use /v1.0 or /beta.",
            ));
        }
    };
    let path_segs: Vec<&str> = segs[1..].iter().map(String::as_str).collect();
    let (route, row) = route_table::lookup(&path_segs).ok_or_else(|| {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!(
                "Resource not found for the segment path '{}'.",
                segs[1..].join("/")
            ),
        )
    })?;
    *template = Some(RouteTemplate(row.label(version, &route)));
    // Graph serves its CSDL to anyone: OData tools and code generators read it before they hold a token.
    if route == Route::Metadata {
        return match row.answers(&parts.method) {
            true => Ok(metadata::respond(version, &parts.headers)),
            false => Err(GraphError::method_not_allowed(row.allow_header())),
        };
    }
    let caller = authenticate(&state.verifier, &parts.headers, ip).await?;
    state.app.remember_user(&caller).await?;
    // A method the route does not answer is a 405 whatever the query or body say (HEAD is GET without a body). A
    // β-only route reached on v1.0 is not served there at all: its handler says so, whatever the method.
    let served_here = !(row.versions == route_table::Versions::BetaOnly && version == Version::V1);
    if served_here && !row.answers(&parts.method) {
        return Err(GraphError::method_not_allowed(row.allow_header()));
    }
    if raw_query.to_ascii_lowercase().contains("%00") {
        return Err(GraphError::bad_request(
            "Query options must not contain NUL characters.",
        ));
    }
    let query = platen_odata::parse_query(&raw_query)?;
    // Every answer is JSON, whatever the route: a `$format` asking for anything else is refused here, once.
    crate::in_memory::ensure_json_format(&query)?;
    // `$id` names the reference a `DELETE …/$ref` removes; on any other request it would mean nothing.
    let removes_a_ref = parts.method == Method::DELETE
        && matches!(route, Route::AllowedUsersRef(_) | Route::AllowedGroupsRef(_));
    if query.id.is_some() && !removes_a_ref {
        return Err(GraphError::bad_request(
            "$id is accepted only by DELETE …/allowedUsers/$ref and …/allowedGroups/$ref.",
        ));
    }
    let body = read_body(body, state.max_json_body).await?;
    let path = segs[1..].join("/");
    let content_type = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let base_url = match parts.extensions.get::<ConnectionInfo>() {
        Some(conn) => conn.public_url(&state.public_url, state.tls_public_url.as_deref()),
        None => &state.public_url,
    }
    .to_string();
    let ctx = Ctx {
        base_url,
        state,
        version,
        caller,
        query,
        raw_query,
        path,
        content_type,
    };
    call(&ctx, &parts.method, route, row, &body).await
}

/// A request body read whole, up to `limit` bytes: 413 beyond, 408 when it stalls (the server's body idle
/// timeout), 400 when it breaks off.
pub(crate) async fn read_body(body: Body, limit: usize) -> GraphResult<Bytes> {
    use platen_app::connection::BodyFailure;
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|e| match BodyFailure::of(&e) {
            BodyFailure::TooLarge => GraphError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "requestEntityTooLarge",
                format!("The request body exceeds {limit} bytes."),
            ),
            BodyFailure::Idle => GraphError::new(
                StatusCode::REQUEST_TIMEOUT,
                "requestTimeout",
                format!("The request body stopped arriving: {e}."),
            ),
            BodyFailure::Broken => {
                GraphError::bad_request(format!("The request body could not be read: {e}."))
            }
        })
}

async fn call(
    ctx: &Ctx,
    method: &Method,
    route: Route,
    row: &'static GraphRoute,
    body: &Bytes,
) -> GraphResult<Response> {
    use Method as M;
    use Route as R;
    // HEAD is GET without a body (hyper drops the body of HEAD responses).
    let m = if method == M::HEAD { M::GET } else { method.clone() };
    match (route, m) {
        (R::Print, M::GET) => print::get_print(ctx).await,
        (R::Settings, M::GET) => print::get_settings(ctx).await,
        (R::Settings, M::PATCH) => print::patch_settings(ctx, body).await,
        (R::Services, M::GET) => print::services(ctx).await,
        (R::ServicesCount, M::GET) => print::services_count(ctx).await,
        (R::Service(id), M::GET) => print::service(ctx, &id).await,
        (R::Endpoints(id), M::GET) => print::endpoints(ctx, &id).await,
        (R::EndpointsCount(id), M::GET) => print::endpoints_count(ctx, &id).await,
        (R::Endpoint(id, e), M::GET) => print::endpoint(ctx, &id, &e).await,

        (R::Printers, M::GET) => printers::list(ctx).await,
        (R::Printers, M::POST) => printers::create_via_collection(),
        (R::PrintersCount, M::GET) => printers::count(ctx).await,
        (R::PrinterCreate, M::POST) => printers::create(ctx, body).await,
        (R::Printer(id), M::GET) => printers::get(ctx, &id).await,
        (R::Printer(id), M::PATCH) => printers::update(ctx, &id, body).await,
        (R::Printer(id), M::DELETE) => printers::delete(ctx, &id).await,
        (R::PrinterRestoreDefaults(id), M::POST) => printers::restore_defaults(ctx, &id, body).await,
        (R::PrinterCapabilities(id), M::GET) => printers::capabilities(ctx, &id).await,
        (R::PrinterConnectors(id), M::GET) => printers::connectors(ctx, &id, None).await,
        (R::PrinterConnectorsCount(id), M::GET) => printers::connectors_count(ctx, &id).await,
        (R::PrinterConnector(id, c), M::GET) => printers::connectors(ctx, &id, Some(&c)).await,
        (R::PrinterShares(id), M::GET) => printers::shares(ctx, &id, None, false).await,
        (R::PrinterSharesCount(id), M::GET) => printers::shares_count(ctx, &id).await,
        (R::PrinterShare(id, s), M::GET) => printers::shares(ctx, &id, Some(&s), false).await,
        (R::PrinterSingleShare(id), M::GET) if ctx.version == Version::Beta => {
            printers::shares(ctx, &id, None, true).await
        }
        (R::Operation(id), M::GET) => printers::operation(ctx, &id).await,

        (R::Jobs(t), M::GET) => jobs::list(ctx, &t).await,
        (R::Jobs(t), M::POST) => jobs::create(ctx, &t, body).await,
        (R::JobsCount(t), M::GET) => jobs::count(ctx, &t).await,
        (R::Job(t, j), M::GET) => jobs::get(ctx, &t, &j).await,
        (R::Job(t, j), M::PATCH) => jobs::update(ctx, &t, &j, body).await,
        (R::JobAction(t, j, a), M::POST) => jobs::action(ctx, &t, &j, a, body).await,
        (R::JobTasks(t, j), M::GET) => jobs::tasks(ctx, &t, &j).await,
        (R::JobTasksCount(t, j), M::GET) => jobs::tasks_count(ctx, &t, &j).await,
        (R::Documents(t, j), M::GET) => documents::list(ctx, &t, &j).await,
        (R::DocumentsCount(t, j), M::GET) => documents::count(ctx, &t, &j).await,
        (R::Document(t, j, d), M::GET) => documents::get(ctx, &t, &j, &d).await,
        (R::Document(t, j, d), M::PATCH) => documents::update(ctx, &t, &j, &d, body).await,
        (R::DocumentValue(t, j, d), M::GET) => documents::download(ctx, &t, &j, &d).await,
        (R::CreateUploadSession(t, j, d), M::POST) => {
            documents::create_upload_session(ctx, &t, &j, &d, body).await
        }

        (R::Shares, M::GET) => shares::list(ctx).await,
        (R::Shares, M::POST) => shares::create(ctx, body).await,
        (R::SharesCount, M::GET) => shares::count(ctx).await,
        (R::Share(id), M::GET) => shares::get(ctx, &id).await,
        (R::Share(id), M::PATCH) => shares::update(ctx, &id, body).await,
        (R::Share(id), M::DELETE) => shares::delete(ctx, &id).await,
        (R::SharePrinter(id), M::GET) => shares::printer(ctx, &id).await,
        (R::SharePrinterRef(id), M::GET) => shares::printer_ref(ctx, &id).await,
        (R::AllowedUsersRef(s), M::GET) => shares::allowed_refs(ctx, &s, false).await,
        (R::AllowedGroupsRef(s), M::GET) => shares::allowed_refs(ctx, &s, true).await,
        (R::AllowedUsers(s), M::GET) => shares::allowed_users(ctx, &s).await,
        (R::AllowedUsersCount(s), M::GET) => shares::member_count(ctx, &s, false).await,
        (R::AllowedUsersRef(s), M::POST) => shares::add_user(ctx, &s, body).await,
        (R::AllowedUsersRef(s), M::DELETE) => shares::remove_ref(ctx, &s, false).await,
        (R::AllowedUser(s, u), M::DELETE) => shares::remove_user(ctx, &s, &u).await,
        (R::AllowedGroups(s), M::GET) => shares::allowed_groups(ctx, &s).await,
        (R::AllowedGroupsCount(s), M::GET) => shares::member_count(ctx, &s, true).await,
        (R::AllowedGroupsRef(s), M::POST) => shares::add_group(ctx, &s, body).await,
        (R::AllowedGroupsRef(s), M::DELETE) => shares::remove_ref(ctx, &s, true).await,
        (R::AllowedGroup(s, g), M::DELETE) => shares::remove_group(ctx, &s, &g).await,
        (R::ProvisioningErrors(s, list, m), M::GET) => provisioning_errors::list(ctx, &s, list, &m).await,
        (R::ProvisioningErrorsCount(s, list, m), M::GET) => {
            provisioning_errors::count(ctx, &s, list, &m).await
        }
        (R::UserPrint(u), M::GET) => user_print::get(ctx, u.as_deref()).await,
        (R::RecentShares(u), M::GET) => user_print::recent_shares(ctx, u.as_deref()).await,

        (R::TaskDefinitions, M::GET) => pull::list_definitions(ctx).await,
        (R::TaskDefinitions, M::POST) => pull::create_definition(ctx, body).await,
        (R::TaskDefinitionsCount, M::GET) => pull::definitions_count(ctx).await,
        (R::TaskDefinition(d), M::GET) => pull::get_definition(ctx, &d).await,
        (R::TaskDefinition(d), M::PATCH) => pull::update_definition(ctx, &d, body).await,
        (R::TaskDefinition(d), M::DELETE) => pull::delete_definition(ctx, &d).await,
        (R::Tasks(d), M::GET) => pull::list_tasks(ctx, &d).await,
        (R::TasksCount(d), M::GET) => pull::tasks_count(ctx, &d).await,
        (R::Task(d, t), M::GET) => pull::get_task(ctx, &d, &t).await,
        (R::Task(d, t), M::PATCH) => pull::update_task(ctx, &d, &t, body).await,
        (R::TaskNav(d, t, nav), M::GET) => pull::task_nav(ctx, &d, &t, nav).await,
        (R::TaskTriggers(p), M::GET) => pull::list_triggers(ctx, &p).await,
        (R::TaskTriggers(p), M::POST) => pull::create_trigger(ctx, &p, body).await,
        (R::TaskTriggersCount(p), M::GET) => pull::triggers_count(ctx, &p).await,
        (R::TaskTrigger(p, t), M::GET) => pull::get_trigger(ctx, &p, &t).await,
        (R::TaskTrigger(p, t), M::DELETE) => pull::delete_trigger(ctx, &p, &t).await,
        (R::TaskTriggerDefinition(p, t), M::GET) => pull::trigger_definition(ctx, &p, &t).await,
        (R::JobTask(t, j, k, nav), M::GET) => jobs::task(ctx, &t, &j, &k, nav).await,

        (R::Subscriptions, M::GET) => subscriptions::list(ctx).await,
        (R::Subscriptions, M::POST) => subscriptions::create(ctx, body).await,
        (R::Subscription(id), M::GET) => subscriptions::get(ctx, &id).await,
        (R::Subscription(id), M::PATCH) => subscriptions::update(ctx, &id, body).await,
        (R::Subscription(id), M::DELETE) => subscriptions::delete(ctx, &id).await,

        (R::Report { path, under_print }, M::GET) => reports::handle(ctx, path, under_print).await,

        (R::Connectors, M::GET) => connectors::list(ctx).await,
        (R::Connectors, M::POST) => connectors::create(ctx, body).await,
        (R::ConnectorsCount, M::GET) => connectors::count(ctx).await,
        (R::Connector(id), M::GET) => connectors::get(ctx, &id).await,
        (R::Connector(id), M::PATCH) => connectors::update(ctx, &id, body).await,
        (R::Connector(id), M::DELETE) => connectors::delete(ctx, &id).await,

        // v1.0 has no printer.share; on beta it is read-only (no documented operation changes or deletes it, so
        // other methods get the 405 below).
        (R::PrinterSingleShare(_), _) if ctx.version == Version::V1 => Err(GraphError::not_found(
            "printer.share is a beta navigation; use /beta.",
        )),
        _ => Err(GraphError::method_not_allowed(row.allow_header())),
    }
}
