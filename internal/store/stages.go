package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

const stageColumns = `id, student_id, kind, year, organisation, address, siret, service, tutor_name,
	tutor_function, tutor_email, tutor_phone, start_date, end_date, missions, created_at, updated_at`

func scanStage(row interface{ Scan(...any) error }) (portfolio.Stage, error) {
	var st portfolio.Stage
	var start, end, created, updated string
	err := row.Scan(&st.ID, &st.StudentID, &st.Kind, &st.Year, &st.Organisation, &st.Address, &st.SIRET, &st.Service,
		&st.TutorName, &st.TutorFunction, &st.TutorEmail, &st.TutorPhone, &start, &end, &st.Missions, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return st, portfolio.ErrNotFound
	}
	if err != nil {
		return st, err
	}
	st.Start, _ = time.Parse(time.DateOnly, start)
	st.End, _ = time.Parse(time.DateOnly, end)
	st.CreatedAt, _ = time.Parse(time.RFC3339, created)
	st.UpdatedAt, _ = time.Parse(time.RFC3339, updated)
	return st, nil
}

// Stages lists a student's stages, oldest first.
func (s *Store) Stages(ctx context.Context, studentID int64) ([]portfolio.Stage, error) {
	var out []portfolio.Stage
	err := s.each(ctx, `SELECT `+stageColumns+` FROM stages WHERE student_id = ? ORDER BY start_date, id`, []any{studentID},
		func(rows *sql.Rows) error {
			st, err := scanStage(rows)
			if err != nil {
				return err
			}
			out = append(out, st)
			return nil
		})
	return out, err
}

// Stage is one stage of the student (ErrNotFound if it is someone else's).
func (s *Store) Stage(ctx context.Context, studentID, id int64) (portfolio.Stage, error) {
	return scanStage(s.queryRow(ctx, `SELECT `+stageColumns+` FROM stages WHERE id = ? AND student_id = ?`, id, studentID))
}

