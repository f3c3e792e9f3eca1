package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ss := st.Sessions()
	if _, ok, err := ss.FindCtx(ctx, "absent"); ok || err != nil {
		t.Fatalf("absent session: %v %v", ok, err)
	}
	if err := ss.CommitCtx(ctx, "t1", []byte("one"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, ok, err := ss.FindCtx(ctx, "t1"); !ok || err != nil || string(b) != "one" {
		t.Fatalf("committed session: %q %v %v", b, ok, err)
	}
	if err := ss.CommitCtx(ctx, "t1", []byte("two"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, _, _ := ss.FindCtx(ctx, "t1"); string(b) != "two" {
		t.Fatalf("replaced session: %q", b)
	}

	// Read back from the table by another store (what a restart does),
	// with the expiry it was written with.
	other, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if b, ok, err := other.Sessions().FindCtx(ctx, "t1"); !ok || err != nil || string(b) != "two" {
		t.Fatalf("session from the table: %q %v %v", b, ok, err)
	}
	e := other.sessions.entries["t1"]
	if d := time.Until(e.expiry); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("expiry read back in %s", d)
	}

	// Expired sessions are not found, from memory or from the table.
	if err := ss.CommitCtx(ctx, "old", []byte("x"), time.Now().Add(50*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	if _, ok, _ := ss.FindCtx(ctx, "old"); ok {
		t.Fatal("expired session found")
	}
	if _, ok, _ := other.Sessions().FindCtx(ctx, "old"); ok {
		t.Fatal("expired session found in the table")
	}
	if err := st.DeleteExpiredSessions(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	st.DB.QueryRow(`SELECT count(*) FROM sessions`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d sessions left after the purge, want 1", n)
	}

	// Deleted: gone from memory and table.
	if err := ss.DeleteCtx(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ss.FindCtx(ctx, "t1"); ok {
		t.Fatal("deleted session found")
	}
}

// A logout racing a request that reads the same session from the table
// (after a restart, say) must not bring the session back into memory.
func TestSessionDeleteRacingFind(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ss := st.Sessions()
	for i := 0; i < 300; i++ {
		token := fmt.Sprint("t", i)
		if err := ss.CommitCtx(ctx, token, []byte("x"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		st.sessions.drop(token) // as after a restart: only in the table
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _, _ = ss.FindCtx(ctx, token)
		}()
		go func() {
			defer wg.Done()
			if err := ss.DeleteCtx(ctx, token); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		if _, ok, _ := ss.FindCtx(ctx, token); ok {
			t.Fatalf("round %d: the deleted session is found again", i)
		}
	}
}

// A session write racing a read of the old row: the next read has the new
// data.
func TestSessionCommitRacingFind(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ss := st.Sessions()
	for i := 0; i < 300; i++ {
		token := fmt.Sprint("t", i)
		if err := ss.CommitCtx(ctx, token, []byte("old"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _, _ = ss.FindCtx(ctx, token)
		}()
		go func() {
			defer wg.Done()
			if err := ss.CommitCtx(ctx, token, []byte("new"), time.Now().Add(time.Hour)); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		if b, _, _ := ss.FindCtx(ctx, token); string(b) != "new" {
			t.Fatalf("round %d: the session reads %q after it was written \"new\"", i, b)
		}
	}
}
