-- +goose Up
-- Notifications (issue #16): what concerns a user, shown in the app and,
-- when SMTP is configured, sent by e-mail (grouped, queued, retried).
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL, -- submitted, comment, validated, rework, reopened, attestation, deadline
    title      TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    read_at    TEXT    NOT NULL DEFAULT '',
    mailed     INTEGER NOT NULL DEFAULT 0, -- 1 once put in a mail (or not to be mailed)
    dedupe     TEXT             -- one notification per key (deadline reminders)
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_unmailed ON notifications (user_id, id) WHERE mailed = 0;
CREATE UNIQUE INDEX notifications_dedupe ON notifications (dedupe) WHERE dedupe IS NOT NULL;

-- The header's counter, kept on the user's row (read with the user on
-- every page, without counting).
ALTER TABLE users ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
-- +goose StatementBegin
CREATE TRIGGER notification_unread_insert AFTER INSERT ON notifications WHEN NEW.read_at = '' BEGIN
    UPDATE users SET unread = unread + 1 WHERE id = NEW.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER notification_unread_read AFTER UPDATE OF read_at ON notifications
WHEN OLD.read_at = '' AND NEW.read_at <> '' BEGIN
    UPDATE users SET unread = max(unread - 1, 0) WHERE id = NEW.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER notification_unread_delete AFTER DELETE ON notifications WHEN OLD.read_at = '' BEGIN
    UPDATE users SET unread = max(unread - 1, 0) WHERE id = OLD.user_id;
END;
-- +goose StatementEnd

-- What each user wants by e-mail: every event (grouped), a daily digest,
-- or nothing.
ALTER TABLE users ADD COLUMN mail_pref TEXT NOT NULL DEFAULT 'events' CHECK (mail_pref IN ('events', 'daily', 'none'));

-- When the last mail of a group went to a user (a teacher's digest, a
-- student's mail of one kind, a daily digest): the next waits an hour (a
-- day for the daily digest).
CREATE TABLE mail_sent (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    grp     TEXT    NOT NULL,
    at      TEXT    NOT NULL,
    PRIMARY KEY (user_id, grp)
) WITHOUT ROWID;

-- Mails to send: written in the same transaction as the notifications
-- they carry are marked mailed, so that nothing is lost; sent by a
-- background loop, retried with back-off until the relay takes them.
CREATE TABLE mail_queue (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    to_addr      TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    unsubscribe  TEXT    NOT NULL DEFAULT '', -- the List-Unsubscribe URL
    created_at   TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT    NOT NULL,
    last_error   TEXT    NOT NULL DEFAULT '',
    sent_at      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX mail_queue_due ON mail_queue (next_attempt) WHERE sent_at = '';

-- +goose Down
DROP TABLE mail_queue;
DROP TABLE mail_sent;
ALTER TABLE users DROP COLUMN mail_pref;
DROP TRIGGER notification_unread_delete;
DROP TRIGGER notification_unread_read;
DROP TRIGGER notification_unread_insert;
ALTER TABLE users DROP COLUMN unread;
DROP TABLE notifications;
