package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// StudentSummary is one student's line of a class dashboard.
type StudentSummary struct {
	User     portfolio.User
	ByStatus map[portfolio.Status]int
	Coverage map[string]portfolio.Coverage // activity code → level
	Types    map[string]portfolio.Coverage // type code → level
}

// Total is the number of réalisations of the student.
func (s StudentSummary) Total() int {
	n := 0
	for _, c := range s.ByStatus {
		n += c
	}
	return n
}

// QueueItem is a submitted réalisation awaiting review.
type QueueItem struct {
	RealisationID int64
	StudentID     int64
	StudentName   string
	Title         string
	SubmittedAt   time.Time
}

// Dashboard is what a teacher sees of one class.
type Dashboard struct {
	Students []StudentSummary
	Queue    []QueueItem
}

// ClassDashboard gathers a class's students, their counts and coverage,
// and the review queue (oldest submission first), in a fixed number of
// queries whatever the class size.
func (s *Store) ClassDashboard(ctx context.Context, classID int64) (Dashboard, error) {
	var d Dashboard
	idx := map[int64]int{}
	err := s.each(ctx, `SELECT `+userColumnsU+` FROM users u JOIN class_students cs ON cs.student_id = u.id
		WHERE cs.class_id = ? ORDER BY u.last_name COLLATE NOCASE, u.first_name COLLATE NOCASE`, []any{classID},
		func(rows *sql.Rows) error {
			u, err := scanUserRow(rows)
			if err != nil {
				return err
			}
			idx[u.ID] = len(d.Students)
			d.Students = append(d.Students, StudentSummary{User: u, ByStatus: map[portfolio.Status]int{},
				Coverage: map[string]portfolio.Coverage{}, Types: map[string]portfolio.Coverage{}})
			return nil
		})
	if err != nil || len(d.Students) == 0 {
		return d, err
	}
	member := `SELECT student_id FROM class_students WHERE class_id = ?`
	err = s.each(ctx, `SELECT student_id, status, count(*) FROM realisations
		WHERE student_id IN (`+member+`) GROUP BY student_id, status`, []any{classID},
		func(rows *sql.Rows) error {
			var id int64
			var st portfolio.Status
			var n int
			if err := rows.Scan(&id, &st, &n); err != nil {
				return err
			}
			d.Students[idx[id]].ByStatus[st] = n
			return nil
		})
	if err != nil {
		return d, err
	}
	err = s.coverage(ctx, member, []any{classID}, func(id int64, activity string, types bool, c portfolio.Coverage) {
		if i, ok := idx[id]; ok {
			if types {
				d.Students[i].Types[activity] = c
			} else {
				d.Students[i].Coverage[activity] = c
			}
		}
	})
	if err != nil {
		return d, err
	}
	err = s.each(ctx, `SELECT r.id, r.student_id, u.first_name || ' ' || u.last_name, r.title, r.status_changed_at
		FROM realisations r JOIN users u ON u.id = r.student_id
		WHERE r.status = 'soumise' AND r.student_id IN (`+member+`)
		ORDER BY r.status_changed_at, r.id`, []any{classID},
		func(rows *sql.Rows) error {
			var q QueueItem
			var at string
			if err := rows.Scan(&q.RealisationID, &q.StudentID, &q.StudentName, &q.Title, &at); err != nil {
				return err
			}
			q.SubmittedAt = parseTime(at)
			d.Queue = append(d.Queue, q)
			return nil
		})
	return d, err
}

// StudentCoverage is one student's coverage of activities and types.
func (s *Store) StudentCoverage(ctx context.Context, studentID int64) (activities, types map[string]portfolio.Coverage, err error) {
	activities, types = map[string]portfolio.Coverage{}, map[string]portfolio.Coverage{}
	err = s.coverage(ctx, `SELECT ?`, []any{studentID}, func(_ int64, code string, isType bool, c portfolio.Coverage) {
		if isType {
			types[code] = c
		} else {
			activities[code] = c
		}
	})
	return activities, types, err
}

// coverage reports, for the students the sub-query selects, each activity
// and type they have at least one réalisation for, validated or not.
func (s *Store) coverage(ctx context.Context, students string, args []any, fn func(studentID int64, code string, isType bool, c portfolio.Coverage)) error {
	scan := func(isType bool) func(*sql.Rows) error {
		return func(rows *sql.Rows) error {
			var id int64
			var code string
			var validated bool
			if err := rows.Scan(&id, &code, &validated); err != nil {
				return err
			}
			c := portfolio.CoveredPending
			if validated {
				c = portfolio.CoveredValidated
			}
			fn(id, code, isType, c)
			return nil
		}
	}
	err := s.each(ctx, `SELECT r.student_id, a.activity_code, max(r.status = 'validee')
		FROM realisations r JOIN realisation_activities a ON a.realisation_id = r.id
		WHERE r.student_id IN (`+students+`) GROUP BY r.student_id, a.activity_code`, args, scan(false))
	if err != nil {
		return err
	}
	return s.each(ctx, `SELECT r.student_id, t.type_code, max(r.status = 'validee')
		FROM realisations r JOIN realisation_types t ON t.realisation_id = r.id
		WHERE r.student_id IN (`+students+`) GROUP BY r.student_id, t.type_code`, args, scan(true))
}
