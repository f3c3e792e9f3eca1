-- +goose Up
-- Session epochs come from the stamp counter too. A session holds the
-- user's id and epoch; SQLite gives a deleted account's id to the next
-- account, so a new account (and every password change) must get an epoch
-- never given before, or a deleted student's open session would open the
-- newcomer's account.
UPDATE stamp_counter SET value = max(value, (SELECT coalesce(max(session_epoch), 0) FROM users)) + 1;

-- +goose StatementBegin
CREATE TRIGGER user_epoch_insert AFTER INSERT ON users BEGIN
    UPDATE stamp_counter SET value = value + 1;
    UPDATE users SET session_epoch = (SELECT value FROM stamp_counter) WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- Every student gets a coverage row with a stamp never given before: rows
-- were missing for students without a write since migration 00004, and
-- rows written before 00010 may hold stamp 0, which also means "no row".
UPDATE stamp_counter SET value = value + 1;
INSERT INTO student_coverage (student_id, activities, types, counts, stamp)
    SELECT u.id,
        coalesce((SELECT group_concat(code || ':' || v, ',') FROM (
            SELECT a.activity_code AS code, 1 + max(r.status = 'validee') AS v
            FROM realisations r JOIN realisation_activities a ON a.realisation_id = r.id
            WHERE r.student_id = u.id GROUP BY a.activity_code)), ''),
        coalesce((SELECT group_concat(code || ':' || v, ',') FROM (
            SELECT t.type_code AS code, 1 + max(r.status = 'validee') AS v
            FROM realisations r JOIN realisation_types t ON t.realisation_id = r.id
            WHERE r.student_id = u.id GROUP BY t.type_code)), ''),
        coalesce((SELECT group_concat(status || ':' || n, ',') FROM (
            SELECT status, count(*) AS n FROM realisations WHERE student_id = u.id GROUP BY status)), ''),
        (SELECT value FROM stamp_counter)
    FROM users u WHERE u.role = 'student'
    ON CONFLICT (student_id) DO UPDATE SET
        activities = excluded.activities, types = excluded.types, counts = excluded.counts, stamp = excluded.stamp;

-- +goose Down
DROP TRIGGER user_epoch_insert;
