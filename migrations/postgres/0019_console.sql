-- The web console's sign-in sessions. The cookie carries a random secret; only its SHA-256 is stored, so a
-- leaked database or backup opens no session. The identity is copied from the verified sign-in (an ID token
-- or the development issuer's page) so every page can build the caller without a token.
CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_principal_name TEXT,
    display_name TEXT,
    group_ids TEXT NOT NULL,
    directory_roles TEXT NOT NULL,
    issuer TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
-- The console lists jobs across printers (a user's own, or a tenant's for administrators), filtered by state.
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, id);
CREATE INDEX jobs_by_state ON jobs (tenant_id, state, id);
CREATE INDEX jobs_by_tenant_created ON jobs (tenant_id, created_at, id);
-- "Your jobs not finished yet": a user's jobs in a few states, counted without reading their finished ones.
CREATE INDEX jobs_by_owner_state ON jobs (tenant_id, created_by_id, state, id);
