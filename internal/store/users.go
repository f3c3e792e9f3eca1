package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// ErrEmailTaken is returned when creating a user whose e-mail exists.
var ErrEmailTaken = errors.New("e-mail already used")

const userColumns = `id, email, first_name, last_name, role, password_hash, referentiel,
	parcours, candidate_number, session_year, centre, portfolio_url, disabled, session_epoch, unread, mail_pref, exam_form`

// userColumnsU is userColumns for a query where users is aliased u.
const userColumnsU = `u.id, u.email, u.first_name, u.last_name, u.role, u.password_hash, u.referentiel,
	u.parcours, u.candidate_number, u.session_year, u.centre, u.portfolio_url, u.disabled, u.session_epoch, u.unread, u.mail_pref, u.exam_form`

func scanUser(row interface{ Scan(...any) error }) (portfolio.User, error) {
	return scanUserRow(row)
}

// scanUserRow scans the user columns then the extra destinations.
func scanUserRow(row interface{ Scan(...any) error }, extra ...any) (portfolio.User, error) {
	var u portfolio.User
	err := row.Scan(append([]any{&u.ID, &u.Email, &u.FirstName, &u.LastName, &u.Role, &u.PasswordHash,
		&u.Referentiel, &u.Parcours, &u.CandidateNumber, &u.SessionYear, &u.Centre, &u.PortfolioURL, &u.Disabled, &u.SessionEpoch, &u.Unread, &u.MailPref, &u.ExamForm}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return u, portfolio.ErrNotFound
	}
	return u, err
}

// CreateUser inserts a user and returns its id.
func (s *Store) CreateUser(ctx context.Context, u portfolio.User) (int64, error) {
	if u.Referentiel == "" {
		u.Referentiel = "sio-2011"
	}
	res, err := s.DB.ExecContext(ctx, `INSERT INTO users (email, first_name, last_name, role,
		password_hash, referentiel, parcours, candidate_number, session_year, centre, portfolio_url, exam_form)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		strings.TrimSpace(u.Email), u.FirstName, u.LastName, u.Role, u.PasswordHash, u.Referentiel,
		u.Parcours, u.CandidateNumber, u.SessionYear, u.Centre, u.PortfolioURL, u.ExamForm)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed: users.email") {
			return 0, ErrEmailTaken
		}
		return 0, err
	}
	return res.LastInsertId()
}

// UserByEmail finds a user by e-mail, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (portfolio.User, error) {
	return scanUser(s.DB.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE email = ?`, strings.TrimSpace(email)))
}

// UserByID finds a user by id.
// It is served from memory while the row does not change (changes.go).
func (s *Store) UserByID(ctx context.Context, id int64) (portfolio.User, error) {
	return s.users.get(id, nil, func() (portfolio.User, error) {
		return scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	})
}

// CountUsers counts every account.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// Users lists accounts of a role, sorted by name.
func (s *Store) Users(ctx context.Context, role portfolio.Role) ([]portfolio.User, error) {
	var out []portfolio.User
	err := s.each(ctx, `SELECT `+userColumnsU+` FROM users u WHERE u.role = ?
		ORDER BY u.last_name COLLATE fr, u.first_name COLLATE fr`, []any{role},
		func(rows *sql.Rows) error {
			u, err := scanUserRow(rows)
			if err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	return out, err
}
