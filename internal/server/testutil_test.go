package server

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

// testApp is the real application on a real SQLite file in a temp dir,
// migrated for real, served over loopback.
type testApp struct {
	t      testing.TB
	srv    *Server
	store  *store.Store
	ref    *referentiel.Referentiel
	server *httptest.Server
	hasher auth.Hasher
	clock  *fakeClock // the server's clock, unless the test set Config.Now
}

const testPassword = "motdepasse-de-test"

// testSelfURL as Config.BaseURL stands for the test server's own address.
const testSelfURL = "http://test-server.invalid"

func newTestApp(t testing.TB) *testApp {
	t.Helper()
	return newTestAppDriver(t, "sqlite")
}

// newTestAppDriver is newTestApp on another registered SQLite driver.
func newTestAppDriver(t testing.TB, driver string) *testApp {
	t.Helper()
	return newTestAppConfig(t, driver, nil)
}

// newTestAppConfig is newTestApp with a driver and a change to the server
// configuration.
func newTestAppConfig(t testing.TB, driver string, change func(*Config)) *testApp {
	t.Helper()
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenDriver(context.Background(), driver, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := auth.Hasher{Cost: bcrypt.MinCost}
	clock := &fakeClock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	cfg := Config{
		Store: st, Referentiels: refs, Hasher: h,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:        clock.now,
		LoginDelay: time.Millisecond,
		MailEvery:  -1, // the tests run the mail loop's rounds themselves
	}
	if change != nil {
		change(&cfg)
	}
	// The listener first, so that a test may give the server its own
	// address as --base-url (testSelfURL).
	ts := httptest.NewUnstartedServer(nil)
	if cfg.BaseURL == testSelfURL {
		cfg.BaseURL = "http://" + ts.Listener.Addr().String()
	}
	srv := New(cfg)
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
		st.Close()
	})
	return &testApp{t: t, srv: srv, store: st, ref: refs["sio-2011"], server: ts, hasher: h, clock: clock}
}

// fakeClock is the server's clock in tests: it stands still until a test
// moves it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// addUser creates an account with testPassword.
func (a *testApp) addUser(email string, role portfolio.Role, parcours string) portfolio.User {
	a.t.Helper()
	hash, err := a.hasher.Hash(testPassword)
	if err != nil {
		a.t.Fatal(err)
	}
	u := portfolio.User{Email: email, FirstName: "Prénom", LastName: strings.Split(email, "@")[0],
		Role: role, PasswordHash: hash, Parcours: parcours, SessionYear: 2027, CandidateNumber: "0123", Centre: "Lycée Test"}
	u.ID, err = a.store.CreateUser(context.Background(), u)
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// addRealisation stores a valid réalisation for a student.
func (a *testApp) addRealisation(studentID int64, in portfolio.RealisationInput) int64 {
	a.t.Helper()
	r, errs := in.Validate(a.ref)
	if errs != nil {
		a.t.Fatalf("invalid test réalisation: %v", errs)
	}
	id, err := a.store.CreateRealisation(context.Background(), studentID, r)
	if err != nil {
		a.t.Fatal(err)
	}
	return id
}

// sampleInput is a valid réalisation form.
func sampleInput(title string) portfolio.RealisationInput {
	return portfolio.RealisationInput{
		Title: title, Description: "Une description.", Cadre: "formation", Types: []string{"T1"},
		Start: "2025-10", End: "2025-12", Modalite: "seul",
		Activities:  []string{"A1.1.1", "A4.1.3"},
		Competences: []string{"C1.1.1.1", "C4.1.3.1"},
	}
}

// client is a browser-like HTTP client with its own cookie jar, which does
// not follow redirects (tests check them).
type client struct {
	t    testing.TB
	app  *testApp
	http *http.Client
}

func (a *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: a.t, app: a, http: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// login logs in and fails the test if it does not succeed.
func (a *testApp) login(email string) *client {
	c := a.client()
	res := c.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if res.status != http.StatusSeeOther {
		a.t.Fatalf("login %s: status %d", email, res.status)
	}
	return c
}

type response struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.app.server.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.app.server.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// formOf encodes a réalisation input as the browser form would.
func formOf(in portfolio.RealisationInput) url.Values {
	f := url.Values{
		"title": {in.Title}, "description": {in.Description}, "contexte": {in.Contexte},
		"cadre": {in.Cadre}, "types": in.Types, "start": {in.Start}, "end": {in.End},
		"modalite": {in.Modalite}, "team": {in.Team},
		"activity": in.Activities, "competence": in.Competences,
	}
	for _, p := range in.Productions {
		f.Add("production_title", p.Title)
		f.Add("production_url", p.URL)
	}
	for code, how := range in.How {
		f.Set("how."+code, how)
	}
	return f
}

func wantStatus(t testing.TB, res response, want int) {
	t.Helper()
	if res.status != want {
		t.Fatalf("status %d, want %d; body:\n%.2000s", res.status, want, res.body)
	}
}

func wantContains(t testing.TB, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("body does not contain %q", s)
		}
	}
}

func wantNotContains(t testing.TB, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("body contains %q", s)
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// withVersion adds the version field an edit form carries.
func withVersion(f url.Values, v int) url.Values {
	f.Set("version", strconv.Itoa(v))
	return f
}

// validate takes a réalisation through submission and validation by the
// teacher, as the review workflow would.
func (a *testApp) validate(studentID, id, teacherID int64) {
	a.t.Helper()
	ctx := context.Background()
	r, err := a.store.GetRealisation(ctx, studentID, id)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.store.ApplyTransition(ctx, studentID, id, r.Version, portfolio.ActSubmit, r.Status, portfolio.StatusSubmitted, studentID, ""); err != nil {
		a.t.Fatal(err)
	}
	if err := a.store.ApplyTransition(ctx, studentID, id, r.Version+1, portfolio.ActValidate, portfolio.StatusSubmitted, portfolio.StatusValidated, teacherID, ""); err != nil {
		a.t.Fatal(err)
	}
}

// assertCoverageFresh checks that the coverage kept by the writes equals a
// recomputation from scratch.
func (a *testApp) assertCoverageFresh() {
	a.t.Helper()
	snapshot := func() string {
		var b strings.Builder
		rows, err := a.store.DB.Query(`SELECT student_id, activities, types, counts FROM student_coverage
			WHERE activities <> '' OR counts <> '' ORDER BY student_id`)
		if err != nil {
			a.t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var x, y, z string
			if err := rows.Scan(&id, &x, &y, &z); err != nil {
				a.t.Fatal(err)
			}
			fmt.Fprintf(&b, "%d|%s|%s|%s\n", id, sortList(x), sortList(y), sortList(z))
		}
		return b.String()
	}
	kept := snapshot()
	if err := a.store.RefreshAllCoverage(context.Background()); err != nil {
		a.t.Fatal(err)
	}
	if fresh := snapshot(); fresh != kept {
		a.t.Fatalf("stale coverage:\nkept  %s\nfresh %s", kept, fresh)
	}
}

func sortList(s string) string {
	parts := strings.Split(s, ",")
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// zipEntries reads a whole ZIP; an unreadable one fails the test.
func zipEntries(t testing.TB, body string) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a ZIP (%d bytes): %v", len(body), err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = b
	}
	return out
}
