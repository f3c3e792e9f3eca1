package server

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portfolio-sio/portfolio/internal/demo"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/testdoc"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

// fillStage fills the stage form in the browser.
func fillStage(t *testing.T, ctx context.Context, base, year, org, start, end string) {
	t.Helper()
	do(t, ctx, "stage form "+org,
		chromedp.Navigate(base+"/stages"),
		chromedp.WaitVisible(byID("new-stage")),
		chromedp.Click(byID("new-stage")),
		chromedp.WaitVisible(byID("organisation")),
		chromedp.SetValue(byID("year"), year),
		chromedp.SetValue(byID("start"), start),
		chromedp.SetValue(byID("end"), end),
		chromedp.SendKeys(byID("organisation"), org),
		chromedp.SendKeys(byID("address"), "12 avenue des Réseaux, 69003 Lyon"),
		chromedp.SendKeys(byID("siret"), "732 829 320 00074"),
		chromedp.SendKeys(byID("service"), "Direction des systèmes d’information"),
		chromedp.SendKeys(byID("tutor_name"), "Jeanne Martin"),
		chromedp.SendKeys(byID("tutor_function"), "Responsable d’exploitation"),
		chromedp.SendKeys(byID("tutor_email"), "jeanne.martin@example.fr"),
		chromedp.SendKeys(byID("missions"), "Déploiement de postes\nSupervision du réseau"),
	)
}

