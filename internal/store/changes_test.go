package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// TestMemosFollowEveryWrite: the users, tableau versions and classes the
// store serves from memory change as soon as a write commits, whichever
// way it is made — a store method, a statement of its own, a trigger, a
// transaction — and a rolled-back write changes nothing.
func TestMemosFollowEveryWrite(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.changes.enabled {
		t.Fatal("the SQLite driver's hooks are not set: no memo would keep anything")
	}
	lea, err := st.CreateUser(ctx, portfolio.User{Email: "lea@example.org", FirstName: "Léa", LastName: "Moreau", Role: portfolio.RoleStudent, Parcours: "SLAM"})
	if err != nil {
		t.Fatal(err)
	}
	prof, err := st.CreateUser(ctx, portfolio.User{Email: "prof@example.org", FirstName: "Claire", LastName: "Dubois", Role: portfolio.RoleTeacher})
	if err != nil {
		t.Fatal(err)
	}
	user := func() portfolio.User {
		t.Helper()
		u, err := st.UserByID(ctx, lea)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	// Users: a store method, a plain statement, a rolled-back transaction.
	if user().FirstName != "Léa" || st.users.len() == 0 {
		t.Fatalf("user %+v not kept (%d kept)", user(), st.users.len())
	}
	if err := st.SetDisabled(ctx, lea, true); err != nil {
		t.Fatal(err)
	}
	if !user().Disabled {
		t.Fatal("disabled account still served as enabled")
	}
	if _, err := st.DB.ExecContext(ctx, `UPDATE users SET first_name = 'Lina' WHERE id = ?`, lea); err != nil {
		t.Fatal(err)
	}
	if got := user().FirstName; got != "Lina" {
		t.Fatalf("after a plain UPDATE: %q", got)
	}
	tx, err := st.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET first_name = 'Annulé' WHERE id = ?`, lea); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := user().FirstName; got != "Lina" {
		t.Fatalf("after a rollback: %q", got)
	}

	// Tableau versions: a réalisation moves the stamp (through the
	// coverage row), a jury link brings its token.
	stamp0, token0, err := st.TableauVersion(ctx, lea, "2026-12-01")
	if err != nil || token0 != "" {
		t.Fatal(stamp0, token0, err)
	}
	r := portfolio.Realisation{Title: "Serveur", Cadre: "formation", Modalite: portfolio.Alone,
		Start: portfolio.Month{Year: 2026, Month: 1}, End: portfolio.Month{Year: 2026, Month: 2}, Types: []string{"T1"},
		Activities: []portfolio.ActivityEntry{{Code: "A1.1.1", Competences: []string{"C1.1.1.1"}}}}
	if _, err := st.CreateRealisation(ctx, lea, r); err != nil {
		t.Fatal(err)
	}
	stamp1, _, err := st.TableauVersion(ctx, lea, "2026-12-01")
	if err != nil || stamp1 == stamp0 {
		t.Fatalf("stamp %d after a new réalisation (was %d), %v", stamp1, stamp0, err)
	}
	link, err := st.CreateJuryLink(ctx, lea, "Jury", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, token, _ := st.TableauVersion(ctx, lea, "2026-12-01"); token != link.Token {
		t.Fatalf("token %q after a jury link, want %q", token, link.Token)
	}

	// Classes: a teacher assigned and removed, a rename, and the stamp a
	// trigger moves when a student of the class writes.
	cid, err := st.CreateClass(ctx, Class{Name: "SIO2 SLAM", SchoolYear: "2026-2027", Parcours: "SLAM"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.TaughtClass(ctx, cid, prof); !errors.Is(err, portfolio.ErrNotFound) {
		t.Fatalf("class not taught yet: %v", err)
	}
	if err := st.AssignTeacher(ctx, cid, prof); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TaughtClass(ctx, cid, prof); err != nil {
		t.Fatalf("class taught: %v", err)
	}
	if err := st.Enrol(ctx, cid, lea); err != nil {
		t.Fatal(err)
	}
	before, _ := st.ClassByID(ctx, cid)
	if _, err := st.CreateRealisation(ctx, lea, r); err != nil {
		t.Fatal(err)
	}
	if after, _ := st.ClassByID(ctx, cid); after.Stamp == before.Stamp {
		t.Fatal("the class's stamp, moved by a trigger, is served unchanged")
	}
	c, _ := st.ClassByID(ctx, cid)
	c.Name = "SIO2 SLAM B"
	if err := st.UpdateClass(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.TaughtClass(ctx, cid, prof); got.Name != "SIO2 SLAM B" {
		t.Fatalf("renamed class served as %q", got.Name)
	}
	if err := st.UnassignTeacher(ctx, cid, prof); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TaughtClass(ctx, cid, prof); !errors.Is(err, portfolio.ErrNotFound) {
		t.Fatalf("class still taught after the teacher left it: %v", err)
	}

	// A deleted account is gone at once.
	if err := st.DeleteUser(ctx, lea); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UserByID(ctx, lea); !errors.Is(err, portfolio.ErrNotFound) {
		t.Fatalf("deleted account still served: %v", err)
	}
}

// TestMemoKeepsNoReadOlderThanAWrite races readers of a user against a
// writer renaming it (run with -race): once the writer is done, every
// read must see its last name, whatever the readers kept meanwhile.
func TestMemoKeepsNoReadOlderThanAWrite(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id, err := st.CreateUser(ctx, portfolio.User{Email: "lea@example.org", FirstName: "n0", LastName: "Moreau", Role: portfolio.RoleStudent})
	if err != nil {
		t.Fatal(err)
	}
	for trial := 0; trial < 20; trial++ {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
						if _, err := st.UserByID(ctx, id); err != nil {
							t.Error(err)
							return
						}
					}
				}
			}()
		}
		last := ""
		for i := range 10 {
			last = fmt.Sprintf("n%d-%d", trial, i)
			if _, err := st.DB.ExecContext(ctx, `UPDATE users SET first_name = ? WHERE id = ?`, last, id); err != nil {
				t.Fatal(err)
			}
		}
		close(stop)
		wg.Wait()
		if u, err := st.UserByID(ctx, id); err != nil || u.FirstName != last {
			t.Fatalf("trial %d: %q served after the writes ended with %q (%v)", trial, u.FirstName, last, err)
		}
	}
}

// TestNamesReindexedWhenFoldingChanges: the indexes in the fr collation's
// order are rebuilt at open when the folding differs from the one that
// built them (recorded in user_version), and only then.
func TestNamesReindexedWhenFoldingChanges(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	version := func() int64 {
		var v int64
		if err := st.DB.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	built := version()
	if built == 0 {
		t.Fatal("the folding in force is not recorded")
	}
	if _, err := st.DB.ExecContext(ctx, `PRAGMA user_version = 7`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err = Open(ctx, dir); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := version(); got != built {
		t.Fatalf("after a change of folding: user_version %d, want %d", got, built)
	}
}
