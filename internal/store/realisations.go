package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// RealisationFilter narrows a list of réalisations; zero fields match all.
type RealisationFilter struct {
	Cadre  portfolio.Cadre
	Status portfolio.Status
}

const realisationColumns = `id, student_id, title, description, contexte, cadre, start_month,
	end_month, modalite, team, status, version, created_at, updated_at, status_changed_at,
	status_reason, coalesce(validated_by, 0),
	coalesce((SELECT first_name || ' ' || last_name FROM users WHERE users.id = validated_by), ''),
	on_tableau, deadline_exempt, start_day, end_day, organisation, lieu, conditions, ressources,
	acces, fiche, coalesce(stage_id, 0),
	coalesce((SELECT organisation FROM stages WHERE stages.id = stage_id), ''),
	coalesce((SELECT year FROM stages WHERE stages.id = stage_id), 0)`

// ListRealisations returns a student's réalisations, complete (types,
// activities, competences, productions), most recent période first. It
// runs a fixed number of queries whatever the count.
func (s *Store) ListRealisations(ctx context.Context, studentID int64, f RealisationFilter) ([]portfolio.Realisation, error) {
	where := `student_id = ?`
	args := []any{studentID}
	if f.Cadre != "" {
		where += ` AND cadre = ?`
		args = append(args, f.Cadre)
	}
	if f.Status != "" {
		where += ` AND status = ?`
		args = append(args, f.Status)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+realisationColumns+` FROM realisations
		WHERE `+where+` ORDER BY start_month DESC, start_day DESC, end_month DESC, end_day DESC, id DESC`, args...)
	if err != nil {
		return nil, err
	}
	var list []portfolio.Realisation
	for rows.Next() {
		r, err := scanRealisation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, r)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	byID := make(map[int64]*portfolio.Realisation, len(list))
	for i := range list {
		byID[list[i].ID] = &list[i]
	}
	sub := `SELECT id FROM realisations WHERE ` + where
	if err := s.loadChildren(ctx, byID, sub, args); err != nil {
		return nil, err
	}
	return list, nil
}

// GetRealisation returns one réalisation of the student, or ErrNotFound if
// it does not exist or belongs to someone else.
func (s *Store) GetRealisation(ctx context.Context, studentID, id int64) (portfolio.Realisation, error) {
	r, err := scanRealisation(s.DB.QueryRowContext(ctx, `SELECT `+realisationColumns+`
		FROM realisations WHERE id = ? AND student_id = ?`, id, studentID))
	if err != nil {
		return r, err
	}
	err = s.loadChildren(ctx, map[int64]*portfolio.Realisation{r.ID: &r}, `SELECT ?`, []any{r.ID})
	return r, err
}

func scanRealisation(row interface{ Scan(...any) error }) (portfolio.Realisation, error) {
	var r portfolio.Realisation
	var start, end, created, updated, changed string
	err := row.Scan(&r.ID, &r.StudentID, &r.Title, &r.Description, &r.Contexte, &r.Cadre,
		&start, &end, &r.Modalite, &r.Team, &r.Status, &r.Version, &created, &updated, &changed,
		&r.StatusReason, &r.ValidatedBy, &r.ValidatorName, &r.Tableau, &r.DeadlineExempt,
		&r.StartDay, &r.EndDay, &r.Organisation, &r.Place, &r.Conditions, &r.Resources, &r.Access, &r.Fiche, &r.StageID,
		&r.StageOrganisation, &r.StageYear)
	if errors.Is(err, sql.ErrNoRows) {
		return r, portfolio.ErrNotFound
	}
	if err != nil {
		return r, err
	}
	// Stored months were validated on the way in.
	r.Start, _ = portfolio.ParseMonth(start)
	r.End, _ = portfolio.ParseMonth(end)
	r.CreatedAt, _ = time.Parse(time.RFC3339, created)
	r.UpdatedAt, _ = time.Parse(time.RFC3339, updated)
	r.StatusChangedAt, _ = time.Parse(time.RFC3339, changed)
	return r, nil
}

