//! Remembers the users seen in tokens (id, display name, UPN) in the store's small directory, writing only
//! when something is new or changed so that hot paths do not pay a write per request.

use crate::{App, Result};
use platen_domain::records::DirectoryUser;
use platen_domain::{Caller, TenantId};
use std::collections::HashMap;
use std::sync::Mutex;

const MAX_ENTRIES: usize = 100_000;

/// (tenant, user id) → (display name, UPN) last written.
type Seen = HashMap<(TenantId, String), (Option<String>, Option<String>)>;

#[derive(Default)]
pub(crate) struct SeenCache {
    seen: Mutex<Seen>,
}

impl App {
    /// Records a delegated caller in the tenant's directory (a no-op when nothing changed since last time).
    pub async fn remember_user(&self, caller: &Caller) -> Result<()> {
        if !caller.is_delegated() {
            return Ok(());
        }
        let key = (caller.tenant_id.clone(), caller.object_id.to_ascii_lowercase());
        let value = (caller.display_name.clone(), caller.user_principal_name.clone());
        let known = self
            .directory
            .seen
            .lock()
            .map(|m| m.get(&key) == Some(&value))
            .unwrap_or(false);
        if known {
            return Ok(());
        }
        let user = DirectoryUser {
            id: key.1.clone(),
            display_name: value.0.clone(),
            user_principal_name: value.1.clone(),
        };
        self.store.upsert_user(&caller.tenant_id, &user).await?;
        if let Ok(mut m) = self.directory.seen.lock() {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(key, value);
        }
        Ok(())
    }
}
