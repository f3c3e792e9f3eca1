// Command loadbench measures the server as its users live it, over
// loopback, and prints each figure beside its target with PASS or FAIL
// (issue #14). It generates students × réalisations in classes of 35 (a
// second teacher on the first class, jury links for its students), starts
// the real server binary, and runs, 64 connections, a fixed time each:
//
//  1. the pages with the page cache on (the real setting): /healthz, a
//     student's tableau, a class dashboard, the tableau's PDF;
//  2. an exam week, cache on: the 35 students of a class create, save and
//     submit réalisations (a write every 2–4 s each, then the page the
//     browser is sent to), their two teachers reload the dashboard without
//     pause and validate what is submitted, and jury members open the
//     students' portfolios and PDFs on the other connections, each reading
//     what they opened for 0.5–1.5 s;
//  3. the same pages with the page cache off (--cache-mb 0): the cost of
//     the first view after a change;
//
// and reports the server's peak resident memory. Every request says it
// accepts gzip, as a browser does. Run by "make bench"; "make bench
// SCALE=national" generates 40,000 students (all BTS SIO students in
// France) and reports the database's size and generation time too.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
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
	"regexp"
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

// classSize is the size of every generated class, the exam week's too.
const classSize = 35

func main() {
	dur := flag.Duration("duration", 30*time.Second, "load time per page and for the exam week")
	conns := flag.Int("connections", 64, "concurrent connections")
	students := flag.Int("students", 2000, "students in the generated data (classes of 35)")
	per := flag.Int("per", 30, "réalisations per student")
	scale := flag.String("scale", "", `"national": 40,000 students × 30 réalisations (overrides -students and -per)`)
	uncached := flag.Bool("uncached", true, "also load the pages with the page cache off (--cache-mb 0)")
	flag.Parse()
	switch *scale {
	case "":
	case "national":
		*students, *per = 40000, 30
	default:
		fmt.Fprintf(os.Stderr, "loadbench: unknown scale %q (national)\n", *scale)
		os.Exit(2)
	}
	if err := run(*dur, *conns, *students, *per, *uncached); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

// verdicts collects the targets and whether they were met.
type verdicts struct{ met, missed []string }

func (v *verdicts) check(ok bool, what string) string {
	if ok {
		v.met = append(v.met, what)
		return "PASS"
	}
	v.missed = append(v.missed, what)
	return "FAIL"
}

type target struct {
	name, path, as string
	p99            time.Duration // 0: none
	minRate        float64       // req/s; 0: none
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
	d, err := generate(data, students, per)
	if err != nil {
		return err
	}
	size := dirSize(data)
	fmt.Printf("data: %d students × %d réalisations (%d rows of réalisations) in %d classes of %d, generated in %s; database %.0f MB\n",
		students, per, students*per, students/classSize, classSize, time.Since(start).Round(100*time.Millisecond), float64(size)/(1<<20))

	var v verdicts
	srv, base, err := startServer(bin, data)
	if err != nil {
		return err
	}
	defer srv.Process.Kill()
	cookies, err := loginAll(base, d)
	if err != nil {
		return err
	}
	pages := []target{
		{"/healthz", "/healthz", "", 0, 0},
		{"tableau (étudiant, 30 réalisations)", "/tableau", d.tableauStudent, 25 * time.Millisecond, 0},
		{"tableau de bord de classe (35 étudiants)", fmt.Sprintf("/classes/%d", d.classID), d.teachers[0], 50 * time.Millisecond, 0},
		{"PDF du tableau", "/tableau.pdf", d.tableauStudent, 100 * time.Millisecond, 0},
	}
	fmt.Printf("\n1. Pages, cache on: %d connections, %s each, on %s\n", conns, dur, base)
	header()
	for _, tg := range pages {
		r := load(base+tg.path, cookies[tg.as], conns, dur)
		line(&v, tg.name, r, tg)
	}

	fmt.Printf("\n2. Exam week, cache on, %s: the %d students of a class write (create, save, submit: a write every 2–4 s each, then the page it leads to),\n"+
		"   its 2 teachers reload the dashboard without pause and validate about one réalisation a second each,\n"+
		"   %d jury members open portfolios and PDFs (one every 0.5–1.5 s each)\n", dur, classSize, conns-classSize-2)
	week := examWeek(base, d, cookies, conns, dur)
	header()
	for _, k := range week.order {
		r := week.results[k]
		tg := target{name: k}
		if k == kindDashboard || strings.HasPrefix(k, "écriture") {
			tg.p99 = 50 * time.Millisecond
		}
		line(&v, k, r, tg)
	}
	if week.failures > 0 {
		fmt.Printf("   %d requests of the exam week failed or got an unexpected status (first: %s) — %s\n",
			week.failures, week.firstFailure, v.check(false, "exam week without failures"))
	}

	peak, err := peakMemory(srv.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Printf("\nserver peak memory (VmHWM), cache on, after 1 and 2: %.1f MB   target < 150 MB   %s\n",
		float64(peak)/(1<<20), v.check(peak < 150<<20, "peak memory < 150 MB"))

	if uncached {
		_ = srv.Process.Kill()
		_, _ = srv.Process.Wait()
		srv, base, err = startServer(bin, data, "--cache-mb", "0")
		if err != nil {
			return err
		}
		defer srv.Process.Kill()
		fmt.Printf("\n3. Pages, cache off (--cache-mb 0): every request renders, as the first view after a change does\n")
		header()
		off := []target{
			{"tableau (étudiant, 30 réalisations)", pages[1].path, pages[1].as, 0, 0},
			{"tableau de bord de classe (35 étudiants)", pages[2].path, pages[2].as, 0, 2000},
			{"PDF du tableau", pages[3].path, pages[3].as, 0, 500},
		}
		for _, tg := range off {
			r := load(base+tg.path, cookies[tg.as], conns, dur)
			line(&v, tg.name, r, tg)
		}
		if peak, err := peakMemory(srv.Process.Pid); err == nil {
			fmt.Printf("\nserver peak memory (VmHWM), cache off: %.1f MB\n", float64(peak)/(1<<20))
		}
	}

	fmt.Printf("\ntargets: %d met, %d missed\n", len(v.met), len(v.missed))
	for _, m := range v.missed {
		fmt.Println("  FAIL", m)
	}
	return nil
}

func header() {
	fmt.Printf("%-44s %8s %8s %9s %9s %6s  %-20s %s\n", "", "requêtes", "req/s", "p50", "p99", "err.", "cible", "")
}

// line prints a result and its target's verdict.
func line(v *verdicts, name string, r result, tg target) {
	var goal, verdict string
	switch {
	case tg.p99 > 0:
		goal = "p99 < " + tg.p99.String()
		verdict = v.check(r.p99 < tg.p99 && r.errors == 0 && r.n > 0, name+": "+goal)
	case tg.minRate > 0:
		goal = fmt.Sprintf("≥ %.0f req/s", tg.minRate)
		verdict = v.check(r.rate >= tg.minRate && r.errors == 0, name+": "+goal)
	case r.errors > 0:
		verdict = v.check(false, name+": no errors")
	}
	fmt.Printf("%-44s %8d %8.0f %9s %9s %6d  %-20s %s\n", name, r.n, r.rate,
		r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errors, goal, verdict)
}

// dataset is what the generator made that the load needs.
type dataset struct {
	classID        int64
	tableauStudent string   // bulk1: 30 validated réalisations
	students       []string // the exam week's class
	teachers       []string // its two teachers
	juryTokens     []string
}

func generate(data string, students, per int) (dataset, error) {
	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		return dataset{}, err
	}
	defer st.Close()
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		return dataset{}, err
	}
	var acts []string
	for _, a := range refs["sio-2011"].ColumnActivities("SLAM") {
		acts = append(acts, a.Code+" "+a.Competences[0].Code)
	}
	hash, err := auth.Hasher{Cost: 4}.Hash(password)
	if err != nil {
		return dataset{}, err
	}
	classes, err := st.BulkLoad(ctx, store.BulkSpec{Students: students, PerStudent: per, Classes: students / classSize, ClassSize: classSize,
		PasswordHash: hash, Activities: acts})
	if err != nil {
		return dataset{}, err
	}
	d := dataset{classID: classes[0], tableauStudent: "bulk1@example.org", teachers: []string{"prof1@example.org", "prof2@example.org"}}
	// The tableau shows validated réalisations: validate the first
	// student's so their tableau has its 30 rows. The second class's
	// teacher also teaches the first.
	for _, q := range []string{`UPDATE realisations SET status = 'validee',
		validated_by = (SELECT id FROM users WHERE email = 'prof1@example.org')
		WHERE student_id = (SELECT id FROM users WHERE email = 'bulk1@example.org')`,
		`INSERT INTO class_teachers (class_id, teacher_id) SELECT ?, id FROM users WHERE email = 'prof2@example.org'`} {
		args := []any{}
		if strings.Contains(q, "?") {
			args = append(args, d.classID)
		}
		if _, err := st.DB.ExecContext(ctx, q, args...); err != nil {
			return dataset{}, err
		}
	}
	if err := st.RefreshAllCoverage(ctx); err != nil {
		return dataset{}, err
	}
	members, _, err := st.ClassMembers(ctx, d.classID)
	if err != nil {
		return dataset{}, err
	}
	for _, m := range members {
		d.students = append(d.students, m.Email)
		link, err := st.CreateJuryLink(ctx, m.ID, "Jury", "")
		if err != nil {
			return dataset{}, err
		}
		d.juryTokens = append(d.juryTokens, link.Token)
	}
	return d, nil
}