// SaveStage creates the stage (ID 0) or updates it, and returns its id.
// On update, the réalisations linked to it follow its year and kind: their
// cadre is set to cadre (when not empty); with recheck, its accepted
// attestations go back to pending (reopened counts them), in the same
// transaction.
func (s *Store) SaveStage(ctx context.Context, st portfolio.Stage, cadre portfolio.Cadre, recheck bool) (id int64, reopened int64, err error) {
	args := []any{st.Kind, st.Year, st.Organisation, st.Address, st.SIRET, st.Service, st.TutorName, st.TutorFunction,
		st.TutorEmail, st.TutorPhone, st.Start.Format(time.DateOnly), st.End.Format(time.DateOnly), st.Missions}
	if st.ID == 0 {
		err := s.DB.QueryRowContext(ctx, `INSERT INTO stages (kind, year, organisation, address, siret, service,
			tutor_name, tutor_function, tutor_email, tutor_phone, start_date, end_date, missions, student_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, append(args, st.StudentID)...).Scan(&id)
		return id, 0, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		reopened = 0
		res, err := tx.ExecContext(ctx, `UPDATE stages SET kind = ?, year = ?, organisation = ?, address = ?, siret = ?,
			service = ?, tutor_name = ?, tutor_function = ?, tutor_email = ?, tutor_phone = ?, start_date = ?,
			end_date = ?, missions = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
			WHERE id = ? AND student_id = ?`, append(args, st.ID, st.StudentID)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return portfolio.ErrNotFound
		}
		if recheck {
			res, err := tx.ExecContext(ctx, `UPDATE attestations SET status = ?, decided_by = NULL, decided_at = ''
				WHERE stage_id = ? AND status = ?`, portfolio.AttestationPending, st.ID, portfolio.AttestationAccepted)
			if err != nil {
				return err
			}
			reopened, _ = res.RowsAffected()
		}
		if cadre != "" {
			_, err = tx.ExecContext(ctx, `UPDATE realisations SET cadre = ?, version = version + 1,
				updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE stage_id = ? AND cadre <> ?`, cadre, st.ID, cadre)
			if err != nil {
				return err
			}
		}
		// The tableau prints the stage's organisation and follows its
		// year: its cached pages and PDFs are stale.
		return refreshCoverage(ctx, tx, st.StudentID)
	})
	return st.ID, reopened, err
}

// HasAcceptedAttestation reports whether the stage has an accepted
// attestation.
func (s *Store) HasAcceptedAttestation(ctx context.Context, stageID int64) (bool, error) {
	var ok bool
	err := s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM attestations WHERE stage_id = ? AND status = ?)`,
		stageID, portfolio.AttestationAccepted).Scan(&ok)
	return ok, err
}

// DeleteStage deletes a stage of the student with its carnet and
// attestations (their bytes too, unless used elsewhere); its réalisations
// stay, unlinked.
func (s *Store) DeleteStage(ctx context.Context, studentID, id int64) error {
	var hashes []string
	err := s.each(ctx, `SELECT DISTINCT hash FROM attestations WHERE stage_id = ? AND student_id = ?`, []any{id, studentID},
		func(rows *sql.Rows) error {
			var h string
			if err := rows.Scan(&h); err != nil {
				return err
			}
			hashes = append(hashes, h)
			return nil
		})
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM stages WHERE id = ? AND student_id = ?`, id, studentID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return portfolio.ErrNotFound
		}
		return refreshCoverage(ctx, tx, studentID) // its réalisations lose its organisation
	})
	if err != nil {
		return err
	}
	return s.dropUnreferenced(ctx, hashes)
}

// StageRealisations lists the ids and titles of the réalisations linked
// to a stage, by période.
func (s *Store) StageRealisations(ctx context.Context, stageID int64) ([]portfolio.Realisation, error) {
	var out []portfolio.Realisation
	err := s.each(ctx, `SELECT id, title, status FROM realisations WHERE stage_id = ?
		ORDER BY start_month, start_day, id`, []any{stageID}, func(rows *sql.Rows) error {
		var r portfolio.Realisation
		if err := rows.Scan(&r.ID, &r.Title, &r.Status); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// StageWeeks is the carnet de bord of a stage, week by week.
func (s *Store) StageWeeks(ctx context.Context, stageID int64) ([]portfolio.LogEntry, error) {
	var out []portfolio.LogEntry
	idx := map[int64]int{}
	err := s.each(ctx, `SELECT id, week, done, hours FROM stage_weeks WHERE stage_id = ? ORDER BY week`, []any{stageID},
		func(rows *sql.Rows) error {
			var e portfolio.LogEntry
			var week string
			if err := rows.Scan(&e.ID, &week, &e.Done, &e.Hours); err != nil {
				return err
			}
			e.StageID = stageID
			e.Week, _ = time.Parse(time.DateOnly, week)
			idx[e.ID] = len(out)
			out = append(out, e)
			return nil
		})
	if err != nil || len(out) == 0 {
		return out, err
	}
	err = s.each(ctx, `SELECT l.week_id, l.realisation_id FROM stage_week_realisations l
		JOIN stage_weeks w ON w.id = l.week_id WHERE w.stage_id = ? ORDER BY l.week_id, l.realisation_id`, []any{stageID},
		func(rows *sql.Rows) error {
			var wid, rid int64
			if err := rows.Scan(&wid, &rid); err != nil {
				return err
			}
			if i, ok := idx[wid]; ok {
				out[i].Realisations = append(out[i].Realisations, rid)
			}
			return nil
		})
	return out, err
}

// SaveStageWeek writes the carnet entry of one week of the student's
// stage (replacing the week's entry), with its linked réalisations (which
// must be the student's).
func (s *Store) SaveStageWeek(ctx context.Context, studentID int64, e portfolio.LogEntry) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var ok bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM stages WHERE id = ? AND student_id = ?)`,
			e.StageID, studentID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return portfolio.ErrNotFound
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO stage_weeks (stage_id, week, done, hours) VALUES (?, ?, ?, ?)
			ON CONFLICT (stage_id, week) DO UPDATE SET done = excluded.done, hours = excluded.hours RETURNING id`,
			e.StageID, e.Week.Format(time.DateOnly), e.Done, e.Hours).Scan(&id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM stage_week_realisations WHERE week_id = ?`, id); err != nil {
			return err
		}
		for _, rid := range e.Realisations {
			if _, err := tx.ExecContext(ctx, `INSERT INTO stage_week_realisations (week_id, realisation_id)
				SELECT ?, id FROM realisations WHERE id = ? AND student_id = ?`, id, rid, studentID); err != nil {
				return err
			}
		}
		return nil
	})
}

