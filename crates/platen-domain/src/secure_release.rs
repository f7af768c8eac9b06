//! Secure release ("hold until released", Platen's own): a printer whose jobs wait until their owner releases
//! them, so confidential pages do not sit in a tray. Platen implements it as a pull-print app on its own Graph
//! model: a built-in task definition (one per tenant, created by the app [`RELEASE_APP_ID`]) and a `jobStarted`
//! trigger on each printer that holds jobs. A held job is therefore exactly what a third-party release app would
//! see: `paused` with `releaseWait` and a processing print task of that definition. Releasing completes the task
//! (the job prints where it was sent) or redirects the job to another printer the owner may use; a job nobody
//! releases in time is aborted by the same app, with a reason.
//!
//! Pure: the identity the use cases act with, and the sentences.

use crate::principal::{Caller, CallerKind};
use crate::time::Micros;

/// The client (app) id of Platen's built-in release app: its task definitions, triggers and tasks carry it, as
/// another app's carry that app's id. A fixed id, so that every node and every restart agree.
pub const RELEASE_APP_ID: &str = "0be6e5a1-7e1f-4c1d-9a55-706c6174656e";

/// The definition's name, as Graph's `printTaskDefinition.displayName` and `createdBy.displayName` show it.
pub const RELEASE_DEFINITION_NAME: &str = "Secure release";
pub const RELEASE_APP_NAME: &str = "Platen secure release";

/// The application caller the release use cases act as (its task definition's app, with the roles a
/// pull-print app holds).
pub fn release_caller(tenant_id: &str) -> Caller {
    Caller {
        tenant_id: tenant_id.into(),
        object_id: RELEASE_APP_ID.into(),
        user_principal_name: None,
        display_name: Some(RELEASE_APP_NAME.into()),
        app_id: Some(RELEASE_APP_ID.into()),
        app_display_name: Some(RELEASE_APP_NAME.into()),
        kind: CallerKind::Application {
            roles: vec![
                "PrintTaskDefinition.ReadWrite.All".into(),
                "PrintJob.Manage.All".into(),
                "PrintJob.ReadWrite.All".into(),
                "Printer.Read.All".into(),
            ],
        },
        directory_roles: vec![],
        groups: vec![],
        ip_address: None,
    }
}

/// A user's release PIN (what the release station asks), stored as argon2 only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleasePin {
    pub tenant_id: crate::TenantId,
    /// Object id, lower-case.
    pub user_id: String,
    /// The user principal name typed at the station, lower-case.
    pub upn: String,
    pub display_name: Option<String>,
    /// The PIN's argon2 PHC string.
    pub pin_hash: String,
    pub updated_at: Micros,
}

/// Whether `pin` is a PIN Platen accepts: 4 to 12 digits.
pub fn valid_pin(pin: &str) -> bool {
    (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a held job's task was created at `held_since` long enough before `now` to expire.
pub fn expired(held_since: Micros, now: Micros, hold_for_micros: i64) -> bool {
    now.saturating_sub(held_since) >= hold_for_micros
}

/// The reason an expired job is aborted with (its status description and history).
pub fn expiry_reason(hold_for: std::time::Duration) -> String {
    format!(
        "Not released within {}: secure release aborted the job.",
        humanize(hold_for)
    )
}

/// "24 hours", "30 minutes", "90 seconds", "2 days".
fn humanize(d: std::time::Duration) -> String {
    let s = d.as_secs();
    let (n, unit) = match s {
        _ if s >= 2 * 86_400 && s.is_multiple_of(86_400) => (s / 86_400, "day"),
        _ if s >= 3_600 && s.is_multiple_of(3_600) => (s / 3_600, "hour"),
        _ if s >= 60 && s.is_multiple_of(60) => (s / 60, "minute"),
        _ => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_expiry_reason_says_how_long_a_job_waited() {
        assert_eq!(
            expiry_reason(Duration::from_secs(86_400)),
            "Not released within 24 hours: secure release aborted the job."
        );
        assert_eq!(humanize(Duration::from_secs(2 * 86_400)), "2 days");
        assert_eq!(humanize(Duration::from_secs(60)), "1 minute");
        assert_eq!(humanize(Duration::from_secs(2)), "2 seconds");
        assert!(expired(0, 10, 10));
        assert!(!expired(1, 10, 10));
    }
}
