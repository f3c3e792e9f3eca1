-- +goose Up
-- A student's submitted réalisations (submission time, id, title), kept
-- with their coverage: a class dashboard then reads its review queue in
-- the same single query as its students, instead of sorting the class's
-- submitted réalisations on every view (issue #14). Entries are separated
-- by char(30), fields by char(31) (replaced by spaces in titles).
ALTER TABLE student_coverage ADD COLUMN queue TEXT NOT NULL DEFAULT '';
UPDATE student_coverage SET queue = coalesce((SELECT group_concat(status_changed_at || char(31) || id || char(31)
		|| replace(replace(title, char(30), ' '), char(31), ' '), char(30))
	FROM realisations WHERE student_id = student_coverage.student_id AND status = 'soumise'), '');

-- The class's stamp moves when its queue does.
DROP TRIGGER class_stamp_coverage_update;
-- +goose StatementBegin
CREATE TRIGGER class_stamp_coverage_update AFTER UPDATE OF activities, types, counts, queue ON student_coverage BEGIN
    UPDATE stamp_counter SET value = value + 1;
    UPDATE classes SET stamp = (SELECT value FROM stamp_counter)
    WHERE id IN (SELECT class_id FROM class_students WHERE student_id = NEW.student_id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER class_stamp_coverage_update;
-- +goose StatementBegin
CREATE TRIGGER class_stamp_coverage_update AFTER UPDATE OF activities, types, counts ON student_coverage BEGIN
    UPDATE stamp_counter SET value = value + 1;
    UPDATE classes SET stamp = (SELECT value FROM stamp_counter)
    WHERE id IN (SELECT class_id FROM class_students WHERE student_id = NEW.student_id);
END;
-- +goose StatementEnd
ALTER TABLE student_coverage DROP COLUMN queue;
