package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Every page the browser tests visit is checked twice: axe-core, injected
// into the page, must find no serious or critical accessibility violation;
// the Nu HTML checker (vnu-jar, run with Java) must find no error. The
// tools are installed by "make test-deps" under testdata/a11y.

const a11yDir = "testdata/a11y/node_modules"

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join(a11yDir, "axe-core", "axe.min.js"))
	return string(b), err
})

// pageChecks collects the HTML of the pages a test visits, for vnu.
type pageChecks struct {
	t     *testing.T
	dir   string
	pages []string
}

func newPageChecks(t *testing.T) *pageChecks {
	pc := &pageChecks{t: t, dir: t.TempDir()}
	t.Cleanup(pc.validateHTML)
	return pc
}

// check runs axe on the current page and keeps its HTML for vnu.
func (pc *pageChecks) check(ctx context.Context, name string) {
	t := pc.t
	t.Helper()
	axe, err := axeSource()
	if err != nil {
		t.Fatalf("axe-core missing (run make test-deps): %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+";true")); err != nil {
		t.Fatalf("inject axe: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html)}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	var violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	for _, v := range violations {
		t.Errorf("%s: accessibility %s (%s): %s — %s", name, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, " | "))
	}
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.dataset.axeChecked = '';
		'<!DOCTYPE html>\n' + document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(pc.dir, fmt.Sprintf("%02d-%s.html", len(pc.pages), name))
	if err := os.WriteFile(path, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	pc.pages = append(pc.pages, path)
}

// validateHTML runs the Nu HTML checker on every page collected.
func (pc *pageChecks) validateHTML() {
	if len(pc.pages) == 0 {
		return
	}
	jar := filepath.Join(a11yDir, "vnu-jar", "build", "dist", "vnu.jar")
	args := append([]string{"-jar", jar, "--errors-only", "--format", "gnu"}, pc.pages...)
	out, err := exec.Command("java", args...).CombinedOutput()
	if err != nil {
		pc.t.Errorf("HTML errors (Nu HTML checker):\n%s", strings.ReplaceAll(string(out), pc.dir+"/", ""))
	}
}
