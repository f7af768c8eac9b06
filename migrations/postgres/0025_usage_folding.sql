-- Usage rollups are folded from archived jobs in bulk (issue 11): the transaction that ends a job writes its
-- archived record and one row here instead of adding to four shared rollup rows, whose row locks every job end of
-- one user or printer waited on until the holder's COMMIT (fsync included). The folder (and every usage read,
-- first) adds pending jobs to the rollups and deletes their rows here, in one transaction serialised by an
-- advisory lock, so a report still counts every job that ended before it was asked for.
-- seq orders names ("the latest job's"); folding never relies on it being gap-free or in commit order.
CREATE TABLE usage_pending (
    seq BIGSERIAL PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    job_id BIGINT NOT NULL
);
