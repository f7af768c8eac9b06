//! The Entra ID access-token claims Platen reads, and how they become a [`Principal`].

use chrono::DateTime;
use serde::Deserialize;

use crate::error::AuthError;
use crate::principal::{Principal, TokenKind};

/// `idtyp` value Entra puts into app-only tokens.
const APP_IDENTITY_TYPE: &str = "app";

/// Claims of a token whose signature, lifetime, issuer and audience have been verified.
/// Unknown claims are ignored; known ones with the wrong JSON type make the token malformed.
#[derive(Debug, Deserialize)]
pub(crate) struct EntraClaims {
    // Optional here so that their absence is reported as a missing claim by the validation that
    // follows deserialization, not as a generic deserialization failure.
    iss: Option<String>,
    exp: Option<serde_json::Number>,
    tid: Option<String>,
    oid: Option<String>,
    upn: Option<String>,
    preferred_username: Option<String>,
    name: Option<String>,
    appid: Option<String>,
    azp: Option<String>,
    app_displayname: Option<String>,
    scp: Option<String>,
    roles: Option<Vec<String>>,
    wids: Option<Vec<String>>,
    groups: Option<Vec<String>>,
    idtyp: Option<String>,
}

impl EntraClaims {
    pub(crate) fn into_principal(self) -> Result<Principal, AuthError> {
        let expires_at = self
            .exp
            .ok_or(AuthError::MissingClaim("exp"))?
            .as_i64()
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
            .ok_or_else(|| AuthError::Malformed("the exp claim is not a valid timestamp".to_owned()))?;
        let kind = token_kind(self.scp, self.roles, self.idtyp.as_deref())?;
        Ok(Principal {
            tenant_id: non_empty(self.tid).ok_or(AuthError::MissingClaim("tid"))?,
            object_id: non_empty(self.oid).ok_or(AuthError::MissingClaim("oid"))?,
            user_principal_name: non_empty(self.upn).or_else(|| non_empty(self.preferred_username)),
            display_name: non_empty(self.name),
            app_id: non_empty(self.appid).or_else(|| non_empty(self.azp)),
            app_display_name: non_empty(self.app_displayname),
            kind,
            directory_roles: self.wids.unwrap_or_default(),
            groups: self.groups.unwrap_or_default(),
            issuer: self.iss.ok_or(AuthError::MissingClaim("iss"))?,
            expires_at,
        })
    }
}

/// `scp` makes a token delegated (even when it also carries the user's app `roles`); otherwise
/// `roles` or `idtyp=app` make it an application token. Entra omits `roles` from app tokens that
/// were granted no permissions, hence the `idtyp` fallback.
fn token_kind(
    scp: Option<String>,
    roles: Option<Vec<String>>,
    idtyp: Option<&str>,
) -> Result<TokenKind, AuthError> {
    match (scp, roles) {
        (Some(scp), _) => Ok(TokenKind::Delegated {
            scopes: scp.split_whitespace().map(str::to_owned).collect(),
        }),
        (None, Some(roles)) => Ok(TokenKind::Application { roles }),
        (None, None) if idtyp == Some(APP_IDENTITY_TYPE) => Ok(TokenKind::Application { roles: Vec::new() }),
        (None, None) => Err(AuthError::MissingClaim("scp")),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_principal(claims: serde_json::Value) -> Result<Principal, AuthError> {
        serde_json::from_value::<EntraClaims>(claims)
            .unwrap()
            .into_principal()
    }

    #[test]
    fn delegated_v1_token() {
        let principal = to_principal(serde_json::json!({
            "iss": "https://sts.windows.net/t/", "exp": 2_000_000_000, "tid": "t", "oid": "o",
            "upn": "ada@example.com", "preferred_username": "other", "name": "Ada", "appid": "app",
            "scp": "PrintJob.Create  Printer.Read.All", "wids": ["w"], "groups": ["g"], "roles": ["AppRole"]
        }))
        .unwrap();
        assert_eq!(
            principal.kind,
            TokenKind::Delegated {
                scopes: vec!["PrintJob.Create".into(), "Printer.Read.All".into()]
            }
        );
        assert_eq!(principal.user_principal_name.as_deref(), Some("ada@example.com"));
        assert_eq!(principal.app_id.as_deref(), Some("app"));
        assert_eq!(principal.directory_roles, ["w"]);
        assert_eq!(principal.groups, ["g"]);
        assert_eq!(principal.expires_at.timestamp(), 2_000_000_000);
    }

    #[test]
    fn application_v2_token_and_permissionless_app_token() {
        let principal = to_principal(serde_json::json!({
            "iss": "i", "exp": 1, "tid": "t", "oid": "o", "azp": "app", "roles": ["Printer.ReadWrite.All"],
            "app_displayname": "Release Station"
        }))
        .unwrap();
        assert_eq!(
            principal.kind,
            TokenKind::Application {
                roles: vec!["Printer.ReadWrite.All".into()]
            }
        );
        assert_eq!(principal.app_id.as_deref(), Some("app"));
        assert_eq!(principal.app_display_name.as_deref(), Some("Release Station"));
        assert_eq!(principal.user_principal_name, None);

        let bare =
            to_principal(serde_json::json!({"iss": "i", "exp": 1, "tid": "t", "oid": "o", "idtyp": "app"}))
                .unwrap();
        assert_eq!(bare.kind, TokenKind::Application { roles: Vec::new() });
    }

    #[test]
    fn missing_identity_claims() {
        let base = |remove: &str| {
            let mut claims = serde_json::json!({"iss": "i", "exp": 1, "tid": "t", "oid": "o", "scp": "x"});
            claims.as_object_mut().unwrap().remove(remove);
            to_principal(claims)
        };
        assert!(matches!(base("tid"), Err(AuthError::MissingClaim("tid"))));
        assert!(matches!(base("oid"), Err(AuthError::MissingClaim("oid"))));
        assert!(matches!(base("scp"), Err(AuthError::MissingClaim("scp"))));
        let empty_tid =
            to_principal(serde_json::json!({"iss": "i", "exp": 1, "tid": "", "oid": "o", "scp": ""}));
        assert!(matches!(empty_tid, Err(AuthError::MissingClaim("tid"))));
        let fractional_exp =
            to_principal(serde_json::json!({"iss": "i", "exp": 1.5, "tid": "t", "oid": "o", "scp": ""}));
        assert!(matches!(fractional_exp, Err(AuthError::Malformed(_))));
    }
}
