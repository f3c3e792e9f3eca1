// Command crashtest checks that no write acknowledged to a client is lost
// when the server is killed: it starts the real server, drives concurrent
// writes over HTTP, kills it with SIGKILL at random moments, restarts it,
// and checks the database (PRAGMA integrity_check, every acknowledged
// réalisation present). Run by "make crashtest".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
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
	"syscall"
	"time"

	"github.com/portfolio-sio/portfolio/internal/store"
)

func main() {
	rounds := flag.Int("rounds", 20, "kill/restart rounds")
	writers := flag.Int("writers", 8, "concurrent clients")
	flag.Parse()
	if err := run(*rounds, *writers); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest: FAIL:", err)
		os.Exit(1)
	}
}

func run(rounds, writers int) error {
	work, err := os.MkdirTemp("", "portfolio-crashtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "portfolio")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/portfolio").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	data := filepath.Join(work, "data")
	create := exec.Command(bin, "user", "create", "--data", data, "--email", "crash@example.org", "--name", "Crash Test", "--role", "student", "--parcours", "SLAM")
	create.Stdin = strings.NewReader("un mot de passe solide\n")
	if out, err := create.CombinedOutput(); err != nil {
		return fmt.Errorf("user create: %v\n%s", err, out)
	}

	var mu sync.Mutex
	acked := map[int64]string{} // réalisation id → title, acknowledged by a 303
	total := 0
	for round := 1; round <= rounds; round++ {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		srv := exec.Command(bin, "serve", "--data", data, "--addr", addr)
		srv.Stdout, srv.Stderr = io.Discard, io.Discard
		if err := srv.Start(); err != nil {
			return err
		}
		base := "http://" + addr
		if err := waitReady(base); err != nil {
			srv.Process.Kill()
			return fmt.Errorf("round %d: %w", round, err)
		}
		if err := checkAll(data, acked); err != nil { // after the previous kill
			srv.Process.Kill()
			return fmt.Errorf("round %d, after restart: %w", round, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := loginClient(base)
				if err != nil {
					return // the server may already be dead
				}
				for i := 0; ctx.Err() == nil; i++ {
					title := fmt.Sprintf("Crash r%d w%d n%d", round, w, i)
					if id, ok := postRealisation(ctx, c, base, title); ok {
						mu.Lock()
						acked[id] = title
						total++
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(150+rand.IntN(700)) * time.Millisecond)
		_ = srv.Process.Signal(syscall.SIGKILL)
		_ = srv.Wait()
		cancel()
		wg.Wait()
		mu.Lock()
		fmt.Printf("round %2d: killed; %d writes acknowledged so far\n", round, total)
		mu.Unlock()
	}
	if err := checkAll(data, acked); err != nil {
		return fmt.Errorf("final check: %w", err)
	}
	fmt.Printf("crashtest: %d rounds, %d acknowledged writes, none lost, integrity ok\n", rounds, total)
	return nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(base string) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("server did not start")
}

func loginClient(base string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/login", url.Values{"email": {"crash@example.org"}, "password": {"un mot de passe solide"}})
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login: %d", res.StatusCode)
	}
	return c, nil
}

// postRealisation creates a réalisation; it reports the id only when the
// server acknowledged it (303 to the new réalisation).
func postRealisation(ctx context.Context, c *http.Client, base, title string) (int64, bool) {
	form := url.Values{"title": {title}, "cadre": {"formation"}, "types": {"T1"}, "start": {"2026-01"}, "end": {"2026-02"},
		"modalite": {"seul"}, "activity": {"A1.1.1", "A4.1.3"}, "competence": {"C1.1.1.1", "C4.1.3.1"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/realisations", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		return 0, false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/realisations/") {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/realisations/"), 10, 64)
	return id, err == nil
}

// checkAll opens the database (as the server does after a crash) and
// checks its integrity and every acknowledged write.
func checkAll(data string, acked map[int64]string) error {
	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		return err
	}
	defer st.Close()
	var check string
	if err := st.DB.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		return fmt.Errorf("integrity_check: %q %v", check, err)
	}
	for id, title := range acked {
		var got string
		var acts int
		err := st.DB.QueryRowContext(ctx, `SELECT title, (SELECT count(*) FROM realisation_activities WHERE realisation_id = r.id)
			FROM realisations r WHERE id = ?`, id).Scan(&got, &acts)
		if err != nil || got != title || acts != 2 {
			return fmt.Errorf("acknowledged réalisation %d (%q) lost or incomplete: %q, %d activities, %v", id, title, got, acts, err)
		}
	}
	return nil
}
