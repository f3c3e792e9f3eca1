-- +goose Up
-- Instance-wide settings, such as whether the database holds the public
-- demo accounts.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE settings;
