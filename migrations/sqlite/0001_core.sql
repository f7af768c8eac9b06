-- Platen core schema (SQLite). Keep in step with ../postgres/0001_core.sql: same tables, columns and indexes.
-- Timestamps are BIGINT microseconds since the Unix epoch; booleans are BIGINT 0/1 (portable to PostgreSQL);
-- JSON values are TEXT.

CREATE TABLE print_settings (
    tenant_id TEXT PRIMARY KEY,
    document_conversion_enabled BIGINT NOT NULL,
    printer_discovery_settings TEXT NOT NULL
);

CREATE TABLE directory_users (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT,
    user_principal_name TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE directory_groups (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE printers (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    manufacturer TEXT,
    model TEXT,
    is_accepting_jobs BIGINT,
    status_state TEXT NOT NULL,
    status_details TEXT NOT NULL,
    status_description TEXT,
    location TEXT NOT NULL,
    defaults TEXT NOT NULL,
    factory_defaults TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    has_physical_device BIGINT NOT NULL,
    physical_device_id TEXT,
    last_seen_at BIGINT,
    connector_id TEXT,
    registered_by_app TEXT,
    certificate TEXT,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE shares (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    printer_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    allow_all_users BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- Universal Print allows one share per printer.
CREATE UNIQUE INDEX shares_one_per_printer ON shares (tenant_id, printer_id);

CREATE TABLE share_allowed_users (
    tenant_id TEXT NOT NULL,
    share_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, share_id, user_id)
);
CREATE INDEX share_allowed_users_by_user ON share_allowed_users (tenant_id, user_id);

CREATE TABLE share_allowed_groups (
    tenant_id TEXT NOT NULL,
    share_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, share_id, group_id)
);
CREATE INDEX share_allowed_groups_by_group ON share_allowed_groups (tenant_id, group_id);

CREATE TABLE share_usage (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    share_id TEXT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, share_id)
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    printer_id TEXT NOT NULL,
    share_id TEXT,
    phase TEXT NOT NULL,
    state TEXT NOT NULL,
    completion TEXT,
    status_reason TEXT,
    is_fetchable BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by_id TEXT NOT NULL,
    created_by_name TEXT,
    created_by_upn TEXT,
    created_by_ip TEXT,
    configuration TEXT NOT NULL,
    display_name TEXT,
    redirected_from TEXT,
    redirected_to TEXT,
    error_code BIGINT,
    acknowledged_at BIGINT,
    completed_at BIGINT,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX jobs_by_printer ON jobs (tenant_id, printer_id, id);
CREATE INDEX jobs_by_share ON jobs (tenant_id, share_id, id);
CREATE INDEX jobs_by_owner ON jobs (tenant_id, created_by_id, id);
CREATE INDEX jobs_by_printer_owner ON jobs (tenant_id, printer_id, created_by_id, id);
CREATE INDEX jobs_by_printer_state ON jobs (tenant_id, printer_id, state, id);

CREATE TABLE job_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    job_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    phase TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX job_events_by_job ON job_events (tenant_id, job_id, id);

CREATE TABLE documents (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    job_id BIGINT NOT NULL,
    display_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT,
    uploaded_at BIGINT,
    downloaded_at BIGINT,
    blob_key TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX documents_by_job ON documents (tenant_id, job_id);

CREATE TABLE upload_sessions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    job_id BIGINT NOT NULL,
    document_id TEXT NOT NULL,
    token_sha256 TEXT NOT NULL,
    document_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX upload_sessions_one_per_document ON upload_sessions (tenant_id, document_id);
CREATE INDEX upload_sessions_by_expiry ON upload_sessions (expires_at);

CREATE TABLE upload_ranges (
    session_id TEXT NOT NULL,
    first_byte BIGINT NOT NULL,
    last_byte BIGINT NOT NULL,
    blob_key TEXT NOT NULL,
    PRIMARY KEY (session_id, first_byte)
);

-- Blobs no longer referenced (finished or abandoned uploads, deleted documents) wait here until a sweeper
-- deletes them, so a crash between the database commit and the blob deletion leaks nothing.
CREATE TABLE orphan_blobs (
    blob_key TEXT PRIMARY KEY,
    since BIGINT NOT NULL
);

CREATE TABLE printer_operations (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    description TEXT NOT NULL,
    certificate TEXT,
    printer_id TEXT,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE connectors (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    fully_qualified_domain_name TEXT NOT NULL,
    operating_system TEXT NOT NULL,
    app_version TEXT NOT NULL,
    location TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    last_connection_at BIGINT,
    PRIMARY KEY (tenant_id, id)
);