// loadChildren fills types, activities, competences and productions of the
// réalisations whose ids the sub-query selects.
func (s *Store) loadChildren(ctx context.Context, byID map[int64]*portfolio.Realisation, sub string, args []any) error {
	err := s.each(ctx, `SELECT realisation_id, type_code FROM realisation_types
		WHERE realisation_id IN (`+sub+`) ORDER BY realisation_id, type_code`, args,
		func(rows *sql.Rows) error {
			var id int64
			var code string
			if err := rows.Scan(&id, &code); err != nil {
				return err
			}
			if r := byID[id]; r != nil {
				r.Types = append(r.Types, code)
			}
			return nil
		})
	if err != nil {
		return err
	}
	type key struct {
		id   int64
		code string
	}
	where := map[key]*portfolio.ActivityEntry{}
	err = s.each(ctx, `SELECT realisation_id, activity_code, how FROM realisation_activities
		WHERE realisation_id IN (`+sub+`) ORDER BY realisation_id, position`, args,
		func(rows *sql.Rows) error {
			var id int64
			var e portfolio.ActivityEntry
			if err := rows.Scan(&id, &e.Code, &e.How); err != nil {
				return err
			}
			if r := byID[id]; r != nil {
				r.Activities = append(r.Activities, e)
			}
			return nil
		})
	if err != nil {
		return err
	}
	for _, r := range byID {
		for i := range r.Activities {
			where[key{r.ID, r.Activities[i].Code}] = &r.Activities[i]
		}
	}
	err = s.each(ctx, `SELECT realisation_id, activity_code, competence_code FROM realisation_competences
		WHERE realisation_id IN (`+sub+`) ORDER BY realisation_id, competence_code`, args,
		func(rows *sql.Rows) error {
			var k key
			var code string
			if err := rows.Scan(&k.id, &k.code, &code); err != nil {
				return err
			}
			if e := where[k]; e != nil {
				e.Competences = append(e.Competences, code)
			}
			return nil
		})
	if err != nil {
		return err
	}
	return s.each(ctx, `SELECT realisation_id, title, url FROM productions
		WHERE realisation_id IN (`+sub+`) ORDER BY realisation_id, position`, args,
		func(rows *sql.Rows) error {
			var id int64
			var p portfolio.Production
			if err := rows.Scan(&id, &p.Title, &p.URL); err != nil {
				return err
			}
			if r := byID[id]; r != nil {
				r.Productions = append(r.Productions, p)
			}
			return nil
		})
}

