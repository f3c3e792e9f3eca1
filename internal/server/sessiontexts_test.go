package server

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// fiche2019App is an app with an admin, a 2019 SLAM class of session 2027
// and its student, who has a réalisation numbered fiche n° 1 and another
// with no number.
type fiche2019App struct {
	app             *testApp
	admin, student  *client
	classID         int64
	studentID       int64
	numbered, plain int64
	studentURL      string
}

func newFiche2019App(t *testing.T) fiche2019App {
	t.Helper()
	app := newTestApp(t)
	app.addUser("admin@example.org", portfolio.RoleAdmin, "")
	admin := app.login("admin@example.org")
	cid := newClass2019(t, admin, "SIO2 SLAM", "SLAM")
	st := app.addUser("hugo@example.org", portfolio.RoleStudent, "SLAM")
	wantStatus(t, admin.post("/admin/classes/"+strconv.FormatInt(cid, 10)+"/students", url.Values{"student_id": {strconv.FormatInt(st.ID, 10)}}), http.StatusSeeOther)
	hugo := app.login("hugo@example.org")
	f := form2019("Application de gestion des prêts")
	f.Set("activity", "B1.2")
	f.Del("competence")
	res := hugo.post("/realisations", f)
	wantStatus(t, res, http.StatusSeeOther)
	numbered, _ := strconv.ParseInt(strings.TrimPrefix(res.header.Get("Location"), "/realisations/"), 10, 64)
	f = form2019("Inventaire du parc")
	f.Set("activity", "B1.2")
	f.Del("competence")
	f.Del("fiche")
	res = hugo.post("/realisations", f)
	wantStatus(t, res, http.StatusSeeOther)
	plain, _ := strconv.ParseInt(strings.TrimPrefix(res.header.Get("Location"), "/realisations/"), 10, 64)
	return fiche2019App{app: app, admin: admin, student: hugo, classID: cid, studentID: st.ID, numbered: numbered, plain: plain,
		studentURL: "/students/" + strconv.FormatInt(st.ID, 10)}
}

func (a fiche2019App) ficheText(t *testing.T, id int64) string {
	t.Helper()
	res := a.student.get("/realisations/" + strconv.FormatInt(id, 10) + "/fiche.pdf")
	wantStatus(t, res, http.StatusOK)
	return strings.Join(strings.Fields(pdfText(t, []byte(res.body))), " ")
}

