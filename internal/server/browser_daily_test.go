package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/portfolio-sio/portfolio/internal/demo"
)

// TestBrowserFormGuards (issue 13, point 4): Enter in « Intitulé » does
// not send the half-filled form; leaving it with unsaved input asks
// first (the student can stay, nothing lost); after saving, leaving asks
// nothing.
func TestBrowserFormGuards(t *testing.T) {
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	base := app.server.URL
	ctx := newTab(t)
	login(t, ctx, base, "slam@demo.local")
	do(t, ctx, "type a title and press Enter",
		chromedp.Navigate(base+"/realisations/new"),
		chromedp.WaitVisible(byID("title")),
		chromedp.SendKeys(byID("title"), "Supervision réseau"+kb.Enter),
		chromedp.Sleep(300*time.Millisecond),
	)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/realisations/new") {
		t.Fatalf("Enter sent the form: now at %s", loc)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#error-summary').length`)); err != nil || n != 0 {
		t.Fatalf("Enter sent the form: %d error summaries (%v)", n, err)
	}

	// Leaving asks; the student stays.
	dialogs := make(chan string, 4)
	evCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for ev, err := range chromedp.Events(evCtx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			dialogs <- string(ev.Type)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(location.href = '/realisations', true)`)); err != nil {
		t.Fatal(err)
	}
	select {
	case typ := <-dialogs:
		if typ != "beforeunload" {
			t.Fatalf("dialog %q", typ)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("leaving the form with unsaved input asked nothing")
	}
	time.Sleep(300 * time.Millisecond)
	kept, err := chromedp.Run(ctx, chromedp.Value(byID("title")))
	if err != nil || kept != "Supervision réseau" || !strings.HasSuffix(location(t, ctx), "/realisations/new") {
		t.Fatalf("after staying: title %q at %s (%v)", kept, location(t, ctx), err)
	}
	stop()
}

// TestBrowserProductionRows (issue 13, point 2): links are added and
// removed in the page, and the saved réalisation has exactly the rows left.
func TestBrowserProductionRows(t *testing.T) {
	pc := newPageChecks(t)
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	base := app.server.URL
	ctx := newTab(t)
	login(t, ctx, base, "slam@demo.local")
	do(t, ctx, "fill four links",
		chromedp.Navigate(base+"/realisations/new"),
		chromedp.WaitVisible(byID("title")),
		chromedp.SendKeys(byID("title"), "Quatre liens"),
		chromedp.SetValue(byID("cadre"), "formation"),
		chromedp.Click(byID("type-T1")),
		chromedp.SetValue(byID("start"), "2026-09"),
		chromedp.SetValue(byID("end"), "2026-10"),
		chromedp.Click(byID("modalite-seul")),
		chromedp.SendKeys(byID("production-title-0"), "Dépôt"),
		chromedp.SendKeys(byID("production-url-0"), "https://git.example.org/a"),
		chromedp.SendKeys(byID("production-title-1"), "Ébauche"),
		chromedp.SendKeys(byID("production-url-1"), "https://example.org/brouillon"),
		chromedp.SendKeys(byID("production-title-2"), "Wiki"),
		chromedp.SendKeys(byID("production-url-2"), "https://wiki.example.org/b"),
		chromedp.Click(byID("add-production")),
		chromedp.WaitVisible(byID("production-url-3")),
		chromedp.SendKeys(byID("production-title-3"), "Vidéo"),
		chromedp.SendKeys(byID("production-url-3"), "https://video.example.org/c"),
		chromedp.Click(chromedp.CSS(`button[aria-label="Retirer le lien 2"]`)),
	)
	// A file chosen on the new form is saved with it (issue 13, point 1).
	pdfPath := filepath.Join(t.TempDir(), "procedure.pdf")
	if err := os.WriteFile(pdfPath, samplePDF, 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "choose a file", chromedp.SetUploadFiles(byID("new-evidence-files"), []string{pdfPath}))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/realisations/new") {
		t.Fatalf("a row button sent the form: at %s", loc)
	}
	screenshot(t, ctx, "13-production-rows")
	pc.check(ctx, "13-production-rows")
	if st := submit(t, ctx, "form.realisation .actions button[type=submit]"); st != 200 {
		t.Fatalf("save: %d", st)
	}
	got := text(t, ctx, "main")
	for _, want := range []string{"Dépôt", "Wiki", "Vidéo"} {
		if !strings.Contains(got, want) {
			t.Errorf("saved réalisation lacks the link %q", want)
		}
	}
	if strings.Contains(got, "Ébauche") {
		t.Error("the removed link was saved")
	}
	if !strings.Contains(got, "avec 1 fichier.") || !strings.Contains(got, "procedure.pdf") {
		t.Errorf("the file chosen on the new form was not saved with it: %.300s", got)
	}
}

// tabsTo counts the Tab presses from the focused element to the element
// the CSS selector names (0 if never reached within max).
func tabsTo(t *testing.T, ctx context.Context, target string, max int) int {
	t.Helper()
	for i := 1; i <= max; i++ {
		do(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
		on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement && document.activeElement.matches(`+jsString(target)+`)`))
		if err != nil {
			t.Fatal(err)
		}
		if on {
			return i
		}
	}
	return 0
}

