// Package store holds every SQL statement of Portfolio SIO, on SQLite.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/pressly/goose/v3"
	"golang.org/x/text/unicode/norm"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/portfolio-sio/portfolio/migrations"
)

// DBFile is the database file name inside the data directory.
const DBFile = "portfolio.db"

// Store is the SQLite database.
type Store struct {
	DB  *sql.DB
	dir string // the data directory
	// files serialises the steps that add or drop evidence bytes, which
	// several rows may share (see AddEvidence and dropUnreferenced).
	files sync.Mutex
	// afterSnapshot, when set (tests), runs between a backup's snapshot of
	// the database and its copy of the files.
	afterSnapshot func()
	// stmts are the prepared statements of the queries every request runs
	// (see prepared).
	stmts  sync.Map // query → *sql.Stmt
	nstmts atomic.Int64
	// sessions keeps the sessions read or written (see Sessions).
	sessions sessionCache
	// changes reports committed writes to the memos of users, tableau
	// versions and classes, which serve the requests of cached pages
	// without a database round trip (changes.go).
	changes  *tracker
	users    *memo[int64, portfolio.User]
	versions *memo[int64, tableauVersion]
	classes  *memo[int64, classEntry]
	members  *memo[int64, []int64]          // a class's students
	students *memo[int64, dashboardStudent] // a student's line of a dashboard
	// release frees the data directory's lock at Close, when the store
	// took it (OpenBesideServer).
	release func()
}

// DSN is the connection string for a database file: WAL, foreign keys,
// busy timeout on every pooled connection, and immediate transactions so
// read-then-write transactions do not fail with SQLITE_BUSY.
func DSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database in dataDir and applies the
// pending migrations.
func Open(ctx context.Context, dataDir string) (*Store, error) {
	return OpenDriver(ctx, "sqlite", dataDir)
}

// newStore is the store of an opened database, with its memos.
func newStore(db *sql.DB, t *tracker, dir string) *Store {
	byRow := func(row int64) (int64, bool) { return row, true }
	return &Store{DB: db, dir: dir, changes: t,
		users: newMemo[int64, portfolio.User](t, 20000, map[string]func(int64) (int64, bool){"users": byRow}),
		// student_coverage's rowid is the student's id.
		versions: newMemo[int64, tableauVersion](t, 20000, map[string]func(int64) (int64, bool){
			"student_coverage": byRow, "jury_links": nil}),
		classes: newMemo[int64, classEntry](t, 5000, map[string]func(int64) (int64, bool){
			"classes": byRow, "class_teachers": nil}),
		// class_students has no rowid: any change drops every list.
		members: newMemo[int64, []int64](t, 5000, map[string]func(int64) (int64, bool){"class_students": nil}),
		students: newMemo[int64, dashboardStudent](t, 20000, map[string]func(int64) (int64, bool){
			"users": byRow, "student_coverage": byRow}),
	}
}

// OpenDriver is Open with another registered driver name, for tests that
// wrap the SQLite driver (to count queries, say).
func OpenDriver(ctx context.Context, driver, dataDir string) (*Store, error) {
	db, t, err := openDB(ctx, driver, dataDir)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return newStore(db, t, dataDir), nil
}

// openDB opens the database file of dataDir (created if needed), without
// touching its schema, through connections that report the rows each
// write changes (changes.go).
func openDB(ctx context.Context, driverName, dataDir string) (*sql.DB, *tracker, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("création du dossier de données : %w", err)
	}
	dsn := DSN(filepath.Join(dataDir, DBFile))
	probe, err := sql.Open(driverName, dsn) // the registered driver, for its Open
	if err != nil {
		return nil, nil, err
	}
	d := probe.Driver()
	_ = probe.Close()
	t := &tracker{}
	db := sql.OpenDB(&trackingConnector{d: d, dsn: dsn, t: t})
	// Enough connections that a request seldom waits for one: database/sql
	// hands a freed connection to a random waiter, not the oldest, so a
	// small pool under many concurrent requests makes a long latency tail
	// (with 8, the tableau's p99 under 64 connections was 3-5 ms higher in
	// our load runs).
	// Readers run in parallel under WAL; writers queue on SQLite's lock.
	// Each connection keeps its own page cache (2 MB at most).
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("ouverture de la base : %w", err)
	}
	t.enabled = t.hooked.Load() && !t.unhooked.Load()
	return db, t, nil
}

