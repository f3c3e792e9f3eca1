package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

const nowMillis = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`

// ApplyTransition moves a réalisation of the student from status `from`
// to `to` if it is still at version `version`, and records the event. It
// returns ErrConflict when someone changed it first. A réalisation a
// teacher sends back (rework, reopen) may be changed by the student after
// the class deadline, until it is submitted again.
func (s *Store) ApplyTransition(ctx context.Context, studentID, id int64, version int, act portfolio.Action,
	from, to portfolio.Status, actorID int64, reason string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE realisations SET status = ?, status_reason = ?,
			status_changed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), version = version + 1,
			validated_by = CASE WHEN ? = 'validee' THEN ? ELSE NULL END,
			deadline_exempt = CASE WHEN ? IN ('reopen', 'rework') THEN 1 WHEN ? IN ('soumise', 'validee') THEN 0 ELSE deadline_exempt END
			WHERE id = ? AND student_id = ? AND version = ? AND status = ?`,
			to, reason, to, actorID, act, to, id, studentID, version, from)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return missingOrConflict(ctx, tx, studentID, id)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO realisation_events (realisation_id, actor_id, from_status, to_status, reason, at)
			VALUES (?, ?, ?, ?, ?, `+nowMillis+`)`, id, actorID, from, to, reason)
		if err != nil {
			return err
		}
		return refreshCoverage(ctx, tx, studentID)
	})
}

// SetTableauVisibility records the student's choice for the tableau row.
func (s *Store) SetTableauVisibility(ctx context.Context, studentID, id int64, v portfolio.TableauVisibility) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE realisations SET on_tableau = ? WHERE id = ? AND student_id = ?`, v, id, studentID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return portfolio.ErrNotFound
		}
		return refreshCoverage(ctx, tx, studentID)
	})
}

// Events lists the status changes of a réalisation, oldest first.
func (s *Store) Events(ctx context.Context, id int64) ([]portfolio.Event, error) {
	var out []portfolio.Event
	err := s.each(ctx, `SELECT e.id, e.at, coalesce(u.first_name || ' ' || u.last_name, 'compte supprimé'),
			e.from_status, e.to_status, e.reason
		FROM realisation_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.realisation_id = ? ORDER BY e.id`, []any{id},
		func(rows *sql.Rows) error {
			var e portfolio.Event
			var at string
			if err := rows.Scan(&e.ID, &at, &e.ActorName, &e.From, &e.To, &e.Reason); err != nil {
				return err
			}
			e.At = parseTime(at)
			out = append(out, e)
			return nil
		})
	return out, err
}

// AddComment adds a comment to a réalisation.
func (s *Store) AddComment(ctx context.Context, id, authorID int64, activity, body string) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO comments (realisation_id, author_id, activity_code, body, created_at)
		VALUES (?, ?, ?, ?, `+nowMillis+`)`, id, authorID, activity, body)
	return err
}

// Comments lists the comments of a réalisation, oldest first.
func (s *Store) Comments(ctx context.Context, id int64) ([]portfolio.Comment, error) {
	var out []portfolio.Comment
	err := s.each(ctx, `SELECT c.id, coalesce(c.author_id, 0), coalesce(u.first_name || ' ' || u.last_name, 'compte supprimé'),
			coalesce(u.role, ''), c.activity_code, c.body, c.created_at
		FROM comments c LEFT JOIN users u ON u.id = c.author_id
		WHERE c.realisation_id = ? ORDER BY c.id`, []any{id},
		func(rows *sql.Rows) error {
			var c portfolio.Comment
			var at string
			if err := rows.Scan(&c.ID, &c.AuthorID, &c.AuthorName, &c.AuthorRole, &c.Activity, &c.Body, &at); err != nil {
				return err
			}
			c.At = parseTime(at)
			out = append(out, c)
			return nil
		})
	return out, err
}

// MarkSeen records that the user has seen every comment and status change
// of the réalisation so far.
func (s *Store) MarkSeen(ctx context.Context, userID, id int64) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO realisation_reads (user_id, realisation_id, seen_comment_id, seen_event_id)
		VALUES (?, ?, coalesce((SELECT max(id) FROM comments WHERE realisation_id = ?), 0),
			coalesce((SELECT max(id) FROM realisation_events WHERE realisation_id = ?), 0))
		ON CONFLICT (user_id, realisation_id) DO UPDATE SET
			seen_comment_id = excluded.seen_comment_id, seen_event_id = excluded.seen_event_id`,
		userID, id, id, id)
	return err
}

// Unread returns the ids of the student's réalisations with comments or
// status changes by someone else that the user has not seen.
func (s *Store) Unread(ctx context.Context, userID, studentID int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	err := s.each(ctx, `SELECT r.id FROM realisations r
		LEFT JOIN realisation_reads rr ON rr.user_id = ? AND rr.realisation_id = r.id
		WHERE r.student_id = ? AND (
			EXISTS (SELECT 1 FROM comments c WHERE c.realisation_id = r.id
				AND c.id > coalesce(rr.seen_comment_id, 0) AND coalesce(c.author_id, 0) <> ?)
			OR EXISTS (SELECT 1 FROM realisation_events e WHERE e.realisation_id = r.id
				AND e.id > coalesce(rr.seen_event_id, 0) AND coalesce(e.actor_id, 0) <> ?))`,
		[]any{userID, studentID, userID, userID},
		func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out[id] = true
			return nil
		})
	return out, err
}

// parseTime reads the timestamps SQLite writes (with or without
// milliseconds); a malformed one is the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
