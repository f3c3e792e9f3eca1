-- +goose Up
-- Référentiels whose période is kept to the day (sio-2019: « du JJ/MM/AA
-- au JJ/MM/AA ») store the days beside the months; 0 means the période is
-- known to the month only (every sio-2011 réalisation), so existing rows
-- keep exactly their meaning.
ALTER TABLE realisations ADD COLUMN start_day INTEGER NOT NULL DEFAULT 0 CHECK (start_day BETWEEN 0 AND 31);
ALTER TABLE realisations ADD COLUMN end_day   INTEGER NOT NULL DEFAULT 0 CHECK (end_day BETWEEN 0 AND 31);

-- The fields of the « fiche descriptive de réalisation professionnelle »
-- (sio-2019, Bloc 2) that a réalisation did not hold, and its number when
-- the student presents it as a fiche (0: not a fiche).
ALTER TABLE realisations ADD COLUMN organisation TEXT    NOT NULL DEFAULT '';
ALTER TABLE realisations ADD COLUMN lieu         TEXT    NOT NULL DEFAULT '';
ALTER TABLE realisations ADD COLUMN conditions   TEXT    NOT NULL DEFAULT '';
ALTER TABLE realisations ADD COLUMN ressources   TEXT    NOT NULL DEFAULT '';
ALTER TABLE realisations ADD COLUMN acces        TEXT    NOT NULL DEFAULT '';
ALTER TABLE realisations ADD COLUMN fiche        INTEGER NOT NULL DEFAULT 0 CHECK (fiche >= 0);
CREATE UNIQUE INDEX realisations_fiche ON realisations (student_id, fiche) WHERE fiche > 0;

-- A student's référentiel is their class's: enrolling them in a class
-- moves them to its référentiel, unless they already have réalisations on
-- another one, or are in another class (not archived) of another one
-- (both refused: the store reports them); changing a class's référentiel
-- (only while none of its students has a réalisation or is in another
-- class, not archived, of another référentiel) moves its students.
-- +goose StatementBegin
CREATE TRIGGER class_students_referentiel AFTER INSERT ON class_students
BEGIN
    SELECT RAISE(ABORT, 'portfolio: referentiel mismatch')
    WHERE EXISTS (SELECT 1 FROM users u, classes c
                  WHERE u.id = NEW.student_id AND c.id = NEW.class_id AND u.referentiel <> c.referentiel
                    AND EXISTS (SELECT 1 FROM realisations r WHERE r.student_id = u.id));
    SELECT RAISE(ABORT, 'portfolio: referentiel other class')
    WHERE EXISTS (SELECT 1 FROM class_students cs JOIN classes other ON other.id = cs.class_id, classes c
                  WHERE cs.student_id = NEW.student_id AND c.id = NEW.class_id AND other.id <> c.id
                    AND other.archived = 0 AND other.referentiel <> c.referentiel);
    UPDATE users SET referentiel = (SELECT referentiel FROM classes WHERE id = NEW.class_id)
    WHERE id = NEW.student_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER classes_referentiel AFTER UPDATE OF referentiel ON classes
WHEN NEW.referentiel <> OLD.referentiel
BEGIN
    SELECT RAISE(ABORT, 'portfolio: referentiel in use')
    WHERE EXISTS (SELECT 1 FROM class_students cs JOIN realisations r ON r.student_id = cs.student_id
                  WHERE cs.class_id = NEW.id);
    SELECT RAISE(ABORT, 'portfolio: referentiel other class')
    WHERE EXISTS (SELECT 1 FROM class_students cs JOIN class_students cs2 ON cs2.student_id = cs.student_id
                  JOIN classes other ON other.id = cs2.class_id
                  WHERE cs.class_id = NEW.id AND other.id <> NEW.id AND other.archived = 0
                    AND other.referentiel <> NEW.referentiel);
    UPDATE users SET referentiel = NEW.referentiel
    WHERE id IN (SELECT student_id FROM class_students WHERE class_id = NEW.id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER classes_referentiel;
DROP TRIGGER class_students_referentiel;
DROP INDEX realisations_fiche;
ALTER TABLE realisations DROP COLUMN fiche;
ALTER TABLE realisations DROP COLUMN acces;
ALTER TABLE realisations DROP COLUMN ressources;
ALTER TABLE realisations DROP COLUMN conditions;
ALTER TABLE realisations DROP COLUMN lieu;
ALTER TABLE realisations DROP COLUMN organisation;
ALTER TABLE realisations DROP COLUMN end_day;
ALTER TABLE realisations DROP COLUMN start_day;
