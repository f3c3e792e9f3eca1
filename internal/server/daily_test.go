package server

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// Issue 13: daily use of the réalisation form.

// TestHowIsAMultiLineBox: « comment je l'ai exercée » takes 1,000
// characters: it is a box of several lines, and its line breaks are kept.
func TestHowIsAMultiLineBox(t *testing.T) {
	c := newClassroom(t)
	lea := c.app.login("lea@example.org")
	res := lea.get("/realisations/new")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, `<textarea id="how-A1.1.1" name="how.A1.1.1" rows="2" maxlength="1000"`)
	in := sampleInput("Deux lignes")
	in.How = map[string]string{"A1.1.1": "Première étape.\nSeconde étape."}
	res = lea.post("/realisations", formOf(in))
	wantStatus(t, res, http.StatusSeeOther)
	res = lea.get(res.header.Get("Location"))
	wantContains(t, res.body, `<p class="how">Première étape.`+"\n"+`Seconde étape.</p>`)
}

// TestPickerOffersWhatTheServerTakes: the file picker shows the student's
// .docx, .odt and .sql files, which the server accepts.
func TestPickerOffersWhatTheServerTakes(t *testing.T) {
	c := newClassroom(t)
	lea := c.app.login("lea@example.org")
	res := lea.post("/realisations", formOf(sampleInput("Avec preuves")))
	res = lea.get(res.header.Get("Location"))
	i := strings.Index(res.body, `id="evidence-files"`)
	if i < 0 {
		t.Fatal("no file field")
	}
	field := res.body[i : i+strings.Index(res.body[i:], ">")]
	wantContains(t, field, ".pdf", ".docx", ".odt", ".sql", ".png", ".zip")
}

// TestEvidenceDeletionAsksFirst: deleting a file goes through a page that
// says what will be deleted, as for a réalisation; only its POST deletes.
func TestEvidenceDeletionAsksFirst(t *testing.T) {
	c := newClassroom(t)
	lea := c.app.login("lea@example.org")
	real := lea.post("/realisations", formOf(sampleInput("Avec une capture"))).header.Get("Location")
	res := lea.uploadFiles(real+"/evidence", "Capture du tableau de bord", [2]any{"capture.png", samplePNG(t)})
	wantStatus(t, res, http.StatusSeeOther)
	page := lea.get(real).body
	i := strings.Index(page, `aria-label="Supprimer Capture du tableau de bord"`)
	if i < 0 {
		t.Fatal("no delete link")
	}
	link := page[strings.LastIndex(page[:i], `<a href="`)+len(`<a href="`):]
	link = link[:strings.Index(link, `"`)]
	res = lea.get(link)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Supprimer le fichier «\u00a0Capture du tableau de bord\u00a0» ?", "capture.png", `id="confirm-delete-evidence"`)
	wantContains(t, lea.get(real).body, "Capture du tableau de bord") // still there
	wantStatus(t, c.app.login("max@example.org").get(link), http.StatusNotFound)
	wantStatus(t, lea.post(link, nil), http.StatusSeeOther)
	wantNotContains(t, lea.get(real).body, "Capture du tableau de bord")
}

// TestProductionRowsWithoutScript: « Ajouter un lien » and « Retirer »
// work without JavaScript: the form comes back with one row more or less,
// everything typed kept, nothing saved.
func TestProductionRowsWithoutScript(t *testing.T) {
	c := newClassroom(t)
	lea := c.app.login("lea@example.org")
	res := lea.get("/realisations/new")
	if n := strings.Count(res.body, `name="production_url"`); n != 3 || !strings.Contains(res.body, `id="add-production"`) {
		t.Fatalf("new form: %d rows", n)
	}
	f := formOf(sampleInput("Trois liens"))
	f["production_title"] = []string{"Dépôt", "Wiki", "Vidéo"}
	f["production_url"] = []string{"https://git.example.org/a", "https://wiki.example.org/b", "https://video.example.org/c"}
	f.Set("add_production", "1")
	res = lea.post("/realisations", f)
	wantStatus(t, res, http.StatusOK)
	if n := strings.Count(res.body, `name="production_url"`); n != 4 {
		t.Errorf("after « Ajouter un lien »: %d rows, want 4", n)
	}
	wantContains(t, res.body, `value="Trois liens"`, `value="https://video.example.org/c"`, `id="production-url-3"`)
	wantNotContains(t, res.body, `id="error-summary"`)
	f.Del("add_production")
	f.Set("remove_production", "1")
	res = lea.post("/realisations", f)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, `value="https://git.example.org/a"`, `value="https://video.example.org/c"`)
	wantNotContains(t, res.body, `value="https://wiki.example.org/b"`)
	if n, _ := c.app.store.CountRealisations(context.Background(), c.lea.ID); n != 0 {
		t.Fatalf("%d réalisations saved by a row button", n)
	}
	// The default button (Enter without a script) is « Enregistrer ».
	form := res.body[strings.Index(res.body, `class="realisation"`):]
	if first := form[strings.Index(form, "<button"):]; !strings.HasPrefix(first, `<button type="submit" class="visually-hidden" tabindex="-1" aria-hidden="true">Enregistrer</button>`) {
		t.Errorf("the form's first button: %.120s", first)
	}
}

