//! Print passwords: what ordinary IPP clients (CUPS, macOS, Windows) send with HTTP Basic, since their print
//! dialogs cannot get a bearer token. A user makes one per device with a token (Graph-style endpoint) and the
//! IPP endpoint turns `UPN:password` back into a [`Caller`] with [`App::authenticate_print_password`].
//!
//! Argon2 makes a stolen database useless for guessing, but costs tens of milliseconds and ~19 MiB per check, and
//! CUPS sends several requests per job: a verified credential is cached for a minute, failures are counted per
//! user and per address and refused before any lookup, and the number of concurrent checks is bounded.

mod guard;
mod release_pin;
mod secret;
#[cfg(test)]
mod tests;

use crate::{App, AppError, Result};
use guard::{Guard, credential_key};
use platen_domain::permissions::{Operation, authorize};
use platen_domain::records::PrintPassword;
use platen_domain::time::now_micros;
use platen_domain::{Caller, CallerKind};
use platen_store::StoreError;
use std::net::IpAddr;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The delegated permissions a print-password caller holds: print to shares and read printers, nothing more.
pub const PRINT_PASSWORD_SCOPES: [&str; 2] = ["PrintJob.ReadWriteBasic", "Printer.Read.All"];

const MAX_LABEL_CHARS: usize = 100;
const MAX_UPN_CHARS: usize = 256;

/// Limits of print password logins (per node: each node keeps its own cache and counters).
#[derive(Debug, Clone)]
pub struct PrintPasswordPolicy {
    /// How long a verified credential is accepted without argon2. A revocation through this node clears it at
    /// once; one made on another node takes effect here after at most this long.
    pub cache_ttl: Duration,
    /// Most credentials cached (and most passwords whose last use is remembered).
    pub cache_capacity: usize,
    /// Wrong passwords per user (tenant + UPN), and per remote address, within `failure_window` before further
    /// attempts are refused unchecked.
    pub max_failures: u32,
    pub failure_window: Duration,
    /// Most users, and most addresses, whose failures are counted.
    pub limiter_capacity: usize,
    /// `last_used_at` is written at most this often per password.
    pub touch_interval: Duration,
    /// Most passwords one user may have.
    pub max_per_user: usize,
}

impl Default for PrintPasswordPolicy {
    fn default() -> Self {
        Self {
            cache_ttl: Duration::from_secs(60),
            cache_capacity: 10_000,
            max_failures: 10,
            failure_window: Duration::from_secs(300),
            limiter_capacity: 10_000,
            touch_interval: Duration::from_secs(60),
            max_per_user: 100,
        }
    }
}

/// Whose password to create when no token says it (the `platen print-password` command).
#[derive(Debug, Clone)]
pub struct PrintPasswordOwner {
    /// Object id.
    pub user_id: String,
    pub user_principal_name: String,
    pub display_name: Option<String>,
    /// Group object ids.
    pub groups: Vec<String>,
}

/// A password just created: the only time the password itself is available.
pub struct NewPrintPassword {
    pub record: PrintPassword,
    pub password: String,
}

impl std::fmt::Debug for NewPrintPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPrintPassword")
            .field("record", &self.record)
            .field("password", &"…")
            .finish()
    }
}

/// A node's login state (see [`guard`]) and the bound on concurrent argon2 runs.
pub(crate) struct Logins {
    guard: Guard,
    hashing: Semaphore,
}

impl Logins {
    pub(crate) fn new(policy: PrintPasswordPolicy) -> Self {
        // One argon2 run per core: more only queue for the CPU while each holds its ~19 MiB.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            guard: Guard::new(policy),
            hashing: Semaphore::new(cores),
        }
    }
}

