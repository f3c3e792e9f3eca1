package portfolio_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

func ref(t testing.TB) *referentiel.Referentiel {
	t.Helper()
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	return all["sio-2011"]
}

func TestParseMonth(t *testing.T) {
	for in, want := range map[string]string{
		"2025-09": "2025-09", "09/2025": "2025-09", "9/25": "2025-09", " 2026-1 ": "2026-01",
	} {
		m, err := portfolio.ParseMonth(in)
		if err != nil || m.ISO() != want {
			t.Errorf("ParseMonth(%q) = %v, %v; want %s", in, m.ISO(), err, want)
		}
	}
	for _, in := range []string{"", "2025", "2025-00", "2025-13", "13/2025", "abc-de", "1999-05", "2025-09-01", "20251-01", "-", "/"} {
		if m, err := portfolio.ParseMonth(in); err == nil {
			t.Errorf("ParseMonth(%q) = %v, want an error", in, m)
		}
	}
	a, _ := portfolio.ParseMonth("2025-09")
	b, _ := portfolio.ParseMonth("2026-01")
	if got := portfolio.Period(a, b); got != "09/25 – 01/26" {
		t.Errorf("Period = %q", got)
	}
	if got := portfolio.Period(a, a); got != "09/25" {
		t.Errorf("Period of one month = %q", got)
	}
}

func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2025-09", "09/25", "", "2025-13", "x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := portfolio.ParseMonth(s)
		if err != nil {
			return
		}
		// A parsed month round-trips through its storage form.
		back, err := portfolio.ParseMonth(m.ISO())
		if err != nil || back != m || m.Month < 1 || m.Month > 12 {
			t.Fatalf("%q parsed to %v, round trip %v, %v", s, m, back, err)
		}
	})
}

func valid() portfolio.RealisationInput {
	return portfolio.RealisationInput{
		Title: "  Déploiement de GLPI ", Cadre: "stage1", Types: []string{"T2", "T1", "T2"},
		Start: "2026-05", End: "06/2026", Modalite: "seul",
		Activities:  []string{"A4.1.10", "A1.1.1", "A4.1.2"},
		Competences: []string{"C4.1.10.2", "C4.1.10.1", "C1.1.1.1"},
		How:         map[string]string{"A1.1.1": " Entretiens avec le client. "},
		Productions: []portfolio.Production{{}, {Title: "Wiki", URL: "https://wiki.example.org/glpi"}},
	}
}

func TestValidateCleansInput(t *testing.T) {
	r, errs := valid().Validate(ref(t))
	if errs != nil {
		t.Fatalf("unexpected errors %v", errs)
	}
	if r.Title != "Déploiement de GLPI" || strings.Join(r.Types, ",") != "T1,T2" {
		t.Errorf("title %q types %v", r.Title, r.Types)
	}
	var codes []string
	for _, a := range r.Activities {
		codes = append(codes, a.Code)
	}
	// Référentiel order, not string order: A4.1.2 before A4.1.10.
	if strings.Join(codes, ",") != "A1.1.1,A4.1.2,A4.1.10" {
		t.Errorf("activities %v", codes)
	}
	if got := r.Activities[2].Competences; strings.Join(got, ",") != "C4.1.10.1,C4.1.10.2" {
		t.Errorf("competences of A4.1.10: %v", got)
	}
	if r.Activities[0].How != "Entretiens avec le client." || len(r.Productions) != 1 {
		t.Errorf("how %q productions %v", r.Activities[0].How, r.Productions)
	}
	if r.Start.ISO() != "2026-05" || r.End.ISO() != "2026-06" || r.Status != portfolio.StatusDraft {
		t.Errorf("période %v–%v status %v", r.Start, r.End, r.Status)
	}
}

