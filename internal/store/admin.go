package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/roster"
)

// UserFilter narrows the admin's list of users.
type UserFilter struct {
	Query string // part of the name or e-mail
	Role  portfolio.Role
	Limit int
	// Offset skips that many accounts of the order (pages).
	Offset int
	// NotInClass leaves out the members of that class (0: none).
	NotInClass int64
	// WithoutClass keeps only the users in no class, archived ones aside.
	WithoutClass bool
}

// SearchUsers lists users matching the filter, sorted by name.
func (s *Store) SearchUsers(ctx context.Context, f UserFilter) ([]portfolio.User, error) {
	where, args := []string{"1 = 1"}, []any{}
	if q := strings.TrimSpace(f.Query); q != "" {
		// Without regard to case or accents (see Fold).
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(Fold(q)) + "%"
		where = append(where, `(fold(u.email) LIKE ? ESCAPE '\' OR fold(u.first_name || ' ' || u.last_name) LIKE ? ESCAPE '\'
			OR fold(u.last_name || ' ' || u.first_name) LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	if f.Role != "" {
		where = append(where, "u.role = ?")
		args = append(args, f.Role)
	}
	if f.NotInClass != 0 {
		where = append(where, `u.id NOT IN (SELECT student_id FROM class_students WHERE class_id = ?)`)
		args = append(args, f.NotInClass)
	}
	if f.WithoutClass {
		where = append(where, `NOT EXISTS (SELECT 1 FROM class_students cs JOIN classes c ON c.id = cs.class_id
			WHERE cs.student_id = u.id AND NOT c.archived)`)
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	var out []portfolio.User
	err := s.each(ctx, `SELECT `+userColumnsU+` FROM users u WHERE `+strings.Join(where, " AND ")+`
		ORDER BY u.last_name COLLATE fr, u.first_name COLLATE fr LIMIT ? OFFSET ?`, append(args, f.Limit, max(f.Offset, 0)),
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

// UpdateUser changes a user's identity, role and student fields, in one
// transaction.
func (s *Store) UpdateUser(ctx context.Context, u portfolio.User) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var before portfolio.User
		err := tx.QueryRowContext(ctx, `SELECT first_name, last_name, role FROM users WHERE id = ?`, u.ID).
			Scan(&before.FirstName, &before.LastName, &before.Role)
		if errors.Is(err, sql.ErrNoRows) {
			return portfolio.ErrNotFound
		}
		if err != nil {
			return err
		}
		// A role change leaves the classes of the former role.
		if u.Role != portfolio.RoleStudent {
			if _, err := tx.ExecContext(ctx, `DELETE FROM class_students WHERE student_id = ?`, u.ID); err != nil {
				return err
			}
		}
		if u.Role == portfolio.RoleStudent {
			if _, err := tx.ExecContext(ctx, `DELETE FROM class_teachers WHERE teacher_id = ?`, u.ID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET email = ?, first_name = ?, last_name = ?, role = ?,
			parcours = ?, candidate_number = ?, session_year = ?, centre = ?, exam_form = ? WHERE id = ?`,
			strings.TrimSpace(u.Email), u.FirstName, u.LastName, u.Role, u.Parcours, u.CandidateNumber, u.SessionYear, u.Centre, u.ExamForm, u.ID)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE constraint failed: users.email") {
				return ErrEmailTaken
			}
			return err
		}
		// A validator's name shows on the tableaux of the students whose
		// work they validated.
		wasStaff := before.Role != portfolio.RoleStudent
		if wasStaff && (before.FirstName != u.FirstName || before.LastName != u.LastName || u.Role == portfolio.RoleStudent) {
			return bumpAllStamps(ctx, tx)
		}
		return nil
	})
}

// SetDisabled disables or re-enables an account; disabling ends its
// sessions at once (every request reloads the user).
func (s *Store) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, disabled, id)
	return err
}

// ErrLinkInvalid is an activation link that does not exist, was used or
// expired.
var ErrLinkInvalid = errors.New("activation link invalid, used or expired")

// ActivationTTL is how long an activation link works.
const ActivationTTL = 7 * 24 * time.Hour

