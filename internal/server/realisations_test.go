package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

func TestHealthz(t *testing.T) {
	app := newTestApp(t)
	res := app.client().get("/healthz")
	wantStatus(t, res, http.StatusOK)
	app.store.Close()
	res = app.client().get("/healthz")
	wantStatus(t, res, http.StatusServiceUnavailable)
}

func TestLoginLogout(t *testing.T) {
	app := newTestApp(t)
	app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	c := app.client()

	res := c.get("/realisations")
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.header.Get("Location"); loc != "/login" {
		t.Fatalf("anonymous redirected to %q, want /login", loc)
	}

	res = c.post("/login", url.Values{"email": {"lea@example.org"}, "password": {"mauvais"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Adresse e-mail ou mot de passe incorrect.", `value="lea@example.org"`)

	res = c.post("/login", url.Values{"email": {"inconnu@example.org"}, "password": {"x"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Adresse e-mail ou mot de passe incorrect.")

	res = c.post("/login", url.Values{"email": {"LEA@example.org "}, "password": {testPassword}})
	wantStatus(t, res, http.StatusSeeOther)
	res = c.get("/realisations")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Mes réalisations professionnelles")

	// Logout is a POST; a GET does nothing.
	wantStatus(t, c.get("/logout"), http.StatusMethodNotAllowed)
	wantStatus(t, c.post("/logout", nil), http.StatusSeeOther)
	res = c.get("/realisations")
	wantStatus(t, res, http.StatusSeeOther)
}

func TestLoginRenewsSessionToken(t *testing.T) {
	app := newTestApp(t)
	app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	c := app.client()
	c.get("/login")
	before := sessionCookie(c, app)
	c.post("/login", url.Values{"email": {"lea@example.org"}, "password": {testPassword}})
	after := sessionCookie(c, app)
	if after == "" || after == before {
		t.Fatalf("session token not renewed at login: before %q after %q", before, after)
	}
}

func sessionCookie(c *client, app *testApp) string {
	u, _ := url.Parse(app.server.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "portfolio_session" {
			return ck.Value
		}
	}
	return ""
}

func TestCreateRealisationShowsOnTableau(t *testing.T) {
	app := newTestApp(t)
	u := app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	c := app.login("lea@example.org")

	wantStatus(t, c.get("/realisations/new"), http.StatusOK)
	in := sampleInput("Base de données des prêts œuvre d’été")
	in.Productions = []portfolio.Production{{Title: "Dépôt", URL: "https://git.example.org/prets"}}
	in.How = map[string]string{"A4.1.3": "MCD puis script SQL."}
	in.Competences = append(in.Competences, "C4.1.3.2")
	res := c.post("/realisations", formOf(in))
	wantStatus(t, res, http.StatusSeeOther)
	loc := res.header.Get("Location")
	if !regexp.MustCompile(`^/realisations/\d+$`).MatchString(loc) {
		t.Fatalf("redirect to %q", loc)
	}

	res = c.get(loc)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Réalisation enregistrée", "Base de données des prêts œuvre d’été",
		"MCD puis script SQL.", "C4.1.3.2", "https://git.example.org/prets", "2 activités, 3 compétences")

	list, err := app.store.ListRealisations(context.Background(), u.ID, store.RealisationFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("stored: %v, %v", list, err)
	}
	if got := list[0].Activities; len(got) != 2 || got[1].Code != "A4.1.3" || len(got[1].Competences) != 2 {
		t.Fatalf("stored activities %+v", got)
	}

	// A draft is not on the tableau until validated, unless the student
	// asks to show it; then it is marked as not validated.
	res = c.get("/tableau")
	wantStatus(t, res, http.StatusOK)
	wantNotContains(t, res.body, "Base de données des prêts œuvre d’été")
	wantStatus(t, c.post(loc+"/tableau", url.Values{"on_tableau": {"show"}}), http.StatusSeeOther)
	res = c.get("/tableau")
	wantContains(t, res.body, "Base de données des prêts œuvre d’été", "(non validée)")
	wantStatus(t, c.post(loc+"/tableau", url.Values{"on_tableau": {"auto"}}), http.StatusSeeOther)
	prof := app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	app.validate(u.ID, list[0].ID, prof.ID)

	res = c.get("/tableau")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Tableau de synthèse", "Base de données des prêts œuvre d’été", "10/25 – 12/25",
		"Réalisations validées par : Prénom prof.")
	wantNotContains(t, res.body, "(non validée)")
	// 48 SLAM columns; the X marks land under A1.1.1 and A4.1.3 only.
	if n := strings.Count(res.body, `class="rot`); n != 4+48 {
		t.Errorf("%d rotated headers, want 52", n)
	}
	marks := markedColumns(t, res.body)
	if strings.Join(marks, ",") != "T1,A1.1.1,A4.1.3" {
		t.Errorf("marked columns %v", marks)
	}
}

// markedColumns reads the tableau's first data row and returns the headers
// of its X cells.
func markedColumns(t *testing.T, body string) []string {
	t.Helper()
	head := regexp.MustCompile(`<th scope="col" class="rot[^"]*"[^>]*><span>([^<]+)</span>`).FindAllStringSubmatch(body, -1)
	var cols []string
	for _, h := range head {
		cols = append(cols, h[1])
	}
	// Types first (short labels), then activity codes; map types to T1..T4.
	for i := 0; i < 4 && i < len(cols); i++ {
		cols[i] = fmt.Sprintf("T%d", i+1)
	}
	row := regexp.MustCompile(`(?s)<th scope="row" class="intitule">.*?</tr>`).FindString(body)
	cells := regexp.MustCompile(`<td( class="periode")?>\s*([^<]*?)\s*</td>`).FindAllStringSubmatch(row, -1)
	var marked []string
	i := 0
	for _, c := range cells {
		if c[1] != "" {
			continue
		}
		if c[2] == "X" {
			marked = append(marked, cols[i])
		}
		i++
	}
	return marked
}

func TestCreateRealisationValidation(t *testing.T) {
	app := newTestApp(t)
	u := app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	c := app.login("lea@example.org")

	tests := []struct {
		name    string
		change  func(f url.Values)
		field   string
		message string
	}{
		{"title required", func(f url.Values) { f.Set("title", "  ") }, "title", "L&#39;intitulé est obligatoire."},
		{"title too long", func(f url.Values) { f.Set("title", strings.Repeat("é", 201)) }, "title", "ne doit pas dépasser 200 caractères"},
		{"description too long", func(f url.Values) { f.Set("description", strings.Repeat("a", 10001)) }, "description", "ne doit pas dépasser 10000 caractères"},
		{"description at limit", func(f url.Values) { f.Set("description", strings.Repeat("a", 10000)); f.Set("title", "") }, "title", "obligatoire"},
		{"no type", func(f url.Values) { f.Del("types") }, "types", "Cochez au moins un type de situation."},
		{"unknown type", func(f url.Values) { f.Set("types", "T9") }, "types", "Type de situation inconnu."},
		{"end before start", func(f url.Values) { f.Set("start", "2026-03"); f.Set("end", "2026-01") }, "end", "égal ou postérieur"},
		{"bad month", func(f url.Values) { f.Set("start", "2026-13") }, "start", "le mois doit être entre 01 et 12"},
		{"garbage month", func(f url.Values) { f.Set("end", "demain") }, "end", "Mois de fin invalide"},
		{"missing cadre", func(f url.Values) { f.Del("cadre") }, "cadre", "Choisissez le cadre"},
		{"unknown cadre", func(f url.Values) { f.Set("cadre", "vacances") }, "cadre", "Ce cadre n&#39;existe pas."},
		{"team without description", func(f url.Values) { f.Set("modalite", "equipe") }, "team", "La description de l&#39;équipe est obligatoire."},
		{"javascript url", func(f url.Values) {
			f.Set("production_title", "Dépôt")
			f.Set("production_url", "javascript:alert(1)")
		}, "production.0", "doit commencer par http:// ou https://"},
		{"unknown activity", func(f url.Values) { f.Add("activity", "A9.9.9") }, "activities", "Activité inconnue du référentiel."},
		{"unknown competence", func(f url.Values) { f.Add("competence", "C9.9.9.9") }, "activities", "Compétence inconnue du référentiel."},
		{"competence without activity", func(f url.Values) { f.Add("competence", "C5.2.2.1") }, "competence.C5.2.2.1", "Cochez l&#39;activité A5.2.2 pour pouvoir cocher la compétence C5.2.2.1."},
		{"invalid utf-8", func(f url.Values) { f.Set("contexte", "caf\xe9") }, "contexte", "caractères invalides"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := formOf(sampleInput("Ma réalisation"))
			f.Set("description", "Texte à garder")
			tt.change(f)
			res := c.post("/realisations", f)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res.body, `id="err-`+tt.field+`"`, tt.message, "a pas été enregistrée")
			// The rest of the input is kept.
			if f.Get("description") == "Texte à garder" {
				wantContains(t, res.body, ">Texte à garder</textarea>")
			}
			wantContains(t, res.body, `value="A1.1.1" checked`, `value="C4.1.3.1" checked`)
			if n, err := app.store.CountRealisations(context.Background(), u.ID); err != nil || n != 0 {
				t.Fatalf("something was written: %d, %v", n, err)
			}
		})
	}
}

func TestEditDuplicateDelete(t *testing.T) {
	app := newTestApp(t)
	u := app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	id := app.addRealisation(u.ID, sampleInput("Première version"))
	c := app.login("lea@example.org")
	path := fmt.Sprintf("/realisations/%d", id)

	res := c.get(path + "/edit")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, `value="Première version"`, `value="A4.1.3" checked`)

	in := sampleInput("Seconde version")
	in.Activities = []string{"A5.2.2"}
	in.Competences = []string{"C5.2.2.1"}
	res = c.post(path, withVersion(formOf(in), 1))
	wantStatus(t, res, http.StatusSeeOther)
	got, err := app.store.GetRealisation(context.Background(), u.ID, id)
	if err != nil || got.Title != "Seconde version" || len(got.Activities) != 1 || got.Activities[0].Code != "A5.2.2" {
		t.Fatalf("after update: %+v, %v", got, err)
	}

	// A failed edit keeps the stored version intact.
	in.Title = ""
	wantStatus(t, c.post(path, withVersion(formOf(in), 2)), http.StatusUnprocessableEntity)
	if got, _ := app.store.GetRealisation(context.Background(), u.ID, id); got.Title != "Seconde version" {
		t.Fatalf("failed edit changed the title to %q", got.Title)
	}

	res = c.post(path+"/duplicate", nil)
	wantStatus(t, res, http.StatusSeeOther)
	if !strings.HasSuffix(res.header.Get("Location"), "/edit") {
		t.Fatalf("duplicate redirects to %q", res.header.Get("Location"))
	}
	res = c.get(res.header.Get("Location"))
	wantContains(t, res.body, `value="Copie de Seconde version"`, `value="A5.2.2" checked`)

	res = c.get(path + "/delete")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Oui, supprimer définitivement")
	wantStatus(t, c.post(path+"/delete", url.Values{"version": {"2"}}), http.StatusSeeOther)
	wantStatus(t, c.get(path), http.StatusNotFound)
	if n, _ := app.store.CountRealisations(context.Background(), u.ID); n != 1 {
		t.Fatalf("%d réalisations left, want the copy only", n)
	}
	app.assertCoverageFresh()
}

func TestListFilter(t *testing.T) {
	app := newTestApp(t)
	u := app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	app.addRealisation(u.ID, sampleInput("En formation"))
	stage := sampleInput("En stage")
	stage.Cadre = "stage1"
	app.addRealisation(u.ID, stage)
	c := app.login("lea@example.org")

	res := c.get("/realisations?cadre=stage1")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "En stage", "1 réalisation affichée sur 2", "</strong> jamais couvertes.")
	wantNotContains(t, res.body, ">En formation<")

	res = c.get("/realisations?status=validee")
	wantContains(t, res.body, "Aucune réalisation ne correspond à ce filtre.")

	// Unknown filter values are ignored, not errors.
	res = c.get("/realisations?cadre=%00x&status=<script>")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "En stage", ">En formation<")
}

