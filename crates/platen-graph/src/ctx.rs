//! The per-request context handlers receive: who is calling (from a verified bearer token), which API
//! version, the parsed OData options, and how to build absolute URLs.

use crate::error::{GraphError, GraphResult};
use crate::route::Version;
use axum::http::HeaderMap;
use platen_app::App;
use platen_app::JobTarget;
use platen_auth::Verifier;
use platen_domain::permissions::{Access, authorize, authorize_job};
use platen_domain::{Caller, Operation};
use platen_odata::{QueryOption, QueryOptions};
use std::sync::Arc;

pub struct GraphState {
    pub app: App,
    pub verifier: Verifier,
    /// Absolute base URL clients reach Platen at, without a trailing slash.
    pub public_url: String,
    /// The TLS listener's absolute base URL, when TLS is on: clients that came over TLS get links to it.
    pub tls_public_url: Option<String>,
    /// Largest JSON request body accepted.
    pub max_json_body: usize,
}

pub struct Ctx {
    pub state: Arc<GraphState>,
    pub version: Version,
    pub caller: Caller,
    pub query: QueryOptions,
    /// The raw query string, kept to rebuild `@odata.nextLink`.
    pub raw_query: String,
    /// The normalised request path under the version root (e.g. `print/printers`).
    pub path: String,
    /// The request's media type (`Content-Type` without parameters, lower case), if it named one.
    pub content_type: Option<String>,
    /// The public URL of the listener the request came on (no trailing slash): absolute links start here.
    pub base_url: String,
}

impl Ctx {
    pub fn app(&self) -> &App {
        &self.state.app
    }

    /// `{base_url}/{version}`: the service root.
    pub fn root(&self) -> String {
        format!("{}/{}", self.base_url, self.version.as_str())
    }

    pub fn context(&self, fragment: &str) -> String {
        format!("{}/$metadata#{fragment}", self.root())
    }

    pub fn authorize(&self, op: Operation) -> GraphResult<Access> {
        Ok(authorize(&self.caller, op)?)
    }

    /// A job operation (`permissions::JOB_OPERATIONS`): its own permissions, and the Get-printer or
    /// Get-printerShare permission the collection addressing the job needs. When the contract refuses an
    /// application, app printing (a tenant's opt-in) may still let it submit jobs through a granted share;
    /// with the tenant's switch off the contract's refusal stands as it is.
    pub async fn authorize_job(&self, op: Operation, target: &JobTarget) -> GraphResult<Access> {
        match authorize_job(&self.caller, op, target.path()) {
            Ok(access) => Ok(access),
            Err(denied) => match self
                .app()
                .app_printing_access(&self.caller, op, target.path())
                .await?
            {
                Some(decided) => Ok(decided?),
                None => Err(denied.into()),
            },
        }
    }

    /// For routes documented with either of two operations' permissions (see `permissions::READ_PRINTER`).
    pub fn authorize_first(&self, ops: &[Operation]) -> GraphResult<(Operation, Access)> {
        Ok(platen_domain::permissions::authorize_first(&self.caller, ops)?)
    }

    pub fn tenant(&self) -> &str {
        &self.caller.tenant_id
    }

    /// Rejects the OData options the spec lists as unsupported for this operation.
    pub fn reject(&self, unsupported: &[QueryOption]) -> GraphResult<()> {
        Ok(self.query.ensure_supported(unsupported)?)
    }

    /// Single-entity reads take only `$select`, `$expand` (and `$format`).
    pub fn entity_options_only(&self) -> GraphResult<()> {
        use QueryOption::*;
        self.reject(&[Filter, OrderBy, Top, Skip, SkipToken, Count, Search])
    }

    /// Actions and writes take no query options at all.
    pub fn no_options(&self) -> GraphResult<()> {
        self.reject(&QueryOption::ALL)
    }
}

/// Validates the bearer token and turns it into the domain's [`Caller`].
pub async fn authenticate(
    verifier: &Verifier,
    headers: &HeaderMap,
    ip: Option<String>,
) -> GraphResult<Caller> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = match header {
        Some(h) if h.len() > 7 && h[..7].eq_ignore_ascii_case("bearer ") => h[7..].trim(),
        Some(_) => {
            return Err(GraphError::unauthenticated(
                "The Authorization header must carry a bearer token.",
                r#"Bearer realm="platen", error="invalid_request""#.into(),
            ));
        }
        None => {
            let e = platen_auth::AuthError::Missing;
            return Err(GraphError::unauthenticated(e.message(), e.www_authenticate()));
        }
    };
    let principal = verifier.verify(token).await.map_err(|e| {
        if e.is_client_error() {
            GraphError::unauthenticated(e.message(), e.www_authenticate())
        } else {
            tracing::error!(error = %e, "token validation failed on the server side");
            let mut g = GraphError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "Signing keys of the token's issuer are unavailable; retry later.",
            );
            // The SDKs' retry handlers wait this long; the keys are fetched again after it.
            g.retry_after = Some(platen_auth::KEY_FETCH_RETRY.as_secs().max(1));
            g
        }
    })?;
    Ok(principal.into_caller(ip))
}
