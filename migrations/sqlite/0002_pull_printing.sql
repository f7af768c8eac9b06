-- Pull printing (task definitions, triggers, tasks) and change notifications (subscriptions, outbox).
-- Keep in step with ../postgres/0002_pull_printing.sql.

CREATE TABLE task_definitions (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    app_id TEXT NOT NULL,
    app_display_name TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX task_definitions_by_app ON task_definitions (tenant_id, app_id, id);

CREATE TABLE task_triggers (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    printer_id TEXT NOT NULL,
    definition_id TEXT NOT NULL,
    event TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- Universal Print allows one trigger per printer.
CREATE UNIQUE INDEX task_triggers_one_per_printer ON task_triggers (tenant_id, printer_id);
CREATE INDEX task_triggers_by_definition ON task_triggers (tenant_id, definition_id);

CREATE TABLE tasks (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    definition_id TEXT NOT NULL,
    trigger_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    job_id BIGINT NOT NULL,
    printer_id TEXT NOT NULL,
    state TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX tasks_by_definition ON tasks (tenant_id, definition_id, created_at);
CREATE INDEX tasks_by_job ON tasks (tenant_id, job_id);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    change_type TEXT NOT NULL,
    resource TEXT NOT NULL,
    -- What the resource names, normalised: 'taskDefinitionTasks' + definition id, or 'printerJobs' + printer id.
    resource_kind TEXT NOT NULL,
    resource_key TEXT NOT NULL,
    notification_url TEXT NOT NULL,
    lifecycle_notification_url TEXT,
    client_state TEXT,
    notification_query_options TEXT,
    latest_supported_tls_version TEXT,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX subscriptions_by_resource ON subscriptions (tenant_id, resource_kind, resource_key);
CREATE INDEX subscriptions_by_app ON subscriptions (tenant_id, app_id);
CREATE INDEX subscriptions_by_expiry ON subscriptions (expires_at);

-- Change notifications waiting for delivery, written in the same transaction as the change that causes them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    -- 'change' or 'lifecycle'.
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id);
CREATE INDEX outbox_by_subscription ON outbox (subscription_id);
