package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/migrations"
)

// TestMigrationsRoundTrip applies every migration, rolls them all back and
// applies them again.
func TestMigrationsRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", DSN(filepath.Join(t.TempDir(), DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
}

// TestBackupWhileWriting takes an online backup while a writer inserts
// continuously, restores it into a new data directory, and checks that
// every row committed before the backup started is there.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	uid, err := st.CreateUser(ctx, portfolio.User{Email: "lea@example.org", FirstName: "Léa", LastName: "Moreau", Role: portfolio.RoleStudent})
	if err != nil {
		t.Fatal(err)
	}
	r := portfolio.Realisation{Title: "Écrite pendant la sauvegarde", Cadre: "formation", Modalite: portfolio.Alone,
		Start: portfolio.Month{Year: 2026, Month: 1}, End: portfolio.Month{Year: 2026, Month: 2}, Types: []string{"T1"},
		Activities: []portfolio.ActivityEntry{{Code: "A1.1.1", Competences: []string{"C1.1.1.1"}}}}

	var mu sync.Mutex
	var committed []int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			id, err := st.CreateRealisation(ctx, uid, r)
			if err != nil {
				done <- err
				return
			}
			mu.Lock()
			committed = append(committed, id)
			mu.Unlock()
		}
	}()
	for { // let the writer get going
		mu.Lock()
		n := len(committed)
		mu.Unlock()
		if n >= 50 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	before := append([]int64(nil), committed...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "sauvegarde.db")
	if err := st.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // writes continue after the backup
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("writer: %v", err)
	}
	mu.Lock()
	total := len(committed)
	mu.Unlock()

	restored := t.TempDir()
	if _, err := Restore(ctx, restored, backup, time.Now()); err != nil {
		t.Fatal(err)
	}
	back, err := Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	var check string
	if err := back.DB.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	for _, id := range before {
		if _, err := back.GetRealisation(ctx, uid, id); err != nil {
			t.Fatalf("réalisation %d committed before the backup is missing: %v", id, err)
		}
	}
	var n int
	back.DB.QueryRow(`SELECT count(*) FROM realisations`).Scan(&n)
	t.Logf("%d rows committed before the backup, %d in it, %d written in all", len(before), n, total)
	if n < len(before) || n > total {
		t.Fatalf("restored %d rows", n)
	}
}

func TestRestoreRefusesBadFilesAndRunningServer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("pas une base"), 0o644)
	if _, err := Restore(ctx, t.TempDir(), junk, time.Now()); err == nil {
		t.Error("junk restored")
	}
	// A SQLite file that is not ours.
	other := filepath.Join(dir, "other.db")
	db, _ := sql.Open("sqlite", other)
	db.Exec(`CREATE TABLE x (a)`)
	db.Close()
	if _, err := Restore(ctx, t.TempDir(), other, time.Now()); err == nil {
		t.Error("foreign database restored")
	}
	// A running server holds the lock.
	live := t.TempDir()
	st, _ := Open(ctx, live)
	good := filepath.Join(dir, "good.db")
	if err := st.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	st.Close()
	unlock, err := Lock(live)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, live, good, time.Now()); !errors.Is(err, ErrLocked) {
		t.Errorf("restore under a running server: %v", err)
	}
	unlock()
	kept, err := Restore(ctx, live, good, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	if err != nil || !strings.HasSuffix(kept, "portfolio.db.before-restore-20261124-100000") {
		t.Fatalf("restore: %q, %v", kept, err)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Fatal("previous database not kept")
	}
}

