-- Usage rollups are folded from archived jobs in bulk (issue 11): the transaction that ends a job writes its
-- archived record and one row here instead of adding to four shared rollup rows (and their name index). The
-- folder (and every usage read, first) adds pending jobs to the rollups and deletes their rows here, in one
-- transaction, so a report still counts every job that ended before it was asked for.
-- seq is the rowid: increasing in commit order (one writer), the order names are taken in ("the latest job's").
CREATE TABLE usage_pending (
    seq INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    job_id BIGINT NOT NULL
);
