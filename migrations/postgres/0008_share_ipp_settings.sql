-- Platen's own settings of a share's IPP printer (Graph's printerShare has no place for them). One row per share
-- that changed a default; deleted with the share.
CREATE TABLE share_ipp_settings (
    tenant_id TEXT NOT NULL,
    share_id TEXT NOT NULL,
    -- Print without credentials (kiosks on trusted networks): requesting-user-name is recorded, the job marked
    -- unauthenticated. Off unless an administrator turns it on.
    allow_unauthenticated BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, share_id)
);
