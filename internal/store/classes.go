package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// ErrReferentielMismatch is returned when a student who has réalisations
// on a référentiel is enrolled in a class of another one.
var ErrReferentielMismatch = errors.New("the student has réalisations on another référentiel")

// ErrReferentielInUse is returned when the référentiel of a class whose
// students have réalisations would change.
var ErrReferentielInUse = errors.New("students of the class have réalisations on its référentiel")

// ErrReferentielOtherClass is returned when a student would follow two
// référentiels: enrolled in a class of one while in a class (not
// archived) of the other, or by a change of their class's référentiel.
var ErrReferentielOtherClass = errors.New("the student is in a class of another référentiel")

// referentielError maps the refusals of the référentiel triggers
// (migration 00012) to their errors.
func referentielError(err error) error {
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "portfolio: referentiel mismatch"):
		return ErrReferentielMismatch
	case strings.Contains(err.Error(), "portfolio: referentiel in use"):
		return ErrReferentielInUse
	case strings.Contains(err.Error(), "portfolio: referentiel other class"):
		return ErrReferentielOtherClass
	}
	return err
}

// ErrClassExists is returned when a class name is already used that year.
var ErrClassExists = errors.New("class name already used for that school year")

// Class is a group of students followed by teachers for a school year.
type Class struct {
	ID          int64
	Name        string
	SchoolYear  string
	Referentiel string
	Parcours    string
	Deadline    portfolio.Deadline
	Archived    bool
	ExamForm    portfolio.ExamForm // how its students sit the épreuves, unless one says otherwise
	Stamp       int64              // moves whenever the class dashboard would change (migration 00009)
	Students    int                // count, filled by list queries
	Submitted   int                // réalisations awaiting review, filled by list queries
}

const classColumns = `c.id, c.name, c.school_year, c.referentiel, c.parcours, c.deadline, c.archived, c.stamp, c.exam_form`

