package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// Notification is something that concerns a user: shown in the app, and
// sent by e-mail as the user chose.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      string // submitted, comment, validated, rework, reopened, attestation, deadline
	Title     string
	URL       string // the page it is about, a path of the site
	CreatedAt time.Time
	Read      bool
	// Dedupe, when set, makes the notification unique: a second one with
	// the same key is not added (deadline reminders).
	Dedupe string
}

// Notify adds notifications (one per recipient) in one transaction.
func (s *Store) Notify(ctx context.Context, list []Notification) error {
	if len(list) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, n := range list {
			var dedupe any
			if n.Dedupe != "" {
				dedupe = n.Dedupe
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, title, url, dedupe)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, n.UserID, n.Kind, n.Title, n.URL, dedupe); err != nil {
				return err
			}
		}
		return nil
	})
}

func scanNotification(row interface{ Scan(...any) error }) (Notification, error) {
	var n Notification
	var created, read string
	var dedupe sql.NullString
	err := row.Scan(&n.ID, &n.UserID, &n.Kind, &n.Title, &n.URL, &created, &read, &dedupe)
	if errors.Is(err, sql.ErrNoRows) {
		return n, portfolio.ErrNotFound
	}
	n.CreatedAt, _ = time.Parse(time.RFC3339, created)
	n.Read, n.Dedupe = read != "", dedupe.String
	return n, err
}

const notificationColumns = `id, user_id, kind, title, url, created_at, read_at, dedupe`

// Notifications lists a user's latest notifications, newest first.
func (s *Store) Notifications(ctx context.Context, userID int64, limit int) ([]Notification, error) {
	var out []Notification
	err := s.each(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT ?`,
		[]any{userID, limit}, func(rows *sql.Rows) error {
			n, err := scanNotification(rows)
			if err != nil {
				return err
			}
			out = append(out, n)
			return nil
		})
	return out, err
}

// ReadNotification marks one of the user's notifications read and
// returns it.
func (s *Store) ReadNotification(ctx context.Context, userID, id int64) (Notification, error) {
	n, err := scanNotification(s.DB.QueryRowContext(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE id = ? AND user_id = ?`, id, userID))
	if err != nil || n.Read {
		return n, err
	}
	_, err = s.DB.ExecContext(ctx, `UPDATE notifications SET read_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
		WHERE id = ? AND user_id = ? AND read_at = ''`, id, userID)
	return n, err
}