// TestSessionTextsPage: an admin enters the 2027 annex number and a sheet
// name on « Textes de la session »; the student's fiche prints « ANNEXE
// 8-2-B : … », the XLSX tableau has the sheet's new name; each change is
// a line of the audit log; a wrong value is refused next to its field,
// and nothing of that form is written; clearing a text brings back the
// référentiel's.
func TestSessionTextsPage(t *testing.T) {
	a := newFiche2019App(t)
	// Before: session 2027 has no known annex number.
	text := a.ficheText(t, a.numbered)
	wantContains(t, text, "BTS SERVICES INFORMATIQUES AUX ORGANISATIONS", "SESSION 2027",
		"Épreuve E6 - Conception et développement d’applications (option SLAM) Fiche descriptive de réalisation professionnelle (recto)")
	wantNotContains(t, text, "ANNEXE")

	res := a.admin.get("/admin/classes")
	wantContains(t, res.body, `href="/admin/textes-session"`)
	res = a.admin.get("/admin/textes-session")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Textes de la session 2027", "circulaire nationale d’organisation",
		`name="fiche_annexe"`, "Aucune valeur connue pour 2027.", `name="fiche_epreuve:SLAM"`,
		"Valeur du référentiel pour 2027 : « Épreuve E6 - Conception et développement d’applications (option SLAM) ».",
		"Valeur du référentiel pour 2027 : « Tableau de synthèse Épreuve E5 ».")
	res = a.admin.get("/admin/textes-session?referentiel=sio-2019&session=2026")
	wantContains(t, res.body, "Valeur du référentiel pour 2026 : « VII-1 ».")

	// Refused: a wrong annex number and a sheet name Excel refuses; the
	// valid Épreuve line typed with them is not written either.
	res = a.admin.post("/admin/textes-session", url.Values{"referentiel": {"sio-2019"}, "session": {"2027"},
		"fiche_annexe": {"ANNEXE 8-2 :"}, "tableau_sheet": {"Tableau [E5]"}, "fiche_epreuve:SLAM": {"Épreuve E6 - Autre"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, `id="err-fiche_annexe"`, "Le numéro d’annexe s’écrit comme dans la circulaire",
		`id="err-tableau_sheet"`, "Un nom de feuille Excel a 31 caractères au plus", `value="Épreuve E6 - Autre"`)
	if texts, _ := a.app.store.SessionTexts(context.Background()); len(texts) != 0 {
		t.Fatalf("a refused form wrote %v", texts)
	}

	res = a.admin.post("/admin/textes-session", url.Values{"referentiel": {"sio-2019"}, "session": {"2027"},
		"fiche_annexe": {"8-2"}, "tableau_sheet": {"Tableau de synthèse E5 2027"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.header.Get("Location"); loc != "/admin/textes-session?referentiel=sio-2019&session=2027" {
		t.Errorf("redirect to %q", loc)
	}
	res = a.admin.get("/admin/textes-session?referentiel=sio-2019&session=2027")
	wantContains(t, res.body, "Textes de la session 2027 enregistrés (2 changement(s)).", `value="8-2"`)

	text = a.ficheText(t, a.numbered)
	wantContains(t, text, "ANNEXE 8-2-B : Fiche descriptive de réalisation professionnelle (recto)",
		"ANNEXE 8-2-B : Fiche descriptive de réalisation professionnelle (verso, éventuellement pages suivantes)")
	res = a.student.get("/tableau.xlsx")
	wantStatus(t, res, http.StatusOK)
	x, err := excelize.OpenReader(bytes.NewReader([]byte(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	if name := x.GetSheetName(0); name != "Tableau de synthèse E5 2027" {
		t.Errorf("sheet %q", name)
	}
	// The teacher's and the class's exports read the same texts.
	res = a.admin.get(a.studentURL + "/realisations/" + strconv.FormatInt(a.numbered, 10) + "/fiche.pdf")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, strings.Join(strings.Fields(pdfText(t, []byte(res.body))), " "), "ANNEXE 8-2-B")

	// The audit log: one line per change, with the old and new values.
	res = a.admin.get("/admin/audit")
	wantContains(t, res.body, "texte de session modifié", "sio-2019 session 2027",
		"Numéro d’annexe de la fiche descriptive : (vide) → 8-2",
		"Nom de la feuille du tableau (fichier XLSX) : (vide) → Tableau de synthèse E5 2027")

	// The option's letter is added, not typed.
	res = a.admin.post("/admin/textes-session", url.Values{"referentiel": {"sio-2019"}, "session": {"2027"}, "fiche_annexe": {"8-2-B"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Donnez le numéro sans la lettre de l’option")
	// A form without a field keeps its text; cleared, the texts are the
	// référentiel's again.
	wantStatus(t, a.admin.post("/admin/textes-session", url.Values{"referentiel": {"sio-2019"}, "session": {"2027"},
		"tableau_title": {""}}), http.StatusSeeOther)
	wantContains(t, a.ficheText(t, a.numbered), "ANNEXE 8-2-B")
	res = a.admin.post("/admin/textes-session", url.Values{"referentiel": {"sio-2019"}, "session": {"2027"},
		"fiche_annexe": {""}, "tableau_sheet": {""}})
	wantStatus(t, res, http.StatusSeeOther)
	wantNotContains(t, a.ficheText(t, a.numbered), "ANNEXE")
	res = a.admin.get("/admin/audit")
	wantContains(t, res.body, "Numéro d’annexe de la fiche descriptive : 8-2 → (vide)")

	// A session out of the list, a référentiel without such texts.
	wantStatus(t, a.admin.get("/admin/textes-session?session=1999"), http.StatusBadRequest)
	wantStatus(t, a.admin.post("/admin/textes-session", url.Values{"referentiel": {"sio-2011"}, "session": {"2027"}}), http.StatusBadRequest)
}

// TestSessionTextsAdminOnly: the page, its form and the audit log where
// its changes are are refused to a teacher and a student.
func TestSessionTextsAdminOnly(t *testing.T) {
	a := newFiche2019App(t)
	a.app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	for name, c := range map[string]*client{"teacher": a.app.login("prof@example.org"), "student": a.student} {
		for _, path := range []string{"/admin/textes-session", "/admin/audit"} {
			if res := c.get(path); res.status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d", name, path, res.status)
			}
		}
		res := c.post("/admin/textes-session", url.Values{"referentiel": {"sio-2019"}, "session": {"2027"}, "fiche_annexe": {"6-6"}})
		if res.status != http.StatusForbidden {
			t.Errorf("%s POST: %d", name, res.status)
		}
	}
	if texts, _ := a.app.store.SessionTexts(context.Background()); len(texts) != 0 {
		t.Fatalf("a refused post wrote %v", texts)
	}
	wantStatus(t, a.app.client().get("/admin/textes-session"), http.StatusSeeOther) // to the login page
}

// TestFicheNeedsANumber: a réalisation with no fiche number has no fiche:
// its route says so in French, for the student and for staff; the
// tableau page lists only the numbered one.
func TestFicheNeedsANumber(t *testing.T) {
	a := newFiche2019App(t)
	res := a.student.get("/realisations/" + strconv.FormatInt(a.plain, 10) + "/fiche.pdf")
	wantStatus(t, res, http.StatusNotFound)
	wantContains(t, res.body, "Pas de fiche descriptive", "« Inventaire du parc » n’est pas numérotée comme fiche descriptive")
	res = a.admin.get(a.studentURL + "/realisations/" + strconv.FormatInt(a.plain, 10) + "/fiche.pdf")
	wantStatus(t, res, http.StatusNotFound)
	wantContains(t, res.body, "n’est pas numérotée comme fiche descriptive")
	res = a.student.get("/tableau")
	wantContains(t, res.body, "Fiche n° 1 — Application de gestion des prêts")
	wantNotContains(t, res.body, "Inventaire du parc (PDF)")
}

// TestFicheNumbersOfSession2025On: from session 2025 the épreuve takes two
// fiches: 3 is refused next to the field; a 3 given before is shown « à
// renuméroter » where the student chooses, kept when the student saves
// the rest, neither printed nor put in the dossier (which says why).
func TestFicheNumbersOfSession2025On(t *testing.T) {
	a := newFiche2019App(t)
	id := strconv.FormatInt(a.plain, 10)
	res := a.student.get("/realisations/" + id + "/edit")
	wantContains(t, res.body, `<option value="2">Fiche n° 2</option>`)
	wantNotContains(t, res.body, `<option value="3">`)
	f := form2019("Inventaire du parc")
	f.Set("activity", "B1.2")
	f.Del("competence")
	f.Set("fiche", "3")
	res = a.student.post("/realisations/"+id, withVersion(f, 1))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, `id="err-fiche"`, "L’épreuve E6 compte 2 fiches descriptives : choisissez un numéro de 1 à 2.",
		`value="Inventaire du parc"`)

	// A number given before the rule: set in the database.
	if _, err := a.app.store.DB.Exec(`UPDATE realisations SET fiche = 3 WHERE id = ?`, a.plain); err != nil {
		t.Fatal(err)
	}
	res = a.student.get("/realisations/" + id + "/edit")
	wantContains(t, res.body, `<option value="3" selected>Fiche n° 3 — à renuméroter</option>`, `id="fiche-renumber"`)
	f.Set("description", "Inventaire complet, mis à jour.")
	wantStatus(t, a.student.post("/realisations/"+id, withVersion(f, 1)), http.StatusSeeOther)
	res = a.student.get("/realisations/" + id + "/fiche.pdf")
	wantStatus(t, res, http.StatusNotFound)
	wantContains(t, res.body, "Fiche à renuméroter", "est la fiche n° 3, mais l’épreuve E6 compte 2 fiches")
	res = a.student.get("/tableau")
	wantContains(t, res.body, "Fiche n° 3 — Inventaire du parc : <strong>à renuméroter</strong>")
	res = a.student.get("/dossier.zip")
	wantStatus(t, res, http.StatusOK)
	names := ""
	for name := range zipEntries(t, res.body) {
		names += name + "\n"
	}
	if !strings.Contains(names, "_2_fiche_1.pdf") || strings.Contains(names, "_2_fiche_3.pdf") {
		t.Errorf("dossier files:\n%s", names)
	}
}

// TestExamFormTicksTheFiche: the form of the épreuves an admin sets on the
// class ticks its students' fiches; a student's own setting wins; not
// said, both boxes stay empty. Each change is in the audit log.
func TestExamFormTicksTheFiche(t *testing.T) {
	a := newFiche2019App(t)
	boxes := func() string {
		text := a.ficheText(t, a.numbered)
		switch {
		case strings.Contains(text, "Épreuve ponctuelle ☐") && strings.Contains(text, "Contrôle en cours de formation ☒"):
			return "ccf"
		case strings.Contains(text, "Épreuve ponctuelle ☒") && strings.Contains(text, "Contrôle en cours de formation ☐"):
			return "ponctuelle"
		case strings.Contains(text, "Épreuve ponctuelle ☐") && strings.Contains(text, "Contrôle en cours de formation ☐"):
			return ""
		}
		t.Fatalf("the boxes: %.500s", text)
		return ""
	}
	if got := boxes(); got != "" {
		t.Fatalf("not said: %q", got)
	}
	class := "/admin/classes/" + strconv.FormatInt(a.classID, 10)
	res := a.admin.get(class)
	wantContains(t, res.body, `id="exam_form"`, "Contrôle en cours de formation (CCF)")
	form := url.Values{"name": {"SIO2 SLAM"}, "school_year": {"2026-2027"}, "referentiel": {"sio-2019"}, "parcours": {"SLAM"}, "exam_form": {"ccf"}}
	wantStatus(t, a.admin.post(class, form), http.StatusSeeOther)
	if got := boxes(); got != "ccf" {
		t.Errorf("class in CCF: %q", got)
	}
	form.Set("exam_form", "oral")
	res = a.admin.post(class, form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, `id="err-exam_form"`, "Forme des épreuves inconnue")

	// The student sits it as a ponctuelle candidate.
	user := "/admin/users/" + strconv.FormatInt(a.studentID, 10)
	res = a.admin.get(user)
	wantContains(t, res.body, `id="exam_form"`, "Comme sa classe")
	u, _ := a.app.store.UserByID(context.Background(), a.studentID)
	uf := url.Values{"first_name": {u.FirstName}, "last_name": {u.LastName}, "email": {u.Email}, "role": {"student"},
		"parcours": {"SLAM"}, "candidate": {u.CandidateNumber}, "session": {"2027"}, "centre": {u.Centre}, "exam_form": {"ponctuelle"}}
	wantStatus(t, a.admin.post(user, uf), http.StatusSeeOther)
	if got := boxes(); got != "ponctuelle" {
		t.Errorf("student in ponctuelle: %q", got)
	}
	// A form without the field keeps the student's setting.
	uf.Del("exam_form")
	uf.Set("centre", "Lycée Jean Jaurès")
	wantStatus(t, a.admin.post(user, uf), http.StatusSeeOther)
	if got := boxes(); got != "ponctuelle" {
		t.Errorf("kept: %q", got)
	}
	res = a.admin.get("/admin/audit")
	wantContains(t, res.body, "forme des épreuves : comme sa classe → Épreuve ponctuelle", "forme des épreuves : Contrôle en cours de formation (CCF)")

	if f, err := a.app.store.ExamForm(context.Background(), a.studentID); err != nil || f != portfolio.ExamPonctuelle {
		t.Errorf("ExamForm: %q %v", f, err)
	}

	// Back to « as the class », and the class to « not said »: an older,
	// archived class in CCF does not tick it.
	uf.Set("exam_form", "")
	wantStatus(t, a.admin.post(user, uf), http.StatusSeeOther)
	form.Set("exam_form", "")
	wantStatus(t, a.admin.post(class, form), http.StatusSeeOther)
	ctx := context.Background()
	old, err := a.app.store.CreateClass(ctx, store.Class{Name: "SIO1 SLAM", SchoolYear: "2025-2026", Referentiel: "sio-2019", Parcours: "SLAM", ExamForm: portfolio.ExamCCF})
	if err == nil {
		err = a.app.store.Enrol(ctx, old, a.studentID)
	}
	if err == nil {
		err = a.app.store.UpdateClass(ctx, store.Class{ID: old, Name: "SIO1 SLAM", SchoolYear: "2025-2026", Parcours: "SLAM", ExamForm: portfolio.ExamCCF, Archived: true})
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := boxes(); got != "" {
		t.Errorf("the current class not said, an old class in CCF: %q", got)
	}
}
