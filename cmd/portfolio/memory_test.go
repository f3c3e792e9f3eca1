package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/docjob"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/internal/testdoc"
)

// TestMain makes this test binary a document job when the server it runs
// starts one (internal/docjob).
func TestMain(m *testing.M) {
	if os.Getenv(docjob.EnvVar) == "1" {
		os.Exit(docjob.Main(os.Stdin, os.Stdout))
	}
	noRaceExitSleep()
	os.Exit(m.Run())
}

// TestServeMemoryUnderHostileDossiers (issue #24, point 2): the real
// server, in a process of its own, merges five students' dossiers at once,
// each with an accepted attestation that is a 622 KB PNG decoding to
// 640 MB (stored straight into the store, as a file kept before the
// upload checks). The server's resident memory, read from /proc, stays
// under 400 MB, and is back within 90 MB of what it was before the merges
// within 60 s. « Before » is after each student has downloaded their
// tableau de synthèse: the fonts of the official tableaux (Liberation
// Sans, parsed once per process and kept, some 12 MB of heap and several
// times that under the race detector) are the server's fixed cost, not
// the merges'.
func TestServeMemoryUnderHostileDossiers(t *testing.T) {
	if dir := os.Getenv("PORTFOLIO_TEST_MEMORY_DATA"); dir != "" {
		err := run(context.Background(), []string{"serve", "--data", dir, "--addr", os.Getenv("PORTFOLIO_TEST_MEMORY_ADDR")}, strings.NewReader(""), io.Discard, os.Stderr)
		t.Fatalf("serve ended: %v", err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.Hasher{Cost: 4}.Hash("un mot de passe solide")
	if err != nil {
		t.Fatal(err)
	}
	teacher, err := st.CreateUser(ctx, portfolio.User{Email: "prof@example.org", FirstName: "P", LastName: "Prof", Role: portfolio.RoleTeacher, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	png := testdoc.HugePNG()
	sum := fmt.Sprintf("%x", sha256.Sum256(png))
	for i := range 5 {
		id, err := st.CreateUser(ctx, portfolio.User{Email: fmt.Sprintf("eleve%d@example.org", i), FirstName: "Élève", LastName: "N" + strconv.Itoa(i),
			Role: portfolio.RoleStudent, Parcours: "SISR", PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		stage, _, err := st.SaveStage(ctx, portfolio.Stage{StudentID: id, Kind: portfolio.KindStage, Year: 1, Organisation: "Mairie",
			Start: time.Date(2026, 5, 25, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 26, 0, 0, 0, 0, time.UTC)}, "stage1", false)
		if err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "upload-"+strconv.Itoa(i))
		if err := os.WriteFile(tmp, png, 0o600); err != nil {
			t.Fatal(err)
		}
		att, err := st.AddAttestation(ctx, store.Attestation{StageID: stage, StudentID: id, Filename: "scan.png", Hash: sum, Size: int64(len(png)), Mime: "image/png"}, tmp, 1<<40)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DecideAttestation(ctx, id, att, teacher, sum, portfolio.AttestationAccepted, ""); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeMemoryUnderHostileDossiers$")
	cmd.Env = append(os.Environ(), "PORTFOLIO_TEST_MEMORY_DATA="+dir, "PORTFOLIO_TEST_MEMORY_ADDR="+addr)
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	base := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not start")
		}
	}
	clients := make([]*http.Client, 5)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &http.Client{Jar: jar}
		res, err := clients[i].PostForm(base+"/login", url.Values{"email": {fmt.Sprintf("eleve%d@example.org", i)}, "password": {"un mot de passe solide"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}

	status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
	rss := func() int64 {
		n, ok := docjob.ResidentBytes(status)
		if !ok {
			t.Fatal("no VmRSS in " + status)
		}
		return n
	}
	for i, c := range clients {
		res, err := c.Get(base + "/tableau.pdf")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("student %d: tableau.pdf %d", i, res.StatusCode)
		}
	}
	before := rss()
	stop, peakc := make(chan struct{}), make(chan int64)
	go func() {
		var peak int64
		for {
			peak = max(peak, rss())
			select {
			case <-stop:
				peakc <- peak
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	codes := make([]int, len(clients))
	texts := make([]string, len(clients))
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Get(base + "/dossier.pdf")
			if err != nil {
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			codes[i], texts[i] = res.StatusCode, string(b)
		}()
	}
	wg.Wait()
	close(stop)
	peak := <-peakc
	for i, code := range codes {
		if code != http.StatusOK || !strings.HasPrefix(texts[i], "%PDF-") {
			t.Errorf("student %d: dossier.pdf %d", i, code)
		}
	}
	if peak > 400<<20 {
		t.Errorf("server's peak resident memory %d MB, want < 400 MB", peak>>20)
	}
	start := time.Now()
	for rss() > before+90<<20 {
		if time.Since(start) > 60*time.Second {
			t.Fatalf("server's resident memory still %d MB 60 s after the merges", rss()>>20)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("server's resident memory: %d MB before, peak %d MB during five merges, %d MB %v after", before>>20, peak>>20, rss()>>20, time.Since(start).Round(100*time.Millisecond))
}

// noRaceExitSleep spares the document jobs this test binary starts the
// race detector's one-second sleep at exit (GORACE atexit_sleep_ms), unless
// GORACE is set already.
func noRaceExitSleep() {
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
}
