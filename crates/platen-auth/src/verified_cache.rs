//! Tokens already verified on this node, so that a client sending the same token again does not pay for the
//! signature check again (it was 84% of the CPU of a token-checked GET).
//!
//! What makes a hit as strict as a full verification:
//! - only tokens that passed every check are inserted; a refused token is never cached;
//! - the key is the SHA-256 of the whole token, so a token differing in any byte (another signature, altered
//!   claims) misses and is verified in full;
//! - an entry is used only before the token's `exp` (without the leeway: after `exp` the full check decides,
//!   leeway included, exactly as without a cache);
//! - an entry remembers the key set it was verified with; when the issuer's keys are re-read (rotation, the
//!   periodic refresh) the set is a new one and every entry verified with the old set misses, so a key the
//!   issuer withdrew stops being trusted at the same moment as without a cache.
//!
//! Bounded by weight (an estimate of each entry's bytes), so a flood of distinct valid tokens costs at most
//! [`MAX_BYTES`]; eviction only costs a full verification later.

use std::sync::Arc;

use chrono::Utc;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};

use crate::keys::KeySet;
use crate::principal::{Principal, TokenKind};

/// Memory the cache may hold, estimated from the entries' strings.
pub(crate) const MAX_BYTES: u64 = 32 * 1024 * 1024;
/// A typical entry (a user token with a few groups) weighs about 1 KiB.
const ESTIMATED_ENTRIES: usize = 16 * 1024;

pub(crate) type TokenDigest = [u8; 32];

#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) principal: Arc<Principal>,
    /// The issuer and key id the token named, to find its issuer's current key set on a hit.
    pub(crate) issuer: Arc<str>,
    pub(crate) kid: Option<Arc<str>>,
    /// The key set the signature was checked against (compared by identity on a hit).
    pub(crate) keys: Arc<KeySet>,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<TokenDigest, Entry> for ByBytes {
    fn weight(&self, _: &TokenDigest, entry: &Entry) -> u64 {
        let p = &entry.principal;
        let strings = |list: &[String]| list.iter().map(|s| s.len() + 24).sum::<usize>();
        let granted = match &p.kind {
            TokenKind::Delegated { scopes } => strings(scopes),
            TokenKind::Application { roles } => strings(roles),
        };
        let optional = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        let bytes = 256
            + p.tenant_id.len()
            + p.object_id.len()
            + p.issuer.len()
            + optional(&p.user_principal_name)
            + optional(&p.display_name)
            + optional(&p.app_id)
            + optional(&p.app_display_name)
            + granted
            + strings(&p.directory_roles)
            + strings(&p.groups)
            + entry.issuer.len()
            + entry.kid.as_ref().map_or(0, |k| k.len());
        bytes as u64
    }
}

pub(crate) struct VerifiedTokens {
    cache: Cache<TokenDigest, Entry, ByBytes>,
}

impl VerifiedTokens {
    pub(crate) fn new() -> Self {
        Self {
            cache: Cache::with_weighter(ESTIMATED_ENTRIES, MAX_BYTES, ByBytes),
        }
    }

    pub(crate) fn digest(token: &str) -> TokenDigest {
        Sha256::digest(token.as_bytes()).into()
    }

    /// The entry for `digest` if the token has not expired yet; an expired one is dropped.
    pub(crate) fn get(&self, digest: &TokenDigest) -> Option<Entry> {
        let entry = self.cache.get(digest)?;
        if Utc::now() < entry.principal.expires_at {
            Some(entry)
        } else {
            self.cache.remove(digest);
            None
        }
    }

    pub(crate) fn insert(&self, digest: TokenDigest, entry: Entry) {
        if Utc::now() < entry.principal.expires_at {
            self.cache.insert(digest, entry);
        }
    }

    pub(crate) fn remove(&self, digest: &TokenDigest) {
        self.cache.remove(digest);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.cache.len()
    }

    #[cfg(test)]
    pub(crate) fn weight(&self) -> u64 {
        self.cache.weight()
    }
}
