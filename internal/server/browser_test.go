package server

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/portfolio-sio/portfolio/internal/demo"
	"github.com/portfolio-sio/portfolio/internal/docjob"
)

// The browser tests drive Debian's chromium through chromedp. One browser
// is shared by every test; each test gets its own browser context (fresh
// cookies). A missing chromium is a failure, not a skip: these tests are
// part of the suite ("make test" installs chromium when it can).

var shared struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	err    error
}

func TestMain(m *testing.M) {
	// The server starts its own binary, this test binary here, for the
	// work on uploaded documents (internal/docjob).
	if os.Getenv(docjob.EnvVar) == "1" {
		os.Exit(docjob.Main(os.Stdin, os.Stdout))
	}
	noRaceExitSleep()
	code := m.Run()
	if shared.cancel != nil {
		shared.cancel()
	}
	os.Exit(code)
}

func chromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}

// newTab opens a tab in a fresh browser context of the shared browser.
func newTab(t *testing.T) context.Context {
	t.Helper()
	shared.once.Do(func() {
		path, err := chromiumPath()
		if err != nil {
			shared.err = err
			return
		}
		dir, err := os.MkdirTemp("", "portfolio-chromium-")
		if err != nil {
			shared.err = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1400, 1000),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-quic", true),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
		// Start the browser now, without a deadline on this first run.
		shared.err = chromedp.Do(browserCtx)
		shared.ctx = browserCtx
		shared.cancel = func() {
			cancelBrowser()
			cancelAlloc()
			os.RemoveAll(dir)
		}
	})
	if shared.err != nil {
		t.Fatalf("cannot start chromium (install it: apt-get install chromium): %v", shared.err)
	}
	tab, cancel := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	tab, cancelTimeout := context.WithTimeout(tab, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	return tab
}

// byID selects an element by id, whatever characters the id holds (our
// ids contain dots: act-A1.1.1).
func byID(id string) chromedp.CSS { return chromedp.CSS(`[id="` + id + `"]`) }

// screenshot saves a full-page PNG into $PORTFOLIO_SCREENSHOTS, when set,
// for a person to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("PORTFOLIO_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}

// do runs steps and fails the test at the first error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// submit clicks a submit button and waits for the page it loads; it
// returns the HTTP status of that page.
func submit(t *testing.T, ctx context.Context, sel chromedp.CSS) int64 {
	t.Helper()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
	if err != nil {
		t.Fatalf("submit %s: %v", sel, err)
	}
	return res.Status
}

func text(t *testing.T, ctx context.Context, sel chromedp.CSS) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// tableauMarks returns the column headers under which the tableau row
// titled title has an X.
func tableauMarks(t *testing.T, ctx context.Context, title string) []string {
	t.Helper()
	js := `(() => {
		const heads = [...document.querySelectorAll('table.grid thead tr:nth-child(2) th')].map(th => th.textContent.trim());
		const row = [...document.querySelectorAll('table.grid tbody tr')].find(tr => {
			const th = tr.querySelector('th.intitule');
			return th && th.textContent.includes(` + jsString(title) + `);
		});
		if (!row) return null;
		return [...row.querySelectorAll('td:not(.periode)')].map((td, i) => td.textContent.trim() === 'X' ? heads[i] : '').filter(Boolean);
	})()`
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		t.Fatalf("read tableau marks: %v", err)
	}
	return marks
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}