// OpenBesideServer opens the database for a command that may run while the
// server does (backup, export, user create). When no server holds the data
// directory, it is Open: pending migrations are applied, and the directory
// stays locked until Close (a server started meanwhile is refused).
// When one does,
// the schema is left alone — migrating it under a running server of
// another version could break that server — and the command is refused
// unless the schema is the one this program expects.
func OpenBesideServer(ctx context.Context, dataDir string) (*Store, error) {
	unlock, err := Lock(dataDir)
	if err == nil {
		// Kept until Close: a server started meanwhile is refused (the
		// directory is in use) instead of migrating the database under
		// the command.
		st, err := Open(ctx, dataDir)
		if err != nil {
			unlock()
			return nil, err
		}
		st.release = unlock
		return st, nil
	}
	if !errors.Is(err, ErrLocked) {
		return nil, err
	}
	db, t, err := openDB(ctx, "sqlite", dataDir)
	if err != nil {
		return nil, err
	}
	var version int64
	err = db.QueryRowContext(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&version)
	latest, lerr := latestMigration()
	if err == nil {
		err = lerr
	}
	if err == nil && version != latest {
		err = fmt.Errorf("la base du serveur en marche est au schéma %d et ce programme attend le schéma %d : utilisez le programme portfolio du serveur, ou arrêtez d'abord le serveur", version, latest)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return newStore(db, t, dataDir), nil
}

// ErrNoDatabase is returned by OpenExisting when the data directory holds
// no database.
var ErrNoDatabase = errors.New("aucune base dans le dossier de données")

// OpenExisting is OpenBesideServer for a database that must exist already,
// so a mistyped --data does not silently create an empty one.
func OpenExisting(ctx context.Context, dataDir string) (*Store, error) {
	if _, err := os.Stat(filepath.Join(dataDir, DBFile)); err != nil {
		return nil, fmt.Errorf("%w : %s (démarrez une fois le serveur avec --data %s pour la créer)", ErrNoDatabase, filepath.Join(dataDir, DBFile), dataDir)
	}
	return OpenBesideServer(ctx, dataDir)
}

// Setting returns an instance setting, "" when unset.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.DB.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting stores an instance setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// Migrate applies the embedded goose migrations.
func Migrate(ctx context.Context, db *sql.DB) error {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		return fmt.Errorf("migrations : %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migration de la base : %w", err)
	}
	return reindexIfFoldChanged(ctx, db)
}

// foldSample is a text whose folding names the fr collation's order: the
// Unicode version of the normalisation tables and what Fold makes of the
// letters it treats apart.
var foldSample = norm.Version + " " + Fold("Élève Œuvre Æsop Straße ÇA Ñandú İ ǅ Ω Ё")

// reindexIfFoldChanged rebuilds the indexes in the fr collation's order
// (migration 00016, the admin's lists) when the program folds names
// differently from the one that built them (a new Unicode version, a
// change of Fold): an index in another order than its collation's would
// list names wrongly. The folding in force is kept, as a hash of
// foldSample, in the database's user_version (no table row).
func reindexIfFoldChanged(ctx context.Context, db *sql.DB) error {
	h := fnv.New32a()
	h.Write([]byte(foldSample))
	want := int64(h.Sum32() >> 1) // user_version is a signed 32-bit integer
	var built int64
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&built); err != nil {
		return err
	}
	if built == want {
		return nil
	}
	if _, err := db.ExecContext(ctx, `REINDEX fr`); err != nil {
		return fmt.Errorf("réindexation des noms : %w", err)
	}
	_, err := db.ExecContext(ctx, `PRAGMA user_version = `+strconv.FormatInt(want, 10))
	return err
}

// Close closes the database.
func (s *Store) Close() error {
	s.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	err := s.DB.Close()
	if s.release != nil {
		s.release()
		s.release = nil
	}
	return err
}

// maxStmts bounds the prepared statements kept: the store's query texts
// are constants or a few variants of one; a text built with a varying
// number of placeholders beyond that is prepared for its one use.
const maxStmts = 512

// prepared is the statement of a query text, prepared once and kept
// (database/sql prepares it again on each pooled connection the first
// time it runs there): for the queries that every request runs, SQLite's
// parser costs more than the query. done releases a statement that was
// not kept.
func (s *Store) prepared(ctx context.Context, query string) (st *sql.Stmt, done func(), err error) {
	if v, ok := s.stmts.Load(query); ok {
		return v.(*sql.Stmt), func() {}, nil
	}
	prep, err := s.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	if s.nstmts.Load() >= maxStmts {
		return prep, func() { prep.Close() }, nil
	}
	v, loaded := s.stmts.LoadOrStore(query, prep)
	if loaded {
		prep.Close()
	} else {
		s.nstmts.Add(1)
	}
	return v.(*sql.Stmt), func() {}, nil
}

// queryRow is DB.QueryRowContext through a kept prepared statement.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, done, err := s.prepared(ctx, query)
	if err != nil {
		return s.DB.QueryRowContext(ctx, query, args...) // reports the error
	}
	defer done()
	return st.QueryRowContext(ctx, args...)
}

// exec is DB.ExecContext through a kept prepared statement.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, done, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	return st.ExecContext(ctx, args...)
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.DB.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// inTx runs fn in a transaction, committed if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