// ReadAllNotifications marks every notification of the user read.
func (s *Store) ReadAllNotifications(ctx context.Context, userID int64) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE notifications SET read_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
		WHERE user_id = ? AND read_at = ''`, userID)
	return err
}

// SetMailPref records what the user wants by e-mail.
func (s *Store) SetMailPref(ctx context.Context, userID int64, pref portfolio.MailPref) error {
	res, err := s.DB.ExecContext(ctx, `UPDATE users SET mail_pref = ? WHERE id = ?`, pref, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portfolio.ErrNotFound
	}
	return nil
}

// PendingMail is a user's notifications not yet put in a mail, with what
// the grouping rules need.
type PendingMail struct {
	User          portfolio.User
	Notifications []Notification // oldest first
	LastSent      map[string]time.Time
}

// PendingMails lists the users after the user id after who have
// notifications not yet mailed, with them (at most limit users per call,
// by user id: call again after the last one to go on).
func (s *Store) PendingMails(ctx context.Context, after int64, limit int) ([]PendingMail, error) {
	var ids []int64
	err := s.each(ctx, `SELECT DISTINCT user_id FROM notifications WHERE mailed = 0 AND user_id > ? ORDER BY user_id LIMIT ?`, []any{after, limit},
		func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			return nil
		})
	if err != nil {
		return nil, err
	}
	out := make([]PendingMail, 0, len(ids))
	for _, id := range ids {
		u, err := s.UserByID(ctx, id)
		if err != nil {
			return nil, err
		}
		p := PendingMail{User: u, LastSent: map[string]time.Time{}}
		err = s.each(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE user_id = ? AND mailed = 0 ORDER BY id`, []any{id},
			func(rows *sql.Rows) error {
				n, err := scanNotification(rows)
				if err != nil {
					return err
				}
				p.Notifications = append(p.Notifications, n)
				return nil
			})
		if err != nil {
			return nil, err
		}
		err = s.each(ctx, `SELECT grp, at FROM mail_sent WHERE user_id = ?`, []any{id}, func(rows *sql.Rows) error {
			var grp, at string
			if err := rows.Scan(&grp, &at); err != nil {
				return err
			}
			p.LastSent[grp], _ = time.Parse(time.RFC3339, at)
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Mail is a mail to queue: for a user, carrying notifications (marked
// mailed with it), counting as the group's last mail.
type Mail struct {
	UserID        int64
	To            string
	Subject       string
	Body          string
	Unsubscribe   string
	Group         string  // "" when it counts for no group
	Notifications []int64 // marked mailed in the same transaction
}

// QueueMails writes the mails to send and marks their notifications
// mailed, all or nothing; skip marks notifications mailed without a mail
// (a user who wants none).
func (s *Store) QueueMails(ctx context.Context, now time.Time, mails []Mail, skip []int64) error {
	at := now.UTC().Format(time.RFC3339)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		mark := func(ids []int64) error {
			for _, id := range ids {
				if _, err := tx.ExecContext(ctx, `UPDATE notifications SET mailed = 1 WHERE id = ?`, id); err != nil {
					return err
				}
			}
			return nil
		}
		if err := mark(skip); err != nil {
			return err
		}
		for _, m := range mails {
			var user any
			if m.UserID > 0 {
				user = m.UserID
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO mail_queue (user_id, to_addr, subject, body, unsubscribe, created_at, next_attempt)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, user, m.To, m.Subject, m.Body, m.Unsubscribe, at, at); err != nil {
				return err
			}
			if err := mark(m.Notifications); err != nil {
				return err
			}
			if m.Group != "" && m.UserID > 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO mail_sent (user_id, grp, at) VALUES (?, ?, ?)
					ON CONFLICT (user_id, grp) DO UPDATE SET at = excluded.at`, m.UserID, m.Group, at); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// SkipUnmailed marks every unmailed notification mailed, without a mail
// (no e-mail is configured: switching it on later must not mail the
// whole history).
func (s *Store) SkipUnmailed(ctx context.Context) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE notifications SET mailed = 1 WHERE mailed = 0`)
	return err
}

// QueuedMail is a mail of the queue.
type QueuedMail struct {
	ID     int64
	UserID int64
	// Skip: its user no longer wants mail (unsubscribed, disabled since it
	// was queued); To is the user's current address.
	Skip        bool
	To          string
	Subject     string
	Body        string
	Unsubscribe string
	Attempts    int
	LastError   string
	Sent        bool
	GivenUp     bool
}

// DueMails lists the queued mails whose next attempt is due, oldest first.
func (s *Store) DueMails(ctx context.Context, now time.Time, limit int) ([]QueuedMail, error) {
	var out []QueuedMail
	err := s.each(ctx, `SELECT q.id, coalesce(q.user_id, 0), coalesce(u.email, q.to_addr),
		coalesce(u.mail_pref = 'none' OR u.disabled, 0), q.subject, q.body, q.unsubscribe, q.attempts, q.last_error
		FROM mail_queue q LEFT JOIN users u ON u.id = q.user_id
		WHERE q.sent_at = '' AND q.given_up_at = '' AND q.next_attempt <= ? ORDER BY q.next_attempt, q.id LIMIT ?`,
		[]any{now.UTC().Format(time.RFC3339), limit},
		func(rows *sql.Rows) error {
			var m QueuedMail
			if err := rows.Scan(&m.ID, &m.UserID, &m.To, &m.Skip, &m.Subject, &m.Body, &m.Unsubscribe, &m.Attempts, &m.LastError); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	return out, err
}

// MailQueue lists every mail of the queue (for the admin and the tests).
func (s *Store) MailQueue(ctx context.Context) ([]QueuedMail, error) {
	var out []QueuedMail
	err := s.each(ctx, `SELECT id, to_addr, subject, body, unsubscribe, attempts, last_error, sent_at <> '', given_up_at <> '' FROM mail_queue ORDER BY id`, nil,
		func(rows *sql.Rows) error {
			var m QueuedMail
			if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.Unsubscribe, &m.Attempts, &m.LastError, &m.Sent, &m.GivenUp); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	return out, err
}

// MailSent marks a queued mail sent.
func (s *Store) MailSent(ctx context.Context, id int64, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE mail_queue SET sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?`,
		now.UTC().Format(time.RFC3339), id)
	return err
}

// MailFailed records a failed attempt and when to try again.
func (s *Store) MailFailed(ctx context.Context, id int64, next time.Time, cause string) error {
	if len(cause) > 500 {
		cause = cause[:500]
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE mail_queue SET attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE id = ?`,
		strings.ToValidUTF8(cause, "?"), next.UTC().Format(time.RFC3339), id)
	return err
}

// MailGivenUp records that a queued mail will never go, and why.
func (s *Store) MailGivenUp(ctx context.Context, id int64, now time.Time, cause string) error {
	if len(cause) > 500 {
		cause = cause[:500]
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE mail_queue SET attempts = attempts + 1, last_error = ?, given_up_at = ? WHERE id = ?`,
		strings.ToValidUTF8(cause, "?"), now.UTC().Format(time.RFC3339), id)
	return err
}

// PurgeSentMails deletes the mails sent before the date (the queue is
// not an archive).
func (s *Store) PurgeSentMails(ctx context.Context, before time.Time) error {
	b := before.UTC().Format(time.RFC3339)
	_, err := s.DB.ExecContext(ctx, `DELETE FROM mail_queue WHERE (sent_at <> '' AND sent_at < ?) OR (given_up_at <> '' AND given_up_at < ?)`, b, b)
	return err
}

// ClassStudents is a class with its students' ids.
type ClassStudents struct {
	Class    Class
	Students []int64
}

// DeadlineStudents lists the classes (not archived) whose deadline is the
// given day, with their students: for the reminders.
func (s *Store) DeadlineStudents(ctx context.Context, day string) ([]ClassStudents, error) {
	var out []ClassStudents
	err := s.each(ctx, `SELECT `+classColumns+`, cs.student_id FROM classes c JOIN class_students cs ON cs.class_id = c.id
		WHERE c.deadline = ? AND NOT c.archived ORDER BY c.id, cs.student_id`, []any{day}, func(rows *sql.Rows) error {
		var sid int64
		c, err := scanClass(rows, &sid)
		if err != nil {
			return err
		}
		if len(out) == 0 || out[len(out)-1].Class.ID != c.ID {
			out = append(out, ClassStudents{Class: c})
		}
		out[len(out)-1].Students = append(out[len(out)-1].Students, sid)
		return nil
	})
	return out, err
}

// ActiveTeachers lists the teachers of the student's classes that are not
// archived: who hears of the student's submissions and comments.
func (s *Store) ActiveTeachers(ctx context.Context, studentID int64) ([]int64, error) {
	var out []int64
	err := s.each(ctx, `SELECT DISTINCT ct.teacher_id FROM class_students cs
		JOIN classes c ON c.id = cs.class_id AND NOT c.archived
		JOIN class_teachers ct ON ct.class_id = c.id
		WHERE cs.student_id = ? ORDER BY ct.teacher_id`, []any{studentID}, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	})
	return out, err
}
