package server

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// TestOfficial2011Tableau: a SISR student of a 2011 class ticks the P4
// activities of the official SISR sheet (the form offers them with their
// parcours), records a stage in year 1 and an alternance in year 2 and
// links réalisations to them. The official sheet (PDF A3 and A4, XLSX)
// puts each réalisation in its year's band after the organisation's name,
// with its X under the five P4 columns; renaming the organisation shows at
// once; the working document, the coverage page and the class heat map
// have the same 48 columns; the working PDF is only for 2011 and only for
// those who may see the student.
func TestOfficial2011Tableau(t *testing.T) {
	c := newClassroom(t)
	ctx := context.Background()
	noe := c.other // SISR, in « SIO2 SISR » (2011) taught by outsider
	noe.SessionYear, noe.Centre, noe.CandidateNumber = 2027, "Lycée Jean Jaurès", "0123456789"
	if err := c.app.store.UpdateUser(ctx, noe); err != nil {
		t.Fatal(err)
	}
	st := c.app.login("other@example.org")
	teacher := c.app.login("outsider@example.org")

	// The form offers the five P4 activities with the parcours.
	form := st.get("/realisations/new")
	wantStatus(t, form, http.StatusOK)
	own := form.body[strings.Index(form.body, "Activités de mon parcours SISR"):]
	own = own[:max(0, strings.Index(own, "Autres activités (hors parcours)"))]
	for _, code := range []string{"A4.1.2", "A4.1.3", "A4.1.7", "A4.1.8", "A4.1.9", "A3.1.1", "A5.2.4"} {
		wantContains(t, own, `value="`+code+`"`)
	}
	wantNotContains(t, own, `value="A4.1.1"`)

	s1 := createStage(t, st, "/stages", stageForm("1", "Mairie de Rennes", "2026-05-18", "2026-06-19"))
	alt := stageForm("2", "Société Apprentie", "2026-09-01", "2027-06-30")
	alt.Set("kind", "alternance")
	sa := createStage(t, st, "/stages", alt)
	post := func(title string, acts, comps []string, stage, start, end string) int64 {
		t.Helper()
		in := sampleInput(title)
		in.Activities, in.Competences, in.Start, in.End = acts, comps, start, end
		f := formOf(in)
		if stage != "" {
			f.Set("stage", strconv.FormatInt(lastID(stage), 10))
		}
		res := st.post("/realisations", f)
		wantStatus(t, res, http.StatusSeeOther)
		id := lastID(res.header.Get("Location"))
		c.app.validate(noe.ID, id, c.outsider.ID)
		return id
	}
	post("Maquette de l'interface du portail", []string{"A4.1.2", "A3.1.1"}, []string{"C4.1.2.1"}, "", "2025-10", "2025-12")
	post("Documentation technique du parc", []string{"A4.1.9"}, nil, s1, "2026-05", "2026-06")
	post("Base de données de l'inventaire", []string{"A4.1.3", "A4.1.8"}, nil, sa, "2026-10", "2026-11")

	base := "/students/" + strconv.FormatInt(noe.ID, 10)
	text := func(c *client, path string) string {
		t.Helper()
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		out, err := pdfTextRaw(t, []byte(res.body))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(out), " ")
	}
	for _, who := range []struct {
		c    *client
		path string
	}{{st, "/tableau.pdf"}, {teacher, base + "/tableau.pdf"}, {teacher, base + "/tableau.pdf?paper=A4"}} {
		pdf := text(who.c, who.path)
		wantContains(t, pdf, "BTS SERVICES INFORMATIQUES AUX ORGANISATIONS - SESSION 2027 - TABLEAU DE SYNTHESE",
			"NOM et Prénom du candidat : "+noe.OfficialName(), "Option SISR", "N° du candidat : 0123456789",
			"SITUATIONS VÉCUES EN FORMATION à Lycée Jean Jaurès",
			"SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE PREMIERE ANNEE DANS L'ORGANISATION … Mairie de Rennes",
			"SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE DEUXIEME ANNEE DANS L'ORGANISATION … Société Apprentie",
			"A4.1.9 , Rédaction d'une documentation technique", "Maquette de l'interface du portail",
			"Je soussigné-e "+c.outsider.FullName()+", formatrice (formateur) au centre de formation Lycée Jean Jaurès, certifie")
		wantNotContains(t, pdf, "Total", "document de travail")
		// The bands in order, each réalisation in its year's.
		order := []string{"EN FORMATION", "Maquette de l'interface", "PREMIERE ANNEE", "Documentation technique du parc",
			"DEUXIEME ANNEE", "Base de données de l'inventaire", "Je soussigné-e"}
		at := 0
		for _, w := range order {
			i := strings.Index(pdf[at:], w)
			if i < 0 {
				t.Fatalf("%s: %q is not after the previous part of the sheet", who.path, w)
			}
			at += i
		}
	}

	// The XLSX: an X under each ticked column, the row in its band.
	xlsx := st.get("/tableau.xlsx")
	wantStatus(t, xlsx, http.StatusOK)
	sheet := readSheet(t, []byte(xlsx.body))
	if len(sheet.codes) != 48 || sheet.codes[33] != "A4.1.2" || sheet.codes[37] != "A4.1.9" {
		t.Fatalf("SISR columns %v", sheet.codes)
	}
	for title, want := range map[string]struct {
		band  string
		marks []string
	}{
		"Maquette de l'interface du portail": {"SITUATIONS VÉCUES EN FORMATION", []string{"A3.1.1", "A4.1.2"}},
		"Documentation technique du parc":    {"SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE PREMIERE ANNEE", []string{"A4.1.9"}},
		"Base de données de l'inventaire":    {"SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE DEUXIEME ANNEE", []string{"A4.1.3", "A4.1.8"}},
	} {
		row, ok := sheet.find(title)
		if !ok || !strings.HasPrefix(row.band, want.band) {
			t.Errorf("%q: band %q (found %v)", title, row.band, ok)
			continue
		}
		var got []string
		for _, code := range sheet.codes {
			if row.marks[code] {
				got = append(got, code)
			}
		}
		if strings.Join(got, ",") != strings.Join(want.marks, ",") || !row.types[0] || row.types[1] {
			t.Errorf("%q: X under %v, types %v; want %v, T1", title, got, row.types, want.marks)
		}
	}
	f, err := excelize.OpenReader(strings.NewReader(xlsx.body))
	if err != nil {
		t.Fatal(err)
	}
	if l, err := f.GetPageLayout(f.GetSheetName(0)); err != nil || *l.Size != 8 || *l.Orientation != "landscape" {
		t.Errorf("XLSX page %+v %v, want A3 landscape", l, err)
	}
	f.Close()
	f, err = excelize.OpenReader(strings.NewReader(teacher.get(base + "/tableau.xlsx?paper=A4").body))
	if err != nil {
		t.Fatal(err)
	}
	if l, err := f.GetPageLayout(f.GetSheetName(0)); err != nil || *l.Size != 9 {
		t.Errorf("XLSX ?paper=A4: page %+v %v", l, err)
	}
	f.Close()

	// Renaming the stage's organisation shows on the next download.
	edit := stageForm("1", "Mairie de Saint-Malo", "2026-05-18", "2026-06-19")
	wantStatus(t, st.post(s1, edit), http.StatusSeeOther)
	pdf := text(st, "/tableau.pdf")
	wantContains(t, pdf, "DANS L'ORGANISATION … Mairie de Saint-Malo")
	wantNotContains(t, pdf, "Mairie de Rennes")

	// The working view: the page, its PDF; the same 48 columns.
	page := st.get("/tableau")
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.body, "Tableau de synthèse — document de travail", `id="col-A4.1.2"`, `id="col-A4.1.9"`,
		`href="/tableau-travail.pdf"`, `href="/tableau.xlsx"`, `href="/tableau.pdf?paper=A4"`)
	work := text(st, "/tableau-travail.pdf")
	wantContains(t, work, "Tableau de synthèse — document de travail", "ce n’est pas le tableau officiel", "Total", "A4.1.9")
	res := st.get("/tableau-travail.pdf")
	wantContains(t, res.header.Get("Content-Disposition"), "_tableau_document_de_travail.pdf")
	wantStatus(t, teacher.get(base+"/tableau-travail.pdf"), http.StatusOK)
	classes, err := c.app.store.Classes(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range classes {
		if cl.Parcours == "SISR" {
			heat := teacher.get("/classes/" + strconv.FormatInt(cl.ID, 10))
			wantStatus(t, heat, http.StatusOK)
			wantContains(t, heat.body, "A4.1.2", "A4.1.9")
			// The class coverage table too.
			cov := teacher.get("/classes/" + strconv.FormatInt(cl.ID, 10) + "/couverture.csv")
			wantStatus(t, cov, http.StatusOK)
			wantContains(t, cov.body, "A4.1.2", "A4.1.9")
		}
	}

	// Authorisation: another class's teacher and another student get
	// nothing of this student's; a 2019 student has no working document.
	prof := c.app.login("prof@example.org")
	lea := c.app.login("lea@example.org")
	for _, path := range []string{"/tableau-travail.pdf", "/tableau.xlsx", "/tableau.pdf"} {
		if res := prof.get(base + path); res.status != http.StatusNotFound && res.status != http.StatusForbidden {
			t.Errorf("another class's teacher: %s %d", path, res.status)
		}
		if res := lea.get(base + path); res.status != http.StatusNotFound && res.status != http.StatusForbidden {
			t.Errorf("another student: %s %d", path, res.status)
		}
	}
	admin := c.app.login("admin@example.org")
	id2019 := newClass2019(t, admin, "SIO1 SLAM 2019", "SLAM")
	bob := c.app.addUser("bob@example.org", portfolio.RoleStudent, "SLAM")
	wantStatus(t, admin.post("/admin/classes/"+strconv.FormatInt(id2019, 10)+"/students", url.Values{"student_id": {strconv.FormatInt(bob.ID, 10)}}), http.StatusSeeOther)
	wantStatus(t, c.app.login("bob@example.org").get("/tableau-travail.pdf"), http.StatusNotFound)
}

// pdfTextRaw is the PDF's text in the order it is drawn (a turned
// header's lines one after the other).
func pdfTextRaw(t *testing.T, pdf []byte) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		return "", err
	}
	out, err := exec.Command("pdftotext", "-raw", path, "-").CombinedOutput()
	if err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(out)), nil
}