// ResetTTL is how long a « mot de passe oublié » link works.
const ResetTTL = time.Hour

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Link is a one-time link to choose a password: its token (the link's
// last part) and its short code, which works with the account's e-mail on
// the « premier accès » page.
type Link struct {
	Token string
	Code  string // ShortCodeLength characters of ShortCodeAlphabet, see FormatCode
}

// ShortCodeAlphabet has no characters that look alike (0/O, 1/I/l): a code
// printed on paper is typed without doubt. 31 characters, 8 of them: about
// 40 bits, tried only with the account's e-mail and under the login
// limiter.
const (
	ShortCodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	ShortCodeLength   = 8
)

// FormatCode prints a code in two groups, ABCD-EFGH.
func FormatCode(code string) string {
	if len(code) != ShortCodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// NormalizeCode is a code as typed (any case, spaces or dashes between
// groups) in its stored form.
func NormalizeCode(typed string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, typed)
}

// CreateActivation makes a one-time link for the user, valid for
// ActivationTTL, and retires the user's earlier unused ones. Only hashes
// of its token and code are stored: they are shown once.
func (s *Store) CreateActivation(ctx context.Context, userID, createdBy int64, now time.Time) (Link, error) {
	return s.createLink(ctx, userID, createdBy, now, ActivationTTL)
}

// CreateReset makes a « mot de passe oublié » link token, valid for
// ResetTTL, unless the user had one made in the last minutes (limit):
// then ok is false and no mail should go.
func (s *Store) CreateReset(ctx context.Context, userID int64, now time.Time, limit time.Duration) (token string, ok bool, err error) {
	var recent bool
	if err := s.DB.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM activation_tokens WHERE user_id = ? AND created_by IS NULL
		AND created_at > ?)`, userID, now.Add(-limit).UTC().Format(time.RFC3339)).Scan(&recent); err != nil || recent {
		return "", false, err
	}
	l, err := s.createLink(ctx, userID, 0, now, ResetTTL)
	return l.Token, err == nil, err
}

// createLink makes a one-time link valid for ttl, retiring the user's
// earlier unused ones.
func (s *Store) createLink(ctx context.Context, userID, createdBy int64, now time.Time, ttl time.Duration) (Link, error) {
	b := make([]byte, 24+ShortCodeLength)
	if _, err := rand.Read(b); err != nil {
		return Link{}, err
	}
	code := make([]byte, ShortCodeLength)
	for i, c := range b[24:] {
		// 256 is not a multiple of 31: the first 248 values are kept
		// uniform, the rest drawn again.
		for c >= 248 {
			var one [1]byte
			if _, err := rand.Read(one[:]); err != nil {
				return Link{}, err
			}
			c = one[0]
		}
		code[i] = ShortCodeAlphabet[int(c)%len(ShortCodeAlphabet)]
	}
	l := Link{Token: base64.RawURLEncoding.EncodeToString(b[:24]), Code: string(code)}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM activation_tokens WHERE user_id = ? AND used_at IS NULL`, userID); err != nil {
			return err
		}
		var by any
		if createdBy != 0 {
			by = createdBy
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO activation_tokens (user_id, token_hash, code_hash, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			userID, hashToken(l.Token), codeHash(userID, l.Code), by, now.UTC().Format(time.RFC3339), now.Add(ttl).UTC().Format(time.RFC3339))
		return err
	})
	return l, err
}

func codeHash(userID int64, code string) string {
	return hashToken(fmt.Sprintf("%d:%s", userID, code))
}

// linkKey finds a link row: by its token, or by its account and code.
type linkKey struct{ column, hash string }

func tokenKey(token string) linkKey { return linkKey{"token_hash", hashToken(token)} }

// codeKey is the link of the account with that e-mail and that code
// (NormalizeCode); an unknown e-mail is ErrLinkInvalid, like a wrong code.
func (s *Store) codeKey(ctx context.Context, email, code string) (linkKey, error) {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, portfolio.ErrNotFound) {
		return linkKey{}, ErrLinkInvalid
	}
	return linkKey{"code_hash", codeHash(u.ID, NormalizeCode(code))}, err
}

// ActivationUser returns the user an activation token is for, if the
// token is unused and not expired.
func (s *Store) ActivationUser(ctx context.Context, token string, now time.Time) (portfolio.User, error) {
	return s.linkUser(ctx, tokenKey(token), now)
}