// startServer starts the server binary on data at a free loopback address.
func startServer(bin, data string, extra ...string) (*exec.Cmd, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	srv := exec.Command(bin, append([]string{"serve", "--data", data, "--addr", addr}, extra...)...)
	srv.Stdout, srv.Stderr = io.Discard, io.Discard
	if err := srv.Start(); err != nil {
		return nil, "", err
	}
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		_ = srv.Process.Kill()
		return nil, "", err
	}
	return srv, base, nil
}

// loginAll logs every account the load uses in; the sessions are in the
// database, so they outlive a restart of the server.
func loginAll(base string, d dataset) (map[string]string, error) {
	cookies := map[string]string{}
	for _, who := range append(append([]string{d.tableauStudent}, d.teachers...), d.students...) {
		if _, ok := cookies[who]; ok {
			continue
		}
		c, err := login(base, who)
		if err != nil {
			return nil, err
		}
		cookies[who] = c
	}
	return cookies, nil
}

type result struct {
	n, errors int
	rate      float64
	p50, p99  time.Duration
}

func summarize(times []time.Duration, errors int, elapsed time.Duration) result {
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	r := result{n: len(times), errors: errors, rate: float64(len(times)) / elapsed.Seconds()}
	if len(times) > 0 {
		r.p50 = times[len(times)/2]
		r.p99 = times[len(times)*99/100]
	}
	return r
}