func TestValidateErrors(t *testing.T) {
	tests := map[string]struct {
		change func(*portfolio.RealisationInput)
		field  string
	}{
		"title 201":          {func(in *portfolio.RealisationInput) { in.Title = strings.Repeat("x", 201) }, "title"},
		"how too long":       {func(in *portfolio.RealisationInput) { in.How["A1.1.1"] = strings.Repeat("x", 1001) }, "how.A1.1.1"},
		"end before start":   {func(in *portfolio.RealisationInput) { in.End = "2026-04" }, "end"},
		"no type":            {func(in *portfolio.RealisationInput) { in.Types = nil }, "types"},
		"bad modalite":       {func(in *portfolio.RealisationInput) { in.Modalite = "duo" }, "modalite"},
		"url without host":   {func(in *portfolio.RealisationInput) { in.Productions[1].URL = "https://" }, "production.1"},
		"link without title": {func(in *portfolio.RealisationInput) { in.Productions[1].Title = "" }, "production.1"},
		"title without link": {func(in *portfolio.RealisationInput) { in.Productions[1].URL = "" }, "production.1"},
		"link title ESC":     {func(in *portfolio.RealisationInput) { in.Productions[1].Title = "a\x1b[31mb" }, "production.1"},
		"link title BS":      {func(in *portfolio.RealisationInput) { in.Productions[1].Title = "a\bb" }, "production.1"},
		"link title DEL":     {func(in *portfolio.RealisationInput) { in.Productions[1].Title = "a\x7fb" }, "production.1"},
		"link title C1":      {func(in *portfolio.RealisationInput) { in.Productions[1].Title = "a\u0085b" }, "production.1"},
		"orphan competence":  {func(in *portfolio.RealisationInput) { in.Competences = append(in.Competences, "C5.2.2.1") }, "competence.C5.2.2.1"},
		"too many links": {func(in *portfolio.RealisationInput) {
			for i := 0; i < 21; i++ {
				in.Productions = append(in.Productions, portfolio.Production{Title: "x", URL: "https://x.example"})
			}
		}, "productions"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			in := valid()
			tt.change(&in)
			_, errs := in.Validate(ref(t))
			if !errs.Has(tt.field) {
				t.Fatalf("no error on %s: %v", tt.field, errs)
			}
		})
	}
}

func TestBuildTableau(t *testing.T) {
	r := ref(t)
	mk := func(id int64, title, cadre, start, end string, acts ...string) portfolio.Realisation {
		in := portfolio.RealisationInput{Title: title, Cadre: cadre, Types: []string{"T1"}, Start: start, End: end, Modalite: "seul", Activities: acts}
		x, errs := in.Validate(r)
		if errs != nil {
			t.Fatal(errs)
		}
		x.ID = id
		x.Status, x.ValidatorName, x.Tableau = portfolio.StatusValidated, "Claire Dubois", portfolio.TableauAuto
		return x
	}
	hidden := mk(4, "Masquée", "formation", "2025-09", "2025-09", "A1.1.2")
	hidden.Tableau = portfolio.TableauHide
	draft := mk(5, "Brouillon", "stage1", "2026-05", "2026-05", "A1.1.3")
	draft.Status, draft.ValidatorName = portfolio.StatusDraft, ""
	shown := mk(6, "Soumise montrée", "stage1", "2026-06", "2026-06", "A1.1.3")
	shown.Status, shown.ValidatorName, shown.Tableau = portfolio.StatusSubmitted, "", portfolio.TableauShow
	other := mk(7, "TP tardif bis", "formation", "2026-04", "2026-04", "A1.1.1")
	other.ValidatorName = "Alain Martin"
	reals := []portfolio.Realisation{
		mk(1, "Stage 2", "stage2", "2027-01", "2027-02", "A4.1.7", "A1.1.1"),
		mk(2, "TP tardif", "formation", "2026-03", "2026-03", "A1.1.1"),
		mk(3, "TP précoce", "formation", "2025-10", "2025-12", "A3.3.1", "A5.2.2"), // A3.3.1 is not a SLAM column
		hidden, draft, shown,
	}
	student := portfolio.User{FirstName: "Léa", LastName: "Moreau", Parcours: "SLAM", SessionYear: 2027, CandidateNumber: "42"}
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	tab := portfolio.BuildTableau(r, student, reals, now)

	if len(tab.Columns) != 48 || tab.RowCount != 4 || tab.Header.Session != "2027" || tab.Header.Name != "MOREAU Léa" {
		t.Fatalf("columns %d rows %d header %+v", len(tab.Columns), tab.RowCount, tab.Header)
	}
	var groups []string
	span := 0
	for _, g := range tab.Groups {
		groups = append(groups, g.Code)
		span += g.Span
	}
	if strings.Join(groups, ",") != "P1,P2,P3,P4,P5" || span != 48 {
		t.Errorf("groups %v span %d", groups, span)
	}
	// Bands in order, formation rows sorted by date; the hidden and the
	// unvalidated rows are left out, the one shown on request is marked.
	if len(tab.Bands) != 3 || len(tab.Bands[0].Rows) != 2 || tab.Bands[0].Rows[0].Title != "TP précoce" || tab.Bands[0].Rows[1].Title != "TP tardif" {
		t.Fatalf("bands %+v", tab.Bands)
	}
	if len(tab.Bands[1].Rows) != 1 || tab.Bands[1].Rows[0].Title != "Soumise montrée" || !tab.Bands[1].Rows[0].Pending || !tab.HasPending {
		t.Fatalf("stage1 band %+v", tab.Bands[1].Rows)
	}
	if strings.Join(tab.Validators, ",") != "Claire Dubois" {
		t.Errorf("validators %v", tab.Validators)
	}
	if v := portfolio.BuildTableau(r, student, append(reals, other), now).Validators; strings.Join(v, ",") != "Alain Martin,Claire Dubois" {
		t.Errorf("validators %v", v)
	}
	col := func(code string) int {
		for i, c := range tab.Columns {
			if c.Code == code {
				return i
			}
		}
		t.Fatalf("no column %s", code)
		return -1
	}
	if tab.Totals[col("A1.1.1")] != 2 || tab.Totals[col("A4.1.7")] != 1 || tab.Totals[col("A5.2.2")] != 1 {
		t.Errorf("totals wrong")
	}
	if !tab.Bands[2].Rows[0].Marks[col("A4.1.7")] || tab.Bands[2].Rows[0].Marks[col("A5.2.2")] {
		t.Errorf("marks wrong")
	}
	if tab.TypeTotals[0] != 4 || len(tab.Gaps) != 48-4 || tab.Bands[0].Rows[0].Period != "10/25 – 12/25" {
		t.Errorf("type totals %v gaps %d", tab.TypeTotals, len(tab.Gaps))
	}
	// Pure: the same input gives the same grid.
	again := portfolio.BuildTableau(r, student, reals, now)
	if len(again.Gaps) != len(tab.Gaps) || again.Bands[0].Rows[0].Title != tab.Bands[0].Rows[0].Title {
		t.Errorf("not deterministic")
	}

	empty := portfolio.BuildTableau(r, portfolio.User{Parcours: "SISR"}, nil, now)
	if len(empty.Columns) != 48 || len(empty.Gaps) != 48 || len(empty.Bands) != 3 {
		t.Errorf("empty SISR tableau: %d columns %d gaps %d bands", len(empty.Columns), len(empty.Gaps), len(empty.Bands))
	}
}