// TestBrowserKeyboardPath (issue 13, point 6): from « Intitulé », how many
// Tabs reach « Enregistrer » on the new form of a SLAM student.
func TestBrowserKeyboardPath(t *testing.T) {
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	base := app.server.URL
	ctx := newTab(t)
	login(t, ctx, base, "slam@demo.local")
	do(t, ctx, "open the form", chromedp.Navigate(base+"/realisations/new"), chromedp.WaitVisible(byID("title")), chromedp.Focus(byID("title")))
	save := "form.realisation .save-bar button[type=submit]"
	n := tabsTo(t, ctx, save, 300)
	t.Logf("Tabs from Intitulé to Enregistrer: %d (124 before issue 13)", n)
	// One stop per activity of the parcours (48 for SLAM) is what is left:
	// the 48 « Repères » summaries became one checkbox.
	if n == 0 || n > 80 {
		t.Errorf("%d Tabs from Intitulé to Enregistrer, want at most 80", n)
	}

	// The filter: « base de données » keeps A4.1.3 in view and few others;
	// from the filter, Enregistrer is a few Tabs away.
	do(t, ctx, "filter", chromedp.Focus(byID("unit-filter")), chromedp.SendKeys(byID("unit-filter"), "base de donnees"))
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.activities .activity:not(.filtered-out) input[name="activity"]')].map(i => i.value)`))
	if err != nil || len(shown) == 0 || len(shown) > 5 || !slices.Contains(shown, "A4.1.3") {
		t.Fatalf("« base de donnees » shows %v (%v)", shown, err)
	}
	// The stops left: the guidance checkbox, the two section summaries.
	if n := tabsTo(t, ctx, save, 50); n == 0 || n > len(shown)+4 {
		t.Errorf("%d Tabs from the filter to Enregistrer with %d units shown", n, len(shown))
	}
	do(t, ctx, "filter by code", chromedp.Focus(byID("unit-filter")), chromedp.KeyEvent(kb.Escape), chromedp.SendKeys(byID("unit-filter"), "A4.1"))
	shown, _ = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.activities .activity:not(.filtered-out) input[name="activity"]')].map(i => i.value)`))
	for _, code := range shown {
		if !strings.HasPrefix(code, "A4.1") {
			t.Errorf("« A4.1 » shows %s", code)
		}
	}
	if len(shown) < 9 {
		t.Errorf("« A4.1 » shows %v", shown)
	}

	// The save bar stays in view while scrolling through the activities.
	do(t, ctx, "clear the filter", chromedp.Focus(byID("unit-filter")), chromedp.KeyEvent(kb.Escape))
	if open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll('.activities details.section')[1].open`)); err != nil || open {
		t.Errorf("« Autres activités » stays open after the filter is cleared (%v)", err)
	}
	inView, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		document.getElementById('act-A4.1.3').scrollIntoView({block: 'center'});
		const r = document.querySelector(`+jsString(save)+`).getBoundingClientRect();
		return r.top >= 0 && r.bottom <= window.innerHeight;
	})()`))
	if err != nil || !inView {
		t.Errorf("Enregistrer is not in view in the middle of the activities (%v)", err)
	}
	screenshot(t, ctx, "14-save-bar")
	// One checkbox shows every unit's guidance.
	do(t, ctx, "show guidance", chromedp.Click(byID("show-guidance")))
	visible, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('.guidance')].filter(g => g.offsetParent !== null).length`))
	if err != nil || visible < 40 {
		t.Errorf("%d guidance blocks shown after ticking the checkbox (%v)", visible, err)
	}
}

// TestBrowserAccountPagesChecked: the pages issue 13 added or changed
// pass axe and the HTML checker: the account page with its password form
// (and its refusal), « mot de passe oublié », and a file's deletion page.
func TestBrowserAccountPagesChecked(t *testing.T) {
	pc := newPageChecks(t)
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	base := app.server.URL
	ctx := newTab(t)
	do(t, ctx, "forgot", chromedp.Navigate(base+"/mot-de-passe-oublie"), chromedp.WaitVisible(byID("main")))
	pc.check(ctx, "15-forgot")
	login(t, ctx, base, "slam@demo.local")
	do(t, ctx, "account", chromedp.Navigate(base+"/compte"), chromedp.WaitVisible(byID("current-password")),
		chromedp.SendKeys(byID("current-password"), "pas le bon"))
	pc.check(ctx, "16-account")
	if st := submit(t, ctx, "#change-password"); st != 422 {
		t.Fatalf("wrong current password: %d", st)
	}
	if got := text(t, ctx, "#err-current"); !strings.Contains(got, "Ce n'est pas votre mot de passe actuel") {
		t.Fatalf("message %q", got)
	}
	screenshot(t, ctx, "16-account-error")
	pc.check(ctx, "16-account-error")
	for _, w := range []int64{1366, 390} {
		do(t, ctx, "size", chromedp.EmulateViewport(w, 900), chromedp.Navigate(base+"/realisations/new"), chromedp.WaitVisible(byID("title")))
		screenshot(t, ctx, fmt.Sprintf("17-form-%d", w))
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
		if err != nil || width > w {
			t.Errorf("the form is %d px wide at %d px (%v)", width, w, err)
		}
	}
}

// TestBrowserStickyHeaders (issue 13, point 8): at 1366 px the heat map
// fits its box without sideways scrolling, and once the tableau's box is
// scrolled down and right, its column headers and its first column are
// still in view.
func TestBrowserStickyHeaders(t *testing.T) {
	app := newTestApp(t)
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var classID int64
	if err := app.store.DB.QueryRow(`SELECT id FROM classes WHERE name = 'SIO2 SLAM'`).Scan(&classID); err != nil {
		t.Fatal(err)
	}
	base := app.server.URL
	ctx := newTab(t)
	do(t, ctx, "laptop", chromedp.EmulateViewport(1366, 768))
	login(t, ctx, base, "prof@demo.local")
	do(t, ctx, "heat map", chromedp.Navigate(fmt.Sprintf("%s/classes/%d", base, classID)), chromedp.WaitVisible("#heatmap"))
	fit, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const w = document.querySelector('#heatmap').closest('.grid-wrap'); return [w.scrollWidth, w.clientWidth]; })()`))
	if err != nil || len(fit) != 2 || fit[0] > fit[1] {
		t.Errorf("the heat map and its box at 1366 px: %v px (%v)", fit, err)
	}
	screenshot(t, ctx, "18-heatmap-1366")

	ctx = newTab(t)
	login(t, ctx, base, "slam@demo.local")
	do(t, ctx, "tableau", chromedp.EmulateViewport(1366, 500), chromedp.Navigate(base+"/tableau"), chromedp.WaitVisible("table.grid"))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const w = document.querySelector('table.grid').closest('.grid-wrap');
		w.scrollTop = w.scrollHeight; w.scrollLeft = w.scrollWidth;
		const box = w.getBoundingClientRect();
		const head = document.querySelector('table.grid thead th.rot:last-child').getBoundingClientRect();
		const first = [...document.querySelectorAll('table.grid tbody th.intitule')].pop().getBoundingClientRect();
		return [w.scrollTop, w.scrollLeft, head.top - box.top, first.left - box.left];
	})()`))
	if err != nil || len(got) != 4 {
		t.Fatalf("measure: %v %v", got, err)
	}
	if got[0] == 0 {
		t.Fatal("the tableau's box does not scroll vertically: nothing proves the headers stay")
	}
	if got[2] < -1 || got[2] > 60 { // the second header row, under the first
		t.Errorf("after scrolling down %v px, the column headers are %v px below the box's top", got[0], got[2])
	}
	if got[1] > 0 && (got[3] < -1 || got[3] > 2) {
		t.Errorf("after scrolling right %v px, the first column is %v px from the box's left", got[1], got[3])
	}
	screenshot(t, ctx, "19-tableau-scrolled")
}