// load sends GET requests over conns keep-alive connections for dur, one
// goroutine per connection, like wrk (without http.Client, whose transport
// goroutines cost about as much CPU as a small page, and the generator
// shares the machine's two cores with the server).
func load(target, cookie string, conns int, dur time.Duration) result {
	u, err := url.Parse(target)
	if err != nil {
		return result{errors: 1}
	}
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
			c := &vclient{host: u.Host, cookie: cookie}
			defer c.close()
			mine := make([]time.Duration, 0, 4096)
			bad := 0
			for time.Now().Before(deadline) {
				res, err := c.do(http.MethodGet, u.RequestURI(), nil, false)
				if err != nil {
					bad++
					time.Sleep(10 * time.Millisecond)
					continue
				}
				mine = append(mine, res.took)
				if res.status != http.StatusOK {
					bad++
				}
			}
			mu.Lock()
			all = append(all, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return summarize(all, errs, time.Since(started))
}

// vclient is one browser connection: keep-alive, its session cookie,
// gzip accepted.
type vclient struct {
	host, cookie string
	conn         net.Conn
	br           *bufio.Reader
}

type reply struct {
	status   int
	location string
	body     []byte // decompressed when asked for
	took     time.Duration
}

func (c *vclient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// do sends one request and reads its whole response; with wantBody, the
// body is returned decompressed.
func (c *vclient) do(method, path string, form url.Values, wantBody bool) (reply, error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.host)
		if err != nil {
			return reply{}, err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 64<<10)
	}
	var req strings.Builder
	req.WriteString(method + " " + path + " HTTP/1.1\r\nHost: " + c.host + "\r\nUser-Agent: loadbench\r\nAccept-Encoding: gzip, deflate, br\r\n")
	if c.cookie != "" {
		req.WriteString("Cookie: " + c.cookie + "\r\n")
	}
	var body string
	if method == http.MethodPost {
		body = form.Encode()
		req.WriteString("Origin: http://" + c.host + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	req.WriteString("\r\n" + body)
	_ = c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	t0 := time.Now()
	if _, err := io.WriteString(c.conn, req.String()); err != nil {
		c.close()
		return reply{}, err
	}
	res, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.close()
		return reply{}, err
	}
	var raw []byte
	if wantBody {
		raw, err = io.ReadAll(res.Body)
	} else {
		_, err = io.Copy(io.Discard, res.Body)
	}
	res.Body.Close()
	took := time.Since(t0)
	if err != nil {
		c.close()
		return reply{}, err
	}
	if res.Close {
		c.close()
	}
	if wantBody && res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return reply{}, err
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return reply{}, err
		}
	}
	return reply{status: res.StatusCode, location: res.Header.Get("Location"), body: raw, took: took}, nil
}

