package server

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/xuri/excelize/v2"

	"github.com/portfolio-sio/portfolio/internal/demo"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// gridMarks returns the competences under which the 2019 tableau row
// titled title has an X.
func gridMarks(t *testing.T, ctx context.Context, title string) []string {
	t.Helper()
	js := `(() => {
		const heads = [...document.querySelectorAll('table.grid thead th.competence strong')].map(s => s.textContent.trim());
		const row = [...document.querySelectorAll('table.grid tbody tr')].find(tr => {
			const th = tr.querySelector('th.title');
			return th && th.textContent.includes(` + jsString(title) + `);
		});
		if (!row) return null;
		return [...row.querySelectorAll('td.mark')].map((td, i) => td.textContent.trim() === 'X' ? heads[i] : '').filter(Boolean);
	})()`
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		t.Fatalf("read tableau marks: %v", err)
	}
	return marks
}

// TestBrowser2019Journey: an admin creates a class on the 2019
// référentiel (proposed first), enrols a student and a teacher; the
// student logs a réalisation ticking B1.2 and two items of B1.1, marks it
// as fiche n° 1 and submits it; the teacher validates it; the student's
// tableau page, PDF, CSV and XLSX show the 2019 layout with X under
// « Gérer le patrimoine informatique » and « Répondre aux incidents… »,
// and the fiche descriptive PDF has the student's data in its fields.
func TestBrowser2019Journey(t *testing.T) {
	pc := newPageChecks(t)
	app := newTestApp(t)
	ctx0 := context.Background()
	if _, err := demo.Seed(ctx0, app.store, app.ref, app.hasher, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	hash, err := app.hasher.Hash(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.store.CreateUser(ctx0, portfolio.User{Email: "ines@example.org", FirstName: "Inès", LastName: "Garcia",
		Role: portfolio.RoleStudent, PasswordHash: hash, Parcours: "SISR", SessionYear: 2027, CandidateNumber: "02345678903",
		Centre: "Lycée Jean Jaurès"}); err != nil {
		t.Fatal(err)
	}
	base := app.server.URL
	admin, student, teacher := newTab(t), newTab(t), newTab(t)

	login(t, admin, base, "admin@demo.local")
	do(t, admin, "class form", chromedp.Navigate(base+"/admin/classes"), chromedp.WaitVisible(byID("referentiel")))
	if v, err := chromedp.Run(admin, chromedp.Value(byID("referentiel"))); err != nil || v != "sio-2019" {
		t.Fatalf("the class form proposes %q first, want sio-2019 (%v)", v, err)
	}
	do(t, admin, "create the class",
		chromedp.SendKeys(byID("name"), "SIO2 SISR — promotion 2027"),
		chromedp.SetValue(byID("parcours"), "SISR"),
		chromedp.SetValue(byID("exam_form"), "ccf"),
	)
	screenshot(t, admin, "2019-01-class-form")
	pc.check(admin, "2019-01-class-form")
	if st := submit(t, admin, "form.panel button[type=submit]"); st != 200 {
		t.Fatalf("create class: %d", st)
	}
	classPage := location(t, admin)
	do(t, admin, "find the student", chromedp.SendKeys(byID("q"), "ines"))
	if st := submit(t, admin, `form[role=search] button[type=submit]`); st != 200 {
		t.Fatalf("search: %d", st)
	}
	if st := submit(t, admin, `button[aria-label="Inscrire Inès Garcia"]`); st != 200 {
		t.Fatalf("enrol: %d", st)
	}
	do(t, admin, "assign the teacher", chromedp.Navigate(classPage), chromedp.WaitVisible(byID("teacher_id")))
	if _, err := chromedp.Run(admin, chromedp.Evaluate[bool](`(() => { const s = document.getElementById('teacher_id'); s.value = [...s.options].find(o => o.textContent.includes('prof@demo.local')).value; return true })()`)); err != nil {
		t.Fatal(err)
	}
	if st := submit(t, admin, `form[action$="/teachers"] button[type=submit]`); st != 200 {
		t.Fatalf("assign: %d", st)
	}
	// The circulaire of session 2027 is out: the admin enters its annex
	// number, with the keyboard, from the classes page.
	do(t, admin, "classes", chromedp.Navigate(base+"/admin/classes"), chromedp.WaitVisible(byID("session-texts-link")))
	if st := submit(t, admin, "#session-texts-link"); st != 200 {
		t.Fatalf("session texts: %d", st)
	}
	if got := text(t, admin, "h1"); got != "Textes de la session 2027" {
		t.Fatalf("session texts page: %q", got)
	}
	do(t, admin, "focus the annex", chromedp.Focus(byID("pick-session-go")))
	tabTo(t, admin, "text-fiche_annexe", 2)
	do(t, admin, "type the annex", chromedp.KeyEvent("8-2"))
	screenshot(t, admin, "2019-01b-session-texts")
	pc.check(admin, "2019-01b-session-texts")
	res, err := chromedp.RunResponse(admin, chromedp.KeyEvent(kb.Enter))
	if err != nil || res.Status != 200 {
		t.Fatalf("save the session texts: %v %v", res, err)
	}
	if got := text(t, admin, ".flash"); !strings.Contains(got, "Textes de la session 2027 enregistrés (1 changement(s)).") {
		t.Fatalf("after saving: %q", got)
	}

	login(t, student, base, "ines@example.org")
	title := "Gestion du parc avec GLPI"
	do(t, student, "fill the 2019 form",
		chromedp.Navigate(base+"/realisations/new"),
		chromedp.WaitVisible(byID("title")),
		chromedp.SendKeys(byID("title"), title),
		chromedp.SendKeys(byID("description"), "Inventaire du parc et traitement des tickets."),
		chromedp.SetValue(byID("cadre"), "formation"),
		chromedp.SetValue(byID("start"), "2026-09-15"),
		chromedp.SetValue(byID("end"), "2026-10-20"),
		chromedp.Click(byID("modalite-seul")),
		chromedp.Click(byID("act-B1.2")),
		chromedp.Click(byID("act-B1.1")),
		chromedp.Click(byID("comp-B1.1.1")),
		chromedp.Click(byID("comp-B1.1.2")),
		chromedp.SendKeys(byID("how-B1.2"), "Tickets de niveau 1 traités pendant les ateliers."),
		chromedp.SetValue(byID("fiche-number"), "1"),
		chromedp.SendKeys(byID("organisation"), "Lycée Jean Jaurès, service informatique"),
		chromedp.SendKeys(byID("lieu"), "Laboratoire B12"),
		chromedp.SendKeys(byID("conditions"), "Un serveur GLPI et dix postes fournis"),
		chromedp.SendKeys(byID("ressources"), "GLPI 10, agent d’inventaire"),
		chromedp.SendKeys(byID("acces"), "Wiki du laboratoire"),
	)
	screenshot(t, student, "2019-02-form")
	pc.check(student, "2019-02-form")
	if st := submit(t, student, "form.realisation .actions button[type=submit]"); st != 200 {
		t.Fatalf("save: %d", st)
	}
	if got := text(t, student, "main"); !strings.Contains(got, "2 compétences, 2 savoir-faire") || !strings.Contains(got, "15/09/26 – 20/10/26") {
		t.Fatalf("detail page: %q", got)
	}
	detail := location(t, student)
	screenshot(t, student, "2019-03-detail")
	pc.check(student, "2019-03-detail")
	if st := submit(t, student, "#submit-realisation"); st != 200 {
		t.Fatalf("submit: %d", st)
	}

	login(t, teacher, base, "prof@demo.local")
	do(t, teacher, "open the queue", chromedp.Navigate(base+"/"), chromedp.WaitVisible("main"))
	classHref, err := chromedp.Run(teacher, chromedp.Evaluate[string](`[...document.querySelectorAll('a[href^="/classes/"]')].find(a => a.textContent === 'SIO2 SISR — promotion 2027').getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	do(t, teacher, "class", chromedp.Navigate(base+classHref), chromedp.WaitVisible("table.queue"))
	qhref, err := chromedp.Run(teacher, chromedp.Evaluate[string](`[...document.querySelectorAll('table.queue a')].find(a => a.textContent === `+jsString(title)+`).getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	do(t, teacher, "validate", chromedp.Navigate(base+qhref), chromedp.WaitVisible(byID("validate")))
	if st := submit(t, teacher, "#validate"); st != 200 {
		t.Fatalf("validate: %d", st)
	}
	do(t, teacher, "heat map", chromedp.Navigate(base+classHref), chromedp.WaitVisible("#heatmap"))
	if got := heatCell(t, teacher, "Garcia", "B1.1"); got != "B1.1 : validée" {
		t.Fatalf("heat map: %q", got)
	}
	screenshot(t, teacher, "2019-04-heatmap")
	pc.check(teacher, "2019-04-heatmap")

	do(t, student, "tableau", chromedp.Navigate(base+"/tableau"), chromedp.WaitVisible("table.grid"))
	want := "Gérer le patrimoine informatique,Répondre aux incidents et aux demandes d’assistance et d’évolution"
	if marks := gridMarks(t, student, title); strings.Join(marks, ",") != want {
		t.Fatalf("tableau marks %v", marks)
	}
	if got := text(t, student, "#missing"); !strings.Contains(got, "Travailler en mode projet") || strings.Contains(got, "Gérer le patrimoine") {
		t.Errorf("missing competences: %q", got)
	}
	// The diagonal of the corner cell is drawn (the sticky headers' white
	// background once hid it).
	if bg, err := chromedp.Run(student, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('table.grid th.corner')).backgroundImage`)); err != nil || !strings.Contains(bg, "linear-gradient") {
		t.Errorf("the corner's diagonal: %q %v", bg, err)
	}
	screenshot(t, student, "2019-05-tableau")
	pc.check(student, "2019-05-tableau")

	pdf := downloadPDF(t, student, "#download-pdf")
	if text := strings.Join(strings.Fields(pdfText(t, pdf)), " "); !strings.Contains(text, title) ||
		!strings.Contains(text, "GARCIA Inès") || !strings.Contains(text, "Réalisation en cours de formation") {
		t.Fatalf("tableau PDF text: %.600s", text)
	}
	keep(t, "tableau-2019.pdf", pdf)
	xlsx := downloadPDF(t, student, "#download-xlsx")
	keep(t, "tableau-2019.xlsx", xlsx)
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatalf("XLSX: %v", err)
	}
	cells, _ := f.GetRows(f.GetSheetName(0))
	found := false
	for _, r := range cells {
		if len(r) > 0 && strings.Contains(strings.Join(r, "|"), title) {
			found = strings.Count(strings.Join(r, "|"), "X") == 2
		}
	}
	if !found {
		t.Errorf("XLSX row of the réalisation with two X not found: %q", cells)
	}
	if lo := libreOfficeText(t, xlsx); !strings.Contains(lo, title) || !strings.Contains(lo, "Gérer le patrimoine informatique") {
		t.Errorf("LibreOffice's rendering of the XLSX lacks the réalisation: %.600s", lo)
	}
	csv := downloadPDF(t, student, `a[href="/tableau.csv"]`)
	if !strings.Contains(string(csv), title) || !strings.Contains(string(csv), "Gérer le patrimoine informatique") {
		t.Errorf("CSV: %.400s", csv)
	}

	fiche := downloadPDF(t, student, "a.fiche-link")
	keep(t, "fiche-2019.pdf", fiche)
	ft := strings.Join(strings.Fields(pdfText(t, fiche)), " ")
	for _, s := range []string{"Lycée Jean Jaurès, service informatique", "Laboratoire B12", title, "Un serveur GLPI et dix postes fournis",
		"GLPI 10, agent d’inventaire", "Wiki du laboratoire", "GARCIA Inès", "02345678903", "15/09/26 au 20/10/26", "E6",
		"ANNEXE 8-2-A : Fiche descriptive de réalisation professionnelle (recto)", "Contrôle en cours de formation ☒", "Épreuve ponctuelle ☐"} {
		if !strings.Contains(ft, s) {
			t.Errorf("fiche PDF lacks %q", s)
		}
	}
	_ = detail
}

// keep saves a downloaded file into $PORTFOLIO_SCREENSHOTS, when set, for
// a person to look at.
func keep(t *testing.T, name string, b []byte) {
	if dir := os.Getenv("PORTFOLIO_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Error(err)
		}
	}
}

// libreOfficeText converts a spreadsheet to PDF with LibreOffice headless,
// as a candidate's spreadsheet would open it, and returns the PDF's text.
func libreOfficeText(t *testing.T, xlsx []byte) string {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Fatal("LibreOffice is needed to check the XLSX (Debian libreoffice-calc-nogui; make test-deps installs it)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "tableau.xlsx")
	if err := os.WriteFile(in, xlsx, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "tableau.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "tableau-2019-libreoffice.pdf", pdf)
	return strings.Join(strings.Fields(pdfText(t, pdf)), " ")
}
