-- App printing (Platen's opt-in): whether a tenant lets applications print, and on which shares each app may.
CREATE TABLE app_printing (
    tenant_id TEXT PRIMARY KEY,
    enabled BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE app_print_grants (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    share_id TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- One grant per app and share; the lookup every app request makes.
CREATE UNIQUE INDEX app_print_grants_by_app_share ON app_print_grants (tenant_id, app_id, share_id);
-- Print policies: rules for a printer's jobs (printer_id) or a group's members' jobs (group_id), applied at start.
CREATE TABLE print_policies (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    printer_id TEXT,
    group_id TEXT,
    force_monochrome BIGINT NOT NULL,
    force_duplex BIGINT NOT NULL,
    max_document_bytes BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX print_policies_by_printer ON print_policies (tenant_id, printer_id);
CREATE INDEX print_policies_by_group ON print_policies (tenant_id, group_id);