// TestAfterTheDeadlineEachRealisationSaysWhetherItCanChange: after the
// class deadline, the list marks the réalisation a teacher sent back
// « encore modifiable » and the others « verrouillée », and the banner
// says which can still change.
func TestAfterTheDeadlineEachRealisationSaysWhetherItCanChange(t *testing.T) {
	c := newClassroom(t)
	ctx := context.Background()
	draft := c.app.addRealisation(c.lea.ID, sampleInput("Brouillon resté tel quel"))
	back := c.app.addRealisation(c.lea.ID, sampleInput("Renvoyée à reprendre"))
	if err := c.app.store.ApplyTransition(ctx, c.lea.ID, back, 1, portfolio.ActSubmit, portfolio.StatusDraft, portfolio.StatusSubmitted, c.lea.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.app.store.ApplyTransition(ctx, c.lea.ID, back, 2, portfolio.ActRework, portfolio.StatusSubmitted, portfolio.StatusRework, c.prof.ID, "Ajoutez les tests."); err != nil {
		t.Fatal(err)
	}
	cl, err := c.app.store.ClassByID(ctx, c.classID)
	if err != nil {
		t.Fatal(err)
	}
	cl.Deadline = portfolio.Deadline{Time: c.app.clock.now().AddDate(0, 0, -1)}
	if err := c.app.store.UpdateClass(ctx, cl); err != nil {
		t.Fatal(err)
	}
	lea := c.app.login("lea@example.org")
	res := lea.get("/realisations")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "seules celles qu’un enseignant a rouvertes ou renvoyées à reprendre peuvent encore être modifiées")
	row := func(title string) string {
		i := strings.Index(res.body, title)
		if i < 0 {
			t.Fatalf("no row %q", title)
		}
		return res.body[i : i+strings.Index(res.body[i:], "</tr>")]
	}
	wantContains(t, row("Renvoyée à reprendre"), "encore modifiable")
	wantContains(t, row("Brouillon resté tel quel"), "verrouillée")
	wantNotContains(t, row("Brouillon resté tel quel"), "encore modifiable")
	wantStatus(t, lea.get(fmt.Sprintf("/realisations/%d/edit", back)), http.StatusOK)
	wantStatus(t, lea.get(fmt.Sprintf("/realisations/%d/edit", draft)), http.StatusForbidden)
}

// postMultipart sends a form with files as the browser sends the new
// réalisation form.
func (c *client) postMultipart(path string, form url.Values, files ...[2]any) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile("files", f[0].(string))
		fw.Write(f[1].([]byte))
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.server.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// TestNewRealisationWithFiles (issue 13, point 1): the new form takes its
// files, saved with the réalisation in the same save and confirmed by a
// message; when either is refused, nothing is saved.
func TestNewRealisationWithFiles(t *testing.T) {
	c := newClassroom(t)
	lea := c.app.login("lea@example.org")
	res := lea.get("/realisations/new")
	wantContains(t, res.body, `enctype="multipart/form-data"`, `id="new-evidence-files"`, `name="files" multiple accept=".pdf,`)
	count := func() (reals, files int) {
		n, _ := c.app.store.CountRealisations(context.Background(), c.lea.ID)
		return n, storedFiles(t, c.app)
	}

	// A réalisation error: nothing saved, the files to choose again.
	bad := formOf(sampleInput(""))
	res = lea.postMultipart("/realisations", bad, [2]any{"rapport.pdf", samplePDF})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "L&#39;intitulé est obligatoire.", "choisissez-les de nouveau", `id="err-files"`)
	// A file refused: nothing saved either, the rest kept.
	res = lea.postMultipart("/realisations", formOf(sampleInput("Avec un exécutable")), [2]any{"outil.pdf", []byte("MZ\x90\x00 not a pdf")})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "n&#39;est pas d&#39;un type accepté", `value="Avec un exécutable"`)
	if n, f := count(); n != 0 || f != 0 {
		t.Fatalf("after refusals: %d réalisations, %d files", n, f)
	}

	// Both good: saved together, confirmed.
	f := formOf(sampleInput("Déploiement documenté"))
	f.Set("evidence_title", "Procédure")
	res = lea.postMultipart("/realisations", f, [2]any{"procedure.pdf", samplePDF}, [2]any{"capture.png", samplePNG(t)})
	wantStatus(t, res, http.StatusSeeOther)
	page := lea.get(res.header.Get("Location"))
	wantContains(t, page.body, "Réalisation enregistrée (brouillon), avec 2 fichiers.", "Procédure (1)", "Procédure (2)", "procedure.pdf")
	if n, f := count(); n != 1 || f != 2 {
		t.Fatalf("after the save: %d réalisations, %d files", n, f)
	}
}

