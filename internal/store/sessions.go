package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Sessions is the session store of scs (it implements scs.CtxStore) on the
// sessions table, whose schema is the one of scs's own sqlite3store (expiry
// as a Julian day). Ours prepares its queries once: a session is read on
// every request.
type Sessions struct {
	s *Store
}

// Sessions returns the session store.
func (s *Store) Sessions() Sessions { return Sessions{s} }

const sessionExpiryLayout = "2006-01-02T15:04:05.999"

// FindCtx returns the data of an unexpired session.
func (ss Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := ss.s.queryRow(ctx, `SELECT data FROM sessions WHERE token = ? AND julianday('now') < expiry`, token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// CommitCtx adds or replaces a session.
func (ss Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := ss.s.exec(ctx, `REPLACE INTO sessions (token, data, expiry) VALUES (?, ?, julianday(?))`,
		token, b, expiry.UTC().Format(sessionExpiryLayout))
	return err
}

// DeleteCtx removes a session.
func (ss Sessions) DeleteCtx(ctx context.Context, token string) error {
	_, err := ss.s.exec(ctx, `DELETE FROM sessions WHERE token = ?`, token)
	return err
}

// Find, Commit and Delete are the context-free forms scs also requires.
func (ss Sessions) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

func (ss Sessions) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

func (ss Sessions) Delete(token string) error {
	return ss.DeleteCtx(context.Background(), token)
}

// DeleteExpiredSessions purges the expired sessions.
func (s *Store) DeleteExpiredSessions(ctx context.Context) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE expiry < julianday('now')`)
	return err
}