// TestStudentIsolation: student B can neither read, edit, duplicate nor
// delete student A's réalisation by URL, and learns nothing of it.
func TestStudentIsolation(t *testing.T) {
	app := newTestApp(t)
	a := app.addUser("a@example.org", portfolio.RoleStudent, "SLAM")
	app.addUser("b@example.org", portfolio.RoleStudent, "SISR")
	id := app.addRealisation(a.ID, sampleInput("Secret de A"))
	b := app.login("b@example.org")
	path := fmt.Sprintf("/realisations/%d", id)

	for _, tt := range []struct {
		method, path string
	}{
		{"GET", path}, {"GET", path + "/edit"}, {"GET", path + "/delete"},
		{"POST", path}, {"POST", path + "/duplicate"}, {"POST", path + "/delete"},
	} {
		var res response
		if tt.method == "GET" {
			res = b.get(tt.path)
		} else {
			res = b.post(tt.path, formOf(sampleInput("Écrasé par B")))
		}
		if res.status != http.StatusNotFound {
			t.Errorf("%s %s: status %d, want 404", tt.method, tt.path, res.status)
		}
		wantNotContains(t, res.body, "Secret de A")
	}
	for _, p := range []string{"/realisations", "/tableau", "/tableau.csv"} {
		res := b.get(p)
		wantStatus(t, res, http.StatusOK)
		wantNotContains(t, res.body, "Secret de A")
	}
	got, err := app.store.GetRealisation(context.Background(), a.ID, id)
	if err != nil || got.Title != "Secret de A" {
		t.Fatalf("A's réalisation changed: %+v, %v", got, err)
	}
	if n, _ := app.store.CountRealisations(context.Background(), a.ID); n != 1 {
		t.Fatalf("A has %d réalisations", n)
	}
}