// CodeUser is ActivationUser for the account's e-mail and a short code.
func (s *Store) CodeUser(ctx context.Context, email, code string, now time.Time) (portfolio.User, error) {
	k, err := s.codeKey(ctx, email, code)
	if err != nil {
		return portfolio.User{}, err
	}
	return s.linkUser(ctx, k, now)
}

// UseCode is UseActivation for the account's e-mail and a short code.
func (s *Store) UseCode(ctx context.Context, email, code, passwordHash string, now time.Time) (portfolio.User, error) {
	k, err := s.codeKey(ctx, email, code)
	if err != nil {
		return portfolio.User{}, err
	}
	return s.useLink(ctx, k, passwordHash, now)
}

// linkUser is the user of an unused, unexpired link.
func (s *Store) linkUser(ctx context.Context, k linkKey, now time.Time) (portfolio.User, error) {
	var id int64
	var expires string
	err := s.DB.QueryRowContext(ctx, `SELECT user_id, expires_at FROM activation_tokens
		WHERE `+k.column+` = ? AND used_at IS NULL`, k.hash).Scan(&id, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return portfolio.User{}, ErrLinkInvalid
	}
	if err != nil {
		return portfolio.User{}, err
	}
	if t, _ := time.Parse(time.RFC3339, expires); !now.Before(t) {
		return portfolio.User{}, ErrLinkInvalid
	}
	u, err := s.UserByID(ctx, id)
	if err == nil && u.Disabled {
		return portfolio.User{}, ErrLinkInvalid
	}
	return u, err
}

// UseActivation sets the password chosen through a link and spends the
// link, atomically: a link works once even if used twice at the same time.
func (s *Store) UseActivation(ctx context.Context, token, passwordHash string, now time.Time) (portfolio.User, error) {
	return s.useLink(ctx, tokenKey(token), passwordHash, now)
}

func (s *Store) useLink(ctx context.Context, k linkKey, passwordHash string, now time.Time) (portfolio.User, error) {
	u, err := s.linkUser(ctx, k, now)
	if err != nil {
		return u, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE activation_tokens SET used_at = ? WHERE `+k.column+` = ? AND used_at IS NULL`,
			now.UTC().Format(time.RFC3339), k.hash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrLinkInvalid
		}
		if err := nextStamp(ctx, tx); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, session_epoch = (SELECT value FROM stamp_counter) WHERE id = ?`, passwordHash, u.ID)
		return err
	})
	return u, err
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID         int64
	At         time.Time
	ActorID    int64
	ActorEmail string
	Action     string
	Target     string
	Detail     string
	IP         string
}

// Audit records an entry; an audit failure is returned to the caller.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	return insertAudit(ctx, s.DB, e)
}

// insertAudit writes an audit entry, on the database or in a
// transaction (with the change it records).
func insertAudit(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, e AuditEntry) error {
	var actor any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	_, err := db.ExecContext(ctx, `INSERT INTO audit_log (actor_id, actor_email, action, target, detail, ip, at)
		VALUES (?, ?, ?, ?, ?, ?, `+nowMillis+`)`, actor, e.ActorEmail, e.Action, e.Target, e.Detail, e.IP)
	return err
}

