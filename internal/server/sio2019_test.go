package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// newClass2019 has the admin create a class on the 2019 référentiel
// through the form, and returns its id.
func newClass2019(t *testing.T, admin *client, name, parcours string) int64 {
	t.Helper()
	res := admin.post("/admin/classes", url.Values{"name": {name}, "school_year": {"2026-2027"},
		"referentiel": {"sio-2019"}, "parcours": {parcours}})
	wantStatus(t, res, http.StatusSeeOther)
	id, err := strconv.ParseInt(strings.TrimPrefix(res.header.Get("Location"), "/admin/classes/"), 10, 64)
	if err != nil {
		t.Fatalf("class location %q", res.header.Get("Location"))
	}
	return id
}

// form2019 is a réalisation form on the 2019 référentiel: B1.2 ticked,
// B1.1 through two of its items.
func form2019(title string) url.Values {
	return url.Values{
		"title": {title}, "description": {"Inventaire GLPI du parc et traitement des tickets."},
		"cadre": {"formation"}, "start": {"2026-09-15"}, "end": {"2026-10-20"}, "modalite": {"equipe"},
		"team": {"Binôme avec Léo"}, "activity": {"B1.2", "B1.1"}, "competence": {"B1.1.1", "B1.1.2"},
		"how.B1.2":         {"J’ai traité les tickets de niveau 1."},
		"production_title": {"Dépôt"}, "production_url": {"https://git.example.org/glpi"},
		"fiche": {"1"}, "organisation": {"Lycée Test, service informatique"}, "lieu": {"Salle B12"},
		"conditions": {"Un serveur GLPI fourni"}, "ressources": {"Documentation GLPI 10"}, "acces": {"Dépôt Git du lycée"},
	}
}

