-- +goose Up
CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    email            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    first_name       TEXT    NOT NULL,
    last_name        TEXT    NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('student', 'teacher', 'admin')),
    password_hash    TEXT    NOT NULL DEFAULT '',
    referentiel      TEXT    NOT NULL DEFAULT 'sio-2011',
    parcours         TEXT    NOT NULL DEFAULT '' CHECK (parcours IN ('', 'SISR', 'SLAM')),
    candidate_number TEXT    NOT NULL DEFAULT '',
    session_year     INTEGER NOT NULL DEFAULT 0,
    centre           TEXT    NOT NULL DEFAULT '',
    portfolio_url    TEXT    NOT NULL DEFAULT '',
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE realisations (
    id          INTEGER PRIMARY KEY,
    student_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    contexte    TEXT    NOT NULL DEFAULT '',
    cadre       TEXT    NOT NULL,
    start_month TEXT    NOT NULL, -- YYYY-MM
    end_month   TEXT    NOT NULL, -- YYYY-MM
    modalite    TEXT    NOT NULL CHECK (modalite IN ('seul', 'equipe')),
    team        TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'brouillon',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK (end_month >= start_month)
);
CREATE INDEX realisations_student ON realisations (student_id, start_month);

CREATE TABLE realisation_types (
    realisation_id INTEGER NOT NULL REFERENCES realisations (id) ON DELETE CASCADE,
    type_code      TEXT    NOT NULL,
    PRIMARY KEY (realisation_id, type_code)
) WITHOUT ROWID;

CREATE TABLE realisation_activities (
    realisation_id INTEGER NOT NULL REFERENCES realisations (id) ON DELETE CASCADE,
    activity_code  TEXT    NOT NULL,
    how            TEXT    NOT NULL DEFAULT '',
    position       INTEGER NOT NULL, -- référentiel order
    PRIMARY KEY (realisation_id, activity_code)
) WITHOUT ROWID;

-- A competence is always ticked under a ticked activity: the composite
-- foreign key makes the database refuse anything else.
CREATE TABLE realisation_competences (
    realisation_id  INTEGER NOT NULL,
    activity_code   TEXT    NOT NULL,
    competence_code TEXT    NOT NULL,
    PRIMARY KEY (realisation_id, competence_code),
    FOREIGN KEY (realisation_id, activity_code)
        REFERENCES realisation_activities (realisation_id, activity_code) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE productions (
    realisation_id INTEGER NOT NULL REFERENCES realisations (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    title          TEXT    NOT NULL,
    url            TEXT    NOT NULL,
    PRIMARY KEY (realisation_id, position)
) WITHOUT ROWID;

-- Sessions of github.com/alexedwards/scs/sqlite3store.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
DROP TABLE productions;
DROP TABLE realisation_competences;
DROP TABLE realisation_activities;
DROP TABLE realisation_types;
DROP TABLE realisations;
DROP TABLE users;
