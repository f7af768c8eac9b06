//! Platen's web console, served by `platen serve` at `{public_url}/console/`.
//!
//! Server-rendered HTML from compile-checked askama templates (`templates/`), one module per page area, a small
//! stylesheet and a small script of our own (`assets/`) embedded in the binary under content-hashed names.
//! Every page acts as the signed-in user through Platen's use cases ([`platen_app::App`]) and the same
//! permission rules as Graph; the console never touches the store. Sessions and CSRF live in [`session`], the
//! error pages in [`error`], sign-in (OpenID Connect with PKCE, and the development issuer's page) in
//! [`sign_in`] and [`oidc`].

mod admin;
mod assets;
mod error;
mod home;
mod jobs;
mod live;
mod oidc;
mod passwords;
mod print;
mod release_station;
mod session;
mod sign_in;
mod view;

#[cfg(test)]
mod tests;

use axum::Router;
use axum::routing::{get, post};
use platen_app::App;
use platen_auth::{DevIssuer, Verifier};
use std::sync::Arc;
use std::time::Duration;

pub use assets::total_size as asset_bytes;
pub use oidc::OidcProvider;

/// How the console is served.
#[derive(Clone)]
pub struct ConsoleConfig {
    /// Where the console lives under the public URL, e.g. `/console` (no trailing slash).
    pub base_path: String,
    /// Platen's public URL (scheme, host, port), for redirect URIs and the origin check of forms.
    pub public_url: String,
    /// How long a sign-in lasts.
    pub session_lifetime: Duration,
    /// OpenID Connect providers people sign in with.
    pub providers: Vec<OidcProvider>,
    /// The development issuer, when `trust_dev_issuer` is on: it gets its own sign-in page.
    pub dev_issuer: Option<DevIssuer>,
}

impl ConsoleConfig {
    /// A path under the console.
    pub(crate) fn path(&self, rest: &str) -> String {
        format!("{}{rest}", self.base_path)
    }
}

/// What every console handler gets.
pub struct ConsoleState {
    pub app: App,
    pub verifier: Verifier,
    pub config: ConsoleConfig,
    pub(crate) http: reqwest::Client,
    pub(crate) discovery: oidc::DiscoveryCache,
}

impl ConsoleState {
    pub fn new(app: App, verifier: Verifier, config: ConsoleConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("platen-console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the console's HTTP client: {e}"))?;
        Ok(Self {
            app,
            verifier,
            config,
            http,
            discovery: oidc::DiscoveryCache::default(),
        })
    }
}

pub(crate) type Shared = Arc<ConsoleState>;

/// Every console route, under `config.base_path`.
pub fn router(state: ConsoleState) -> Router {
    let p = |rest: &str| state.config.path(rest);
    let base = state.config.base_path.clone();
    Router::new()
        .route(&base, get(home::to_home))
        .route(&p("/"), get(home::page))
        .route(&p("/assets/{name}"), get(assets::serve))
        .route(&p("/sign-in"), get(sign_in::page))
        .route(&p("/sign-in/dev"), post(sign_in::dev))
        .route(&p("/sign-in/oidc/{provider}"), get(sign_in::start_oidc))
        .route(&p("/auth/callback"), get(sign_in::callback))
        .route(&p("/sign-out"), post(sign_in::sign_out))
        .route(&p("/jobs"), get(jobs::mine))
        .route(&p("/jobs/{id}/cancel"), post(jobs::cancel))
        .route(&p("/jobs/{id}/release"), post(jobs::release))
        .route(&p("/live"), get(live::events))
        .route(&p("/print"), get(print::page))
        .route(&p("/print/jobs"), post(print::create))
        .route(&p("/print/jobs/{id}/start"), post(print::start))
        .route(&p("/passwords"), get(passwords::page).post(passwords::create))
        .route(&p("/passwords/{id}/revoke"), post(passwords::revoke))
        .route(&p("/passwords/release-pin"), post(passwords::set_pin))
        .route(&p("/passwords/release-pin/delete"), post(passwords::delete_pin))
        .route(
            &p("/release/{printer}"),
            get(release_station::page).post(release_station::release),
        )
        .route(&p("/release/{printer}/mine"), get(release_station::mine))
        .route(&p("/admin/printers"), get(admin::printers::list))
        .route(&p("/admin/printers/{id}"), get(admin::printers::detail))
        .route(&p("/admin/printers/{id}/rename"), post(admin::printers::rename))
        .route(
            &p("/admin/printers/{id}/accepting"),
            post(admin::printers::accepting),
        )
        .route(
            &p("/admin/printers/{id}/secure-release"),
            post(admin::printers::secure_release),
        )
        .route(&p("/admin/printers/{id}/delete"), post(admin::printers::delete))
        .route(&p("/admin/printers/{id}/share"), post(admin::shares::create))
        .route(&p("/admin/shares"), get(admin::shares::list))
        .route(&p("/admin/shares/{id}"), get(admin::shares::detail))
        .route(&p("/admin/shares/{id}/users"), post(admin::shares::allow_user))
        .route(
            &p("/admin/shares/{id}/users/{user}/remove"),
            post(admin::shares::remove_user),
        )
        .route(&p("/admin/shares/{id}/groups"), post(admin::shares::allow_group))
        .route(
            &p("/admin/shares/{id}/groups/{group}/remove"),
            post(admin::shares::remove_group),
        )
        .route(&p("/admin/shares/{id}/delete"), post(admin::shares::delete))
        .route(&p("/admin/jobs"), get(jobs::all))
        .route(&p("/admin/connectors"), get(admin::connectors::list))
        .route(&p("/admin/usage"), get(admin::usage::page))
        .route(&p("/admin/apps"), get(admin::apps::page))
        .route(
            &p("/admin/policies"),
            get(admin::policies::page).post(admin::policies::create),
        )
        .route(&p("/admin/policies/{id}/delete"), post(admin::policies::delete))
        .route(
            &p("/admin/quotas"),
            get(admin::quotas::page).post(admin::quotas::create),
        )
        .route(&p("/admin/quotas/{id}/delete"), post(admin::quotas::delete))
        .route(&p("/admin/quotas/credits"), post(admin::quotas::credit))
        .route(&p("/admin/app-printing"), post(admin::policies::switch))
        .route(&p("/admin/app-printing/grants"), post(admin::policies::grant))
        .route(
            &p("/admin/app-printing/grants/{id}/revoke"),
            post(admin::policies::revoke),
        )
        .route(&p("/{*rest}"), get(error::not_found).post(error::not_found))
        .with_state(Arc::new(state))
}
