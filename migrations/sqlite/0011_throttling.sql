-- Throttling counters (off unless configured): one row per (tenant, bucket, fixed window), added to atomically
-- by every node (INSERT … ON CONFLICT DO UPDATE … RETURNING), deleted by the sweeper once the window is past.
-- bucket: 'jobs:user:{id}', 'jobs:printer:{id}', 'jobs:app:{id}', 'bytes:user:{id}'.
CREATE TABLE throttle_windows (
    tenant_id TEXT NOT NULL,
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, bucket, window_start)
);
CREATE INDEX throttle_windows_by_start ON throttle_windows (window_start);