// TestBrowserStudentJourney: the demo SLAM student logs in, creates a
// réalisation with two activities and three competences, fails validation
// once, sees it on the tableau with its X marks, then edits it.
func TestBrowserStudentJourney(t *testing.T) {
	pc := newPageChecks(t)
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	ctx := newTab(t)
	base := app.server.URL

	do(t, ctx, "open login",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(byID("email")),
		chromedp.SendKeys(byID("email"), "slam@demo.local"),
		chromedp.SendKeys(byID("password"), demo.Password),
	)
	screenshot(t, ctx, "01-login")
	pc.check(ctx, "01-login")
	if st := submit(t, ctx, "section.login button[type=submit]"); st != 200 {
		t.Fatalf("login: status %d", st)
	}
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/realisations") {
		t.Fatalf("after login at %s", loc)
	}
	if got := text(t, ctx, "table.list"); !strings.Contains(got, "Application web de gestion des prêts de matériel") {
		t.Fatalf("demo réalisations not listed: %q", got)
	}
	screenshot(t, ctx, "02-list")
	pc.check(ctx, "02-list")

	title := "Déploiement d’une API de réservation — œuvre collective"
	do(t, ctx, "fill the form",
		chromedp.Click(chromedp.CSS(`a[href="/realisations/new"]`)),
		chromedp.WaitVisible(byID("title")),
		chromedp.SendKeys(byID("title"), title),
		chromedp.SendKeys(byID("description"), "Conception de la base et développement de l'API."),
		chromedp.SetValue(byID("cadre"), "stage2"),
		chromedp.Click(byID("type-T1")),
		// Wrong on purpose: the end is before the start.
		chromedp.SetValue(byID("start"), "2026-10"),
		chromedp.SetValue(byID("end"), "2026-09"),
		chromedp.Click(byID("modalite-seul")),
		chromedp.SendKeys(byID("production-title-0"), "Dépôt Git"),
		chromedp.SendKeys(byID("production-url-0"), "https://git.example.org/api"),
		chromedp.Click(byID("act-A4.1.3")),
		chromedp.Click(byID("comp-C4.1.3.1")),
		chromedp.Click(byID("comp-C4.1.3.2")),
		chromedp.Click(byID("act-A4.1.7")),
		chromedp.Click(byID("comp-C4.1.7.1")),
		chromedp.SendKeys(byID("how-A4.1.3"), "Modèle relationnel et script SQL."),
	)
	screenshot(t, ctx, "03-form")
	pc.check(ctx, "03-form")
	if st := submit(t, ctx, "form.realisation .actions button[type=submit]"); st != 422 {
		t.Fatalf("invalid période: status %d, want 422", st)
	}
	if msg := text(t, ctx, byID("err-end")); !strings.Contains(msg, "Le mois de fin doit être égal ou postérieur au mois de début.") {
		t.Fatalf("error next to the end month: %q", msg)
	}
	// The rest of the input is kept.
	kept, err := chromedp.Run(ctx, chromedp.Value(byID("title")))
	if err != nil || kept != title {
		t.Fatalf("title after error: %q, %v", kept, err)
	}
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('comp-C4.1.3.2').checked && document.getElementById('act-A4.1.7').checked`))
	if err != nil || !checked {
		t.Fatalf("ticks lost after the error: %v", err)
	}
	// The error summary has the focus, and its link puts the focus in the
	// field itself (issue 13: not on its message).
	focus, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id + ' ' + [...document.querySelectorAll('#error-summary a')].map(a => a.getAttribute('href')).join(',')`))
	if err != nil || focus != "error-summary #end" {
		t.Fatalf("focus and summary links after the error: %q, %v", focus, err)
	}
	do(t, ctx, "follow the summary's link", chromedp.Click(chromedp.CSS(`#error-summary a[href="#end"]`)))
	if id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`)); err != nil || id != "end" {
		t.Fatalf("the summary's link put the focus on %q, want the end field (%v)", id, err)
	}
	screenshot(t, ctx, "04-form-error")
	pc.check(ctx, "04-form-error")

	do(t, ctx, "fix the end month", chromedp.SetValue(byID("end"), "2026-11"))
	if st := submit(t, ctx, "form.realisation .actions button[type=submit]"); st != 200 {
		t.Fatalf("valid form: status %d", st)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "Réalisation enregistrée") || !strings.Contains(got, "2 activités, 3 compétences") {
		t.Fatalf("detail page: %q", got)
	}
	detailURL := location(t, ctx)
	screenshot(t, ctx, "05-detail")
	pc.check(ctx, "05-detail")
	// Not validated yet: the student asks to show it on the tableau anyway.
	do(t, ctx, "show on the tableau", chromedp.SetValue(byID("on_tableau"), "show"))
	if st := submit(t, ctx, "form.visibility button[type=submit]"); st != 200 {
		t.Fatalf("visibility: status %d", st)
	}

	do(t, ctx, "open the tableau", chromedp.Navigate(base+"/tableau"), chromedp.WaitVisible("table.grid"))
	if marks := tableauMarks(t, ctx, title); strings.Join(marks, ",") != "Projet d'évolution d'un SI,A4.1.3,A4.1.7" {
		t.Fatalf("tableau marks %v", marks)
	}
	if got := text(t, ctx, "table.grid"); !strings.Contains(got, "10/26 – 11/26") {
		t.Errorf("période not on the tableau")
	}
	screenshot(t, ctx, "06-tableau")
	pc.check(ctx, "06-tableau")

	do(t, ctx, "edit",
		chromedp.Navigate(detailURL+"/edit"),
		chromedp.WaitVisible(byID("title")),
		chromedp.Clear(byID("title")),
		chromedp.SendKeys(byID("title"), "API de réservation (v2)"),
		chromedp.Click(byID("act-A4.1.8")),
	)
	if st := submit(t, ctx, "form.realisation .actions button[type=submit]"); st != 200 {
		t.Fatalf("edit: status %d", st)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "Modifications enregistrées.") || !strings.Contains(got, "3 activités, 3 compétences") {
		t.Fatalf("after edit: %q", got)
	}
	do(t, ctx, "tableau after edit", chromedp.Navigate(base+"/tableau"), chromedp.WaitVisible("table.grid"))
	if marks := tableauMarks(t, ctx, "API de réservation (v2)"); strings.Join(marks, ",") != "Projet d'évolution d'un SI,A4.1.3,A4.1.7,A4.1.8" {
		t.Fatalf("tableau marks after edit %v", marks)
	}
}

// login opens the login page in ctx and logs in.
func login(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, "login "+email,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(byID("email")),
		chromedp.SendKeys(byID("email"), email),
		chromedp.SendKeys(byID("password"), demo.Password),
	)
	if st := submit(t, ctx, "section.login button[type=submit]"); st != 200 {
		t.Fatalf("login %s: status %d", email, st)
	}
}

// heatCell is the text of the heat map cell of a student and an activity.
func heatCell(t *testing.T, ctx context.Context, student, activity string) string {
	t.Helper()
	// The cells carry no title: the column is found by its header (the
	// last header row), the level by the cell's letter, as a user reads it.
	js := `(() => {
		const heads = document.querySelectorAll('#heatmap thead tr');
		const codes = [...heads[heads.length - 1].querySelectorAll('th')].map(th => th.textContent.trim());
		const col = codes.indexOf(` + jsString(activity) + `);
		if (col < 0) return 'no column';
		const row = [...document.querySelectorAll('#heatmap tbody tr')].find(tr => tr.querySelector('th').textContent.includes(` + jsString(student) + `));
		if (!row) return 'no row';
		const cell = row.querySelectorAll('td.v, td.e, td.n')[col];
		if (!cell) return 'no cell';
		const level = {V: 'validée', E: 'en cours (non validée)', '·': 'non couverte'}[cell.textContent.trim()];
		return ` + jsString(activity+" : ") + ` + level;
	})()`
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBrowserReviewJourney: the demo student submits, the demo teacher
// finds it in the queue and asks for changes; the student reads the
// reason, edits and resubmits; the teacher validates; the réalisation is
// read-only for the student, on the tableau, and the heat map shows it.
func TestBrowserReviewJourney(t *testing.T) {
	pc := newPageChecks(t)
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	base := app.server.URL
	student, teacher := newTab(t), newTab(t)
	title := "Documentation utilisateur de l'application de prêts"

	login(t, student, base, "slam@demo.local")
	do(t, student, "open the draft by title", chromedp.Navigate(base+"/realisations"), chromedp.WaitVisible("table.list"))
	href, err := chromedp.Run(student, chromedp.Evaluate[string](`[...document.querySelectorAll('table.list a')].find(a => a.textContent === `+jsString(title)+`).getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	do(t, student, "open", chromedp.Navigate(base+href), chromedp.WaitVisible(byID("submit-realisation")))
	if st := submit(t, student, "#submit-realisation"); st != 200 {
		t.Fatalf("submit: %d", st)
	}
	if s := text(t, student, "#status"); s != "Soumise" {
		t.Fatalf("status after submit %q", s)
	}

	login(t, teacher, base, "prof@demo.local")
	pc.check(teacher, "staff-home")
	classHref, err := chromedp.Run(teacher, chromedp.Evaluate[string](`[...document.querySelectorAll('a[href^="/classes/"]')].find(a => a.textContent === 'SIO2 SLAM').getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	do(t, teacher, "open the class", chromedp.Navigate(base+classHref), chromedp.WaitVisible("#heatmap"))
	if got := heatCell(t, teacher, "Moreau", "A4.1.10"); got != "A4.1.10 : en cours (non validée)" {
		t.Fatalf("heat map before: %q", got)
	}
	screenshot(t, teacher, "10-dashboard-queue")
	pc.check(teacher, "10-dashboard-queue")
	queued, err := chromedp.Run(teacher, chromedp.Evaluate[[]string](`[...document.querySelectorAll('table.queue a')].map(a => a.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(queued, "|"), title) {
		t.Fatalf("queue %v", queued)
	}
	qhref, err := chromedp.Run(teacher, chromedp.Evaluate[string](`[...document.querySelectorAll('table.queue a')].find(a => a.textContent === `+jsString(title)+`).getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	reason := "Ajoute des captures d'écran de la documentation."
	do(t, teacher, "ask for changes", chromedp.Navigate(base+qhref), chromedp.WaitVisible(byID("reason-rework")),
		chromedp.SendKeys(byID("reason-rework"), reason))
	screenshot(t, teacher, "11-review")
	pc.check(teacher, "11-review")
	if st := submit(t, teacher, "#rework"); st != 200 {
		t.Fatalf("rework: %d", st)
	}

	do(t, student, "see the reason", chromedp.Navigate(base+"/realisations"), chromedp.WaitVisible("table.list"))
	if got := text(t, student, "table.list"); !strings.Contains(got, "nouveau") {
		t.Errorf("no unread badge: %q", got)
	}
	do(t, student, "open", chromedp.Navigate(base+href), chromedp.WaitVisible("#reason"))
	if got := text(t, student, "#reason"); !strings.Contains(got, reason) {
		t.Fatalf("reason shown: %q", got)
	}
	screenshot(t, student, "12-rework-seen")
	pc.check(student, "12-rework-seen")
	do(t, student, "edit", chromedp.Navigate(base+href+"/edit"), chromedp.WaitVisible(byID("description")),
		chromedp.SendKeys(byID("description"), "Guide illustré de captures d'écran."))
	if st := submit(t, student, "form.realisation .actions button[type=submit]"); st != 200 {
		t.Fatalf("edit: %d", st)
	}
	if st := submit(t, student, "#submit-realisation"); st != 200 {
		t.Fatalf("resubmit: %d", st)
	}

	do(t, teacher, "validate", chromedp.Navigate(base+qhref), chromedp.WaitVisible(byID("validate")))
	if st := submit(t, teacher, "#validate"); st != 200 {
		t.Fatalf("validate: %d", st)
	}
	// Issue 13: the teacher goes on to the next réalisation to review.
	if got := text(t, teacher, "main"); !strings.Contains(got, "Suivante à relire") && !strings.Contains(got, "Plus rien à relire") {
		t.Fatalf("after validating, no « suivante à relire »: %.300q", got)
	}
	do(t, teacher, "back to the validated one", chromedp.Navigate(base+qhref), chromedp.WaitVisible("#status"))
	if s := text(t, teacher, "#status"); s != "Validée" {
		t.Fatalf("status after validation %q", s)
	}

	do(t, student, "read-only", chromedp.Navigate(base+href), chromedp.WaitVisible("#status"))
	if s := text(t, student, "#status"); s != "Validée" {
		t.Fatalf("student sees %q", s)
	}
	editLinks, err := chromedp.Run(student, chromedp.Evaluate[int](`document.querySelectorAll('a[href$="/edit"], #submit-realisation').length`))
	if err != nil || editLinks != 0 {
		t.Fatalf("edit controls on a validated réalisation: %d, %v", editLinks, err)
	}
	do(t, student, "tableau", chromedp.Navigate(base+"/tableau"), chromedp.WaitVisible("table.grid"))
	if marks := tableauMarks(t, student, title); strings.Join(marks, ",") != "Documents de production,A4.1.10" {
		t.Fatalf("tableau marks %v", marks)
	}
	if got := text(t, student, "#validators"); !strings.Contains(got, "Claire Dubois") {
		t.Errorf("attestation: %q", got)
	}
	screenshot(t, student, "13-tableau-validated")
	pc.check(student, "13-tableau-validated")
	pdf := downloadPDF(t, student, "#download-pdf")
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("downloaded file is not a PDF: %.20q", pdf)
	}
	// The official sheet (#17): a title may wrap in its column.
	if text := strings.Join(strings.Fields(pdfText(t, pdf)), " "); !strings.Contains(text, title) || !strings.Contains(text, "NOM et Prénom du candidat : MOREAU Léa") {
		t.Fatalf("PDF text lacks the réalisation or the name:\n%s", text)
	}

	do(t, teacher, "heat map after", chromedp.Navigate(base+classHref), chromedp.WaitVisible("#heatmap"))
	if got := heatCell(t, teacher, "Moreau", "A4.1.10"); got != "A4.1.10 : validée" {
		t.Fatalf("heat map after: %q", got)
	}
	screenshot(t, teacher, "14-heatmap")
	pc.check(teacher, "14-heatmap")
}

// downloadPDF clicks a download link and returns the file the browser saved.
func downloadPDF(t *testing.T, ctx context.Context, sel chromedp.CSS) []byte {
	t.Helper()
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	do(t, ctx, "download",
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior:         browser.SetDownloadBehaviorBehaviorAllowAndName,
				BrowserContextID: chromedp.FromContext(ctx).BrowserContextID, // each test has its own
				DownloadPath:     dir,
				EventsEnabled:    ptr(true),
			})
			return err
		}),
		chromedp.Click(sel),
	)
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCanceled:
			t.Fatal("download canceled")
		case browser.DownloadProgressStateCompleted:
			b, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatal("no download")
	return nil
}

func ptr[T any](v T) *T { return &v }

// pdfText extracts a PDF's text with pdftotext (poppler-utils).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s (install poppler-utils)", err, out)
	}
	return string(out)
}

// TestBrowserImportAndFirstAccess: the admin imports a 30-line CSV with 3
// bad lines, reads the preview and its reasons, confirms, prints the
// activation sheet; a new student follows their link, chooses a password
// and logs in.
func TestBrowserImportAndFirstAccess(t *testing.T) {
	pc := newPageChecks(t)
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	base := app.server.URL
	csvPath := filepath.Join(t.TempDir(), "sio1.csv")
	if err := os.WriteFile(csvPath, []byte(classCSV(27)), 0o644); err != nil {
		t.Fatal(err)
	}
	admin := newTab(t)
	login(t, admin, base, "admin@demo.local")
	do(t, admin, "classes", chromedp.Navigate(base+"/admin/classes"), chromedp.WaitVisible(byID("name")))
	pc.check(admin, "admin-classes")
	do(t, admin, "new class", chromedp.SendKeys(byID("name"), "SIO1 A"))
	if st := submit(t, admin, "form.panel button[type=submit]"); st != 200 {
		t.Fatalf("create class: %d", st)
	}
	do(t, admin, "import page", chromedp.Click(byID("import-link")), chromedp.WaitVisible(byID("file")),
		chromedp.SetUploadFiles(byID("file"), []string{csvPath}))
	if st := submit(t, admin, "#preview"); st != 200 {
		t.Fatalf("preview: %d", st)
	}
	summary := text(t, admin, "#import-summary")
	if !strings.Contains(summary, "27 à créer") || !strings.Contains(summary, "3 en erreur") {
		t.Fatalf("summary %q", summary)
	}
	table := text(t, admin, "#preview-table")
	for _, reason := range []string{"E-mail invalide", "Parcours inconnu", "E-mail déjà présent ligne 2 du fichier"} {
		if !strings.Contains(table, reason) {
			t.Errorf("preview lacks %q", reason)
		}
	}
	screenshot(t, admin, "20-import-preview")
	pc.check(admin, "20-import-preview")
	if st := submit(t, admin, "#confirm-import"); st != 200 {
		t.Fatalf("confirm: %d", st)
	}
	if got := text(t, admin, "main"); !strings.Contains(got, "27 étudiants créés") || !strings.Contains(got, "Étudiants (27)") {
		t.Fatalf("after import: %.300q", got)
	}
	pc.check(admin, "admin-class")
	classPage := location(t, admin)
	do(t, admin, "enrol search", chromedp.Navigate(classPage+"?q=demo"), chromedp.WaitVisible(byID("q")))
	screenshot(t, admin, "23-admin-class-search")
	pc.check(admin, "admin-class-search")
	do(t, admin, "users", chromedp.Navigate(base+"/admin/users?q=eleve"), chromedp.WaitVisible("#users"))
	pc.check(admin, "admin-users")
	do(t, admin, "audit", chromedp.Navigate(base+"/admin/audit"), chromedp.WaitVisible("#audit"))
	pc.check(admin, "admin-audit")
	do(t, admin, "class admin again", chromedp.Navigate(classPage), chromedp.WaitVisible(byID("activation-sheet")))
	if st := submit(t, admin, "#activation-sheet"); st != 200 {
		t.Fatalf("sheet: %d", st)
	}
	links, err := chromedp.Run(admin, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#sheet td:last-child code')].map(c => c.textContent)`))
	if err != nil || len(links) != 27 {
		t.Fatalf("%d links on the sheet, %v", len(links), err)
	}
	// The QR codes show (the page's security policy lets data: images in).
	if n, err := chromedp.Run(admin, chromedp.Evaluate[int](`[...document.querySelectorAll('#sheet img.qr')].filter(i => i.complete && i.naturalWidth > 100).length`)); err != nil || n != 27 {
		t.Fatalf("%d QR codes drawn on the sheet, want 27 (%v)", n, err)
	}
	screenshot(t, admin, "21-activation-sheet")
	pc.check(admin, "21-activation-sheet")
	row, err := chromedp.Run(admin, chromedp.Evaluate[string](`[...document.querySelectorAll('#sheet tbody tr')].find(tr => tr.textContent.includes('eleve05@example.org')).querySelector('td:last-child code').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	code, err := chromedp.Run(admin, chromedp.Evaluate[string](`[...document.querySelectorAll('#sheet tbody tr')].find(tr => tr.textContent.includes('eleve06@example.org')).querySelector('code.short-code').textContent`))
	if err != nil || !regexp.MustCompile(`^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$`).MatchString(code) {
		t.Fatalf("short code %q (%v)", code, err)
	}

	// Another student types their e-mail and code instead, as a student
	// would read it: lower case, a space for the dash.
	other := newTab(t)
	do(t, other, "login page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(byID("first-access")), chromedp.Click(byID("first-access")),
		chromedp.WaitVisible(byID("code")),
		chromedp.SendKeys(byID("email"), "eleve06@example.org"),
		chromedp.SendKeys(byID("code"), strings.ToLower(strings.Replace(code, "-", " ", 1))))
	pc.check(other, "first-access-code")
	if st := submit(t, other, "section.login button[type=submit]"); st != 200 {
		t.Fatalf("code: %d", st)
	}
	do(t, other, "choose a password", chromedp.WaitVisible(byID("password")),
		chromedp.SendKeys(byID("password"), "quatre chiens dans le pré"), chromedp.SendKeys(byID("password2"), "quatre chiens dans le pré"))
	screenshot(t, other, "22-first-access-code")
	pc.check(other, "first-access-password")
	if st := submit(t, other, "section.login button[type=submit]"); st != 200 {
		t.Fatalf("code password: %d", st)
	}
	if v, err := chromedp.Run(other, chromedp.Value(byID("email"))); err != nil || v != "eleve06@example.org" {
		t.Fatalf("login e-mail after the code: %q (%v)", v, err)
	}

	student := newTab(t)
	do(t, student, "follow the link", chromedp.Navigate(row), chromedp.WaitVisible(byID("password")),
		chromedp.SendKeys(byID("password"), "trois chats sur le toit"),
		chromedp.SendKeys(byID("password2"), "trois chats sur le toit"))
	screenshot(t, student, "22-activation")
	pc.check(student, "22-activation")
	if st := submit(t, student, "section.login button[type=submit]"); st != 200 {
		t.Fatalf("activation: %d", st)
	}
	if got := text(t, student, "main"); !strings.Contains(got, "Mot de passe enregistré") {
		t.Fatalf("after activation: %q", got)
	}
	// The login page has the address filled in (issue 13).
	if v, err := chromedp.Run(student, chromedp.Value(byID("email"))); err != nil || v != "eleve05@example.org" {
		t.Fatalf("login e-mail after activation: %q (%v)", v, err)
	}
	do(t, student, "log in", chromedp.SendKeys(byID("password"), "trois chats sur le toit"))
	if st := submit(t, student, "section.login button[type=submit]"); st != 200 {
		t.Fatalf("login: %d", st)
	}
	if loc := location(t, student); !strings.HasSuffix(loc, "/realisations") {
		t.Fatalf("after login at %s", loc)
	}
	// The link does not work twice.
	res, err := chromedp.RunResponse(student, chromedp.Navigate(row))
	if err != nil || res.Status != 404 {
		t.Fatalf("second use: %v, %v", res, err)
	}
}

// TestBrowserEvidenceAndJury: the student uploads a PDF and an image,
// shares a jury link, and the link opened in a fresh browser context shows
// both files and the tableau.
func TestBrowserEvidenceAndJury(t *testing.T) {
	pc := newPageChecks(t)
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	base := app.server.URL
	dir := t.TempDir()
	pdfPath, pngPath := filepath.Join(dir, "rapport.pdf"), filepath.Join(dir, "schema.png")
	os.WriteFile(pdfPath, samplePDF, 0o644)
	os.WriteFile(pngPath, samplePNG(t), 0o644)

	student := newTab(t)
	login(t, student, base, "slam@demo.local")
	// The draft of the demo can take files; show it on the tableau too.
	do(t, student, "list", chromedp.Navigate(base+"/realisations"), chromedp.WaitVisible("table.list"))
	href, err := chromedp.Run(student, chromedp.Evaluate[string](`[...document.querySelectorAll('table.list a')].find(a => a.textContent.startsWith('Documentation utilisateur')).getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	do(t, student, "upload", chromedp.Navigate(base+href), chromedp.WaitVisible(byID("evidence-files")),
		chromedp.SendKeys(byID("evidence-title-input"), "Guide"),
		chromedp.SetUploadFiles(byID("evidence-files"), []string{pdfPath, pngPath}),
		chromedp.Click(byID("upload-submit")),
		chromedp.WaitVisible("img.thumb"),
	)
	if got := text(t, student, "#preuves"); !strings.Contains(got, "Fichiers de preuve (2)") || !strings.Contains(got, "rapport.pdf") {
		t.Fatalf("evidence section: %q", got)
	}
	screenshot(t, student, "30-evidence")
	pc.check(student, "30-evidence")
	// The teacher reviewing sees the PDF's first pages in the page: the
	// frame loads the PDF from this site (the page frames it, the file
	// allows it).
	lea, err := app.store.UserByEmail(context.Background(), "slam@demo.local")
	if err != nil {
		t.Fatal(err)
	}
	teacher := newTab(t)
	login(t, teacher, base, "prof@demo.local")
	do(t, teacher, "review page", chromedp.Navigate(fmt.Sprintf("%s/students/%d%s", base, lea.ID, href)), chromedp.WaitVisible("iframe.pdf-preview"))
	screenshot(t, teacher, "33-review-pdf-preview")
	pc.check(teacher, "33-review-pdf-preview")
	frame, err := chromedp.Run(teacher, chromedp.Evaluate[string](`document.querySelector('iframe.pdf-preview').getAttribute('src')`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.RunResponse(teacher, chromedp.Navigate(base+strings.Split(frame, "#")[0]))
	if err != nil || res.Status != 200 || res.MimeType != "application/pdf" {
		t.Fatalf("the preview's PDF: %v %v", res, err)
	}
	if csp := fmt.Sprint(res.Headers["Content-Security-Policy"]); !strings.Contains(csp, "frame-ancestors 'self'") || strings.Contains(csp, "sandbox") {
		t.Errorf("the PDF's policy does not let the review page frame it: %s", csp)
	}
	do(t, student, "show on the tableau", chromedp.SetValue(byID("on_tableau"), "show"))
	submit(t, student, "form.visibility button[type=submit]")

	do(t, student, "share", chromedp.Navigate(base+"/partage"), chromedp.WaitVisible(byID("label")),
		chromedp.SendKeys(byID("label"), "Jury E6"))
	if st := submit(t, student, "#create-link"); st != 200 {
		t.Fatalf("create link: %d", st)
	}
	link := text(t, student, "code.jury-link")
	screenshot(t, student, "31-share")
	pc.check(student, "31-share")

	jury := newTab(t) // a fresh browser context: no session
	do(t, jury, "open the jury link", chromedp.Navigate(link), chromedp.WaitVisible("table.grid"))
	page := text(t, jury, "main")
	for _, want := range []string{"Portfolio de Léa Moreau", "Documentation utilisateur", "Guide (1)", "Guide (2)", "Tableau généré le"} {
		if !strings.Contains(page, want) {
			t.Errorf("jury page lacks %q", want)
		}
	}
	forms, err := chromedp.Run(jury, chromedp.Evaluate[int](`document.querySelectorAll('form').length`))
	if err != nil || forms != 0 {
		t.Errorf("%d forms on the jury page", forms)
	}
	// The thumbnails load after the page is visible: wait for them (up to
	// 10 s) before saying they do not.
	var loaded bool
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		loaded, err = chromedp.Run(jury, chromedp.Evaluate[bool](`[...document.images].filter(i => i.classList.contains('thumb')).every(i => i.complete && i.naturalWidth > 0)`))
		if err != nil || loaded || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || !loaded {
		t.Errorf("the image does not load for the jury: %v", err)
	}
	screenshot(t, jury, "32-jury")
	pc.check(jury, "32-jury")
	if marks := tableauMarks(t, jury, "Documentation utilisateur"); strings.Join(marks, ",") != "Documents de production,A4.1.10" {
		t.Errorf("jury tableau marks %v", marks)
	}
}

// focused describes the element that has the keyboard focus.
func focused(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const e = document.activeElement; return e ? (e.id || e.getAttribute('href') || e.textContent.trim()) : ''; })()`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tabTo presses Tab until the focus is on the element described by want
// (id, href or text), at most limit times.
func tabTo(t *testing.T, ctx context.Context, want string, limit int) {
	t.Helper()
	for i := 0; i <= limit; i++ {
		if focused(t, ctx) == want {
			return
		}
		if i < limit {
			do(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
		}
	}
	t.Fatalf("%q not reached with %d tabs (focus on %q)", want, limit, focused(t, ctx))
}

// TestBrowserKeyboardOnly: log in, open the form, fill a réalisation,
// tick an activity and a competence and save it, with the keyboard alone.
func TestBrowserKeyboardOnly(t *testing.T) {
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	ctx := newTab(t)
	do(t, ctx, "login page", chromedp.Navigate(app.server.URL+"/login"), chromedp.WaitVisible(byID("email")))
	if f := focused(t, ctx); f != "email" {
		t.Fatalf("the login page opens with the focus on %q, not the e-mail", f)
	}
	res, err := chromedp.RunResponse(ctx, chromedp.KeyEvent("slam@demo.local"+kb.Tab+demo.Password+kb.Enter))
	if err != nil || res.Status != 200 {
		t.Fatalf("keyboard login: %v %v", res, err)
	}
	// The first Tab reaches the skip link, which moves to the content.
	do(t, ctx, "first tab", chromedp.KeyEvent(kb.Tab))
	if f := focused(t, ctx); f != "#main" {
		t.Fatalf("first Tab on %q, want the skip link", f)
	}
	tabTo(t, ctx, "/realisations/new", 15)
	res, err = chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter))
	if err != nil || res.Status != 200 {
		t.Fatalf("open the form: %v %v", res, err)
	}
	do(t, ctx, "title", chromedp.WaitVisible(byID("title")), chromedp.Focus(byID("title")), chromedp.KeyEvent("Au clavier seulement"))
	tabTo(t, ctx, "cadre", 5)
	do(t, ctx, "cadre", chromedp.KeyEvent(kb.ArrowDown))
	tabTo(t, ctx, "type-T1", 3)
	do(t, ctx, "type", chromedp.KeyEvent(" "))
	tabTo(t, ctx, "start", 6)
	do(t, ctx, "start month", chromedp.KeyEvent("10"+kb.ArrowRight+"2026"))
	tabTo(t, ctx, "end", 3)
	do(t, ctx, "end month", chromedp.KeyEvent("11"+kb.ArrowRight+"2026"))
	tabTo(t, ctx, "modalite-seul", 6)
	do(t, ctx, "modalité", chromedp.KeyEvent(" "))
	tabTo(t, ctx, "act-A1.1.1", 40)
	do(t, ctx, "activity", chromedp.KeyEvent(" "))
	tabTo(t, ctx, "comp-C1.1.1.1", 4) // revealed once the activity is ticked
	do(t, ctx, "competence", chromedp.KeyEvent(" "))
	do(t, ctx, "to the button", chromedp.Focus(chromedp.CSS("form.realisation .actions button[type=submit]")))
	res, err = chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter))
	if err != nil || res.Status != 200 {
		errs, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('p.error')].map(e => e.id + ': ' + e.textContent).join(' | ')`))
		t.Fatalf("save: status %d, %v; errors: %s", res.Status, err, errs)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "Réalisation enregistrée") || !strings.Contains(got, "C1.1.1.1") {
		t.Fatalf("after saving: %.400q", got)
	}
}

