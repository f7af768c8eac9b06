-- Which output device claimed a job (Acknowledge-Job's output-device-uuid), so a second claimant is refused.
-- Keep in step with ../sqlite/0004_job_claims.sql.
ALTER TABLE jobs ADD COLUMN acquired_by TEXT;
