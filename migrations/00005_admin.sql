-- +goose Up
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

-- One-time links to choose a password (first access, reset). Only a hash
-- of the token is stored.
CREATE TABLE activation_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at TEXT    NOT NULL,
    used_at    TEXT
);
CREATE INDEX activation_tokens_user ON activation_tokens (user_id);

-- Logins, failures and every administrative action.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_email TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '',
    ip          TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (id DESC);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE activation_tokens;
ALTER TABLE users DROP COLUMN disabled;
