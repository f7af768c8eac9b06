-- Secure release's expiry finds the oldest tasks still processing of its own app, in every tenant, through this
-- index however many tasks have ended.
CREATE INDEX tasks_processing_by_app ON tasks (app_id, created_at) WHERE state = 'processing';
