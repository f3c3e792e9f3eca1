package portfolio_test

import (
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

func tree2019(t *testing.T) *referentiel.Tree {
	t.Helper()
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	return all["sio-2019"].Tree
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestBuildGrid2019(t *testing.T) {
	tree := tree2019(t)
	student := portfolio.User{FirstName: "Léa", LastName: "Martin", Parcours: "SISR", SessionYear: 2026,
		CandidateNumber: "02345678901", Centre: "Lycée Jean Jaurès", PortfolioURL: "https://portfolio.example/jury/x"}
	g := portfolio.BuildGrid(tree, student, []portfolio.GridEntry{
		{ID: 1, Title: "Gestion du parc", Cadre: "formation", Start: day("2025-09-13"), End: day("2026-05-31"),
			Ticks: []string{"B1.2", "B1.1.1", "B1.1.3"}, Productions: []portfolio.Production{{Title: "Inventaire", URL: "https://x.example"}}},
		{ID: 2, Title: "Supervision", Cadre: "stage2", Start: day("2026-01-05"), End: day("2026-02-13"), Ticks: []string{"B2.1", "B1.5"}, Pending: true},
		{ID: 3, Title: "Cadre inconnu", Cadre: "ailleurs", Ticks: []string{"B1.6"}},
	}, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))

	if g.Sheet != "Tableau de synthèse Épreuve E5" || g.Title != "BTS SERVICES INFORMATIQUES AUX ORGANISATIONS" ||
		g.Session != "SESSION 2026" || g.Subtitle != "Tableau de synthèse des réalisations professionnelles " {
		t.Errorf("titles %q %q %q %q", g.Sheet, g.Title, g.Session, g.Subtitle)
	}
	fields := map[string]portfolio.GridField{}
	for _, f := range g.Fields {
		fields[f.Key] = f
	}
	if f := fields["name"]; f.Label != "NOM et prénom : " || f.Value != "MARTIN Léa" {
		t.Errorf("name %+v", f)
	}
	if fields["candidate"].Value != "02345678901" || fields["url"].Label != "Adresse URL du portfolio :" {
		t.Errorf("fields %+v", g.Fields)
	}
	if len(g.Options) != 2 || g.Options[0].Box != "☒" || !g.Options[0].Checked || g.Options[1].Box != "▢" {
		t.Errorf("options %+v", g.Options)
	}
	if len(g.Columns) != 6 || g.Columns[0].Label != "Gérer le patrimoine informatique" ||
		g.Columns[0].Details[0] != "▸Recenser et identifier les ressources numériques" || len(g.Columns[0].Details) != 6 {
		t.Errorf("columns %+v", g.Columns)
	}
	if g.PeriodLabel != "Période (sous la forme du JJ/MM/AA au JJ/MM/AA)" || g.Paper != "A4" || g.Landscape {
		t.Errorf("period label %q, paper %s %v", g.PeriodLabel, g.Paper, g.Landscape)
	}
	if len(g.Bands) != 3 || g.Bands[0].Blank != 10 || g.Bands[1].Blank != 7 || len(g.Bands[1].Rows) != 0 {
		t.Fatalf("bands %+v", g.Bands)
	}
	r := g.Bands[0].Rows[0]
	// Two items of B1.1 mark its column once; B1.2 is ticked itself.
	if r.Period != "13/09/25 au 31/05/26" || !r.Marks[0] || !r.Marks[1] || r.Marks[2] {
		t.Errorf("row %+v", r)
	}
	r = g.Bands[2].Rows[0]
	// B2.1 is not a column of the tableau (Bloc 1 only).
	if r.Period != "05/01/26 au 13/02/26" || !r.Pending || strings.Count(marks(r.Marks), "X") != 1 || !r.Marks[4] {
		t.Errorf("row %+v", r)
	}
	var missing []string
	for _, c := range g.Missing {
		missing = append(missing, c.Code)
	}
	if strings.Join(missing, " ") != "B1.3 B1.4 B1.6" || !g.Complete {
		t.Errorf("missing %v", missing)
	}
	// A student without a session still gets the model's texts.
	g = portfolio.BuildGrid(tree, portfolio.User{Parcours: "SLAM"}, nil, time.Now())
	if g.Session != "SESSION" || g.Sheet != "Tableau de synthèse Épreuve" || !g.Options[1].Checked || len(g.Missing) != 6 {
		t.Errorf("without a session: %q %q %+v", g.Session, g.Sheet, g.Options)
	}
}

func marks(m []bool) string {
	var b strings.Builder
	for _, on := range m {
		if on {
			b.WriteByte('X')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}
