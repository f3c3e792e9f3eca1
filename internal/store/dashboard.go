package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// StudentSummary is one student's line of a class dashboard.
type StudentSummary struct {
	// User has the fields the dashboard shows: ID, FirstName, LastName,
	// Parcours.
	User     portfolio.User
	ByStatus map[portfolio.Status]int
	// Activities and Types are the coverage levels as student_coverage
	// keeps them ("CODE:N,…"), read with Levels.
	Activities, Types string
	Cadres            []string // the cadres of their réalisations
}

// Levels fills out with the coverage levels of list (a StudentSummary's
// Activities or Types) of the codes that index numbers; codes not in
// index are skipped. A dashboard builds index once for all its students:
// no map per student.
func Levels(list string, index map[string]int, out []portfolio.Coverage) {
	for len(list) > 0 {
		var item string
		item, list, _ = strings.Cut(list, ",")
		if code, n, ok := strings.Cut(item, ":"); ok && len(n) == 1 && n[0] >= '0' && n[0] <= '9' {
			if i, ok := index[code]; ok && i < len(out) {
				out[i] = portfolio.Coverage(n[0] - '0')
			}
		}
	}
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

// QueueLimit is how many submitted réalisations a dashboard lists (the
// oldest first); the count of all of them comes from the students' counts.
const QueueLimit = 100

// Dashboard is what a teacher sees of one class.
type Dashboard struct {
	Students []StudentSummary
	Queue    []QueueItem // the QueueLimit oldest
	Waiting  int         // every submitted réalisation of the class
}

// dashboardStudent is a student's line of a class dashboard as read from
// the database, with their names folded for the order.
type dashboardStudent struct {
	summary     StudentSummary
	queue       []QueueItem
	last, first string // folded
}

// ClassDashboard gathers a class's students, their counts, coverage and
// submitted réalisations (kept up to date on every write in
// student_coverage), and from those the review queue (oldest submission
// first). The class's list of students and each student's line are kept
// in memory until a write changes them (changes.go): a dashboard made
// again after one student wrote reads that student's line only, in one
// query whatever the class or school size.
func (s *Store) ClassDashboard(ctx context.Context, classID int64) (Dashboard, error) {
	var d Dashboard
	ids, err := s.members.get(classID, nil, func() ([]int64, error) {
		var ids []int64
		err := s.each(ctx, `SELECT student_id FROM class_students WHERE class_id = ?`, []any{classID}, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		})
		return ids, err
	})
	if err != nil || len(ids) == 0 {
		return d, err
	}
	lines, err := s.students.getMany(ids, func(missing []int64) (map[int64]dashboardStudent, error) {
		return s.dashboardStudents(ctx, missing)
	})
	if err != nil {
		return d, err
	}
	list := make([]dashboardStudent, 0, len(lines))
	queued := 0
	for _, id := range ids {
		if l, ok := lines[id]; ok {
			list = append(list, l)
			queued += len(l.queue)
		}
	}
	// ORDER BY last_name COLLATE fr, first_name COLLATE fr.
	slices.SortFunc(list, func(a, b dashboardStudent) int {
		return cmp.Or(strings.Compare(a.last, b.last), strings.Compare(a.summary.User.LastName, b.summary.User.LastName),
			strings.Compare(a.first, b.first), strings.Compare(a.summary.User.FirstName, b.summary.User.FirstName))
	})
	d.Students = make([]StudentSummary, len(list))
	queue := make([]*QueueItem, 0, queued)
	for i := range list {
		d.Students[i] = list[i].summary
		d.Waiting += list[i].summary.ByStatus[portfolio.StatusSubmitted]
		for j := range list[i].queue {
			queue = append(queue, &list[i].queue[j])
		}
	}
	// The oldest submissions first.
	slices.SortFunc(queue, func(a, b *QueueItem) int {
		return cmp.Or(a.SubmittedAt.Compare(b.SubmittedAt), cmp.Compare(a.RealisationID, b.RealisationID))
	})
	if len(queue) > QueueLimit {
		queue = queue[:QueueLimit]
	}
	d.Queue = make([]QueueItem, len(queue))
	for i, q := range queue {
		d.Queue[i] = *q
	}
	return d, nil
}

