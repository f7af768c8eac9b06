//! OpenID Connect ID tokens, for the web console's sign-in: who the user is, as their provider says.

use serde::Deserialize;

/// The claims of a verified ID token that the console reads. Entra ID names the tenant `tid` and the user
/// `oid`; other providers may not, and the console's provider settings say what to use instead.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct IdToken {
    pub iss: String,
    pub sub: Option<String>,
    pub tid: Option<String>,
    pub oid: Option<String>,
    pub upn: Option<String>,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Directory role template ids (Entra's `wids`, an optional claim of ID tokens).
    #[serde(default)]
    pub wids: Vec<String>,
    /// App roles assigned to the user in the provider (Entra's and Keycloak's `roles`).
    #[serde(default)]
    pub roles: Vec<String>,
    pub nonce: Option<String>,
}
