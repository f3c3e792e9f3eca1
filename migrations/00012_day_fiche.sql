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

-- +goose Down
DROP INDEX realisations_fiche;
ALTER TABLE realisations DROP COLUMN fiche;
ALTER TABLE realisations DROP COLUMN acces;
ALTER TABLE realisations DROP COLUMN ressources;
ALTER TABLE realisations DROP COLUMN conditions;
ALTER TABLE realisations DROP COLUMN lieu;
ALTER TABLE realisations DROP COLUMN organisation;
ALTER TABLE realisations DROP COLUMN end_day;
ALTER TABLE realisations DROP COLUMN start_day;
