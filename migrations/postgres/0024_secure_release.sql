-- Secure release's expiry finds the oldest tasks still processing of its own app, in every tenant, through this
-- index however many tasks have ended.
CREATE INDEX tasks_processing_by_app ON tasks (app_id, created_at) WHERE state = 'processing';
-- A user's release PIN for the release station beside a printer: argon2 only, never the PIN; found by UPN.
CREATE TABLE release_pins (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    upn TEXT NOT NULL,
    display_name TEXT,
    pin_hash TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE UNIQUE INDEX release_pins_by_upn ON release_pins (tenant_id, upn);
