//! Every console failure becomes a page with a sentence saying what happened and what to do, in one place.

use crate::Shared;
use crate::session::Visit;
use crate::view::{Layout, render_status};
use askama::Template;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use platen_app::AppError;

#[derive(Debug)]
pub(crate) enum ConsoleError {
    /// No session, or it expired: GET pages send the browser to sign in.
    SignInRequired,
    BadRequest(String),
    Forbidden(String),
    NotFound(String),
    Conflict(String),
    /// Something outside Platen (an identity provider) failed.
    Unavailable(String),
    Internal(String),
}

impl From<AppError> for ConsoleError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(m) => ConsoleError::NotFound(m),
            AppError::Forbidden(m) => ConsoleError::Forbidden(m),
            AppError::Conflict(m) => ConsoleError::Conflict(m),
            AppError::BadRequest { message, .. } => ConsoleError::BadRequest(message),
            AppError::UnsupportedSetting(u) => ConsoleError::BadRequest(u.to_string()),
            AppError::Refused(r) => ConsoleError::Conflict(platen_app::describe_refusal(r)),
            AppError::Throttled { message, .. } => ConsoleError::Conflict(message),
            AppError::Store(platen_store::StoreError::NotFound) => {
                ConsoleError::NotFound("It no longer exists.".into())
            }
            AppError::Store(platen_store::StoreError::Conflict(m)) => ConsoleError::Conflict(m),
            other => {
                tracing::error!(error = %other, "console request failed");
                ConsoleError::Internal(
                    "Platen could not complete this request; try again in a moment.".into(),
                )
            }
        }
    }
}

impl From<platen_domain::permissions::PermissionDenied> for ConsoleError {
    fn from(d: platen_domain::permissions::PermissionDenied) -> Self {
        ConsoleError::Forbidden(d.0)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    heading: &'a str,
    message: &'a str,
    advice: &'a str,
}

/// Renders a failure of a request (`parts`) as its page, or a redirect to the sign-in page.
pub(crate) fn failure(state: &Shared, parts: &Parts, visit: Option<&Visit>, e: ConsoleError) -> Response {
    let (status, heading, message, advice) = match &e {
        ConsoleError::SignInRequired => {
            let back = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let target = format!(
                "{}?return={}",
                state.config.path("/sign-in"),
                percent_encoding::utf8_percent_encode(back, percent_encoding::NON_ALPHANUMERIC)
            );
            if parts.method == axum::http::Method::GET {
                return Redirect::to(&target).into_response();
            }
            (
                StatusCode::UNAUTHORIZED,
                "Please sign in",
                "Your sign-in has ended.",
                "Sign in again, then repeat what you were doing.",
            )
        }
        ConsoleError::BadRequest(m) => (
            StatusCode::BAD_REQUEST,
            "That did not work",
            m.as_str(),
            "Correct the form and try again.",
        ),
        ConsoleError::Forbidden(m) => (
            StatusCode::FORBIDDEN,
            "Not allowed",
            m.as_str(),
            "If you need this, ask a Printer Administrator of your organisation.",
        ),
        ConsoleError::NotFound(m) => (
            StatusCode::NOT_FOUND,
            "Not found",
            m.as_str(),
            "It may have been deleted. Go back to the list and reload it.",
        ),
        ConsoleError::Conflict(m) => (
            StatusCode::CONFLICT,
            "That cannot be done now",
            m.as_str(),
            "Reload the page to see the current state.",
        ),
        ConsoleError::Unavailable(m) => (
            StatusCode::BAD_GATEWAY,
            "Sign-in service unavailable",
            m.as_str(),
            "Try again in a minute; if it persists, tell your administrator.",
        ),
        ConsoleError::Internal(m) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            m.as_str(),
            "Try again in a moment; if it persists, tell your administrator.",
        ),
    };
    let page = ErrorPage {
        layout: match visit {
            Some(v) => Layout::of(state, v, heading, ""),
            None => Layout::anonymous(state, heading),
        },
        heading,
        message,
        advice,
    };
    render_status(status, &page)
}

/// Unknown console paths.
pub(crate) async fn not_found(State(state): State<Shared>, parts: Parts) -> Response {
    let e = ConsoleError::NotFound("There is no console page at this address.".into());
    let mut r = crate::view::respond(&state, &parts, Err(e)).await;
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}
