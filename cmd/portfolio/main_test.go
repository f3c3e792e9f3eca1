package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/demo"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestUserCreateAndExport(t *testing.T) {
	dir := t.TempDir()
	out, err := runCmd(t, "un-mot-de-passe\n", "user", "create", "--data", dir, "--email", "lea@example.org",
		"--name", "Léa De La Tour", "--role", "student", "--parcours", "slam", "--candidate", "0123", "--session", "2027")
	if err != nil {
		t.Fatalf("user create: %v\n%s", err, out)
	}
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByEmail(context.Background(), "lea@example.org")
	st.Close()
	if err != nil || u.FirstName != "Léa" || u.LastName != "De La Tour" || u.Parcours != "SLAM" || u.SessionYear != 2027 {
		t.Fatalf("created user %+v, %v", u, err)
	}
	if !auth.Check(u.PasswordHash, "un-mot-de-passe") {
		t.Fatal("password from stdin not stored")
	}

	if _, err := runCmd(t, "un-mot-de-passe\n", "user", "create", "--data", dir, "--email", "lea@example.org",
		"--name", "Léa X", "--role", "student"); err == nil || !strings.Contains(err.Error(), "a déjà l'adresse") {
		t.Fatalf("duplicate e-mail: %v", err)
	}
	for _, bad := range [][]string{
		{"--role", "king", "--email", "a@b.c", "--name", "A B"},
		{"--role", "teacher", "--email", "nope", "--name", "A B"},
		{"--role", "teacher", "--email", "a@b.c", "--name", " "},
		{"--role", "student", "--email", "a@b.c", "--name", "A B", "--parcours", "XYZ"},
	} {
		if _, err := runCmd(t, "un-mot-de-passe\n", append([]string{"user", "create", "--data", dir}, bad...)...); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
	if _, err := runCmd(t, "court\n", "user", "create", "--data", dir, "--email", "b@example.org", "--name", "B B", "--role", "admin"); err == nil {
		t.Error("accepted a 5-character password")
	}

	pdf := filepath.Join(dir, "t.pdf")
	if out, err := runCmd(t, "", "export", "tableau", "--data", dir, "--student", "lea@example.org", "--paper", "a4", "-o", pdf); err != nil {
		t.Fatalf("export pdf: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(pdf); err != nil || !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatalf("not a PDF: %v", err)
	}
	if _, err := runCmd(t, "", "export", "tableau", "--data", dir, "--student", "lea@example.org", "--paper", "A5", "-o", pdf); err == nil {
		t.Error("A5 accepted")
	}
	file := filepath.Join(dir, "t.csv")
	if out, err := runCmd(t, "", "export", "tableau", "--data", dir, "--student", "lea@example.org", "--format", "csv", "-o", file); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	b, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(b), "Nom et prénom;DE LA TOUR Léa") || !strings.Contains(string(b), ";A5.2.4") {
		t.Fatalf("export content %q, %v", b, err)
	}
	if _, err := runCmd(t, "", "export", "tableau", "--data", dir, "--student", "nobody@example.org", "--format", "csv", "-o", file); err == nil {
		t.Error("exported an unknown student")
	}
	// A mistyped --data does not create an empty database.
	typo := filepath.Join(dir, "typo")
	if _, err := runCmd(t, "", "export", "tableau", "--data", typo, "--student", "lea@example.org", "-o", file); err == nil || !strings.Contains(err.Error(), "aucune base") {
		t.Errorf("export from a missing database: %v", err)
	}
	if _, err := os.Stat(typo); !os.IsNotExist(err) {
		t.Errorf("export created %s", typo)
	}
	if _, err := runCmd(t, "", "export", "tableau", "--data", dir, "--student", "lea@example.org", "-o", file, "extra"); err == nil {
		t.Error("stray argument accepted")
	}
}

