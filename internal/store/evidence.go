package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// Evidence is a file attached to a réalisation.
type Evidence struct {
	ID            int64
	RealisationID int64
	StudentID     int64
	Title         string
	Filename      string
	Hash          string
	Size          int64
	Mime          string
	CreatedAt     time.Time
}

// IsImage reports whether the evidence shows as a picture.
func (e Evidence) IsImage() bool { return strings.HasPrefix(e.Mime, "image/") }

// ErrQuota is an upload that would exceed the student's storage quota.
var ErrQuota = errors.New("storage quota exceeded")

// FilesDir is where evidence bytes are kept, by content hash.
func (s *Store) FilesDir() string { return filepath.Join(s.dir, "files") }

// filePath is the path of the bytes of a hash: files/ab/abcdef…
func (s *Store) filePath(hash string) string {
	return filepath.Join(s.FilesDir(), hash[:2], hash)
}

// OpenEvidence opens the bytes of an evidence file.
func (s *Store) OpenEvidence(e Evidence) (*os.File, error) { return os.Open(s.filePath(e.Hash)) }

const evidenceColumns = `id, realisation_id, student_id, title, filename, hash, size, mime, created_at`

func scanEvidence(row interface{ Scan(...any) error }) (Evidence, error) {
	var e Evidence
	var at string
	err := row.Scan(&e.ID, &e.RealisationID, &e.StudentID, &e.Title, &e.Filename, &e.Hash, &e.Size, &e.Mime, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return e, portfolio.ErrNotFound
	}
	e.CreatedAt = parseTime(at)
	return e, err
}

// AddEvidence stores one uploaded file; see AddEvidenceBatch.
func (s *Store) AddEvidence(ctx context.Context, e Evidence, tmpPath string, quota int64) (int64, error) {
	ids, err := s.AddEvidenceBatch(ctx, []NewEvidence{{Evidence: e, TmpPath: tmpPath}}, quota)
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// NewEvidence is an uploaded file, already written to TmpPath and hashed.
type NewEvidence struct {
	Evidence
	TmpPath string
}

// AddEvidenceBatch stores the files of one upload, all or none, in one
// transaction, unless they would take their student over quota bytes
// (ErrQuota). The bytes are moved into place inside the transaction; if
// it fails, the bytes this call moved are removed again. The files lock is
// held throughout, so that a delete of the same bytes waits.
func (s *Store) AddEvidenceBatch(ctx context.Context, files []NewEvidence, quota int64) ([]int64, error) {
	if len(files) == 0 {
		return nil, nil
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(s.filePath(f.Hash)), 0o750); err != nil {
			return nil, err
		}
	}
	s.files.Lock()
	defer s.files.Unlock()
	var ids []int64
	var moved []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ids, moved = ids[:0], moved[:0]
		var total int64
		used, err := usedBytes(ctx, tx, files[0].StudentID)
		if err != nil {
			return err
		}
		for _, f := range files {
			total += f.Size
		}
		if used+total > quota {
			return ErrQuota
		}
		for _, f := range files {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO evidence (realisation_id, student_id, title, filename, hash, size, mime)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, f.RealisationID, f.StudentID, f.Title, f.Filename, f.Hash, f.Size, f.Mime).Scan(&id)
			if err != nil {
				return err
			}
			ids = append(ids, id)
			dest := s.filePath(f.Hash)
			if _, err := os.Stat(dest); err == nil {
				continue // the same bytes are stored already
			}
			if err := os.Rename(f.TmpPath, dest); err != nil {
				return err
			}
			moved = append(moved, dest)
		}
		return nil
	})
	if err != nil {
		for _, p := range moved {
			os.Remove(p) // not committed: nothing refers to these bytes
		}
		return nil, err
	}
	return ids, nil
}

