-- Per-printer retention ([retention.printers."<printer id>"]): a printer with its own retention is purged through
-- its own finished jobs, oldest first, without reading other printers' jobs.
CREATE INDEX jobs_finished_with_bytes_by_printer ON jobs (printer_id, completed_at, tenant_id, id)
    WHERE completed_at IS NOT NULL AND document_bytes_purged_at IS NULL;
CREATE INDEX jobs_finished_by_printer ON jobs (printer_id, completed_at, tenant_id, id) WHERE completed_at IS NOT NULL;
