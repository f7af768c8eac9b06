//! `POST /device/token`: OAuth 2.0 JWT bearer grant (RFC 7523 §2.1), also accepting the client-credentials form
//! with a `client_assertion` (RFC 7523 §2.2). Errors follow RFC 6749 §5.2.

use crate::IppState;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[derive(Deserialize)]
pub struct TokenRequest {
    grant_type: Option<String>,
    assertion: Option<String>,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
}

/// The form fields of a token request (RFC 7523 §2.1, or client credentials with a client assertion).
pub(crate) fn request_schema() -> serde_json::Value {
    serde_json::json!({"type": "object", "required": ["grant_type"], "properties": {
        "grant_type": {"type": "string"},
        "assertion": {"type": "string"},
        "client_assertion_type": {"type": "string"},
        "client_assertion": {"type": "string"},
    }})
}

/// A successful token answer (RFC 6749 §5.1).
pub(crate) fn response_schema() -> serde_json::Value {
    serde_json::json!({"type": "object", "required": ["access_token", "token_type", "expires_in"], "properties": {
        "access_token": {"type": "string"},
        "token_type": {"type": "string"},
        "expires_in": {"type": "integer"},
    }})
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [("cache-control", "no-store")],
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

pub async fn handle(
    State(state): State<Arc<IppState>>,
    form: Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(req)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "expected an application/x-www-form-urlencoded body",
        );
    };
    let assertion = match (
        req.grant_type.as_deref(),
        req.assertion,
        req.client_assertion_type.as_deref(),
        req.client_assertion,
    ) {
        (Some(JWT_BEARER), Some(a), _, _) => a,
        (Some("client_credentials"), _, Some(ASSERTION_TYPE), Some(a)) => a,
        (Some(JWT_BEARER | "client_credentials"), ..) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the assertion is missing",
            );
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "use the jwt-bearer grant",
            );
        }
    };
    let audience = format!("{}/device/token", state.public_url);
    match state.app.issue_device_token(&assertion, &audience).await {
        Ok((token, lifetime)) => (
            StatusCode::OK,
            [("cache-control", "no-store")],
            axum::Json(
                json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime.as_secs()}),
            ),
        )
            .into_response(),
        Err(platen_app::AppError::Forbidden(m)) => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", &m),
        Err(e) => {
            tracing::error!(error = %e, "device token issuance failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the token could not be issued",
            )
        }
    }
}