func scanClass(row interface{ Scan(...any) error }, extra ...any) (Class, error) {
	var c Class
	var deadline string
	err := row.Scan(append([]any{&c.ID, &c.Name, &c.SchoolYear, &c.Referentiel, &c.Parcours, &deadline, &c.Archived, &c.Stamp, &c.ExamForm}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return c, portfolio.ErrNotFound
	}
	if deadline != "" {
		t, _ := time.Parse(time.DateOnly, deadline)
		c.Deadline = portfolio.Deadline{Time: t}
	}
	return c, err
}

// CreateClass inserts a class and returns its id.
func (s *Store) CreateClass(ctx context.Context, c Class) (int64, error) {
	if c.Referentiel == "" {
		c.Referentiel = "sio-2011"
	}
	var id int64
	err := s.DB.QueryRowContext(ctx, `INSERT INTO classes (name, school_year, referentiel, parcours, deadline, exam_form)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, c.Name, c.SchoolYear, c.Referentiel, c.Parcours, c.Deadline.Day(), c.ExamForm).Scan(&id)
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return 0, ErrClassExists
	}
	return id, err
}

// UpdateClass changes a class's name, year, référentiel (ErrReferentielInUse
// once its students have réalisations), parcours, deadline and archived
// flag. An empty Referentiel keeps the class's.
func (s *Store) UpdateClass(ctx context.Context, c Class) error {
	res, err := s.DB.ExecContext(ctx, `UPDATE classes SET name = ?, school_year = ?, parcours = ?, deadline = ?, archived = ?,
		exam_form = ?, referentiel = CASE WHEN ? <> '' THEN ? ELSE referentiel END
		WHERE id = ?`, c.Name, c.SchoolYear, c.Parcours, c.Deadline.Day(), c.Archived, c.ExamForm, c.Referentiel, c.Referentiel, c.ID)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return ErrClassExists
		}
		return referentielError(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return portfolio.ErrNotFound
	}
	return nil
}

// ClassByID returns a class.
func (s *Store) ClassByID(ctx context.Context, id int64) (Class, error) {
	e, err := s.class(ctx, id)
	return e.class, err
}

// TaughtClass is the class if the teacher teaches it, else ErrNotFound
// (a class page's access check).
func (s *Store) TaughtClass(ctx context.Context, id, teacherID int64) (Class, error) {
	e, err := s.class(ctx, id)
	if err != nil {
		return Class{}, err
	}
	if !slices.Contains(e.teachers, teacherID) {
		return Class{}, portfolio.ErrNotFound
	}
	return e.class, nil
}

// classEntry is a class with its teachers' ids.
type classEntry struct {
	class    Class
	teachers []int64
}

// class reads a class and its teachers in one query, or from memory while
// its row and the teaching assignments do not change (changes.go).
func (s *Store) class(ctx context.Context, id int64) (classEntry, error) {
	return s.classes.get(id, nil, func() (classEntry, error) {
		var e classEntry
		var teachers string
		var err error
		e.class, err = scanClass(s.queryRow(ctx, `SELECT `+classColumns+`,
			coalesce((SELECT group_concat(teacher_id) FROM class_teachers WHERE class_id = c.id), '')
			FROM classes c WHERE c.id = ?`, id), &teachers)
		if err != nil {
			return e, err
		}
		for _, t := range strings.Split(teachers, ",") {
			if n, err := strconv.ParseInt(t, 10, 64); err == nil {
				e.teachers = append(e.teachers, n)
			}
		}
		return e, nil
	})
}

// Classes lists classes with their student and pending-review counts:
// every class for an admin (teacherID 0), else the teacher's classes.
// Archived classes come last.
func (s *Store) Classes(ctx context.Context, teacherID int64) ([]Class, error) {
	return s.listClasses(ctx, teacherID, -1, 0)
}

// ClassesPage is a page of every class, in the order of Classes: limit
// classes after offset, read through the index of that order.
func (s *Store) ClassesPage(ctx context.Context, limit, offset int) ([]Class, error) {
	return s.listClasses(ctx, 0, limit, max(offset, 0))
}

func (s *Store) listClasses(ctx context.Context, teacherID int64, limit, offset int) ([]Class, error) {
	where, args := "", []any{}
	if teacherID != 0 {
		where = `WHERE c.id IN (SELECT class_id FROM class_teachers WHERE teacher_id = ?)`
		args = append(args, teacherID)
	}
	args = append(args, limit, offset)
	var out []Class
	err := s.each(ctx, `SELECT `+classColumns+`,
			(SELECT count(*) FROM class_students cs WHERE cs.class_id = c.id),
			(SELECT count(*) FROM class_students cs JOIN realisations r ON r.student_id = cs.student_id
				WHERE cs.class_id = c.id AND r.status = 'soumise')
		FROM classes c `+where+` ORDER BY c.archived, c.school_year DESC, c.name COLLATE fr LIMIT ? OFFSET ?`, args,
		func(rows *sql.Rows) error {
			var students, submitted int
			c, err := scanClass(rows, &students, &submitted)
			if err != nil {
				return err
			}
			c.Students, c.Submitted = students, submitted
			out = append(out, c)
			return nil
		})
	return out, err
}

// ClassMembers lists the students (sorted by name) and the teachers of a
// class.
func (s *Store) ClassMembers(ctx context.Context, classID int64) (students, teachers []portfolio.User, err error) {
	// From the class's rows, not from every user: a page of one class
	// reads that class.
	err = s.each(ctx, `SELECT `+userColumnsU+`, 0 FROM class_students cs JOIN users u ON u.id = cs.student_id
		WHERE cs.class_id = ?
		UNION ALL
		SELECT `+userColumnsU+`, 1 FROM class_teachers ct JOIN users u ON u.id = ct.teacher_id
		WHERE ct.class_id = ?
		ORDER BY 4 COLLATE fr, 3 COLLATE fr`, []any{classID, classID},
		func(rows *sql.Rows) error {
			var teacher bool
			u, err := scanUserRow(rows, &teacher)
			if err != nil {
				return err
			}
			if teacher {
				teachers = append(teachers, u)
			} else {
				students = append(students, u)
			}
			return nil
		})
	return students, teachers, err
}

// Enrol adds a student to a class (idempotent), moving them to its
// référentiel: ErrReferentielMismatch when they have réalisations on
// another one.
func (s *Store) Enrol(ctx context.Context, classID, studentID int64) error {
	_, err := s.DB.ExecContext(ctx, `INSERT OR IGNORE INTO class_students (class_id, student_id)
		SELECT ?, id FROM users WHERE id = ? AND role = 'student'`, classID, studentID)
	return referentielError(err)
}

// ClassOfOtherReferentiel is the name of a class (not archived) the
// student is in whose référentiel is not the class classID's, "" when
// none: enrolling them in classID would be refused.
func (s *Store) ClassOfOtherReferentiel(ctx context.Context, studentID, classID int64) (string, error) {
	var name string
	err := s.DB.QueryRowContext(ctx, `SELECT other.name FROM class_students cs JOIN classes other ON other.id = cs.class_id, classes c
		WHERE cs.student_id = ? AND c.id = ? AND other.id <> c.id AND other.archived = 0 AND other.referentiel <> c.referentiel
		ORDER BY other.name LIMIT 1`, studentID, classID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}

// Unenrol removes a student from a class.
func (s *Store) Unenrol(ctx context.Context, classID, studentID int64) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM class_students WHERE class_id = ? AND student_id = ?`, classID, studentID)
	return err
}

// AssignTeacher makes a teacher (or admin) teach a class (idempotent).
func (s *Store) AssignTeacher(ctx context.Context, classID, teacherID int64) error {
	_, err := s.DB.ExecContext(ctx, `INSERT OR IGNORE INTO class_teachers (class_id, teacher_id)
		SELECT ?, id FROM users WHERE id = ? AND role IN ('teacher', 'admin')`, classID, teacherID)
	return err
}

// UnassignTeacher removes a teacher from a class.
func (s *Store) UnassignTeacher(ctx context.Context, classID, teacherID int64) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM class_teachers WHERE class_id = ? AND teacher_id = ?`, classID, teacherID)
	return err
}

// TeachesStudent reports whether the teacher teaches a class the student
// is enrolled in.
func (s *Store) TeachesStudent(ctx context.Context, teacherID, studentID int64) (bool, error) {
	var ok bool
	err := s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM class_teachers ct
		JOIN class_students cs ON cs.class_id = ct.class_id
		WHERE ct.teacher_id = ? AND cs.student_id = ?)`, teacherID, studentID).Scan(&ok)
	return ok, err
}

