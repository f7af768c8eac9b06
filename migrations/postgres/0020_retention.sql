-- Retention ([retention] in the configuration): a finished job's document bytes are deleted some time after
-- it ends (documents keep their records, marked purged), and later the job's records. Both purges walk
-- finished jobs oldest first through partial indexes, so each batch reads only what it deletes.
ALTER TABLE jobs ADD COLUMN document_bytes_purged_at BIGINT;
ALTER TABLE documents ADD COLUMN purged_at BIGINT;
CREATE INDEX jobs_finished_with_bytes ON jobs (completed_at, tenant_id, id)
    WHERE completed_at IS NOT NULL AND document_bytes_purged_at IS NULL;
CREATE INDEX jobs_finished ON jobs (completed_at, tenant_id, id) WHERE completed_at IS NOT NULL;
-- The bytes stored for documents, summed for [retention] max_document_bytes without reading other documents.
CREATE INDEX documents_with_bytes ON documents (size) WHERE blob_key IS NOT NULL;
CREATE INDEX documents_with_converted_bytes ON documents (converted_size) WHERE converted_blob_key IS NOT NULL;
