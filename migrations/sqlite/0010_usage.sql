-- Print usage for Graph's reports (issue 10). A device's counters ride on the job until it ends; the transaction
-- that ends it writes the archived record (archivedPrintJob) and adds to the daily and monthly rollups, so
-- reports read a few rows per day and subject however many jobs exist, and survive the purge of job records.

-- What the device reported it printed (JSON, PrintCounts; NULL until a report carries counters).
ALTER TABLE jobs ADD COLUMN counts TEXT;
-- The creator's group ids when the job was created (JSON array), for getGroupArchivedPrintJobs.
ALTER TABLE jobs ADD COLUMN creator_groups TEXT;

CREATE TABLE archived_jobs (
    tenant_id TEXT NOT NULL,
    job_id BIGINT NOT NULL,
    printer_id TEXT NOT NULL,
    printer_name TEXT,
    user_id TEXT NOT NULL,
    user_name TEXT,
    user_upn TEXT,
    phase TEXT NOT NULL,
    -- Graph processingState: completed, canceled or aborted.
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    acquired_at BIGINT,
    completed_at BIGINT NOT NULL,
    copies_printed BIGINT NOT NULL,
    is_color BIGINT NOT NULL,
    is_duplex BIGINT NOT NULL,
    counts TEXT NOT NULL,
    -- The creator's groups (JSON array, or NULL), as on the job.
    groups_json TEXT,
    PRIMARY KEY (tenant_id, job_id)
);
CREATE INDEX archived_jobs_by_printer ON archived_jobs (tenant_id, printer_id, completed_at, job_id);
CREATE INDEX archived_jobs_by_user ON archived_jobs (tenant_id, user_id, completed_at, job_id);

CREATE TABLE archived_job_groups (
    tenant_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    completed_at BIGINT NOT NULL,
    job_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_id, completed_at, job_id)
);

-- One row per (period 'day'|'month', dimension 'user'|'printer', subject, date); id = '{subject}_{yyyy-mm-dd}'.
CREATE TABLE usage_rollups (
    tenant_id TEXT NOT NULL,
    period TEXT NOT NULL,
    dimension TEXT NOT NULL,
    id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    subject_name TEXT,
    usage_date BIGINT NOT NULL,
    completed_jobs BIGINT NOT NULL,
    completed_color_jobs BIGINT NOT NULL,
    completed_black_and_white_jobs BIGINT NOT NULL,
    incomplete_jobs BIGINT NOT NULL,
    pages BIGINT NOT NULL,
    black_and_white_pages BIGINT NOT NULL,
    color_pages BIGINT NOT NULL,
    media_sheets BIGINT NOT NULL,
    double_sided_sheets BIGINT NOT NULL,
    single_sided_sheets BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, period, dimension, id)
);
CREATE INDEX usage_rollups_by_date ON usage_rollups (tenant_id, period, dimension, usage_date, id);
CREATE INDEX usage_rollups_by_subject ON usage_rollups (tenant_id, period, dimension, subject_id, usage_date);
-- $filter=userPrincipalName eq '…' compares lower(name) (the OData renderer's case folding; PostgreSQL in the C
-- collation), so the index is on that expression.
CREATE INDEX usage_rollups_by_name ON usage_rollups (tenant_id, period, dimension, lower(subject_name), usage_date);
