-- +goose Up
-- The short code printed beside each activation link (for students who
-- type it rather than the 32-character link): a hash of the user's id and
-- the code, so that a code is looked up only with its account's e-mail.
ALTER TABLE activation_tokens ADD COLUMN code_hash TEXT;
CREATE INDEX activation_tokens_code ON activation_tokens (code_hash) WHERE code_hash IS NOT NULL;

-- +goose Down
DROP INDEX activation_tokens_code;
ALTER TABLE activation_tokens DROP COLUMN code_hash;