// TestSIO2019Journey: an admin creates a 2019 class; its student logs a
// réalisation ticking B1.2 and two items of B1.1 (with the refusals a
// wrong ticking gets); the teacher validates it; the tableau page, its
// PDF, CSV and XLSX, and the fiche descriptive show it in the 2019 layout.
func TestSIO2019Journey(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.org", portfolio.RoleAdmin, "")
	admin := app.login("admin@example.org")

	// The class form proposes 2019 first.
	res := admin.get("/admin/classes")
	wantStatus(t, res, http.StatusOK)
	i19, i11 := strings.Index(res.body, `<option value="sio-2019" selected>`), strings.Index(res.body, `<option value="sio-2011">`)
	if i19 < 0 || i11 < 0 || i19 > i11 {
		t.Fatalf("the class form does not propose sio-2019 first (selected): %d %d", i19, i11)
	}
	cid := newClass2019(t, admin, "SIO2 SISR", "SISR")
	student := app.addUser("lea@example.org", portfolio.RoleStudent, "SISR")
	teacher := app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	wantStatus(t, admin.post("/admin/classes/"+strconv.FormatInt(cid, 10)+"/students", url.Values{"student_id": {strconv.FormatInt(student.ID, 10)}}), http.StatusSeeOther)
	wantStatus(t, admin.post("/admin/classes/"+strconv.FormatInt(cid, 10)+"/teachers", url.Values{"teacher_id": {strconv.FormatInt(teacher.ID, 10)}}), http.StatusSeeOther)
	if u, _ := app.store.UserByID(context.Background(), student.ID); u.Referentiel != "sio-2019" {
		t.Fatalf("enrolled student's référentiel %q, want the class's", u.Referentiel)
	}

	lea := app.login("lea@example.org")
	res = lea.get("/realisations/new")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "B1 — Support et mise à disposition de services informatiques",
		"Concevoir une solution d’infrastructure réseau", // B2.1 of SISR
		`type="date" id="start"`, "Compétences et savoir-faire mobilisés",
		"Comment je l’ai mise en œuvre (B1.2, facultatif)", `id="fiche-number"`)
	wantNotContains(t, res.body, "Concevoir et développer une solution applicative", // B2.1 of SLAM
		"Type(s) de situation", "Ressources fournies")
	if strings.Index(res.body, ">B1 — ") > strings.Index(res.body, ">B2 — ") || strings.Index(res.body, ">B2 — ") > strings.Index(res.body, ">B3 — ") {
		t.Error("the blocs are not in order B1, B2, B3")
	}

	// An item without its competence, a code of the other parcours, a
	// day that does not exist: 422, each next to its field, input kept.
	bad := form2019("Parc GLPI")
	bad.Set("activity", "B1.2")
	bad.Set("end", "2026-02-30")
	bad.Add("activity", "B2.1")
	bad.Add("competence", "B2.1.10") // a savoir-faire of SLAM only
	res = lea.post("/realisations", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Cochez la compétence B1.1 pour pouvoir cocher le savoir-faire B1.1.1.",
		"Date de fin invalide", `value="Parc GLPI"`, "Salle B12", "Savoir-faire inconnu du référentiel ou d’un autre parcours.")
	withOption := form2019("Parc GLPI")
	withOption.Add("activity", "B3.5")
	withOption.Add("competence", "B3.5.1")
	if res = lea.post("/realisations", withOption); res.status != http.StatusSeeOther {
		t.Fatalf("B3.5 of the student's parcours refused: %d", res.status)
	}
	n, _ := app.store.CountRealisations(context.Background(), student.ID)
	if n != 1 {
		t.Fatalf("%d réalisations after one good save", n)
	}
	// Start again with the exact journey's réalisation.
	reals, _ := app.store.ListRealisations(context.Background(), student.ID, store.RealisationFilter{})
	first := reals[0]
	f := form2019("Gestion du parc avec GLPI")
	f.Set("version", strconv.Itoa(first.Version))
	wantStatus(t, lea.post("/realisations/"+strconv.FormatInt(first.ID, 10), f), http.StatusSeeOther)
	real, err := app.store.GetRealisation(context.Background(), student.ID, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if real.StartDay != 15 || real.EndDay != 20 || real.Fiche != 1 || real.Place != "Salle B12" || len(real.Activities) != 2 ||
		real.Activities[0].Code != "B1.1" || strings.Join(real.Activities[0].Competences, " ") != "B1.1.1 B1.1.2" {
		t.Fatalf("stored: %+v", real)
	}
	res = lea.get("/realisations/" + strconv.FormatInt(real.ID, 10))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "15/09/26 – 20/10/26", "Compétences et savoir-faire (2 compétences, 2 savoir-faire)",
		"Gérer le patrimoine informatique", "B1.1.1 Recenser et identifier les ressources numériques", "Fiche n° 1",
		"En formation (TP, ateliers de professionnalisation, projets)")

	// A second réalisation cannot be fiche n° 1 too: 422 next to the field,
	// nothing saved.
	res = lea.post("/realisations", form2019("Autre situation"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, `id="err-fiche"`, "déjà la fiche n° 1", `value="Autre situation"`)
	if n, _ := app.store.CountRealisations(context.Background(), student.ID); n != 1 {
		t.Fatalf("%d réalisations after a refused save", n)
	}

	app.validate(student.ID, real.ID, teacher.ID)

	// Validated, it is no longer editable, but its fiche still is.
	rid := strconv.FormatInt(real.ID, 10)
	res = lea.get("/realisations/" + rid)
	wantContains(t, res.body, `id="save-fiche"`, `action="/realisations/`+rid+`/fiche"`)
	res = lea.post("/realisations/"+rid+"/fiche", url.Values{"fiche": {"12"}, "organisation": {"Lycée Test, DSI"}, "lieu": {"Salle B12"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "L’épreuve E6 compte 2 fiches descriptives : choisissez un numéro de 1 à 2.", "Lycée Test, DSI")
	fiche := form2019("")
	for _, k := range []string{"title", "description", "cadre", "start", "end", "modalite", "team", "activity", "competence", "how.B1.2", "production_title", "production_url"} {
		fiche.Del(k)
	}
	fiche.Set("organisation", "Lycée Test, service informatique et réseaux")
	wantStatus(t, lea.post("/realisations/"+rid+"/fiche", fiche), http.StatusSeeOther)
	if got, _ := app.store.GetRealisation(context.Background(), student.ID, real.ID); got.Status != portfolio.StatusValidated ||
		got.Fiche != 1 || got.Organisation != "Lycée Test, service informatique et réseaux" || len(got.Activities) != 2 {
		t.Fatalf("after the fiche form: %+v", got)
	}
	app.addUser("tom0@example.org", portfolio.RoleStudent, "SISR")
	wantStatus(t, app.login("tom0@example.org").post("/realisations/"+rid+"/fiche", fiche), http.StatusNotFound)

	// The tableau page: the 2019 layout, the competences still missing.
	res = lea.get("/tableau")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "BTS SERVICES INFORMATIQUES AUX ORGANISATIONS", "SESSION 2027",
		"Compétences mises en œuvre", "Période (sous la forme du JJ/MM/AA au JJ/MM/AA)",
		"▸Recenser et identifier les ressources numériques", "Réalisation en cours de formation",
		"Réalisations en milieu professionnel en cours de première année",
		"Réalisations en milieu professionnel en cours de seconde année",
		"15/09/26 au 20/10/26", "☒ SISR", "▢ SLAM", "LEA Prénom",
		"Compétences qu’aucune réalisation ne couvre encore", "Travailler en mode projet",
		`href="/tableau.xlsx"`, "Fiche n° 1 — Gestion du parc avec GLPI")
	missing := res.body[strings.Index(res.body, `id="missing"`):]
	missing = missing[:strings.Index(missing, "</div>")]
	if strings.Contains(missing, "Gérer le patrimoine informatique") || strings.Contains(missing, "Répondre aux incidents") {
		t.Errorf("covered competences listed as missing: %s", missing)
	}

	// CSV: one X under each of the two competences, nothing else.
	res = lea.get("/tableau.csv")
	wantStatus(t, res, http.StatusOK)
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff")))
	cr.Comma, cr.FieldsPerRecord = ';', -1
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	header, row := csvRowWith(t, rows, "Période (sous la forme du JJ/MM/AA au JJ/MM/AA)"), csvRowWith(t, rows, "Gestion du parc avec GLPI")
	for i, h := range header {
		want := ""
		if h == "Gérer le patrimoine informatique" || h == "Répondre aux incidents et aux demandes d’assistance et d’évolution" {
			want = "X"
		}
		if i >= 4 && (i >= len(row) || row[i] != want) {
			t.Errorf("CSV column %q: %q, want %q", h, row[i], want)
		}
	}

	// XLSX: read back.
	res = lea.get("/tableau.xlsx")
	wantStatus(t, res, http.StatusOK)
	x, err := excelize.OpenReader(bytes.NewReader([]byte(res.body)))
	if err != nil {
		t.Fatalf("XLSX: %v", err)
	}
	sheet := x.GetSheetName(0)
	cells, _ := x.GetRows(sheet)
	var all []string
	for _, r := range cells {
		all = append(all, strings.Join(r, "|"))
	}
	xl := strings.Join(all, "\n")
	wantContains(t, xl, "Gestion du parc avec GLPI", "15/09/26 au 20/10/26", "Gérer le patrimoine informatique", "X")
	if !strings.HasPrefix(sheet, "Tableau de synthèse Épreuve E5") {
		t.Errorf("sheet %q", sheet)
	}

	// PDF: A4 by default, A3 on request.
	res = lea.get("/tableau.pdf")
	wantStatus(t, res, http.StatusOK)
	text := strings.Join(strings.Fields(pdfText(t, []byte(res.body))), " ") // the column heads wrap
	wantContains(t, text, "Gestion du parc avec GLPI", "Gérer le patrimoine informatique", "Réalisation en cours de formation")
	if !bytes.Contains([]byte(res.body), []byte("/MediaBox [0 0 595.28 841.89]")) {
		t.Error("the default PDF is not A4 portrait")
	}

	// The fiche descriptive: the student's data in its fields.
	res = lea.get("/realisations/" + strconv.FormatInt(real.ID, 10) + "/fiche.pdf")
	wantStatus(t, res, http.StatusOK)
	text = strings.Join(strings.Fields(pdfText(t, []byte(res.body))), " ")
	wantContains(t, text, "Lycée Test, service informatique et réseaux", "Salle B12", "Gestion du parc avec GLPI",
		"Un serveur GLPI fourni", "Documentation GLPI 10", "Dépôt Git du lycée", "LEA Prénom", "0123",
		"15/09/26 au 20/10/26", "E6", "SISR")

	// The jury's page and the personal-data ZIP have the 2019 tableau.
	wantStatus(t, lea.post("/partage", url.Values{"label": {"Jury E5"}}), http.StatusSeeOther)
	res = app.client().get("/jury/" + juryToken(t, lea.get("/partage").body))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Compétences mises en œuvre", "Réalisation en cours de formation", "Gestion du parc avec GLPI",
		"SISR — Solutions d’infrastructure, systèmes et réseaux")
	res = lea.get("/compte/donnees.zip")
	wantStatus(t, res, http.StatusOK)
	pdfs := 0
	for name, b := range zipEntries(t, res.body) {
		pdfs += strings.Count(name, ".pdf")
		if strings.HasSuffix(name, ".pdf") && !strings.Contains(strings.Join(strings.Fields(pdfText(t, b)), " "), "Réalisation en cours de formation") {
			t.Errorf("personal-data ZIP: %s is not the 2019 tableau", name)
		}
	}
	if pdfs != 1 {
		t.Errorf("personal-data ZIP holds %d PDF", pdfs)
	}

	// Coverage: the student's summary and the class's heat map, over the
	// six Bloc 1 competences, then Bloc 2 and Bloc 3 of the parcours.
	res = lea.get("/realisations")
	wantContains(t, res.body, "<td>En formation (TP, ateliers de professionnalisation, projets)</td>", ">15/09/26 – 20/10/26<", `<th scope="col">Compétences</th>`)
	wantContains(t, res.body, "Sur les 14 compétences du parcours : <strong>2</strong> couvertes par une réalisation validée")
	prof := app.login("prof@example.org")
	res = prof.get("/classes/" + strconv.FormatInt(cid, 10))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Couverture des compétences", `title="Support et mise à disposition de services informatiques">B1</th>`,
		`title="Administration des systèmes et des réseaux">B2</th>`, ">2/14<")
	for _, want := range []string{"B1.1 : validée", "B1.2 : validée", "B1.3 : non couverte", "B3.5 : non couverte"} {
		code, _, _ := strings.Cut(want, " : ")
		if got := heatCellOf(t, res.body, "", code); got != want {
			t.Errorf("heat map: %q, want %q", got, want)
		}
	}
	wantNotContains(t, res.body, ">Types</th>")
	if i, j := strings.Index(res.body, `<option value="A4">A4 portrait (comme le modèle)</option>`), strings.Index(res.body, `<option value="A3">A3 portrait</option>`); i < 0 || j < i {
		t.Error("the class export does not propose the model's A4 portrait first")
	}
	heads := res.body[strings.Index(res.body, `id="heatmap"`):]
	heads = heads[:strings.Index(heads, "</thead>")]
	var order []string
	for _, part := range strings.Split(heads, `class="rot" title="`)[1:] {
		code := part[strings.Index(part, "<span>")+6:]
		order = append(order, code[:strings.Index(code, "<")])
	}
	if got := strings.Join(order, " "); got != "B1.1 B1.2 B1.3 B1.4 B1.5 B1.6 B2.1 B2.2 B2.3 B3.1 B3.2 B3.3 B3.4 B3.5" {
		t.Errorf("heat map columns: %s", got)
	}

	// Teachers see the same, others nothing.
	wantStatus(t, prof.get("/students/"+strconv.FormatInt(student.ID, 10)+"/tableau.xlsx"), http.StatusOK)
	wantStatus(t, prof.get("/students/"+strconv.FormatInt(student.ID, 10)+"/realisations/"+strconv.FormatInt(real.ID, 10)+"/fiche.pdf"), http.StatusOK)
	app.addUser("autre@example.org", portfolio.RoleTeacher, "")
	other := app.login("autre@example.org")
	wantStatus(t, other.get("/students/"+strconv.FormatInt(student.ID, 10)+"/realisations/"+strconv.FormatInt(real.ID, 10)+"/fiche.pdf"), http.StatusNotFound)
	app.addUser("tom@example.org", portfolio.RoleStudent, "SISR")
	tom := app.login("tom@example.org")
	wantStatus(t, tom.get("/realisations/"+strconv.FormatInt(real.ID, 10)+"/fiche.pdf"), http.StatusNotFound)
	wantStatus(t, tom.get("/tableau.xlsx"), http.StatusOK) // Tom is on 2011: its model's spreadsheet (#17)

	// The class's référentiel can no longer change; the student cannot go
	// to a 2011 class.
	res = admin.post("/admin/classes/"+strconv.FormatInt(cid, 10), url.Values{"name": {"SIO2 SISR"}, "school_year": {"2026-2027"},
		"referentiel": {"sio-2011"}, "parcours": {"SISR"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "son référentiel ne peut plus changer")
	if c, _ := app.store.ClassByID(context.Background(), cid); c.Referentiel != "sio-2019" {
		t.Fatalf("class moved to %s", c.Referentiel)
	}
	res = admin.post("/admin/classes", url.Values{"name": {"SIO1 ancien"}, "school_year": {"2026-2027"}, "referentiel": {"sio-2011"}})
	wantStatus(t, res, http.StatusSeeOther)
	oldClass := res.header.Get("Location")
	res = admin.post(oldClass+"/students", url.Values{"student_id": {strconv.FormatInt(student.ID, 10)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "ses réalisations suivent le référentiel sio-2019")

	// Her parcours cannot change under her réalisations (B2, B3.5 are
	// the parcours's own).
	res = admin.post("/admin/users/"+strconv.FormatInt(student.ID, 10), url.Values{"first_name": {"Prénom"}, "last_name": {"lea"},
		"email": {"lea@example.org"}, "role": {"student"}, "parcours": {"SLAM"}, "candidate": {"0123"}, "session": {"2027"}, "centre": {"Lycée Test"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "le parcours a ses propres compétences")

	// A student without réalisations cannot follow two référentiels at
	// once either: not enrolled in a 2011 class while in a 2019 one, and
	// no class's change of référentiel moves them.
	zoe := app.addUser("zoe@example.org", portfolio.RoleStudent, "SISR")
	wantStatus(t, admin.post("/admin/classes/"+strconv.FormatInt(cid, 10)+"/students", url.Values{"student_id": {strconv.FormatInt(zoe.ID, 10)}}), http.StatusSeeOther)
	res = admin.post(oldClass+"/students", url.Values{"student_id": {strconv.FormatInt(zoe.ID, 10)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "ce compte est dans une classe d&#39;un autre référentiel")
	third := newClass2019(t, admin, "SIO1 SISR", "SISR")
	app.addUser("yan@example.org", portfolio.RoleStudent, "SISR")
	yan, _ := app.store.UserByEmail(context.Background(), "yan@example.org")
	wantStatus(t, admin.post("/admin/classes/"+strconv.FormatInt(third, 10)+"/students", url.Values{"student_id": {strconv.FormatInt(zoe.ID, 10)}}), http.StatusSeeOther)
	wantStatus(t, admin.post("/admin/classes/"+strconv.FormatInt(third, 10)+"/students", url.Values{"student_id": {strconv.FormatInt(yan.ID, 10)}}), http.StatusSeeOther)
	res = admin.post("/admin/classes/"+strconv.FormatInt(third, 10), url.Values{"name": {"SIO1 SISR"}, "school_year": {"2026-2027"},
		"referentiel": {"sio-2011"}, "parcours": {"SISR"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "aussi dans une classe d&#39;un autre référentiel")
	if u, _ := app.store.UserByID(context.Background(), zoe.ID); u.Referentiel != "sio-2019" {
		t.Errorf("zoe moved to %s", u.Referentiel)
	}
}

// csvRowWith is the first CSV row with a cell equal to s.
func csvRowWith(t *testing.T, rows [][]string, s string) []string {
	t.Helper()
	for _, r := range rows {
		for _, c := range r {
			if c == s {
				return r
			}
		}
	}
	t.Fatalf("no CSV row holds %q", s)
	return nil
}
