//! Release PINs: what a user types at secure release's station beside a printer (with their UPN) to release
//! their held jobs there. A PIN is short, so it is only as strong as the limits around it: the same per-user and
//! per-address failure counters as print passwords refuse further attempts unchecked, argon2 makes a leaked
//! database useless for guessing, and a PIN can do one thing only: release the user's own held jobs at a printer.

use super::{PRINT_PASSWORD_SCOPES, at_address, secret};
use crate::{App, AppError, Result};
use platen_domain::secure_release::{ReleasePin, valid_pin};
use platen_domain::time::now_micros;
use platen_domain::{Caller, CallerKind};
use std::net::IpAddr;
use std::time::Instant;

impl App {
    /// Sets (or changes) the caller's own release PIN.
    pub async fn set_release_pin(&self, caller: &Caller, pin: &str) -> Result<()> {
        if !caller.is_delegated() {
            return Err(AppError::Forbidden(
                "Only a signed-in user has a release PIN.".into(),
            ));
        }
        let Some(upn) = caller.user_principal_name.as_deref().filter(|u| !u.is_empty()) else {
            return Err(AppError::bad_request(
                "Your sign-in carries no user principal name, which the release station asks for.",
            ));
        };
        if !valid_pin(pin) {
            return Err(AppError::bad_request("A release PIN is 4 to 12 digits."));
        }
        let owned = pin.to_string();
        let pin_hash = self.argon2(move || secret::hash(&owned)).await?;
        let record = ReleasePin {
            tenant_id: caller.tenant_id.clone(),
            user_id: caller.object_id.to_ascii_lowercase(),
            upn: upn.to_ascii_lowercase(),
            display_name: caller.display_name.clone(),
            pin_hash,
            updated_at: now_micros(),
        };
        self.store.put_release_pin(&record).await?;
        Ok(())
    }

    /// Whether the caller has set a release PIN (never the PIN).
    pub async fn has_release_pin(&self, caller: &Caller) -> Result<bool> {
        Ok(self
            .store
            .release_pin_of(&caller.tenant_id, &caller.object_id.to_ascii_lowercase())
            .await?
            .is_some())
    }

    pub async fn delete_release_pin(&self, caller: &Caller) -> Result<bool> {
        Ok(self
            .store
            .delete_release_pin(&caller.tenant_id, &caller.object_id.to_ascii_lowercase())
            .await?)
    }

    /// The user whose UPN and PIN these are, as a caller that may read and release their own jobs; refused
    /// like a wrong print password ([`AppError::BadCredentials`], then [`AppError::TooManyFailures`]).
    pub(crate) async fn authenticate_release_pin(
        &self,
        tenant_id: &str,
        upn: &str,
        pin: &str,
        remote: Option<IpAddr>,
    ) -> Result<Caller> {
        let guard = &self.logins.guard;
        let now = Instant::now();
        if let Some(retry_after) = remote
            .and_then(|r| guard.remote_blocked(r, now))
            .or_else(|| guard.user_blocked(tenant_id, upn, now))
        {
            return Err(AppError::TooManyFailures { retry_after });
        }
        let record = match self.store.release_pin_by_upn(tenant_id, upn).await? {
            Some(r) if valid_pin(pin) => {
                let (owned, phc) = (pin.to_string(), r.pin_hash.clone());
                self.argon2(move || secret::verify(&owned, &phc))
                    .await?
                    .then_some(r)
            }
            _ => None,
        };
        let Some(r) = record else {
            guard.failed(tenant_id, upn, remote, Instant::now());
            return Err(AppError::BadCredentials);
        };
        guard.succeeded(tenant_id, upn);
        let caller = Caller {
            tenant_id: r.tenant_id.clone(),
            object_id: r.user_id.clone(),
            user_principal_name: Some(r.upn.clone()),
            display_name: r.display_name.clone(),
            app_id: None,
            app_display_name: None,
            kind: CallerKind::Delegated {
                scopes: PRINT_PASSWORD_SCOPES.iter().map(|s| s.to_string()).collect(),
            },
            directory_roles: vec![],
            groups: vec![],
            ip_address: None,
        };
        Ok(at_address(caller, remote))
    }
}
