//! Pull-print apps: every app's task definitions and the printers whose trigger hands jobs to them, and every
//! app's webhook subscriptions (what they watch, where notifications go, until when).

use crate::Shared;
use crate::jobs::require_admin;
use crate::session::visit;
use crate::view::{Layout, render, respond, when};
use askama::Template;
use axum::extract::State;
use axum::http::request::Parts;
use axum::response::Response;

pub(crate) struct DefinitionRow {
    pub id: String,
    pub name: String,
    pub app: String,
    pub created: String,
}

pub(crate) struct SubscriptionRow {
    pub resource: String,
    pub change_type: String,
    pub app: String,
    pub url: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "admin/apps.html")]
struct AppsPage {
    layout: Layout,
    definitions: Vec<DefinitionRow>,
    subscriptions: Vec<SubscriptionRow>,
}

pub(crate) async fn page(State(state): State<Shared>, parts: Parts) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        require_admin(&visit)?;
        let overview = state.app.apps_overview(&visit.caller).await?;
        Ok(render(&AppsPage {
            layout: Layout::of(&state, &visit, "Pull-print apps", "apps"),
            definitions: overview
                .definitions
                .into_iter()
                .map(|d| DefinitionRow {
                    id: d.id,
                    name: d.display_name,
                    app: d.app_display_name.unwrap_or(d.app_id),
                    created: when(d.created_at),
                })
                .collect(),
            subscriptions: overview
                .subscriptions
                .into_iter()
                .map(|s| SubscriptionRow {
                    resource: s.resource,
                    change_type: s.change_type,
                    app: s.app_id,
                    url: s.notification_url,
                    expires: when(s.expires_at),
                })
                .collect(),
        }))
    };
    respond(&state, &parts, result.await).await
}