// Attestation is an uploaded attestation de stage (or certificat de
// travail) and its review.
type Attestation struct {
	ID        int64
	StageID   int64
	StudentID int64
	Filename  string
	Hash      string
	Size      int64
	Mime      string
	Status    portfolio.AttestationStatus
	Reason    string
	DecidedBy string // the teacher's name
	DecidedAt time.Time
	CreatedAt time.Time
}

// AsEvidence is the attestation as a stored file, to serve it.
func (a Attestation) AsEvidence() Evidence {
	return Evidence{ID: a.ID, StudentID: a.StudentID, Title: a.Filename, Filename: a.Filename, Hash: a.Hash,
		Size: a.Size, Mime: a.Mime, CreatedAt: a.CreatedAt}
}

const attestationColumns = `a.id, a.stage_id, a.student_id, a.filename, a.hash, a.size, a.mime, a.status, a.reason,
	coalesce((SELECT first_name || ' ' || last_name FROM users WHERE users.id = a.decided_by), ''), a.decided_at, a.created_at`

func scanAttestation(row interface{ Scan(...any) error }) (Attestation, error) {
	var a Attestation
	var decided, created string
	err := row.Scan(&a.ID, &a.StageID, &a.StudentID, &a.Filename, &a.Hash, &a.Size, &a.Mime, &a.Status, &a.Reason,
		&a.DecidedBy, &decided, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return a, portfolio.ErrNotFound
	}
	a.DecidedAt, _ = time.Parse(time.RFC3339, decided)
	a.CreatedAt, _ = time.Parse(time.RFC3339, created)
	return a, err
}

// Attestations lists the attestations of a student's stages, by stage,
// most recent first.
func (s *Store) Attestations(ctx context.Context, studentID int64) (map[int64][]Attestation, error) {
	out := map[int64][]Attestation{}
	err := s.each(ctx, `SELECT `+attestationColumns+` FROM attestations a WHERE a.student_id = ? ORDER BY a.stage_id, a.id DESC`,
		[]any{studentID}, func(rows *sql.Rows) error {
			a, err := scanAttestation(rows)
			if err != nil {
				return err
			}
			out[a.StageID] = append(out[a.StageID], a)
			return nil
		})
	return out, err
}

// AttestationByID is one attestation of the student.
func (s *Store) AttestationByID(ctx context.Context, studentID, id int64) (Attestation, error) {
	return scanAttestation(s.DB.QueryRowContext(ctx, `SELECT `+attestationColumns+` FROM attestations a
		WHERE a.id = ? AND a.student_id = ?`, id, studentID))
}

