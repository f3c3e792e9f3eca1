// Command loadbench measures the server under load: it generates 2,000
// students × 30 réalisations in 60 classes, starts the real server, and
// loads /healthz, a student's tableau, a teacher's class dashboard and a PDF
// download over loopback, 64 connections for a fixed time each. It prints
// requests/s, p50/p99 latency, errors, each page's throughput as a
// fraction of /healthz's in the same run, and the server's peak memory,
// against the targets of issue #7. Then, for comparison, it loads the same
// pages with the page cache off (--cache-mb 0): the cost of the first view
// after a change. Run by "make bench".
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

const password = "un mot de passe solide"

func main() {
	dur := flag.Duration("duration", 30*time.Second, "load time per page")
	conns := flag.Int("connections", 64, "concurrent connections")
	students := flag.Int("students", 2000, "students in the generated data")
	per := flag.Int("per", 30, "réalisations per student")
	uncached := flag.Bool("uncached", true, "also load the pages with the page cache off (--cache-mb 0), for comparison")
	flag.Parse()
	if err := run(*dur, *conns, *students, *per, *uncached); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

type target struct {
	name, path, as string
	p99            time.Duration // 0: none
	minRatio       float64       // 0: none
}

func run(dur time.Duration, conns, students, per int, uncached bool) error {
	work, err := os.MkdirTemp("", "portfolio-loadbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "portfolio")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/portfolio").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	data := filepath.Join(work, "data")
	start := time.Now()
	if err := generate(data, students, per); err != nil {
		return err
	}
	fmt.Printf("data: %d students × %d réalisations in 60 classes, generated in %s\n", students, per, time.Since(start).Round(time.Millisecond))

	srv, base, cookies, err := startServer(bin, data)
	if err != nil {
		return err
	}
	defer srv.Process.Kill()
	targets := []target{
		{"/healthz", "/healthz", "", 0, 0},
		{"tableau (étudiant, 30 réalisations)", "/tableau", "bulk1@example.org", 25 * time.Millisecond, 0.20},
		{"tableau de bord de classe (33 étudiants)", "/classes/1", "prof1@example.org", 50 * time.Millisecond, 0},
		{"PDF du tableau", "/tableau.pdf", "bulk1@example.org", 100 * time.Millisecond, 0},
	}
	fmt.Printf("load: %d connections, %s per page, on %s\n\n", conns, dur, base)
	fmt.Printf("%-42s %9s %9s %9s %9s %7s %9s\n", "page", "requêtes", "req/s", "p50", "p99", "erreurs", "/healthz")
	var healthRate float64
	var missed []string
	for i, tg := range targets {
		r := load(base+tg.path, cookies[tg.as], conns, dur)
		if i == 0 {
			healthRate = r.rate
		}
		ratio := r.rate / healthRate
		fmt.Printf("%-42s %9d %9.0f %9s %9s %7d %8.0f%%\n", tg.name, r.n, r.rate, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errors, 100*ratio)
		if r.errors > 0 {
			missed = append(missed, fmt.Sprintf("%s: %d errors", tg.name, r.errors))
		}
		if tg.p99 > 0 && r.p99 >= tg.p99 {
			missed = append(missed, fmt.Sprintf("%s: p99 %s ≥ %s", tg.name, r.p99.Round(time.Millisecond), tg.p99))
		}
		if tg.minRatio > 0 && ratio < tg.minRatio {
			missed = append(missed, fmt.Sprintf("%s: %.0f%% of /healthz < %.0f%%", tg.name, 100*ratio, 100*tg.minRatio))
		}
	}
	peak, err := peakMemory(srv.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Printf("\nserver peak memory (VmHWM): %.1f MB\n", float64(peak)/(1<<20))
	if peak >= 150<<20 {
		missed = append(missed, fmt.Sprintf("peak memory %.0f MB ≥ 150 MB", float64(peak)/(1<<20)))
	}
	if len(missed) == 0 {
		fmt.Println("targets: all met (0 errors; tableau ≥ 20 % of /healthz and p99 < 25 ms; dashboard p99 < 50 ms; PDF p99 < 100 ms; memory < 150 MB)")
	} else {
		fmt.Println("targets missed:\n  " + strings.Join(missed, "\n  "))
	}
	if !uncached {
		return nil
	}

	// The same pages with the page cache off: what each request costs when
	// its data changed since the last one (the first view after a write).
	// For comparison; no targets.
	_ = srv.Process.Kill()
	_, _ = srv.Process.Wait()
	srv, base, cookies, err = startServer(bin, data, "--cache-mb", "0")
	if err != nil {
		return err
	}
	defer srv.Process.Kill()
	fmt.Printf("\nwithout the page cache (--cache-mb 0): every request renders, as the first view after a change does\n")
	fmt.Printf("%-42s %9s %9s %9s %9s %7s %9s\n", "page", "requêtes", "req/s", "p50", "p99", "erreurs", "/healthz")
	for _, tg := range targets[1:] {
		r := load(base+tg.path, cookies[tg.as], conns, dur)
		fmt.Printf("%-42s %9d %9.0f %9s %9s %7d %8.0f%%\n", tg.name, r.n, r.rate, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errors, 100*r.rate/healthRate)
	}
	return nil
}

// startServer starts the server binary on data at a free loopback address
// and logs the two bench accounts in.
func startServer(bin, data string, extra ...string) (*exec.Cmd, string, map[string][]*http.Cookie, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", nil, err
	}
	srv := exec.Command(bin, append([]string{"serve", "--data", data, "--addr", addr}, extra...)...)
	srv.Stdout, srv.Stderr = io.Discard, io.Discard
	if err := srv.Start(); err != nil {
		return nil, "", nil, err
	}
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		_ = srv.Process.Kill()
		return nil, "", nil, err
	}
	cookies := map[string][]*http.Cookie{}
	for _, who := range []string{"bulk1@example.org", "prof1@example.org"} {
		c, err := login(base, who)
		if err != nil {
			_ = srv.Process.Kill()
			return nil, "", nil, err
		}
		cookies[who] = c
	}
	return srv, base, cookies, nil
}

