-- +goose Up
-- Uploaded evidence: the bytes live under DATA/files by content hash
-- (shared when two uploads are identical); each row is one attachment.
CREATE TABLE evidence (
    id             INTEGER PRIMARY KEY,
    realisation_id INTEGER NOT NULL REFERENCES realisations (id) ON DELETE CASCADE,
    student_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title          TEXT    NOT NULL,
    filename       TEXT    NOT NULL,
    hash           TEXT    NOT NULL,  -- sha256, hex
    size           INTEGER NOT NULL,
    mime           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX evidence_realisation ON evidence (realisation_id, id);
CREATE INDEX evidence_student ON evidence (student_id);
CREATE INDEX evidence_hash ON evidence (hash);

-- Read-only links to a student's portfolio, for the exam jury.
CREATE TABLE jury_links (
    id          INTEGER PRIMARY KEY,
    student_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token       TEXT    NOT NULL UNIQUE,
    label       TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_on  TEXT    NOT NULL DEFAULT '',  -- YYYY-MM-DD, last valid day; '' for none
    revoked_at  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX jury_links_student ON jury_links (student_id);

-- Views of each link, per day.
CREATE TABLE jury_views (
    link_id INTEGER NOT NULL REFERENCES jury_links (id) ON DELETE CASCADE,
    day     TEXT    NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (link_id, day)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE jury_views;
DROP TABLE jury_links;
DROP TABLE evidence;