// TestNewRealisationOverQuotaSavesNothing: files that would pass the
// student's quota refuse the whole save (the réalisation is not left
// without them).
func TestNewRealisationOverQuotaSavesNothing(t *testing.T) {
	c := newClassroomConfig(t, func(cfg *Config) { cfg.QuotaBytes = 100 })
	lea := c.app.login("lea@example.org")
	res := lea.postMultipart("/realisations", formOf(sampleInput("Trop lourd")), [2]any{"procedure.pdf", append(samplePDF, bytes.Repeat([]byte("x"), 200)...)})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Espace de stockage insuffisant", `value="Trop lourd"`)
	if n, _ := c.app.store.CountRealisations(context.Background(), c.lea.ID); n != 0 {
		t.Fatalf("%d réalisations left without their files", n)
	}
}

// TestReviewGoesOnToTheNext (issue 13, point 10): on the review page the
// réalisation's content comes before the review panel; validating leads
// to the next réalisation to review of the teacher's classes.
func TestReviewGoesOnToTheNext(t *testing.T) {
	c := newClassroom(t)
	ctx := context.Background()
	first := c.app.addRealisation(c.lea.ID, sampleInput("Première soumise"))
	second := c.app.addRealisation(c.max.ID, sampleInput("Seconde soumise"))
	for _, r := range []struct{ student, id int64 }{{c.lea.ID, first}, {c.max.ID, second}} {
		if err := c.app.store.ApplyTransition(ctx, r.student, r.id, 1, portfolio.ActSubmit, portfolio.StatusDraft, portfolio.StatusSubmitted, r.student, ""); err != nil {
			t.Fatal(err)
		}
		c.app.clock.advance(time.Minute)
	}
	prof := c.app.login("prof@example.org")
	page := prof.get(fmt.Sprintf("/students/%d/realisations/%d", c.lea.ID, first)).body
	if strings.Index(page, "Productions") > strings.Index(page, `id="validate"`) {
		t.Error("the review panel comes before the content")
	}
	res := prof.post(fmt.Sprintf("/students/%d/realisations/%d/review", c.lea.ID, first), url.Values{"action": {"validate"}, "version": {"2"}})
	wantStatus(t, res, http.StatusSeeOther)
	if want := fmt.Sprintf("/students/%d/realisations/%d", c.max.ID, second); res.header.Get("Location") != want {
		t.Fatalf("after validating: to %s, want the next one %s", res.header.Get("Location"), want)
	}
	wantContains(t, prof.get(res.header.Get("Location")).body, "Suivante à relire : «\u00a0Seconde soumise\u00a0»")
	res = prof.post(fmt.Sprintf("/students/%d/realisations/%d/review", c.max.ID, second), url.Values{"action": {"validate"}, "version": {"2"}})
	wantContains(t, prof.get(res.header.Get("Location")).body, "Plus rien à relire dans vos classes.")
}

// TestTableau2011NamesTheCandidateNOMPrenom: the 2011 tableau writes the
// candidate NOM Prénom, as official sheets do, on its page, CSV and PDF;
// its buttons say that A3 is the official size and A4 a reduction.
func TestTableau2011NamesTheCandidateNOMPrenom(t *testing.T) {
	c := newClassroom(t)
	c.app.addRealisation(c.lea.ID, sampleInput("Portail"))
	lea := c.app.login("lea@example.org")
	page := lea.get("/tableau")
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.body, "<dt>Nom et prénom</dt><dd>LEA Prénom</dd>", "Tableau officiel (PDF A3 paysage)",
		"Tableau officiel en A4 paysage", "Tableau officiel (tableur XLSX)", "Document de travail (PDF)", "Tableau de synthèse — document de travail")
	wantContains(t, lea.get("/tableau.csv").body, "Nom et prénom;LEA Prénom")
	for _, path := range []string{"/tableau.pdf", "/tableau.pdf?paper=A4"} {
		res := lea.get(path)
		wantStatus(t, res, http.StatusOK)
		if text := pdfText(t, []byte(res.body)); !strings.Contains(text, "LEA Prénom") || strings.Contains(text, "Prénom lea") {
			t.Errorf("%s: the PDF does not write LEA Prénom: %.400s", path, text)
		}
	}
}
