-- +goose Up
-- A class's stamp moves whenever its dashboard would change: a member's
-- réalisations (their coverage row is rewritten on every write), the
-- membership, or a member's name or parcours. The server keeps the
-- dashboard rendered under the stamp. Triggers, so that no write path can
-- forget it (cascading deletes fire them too).
ALTER TABLE classes ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE TRIGGER class_stamp_coverage_insert AFTER INSERT ON student_coverage BEGIN
    UPDATE classes SET stamp = stamp + 1
    WHERE id IN (SELECT class_id FROM class_students WHERE student_id = NEW.student_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER class_stamp_coverage_update AFTER UPDATE ON student_coverage BEGIN
    UPDATE classes SET stamp = stamp + 1
    WHERE id IN (SELECT class_id FROM class_students WHERE student_id = NEW.student_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER class_stamp_member_insert AFTER INSERT ON class_students BEGIN
    UPDATE classes SET stamp = stamp + 1 WHERE id = NEW.class_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER class_stamp_member_delete AFTER DELETE ON class_students BEGIN
    UPDATE classes SET stamp = stamp + 1 WHERE id = OLD.class_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER class_stamp_student_update AFTER UPDATE OF first_name, last_name, parcours ON users BEGIN
    UPDATE classes SET stamp = stamp + 1
    WHERE id IN (SELECT class_id FROM class_students WHERE student_id = NEW.id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER class_stamp_student_update;
DROP TRIGGER class_stamp_member_delete;
DROP TRIGGER class_stamp_member_insert;
DROP TRIGGER class_stamp_coverage_update;
DROP TRIGGER class_stamp_coverage_insert;
ALTER TABLE classes DROP COLUMN stamp;