// TeachesClass reports whether the teacher teaches the class.
func (s *Store) TeachesClass(ctx context.Context, teacherID, classID int64) (bool, error) {
	var ok bool
	err := s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM class_teachers
		WHERE teacher_id = ? AND class_id = ?)`, teacherID, classID).Scan(&ok)
	return ok, err
}

// StudentDeadline is the earliest deadline of the student's active
// classes (zero when none).
func (s *Store) StudentDeadline(ctx context.Context, studentID int64) (portfolio.Deadline, error) {
	var d string
	err := s.DB.QueryRowContext(ctx, `SELECT coalesce(min(c.deadline), '') FROM classes c
		JOIN class_students cs ON cs.class_id = c.id
		WHERE cs.student_id = ? AND c.archived = 0 AND c.deadline <> ''`, studentID).Scan(&d)
	if err != nil || d == "" {
		return portfolio.Deadline{}, err
	}
	t, err := time.Parse(time.DateOnly, d)
	return portfolio.Deadline{Time: t}, err
}

// StudentClasses lists the classes a student is enrolled in.
func (s *Store) StudentClasses(ctx context.Context, studentID int64) ([]Class, error) {
	var out []Class
	err := s.each(ctx, `SELECT `+classColumns+` FROM classes c JOIN class_students cs ON cs.class_id = c.id
		WHERE cs.student_id = ? ORDER BY c.archived, c.school_year DESC, c.name COLLATE fr`, []any{studentID},
		func(rows *sql.Rows) error {
			c, err := scanClass(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	return out, err
}

// TeachesStudentActive reports whether the teacher teaches the student in
// a class that is not archived: an archived class is read-only for its
// teachers.
func (s *Store) TeachesStudentActive(ctx context.Context, teacherID, studentID int64) (bool, error) {
	var ok bool
	err := s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM class_teachers ct
		JOIN class_students cs ON cs.class_id = ct.class_id
		JOIN classes c ON c.id = ct.class_id
		WHERE ct.teacher_id = ? AND cs.student_id = ? AND c.archived = 0)`, teacherID, studentID).Scan(&ok)
	return ok, err
}

// StudentArchivedOnly reports whether the student is in at least one
// class and all of their classes are archived (their portfolio is then
// read-only). A student in no class is not.
func (s *Store) StudentArchivedOnly(ctx context.Context, studentID int64) (bool, error) {
	var ok bool
	err := s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM class_students WHERE student_id = ?)
		AND NOT EXISTS (SELECT 1 FROM class_students cs JOIN classes c ON c.id = cs.class_id
			WHERE cs.student_id = ? AND c.archived = 0)`, studentID, studentID).Scan(&ok)
	return ok, err
}

// ErrNotInClass is returned when a student to move on is not in the class.
var ErrNotInClass = errors.New("the student is not in the class")

// ClassMove is a class moved on to the next school year: the new class's
// name and year, the students who go (all or part of the class), whether
// its teachers follow and whether the old class is archived.
type ClassMove struct {
	From         int64
	Name         string
	SchoolYear   string
	Students     []int64
	KeepTeachers bool
	Archive      bool
}

// MoveClassOn creates, in one transaction, the next year's class of a
// class (same référentiel and parcours, no deadline), enrols the students
// of m (each must be in the old class: ErrNotInClass), copies its teachers
// and archives the old class when asked. It returns the new class's id;
// ErrClassExists when a class has that name that year, ErrNotFound when
// the old class does not exist. The students' réalisations are theirs,
// not the class's: they follow them.
func (s *Store) MoveClassOn(ctx context.Context, m ClassMove) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO classes (name, school_year, referentiel, parcours, deadline, exam_form)
			SELECT ?, ?, referentiel, parcours, '', exam_form FROM classes WHERE id = ? RETURNING id`,
			m.Name, m.SchoolYear, m.From).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return portfolio.ErrNotFound
		case err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed"):
			return ErrClassExists
		case err != nil:
			return err
		}
		for _, st := range m.Students {
			res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO class_students (class_id, student_id)
				SELECT ?, student_id FROM class_students WHERE class_id = ? AND student_id = ?`, id, m.From, st)
			if err != nil {
				return referentielError(err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return ErrNotInClass
			}
		}
		if m.KeepTeachers {
			if _, err := tx.ExecContext(ctx, `INSERT INTO class_teachers (class_id, teacher_id)
				SELECT ?, teacher_id FROM class_teachers WHERE class_id = ?`, id, m.From); err != nil {
				return err
			}
		}
		if m.Archive {
			if _, err := tx.ExecContext(ctx, `UPDATE classes SET archived = 1 WHERE id = ?`, m.From); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}
