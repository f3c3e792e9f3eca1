-- +goose Up
-- A mail the relay refused for good (5xx, an address it cannot take) is
-- not retried: it keeps its error and the time it was given up.
ALTER TABLE mail_queue ADD COLUMN given_up_at TEXT NOT NULL DEFAULT '';
DROP INDEX mail_queue_due;
CREATE INDEX mail_queue_due ON mail_queue (next_attempt) WHERE sent_at = '' AND given_up_at = '';

-- +goose Down
DROP INDEX mail_queue_due;
CREATE INDEX mail_queue_due ON mail_queue (next_attempt) WHERE sent_at = '';
ALTER TABLE mail_queue DROP COLUMN given_up_at;
