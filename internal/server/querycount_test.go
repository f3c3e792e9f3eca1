package server

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"

	"modernc.org/sqlite"

	"github.com/portfolio-sio/portfolio/internal/store"
)

// A SQLite driver that counts the statements run through it, to prove that
// a page's query count does not grow with the data.

var queryCount, rowCount atomic.Int64

// queryLog, when not nil, receives the text of every statement run.
var queryLog atomic.Pointer[chan string]

func logQuery(q string) {
	if ch := queryLog.Load(); ch != nil {
		select {
		case *ch <- q:
		default:
		}
	}
}

// countingRows counts the rows handed to the program.
type countingRows struct{ driver.Rows }

func (r countingRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	if err == nil {
		rowCount.Add(1)
	}
	return err
}

func init() {
	d := &sqlite.Driver{}
	store.RegisterSQLFunctions(d)
	sql.Register("sqlite-counting", countingDriver{d})
}

type countingDriver struct{ d driver.Driver }

func (c countingDriver) Open(name string) (driver.Conn, error) {
	conn, err := c.d.Open(name)
	if err != nil {
		return nil, err
	}
	return countingConn{conn}, nil
}

type countingConn struct{ driver.Conn }

func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	queryCount.Add(1)
	logQuery(q)
	rows, err := c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
	if err != nil {
		return nil, err
	}
	return countingRows{rows}, nil
}

func (c countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	queryCount.Add(1)
	logQuery(q)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

// PrepareContext counts each run of the prepared statement, not its
// preparation.
func (c countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return countingStmt{st, q}, nil
}

type countingStmt struct {
	driver.Stmt
	q string
}

func (s countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	queryCount.Add(1)
	logQuery(s.q)
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	return countingRows{rows}, nil
}

func (s countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	queryCount.Add(1)
	logQuery(s.q)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c countingConn) Ping(ctx context.Context) error {
	return c.Conn.(driver.Pinger).Ping(ctx)
}

func (c countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// Unwrap lets the store reach the SQLite connection, to set its hooks.
func (c countingConn) Unwrap() driver.Conn { return c.Conn }
