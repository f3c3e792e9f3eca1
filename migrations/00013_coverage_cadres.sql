-- +goose Up
-- The cadres a student has réalisations in, kept with their coverage so a
-- class's heat map can filter on them (« sans stage de 2e année ») in the
-- same single query.
ALTER TABLE student_coverage ADD COLUMN cadres TEXT NOT NULL DEFAULT '';
UPDATE student_coverage SET cadres = coalesce((SELECT group_concat(cadre, ',') FROM (
	SELECT DISTINCT cadre FROM realisations WHERE student_id = student_coverage.student_id ORDER BY cadre)), '');

-- +goose Down
ALTER TABLE student_coverage DROP COLUMN cadres;
