-- +goose Up
-- Bumped by every write to a student's réalisations: the server caches
-- their list for the tableau and knows it is stale when the stamp moved.
ALTER TABLE student_coverage ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE student_coverage DROP COLUMN stamp;