// AuditLog lists entries, newest first, optionally of one action.
func (s *Store) AuditLog(ctx context.Context, action string, limit, offset int) ([]AuditEntry, error) {
	where, args := "", []any{}
	if action != "" {
		where = "WHERE action = ?"
		args = append(args, action)
	}
	var out []AuditEntry
	err := s.each(ctx, `SELECT id, at, coalesce(actor_id, 0), actor_email, action, target, detail, ip FROM audit_log `+where+`
		ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limit, offset),
		func(rows *sql.Rows) error {
			var e AuditEntry
			var at string
			if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorEmail, &e.Action, &e.Target, &e.Detail, &e.IP); err != nil {
				return err
			}
			e.At = parseTime(at)
			out = append(out, e)
			return nil
		})
	return out, err
}

// ImportAction is what importing a roster line will do.
type ImportAction string

// Import actions.
const (
	ImportCreate    ImportAction = "create"
	ImportUpdate    ImportAction = "update"
	ImportUnchanged ImportAction = "unchanged"
	ImportError     ImportAction = "error"
)

// ImportLine is a roster line with what importing it will do.
type ImportLine struct {
	roster.Row
	Action  ImportAction
	Changes []string // for an update, what changes
	userID  int64
}

// PlanImport tells, for each line, whether importing it into the class
// creates a student, updates one, changes nothing, or is refused.
func (s *Store) PlanImport(ctx context.Context, classID int64, rows []roster.Row) ([]ImportLine, error) {
	out := make([]ImportLine, 0, len(rows))
	for _, r := range rows {
		l := ImportLine{Row: r}
		if r.Problem != "" {
			l.Action = ImportError
			out = append(out, l)
			continue
		}
		u, err := s.UserByEmail(ctx, r.Email)
		switch {
		case errors.Is(err, portfolio.ErrNotFound):
			l.Action = ImportCreate
		case err != nil:
			return nil, err
		case u.Role != portfolio.RoleStudent:
			l.Action, l.Problem = ImportError, "Cet e-mail est celui d'un "+u.Role.Label()+"."
		default:
			var mismatch bool
			if err := s.DB.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM classes c WHERE c.id = ? AND c.referentiel <> ?
				AND EXISTS (SELECT 1 FROM realisations WHERE student_id = ?))`, classID, u.Referentiel, u.ID).Scan(&mismatch); err != nil {
				return nil, err
			}
			if mismatch {
				l.Action, l.Problem = ImportError, "Ce compte a déjà des réalisations sur un autre référentiel que celui de la classe."
				break
			}
			other, err := s.ClassOfOtherReferentiel(ctx, u.ID, classID)
			if err != nil {
				return nil, err
			}
			if other != "" {
				l.Action, l.Problem = ImportError, "Ce compte est dans la classe « "+other+" », d'un autre référentiel : retirez-l'en d'abord."
				break
			}
			l.userID = u.ID
			if u.LastName != r.LastName {
				l.Changes = append(l.Changes, fmt.Sprintf("nom : %s → %s", u.LastName, r.LastName))
			}
			if u.FirstName != r.FirstName {
				l.Changes = append(l.Changes, fmt.Sprintf("prénom : %s → %s", u.FirstName, r.FirstName))
			}
			if r.Parcours != "" && u.Parcours != r.Parcours {
				l.Changes = append(l.Changes, fmt.Sprintf("parcours : %s → %s", orNone(u.Parcours), r.Parcours))
			}
			if r.CandidateNumber != "" && u.CandidateNumber != r.CandidateNumber {
				l.Changes = append(l.Changes, fmt.Sprintf("numéro de candidat : %s → %s", orNone(u.CandidateNumber), r.CandidateNumber))
			}
			var enrolled bool
			if err := s.DB.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM class_students WHERE class_id = ? AND student_id = ?)`,
				classID, u.ID).Scan(&enrolled); err != nil {
				return nil, err
			}
			if !enrolled {
				l.Changes = append(l.Changes, "inscription dans la classe")
			}
			l.Action = ImportUpdate
			if len(l.Changes) == 0 {
				l.Action = ImportUnchanged
			}
		}
		out = append(out, l)
	}
	return out, nil
}

func orNone(s string) string {
	if s == "" {
		return "(aucun)"
	}
	return s
}

// ApplyImport writes every good line of a roster into the class in one
// transaction: new students are created (without password: they activate
// their account through a link), existing ones updated and enrolled. It
// returns the counts created and updated.
func (s *Store) ApplyImport(ctx context.Context, classID int64, rows []roster.Row, sessionYear int) (created, updated int, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		created, updated = 0, 0
		for _, r := range rows {
			if r.Problem != "" {
				continue
			}
			var id int64
			var role portfolio.Role
			err := tx.QueryRowContext(ctx, `SELECT id, role FROM users WHERE email = ?`, r.Email).Scan(&id, &role)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				err = tx.QueryRowContext(ctx, `INSERT INTO users (email, first_name, last_name, role, parcours, candidate_number, session_year)
					VALUES (?, ?, ?, 'student', ?, ?, ?) RETURNING id`, r.Email, r.FirstName, r.LastName, r.Parcours, r.CandidateNumber, sessionYear).Scan(&id)
				if err != nil {
					return err
				}
				created++
			case err != nil:
				return err
			case role != portfolio.RoleStudent:
				continue // refused in the plan
			default:
				var mismatch bool
				if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users u, classes c
					WHERE u.id = ? AND c.id = ? AND u.referentiel <> c.referentiel
					AND EXISTS (SELECT 1 FROM realisations WHERE student_id = u.id))`, id, classID).Scan(&mismatch); err != nil {
					return err
				}
				if !mismatch {
					err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM class_students cs JOIN classes other ON other.id = cs.class_id, classes c
						WHERE cs.student_id = ? AND c.id = ? AND other.id <> c.id AND other.archived = 0 AND other.referentiel <> c.referentiel)`,
						id, classID).Scan(&mismatch)
					if err != nil {
						return err
					}
				}
				if mismatch {
					continue // refused in the plan
				}
				res, err := tx.ExecContext(ctx, `UPDATE users SET first_name = ?, last_name = ?,
					parcours = CASE WHEN ? <> '' THEN ? ELSE parcours END,
					candidate_number = CASE WHEN ? <> '' THEN ? ELSE candidate_number END
					WHERE id = ? AND (first_name <> ? OR last_name <> ? OR (? <> '' AND parcours <> ?) OR (? <> '' AND candidate_number <> ?))`,
					r.FirstName, r.LastName, r.Parcours, r.Parcours, r.CandidateNumber, r.CandidateNumber, id,
					r.FirstName, r.LastName, r.Parcours, r.Parcours, r.CandidateNumber, r.CandidateNumber)
				if err != nil {
					return err
				}
				changed, _ := res.RowsAffected()
				res, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO class_students (class_id, student_id) VALUES (?, ?)`, classID, id)
				if err != nil {
					return err
				}
				enrolled, _ := res.RowsAffected()
				if changed+enrolled > 0 {
					updated++
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO class_students (class_id, student_id) VALUES (?, ?)`, classID, id); err != nil {
				return err
			}
		}
		return nil
	})
	return created, updated, err
}

// StudentFootprint counts what deleting a student removes.
type StudentFootprint struct {
	Realisations, Comments, Events, Classes, Files int
}

// Footprint counts a student's data.
func (s *Store) Footprint(ctx context.Context, studentID int64) (StudentFootprint, error) {
	var f StudentFootprint
	err := s.DB.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM realisations WHERE student_id = ?1),
		(SELECT count(*) FROM comments c JOIN realisations r ON r.id = c.realisation_id WHERE r.student_id = ?1),
		(SELECT count(*) FROM realisation_events e JOIN realisations r ON r.id = e.realisation_id WHERE r.student_id = ?1),
		(SELECT count(*) FROM class_students WHERE student_id = ?1),
		(SELECT count(*) FROM evidence WHERE student_id = ?1) + (SELECT count(*) FROM attestations WHERE student_id = ?1)`, studentID).Scan(&f.Realisations, &f.Comments, &f.Events, &f.Classes, &f.Files)
	return f, err
}

// DeleteUser deletes an account and, by cascade, everything that belongs
// to it (réalisations, comments on them, history, enrolments, sessions
// end at the next request). Comments the user wrote elsewhere stay, signed
// "compte supprimé".
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	hashes, err := s.hashesOf(ctx, "student_id", id)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var role portfolio.Role
		err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = ?`, id).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) {
			return portfolio.ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
			return err
		}
		if role != portfolio.RoleStudent { // a validator: "compte supprimé" on tableaux
			return bumpAllStamps(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.dropUnreferenced(ctx, hashes)
}

// SetPassword replaces a user's password hash.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := nextStamp(ctx, tx); err != nil {
			return err
		}
		// A new epoch, never given before (migration 00011), ends the
		// sessions opened with the old password.
		_, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, session_epoch = (SELECT value FROM stamp_counter) WHERE id = ?`, hash, id)
		return err
	})
}

// Backup writes a consistent copy of the live database to path (which must
// not exist), while the server keeps running.
// The copy is readable by its owner only, and holds no session (a
// restored backup logs everyone out rather than reviving old cookies).
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := s.DB.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `DELETE FROM sessions`)
	return err
}
