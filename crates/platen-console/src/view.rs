//! What every page shares: the layout's data, rendering with the console's security headers, and turning a
//! handler's result into a response.

use crate::error::{ConsoleError, failure};
use crate::session::Visit;
use crate::{ConsoleState, Shared, assets};
use askama::Template;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use platen_domain::time::Micros;

/// The layout's data (`templates/base.html`).
pub(crate) struct Layout {
    pub title: String,
    /// The console's base path, for links.
    pub base: String,
    pub css: String,
    pub js: String,
    /// Who is signed in (display name, else UPN), if anybody.
    pub user: Option<String>,
    pub admin: bool,
    pub csrf: String,
    /// The navigation entry to mark as current.
    pub section: &'static str,
}

impl Layout {
    pub fn anonymous(state: &ConsoleState, title: &str) -> Self {
        let base = state.config.base_path.clone();
        Self {
            title: title.to_string(),
            css: format!("{base}/assets/{}", assets::versioned(".css")),
            js: format!("{base}/assets/{}", assets::versioned(".js")),
            base,
            user: None,
            admin: false,
            csrf: String::new(),
            section: "",
        }
    }

    pub fn of(state: &ConsoleState, visit: &Visit, title: &str, section: &'static str) -> Self {
        let s = &visit.session;
        Self {
            user: Some(
                s.display_name
                    .clone()
                    .or_else(|| s.user_principal_name.clone())
                    .unwrap_or_else(|| s.user_id.clone()),
            ),
            admin: visit.is_admin(),
            csrf: visit.csrf.clone(),
            section,
            ..Self::anonymous(state, title)
        }
    }
}

/// A page, with headers that keep it out of caches and frames and allow only the console's own script and style.
pub(crate) fn render_status<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => {
            let mut r = (status, html).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                     frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
                ),
            );
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering a console page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be rendered.",
            )
                .into_response()
        }
    }
}

pub(crate) fn render<T: Template>(page: &T) -> Response {
    render_status(StatusCode::OK, page)
}

/// A handler's result as the response: failures become their page, with the signed-in user's navigation when
/// there is one.
pub(crate) async fn respond(
    state: &Shared,
    parts: &Parts,
    result: Result<Response, ConsoleError>,
) -> Response {
    match result {
        Ok(r) => r,
        Err(ConsoleError::SignInRequired) => failure(state, parts, None, ConsoleError::SignInRequired),
        Err(e) => {
            let visit = crate::session::visit(state, parts).await.ok();
            failure(state, parts, visit.as_ref(), e)
        }
    }
}

/// After a change made by a form: back to the page it came from (303, so a reload does not repeat it).
pub(crate) fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// A time for people: `2026-12-06 15:04 UTC` (Graph's timestamp cut to the minute).
pub(crate) fn when(at: Micros) -> String {
    let graph = platen_domain::time::to_graph(at);
    let minute = graph.get(..16).unwrap_or(&graph);
    format!("{} UTC", minute.replace('T', " "))
}

/// The start of a day (UTC) as an OData date/time literal, for date filters.
pub(crate) fn start_of(day: chrono::NaiveDate) -> platen_odata::Literal {
    platen_odata::Literal::DateTime(day.and_time(chrono::NaiveTime::MIN).and_utc())
}
