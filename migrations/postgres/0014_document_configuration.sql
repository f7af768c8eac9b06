-- beta printDocument.configuration (printerDocumentConfiguration): JSON, NULL when never set.
ALTER TABLE documents ADD COLUMN configuration TEXT;