// TestWorkingTableauBands: the working view's bands follow the official
// sheet's: the centre after the formation band, the stages' organisations
// after theirs, an apprentice's year-1 réalisation in the year-1 band.
func TestWorkingTableauBands(t *testing.T) {
	r := ref(t)
	mk := func(id int64, cadre, start string, stageYear int, org string) portfolio.Realisation {
		in := portfolio.RealisationInput{Title: "R", Cadre: cadre, Types: []string{"T1"}, Start: start, End: start, Modalite: "seul", Activities: []string{"A1.1.1"}}
		x, errs := in.Validate(r)
		if errs != nil {
			t.Fatal(errs)
		}
		x.ID, x.Status, x.ValidatorName = id, portfolio.StatusValidated, "Claire Dubois"
		if stageYear > 0 {
			x.StageID, x.StageYear, x.StageOrganisation = id, stageYear, org
		}
		return x
	}
	reals := []portfolio.Realisation{mk(1, "formation", "2025-10", 0, ""), mk(2, "stage1", "2026-05", 1, "Mairie de Rennes"),
		mk(3, "alternance", "2026-03", 0, ""), mk(4, "alternance", "2026-10", 2, "Société Apprentie")}
	student := portfolio.User{LastName: "Moreau", FirstName: "Léa", Parcours: "SLAM", SessionYear: 2027, Centre: "Lycée Jean Jaurès"}
	tab := portfolio.BuildTableau(r, student, reals, time.Now())
	var got []string
	for _, b := range tab.Bands {
		got = append(got, b.Title+": "+strconv.Itoa(len(b.Rows)))
	}
	want := []string{"SITUATIONS VÉCUES EN FORMATION à Lycée Jean Jaurès: 1",
		"SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE PREMIERE ANNEE DANS L'ORGANISATION … Mairie de Rennes: 2",
		"SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE DEUXIEME ANNEE DANS L'ORGANISATION … Société Apprentie: 1"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("bands\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