func TestBackupRetention(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	start := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	for d := 0; d < 5; d++ {
		if _, err := st.BackupInto(ctx, dir, 3, start.AddDate(0, 0, d)); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "portfolio-20261103-030000.db,portfolio-20261104-030000.db,portfolio-20261105-030000.db" {
		t.Fatalf("kept %v", names)
	}
}

// A command run beside a running server never migrates the server's
// database: it is refused when the schema is not the one it expects, and
// migrates as usual when no server runs.
func TestOpenBesideServer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// A database one migration behind this program.
	db, err := sql.Open("sqlite", DSN(filepath.Join(dir, DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	latest, _ := latestMigration()
	if _, err := p.DownTo(ctx, latest-1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	version := func() int64 {
		t.Helper()
		v, err := CheckBackup(ctx, filepath.Join(dir, DBFile))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	unlock, err := Lock(dir) // the server
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenExisting(ctx, dir); err == nil || !strings.Contains(err.Error(), "arrêtez d'abord le serveur") {
		t.Fatalf("opened beside a server of another version: %v", err)
	}
	if v := version(); v != latest-1 {
		t.Fatalf("schema moved to %d under the server", v)
	}
	unlock()

	st, err := OpenExisting(ctx, dir) // no server: migrated
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if v := version(); v != latest {
		t.Fatalf("schema %d, want %d", v, latest)
	}
	unlock, err = Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	st, err = OpenExisting(ctx, dir) // same version beside the server: fine
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
}

// Upgrading a database written before migration 00010: every student gets
// a coverage row with a fresh stamp (rows were missing before any write,
// or left at 0), and new session epochs are above every old one.
func TestUpgradeGivesFreshStampsAndEpochs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", DSN(filepath.Join(dir, DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO users (id, email, first_name, last_name, role, parcours, session_epoch) VALUES
			(1, 'a@example.org', 'A', 'A', 'student', 'SLAM', 7), (2, 'b@example.org', 'B', 'B', 'student', 'SLAM', 0)`,
		`INSERT INTO realisations (id, student_id, title, cadre, start_month, end_month, modalite, status)
			VALUES (1, 1, 'Avant 00004', 'formation', '2025-01', '2025-01', 'seul', 'validee')`,
		`INSERT INTO realisation_activities (realisation_id, activity_code, position) VALUES (1, 'A1.1.1', 0)`,
		`INSERT INTO student_coverage (student_id, activities, types, counts) VALUES (2, '', '', '')`, // stamp 0
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range []int64{1, 2} {
		var stamp int64
		var acts string
		if err := st.DB.QueryRow(`SELECT stamp, activities FROM student_coverage WHERE student_id = ?`, id).Scan(&stamp, &acts); err != nil {
			t.Fatalf("student %d: %v", id, err)
		}
		if stamp <= 0 || (id == 1 && acts != "A1.1.1:2") {
			t.Errorf("student %d: stamp %d, activities %q", id, stamp, acts)
		}
	}
	id, err := st.CreateUser(ctx, portfolio.User{Email: "c@example.org", FirstName: "C", LastName: "C", Role: portfolio.RoleStudent})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := st.UserByID(ctx, id)
	if c.SessionEpoch <= 7 {
		t.Errorf("new account's epoch %d is not above the old ones", c.SessionEpoch)
	}
}

// TestBackupKeepsFilesDeletedDuringIt: an evidence file deleted while a
// backup runs, between its snapshot of the database and its copy of the
// files, is in the backup (the delete waits for the backup).
func TestBackupKeepsFilesDeletedDuringIt(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sid, err := st.CreateUser(ctx, portfolio.User{Email: "lea@example.org", FirstName: "Léa", LastName: "Martin", Role: portfolio.RoleStudent})
	if err != nil {
		t.Fatal(err)
	}
	rid, err := st.CreateRealisation(ctx, sid, portfolio.Realisation{Title: "R", Cadre: "formation", Types: []string{"T1"}, Modalite: portfolio.Alone})
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), "upload")
	if err := os.WriteFile(tmp, []byte("%PDF-1.4 preuve"), 0o640); err != nil {
		t.Fatal(err)
	}
	hash := strings.Repeat("ab", 32)
	eid, err := st.AddEvidence(ctx, Evidence{RealisationID: rid, StudentID: sid, Title: "P", Filename: "p.pdf", Hash: hash, Size: 15, Mime: "application/pdf"}, tmp, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	st.afterSnapshot = func() {
		go func() { deleted <- st.DeleteEvidence(ctx, sid, rid, eid) }()
		time.Sleep(200 * time.Millisecond) // the delete runs now, or waits
	}
	backup := filepath.Join(t.TempDir(), "sauvegarde.db")
	if err := st.BackupWithFiles(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(backup+FilesSuffix, hash[:2], hash)); err != nil || string(b) != "%PDF-1.4 preuve" {
		t.Fatalf("the backup lacks the file its database refers to: %v", err)
	}
	if _, err := os.Stat(st.filePath(hash)); !os.IsNotExist(err) {
		t.Fatal("the delete did not happen after the backup")
	}
}