func TestNotFoundAndRoles(t *testing.T) {
	app := newTestApp(t)
	app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	s := app.login("lea@example.org")
	for _, p := range []string{"/realisations/999999", "/realisations/abc", "/realisations/-1/edit", "/realisations/0", "/nulle-part"} {
		wantStatus(t, s.get(p), http.StatusNotFound)
	}
	wantStatus(t, s.post("/realisations/999999", formOf(sampleInput("x"))), http.StatusNotFound)

	prof := app.login("prof@example.org")
	res := prof.get("/")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Mes classes", "Vous n'enseignez encore dans aucune classe")
	for _, p := range []string{"/realisations", "/realisations/new", "/tableau", "/tableau.csv"} {
		wantStatus(t, prof.get(p), http.StatusForbidden)
	}
	wantStatus(t, prof.post("/realisations", formOf(sampleInput("x"))), http.StatusForbidden)
}

func TestCrossOriginPostRefused(t *testing.T) {
	app := newTestApp(t)
	u := app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	c := app.login("lea@example.org")
	req, _ := http.NewRequest(http.MethodPost, app.server.URL+"/realisations", strings.NewReader(formOf(sampleInput("Forgé")).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res := c.do(req)
	wantStatus(t, res, http.StatusForbidden)
	if n, _ := app.store.CountRealisations(context.Background(), u.ID); n != 0 {
		t.Fatal("cross-origin POST wrote a réalisation")
	}
}

func TestOversizedAndMalformedForms(t *testing.T) {
	app := newTestApp(t)
	app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	c := app.login("lea@example.org")

	big := formOf(sampleInput("Gros"))
	big.Set("description", strings.Repeat("a", 2<<20))
	wantStatus(t, c.post("/realisations", big), http.StatusRequestEntityTooLarge)

	req, _ := http.NewRequest(http.MethodPost, app.server.URL+"/realisations", strings.NewReader("title=%zz&%%%"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, c.do(req), http.StatusBadRequest)

	// Odd but well-formed input is a validation matter, never a 500.
	odd := url.Values{"activity": {"", "A1.1.1", "A1.1.1"}, "competence": {"C1.1.1.1", "C1.1.1.1"},
		"how.A9": {"x"}, "production_url": {"https://a.example", "", "ftp://x"}, "types": {"T1", "T1"}}
	res := c.post("/realisations", odd)
	wantStatus(t, res, http.StatusUnprocessableEntity)
}

func TestTableauCSV(t *testing.T) {
	app := newTestApp(t)
	u := app.addUser("lea@example.org", portfolio.RoleStudent, "SISR")
	in := sampleInput("=HYPERLINK(\"http://x\")")
	in.Activities = []string{"A3.2.1"}
	in.Competences = []string{"C3.2.1.1"}
	id := app.addRealisation(u.ID, in)
	app.validate(u.ID, id, app.addUser("prof@example.org", portfolio.RoleTeacher, "").ID)
	c := app.login("lea@example.org")
	res := c.get("/tableau.csv")
	wantStatus(t, res, http.StatusOK)
	if ct := res.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	wantContains(t, res.header.Get("Content-Disposition"), `filename="LEA_Prenom_tableau.csv"`)
	wantContains(t, res.body, "\ufeffTableau de synthèse — document de travail", "'=HYPERLINK", ";A3.2.1;", "SITUATIONS VÉCUES EN FORMATION")
	// SISR: the model's 48 activity columns, five of P4 but not A4.1.1.
	wantContains(t, res.body, ";A4.1.2;", ";A4.1.9;")
	wantNotContains(t, res.body, "A4.1.1;")
}

func TestTableauWithoutParcoursShowsEveryActivity(t *testing.T) {
	app := newTestApp(t)
	app.addUser("lea@example.org", portfolio.RoleStudent, "")
	c := app.login("lea@example.org")
	res := c.get("/tableau")
	wantStatus(t, res, http.StatusOK)
	if n := strings.Count(res.body, `class="rot`); n != 4+57 {
		t.Errorf("%d rotated headers, want 61", n)
	}
	wantContains(t, res.body, "Activités à couvrir (57)", "Non choisi")
}

// FuzzRealisationForm decodes arbitrary form bodies into a réalisation and
// validates them: either errors, or a réalisation that keeps every rule.
func FuzzRealisationForm(f *testing.F) {
	app := newTestApp(f)
	f.Add(formOf(sampleInput("Titre")).Encode())
	f.Add("title=%C3%A9&types=T1&types=T9&start=2026-01&end=01%2F26&activity=A1.1.1&competence=C1.1.1.1&competence=C5.2.2.1&ticked_before=A5.2.2")
	f.Add("production_title=a&production_url=javascript:x&how.A1.1.1=%00")
	f.Fuzz(func(t *testing.T, body string) {
		values, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		r, errs := decodeRealisation(values).Validate(app.ref)
		if errs != nil {
			return
		}
		if r.Title == "" || len(r.Types) == 0 || r.End.Before(r.Start) || (r.Modalite != portfolio.Alone && r.Modalite != portfolio.Team) {
			t.Fatalf("invalid réalisation accepted: %+v", r)
		}
		for _, a := range r.Activities {
			for _, c := range a.Competences {
				if comp, ok := app.ref.Competence(c); !ok || comp.Activity != a.Code {
					t.Fatalf("competence %s under %s", c, a.Code)
				}
			}
		}
	})
}
