-- archivedPrintJob.createdBy is a userIdentity, whose ipAddress is the address the job was created from.
ALTER TABLE archived_jobs ADD COLUMN user_ip TEXT;
