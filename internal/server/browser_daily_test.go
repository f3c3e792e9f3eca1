package server

import (
	"context"
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
}
