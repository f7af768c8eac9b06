//! Connectors: which Platen connectors are registered and when each last connected.

use crate::Shared;
use crate::jobs::require_admin;
use crate::session::visit;
use crate::view::{Layout, render, respond, when};
use askama::Template;
use axum::extract::State;
use axum::http::request::Parts;
use axum::response::Response;
use platen_domain::permissions::{Operation, authorize};
use platen_store::ListQuery;

pub(crate) struct ConnectorRow {
    pub name: String,
    pub host: String,
    pub version: String,
    pub registered: String,
    pub last_seen: String,
}

#[derive(Template)]
#[template(path = "admin/connectors.html")]
struct ConnectorsPage {
    layout: Layout,
    connectors: Vec<ConnectorRow>,
}

pub(crate) async fn list(State(state): State<Shared>, parts: Parts) -> Response {
    let result = async {
        let visit = visit(&state, &parts).await?;
        require_admin(&visit)?;
        authorize(&visit.caller, Operation::ListConnectors)?;
        let q = ListQuery {
            limit: 100,
            ..ListQuery::default()
        };
        let page = state.app.list_connectors(&visit.caller, &q).await?;
        Ok(render(&ConnectorsPage {
            layout: Layout::of(&state, &visit, "Connectors", "connectors"),
            connectors: page
                .items
                .into_iter()
                .map(|c| ConnectorRow {
                    name: c.display_name,
                    host: c.fully_qualified_domain_name,
                    version: c.app_version,
                    registered: when(c.registered_at),
                    last_seen: c.last_connection_at.map_or_else(|| "never".into(), when),
                })
                .collect(),
        }))
    };
    respond(&state, &parts, result.await).await
}