// logStageRealisation logs a 2019 réalisation done in the stage whose
// option label contains org.
func logStageRealisation(t *testing.T, ctx context.Context, base, title, org, start, end string) {
	t.Helper()
	do(t, ctx, "réalisation "+title,
		chromedp.Navigate(base+"/realisations/new"),
		chromedp.WaitVisible(byID("stage")),
		chromedp.SendKeys(byID("title"), title),
		chromedp.SendKeys(byID("description"), "Installation et supervision pendant le stage."),
		chromedp.SetValue(byID("cadre"), "formation"), // the stage decides
		chromedp.SetValue(byID("start"), start),
		chromedp.SetValue(byID("end"), end),
		chromedp.Click(byID("modalite-seul")),
		chromedp.Click(byID("act-B1.2")),
		chromedp.SendKeys(byID("how-B1.2"), "Tickets traités avec le tuteur."),
	)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById('stage');
		s.value = [...s.options].find(o => o.textContent.includes(`+jsString(org)+`)).value; return true })()`)); err != nil {
		t.Fatal(err)
	}
	if st := submit(t, ctx, "form.realisation .actions button[type=submit]"); st != 200 {
		t.Fatalf("save réalisation: %d", st)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, title) || !strings.Contains(got, "Réalisation enregistrée") {
		t.Fatalf("after saving %q: %.300s", title, got)
	}
}

// TestBrowserStagesJourney: a student records a 5-week stage in year 1 and
// a 6-week one in year 2, logs a réalisation in each, uploads an
// attestation; the teacher rejects it with a reason, and accepts it after
// a new upload; the class page shows the state; the dossier ZIP holds the
// expected files, each PDF read for its text.
func TestBrowserStagesJourney(t *testing.T) {
	pc := newPageChecks(t)
	app := newTestApp(t)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, now); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed2019(context.Background(), app.store, refs["sio-2019"], app.hasher, now); err != nil {
		t.Fatal(err)
	}
	ines, err := app.store.UserByEmail(context.Background(), "sisr2019@demo.local")
	if err != nil {
		t.Fatal(err)
	}
	// The demo gives her two stages already: start from none.
	if _, err := app.store.DB.Exec(`DELETE FROM stages WHERE student_id = ?`, ines.ID); err != nil {
		t.Fatal(err)
	}
	classes, err := app.store.StudentClasses(context.Background(), ines.ID)
	if err != nil || len(classes) == 0 {
		t.Fatalf("the demo 2019 student has no class: %v", err)
	}
	base := app.server.URL
	dir := t.TempDir()
	scan1, scan2 := filepath.Join(dir, "attestation-mairie.pdf"), filepath.Join(dir, "attestation-mairie-tamponnee.pdf")
	os.WriteFile(scan1, attestationPDF(t, "Scan sans cachet"), 0o644)
	os.WriteFile(scan2, attestationPDF(t, "Scan avec le cachet de la mairie"), 0o644)

	student := newTab(t)
	login(t, student, base, "sisr2019@demo.local")
	fillStage(t, student, base, "1", "Mairie de Lyon", "2026-05-25", "2026-06-26")
	screenshot(t, student, "40-stage-form")
	pc.check(student, "40-stage-form")
	if st := submit(t, student, byID("save-stage")); st != 200 {
		t.Fatalf("save stage 1: %d", st)
	}
	stage1 := location(t, student)
	if got := text(t, student, "#stage-facts"); !strings.Contains(got, "5 semaines, 24 jours de présence") {
		t.Fatalf("stage 1 facts: %q", got)
	}
	fillStage(t, student, base, "2", "Réseaux & Cie", "2027-01-04", "2027-02-12")
	if st := submit(t, student, byID("save-stage")); st != 200 {
		t.Fatalf("save stage 2: %d", st)
	}
	do(t, student, "stages", chromedp.Navigate(base+"/stages"), chromedp.WaitVisible(byID("stage-check")))
	if got := text(t, student, "#stage-check"); !strings.Contains(got, "Conforme") {
		t.Fatalf("durations: %q", got)
	}
	screenshot(t, student, "41-stages")
	pc.check(student, "41-stages")

	logStageRealisation(t, student, base, "Déploiement des postes de la mairie", "Mairie de Lyon", "2026-06-01", "2026-06-12")
	real1 := location(t, student)
	logStageRealisation(t, student, base, "Supervision du réseau de Réseaux & Cie", "Réseaux & Cie", "2027-01-11", "2027-01-22")
	for _, r := range []string{real1, location(t, student)} {
		var id int64
		fmt.Sscanf(r[strings.LastIndex(r, "/")+1:], "%d", &id)
		prof, _ := app.store.UserByEmail(context.Background(), "prof@demo.local")
		app.validate(ines.ID, id, prof.ID)
	}

	// First a photo too large to open (a 622 KB PNG that decodes to
	// 640 MB): refused next to the field, in French, nothing stored.
	huge := filepath.Join(dir, "photo-attestation.png")
	os.WriteFile(huge, testdoc.HugePNG(), 0o644)
	do(t, student, "upload a hostile image", chromedp.Navigate(stage1), chromedp.WaitVisible(byID("attestation-file")),
		chromedp.SetUploadFiles(byID("attestation-file"), []string{huge}))
	if st := submit(t, student, byID("upload-attestation")); st != http.StatusUnprocessableEntity {
		t.Fatalf("hostile upload: %d", st)
	}
	if got := text(t, student, "#err-upload"); !strings.Contains(got, "«\u00a0photo-attestation.png\u00a0» ne peut pas être déposé : l'image de 10000 × 8000 pixels occuperait 610 Mo") {
		t.Fatalf("refusal: %q", got)
	}
	screenshot(t, student, "42-attestation-refused")
	pc.check(student, "42-attestation-refused")

	do(t, student, "upload the attestation", chromedp.Navigate(stage1), chromedp.WaitVisible(byID("attestation-file")),
		chromedp.SetUploadFiles(byID("attestation-file"), []string{scan1}))
	if st := submit(t, student, byID("upload-attestation")); st != 200 {
		t.Fatalf("upload: %d", st)
	}
	if got := text(t, student, "#attestation-state"); got != "En attente de vérification" {
		t.Fatalf("after upload: %q", got)
	}
	screenshot(t, student, "42-stage-page")
	pc.check(student, "42-stage-page")

	teacher := newTab(t)
	login(t, teacher, base, "prof@demo.local")
	staffStage := fmt.Sprintf("%s/students/%d/stages/%s", base, ines.ID, stage1[strings.LastIndex(stage1, "/")+1:])
	do(t, teacher, "reject", chromedp.Navigate(staffStage), chromedp.WaitVisible(`button[value=reject]`),
		chromedp.SendKeys(`input[name=reason]`, "Le cachet de la mairie manque."))
	if st := submit(t, teacher, `button[value=reject]`); st != 200 {
		t.Fatalf("reject: %d", st)
	}
	screenshot(t, teacher, "43-attestation-rejected")
	pc.check(teacher, "43-attestation-rejected")

	do(t, student, "see the reason", chromedp.Navigate(stage1), chromedp.WaitVisible(byID("attestation-file")))
	if got := text(t, student, "#attestations"); !strings.Contains(got, "Raison du refus : Le cachet de la mairie manque.") {
		t.Fatalf("the student does not see the reason: %q", got)
	}
	do(t, student, "upload again", chromedp.SetUploadFiles(byID("attestation-file"), []string{scan2}))
	if st := submit(t, student, byID("upload-attestation")); st != 200 {
		t.Fatalf("upload again: %d", st)
	}
	do(t, teacher, "accept", chromedp.Navigate(staffStage), chromedp.WaitVisible(`button[value=accept]`))
	if st := submit(t, teacher, `#attestation-list li:first-child button[value=accept]`); st != 200 {
		t.Fatalf("accept: %d", st)
	}
	if got := text(t, teacher, "#attestation-state"); got != "Acceptée" {
		t.Fatalf("after accepting: %q", got)
	}

	// The class page: stage 1 accepted, stage 2 without attestation.
	do(t, teacher, "class stages", chromedp.Navigate(fmt.Sprintf("%s/classes/%d/stages", base, classes[0].ID)), chromedp.WaitVisible(byID("class-stages")))
	row := text(t, teacher, "#class-stages tbody")
	for _, want := range []string{"GARCIA Inès", "Mairie de Lyon", "attestation de stage : Acceptée", "Réseaux & Cie", "attestation de stage : Non déposée", "Conformes"} {
		if !strings.Contains(row, want) {
			t.Errorf("class stages row lacks %q: %q", want, row)
		}
	}
	do(t, teacher, "filter", chromedp.SetValue(byID("filtre"), "attestation"))
	if st := submit(t, teacher, "form.filters button[type=submit]"); st != 200 {
		t.Fatalf("filter: %d", st)
	}
	if got := text(t, teacher, "main"); !strings.Contains(got, "GARCIA Inès") {
		t.Errorf("the filter « attestation manquante » leaves out the student who lacks one: %.400s", got)
	}
	screenshot(t, teacher, "44-class-stages")
	pc.check(teacher, "44-class-stages")

	// The dossier, downloaded by the student.
	do(t, student, "stages page", chromedp.Navigate(base+"/stages"), chromedp.WaitVisible(byID("dossier-zip")))
	data := downloadPDF(t, student, byID("dossier-zip"))
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the dossier is not a ZIP: %v", err)
	}
	texts := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if strings.HasSuffix(f.Name, ".pdf") {
			texts[f.Name] = pdfText(t, b)
		} else {
			texts[f.Name] = ""
		}
	}
	want := map[string][]string{
		"GARCIA_Ines_dossier/GARCIA_Ines_1_tableau_de_synthese.pdf":                 {"Tableau de synthèse", "Déploiement des postes de la mairie", "Supervision du réseau"},
		"GARCIA_Ines_dossier/GARCIA_Ines_1_tableau_de_synthese.xlsx":                nil,
		"GARCIA_Ines_dossier/GARCIA_Ines_2_fiche_1.pdf":                             {"DESCRIPTION D’UNE RÉALISATION PROFESSIONNELLE", "Segmentation du réseau de la mairie en VLAN"},
		"GARCIA_Ines_dossier/GARCIA_Ines_2_fiche_2.pdf":                             {"DESCRIPTION D’UNE RÉALISATION PROFESSIONNELLE", "Supervision et sauvegarde des serveurs"},
		"GARCIA_Ines_dossier/GARCIA_Ines_3_attestation_stage_1A_Mairie-de-Lyon.pdf": {"Scan avec le cachet de la mairie"},
		"GARCIA_Ines_dossier/GARCIA_Ines_4_synthese_portfolio.pdf":                  {"Synthèse du portfolio", "Déploiement des postes de la mairie", "Tickets traités avec le tuteur."},
	}
	for name, words := range want {
		got, ok := texts[name]
		if !ok {
			t.Errorf("the dossier lacks %s (has %v)", name, mapKeys(texts))
			continue
		}
		for _, w := range words {
			if !strings.Contains(strings.Join(strings.Fields(got), " "), w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}
	if len(texts) != len(want) {
		t.Errorf("the dossier holds %v, want exactly %d files (the first attestation, refused, must not be in)", mapKeys(texts), len(want))
	}
}

func mapKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
