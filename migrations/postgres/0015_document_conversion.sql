-- A document converted for its printer (an OXPS upload to a PDF-only printer): what devices fetch instead of
-- the uploaded bytes, which stay where they are (Graph's document and `$value` describe the upload).
ALTER TABLE documents ADD COLUMN converted_content_type TEXT;
ALTER TABLE documents ADD COLUMN converted_size BIGINT;
ALTER TABLE documents ADD COLUMN converted_sha256 TEXT;
ALTER TABLE documents ADD COLUMN converted_blob_key TEXT;
-- Jobs whose conversion a node was running when it stopped are found again at start through this (few rows).
CREATE INDEX jobs_transforming ON jobs (id) WHERE phase = 'transforming';