// dashboardStudents reads the dashboard lines of students, in one query
// that reads only the columns the page shows.
func (s *Store) dashboardStudents(ctx context.Context, ids []int64) (map[int64]dashboardStudent, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]dashboardStudent, len(ids))
	err = s.each(ctx, `SELECT u.id, u.first_name, u.last_name, u.parcours, coalesce(sc.activities, ''),
			coalesce(sc.types, ''), coalesce(sc.counts, ''), coalesce(sc.cadres, ''), coalesce(sc.queue, '')
		FROM users u LEFT JOIN student_coverage sc ON sc.student_id = u.id
		WHERE u.id IN (SELECT value FROM json_each(?))`, []any{string(list)},
		func(rows *sql.Rows) error {
			var u portfolio.User
			var acts, types, counts, cadres, queue string
			if err := rows.Scan(&u.ID, &u.FirstName, &u.LastName, &u.Parcours, &acts, &types, &counts, &cadres, &queue); err != nil {
				return err
			}
			u.Role = portfolio.RoleStudent
			st := StudentSummary{User: u, ByStatus: make(map[portfolio.Status]int, 4), Activities: acts, Types: types}
			if cadres != "" {
				st.Cadres = strings.Split(cadres, ",")
			}
			for code, n := range parsePairs(counts) {
				st.ByStatus[portfolio.Status(code)] = n
			}
			out[u.ID] = dashboardStudent{summary: st, queue: appendQueue(nil, u, queue), last: Fold(u.LastName), first: Fold(u.FirstName)}
			return nil
		})
	return out, err
}

// appendQueue adds a student's submitted réalisations, as student_coverage
// keeps them (migration 00015), to the queue.
func appendQueue(q []QueueItem, u portfolio.User, s string) []QueueItem {
	name := u.LastName + " " + u.FirstName
	for s != "" {
		var entry string
		entry, s, _ = strings.Cut(s, "\x1e")
		at, rest, _ := strings.Cut(entry, "\x1f")
		id, title, _ := strings.Cut(rest, "\x1f")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			continue
		}
		q = append(q, QueueItem{RealisationID: n, StudentID: u.ID, StudentName: name, Title: title, SubmittedAt: parseTime(at)})
	}
	return q
}

// NextToReview is the oldest submitted réalisation, other than except, of
// the students of the classes the teacher teaches (the staff's « suivante
// à relire »), or ok false when there is none.
func (s *Store) NextToReview(ctx context.Context, teacherID, except int64) (q QueueItem, ok bool, err error) {
	var at string
	err = s.DB.QueryRowContext(ctx, `SELECT r.id, r.student_id, u.last_name || ' ' || u.first_name, r.title, r.status_changed_at
		FROM realisations r JOIN users u ON u.id = r.student_id
		WHERE r.status = 'soumise' AND r.id <> ? AND r.student_id IN (SELECT cs.student_id FROM class_students cs
			JOIN class_teachers ct ON ct.class_id = cs.class_id WHERE ct.teacher_id = ?)
		ORDER BY r.status_changed_at, r.id LIMIT 1`, except, teacherID).Scan(&q.RealisationID, &q.StudentID, &q.StudentName, &q.Title, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return q, false, nil
	}
	q.SubmittedAt = parseTime(at)
	return q, err == nil, err
}

// StudentCoverage is one student's coverage of activities and types.
func (s *Store) StudentCoverage(ctx context.Context, studentID int64) (activities, types map[string]portfolio.Coverage, err error) {
	var acts, typ string
	err = s.queryRow(ctx, `SELECT activities, types FROM student_coverage WHERE student_id = ?`, studentID).Scan(&acts, &typ)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return parseLevels(acts), parseLevels(typ), err
}

