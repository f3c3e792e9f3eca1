-- +goose Up
CREATE TABLE classes (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    school_year TEXT    NOT NULL,               -- "2026-2027"
    referentiel TEXT    NOT NULL DEFAULT 'sio-2011',
    parcours    TEXT    NOT NULL DEFAULT '' CHECK (parcours IN ('', 'SISR', 'SLAM')),
    deadline    TEXT    NOT NULL DEFAULT '',    -- YYYY-MM-DD, last day of entry; '' for none
    archived    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX classes_name ON classes (name COLLATE NOCASE, school_year);

CREATE TABLE class_students (
    class_id   INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    student_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (class_id, student_id)
) WITHOUT ROWID;
CREATE INDEX class_students_student ON class_students (student_id, class_id);

CREATE TABLE class_teachers (
    class_id   INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    teacher_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (class_id, teacher_id)
) WITHOUT ROWID;
CREATE INDEX class_teachers_teacher ON class_teachers (teacher_id, class_id);

-- Review state of a réalisation.
ALTER TABLE realisations ADD COLUMN status_changed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE realisations ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE realisations ADD COLUMN validated_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
-- auto: on the tableau when validated; hide: never; show: even when not validated.
ALTER TABLE realisations ADD COLUMN on_tableau TEXT NOT NULL DEFAULT 'auto' CHECK (on_tableau IN ('auto', 'hide', 'show'));
-- A teacher reopened it for the student after the class deadline.
ALTER TABLE realisations ADD COLUMN deadline_exempt INTEGER NOT NULL DEFAULT 0;
CREATE INDEX realisations_status ON realisations (status, status_changed_at);
-- Covers the per-student status counts and coverage of a class dashboard.
CREATE INDEX realisations_student_status ON realisations (student_id, status);

-- Every status change: who, when, from, to, why.
CREATE TABLE realisation_events (
    id             INTEGER PRIMARY KEY,
    realisation_id INTEGER NOT NULL REFERENCES realisations (id) ON DELETE CASCADE,
    actor_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    at             TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    from_status    TEXT    NOT NULL,
    to_status      TEXT    NOT NULL,
    reason         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX realisation_events_realisation ON realisation_events (realisation_id, id);

CREATE TABLE comments (
    id             INTEGER PRIMARY KEY,
    realisation_id INTEGER NOT NULL REFERENCES realisations (id) ON DELETE CASCADE,
    author_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    activity_code  TEXT    NOT NULL DEFAULT '',
    body           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX comments_realisation ON comments (realisation_id, id);

-- What each user has seen of a réalisation, for the unread badges.
CREATE TABLE realisation_reads (
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    realisation_id  INTEGER NOT NULL REFERENCES realisations (id) ON DELETE CASCADE,
    seen_comment_id INTEGER NOT NULL DEFAULT 0,
    seen_event_id   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, realisation_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE realisation_reads;
DROP TABLE comments;
DROP TABLE realisation_events;
DROP INDEX realisations_student_status;
DROP INDEX realisations_status;
ALTER TABLE realisations DROP COLUMN deadline_exempt;
ALTER TABLE realisations DROP COLUMN on_tableau;
ALTER TABLE realisations DROP COLUMN validated_by;
ALTER TABLE realisations DROP COLUMN status_reason;
ALTER TABLE realisations DROP COLUMN status_changed_at;
DROP TABLE class_teachers;
DROP TABLE class_students;
DROP TABLE classes;
