-- IPP clients address a share by its id alone ({public_url}/ipp/shares/{shareId}); ids are UUIDs.
CREATE INDEX shares_by_id ON shares (id);