// The kinds of request of the exam week, in the order printed.
const (
	kindDashboard = "enseignants : tableau de bord de classe"
	kindReview    = "enseignants : réalisation à relire"
	kindValidate  = "écriture : validation (enseignant)"
	kindCreate    = "écriture : création (étudiant)"
	kindSave      = "écriture : enregistrement (étudiant)"
	kindSubmit    = "écriture : soumission (étudiant)"
	kindAfter     = "étudiants : page après l'écriture"
	kindJury      = "jury : portfolio"
	kindJuryPDF   = "jury : PDF du tableau"
)

type weekResults struct {
	order        []string
	results      map[string]result
	failures     int
	firstFailure string
}

type recorder struct {
	mu       sync.Mutex
	times    map[string][]time.Duration
	errors   map[string]int
	failures int
	first    string
}

func (r *recorder) add(kind string, res reply, err error, want int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil || res.status != want {
		r.errors[kind]++
		r.failures++
		if r.first == "" {
			r.first = fmt.Sprintf("%s: status %d, %v", kind, res.status, err)
		}
		if err != nil {
			return
		}
	}
	r.times[kind] = append(r.times[kind], res.took)
}

var (
	queueLink  = regexp.MustCompile(`href="(/students/\d+/realisations/\d+)"`)
	versionOf  = regexp.MustCompile(`name="version" value="(\d+)"`)
	createdRef = regexp.MustCompile(`^/realisations/(\d+)`)
)