// each runs a query and calls fn for every row.
func (s *Store) each(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) error {
	st, done, err := s.prepared(ctx, query)
	if err != nil {
		return err
	}
	defer done()
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CreateRealisation stores a new réalisation of the student, as a draft.
func (s *Store) CreateRealisation(ctx context.Context, studentID int64, r portfolio.Realisation) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO realisations (student_id, title, description,
			contexte, cadre, start_month, end_month, modalite, team, status, start_day, end_day,
			organisation, lieu, conditions, ressources, acces, fiche, stage_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, 0)) RETURNING id`,
			studentID, r.Title, r.Description, r.Contexte, r.Cadre, r.Start.ISO(), r.End.ISO(),
			r.Modalite, r.Team, portfolio.StatusDraft, r.StartDay, r.EndDay,
			r.Organisation, r.Place, r.Conditions, r.Resources, r.Access, r.Fiche, r.StageID).Scan(&id)
		if isFicheTaken(err) {
			return ErrFicheTaken
		}
		if err != nil {
			return err
		}
		if err := insertChildren(ctx, tx, id, r); err != nil {
			return err
		}
		return refreshCoverage(ctx, tx, studentID)
	})
	return id, err
}

// UpdateRealisation replaces the content of a réalisation of the student
// (not its status), if it is still at version r.Version and in a status the
// student may edit. It returns ErrNotFound if the student does not own it,
// ErrConflict if it changed meanwhile.
func (s *Store) UpdateRealisation(ctx context.Context, studentID int64, r portfolio.Realisation) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE realisations SET title = ?, description = ?,
			contexte = ?, cadre = ?, start_month = ?, end_month = ?, modalite = ?, team = ?,
			start_day = ?, end_day = ?, organisation = ?, lieu = ?, conditions = ?, ressources = ?,
			acces = ?, fiche = ?, stage_id = nullif(?, 0),
			version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
			WHERE id = ? AND student_id = ? AND version = ? AND status IN (?, ?)`,
			r.Title, r.Description, r.Contexte, r.Cadre, r.Start.ISO(), r.End.ISO(), r.Modalite,
			r.Team, r.StartDay, r.EndDay, r.Organisation, r.Place, r.Conditions, r.Resources,
			r.Access, r.Fiche, r.StageID, r.ID, studentID, r.Version, portfolio.StatusDraft, portfolio.StatusRework)
		if isFicheTaken(err) {
			return ErrFicheTaken
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return missingOrConflict(ctx, tx, studentID, r.ID)
		}
		for _, q := range []string{
			`DELETE FROM realisation_types WHERE realisation_id = ?`,
			`DELETE FROM realisation_activities WHERE realisation_id = ?`, // cascades to competences
			`DELETE FROM productions WHERE realisation_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, r.ID); err != nil {
				return err
			}
		}
		if err := insertChildren(ctx, tx, r.ID, r); err != nil {
			return err
		}
		return refreshCoverage(ctx, tx, studentID)
	})
}

func insertChildren(ctx context.Context, tx *sql.Tx, id int64, r portfolio.Realisation) error {
	for _, t := range r.Types {
		if _, err := tx.ExecContext(ctx, `INSERT INTO realisation_types (realisation_id, type_code) VALUES (?, ?)`, id, t); err != nil {
			return err
		}
	}
	for i, a := range r.Activities {
		if _, err := tx.ExecContext(ctx, `INSERT INTO realisation_activities (realisation_id, activity_code, how, position) VALUES (?, ?, ?, ?)`, id, a.Code, a.How, i); err != nil {
			return err
		}
		for _, c := range a.Competences {
			if _, err := tx.ExecContext(ctx, `INSERT INTO realisation_competences (realisation_id, activity_code, competence_code) VALUES (?, ?, ?)`, id, a.Code, c); err != nil {
				return err
			}
		}
	}
	for i, p := range r.Productions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO productions (realisation_id, position, title, url) VALUES (?, ?, ?, ?)`, id, i, p.Title, p.URL); err != nil {
			return err
		}
	}
	return nil
}

// DeleteRealisation deletes a réalisation of the student, at the given
// version and in a status the student may edit, with everything attached.
func (s *Store) DeleteRealisation(ctx context.Context, studentID, id int64, version int) error {
	hashes, err := s.hashesOf(ctx, "realisation_id", id)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM realisations WHERE id = ? AND student_id = ?
			AND version = ? AND status IN (?, ?)`, id, studentID, version, portfolio.StatusDraft, portfolio.StatusRework)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return missingOrConflict(ctx, tx, studentID, id)
		}
		return refreshCoverage(ctx, tx, studentID)
	})
	if err != nil {
		return err
	}
	return s.dropUnreferenced(ctx, hashes)
}

// missingOrConflict tells why a guarded write touched no row: the
// réalisation is not the student's (ErrNotFound) or it changed (ErrConflict).
func missingOrConflict(ctx context.Context, tx *sql.Tx, studentID, id int64) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM realisations WHERE id = ? AND student_id = ?`, id, studentID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return portfolio.ErrNotFound
	}
	if err != nil {
		return err
	}
	return portfolio.ErrConflict
}

// SetFiche records the fiche descriptive's number and fields of a
// réalisation of the student, in any status (they describe it for the
// exam, they do not change what was validated). It moves its version.
func (s *Store) SetFiche(ctx context.Context, studentID, id int64, f portfolio.Realisation) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE realisations SET fiche = ?, organisation = ?, lieu = ?, conditions = ?,
			ressources = ?, acces = ?, version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
			WHERE id = ? AND student_id = ?`, f.Fiche, f.Organisation, f.Place, f.Conditions, f.Resources, f.Access, id, studentID)
		if isFicheTaken(err) {
			return ErrFicheTaken
		}
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

// ErrFicheTaken is returned when another réalisation of the student
// already has that fiche number.
var ErrFicheTaken = errors.New("fiche number already used by another réalisation")

func isFicheTaken(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: realisations.student_id, realisations.fiche")
}

// CountRealisations counts a student's réalisations.
func (s *Store) CountRealisations(ctx context.Context, studentID int64) (int, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM realisations WHERE student_id = ?`, studentID).Scan(&n)
	return n, err
}