// coverageSQL recomputes the student_coverage row of the students that
// the expression (of the users row u) selects, with the stamp counter's
// value (see nextStamp).
const coverageSQL = `INSERT INTO student_coverage (student_id, activities, types, counts, cadres, queue, stamp)
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
		coalesce((SELECT group_concat(cadre, ',') FROM (
			SELECT DISTINCT cadre FROM realisations WHERE student_id = u.id ORDER BY cadre)), ''),
		coalesce((SELECT group_concat(status_changed_at || char(31) || id || char(31)
				|| replace(replace(title, char(30), ' '), char(31), ' '), char(30))
			FROM realisations WHERE student_id = u.id AND status = 'soumise'), ''),
		(SELECT value FROM stamp_counter)
	FROM users u WHERE `

const coverageUpsert = ` ON CONFLICT (student_id) DO UPDATE SET
	activities = excluded.activities, types = excluded.types, counts = excluded.counts, cadres = excluded.cadres,
	queue = excluded.queue, stamp = excluded.stamp`

// nextStamp moves the stamp counter on (migration 00010): every stamp
// given after it is new, for any student or class, so a cache keyed by
// (id, stamp) never takes a new account that got a deleted one's id for
// the deleted one.
func nextStamp(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE stamp_counter SET value = value + 1`)
	return err
}

// refreshCoverage recomputes one student's coverage inside a write.
func refreshCoverage(ctx context.Context, tx *sql.Tx, studentID int64) error {
	if err := nextStamp(ctx, tx); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, coverageSQL+`u.id = ?`+coverageUpsert, studentID)
	return err
}

// RefreshAllCoverage recomputes every student's coverage (after a bulk
// load that bypassed the store's writes).
func (s *Store) RefreshAllCoverage(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := nextStamp(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, coverageSQL+`u.role = 'student'`+coverageUpsert)
		return err
	})
}

// parsePairs reads "CODE:N,CODE:N".
func parsePairs(s string) map[string]int {
	out := map[string]int{}
	for _, item := range strings.Split(s, ",") {
		code, n, ok := strings.Cut(item, ":")
		if !ok {
			continue
		}
		v, err := strconv.Atoi(n)
		if err == nil {
			out[code] = v
		}
	}
	return out
}

// parseLevels reads a coverage list ("CODE:N,CODE:N", N a single digit).
// It is on the class dashboard's path for every student: one pass, one
// map of the right size.
func parseLevels(s string) map[string]portfolio.Coverage {
	out := make(map[string]portfolio.Coverage, strings.Count(s, ",")+1)
	for len(s) > 0 {
		item, rest, _ := strings.Cut(s, ",")
		s = rest
		if code, n, ok := strings.Cut(item, ":"); ok && len(n) == 1 && n[0] >= '0' && n[0] <= '9' {
			out[code] = portfolio.Coverage(n[0] - '0')
		}
	}
	return out
}

// tableauVersion is a student's TableauVersion on a day.
type tableauVersion struct {
	day   string
	stamp int64
	token string
}

// TableauVersion is what a student's tableau depends on besides their
// identity, in one query, or from memory while their coverage row and the
// jury links do not change (changes.go). The stamp moves on every write to
// anything their réalisations show (0 before the first write); the token
// is the one of their newest jury link active on day ("" for none), whose
// address the tableau prints as "URL du portfolio".
func (s *Store) TableauVersion(ctx context.Context, studentID int64, day string) (stamp int64, juryToken string, err error) {
	v, err := s.versions.get(studentID, func(v tableauVersion) bool { return v.day == day }, func() (tableauVersion, error) {
		v := tableauVersion{day: day}
		err := s.queryRow(ctx, `SELECT
			coalesce((SELECT stamp FROM student_coverage WHERE student_id = ?1), 0),
			coalesce((SELECT token FROM jury_links
				WHERE student_id = ?1 AND revoked_at = '' AND (expires_on = '' OR expires_on >= ?2)
				ORDER BY id DESC LIMIT 1), '')`, studentID, day).Scan(&v.stamp, &v.token)
		return v, err
	})
	return v.stamp, v.token, err
}

// bumpAllStamps marks every student's réalisations as changed (a
// validating teacher was renamed or deleted), in the caller's transaction.
func bumpAllStamps(ctx context.Context, tx *sql.Tx) error {
	if err := nextStamp(ctx, tx); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE student_coverage SET stamp = (SELECT value FROM stamp_counter)`)
	return err
}
