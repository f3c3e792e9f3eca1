package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"
)

// Sessions is the session store of scs (it implements scs.CtxStore) on the
// sessions table, whose schema is the one of scs's own sqlite3store (expiry
// as a Julian day). A session is read on every request: ours keeps the
// sessions it read in memory too, which is safe because this
// process is the only writer of the table (the server holds the data
// directory's lock, and the CLI commands never touch sessions). What a
// session grants is still checked against the users row on every request.
type Sessions struct {
	s *Store
}

// Sessions returns the session store.
func (s *Store) Sessions() Sessions { return Sessions{s} }

// sessionCache holds sessions by token. gen moves at every drop: a read
// from the table is kept only if no drop happened while it ran, so a
// session deleted (logout) during that read is not brought back.
type sessionCache struct {
	mu      sync.Mutex
	entries map[string]cachedSession
	gen     uint64
}

type cachedSession struct {
	data   []byte
	expiry time.Time
}

// maxCachedSessions bounds the memory: a school has a few thousand users.
const maxCachedSessions = 20000

func (c *sessionCache) get(token string, now time.Time) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[token]
	if !ok || !now.Before(e.expiry) {
		return nil, false
	}
	return e.data, true
}

// generation is the drop count, to pass to put.
func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps a session read or written when the cache was at generation
// gen, unless a drop happened since.
func (c *sessionCache) put(token string, data []byte, expiry time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.entries == nil {
		c.entries = map[string]cachedSession{}
	}
	if _, ok := c.entries[token]; !ok && len(c.entries) >= maxCachedSessions {
		for k := range c.entries { // random eviction: it is read back from the table
			delete(c.entries, k)
			break
		}
	}
	c.entries[token] = cachedSession{data: data, expiry: expiry}
}

// drop forgets a session and returns the new generation.
func (c *sessionCache) drop(token string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, token)
	c.gen++
	return c.gen
}

const sessionExpiryLayout = "2006-01-02T15:04:05.999"

// FindCtx returns the data of an unexpired session.
func (ss Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	if b, ok := ss.s.sessions.get(token, time.Now()); ok {
		return b, true, nil
	}
	gen := ss.s.sessions.generation()
	var b []byte
	var unix float64
	err := ss.s.queryRow(ctx, `SELECT data, (expiry - 2440587.5) * 86400.0 FROM sessions
		WHERE token = ? AND julianday('now') < expiry`, token).Scan(&b, &unix)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	ss.s.sessions.put(token, b, time.UnixMilli(int64(unix*1000)), gen)
	return b, true, nil
}

// CommitCtx adds or replaces a session.
func (ss Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	// Forgotten before and after the write, and not kept here: the next
	// read takes it from the table. A read of the old row that ran during
	// the write cannot keep it (see FindCtx), and a logout racing this
	// write cannot be undone in memory. Session writes are rare (login,
	// flash messages).
	ss.s.sessions.drop(token)
	_, err := ss.s.exec(ctx, `REPLACE INTO sessions (token, data, expiry) VALUES (?, ?, julianday(?))`,
		token, b, expiry.UTC().Format(sessionExpiryLayout))
	ss.s.sessions.drop(token)
	return err
}

// DeleteCtx removes a session.
func (ss Sessions) DeleteCtx(ctx context.Context, token string) error {
	ss.s.sessions.drop(token)
	_, err := ss.s.exec(ctx, `DELETE FROM sessions WHERE token = ?`, token)
	// Again after: a read of the table that ran before the DELETE may have
	// kept the session meanwhile.
	ss.s.sessions.drop(token)
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
