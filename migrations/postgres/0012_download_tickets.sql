-- Pre-authenticated download URLs (`GET …/documents/{id}/$value` answers 302 to one): the URL's secret is
-- stored only as its SHA-256; the sweeper deletes expired tickets through the expires_at index.
CREATE TABLE download_tickets (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    token_sha256 TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX download_tickets_by_expiry ON download_tickets (expires_at);
