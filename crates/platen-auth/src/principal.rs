//! The authenticated caller, as described by a verified token.

use chrono::{DateTime, Utc};

/// Entra role template id of the Printer Administrator directory role.
pub const PRINTER_ADMINISTRATOR_ROLE: &str = "644ef478-e28f-4e28-b9dc-3fdde9aa0b1f";
/// Entra role template id of the Global Administrator directory role.
pub const GLOBAL_ADMINISTRATOR_ROLE: &str = "62e90394-69f5-4237-9190-012177145e10";

/// Whether a token acts for a signed-in user or for an application alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A user signed in through an app; the token carries delegated scopes (`scp`).
    Delegated {
        /// Permission names from `scp`, e.g. `PrintJob.Create`.
        scopes: Vec<String>,
    },
    /// An app acting as itself; the token carries application permissions (`roles`).
    Application {
        /// Permission names from `roles`, e.g. `Printer.ReadWrite.All`.
        roles: Vec<String>,
    },
}

/// The caller a verified token describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Tenant (`tid`).
    pub tenant_id: String,
    /// User object id, or the service principal's object id for app tokens (`oid`).
    pub object_id: String,
    /// `upn`, falling back to `preferred_username`.
    pub user_principal_name: Option<String>,
    /// `name`.
    pub display_name: Option<String>,
    /// The client application: `appid` (v1 tokens) or `azp` (v2 tokens).
    pub app_id: Option<String>,
    /// The client application's display name (`app_displayname`).
    pub app_display_name: Option<String>,
    /// Delegated or application, with the granted permissions.
    pub kind: TokenKind,
    /// Directory role template ids (`wids`).
    pub directory_roles: Vec<String>,
    /// Group object ids (`groups`).
    pub groups: Vec<String>,
    /// The token's issuer (`iss`).
    pub issuer: String,
    /// When the token expires (`exp`).
    pub expires_at: DateTime<Utc>,
}

impl Principal {
    /// The domain's view of this caller (ids and groups lower-cased, as the store compares them), calling from
    /// `ip`.
    pub fn into_caller(self, ip: Option<String>) -> platen_domain::Caller {
        use platen_domain::CallerKind;
        platen_domain::Caller {
            tenant_id: self.tenant_id.into(),
            object_id: self.object_id.to_ascii_lowercase(),
            user_principal_name: self.user_principal_name,
            display_name: self.display_name,
            app_id: self.app_id,
            app_display_name: self.app_display_name,
            kind: match self.kind {
                TokenKind::Delegated { scopes } => CallerKind::Delegated { scopes },
                TokenKind::Application { roles } => CallerKind::Application { roles },
            },
            directory_roles: self.directory_roles,
            groups: self.groups.into_iter().map(|g| g.to_ascii_lowercase()).collect(),
            ip_address: ip,
        }
    }

    /// True for tokens that act for a signed-in user.
    pub fn is_delegated(&self) -> bool {
        matches!(self.kind, TokenKind::Delegated { .. })
    }

    /// Whether the token grants permission `name` (e.g. `PrintJob.ReadWrite.All`), compared
    /// case-insensitively against the delegated scopes or the application roles.
    pub fn has_permission(&self, name: &str) -> bool {
        let granted = match &self.kind {
            TokenKind::Delegated { scopes } => scopes,
            TokenKind::Application { roles } => roles,
        };
        granted
            .iter()
            .any(|permission| permission.eq_ignore_ascii_case(name))
    }

    /// Whether the caller holds the Printer Administrator directory role. Global Administrators
    /// count too, as they do in Entra, where that role includes every other admin role's rights.
    pub fn is_printer_admin(&self) -> bool {
        self.has_directory_role(PRINTER_ADMINISTRATOR_ROLE) || self.is_global_admin()
    }

    /// Whether the caller holds the Global Administrator directory role.
    pub fn is_global_admin(&self) -> bool {
        self.has_directory_role(GLOBAL_ADMINISTRATOR_ROLE)
    }

    fn has_directory_role(&self, role_template_id: &str) -> bool {
        self.directory_roles
            .iter()
            .any(|role| role.eq_ignore_ascii_case(role_template_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(kind: TokenKind, directory_roles: &[&str]) -> Principal {
        Principal {
            tenant_id: "t".to_owned(),
            object_id: "o".to_owned(),
            user_principal_name: None,
            display_name: None,
            app_id: None,
            app_display_name: None,
            kind,
            directory_roles: directory_roles.iter().map(|role| (*role).to_owned()).collect(),
            groups: Vec::new(),
            issuer: "i".to_owned(),
            expires_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    #[test]
    fn permissions_match_case_insensitively_within_the_token_kind() {
        let delegated = principal(
            TokenKind::Delegated {
                scopes: vec!["PrintJob.Create".to_owned()],
            },
            &[],
        );
        assert!(delegated.is_delegated());
        assert!(delegated.has_permission("printjob.create"));
        assert!(!delegated.has_permission("PrintJob.Create.All"));
        let app = principal(
            TokenKind::Application {
                roles: vec!["Printer.ReadWrite.All".to_owned()],
            },
            &[],
        );
        assert!(!app.is_delegated());
        assert!(app.has_permission("PRINTER.READWRITE.ALL"));
    }

    #[test]
    fn admin_roles_come_from_wids() {
        let none = principal(TokenKind::Delegated { scopes: Vec::new() }, &[]);
        assert!(!none.is_printer_admin() && !none.is_global_admin());
        let printer_admin = principal(
            TokenKind::Delegated { scopes: Vec::new() },
            &[PRINTER_ADMINISTRATOR_ROLE],
        );
        assert!(printer_admin.is_printer_admin() && !printer_admin.is_global_admin());
        let global_admin = principal(
            TokenKind::Delegated { scopes: Vec::new() },
            &[GLOBAL_ADMINISTRATOR_ROLE],
        );
        assert!(global_admin.is_printer_admin() && global_admin.is_global_admin());
    }
}
