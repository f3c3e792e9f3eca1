package store

import (
	"context"
	"database/sql"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// SessionTextKey names a text of a session (migration 00021).
type SessionTextKey struct {
	Referentiel string
	Session     int
	Name        string
}

// The names of the texts of a session in session_texts. The fiche's
// Épreuve line has one per option: « fiche_epreuve:SISR ».
const (
	TextTableauTitle    = "tableau_title"
	TextTableauSubtitle = "tableau_subtitle"
	TextTableauSheet    = "tableau_sheet"
	TextFicheAnnexe     = "fiche_annexe"
	TextFicheEpreuve    = "fiche_epreuve:"
)

// TextsFor are the texts admins entered (all, as SessionTexts reads them)
// for a student's session, empty where none: the référentiel's print.
func TextsFor(all map[SessionTextKey]string, student *portfolio.User) portfolio.SessionTexts {
	if student.SessionYear == 0 {
		return portfolio.SessionTexts{}
	}
	get := func(name string) string {
		return all[SessionTextKey{Referentiel: student.Referentiel, Session: student.SessionYear, Name: name}]
	}
	return portfolio.SessionTexts{
		TableauTitle: get(TextTableauTitle), TableauSubtitle: get(TextTableauSubtitle), TableauSheet: get(TextTableauSheet),
		FicheAnnexe: get(TextFicheAnnexe), FicheEpreuve: get(TextFicheEpreuve + student.Parcours),
	}
}

// SessionTexts are every text admins entered, by key.
func (s *Store) SessionTexts(ctx context.Context) (map[SessionTextKey]string, error) {
	out := map[SessionTextKey]string{}
	err := s.each(ctx, `SELECT referentiel, session, name, value FROM session_texts`, nil, func(rows *sql.Rows) error {
		var k SessionTextKey
		var v string
		if err := rows.Scan(&k.Referentiel, &k.Session, &k.Name, &v); err != nil {
			return err
		}
		out[k] = v
		return nil
	})
	return out, err
}

// SessionTextChange is a text set to Value ("" removes it), recorded in
// the audit log with the same transaction.
type SessionTextChange struct {
	Key   SessionTextKey
	Value string
	Audit AuditEntry
}

// SetSessionTexts writes the changes and their audit lines in one
// transaction: all of them or none.
func (s *Store) SetSessionTexts(ctx context.Context, changes []SessionTextChange) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range changes {
			var err error
			if c.Value == "" {
				_, err = tx.ExecContext(ctx, `DELETE FROM session_texts WHERE referentiel = ? AND session = ? AND name = ?`,
					c.Key.Referentiel, c.Key.Session, c.Key.Name)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO session_texts (referentiel, session, name, value) VALUES (?, ?, ?, ?)
					ON CONFLICT DO UPDATE SET value = excluded.value`, c.Key.Referentiel, c.Key.Session, c.Key.Name, c.Value)
			}
			if err != nil {
				return err
			}
			if err := insertAudit(ctx, tx, c.Audit); err != nil {
				return err
			}
		}
		return nil
	})
}

// ExamForm is how a student sits the épreuves: their own setting, else
// that of their current class (not archived first, then the latest school
// year), even « not said » (an older class's setting does not come back
// when an admin clears the new one's).
func (s *Store) ExamForm(ctx context.Context, studentID int64) (portfolio.ExamForm, error) {
	var f portfolio.ExamForm
	err := s.queryRow(ctx, `SELECT COALESCE(NULLIF(u.exam_form, ''), (SELECT c.exam_form FROM class_students cs
			JOIN classes c ON c.id = cs.class_id WHERE cs.student_id = u.id
			ORDER BY c.archived, c.school_year DESC, c.id DESC LIMIT 1), '')
		FROM users u WHERE u.id = ?`, studentID).Scan(&f)
	if err == sql.ErrNoRows {
		return "", portfolio.ErrNotFound
	}
	return f, err
}
