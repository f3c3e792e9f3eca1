-- +goose Up
-- Every stamp (student_coverage.stamp, classes.stamp) now comes from one
-- counter, so that no two states of any student or class share a stamp.
-- A deleted account's id can be given again to a new account (INTEGER
-- PRIMARY KEY), and the server's caches, keyed by (id, stamp), must not take
-- the newcomer for the deleted account.
CREATE TABLE stamp_counter (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO stamp_counter (id, value) VALUES (1, max(
    coalesce((SELECT max(stamp) FROM student_coverage), 0),
    coalesce((SELECT max(stamp) FROM classes), 0)));

DROP TRIGGER class_stamp_coverage_insert;
DROP TRIGGER class_stamp_coverage_update;
DROP TRIGGER class_stamp_member_insert;
DROP TRIGGER class_stamp_member_delete;
DROP TRIGGER class_stamp_student_update;

-- +goose StatementBegin
CREATE TRIGGER class_stamp_coverage_insert AFTER INSERT ON student_coverage BEGIN
    UPDATE stamp_counter SET value = value + 1;
    UPDATE classes SET stamp = (SELECT value FROM stamp_counter)
    WHERE id IN (SELECT class_id FROM class_students WHERE student_id = NEW.student_id);
END;
-- +goose StatementEnd
-- Not on a stamp-only update (a validator renamed: the dashboard does not
-- show validators), which rewrites every row.
-- +goose StatementBegin
CREATE TRIGGER class_stamp_coverage_update AFTER UPDATE OF activities, types, counts ON student_coverage BEGIN
    UPDATE stamp_counter SET value = value + 1;
    UPDATE classes SET stamp = (SELECT value FROM stamp_counter)
    WHERE id IN (SELECT class_id FROM class_students WHERE student_id = NEW.student_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER class_stamp_member_insert AFTER INSERT ON class_students BEGIN
    UPDATE stamp_counter SET value = value + 1;
    UPDATE classes SET stamp = (SELECT value FROM stamp_counter) WHERE id = NEW.class_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER class_stamp_member_delete AFTER DELETE ON class_students BEGIN
    UPDATE stamp_counter SET value = value + 1;
    UPDATE classes SET stamp = (SELECT value FROM stamp_counter) WHERE id = OLD.class_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER class_stamp_student_update AFTER UPDATE OF first_name, last_name, parcours ON users BEGIN
    UPDATE stamp_counter SET value = value + 1;
    UPDATE classes SET stamp = (SELECT value FROM stamp_counter)
    WHERE id IN (SELECT class_id FROM class_students WHERE student_id = NEW.id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER class_stamp_coverage_insert;
DROP TRIGGER class_stamp_coverage_update;
DROP TRIGGER class_stamp_member_insert;
DROP TRIGGER class_stamp_member_delete;
DROP TRIGGER class_stamp_student_update;
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
DROP TABLE stamp_counter;
