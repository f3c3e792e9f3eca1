package store

import (
	"context"
	"database/sql/driver"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
)

// The store keeps some rows in memory — the users, the stamps of the
// tableaux, the classes — so that a page served from the page cache costs
// no database round trip (issue #14). They are invalidated by the writes
// themselves, as SQLite reports them: every connection of the store has a
// pre-update hook that notes the table and row of each row a statement
// changes (triggers included), and once the write is committed — after
// Exec returns outside a transaction, after Commit — the rows noted are
// dropped from the memos and the change generation moves on. A read that
// was under way during a commit is not kept (memo.get). This process is
// the only writer of the tables memoised: the commands that may run beside
// a server only add accounts (user create), whose new ids no memo holds.

// maxNoted bounds the rows noted per table and statement: past it, the
// whole table counts as changed (a bulk load, a migration).
const maxNoted = 4096

// changes are the rows a write changed, by table; a nil set is the whole
// table.
type changes map[string]map[int64]struct{}

// tracker spreads the committed changes to the memos.
type tracker struct {
	gen atomic.Uint64 // moves after every committed write
	// inflight counts the writes committing: from SQLite's commit hook,
	// before the commit, to their publication. Meanwhile the memos neither
	// serve nor keep values: a reader could otherwise pair a row already
	// committed (read from the database) with a memoised one the write
	// changed, and a page cached under the new stamp would stay stale.
	inflight atomic.Int64
	mu       sync.Mutex
	memos    []invalidator
	enabled  bool // the driver has hooks: memos may keep rows (set once at open)
	// hooked and unhooked say whether connections got the hook.
	hooked, unhooked atomic.Bool
}

type invalidator interface {
	invalidate(table string, rows map[int64]struct{})
}

func (t *tracker) register(m invalidator) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.memos = append(t.memos, m)
}

// committed publishes a committed write's changes: the generation first,
// so that a read under way is not kept, then the memos.
func (t *tracker) committed(c changes) {
	if len(c) == 0 {
		return
	}
	t.gen.Add(1)
	t.mu.Lock()
	memos := t.memos
	t.mu.Unlock()
	for table, rows := range c {
		for _, m := range memos {
			m.invalidate(table, rows)
		}
	}
}

// trackingConnector opens the store's connections with the hook.
type trackingConnector struct {
	d   driver.Driver
	dsn string
	t   *tracker
}

func (c *trackingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.d.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	hooks, ok := hookRegisterer(conn)
	if !ok {
		c.t.unhooked.Store(true) // no memos on this driver (tracker.enabled false)
		return conn, nil
	}
	c.t.hooked.Store(true)
	tc := &trackedConn{Conn: conn, t: c.t}
	hooks.RegisterPreUpdateHook(tc.note)
	hooks.RegisterCommitHook(tc.committing)
	return tc, nil
}

func (c *trackingConnector) Driver() driver.Driver { return c.d }

// hookRegisterer finds the SQLite connection under wrappers that have an
// Unwrap method (tests count queries through one).
func hookRegisterer(conn driver.Conn) (sqlite.HookRegisterer, bool) {
	for {
		if h, ok := conn.(sqlite.HookRegisterer); ok {
			return h, true
		}
		u, ok := conn.(interface{ Unwrap() driver.Conn })
		if !ok {
			return nil, false
		}
		conn = u.Unwrap()
	}
}

// trackedConn is a connection that notes the rows its statements change
// and publishes them once committed. database/sql uses a connection from
// one goroutine at a time: pending needs no lock.
type trackedConn struct {
	driver.Conn
	t       *tracker
	inTx    bool
	pending changes
	marked  bool // counted in t.inflight until flush
}

// committing is SQLite's commit hook: a write that changed rows is about
// to commit.
func (c *trackedConn) committing() int32 {
	if len(c.pending) > 0 && !c.marked {
		c.marked = true
		c.t.inflight.Add(1)
	}
	return 0 // let the commit go on
}

func (c *trackedConn) note(d sqlite.SQLitePreUpdateData) {
	if c.pending == nil {
		c.pending = changes{}
	}
	rows, seen := c.pending[d.TableName]
	if seen && rows == nil {
		return // the whole table already
	}
	if !seen {
		rows = map[int64]struct{}{}
		c.pending[d.TableName] = rows
	}
	rows[d.OldRowID] = struct{}{}
	rows[d.NewRowID] = struct{}{}
	if len(rows) > maxNoted {
		c.pending[d.TableName] = nil
	}
}

// flush publishes what a finished write changed; outside a transaction,
// the statement's end is its commit. A failed write publishes too: what it
// did not change is only dropped from memory and read again.
func (c *trackedConn) flush() {
	if c.inTx {
		return
	}
	if len(c.pending) > 0 {
		p := c.pending
		c.pending = nil
		c.t.committed(p)
	}
	if c.marked { // after the memos dropped what the write changed
		c.marked = false
		c.t.inflight.Add(-1)
	}
}

