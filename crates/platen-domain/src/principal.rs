//! Who is calling: the domain's view of a validated bearer token.

use crate::ids::TenantId;

pub const PRINTER_ADMINISTRATOR_ROLE: &str = "644ef478-e28f-4e28-b9dc-3fdde9aa0b1f";
pub const GLOBAL_ADMINISTRATOR_ROLE: &str = "62e90394-69f5-4237-9190-012177145e10";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerKind {
    /// A user signed in to an app: permissions are the token's `scp`.
    Delegated { scopes: Vec<String> },
    /// An app acting as itself: permissions are the token's `roles`.
    Application { roles: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant_id: TenantId,
    /// The user's object id (delegated) or the service principal's (application).
    pub object_id: String,
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
    /// The client app the token was issued to (`appid`/`azp`).
    pub app_id: Option<String>,
    /// The client app's name in the tenant (`app_displayname`): for an application token, the name of the
    /// service principal `object_id` names.
    pub app_display_name: Option<String>,
    pub kind: CallerKind,
    /// Directory role template ids (`wids`).
    pub directory_roles: Vec<String>,
    /// Group object ids (`groups`).
    pub groups: Vec<String>,
    pub ip_address: Option<String>,
}

impl Caller {
    pub fn is_delegated(&self) -> bool {
        matches!(self.kind, CallerKind::Delegated { .. })
    }

    pub fn permissions(&self) -> &[String] {
        match &self.kind {
            CallerKind::Delegated { scopes } => scopes,
            CallerKind::Application { roles } => roles,
        }
    }

    pub fn holds(&self, permission: &str) -> bool {
        self.permissions()
            .iter()
            .any(|p| p.eq_ignore_ascii_case(permission))
    }

    pub fn is_printer_admin(&self) -> bool {
        self.has_role(PRINTER_ADMINISTRATOR_ROLE)
    }

    pub fn is_global_admin(&self) -> bool {
        self.has_role(GLOBAL_ADMINISTRATOR_ROLE)
    }

    /// Printer Administrator or Global Administrator: the roles Universal Print accepts for admin work.
    pub fn is_print_admin(&self) -> bool {
        self.is_printer_admin() || self.is_global_admin()
    }

    fn has_role(&self, template_id: &str) -> bool {
        self.directory_roles
            .iter()
            .any(|r| r.eq_ignore_ascii_case(template_id))
    }
}