// TestBrowserPhoneWidth: on a phone (390 px), no page scrolls sideways as a
// whole; wide tables and grids scroll inside their own box.
func TestBrowserPhoneWidth(t *testing.T) {
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	base := app.server.URL
	var classID, studentID int64
	if err := app.store.DB.QueryRow(`SELECT id FROM classes WHERE name = 'SIO2 SLAM'`).Scan(&classID); err != nil {
		t.Fatal(err)
	}
	if err := app.store.DB.QueryRow(`SELECT id FROM users WHERE email = 'slam@demo.local'`).Scan(&studentID); err != nil {
		t.Fatal(err)
	}
	// A jury link: its long address is on /partage and, as the « URL du
	// portfolio », on the tableau (issue 13, point 11).
	if _, err := app.store.CreateJuryLink(context.Background(), studentID, "Jury E4 — session de juin", ""); err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct {
		email string
		pages []string
	}{
		{"slam@demo.local", []string{"/realisations", "/realisations/new", "/tableau", "/partage", "/compte"}},
		{"prof@demo.local", []string{"/", fmt.Sprintf("/classes/%d", classID), fmt.Sprintf("/students/%d", studentID), fmt.Sprintf("/students/%d/tableau", studentID)}},
		{"admin@demo.local", []string{"/admin/classes", fmt.Sprintf("/admin/classes/%d", classID), "/admin/users", "/admin/audit", "/admin/textes-session"}},
	} {
		ctx := newTab(t)
		do(t, ctx, "phone size", chromedp.EmulateViewport(390, 800))
		login(t, ctx, base, who.email)
		for _, p := range who.pages {
			do(t, ctx, "open "+p, chromedp.Navigate(base+p), chromedp.WaitVisible(byID("main")))
			screenshot(t, ctx, "40-phone"+strings.ReplaceAll(p, "/", "-"))
			width, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if width > 390 {
				t.Errorf("%s as %s: the page is %d px wide on a 390 px screen", p, who.email, width)
			}
			// No word of the page is cut letter by letter: every text
			// line of a table cell or a field value holds more than one
			// character (a long address breaks where it can).
			narrow, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main td, main dd, main th, main code')].filter(el => {
				const text = el.textContent.trim();
				if (text.length <= 12 || el.matches('.rot, .rot *') || getComputedStyle(el).writingMode !== 'horizontal-tb') return false;
				const range = document.createRange();
				range.selectNodeContents(el);
				const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
				return lines > 0 && text.length / lines < 6;
			}).map(el => el.textContent.trim().slice(0, 40))`))
			if err != nil {
				t.Fatal(err)
			}
			if len(narrow) > 0 {
				t.Errorf("%s as %s: cells squeezed to a few letters a line: %q", p, who.email, narrow)
			}
			if p == "/" && who.email == "prof@demo.local" {
				right, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => {
					const th = [...document.querySelectorAll('main th')].find(th => th.textContent.includes('À relire'));
					return th ? th.getBoundingClientRect().right : -1;
				})()`))
				if err != nil || right < 0 || right > 390 {
					t.Errorf("« À relire » of « Mes classes » is not in view on a phone (right edge %v px, %v)", right, err)
				}
			}
		}
	}
}

// noRaceExitSleep spares the document jobs this test binary starts the
// race detector's one-second sleep at exit (GORACE atexit_sleep_ms), unless
// GORACE is set already.
func noRaceExitSleep() {
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
}
