-- +goose Up
-- Each student's coverage, kept up to date by every write to their
-- réalisations (store.refreshCoverage), so a class dashboard reads one row
-- per student instead of every ticked activity of the class. Values are
-- "CODE:LEVEL" lists: LEVEL 1 = only unvalidated work, 2 = validated;
-- counts is "STATUS:N".
CREATE TABLE student_coverage (
    student_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    activities TEXT NOT NULL DEFAULT '',
    types      TEXT NOT NULL DEFAULT '',
    counts     TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE student_coverage;