// examWeek runs the exam-week mix for dur.
func examWeek(base string, d dataset, cookies map[string]string, conns int, dur time.Duration) weekResults {
	host := strings.TrimPrefix(base, "http://")
	rec := &recorder{times: map[string][]time.Duration{}, errors: map[string]int{}}
	deadline := time.Now().Add(dur)
	started := time.Now()
	var wg sync.WaitGroup
	sleep := func(rng *rand.Rand) bool {
		pause := 2*time.Second + time.Duration(rng.Int64N(int64(2*time.Second)))
		if time.Now().Add(pause).After(deadline) {
			return false
		}
		time.Sleep(pause)
		return true
	}
	for i, email := range d.students {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			c := &vclient{host: host, cookie: cookies[email]}
			defer c.close()
			for n := 0; ; n++ {
				form := url.Values{"title": {fmt.Sprintf("Semaine d'examen : réalisation %d de %s", n, email)},
					"description": {"Mise en place et documentation."}, "cadre": {"formation"}, "types": {"T1"},
					"start": {"2026-10"}, "end": {"2026-11"}, "modalite": {"seul"},
					"activity": {"A1.1.1", "A4.1.3"}, "competence": {"C1.1.1.1", "C4.1.3.1"}}
				if !sleep(rng) {
					return
				}
				res, err := c.do(http.MethodPost, "/realisations", form, false)
				rec.add(kindCreate, res, err, http.StatusSeeOther)
				m := createdRef.FindStringSubmatch(res.location)
				if m == nil {
					continue
				}
				after, err := c.do(http.MethodGet, res.location, nil, false)
				rec.add(kindAfter, after, err, http.StatusOK)
				if !sleep(rng) {
					return
				}
				form.Set("title", form.Get("title")+" (complétée)")
				form.Set("version", "1")
				res, err = c.do(http.MethodPost, "/realisations/"+m[1], form, false)
				rec.add(kindSave, res, err, http.StatusSeeOther)
				if !sleep(rng) {
					return
				}
				res, err = c.do(http.MethodPost, "/realisations/"+m[1]+"/submit", url.Values{"version": {"2"}}, false)
				rec.add(kindSubmit, res, err, http.StatusSeeOther)
				if res.location != "" {
					after, err := c.do(http.MethodGet, res.location, nil, false)
					rec.add(kindAfter, after, err, http.StatusOK)
				}
			}
		}()
	}
	dash := fmt.Sprintf("/classes/%d", d.classID)
	for _, email := range d.teachers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &vclient{host: host, cookie: cookies[email]}
			defer c.close()
			var lastReview time.Time
			for time.Now().Before(deadline) {
				res, err := c.do(http.MethodGet, dash, nil, true)
				rec.add(kindDashboard, res, err, http.StatusOK)
				// A teacher reviews about one réalisation a second.
				if err != nil || time.Since(lastReview) < time.Second {
					continue
				}
				links := queueLink.FindAllSubmatch(res.body, -1)
				if len(links) == 0 {
					continue
				}
				lastReview = time.Now()
				path := string(links[rand.IntN(len(links))][1])
				page, err := c.do(http.MethodGet, path, nil, true)
				rec.add(kindReview, page, err, http.StatusOK)
				v := versionOf.FindSubmatch(page.body)
				if err != nil || v == nil {
					continue
				}
				res, err = c.do(http.MethodPost, path+"/review", url.Values{"action": {"validate"}, "version": {string(v[1])}}, false)
				// 409: the other teacher validated it first.
				if err == nil && res.status == http.StatusConflict {
					continue
				}
				rec.add(kindValidate, res, err, http.StatusSeeOther)
			}
		}()
	}
	for i := 0; i < conns-len(d.students)-len(d.teachers); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &vclient{host: host}
			defer c.close()
			rng := rand.New(rand.NewPCG(uint64(i), 11))
			for n := i; time.Now().Before(deadline); n++ {
				// A jury member reads what they opened: one page every
				// 0.5 to 1.5 s.
				time.Sleep(500*time.Millisecond + time.Duration(rng.Int64N(int64(time.Second))))
				token := d.juryTokens[n%len(d.juryTokens)]
				kind, path := kindJury, "/jury/"+token
				if n%2 == 1 {
					kind, path = kindJuryPDF, path+"/tableau.pdf"
				}
				res, err := c.do(http.MethodGet, path, nil, false)
				rec.add(kind, res, err, http.StatusOK)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(started)
	w := weekResults{results: map[string]result{}, failures: rec.failures, firstFailure: rec.first}
	for _, k := range []string{kindDashboard, kindReview, kindValidate, kindCreate, kindSave, kindSubmit, kindAfter, kindJury, kindJuryPDF} {
		w.order = append(w.order, k)
		w.results[k] = summarize(rec.times[k], rec.errors[k], elapsed)
	}
	return w
}

func login(base, email string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("login %s: %d", email, res.StatusCode)
	}
	u, _ := url.Parse(base)
	var parts []string
	for _, ck := range jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; "), nil
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

// dirSize is the bytes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
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
	deadline := time.Now().Add(60 * time.Second)
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
