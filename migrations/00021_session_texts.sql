-- +goose Up
-- The texts of an exam session its circulaire sets (the fiche's annex
-- number, the tableau's title rows and sheet name, the fiche's Épreuve
-- line by option), as an admin entered them: name is the text's key
-- (internal/server/sessiontexts.go), a missing row the référentiel's.
CREATE TABLE session_texts (
    referentiel TEXT    NOT NULL,
    session     INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    PRIMARY KEY (referentiel, session, name)
) WITHOUT ROWID;

-- How the students sit the épreuves (the fiche's boxes): a class's
-- default, and a student's own when it differs; '' not said.
ALTER TABLE classes ADD COLUMN exam_form TEXT NOT NULL DEFAULT '' CHECK (exam_form IN ('', 'ccf', 'ponctuelle'));
ALTER TABLE users ADD COLUMN exam_form TEXT NOT NULL DEFAULT '' CHECK (exam_form IN ('', 'ccf', 'ponctuelle'));

-- +goose Down
ALTER TABLE users DROP COLUMN exam_form;
ALTER TABLE classes DROP COLUMN exam_form;
DROP TABLE session_texts;
