-- printTaskDefinition.createdBy (appIdentity): the creating app's service principal, from its token
-- (`oid` and `app_displayname`). Null for definitions created before this migration and for tokens without them.
ALTER TABLE task_definitions ADD COLUMN service_principal_id TEXT;
ALTER TABLE task_definitions ADD COLUMN service_principal_name TEXT;