func generate(data string, students, per int) error {
	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		return err
	}
	defer st.Close()
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		return err
	}
	var acts []string
	for _, a := range refs["sio-2011"].ColumnActivities("SLAM") {
		acts = append(acts, a.Code+" "+a.Competences[0].Code)
	}
	hash, err := auth.Hasher{Cost: 4}.Hash(password)
	if err != nil {
		return err
	}
	classes := 60
	_, err = st.BulkLoad(ctx, store.BulkSpec{Students: students, PerStudent: per, Classes: classes, ClassSize: students / classes,
		PasswordHash: hash, Activities: acts})
	if err != nil {
		return err
	}
	// The tableau shows validated réalisations: validate the first
	// student's so their tableau has its 30 rows.
	_, err = st.DB.ExecContext(ctx, `UPDATE realisations SET status = 'validee',
		validated_by = (SELECT id FROM users WHERE email = 'prof1@example.org')
		WHERE student_id = (SELECT id FROM users WHERE email = 'bulk1@example.org')`)
	if err != nil {
		return err
	}
	return st.RefreshAllCoverage(ctx)
}

type result struct {
	n, errors int
	rate      float64
	p50, p99  time.Duration
}

// load sends GET requests over conns keep-alive connections for dur, one
// goroutine per connection, like wrk: the request is written ready-made
// and the response parsed with http.ReadResponse, without http.Client
// (whose transport goroutines cost about as much CPU as a small page, and
// the generator shares the machine's two cores with the server).
func load(target string, cookies []*http.Cookie, conns int, dur time.Duration) result {
	u, err := url.Parse(target)
	if err != nil {
		return result{errors: 1}
	}
	var cookie []string
	for _, c := range cookies {
		cookie = append(cookie, c.Name+"="+c.Value)
	}
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: loadbench\r\n"
	if len(cookie) > 0 {
		req += "Cookie: " + strings.Join(cookie, "; ") + "\r\n"
	}
	req += "\r\n"

	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	started := time.Now()
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, 4096)
			bad := 0
			var conn net.Conn
			var br *bufio.Reader
			for time.Now().Before(deadline) {
				if conn == nil {
					c, err := net.Dial("tcp", u.Host)
					if err != nil {
						bad++
						time.Sleep(10 * time.Millisecond)
						continue
					}
					conn, br = c, bufio.NewReaderSize(c, 64<<10)
				}
				_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
				t0 := time.Now()
				res, err := roundTrip(conn, br, req)
				if err != nil {
					bad++
					conn.Close()
					conn = nil
					continue
				}
				mine = append(mine, time.Since(t0))
				if res.StatusCode != http.StatusOK {
					bad++
				}
				if res.Close {
					conn.Close()
					conn = nil
				}
			}
			if conn != nil {
				conn.Close()
			}
			mu.Lock()
			all = append(all, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(started)
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	r := result{n: len(all), errors: errs, rate: float64(len(all)) / elapsed.Seconds()}
	if len(all) > 0 {
		r.p50 = all[len(all)/2]
		r.p99 = all[len(all)*99/100]
	}
	return r
}

// roundTrip writes one request and reads its whole response.
func roundTrip(conn net.Conn, br *bufio.Reader, req string) (*http.Response, error) {
	if _, err := io.WriteString(conn, req); err != nil {
		return nil, err
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, err
}

func login(base, email string) ([]*http.Cookie, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login %s: %d", email, res.StatusCode)
	}
	u, _ := url.Parse(base)
	return jar.Cookies(u), nil
}

// peakMemory is the process's peak resident memory (Linux VmHWM).
func peakMemory(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM")
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
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("server did not start")
}
