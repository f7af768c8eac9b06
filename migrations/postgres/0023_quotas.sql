-- Page quotas (Platen's own): budgets per user or per group member, accounts per user and period, and the
-- pages a started job holds on its creator's account (jobs.quota_hold, JSON) until it ends.
ALTER TABLE jobs ADD COLUMN quota_hold TEXT;
CREATE TABLE quota_rules (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    user_id TEXT,
    group_id TEXT,
    period TEXT NOT NULL,
    pages BIGINT,
    overdraft BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- One rule per user and one per group: the lookups every start under a quota makes.
CREATE UNIQUE INDEX quota_rules_by_user ON quota_rules (tenant_id, user_id);
CREATE UNIQUE INDEX quota_rules_by_group ON quota_rules (tenant_id, group_id);
-- One row per user and period start: a new period is a new row, so budgets reset without a job.
CREATE TABLE quota_accounts (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    period TEXT NOT NULL,
    period_start BIGINT NOT NULL,
    charged BIGINT NOT NULL,
    held BIGINT NOT NULL,
    credited BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, period, period_start)
);
-- Print policies may cap the pages of a job.
ALTER TABLE print_policies ADD COLUMN max_pages BIGINT;
