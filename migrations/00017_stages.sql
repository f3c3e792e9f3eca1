-- +goose Up
-- Stages and periods of alternance (issue #15): where a student worked,
-- with whom, when; their weekly carnet de bord; the attestations they
-- upload and their teacher accepts or rejects.
CREATE TABLE stages (
    id             INTEGER PRIMARY KEY,
    student_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL CHECK (kind IN ('stage', 'alternance')),
    year           INTEGER NOT NULL CHECK (year IN (1, 2)),
    organisation   TEXT    NOT NULL,
    address        TEXT    NOT NULL DEFAULT '',
    siret          TEXT    NOT NULL DEFAULT '',
    service        TEXT    NOT NULL DEFAULT '',
    tutor_name     TEXT    NOT NULL DEFAULT '',
    tutor_function TEXT    NOT NULL DEFAULT '',
    tutor_email    TEXT    NOT NULL DEFAULT '',
    tutor_phone    TEXT    NOT NULL DEFAULT '',
    start_date     TEXT    NOT NULL, -- YYYY-MM-DD
    end_date       TEXT    NOT NULL, -- YYYY-MM-DD, last day
    missions       TEXT    NOT NULL DEFAULT '',
    created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK (end_date >= start_date)
);
CREATE INDEX stages_student ON stages (student_id, start_date);

-- A réalisation done during a stage names it: its band on the tableau
-- follows the stage's year, and its période lies within the stage.
ALTER TABLE realisations ADD COLUMN stage_id INTEGER REFERENCES stages (id) ON DELETE SET NULL;
CREATE INDEX realisations_stage ON realisations (stage_id) WHERE stage_id IS NOT NULL;

-- The carnet de bord: one entry per week of a stage.
CREATE TABLE stage_weeks (
    id       INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    week     TEXT    NOT NULL, -- the Monday, YYYY-MM-DD
    done     TEXT    NOT NULL DEFAULT '',
    hours    REAL    NOT NULL DEFAULT 0 CHECK (hours >= 0 AND hours <= 168),
    UNIQUE (stage_id, week)
);

CREATE TABLE stage_week_realisations (
    week_id        INTEGER NOT NULL REFERENCES stage_weeks (id) ON DELETE CASCADE,
    realisation_id INTEGER NOT NULL REFERENCES realisations (id) ON DELETE CASCADE,
    PRIMARY KEY (week_id, realisation_id)
) WITHOUT ROWID;
CREATE INDEX stage_week_realisations_realisation ON stage_week_realisations (realisation_id);

-- Uploaded attestations de stage (certificats de travail for apprentices).
-- Their bytes are kept with the evidence files, by content hash.
CREATE TABLE attestations (
    id         INTEGER PRIMARY KEY,
    stage_id   INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    student_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filename   TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    mime       TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'en_attente' CHECK (status IN ('en_attente', 'acceptee', 'refusee')),
    reason     TEXT    NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decided_at TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX attestations_stage ON attestations (stage_id, id);
CREATE INDEX attestations_student ON attestations (student_id);
CREATE INDEX attestations_hash ON attestations (hash);

-- +goose Down
DROP TABLE attestations;
DROP TABLE stage_week_realisations;
DROP TABLE stage_weeks;
DROP INDEX realisations_stage;
ALTER TABLE realisations DROP COLUMN stage_id;
DROP TABLE stages;
