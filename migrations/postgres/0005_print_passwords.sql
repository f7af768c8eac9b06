-- Per-user print passwords for IPP clients (HTTP Basic, user name = UPN). A password is "{id}-{secret}"
-- (lower-case base32): the public id finds the row by its primary key, then argon2 checks that one hash, so a
-- login costs one lookup and one hash however many passwords exist. Only the argon2 PHC string is stored.
-- Keep in step with ../sqlite/0005_print_passwords.sql.
CREATE TABLE print_passwords (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_principal_name TEXT NOT NULL,
    display_name TEXT,
    -- JSON array of group object ids.
    group_ids TEXT NOT NULL,
    label TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX print_passwords_by_user ON print_passwords (tenant_id, user_id, created_at);