func (c *trackedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	defer c.flush()
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *trackedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	if err != nil {
		c.flush()
		return nil, err
	}
	return &trackedRows{Rows: rows, c: c}, nil
}

func (c *trackedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &trackedStmt{Stmt: st, c: c}, nil
}

func (c *trackedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return &trackedTx{Tx: tx, c: c}, nil
}

func (c *trackedConn) Ping(ctx context.Context) error {
	return c.Conn.(driver.Pinger).Ping(ctx)
}

func (c *trackedConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *trackedConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

type trackedTx struct {
	driver.Tx
	c *trackedConn
}

func (t *trackedTx) Commit() error {
	err := t.Tx.Commit()
	t.c.inTx = false
	t.c.flush()
	return err
}

func (t *trackedTx) Rollback() error {
	err := t.Tx.Rollback()
	t.c.inTx = false
	t.c.flush() // harmless: what was noted is read again
	return err
}

type trackedStmt struct {
	driver.Stmt
	c *trackedConn
}

func (s *trackedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	defer s.c.flush()
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *trackedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		s.c.flush()
		return nil, err
	}
	return &trackedRows{Rows: rows, c: s.c}, nil
}

// trackedRows publishes, when closed, what a query that writes (INSERT …
// RETURNING) changed.
type trackedRows struct {
	driver.Rows
	c *trackedConn
}

func (r *trackedRows) Close() error {
	err := r.Rows.Close()
	r.c.flush()
	return err
}

// memo keeps values read from the database by key, until a committed
// write changes a row they depend on. Bounded; random eviction.
type memo[K comparable, V any] struct {
	t *tracker
	// keyOf names, for each table a value depends on, the key a change
	// of one of its rows drops; ok false (or a nil func) drops every key.
	keyOf map[string]func(row int64) (k K, ok bool)
	max   int
	mu    sync.Mutex
	m     map[K]V
}

func newMemo[K comparable, V any](t *tracker, max int, keyOf map[string]func(int64) (K, bool)) *memo[K, V] {
	m := &memo[K, V]{t: t, max: max, keyOf: keyOf, m: map[K]V{}}
	t.register(m)
	return m
}

// get returns the value under k when kept and still valid (fresh, which
// may be nil, says so), else loads and keeps it. A value loaded while a
// write was committed is returned but not kept.
func (m *memo[K, V]) get(k K, fresh func(V) bool, load func() (V, error)) (V, error) {
	if !m.t.enabled || m.t.inflight.Load() > 0 {
		return load()
	}
	m.mu.Lock()
	v, ok := m.m[k]
	m.mu.Unlock()
	if ok && (fresh == nil || fresh(v)) {
		return v, nil
	}
	gen := m.t.gen.Load()
	v, err := load()
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.t.gen.Load() == gen && m.t.inflight.Load() == 0 {
		if _, ok := m.m[k]; !ok && len(m.m) >= m.max {
			for k := range m.m { // random eviction
				delete(m.m, k)
				break
			}
		}
		m.m[k] = v
	}
	return v, nil
}

// getMany returns the values under keys, loading those absent with one
// call of load (which returns them by key; a key it leaves out is left
// out). Values loaded while a write was committed are not kept.
func (m *memo[K, V]) getMany(keys []K, load func(missing []K) (map[K]V, error)) (map[K]V, error) {
	out := make(map[K]V, len(keys))
	var missing []K
	serve := m.t.enabled && m.t.inflight.Load() == 0
	m.mu.Lock()
	for _, k := range keys {
		if v, ok := m.m[k]; ok && serve {
			out[k] = v
		} else {
			missing = append(missing, k)
		}
	}
	m.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	gen := m.t.gen.Load()
	loaded, err := load(missing)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	keep := m.t.enabled && m.t.gen.Load() == gen && m.t.inflight.Load() == 0
	for k, v := range loaded {
		out[k] = v
		if !keep {
			continue
		}
		if _, ok := m.m[k]; !ok && len(m.m) >= m.max {
			for old := range m.m {
				delete(m.m, old)
				break
			}
		}
		m.m[k] = v
	}
	return out, nil
}

func (m *memo[K, V]) invalidate(table string, rows map[int64]struct{}) {
	keyOf, ok := m.keyOf[table]
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if rows == nil || keyOf == nil {
		clear(m.m)
		return
	}
	for row := range rows {
		k, ok := keyOf(row)
		if !ok {
			clear(m.m)
			return
		}
		delete(m.m, k)
	}
}

// len is the number of values kept (tests).
func (m *memo[K, V]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}
