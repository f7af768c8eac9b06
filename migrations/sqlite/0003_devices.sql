-- The device side (IPP INFRA): device tokens, ippget events and subscriptions, reported device attributes.
-- Keep in step with ../postgres/0003_devices.sql.

ALTER TABLE printers ADD COLUMN device_attributes TEXT;

CREATE TABLE device_tokens (
    token_sha256 TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    printer_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX device_tokens_by_printer ON device_tokens (tenant_id, printer_id);

-- Events for the devices of a printer, written in the same transaction as the job change; `id` is the
-- IPP notify-sequence-number.
CREATE TABLE device_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    printer_id TEXT NOT NULL,
    event TEXT NOT NULL,
    job_id BIGINT NOT NULL,
    job_state BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX device_events_by_printer ON device_events (tenant_id, printer_id, id);

CREATE TABLE ipp_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    printer_id TEXT NOT NULL,
    events TEXT NOT NULL,
    lease_expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ipp_subscriptions_by_printer ON ipp_subscriptions (tenant_id, printer_id);
