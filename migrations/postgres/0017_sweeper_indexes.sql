-- The sweeper asks "is this orphan blob still referenced by a document?" for each blob of a bounded batch;
-- these indexes answer it by lookup instead of a scan of every document (58-93 ms at 10^6 documents, on the
-- writer). Orphans are taken oldest first, through their own index.
CREATE INDEX documents_by_blob_key ON documents (blob_key) WHERE blob_key IS NOT NULL;
CREATE INDEX documents_by_converted_blob_key ON documents (converted_blob_key) WHERE converted_blob_key IS NOT NULL;
CREATE INDEX orphan_blobs_by_since ON orphan_blobs (since);
