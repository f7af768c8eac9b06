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
    /// Too many failed attempts (a release PIN): refused unchecked for a while.
    TooManyAttempts(String),
    /// Something outside Platen (an identity provider) failed.
    Unavailable(String),
    Internal(String),
}

impl From<AppError> for ConsoleError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(m) | AppError::Gone(m) => ConsoleError::NotFound(m),
            AppError::Forbidden(m) | AppError::PolicyRefused(m) | AppError::QuotaExceeded(m) => {
                ConsoleError::Forbidden(m)
            }
            AppError::Conflict(m) => ConsoleError::Conflict(m),
            AppError::BadRequest { message, .. } => ConsoleError::BadRequest(message),
            AppError::UnsupportedSetting(u) => ConsoleError::BadRequest(u.to_string()),
            AppError::Refused(r) => ConsoleError::Conflict(platen_app::describe_refusal(r)),
            AppError::Throttled { message, .. } => ConsoleError::Conflict(message),
            e @ AppError::TooManyFailures { .. } => ConsoleError::TooManyAttempts(e.to_string()),
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

/// How a failure is told: its status, a heading, the sentence saying what happened, and what to do.
pub(crate) struct Telling<'a> {
    pub status: StatusCode,
    pub heading: &'static str,
    pub message: &'a str,
    pub advice: &'static str,
}

impl ConsoleError {
    pub(crate) fn telling(&self) -> Telling<'_> {
        let t = |status, heading, message, advice| Telling {
            status,
            heading,
            message,
            advice,
        };
        match self {
            ConsoleError::SignInRequired => t(
                StatusCode::UNAUTHORIZED,
                "Please sign in",
                "Your sign-in has ended.",
                "Sign in again, then repeat what you were doing.",
            ),
            ConsoleError::BadRequest(m) => t(
                StatusCode::BAD_REQUEST,
                "That did not work",
                m,
                "Correct the form and try again.",
            ),
            ConsoleError::Forbidden(m) => t(
                StatusCode::FORBIDDEN,
                "Not allowed",
                m,
                "If you need this, ask a Printer Administrator of your organisation.",
            ),
            ConsoleError::NotFound(m) => t(
                StatusCode::NOT_FOUND,
                "Not found",
                m,
                "It may have been deleted. Go back to the list and reload it.",
            ),
            ConsoleError::Conflict(m) => t(
                StatusCode::CONFLICT,
                "That cannot be done now",
                m,
                "Reload the page to see the current state.",
            ),
            ConsoleError::TooManyAttempts(m) => t(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                m,
                "Wait a few minutes, then try again.",
            ),
            ConsoleError::Unavailable(m) => t(
                StatusCode::BAD_GATEWAY,
                "Sign-in service unavailable",
                m,
                "Try again in a minute; if it persists, tell your administrator.",
            ),
            ConsoleError::Internal(m) => t(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                m,
                "Try again in a moment; if it persists, tell your administrator.",
            ),
        }
    }
}

/// Renders a failure of a request (`parts`) as its page, or a redirect to the sign-in page.
pub(crate) fn failure(state: &Shared, parts: &Parts, visit: Option<&Visit>, e: ConsoleError) -> Response {
    if matches!(e, ConsoleError::SignInRequired) && parts.method == axum::http::Method::GET {
        let back = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let target = format!(
            "{}?return={}",
            state.config.path("/sign-in"),
            percent_encoding::utf8_percent_encode(back, percent_encoding::NON_ALPHANUMERIC)
        );
        return Redirect::to(&target).into_response();
    }
    let Telling {
        status,
        heading,
        message,
        advice,
    } = e.telling();
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