// RemoveTempUploads deletes the temporary files of uploads (upload-*) and
// of class exports (export-*) that a crash or a restart left in files/tmp, and returns how many it removed. Only the server calls
// it, at start and holding the data directory's lock: no upload is under
// way then (a command beside a running server must not).
func (s *Store) RemoveTempUploads() (int, error) {
	dir := filepath.Join(s.FilesDir(), "tmp")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if e.Type().IsRegular() && (strings.HasPrefix(e.Name(), "upload-") || strings.HasPrefix(e.Name(), "export-")) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// UsedBytes is the storage a student's files take (evidence and
// attestations).
func (s *Store) UsedBytes(ctx context.Context, studentID int64) (int64, error) {
	return usedBytes(ctx, s.DB, studentID)
}

// EvidenceOf lists the evidence of a réalisation, in upload order.
func (s *Store) EvidenceOf(ctx context.Context, realisationID int64) ([]Evidence, error) {
	var out []Evidence
	err := s.each(ctx, `SELECT `+evidenceColumns+` FROM evidence WHERE realisation_id = ? ORDER BY id`, []any{realisationID},
		func(rows *sql.Rows) error {
			e, err := scanEvidence(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	return out, err
}

// EvidenceOfStudent lists every evidence file of a student, by réalisation.
func (s *Store) EvidenceOfStudent(ctx context.Context, studentID int64) (map[int64][]Evidence, error) {
	out := map[int64][]Evidence{}
	err := s.each(ctx, `SELECT `+evidenceColumns+` FROM evidence WHERE student_id = ? ORDER BY realisation_id, id`, []any{studentID},
		func(rows *sql.Rows) error {
			e, err := scanEvidence(rows)
			if err != nil {
				return err
			}
			out[e.RealisationID] = append(out[e.RealisationID], e)
			return nil
		})
	return out, err
}

// EvidenceByID returns one evidence row.
func (s *Store) EvidenceByID(ctx context.Context, id int64) (Evidence, error) {
	return scanEvidence(s.DB.QueryRowContext(ctx, `SELECT `+evidenceColumns+` FROM evidence WHERE id = ?`, id))
}

// DeleteEvidence removes an attachment of the student's réalisation, and
// its bytes if nothing else references them.
func (s *Store) DeleteEvidence(ctx context.Context, studentID, realisationID, id int64) error {
	var hash string
	err := s.DB.QueryRowContext(ctx, `DELETE FROM evidence WHERE id = ? AND student_id = ? AND realisation_id = ? RETURNING hash`,
		id, studentID, realisationID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return portfolio.ErrNotFound
	}
	if err != nil {
		return err
	}
	return s.dropUnreferenced(ctx, []string{hash})
}

// hashesOf lists the content hashes a query's evidence rows use.
func (s *Store) hashesOf(ctx context.Context, where string, arg int64) ([]string, error) {
	var out []string
	q := `SELECT DISTINCT hash FROM evidence WHERE ` + where + ` = ?1`
	if where == "student_id" {
		q += ` UNION SELECT hash FROM attestations WHERE student_id = ?1`
	}
	err := s.each(ctx, q, []any{arg}, func(rows *sql.Rows) error {
		var h string
		if err := rows.Scan(&h); err != nil {
			return err
		}
		out = append(out, h)
		return nil
	})
	return out, err
}

// dropUnreferenced deletes the stored bytes of the hashes no evidence row
// uses any more.
func (s *Store) dropUnreferenced(ctx context.Context, hashes []string) error {
	unlock, err := s.lockFiles()
	if err != nil {
		return err
	}
	defer unlock()
	for _, h := range hashes {
		var used bool
		if err := s.DB.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM evidence WHERE hash = ?1) OR EXISTS (SELECT 1 FROM attestations WHERE hash = ?1)`, h).Scan(&used); err != nil {
			return err
		}
		if used || len(h) < 3 {
			continue
		}
		if err := os.Remove(s.filePath(h)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// JuryLink is a read-only link to a student's portfolio.
type JuryLink struct {
	ID        int64
	StudentID int64
	Token     string
	Label     string
	CreatedAt time.Time
	ExpiresOn string // YYYY-MM-DD, "" for none
	Revoked   bool
	Views     int
	Days      []DayViews
}

// DayViews is the number of views of a link on one day.
type DayViews struct {
	Day   string
	Count int
}

// Active reports whether the link still opens the portfolio on day
// (YYYY-MM-DD).
func (l JuryLink) Active(day string) bool {
	return !l.Revoked && (l.ExpiresOn == "" || day <= l.ExpiresOn)
}

// CreateJuryLink makes a new link with a random, unguessable token.
func (s *Store) CreateJuryLink(ctx context.Context, studentID int64, label, expiresOn string) (JuryLink, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return JuryLink{}, err
	}
	l := JuryLink{StudentID: studentID, Token: base64.RawURLEncoding.EncodeToString(b), Label: label, ExpiresOn: expiresOn}
	err := s.DB.QueryRowContext(ctx, `INSERT INTO jury_links (student_id, token, label, expires_on) VALUES (?, ?, ?, ?) RETURNING id`,
		studentID, l.Token, label, expiresOn).Scan(&l.ID)
	return l, err
}

// JuryLinks lists a student's links, newest first, with their views.
func (s *Store) JuryLinks(ctx context.Context, studentID int64) ([]JuryLink, error) {
	var out []JuryLink
	idx := map[int64]int{}
	err := s.each(ctx, `SELECT id, student_id, token, label, created_at, expires_on, revoked_at <> '' FROM jury_links
		WHERE student_id = ? ORDER BY id DESC`, []any{studentID}, func(rows *sql.Rows) error {
		var l JuryLink
		var at string
		if err := rows.Scan(&l.ID, &l.StudentID, &l.Token, &l.Label, &at, &l.ExpiresOn, &l.Revoked); err != nil {
			return err
		}
		l.CreatedAt = parseTime(at)
		idx[l.ID] = len(out)
		out = append(out, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.each(ctx, `SELECT v.link_id, v.day, v.count FROM jury_views v JOIN jury_links l ON l.id = v.link_id
		WHERE l.student_id = ? ORDER BY v.day DESC`, []any{studentID}, func(rows *sql.Rows) error {
		var id int64
		var d DayViews
		if err := rows.Scan(&id, &d.Day, &d.Count); err != nil {
			return err
		}
		if i, ok := idx[id]; ok {
			out[i].Days = append(out[i].Days, d)
			out[i].Views += d.Count
		}
		return nil
	})
	return out, err
}

// JuryLinkByToken finds an active link; a revoked, expired or unknown
// token is ErrNotFound.
func (s *Store) JuryLinkByToken(ctx context.Context, token, day string) (JuryLink, error) {
	var l JuryLink
	err := s.DB.QueryRowContext(ctx, `SELECT id, student_id, token, label, expires_on, revoked_at <> '' FROM jury_links WHERE token = ?`, token).
		Scan(&l.ID, &l.StudentID, &l.Token, &l.Label, &l.ExpiresOn, &l.Revoked)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !l.Active(day)) {
		return JuryLink{}, portfolio.ErrNotFound
	}
	return l, err
}

// RecordView counts one view of a link on day.
func (s *Store) RecordView(ctx context.Context, linkID int64, day string) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO jury_views (link_id, day, count) VALUES (?, ?, 1)
		ON CONFLICT (link_id, day) DO UPDATE SET count = count + 1`, linkID, day)
	return err
}

// RevokeJuryLink revokes a link of the student.
func (s *Store) RevokeJuryLink(ctx context.Context, studentID, id int64) error {
	res, err := s.DB.ExecContext(ctx, `UPDATE jury_links SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
		WHERE id = ? AND student_id = ? AND revoked_at = ''`, id, studentID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portfolio.ErrNotFound
	}
	return nil
}
