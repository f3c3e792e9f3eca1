package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// BulkSpec describes generated data for load tests and benchmarks.
type BulkSpec struct {
	Students     int // bulkN@example.org, SLAM
	PerStudent   int // réalisations each: 5 activities with a competence, 1–2 types, mixed statuses
	Classes      int // each of ClassSize consecutive students, taught by profN@example.org
	ClassSize    int
	PasswordHash string   // for every generated account ("" for none)
	Activities   []string // "CODE COMPETENCE" pairs to tick, e.g. the SLAM columns
}

// BulkLoad generates users, classes and réalisations with a few large SQL
// statements (seconds for 60,000 réalisations) and refreshes the coverage.
// It returns the class ids.
func (s *Store) BulkLoad(ctx context.Context, spec BulkSpec) ([]int64, error) {
	var pairs []string
	for _, a := range spec.Activities {
		code, comp, _ := strings.Cut(a, " ")
		pairs = append(pairs, fmt.Sprintf("('%s', '%s')", code, comp))
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("bulk: no activities")
	}
	var classIDs []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmts := []string{
			`CREATE TEMP TABLE acts (n INTEGER PRIMARY KEY, code TEXT, comp TEXT)`,
			`INSERT INTO acts (code, comp) VALUES ` + strings.Join(pairs, ","),
			fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
				INSERT INTO users (email, first_name, last_name, role, parcours, session_year, password_hash)
				SELECT 'bulk' || i || '@example.org', 'Prénom' || i, 'Nom' || printf('%%05d', i), 'student', 'SLAM', 2027, ? FROM n`, spec.Students),
			fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
				INSERT INTO realisations (student_id, title, cadre, start_month, end_month, modalite, status, status_changed_at)
				SELECT u.id, 'Réalisation ' || n.i || ' de ' || u.last_name,
					CASE n.i %% 3 WHEN 0 THEN 'formation' WHEN 1 THEN 'stage1' ELSE 'stage2' END,
					printf('2025-%%02d', 1 + n.i %% 12), printf('2025-%%02d', 1 + n.i %% 12), 'seul',
					CASE (u.id + n.i) %% 4 WHEN 0 THEN 'brouillon' WHEN 1 THEN 'soumise' WHEN 2 THEN 'validee' ELSE 'a_reprendre' END,
					printf('2026-11-%%02dT10:00:00Z', 1 + n.i %% 28)
				FROM users u, n WHERE u.email LIKE 'bulk%%'`, spec.PerStudent),
			`WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 4)
				INSERT INTO realisation_activities (realisation_id, activity_code, position)
				SELECT r.id, a.code, k.j FROM realisations r, k
				JOIN acts a ON a.n = 1 + (r.id * 7 + k.j * 3) % (SELECT count(*) FROM acts)`,
			`INSERT INTO realisation_competences (realisation_id, activity_code, competence_code)
				SELECT ra.realisation_id, ra.activity_code, a.comp FROM realisation_activities ra JOIN acts a ON a.code = ra.activity_code`,
			`INSERT INTO realisation_types (realisation_id, type_code) SELECT id, 'T' || (1 + id % 4) FROM realisations`,
			`INSERT OR IGNORE INTO realisation_types (realisation_id, type_code) SELECT id, 'T' || (1 + (id + 1) % 4) FROM realisations WHERE id % 2 = 0`,
			`UPDATE realisations SET validated_by = NULL`,
		}
		for i, q := range stmts {
			var err error
			if i == 2 {
				_, err = tx.ExecContext(ctx, q, spec.PasswordHash)
			} else {
				_, err = tx.ExecContext(ctx, q)
			}
			if err != nil {
				return fmt.Errorf("bulk: %w", err)
			}
		}
		// The generated students have consecutive ids from first on.
		var first int64
		if err := tx.QueryRowContext(ctx, `SELECT min(id) FROM users WHERE email LIKE 'bulk%'`).Scan(&first); err != nil {
			return err
		}
		for c := 0; c < spec.Classes; c++ {
			var classID, profID int64
			err := tx.QueryRowContext(ctx, `INSERT INTO classes (name, school_year, parcours) VALUES (?, '2026-2027', 'SLAM') RETURNING id`,
				fmt.Sprintf("Classe %02d", c+1)).Scan(&classID)
			if err != nil {
				return err
			}
			err = tx.QueryRowContext(ctx, `INSERT INTO users (email, first_name, last_name, role, password_hash) VALUES (?, 'Prof', ?, 'teacher', ?) RETURNING id`,
				fmt.Sprintf("prof%d@example.org", c+1), fmt.Sprintf("Classe%02d", c+1), spec.PasswordHash).Scan(&profID)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO class_teachers (class_id, teacher_id) VALUES (?, ?)`, classID, profID); err != nil {
				return err
			}
			lo := first + int64(c*spec.ClassSize)
			if _, err := tx.ExecContext(ctx, `INSERT INTO class_students (class_id, student_id)
				SELECT ?, id FROM users WHERE id >= ? AND id < ? AND role = 'student'`, classID, lo, lo+int64(spec.ClassSize)); err != nil {
				return err
			}
			classIDs = append(classIDs, classID)
		}
		_, err := tx.ExecContext(ctx, `DROP TABLE acts`)
		return err
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.DB.ExecContext(ctx, `ANALYZE`); err != nil {
		return nil, err
	}
	return classIDs, s.RefreshAllCoverage(ctx)
}
