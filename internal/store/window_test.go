package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// A driver whose ExecContext, once the statement has run (and, outside a
// transaction, committed), waits when asked: the gap between SQLite's
// commit and trackedConn.flush, widened.
var pauseAfterExec atomic.Pointer[[2]chan struct{}]

func init() {
	d := &sqlite.Driver{}
	RegisterSQLFunctions(d)
	sql.Register("sqlite-pausing", pausingDriver{d})
}

type pausingDriver struct{ d driver.Driver }

func (p pausingDriver) Open(name string) (driver.Conn, error) {
	c, err := p.d.Open(name)
	if err != nil {
		return nil, err
	}
	return pausingConn{c}, nil
}

type pausingConn struct{ driver.Conn }

func (c pausingConn) Unwrap() driver.Conn { return c.Conn }
func (c pausingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
	if ch := pauseAfterExec.Load(); ch != nil && strings.HasPrefix(q, "UPDATE users") {
		pauseAfterExec.Store(nil)
		close(ch[0]) // committed, not yet published
		<-ch[1]
	}
	return res, err
}
func (c pausingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}
func (c pausingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}
func (c pausingConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, o)
}
func (c pausingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

// TestDashboardStaleUnderFreshStamp: a reader between a write's commit and
// its publication gets the class's new stamp (read from the database) with
// the student's old dashboard line (from the memo). The server keeps the
// dashboard body under "class|<class with that stamp>", so the stale body
// is then served for that stamp until the class changes again.
func TestDashboardStaleUnderFreshStamp(t *testing.T) {
	ctx := context.Background()
	st, err := OpenDriver(ctx, "sqlite-pausing", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lea, _ := st.CreateUser(ctx, portfolio.User{Email: "lea@example.org", FirstName: "Léa", LastName: "Moreau", Role: portfolio.RoleStudent})
	cid, _ := st.CreateClass(ctx, Class{Name: "SIO2", SchoolYear: "2026-2027"})
	if err := st.Enrol(ctx, cid, lea); err != nil {
		t.Fatal(err)
	}
	before, _ := st.ClassByID(ctx, cid)
	if _, err := st.ClassDashboard(ctx, cid); err != nil { // lines memoised
		t.Fatal(err)
	}
	st.classes.invalidate("classes", nil) // the class memo evicted (bounded memo), or already dropped by flush

	ch := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	pauseAfterExec.Store(&ch)
	done := make(chan error)
	go func() {
		_, err := st.DB.ExecContext(ctx, `UPDATE users SET first_name = 'Lina' WHERE id = ?`, lea)
		done <- err
	}()
	<-ch[0] // committed
	c, _ := st.ClassByID(ctx, cid)
	d, _ := st.ClassDashboard(ctx, cid)
	close(ch[1])
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	after, _ := st.ClassByID(ctx, cid)
	t.Logf("stamp before %d, read in the window %d, after publication %d; name in the window %q",
		before.Stamp, c.Stamp, after.Stamp, d.Students[0].User.FirstName)
	if c.Stamp == after.Stamp && d.Students[0].User.FirstName != "Lina" {
		t.Fatalf("stamp %d (the final one) paired with the old line %q: a page cached under it stays stale",
			c.Stamp, d.Students[0].User.FirstName)
	}
}