// AddAttestation stores an uploaded attestation of a stage of the
// student, unless it would take the student over quota bytes (ErrQuota).
func (s *Store) AddAttestation(ctx context.Context, a Attestation, tmpPath string, quota int64) (int64, error) {
	dest := s.filePath(a.Hash)
	if err := os.MkdirAll(filepath.Dir(dest), 0o750); err != nil {
		return 0, err
	}
	s.files.Lock()
	defer s.files.Unlock()
	var id int64
	moved := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		moved = false
		var ok bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM stages WHERE id = ? AND student_id = ?)`,
			a.StageID, a.StudentID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return portfolio.ErrNotFound
		}
		used, err := usedBytes(ctx, tx, a.StudentID)
		if err != nil {
			return err
		}
		if used+a.Size > quota {
			return ErrQuota
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO attestations (stage_id, student_id, filename, hash, size, mime)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, a.StageID, a.StudentID, a.Filename, a.Hash, a.Size, a.Mime).Scan(&id); err != nil {
			return err
		}
		if _, err := os.Stat(dest); err == nil {
			return nil
		}
		if err := os.Rename(tmpPath, dest); err != nil {
			return err
		}
		moved = true
		return nil
	})
	if err != nil && moved {
		os.Remove(dest)
	}
	return id, err
}

// DecideAttestation accepts or rejects an attestation (with a reason) of
// the student, by the teacher; only one still pending or already decided
// may change (a teacher may correct a decision).
//
// hash, when not empty, is the content hash of the file the teacher saw:
// an attestation whose id now names another file (ids of deleted rows are
// reused) is ErrNotFound.
func (s *Store) DecideAttestation(ctx context.Context, studentID, id, teacherID int64, hash string, status portfolio.AttestationStatus, reason string) error {
	res, err := s.DB.ExecContext(ctx, `UPDATE attestations SET status = ?, reason = ?, decided_by = ?,
		decided_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ? AND student_id = ? AND (? = '' OR hash = ?)`,
		status, reason, teacherID, id, studentID, hash, hash)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portfolio.ErrNotFound
	}
	return nil
}

// DeleteAttestation removes an attestation of the student that was not
// accepted, and its bytes unless used elsewhere.
func (s *Store) DeleteAttestation(ctx context.Context, studentID, id int64) error {
	var hash string
	err := s.DB.QueryRowContext(ctx, `DELETE FROM attestations WHERE id = ? AND student_id = ? AND status <> ? RETURNING hash`,
		id, studentID, portfolio.AttestationAccepted).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return portfolio.ErrNotFound
	}
	if err != nil {
		return err
	}
	return s.dropUnreferenced(ctx, []string{hash})
}

// usedBytes is the storage a student's files take: evidence and
// attestations.
func usedBytes(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, studentID int64) (int64, error) {
	var used int64
	err := q.QueryRowContext(ctx, `SELECT (SELECT coalesce(sum(size), 0) FROM evidence WHERE student_id = ?1)
		+ (SELECT coalesce(sum(size), 0) FROM attestations WHERE student_id = ?1)`, studentID).Scan(&used)
	return used, err
}

// StudentStages is one student's stages and attestations, for a class's
// stage overview.
type StudentStages struct {
	Student      portfolio.User
	Stages       []portfolio.Stage
	Attestations map[int64][]Attestation
}

// ClassStages lists, for each student of the class, their stages and
// attestations, in three queries whatever the class size.
func (s *Store) ClassStages(ctx context.Context, classID int64) ([]StudentStages, error) {
	students, _, err := s.ClassMembers(ctx, classID)
	if err != nil {
		return nil, err
	}
	out := make([]StudentStages, len(students))
	idx := map[int64]int{}
	for i, st := range students {
		out[i] = StudentStages{Student: st, Attestations: map[int64][]Attestation{}}
		idx[st.ID] = i
	}
	err = s.each(ctx, `SELECT `+stageColumns+` FROM stages WHERE student_id IN
		(SELECT student_id FROM class_students WHERE class_id = ?) ORDER BY student_id, start_date, id`, []any{classID},
		func(rows *sql.Rows) error {
			st, err := scanStage(rows)
			if err != nil {
				return err
			}
			if i, ok := idx[st.StudentID]; ok {
				out[i].Stages = append(out[i].Stages, st)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = s.each(ctx, `SELECT `+attestationColumns+` FROM attestations a WHERE a.student_id IN
		(SELECT student_id FROM class_students WHERE class_id = ?) ORDER BY a.stage_id, a.id DESC`, []any{classID},
		func(rows *sql.Rows) error {
			a, err := scanAttestation(rows)
			if err != nil {
				return err
			}
			if i, ok := idx[a.StudentID]; ok {
				out[i].Attestations[a.StageID] = append(out[i].Attestations[a.StageID], a)
			}
			return nil
		})
	return out, err
}