func TestExportClass(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := loadReferentiels()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(context.Background(), st, refs["sio-2011"], auth.Hasher{Cost: 4}, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out := filepath.Join(dir, "out")
	if msg, err := runCmd(t, "", "export", "tableau", "--data", dir, "--class", "sio2 slam", "-o", out); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	entries, err := os.ReadDir(out)
	if err != nil || len(entries) != 1 || entries[0].Name() != "MOREAU_Lea_tableau_A3.pdf" {
		t.Fatalf("class export wrote %v, %v", entries, err)
	}
	if _, err := runCmd(t, "", "export", "tableau", "--data", dir, "--class", "SIO9", "-o", out); err == nil || !strings.Contains(err.Error(), "aucune classe") {
		t.Errorf("unknown class: %v", err)
	}
	if _, err := runCmd(t, "", "export", "tableau", "--data", dir, "--class", "SIO2 SLAM", "--student", "slam@demo.local", "-o", out); err == nil {
		t.Error("--class and --student together accepted")
	}
}

func TestDemoDatabaseStaysOnLoopback(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := loadReferentiels()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(context.Background(), st, refs["sio-2011"], auth.Hasher{Cost: 4}, time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Served without --demo on a public address, a demo database is refused.
	_, err = runCmd(t, "", "serve", "--data", dir, "--addr", "0.0.0.0:0")
	if err == nil || !strings.Contains(err.Error(), "contient les comptes de démonstration") {
		t.Fatalf("demo database on 0.0.0.0: %v", err)
	}
}

func TestDemoRefusesPublicAddress(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.0.2.1:80", "example.org:80"} {
		_, err := runCmd(t, "", "serve", "--demo", "--data", t.TempDir(), "--addr", addr)
		if err == nil || !strings.Contains(err.Error(), "--demo refuse d'écouter") {
			t.Errorf("demo on %s: %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:1", "[::1]:8080"} {
		if !isLoopback(addr) {
			t.Errorf("%s should be loopback", addr)
		}
	}
}

func TestHelp(t *testing.T) {
	out, err := runCmd(t, "", "--help")
	if err != nil || !strings.Contains(out, "portfolio serve") || !strings.Contains(out, "portfolio export tableau") {
		t.Fatalf("help: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "", "frobnicate"); err == nil || !strings.Contains(err.Error(), "commande inconnue") {
		t.Errorf("unknown command: %v", err)
	}
	if !strings.Contains(out, "Utilisation :") || strings.Contains(out, "Usage") {
		t.Errorf("help not in French:\n%s", out)
	}
	// Each command's --help and its errors speak French too.
	for _, cmd := range [][]string{{"serve"}, {"backup"}, {"restore"}, {"user", "create"}, {"export", "tableau"}} {
		out, err := runCmd(t, "", append(cmd, "--help")...)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "Utilisation : portfolio "+strings.Join(cmd, " ")) ||
			!strings.Contains(out, "Options :") || !strings.Contains(out, "  --data ") {
			t.Errorf("%v --help: %v\n%s", cmd, err, out)
		}
		for _, english := range []string{"Usage", "(default", "directory of", "required)"} {
			if strings.Contains(out, english) {
				t.Errorf("%v --help says %q:\n%s", cmd, english, out)
			}
		}
		if _, err := runCmd(t, "", append(cmd, "--frobnicate")...); err == nil || !strings.Contains(err.Error(), "option inconnue : -frobnicate") {
			t.Errorf("%v with an unknown option: %v", cmd, err)
		}
	}
	if out, _ := runCmd(t, "", "serve", "--help"); !strings.Contains(out, "(par défaut : 127.0.0.1:8080)") {
		t.Errorf("serve --help lacks the default address:\n%s", out)
	}
	if _, err := runCmd(t, "", "serve", "--cache-mb", "beaucoup"); err == nil || !strings.Contains(err.Error(), "valeur invalide") {
		t.Errorf("a word for a number: %v", err)
	}
}

func TestBackupRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	if out, err := runCmd(t, "un-mot-de-passe\n", "user", "create", "--data", dir, "--email", "admin@example.org", "--name", "Ada Admin", "--role", "admin"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// An evidence file, to be carried by the backup.
	st0, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := st0.UserByEmail(context.Background(), "admin@example.org")
	sid, _ := st0.CreateUser(context.Background(), portfolio.User{Email: "s@example.org", FirstName: "S", LastName: "T", Role: portfolio.RoleStudent})
	rid, _ := st0.CreateRealisation(context.Background(), sid, portfolio.Realisation{Title: "R", Cadre: "formation", Modalite: portfolio.Alone,
		Start: portfolio.Month{Year: 2026, Month: 1}, End: portfolio.Month{Year: 2026, Month: 1}})
	tmp := filepath.Join(t.TempDir(), "f")
	os.WriteFile(tmp, []byte("%PDF-1.4 preuve"), 0o644)
	if _, err := st0.AddEvidence(context.Background(), store.Evidence{RealisationID: rid, StudentID: sid, Title: "P", Filename: "p.pdf",
		Hash: "ab12cd34ef56", Size: 15, Mime: "application/pdf"}, tmp, 1<<20); err != nil {
		t.Fatal(err)
	}
	st0.Close()
	_ = admin
	file := filepath.Join(t.TempDir(), "sauvegarde.db")
	if out, err := runCmd(t, "", "backup", "--data", dir, file); err != nil || !strings.Contains(out, "sauvegarde écrite") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "", "backup", "--data", dir, file); err == nil || !strings.Contains(err.Error(), "existe déjà") {
		t.Errorf("backup over an existing file: %v", err)
	}
	target := t.TempDir()
	out, err := runCmd(t, "", "restore", "--data", target, file)
	if err != nil || !strings.Contains(out, "restaurée dans") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	st, err := store.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.UserByEmail(context.Background(), "admin@example.org"); err != nil {
		t.Fatalf("restored database lacks the admin: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(target, "files", "ab", "ab12cd34ef56")); err != nil || string(b) != "%PDF-1.4 preuve" {
		t.Fatalf("evidence file not restored: %v", err)
	}
	if _, err := runCmd(t, "", "restore", "--data", target, filepath.Join(dir, "nope.db")); err == nil {
		t.Error("restored a missing file")
	}
}

// TestServeRemovesInterruptedUploads: the temporary files of uploads a
// crash left are removed when the server starts; stored files stay. The
// server runs in a child process (this test binary again): serve sets
// time.Local, which nothing else in a process may read meanwhile.
func TestServeRemovesInterruptedUploads(t *testing.T) {
	if dir := os.Getenv("PORTFOLIO_TEST_SERVE_DATA"); dir != "" {
		err := run(context.Background(), []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, strings.NewReader(""), io.Discard, os.Stderr)
		t.Fatalf("serve ended: %v", err)
	}
	dir := t.TempDir()
	left := filepath.Join(dir, "files", "tmp", "upload-123456")
	kept := filepath.Join(dir, "files", "ab", "ab12")
	for _, p := range []string{left, kept} {
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("octets"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeRemovesInterruptedUploads$")
	cmd.Env = append(os.Environ(), "PORTFOLIO_TEST_SERVE_DATA="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(left); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait() // stderr is whole once the child is gone
			t.Fatalf("the interrupted upload is still there; server said:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Fatalf("a stored file went: %v", err)
	}
}

// TestServeOnABusyAddress: a busy port gets a French message that says how
// to choose another address, with make too.
func TestServeOnABusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = runCmd(t, "", "serve", "--data", t.TempDir(), "--addr", ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "est déjà utilisée") || !strings.Contains(err.Error(), "make run ADDR=") {
		t.Fatalf("busy address: %v", err)
	}
}

// TestServeOnABusyDataDirectory: a second server on the same data gets a
// French message that says how to choose another directory.
func TestServeOnABusyDataDirectory(t *testing.T) {
	dir := t.TempDir()
	unlock, err := store.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, err = runCmd(t, "", "serve", "--data", dir, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "est déjà utilisé par un serveur") || !strings.Contains(err.Error(), "DATA=") {
		t.Fatalf("busy data directory: %v", err)
	}
}