impl App {
    /// Creates a password for the calling user (their token's object id, UPN, name and groups). Only a user
    /// whose token may print to shares may create one, so a password never grants more than its creator's token.
    pub async fn create_print_password(&self, caller: &Caller, label: &str) -> Result<NewPrintPassword> {
        delegated(caller)?;
        authorize(caller, Operation::CreateShareJob).map_err(|d| {
            AppError::Forbidden(format!(
                "A print password prints on the user's behalf, so creating one needs a token that may print. {d}"
            ))
        })?;
        let upn = caller
            .user_principal_name
            .clone()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                AppError::bad_request(
                    "The token names no user principal name (claim upn or preferred_username); IPP clients sign \
                     in with it, so a print password needs one.",
                )
            })?;
        let owner = PrintPasswordOwner {
            user_id: caller.object_id.clone(),
            user_principal_name: upn,
            display_name: caller.display_name.clone(),
            groups: caller.groups.clone(),
        };
        self.create_print_password_as_operator(&caller.tenant_id, owner, label)
            .await
    }

    /// Creates a password for `owner` without a caller: for the operator's command line only.
    pub async fn create_print_password_as_operator(
        &self,
        tenant_id: &str,
        owner: PrintPasswordOwner,
        label: &str,
    ) -> Result<NewPrintPassword> {
        let label = label.trim();
        check_owner(tenant_id, &owner)?;
        if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
            return Err(AppError::bad_request(format!(
                "A label has at most {MAX_LABEL_CHARS} characters and no control characters."
            )));
        }
        let user_id = owner.user_id.to_ascii_lowercase();
        let max = self.config.print_passwords.max_per_user;
        if self.store.list_print_passwords(tenant_id, &user_id).await?.len() >= max {
            return Err(AppError::Conflict(format!(
                "A user may have at most {max} print passwords; revoke one first."
            )));
        }
        // A 50-bit id collides about never; if it does, draw again rather than fail.
        for _ in 0..3 {
            let (id, password) = secret::generate();
            let plain = password.clone();
            let password_hash = self.argon2(move || secret::hash(&plain)).await?;
            let record = PrintPassword {
                tenant_id: tenant_id.into(),
                id,
                user_id: user_id.clone(),
                user_principal_name: owner.user_principal_name.clone(),
                display_name: owner.display_name.clone(),
                groups: owner.groups.iter().map(|g| g.to_ascii_lowercase()).collect(),
                label: label.to_string(),
                password_hash,
                created_at: now_micros(),
                last_used_at: None,
            };
            match self.store.create_print_password(&record).await {
                Ok(()) => return Ok(NewPrintPassword { record, password }),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Internal(
            "could not draw an unused print password id".into(),
        ))
    }

    /// The passwords of `user_id` (oldest first): the caller's own, or anyone's for a Printer Administrator.
    pub async fn list_print_passwords(&self, caller: &Caller, user_id: &str) -> Result<Vec<PrintPassword>> {
        delegated(caller)?;
        if !user_id.eq_ignore_ascii_case(&caller.object_id) && !caller.is_print_admin() {
            return Err(AppError::Forbidden(
                "Only a Printer Administrator may list another user's print passwords.".into(),
            ));
        }
        self.list_print_passwords_as_operator(&caller.tenant_id, user_id)
            .await
    }

    /// The passwords of `user_id` without a caller: for the operator's command line only.
    pub async fn list_print_passwords_as_operator(
        &self,
        tenant_id: &str,
        user_id: &str,
    ) -> Result<Vec<PrintPassword>> {
        Ok(self
            .store
            .list_print_passwords(tenant_id, &user_id.to_ascii_lowercase())
            .await?)
    }

    /// Revokes one of the caller's passwords (a Printer Administrator: anyone's). Another user's password is
    /// "not found", so ids cannot be probed. Logins cached by this node end at once.
    pub async fn revoke_print_password(&self, caller: &Caller, id: &str) -> Result<()> {
        delegated(caller)?;
        let id = id.to_ascii_lowercase();
        let found = if secret::is_id(&id) {
            self.store.get_print_password(&caller.tenant_id, &id).await?
        } else {
            None
        };
        match found {
            Some(p) if p.user_id.eq_ignore_ascii_case(&caller.object_id) || caller.is_print_admin() => {
                self.revoke_print_password_as_operator(&caller.tenant_id, &id)
                    .await
            }
            _ => Err(AppError::not_found("print password")),
        }
    }

    /// Revokes a password without a caller: for the operator's command line only.
    pub async fn revoke_print_password_as_operator(&self, tenant_id: &str, id: &str) -> Result<()> {
        let id = id.to_ascii_lowercase();
        let removed = self.store.delete_print_password(tenant_id, &id).await?;
        // After the delete, so that no login can read the record again and cache it.
        self.logins.guard.forget(tenant_id, &id);
        if removed {
            Ok(())
        } else {
            Err(AppError::not_found("print password"))
        }
    }

    /// HTTP Basic for IPP clients: `upn` and `password` as sent, `remote` the client's address. Returns the
    /// user the password belongs to, with [`PRINT_PASSWORD_SCOPES`]. Wrong, unknown, revoked or mismatched
    /// credentials are [`AppError::BadCredentials`]; after too many of those for the user or from the address,
    /// [`AppError::TooManyFailures`] without checking.
    pub async fn authenticate_print_password(
        &self,
        tenant_id: &str,
        upn: &str,
        password: &str,
        remote: Option<IpAddr>,
    ) -> Result<Caller> {
        let guard = &self.logins.guard;
        let now = Instant::now();
        // An address that keeps guessing gets nothing, not even cached answers.
        if let Some(retry_after) = remote.and_then(|r| guard.remote_blocked(r, now)) {
            return Err(AppError::TooManyFailures { retry_after });
        }
        let normalized = secret::normalize(password);
        let key = normalized.as_deref().map(|p| credential_key(tenant_id, upn, p));
        if let Some((id, caller)) = key.as_ref().and_then(|k| guard.cached(k, now)) {
            // The cache spares argon2, not the lookup by primary key: a password revoked anywhere (another node,
            // the CLI) is refused at once.
            if self.store.get_print_password(tenant_id, &id).await?.is_some() {
                self.note_print_password_use(tenant_id, &id).await;
                return Ok(at_address(caller, remote));
            }
            guard.forget(tenant_id, &id);
        }
        // Checked after the cache, so that someone guessing a user's password does not lock out the user's own
        // devices, whose credentials are cached.
        if let Some(retry_after) = guard.user_blocked(tenant_id, upn, now) {
            return Err(AppError::TooManyFailures { retry_after });
        }
        let epoch = guard.epoch();
        let (Some(record), Some(key)) = (self.check(tenant_id, upn, normalized).await?, key) else {
            guard.failed(tenant_id, upn, remote, Instant::now());
            return Err(AppError::BadCredentials);
        };
        let caller = caller_of(&record);
        guard.remember(key, &record.id, &caller, epoch, Instant::now());
        guard.succeeded(tenant_id, upn);
        self.note_print_password_use(tenant_id, &record.id).await;
        Ok(at_address(caller, remote))
    }

    /// The record `password` belongs to, if it is `upn`'s and argon2 agrees.
    async fn check(
        &self,
        tenant_id: &str,
        upn: &str,
        normalized: Option<String>,
    ) -> Result<Option<PrintPassword>> {
        let Some(password) = normalized else {
            return Ok(None);
        };
        let Some(record) = self
            .store
            .get_print_password(tenant_id, secret::id_of(&password))
            .await?
        else {
            return Ok(None);
        };
        if !record.user_principal_name.eq_ignore_ascii_case(upn) {
            return Ok(None);
        }
        let phc = record.password_hash.clone();
        let valid = self.argon2(move || secret::verify(&password, &phc)).await?;
        Ok(valid.then_some(record))
    }

    /// Writes `last_used_at`, at most once per touch interval per password. A failed write only loses the
    /// bookkeeping, never the login.
    async fn note_print_password_use(&self, tenant_id: &str, id: &str) {
        if self.logins.guard.should_touch(tenant_id, id, Instant::now())
            && let Err(e) = self.store.touch_print_password(tenant_id, id, now_micros()).await
        {
            tracing::warn!(error = %e, "could not record the use of a print password");
        }
    }

    /// Runs an argon2 computation off the async threads, at most one per core at a time.
    async fn argon2<T: Send + 'static>(&self, f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        let _permit = self
            .logins
            .hashing
            .acquire()
            .await
            .map_err(|_| AppError::Internal("the argon2 semaphore is closed".into()))?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| AppError::Internal(format!("argon2 task failed: {e}")))?
    }
}

