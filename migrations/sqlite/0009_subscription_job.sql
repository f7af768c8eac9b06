-- A subscription of one job (Create-Job-Subscriptions on a share): it hears of that job only.
ALTER TABLE ipp_subscriptions ADD COLUMN job_id BIGINT;