fn delegated(caller: &Caller) -> Result<()> {
    if caller.is_delegated() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Print passwords belong to users: application tokens cannot manage them.".into(),
        ))
    }
}

fn check_owner(tenant_id: &str, owner: &PrintPasswordOwner) -> Result<()> {
    if tenant_id.is_empty() || owner.user_id.is_empty() {
        return Err(AppError::bad_request(
            "A tenant and a user object id are required.",
        ));
    }
    let upn = &owner.user_principal_name;
    // HTTP Basic splits user name and password at the first colon (RFC 7617), so a UPN cannot hold one.
    if upn.is_empty()
        || upn.chars().count() > MAX_UPN_CHARS
        || upn
            .chars()
            .any(|c| c == ':' || c.is_whitespace() || c.is_control())
    {
        return Err(AppError::bad_request(format!(
            "The user principal name must be 1 to {MAX_UPN_CHARS} characters without colons, spaces or control \
             characters."
        )));
    }
    Ok(())
}

fn caller_of(p: &PrintPassword) -> Caller {
    Caller {
        tenant_id: p.tenant_id.clone(),
        object_id: p.user_id.clone(),
        user_principal_name: Some(p.user_principal_name.clone()),
        display_name: p.display_name.clone(),
        app_id: None,
        app_display_name: None,
        kind: CallerKind::Delegated {
            scopes: PRINT_PASSWORD_SCOPES.iter().map(|s| s.to_string()).collect(),
        },
        directory_roles: vec![],
        groups: p.groups.clone(),
        ip_address: None,
    }
}

fn at_address(caller: Caller, remote: Option<IpAddr>) -> Caller {
    Caller {
        ip_address: remote.map(|r| r.to_string()),
        ..caller
    }
}
