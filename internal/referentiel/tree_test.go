package referentiel_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

// seedTSV is the reconciled 2019 référentiel the JSON file was generated
// from, copied as it was published (the project stands alone).
const seedTSV = "testdata/model/sio-2019.tsv"

func load2019(t *testing.T) *referentiel.Tree {
	t.Helper()
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := all["sio-2019"]
	if !ok || r.Tree == nil {
		t.Fatal("sio-2019 is not loaded as a tree")
	}
	return r.Tree
}

// TestSio2019MatchesTheSeed compares every element of sio-2019.json with
// sio-2019.tsv: code, level, parent, parcours and title, byte for byte,
// both ways.
func TestSio2019MatchesTheSeed(t *testing.T) {
	tree := load2019(t)
	f, err := os.Open(filepath.FromSlash(seedTSV))
	if err != nil {
		t.Fatalf("the seed is needed to check sio-2019.json: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = '\t', true, 6
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "code,level,parent,parcours,title,sources" {
		t.Fatalf("seed columns %v", rows[0])
	}
	levels := map[string]int{}
	for _, row := range rows[1:] {
		code, level, parent, parcours, title := row[0], row[1], row[2], row[3], row[4]
		if parcours == "common" {
			parcours = ""
		}
		n, ok := tree.Node(parcours, code)
		if !ok || n.Parcours != parcours {
			t.Errorf("%s (%s) is missing", code, row[3])
			continue
		}
		if got := tree.Levels[n.Depth].Key; got != level {
			t.Errorf("%s (%s): level %s, want %s", code, row[3], got, level)
		}
		if got := ""; n.Parent != nil {
			got = n.Parent.Code
			if got != parent {
				t.Errorf("%s (%s): parent %s, want %s", code, row[3], got, parent)
			}
		} else if parent != "" {
			t.Errorf("%s (%s): no parent, want %s", code, row[3], parent)
		}
		if n.Title != title {
			t.Errorf("%s (%s): title\n%q, want\n%q", code, row[3], n.Title, title)
		}
		levels[level]++
	}
	total := 0
	tree.Walk("", func(*referentiel.Node) { total++ })
	if total != len(rows)-1 || total != 108 {
		t.Errorf("%d elements in the JSON, %d in the seed, want 108", total, len(rows)-1)
	}
	if levels["bloc"] != 4 || levels["competence"] != 18 || levels["item"] != 86 {
		t.Errorf("levels %v, want 4 bloc rows, 18 competences, 86 items", levels)
	}
}

func TestSio2019Shape(t *testing.T) {
	tree := load2019(t)
	if tree.TickLevel().Key != "competence" {
		t.Errorf("ticked level %q", tree.TickLevel().Key)
	}
	// Each parcours sees Bloc 1, its own Bloc 2 and Bloc 3 with its B3.5.
	for _, p := range []string{"SISR", "SLAM"} {
		var comps []string
		tree.Walk(p, func(n *referentiel.Node) {
			if tree.Levels[n.Depth].Key == "competence" {
				comps = append(comps, n.Code)
			}
		})
		if got := strings.Join(comps, " "); got != "B1.1 B1.2 B1.3 B1.4 B1.5 B1.6 B2.1 B2.2 B2.3 B3.1 B3.2 B3.3 B3.4 B3.5" {
			t.Errorf("%s competences: %s", p, got)
		}
	}
	for _, c := range []struct{ parcours, code, title string }{
		{"", "B1.1", "Gérer le patrimoine informatique"},
		{"", "B3.2", "Préserver l’identité numérique de l’organisation"},
		{"", "B1.3.2", "Référencer les services en ligne de l’organisation et mesurer leur visibilité."},
		{"SISR", "B2.1", "Concevoir une solution d’infrastructure réseau"},
		{"SLAM", "B2.1", "Concevoir et développer une solution applicative"},
		{"SLAM", "B3.5", "Assurer la cybersécurité d’une solution applicative et de son développement"},
	} {
		if n, ok := tree.Node(c.parcours, c.code); !ok || n.Title != c.title {
			t.Errorf("%s %s: %+v", c.parcours, c.code, n)
		}
	}
	tree.Walk("", func(n *referentiel.Node) {
		if strings.Contains(n.Title, "'") {
			t.Errorf("%s: straight apostrophe in %q (the official text uses ’)", n.Code, n.Title)
		}
	})
}

// TestParseTreeRefusesBadData: the loader checks the data against what it
// says of itself.
func TestParseTreeRefusesBadData(t *testing.T) {
	good := `{"code": "x", "title": "X", "levels": [{"key": "bloc", "label": "Bloc"}, {"key": "c", "label": "C", "tick": true}, {"key": "i", "label": "I", "detail": true}],
		"parcours": [{"code": "A", "title": "A"}], "expect": [{"code": "B1", "counts": {"c": 1, "i": 1}}],
		"cadres": [{"code": "f", "label": "F"}, {"code": "s", "label": "S"}],
		"form": {"legend": "L", "hint": "H", "section": "{code}", "how": "{code}", "unknown_tick": "U", "unknown_detail": "U",
			"detail_needs_tick": "{tick} {detail}", "details_need_ticks": "D", "no_parcours": "N", "none_ticked": "N"}, "coverage": ["B1"],
		"tableau": {"title": "T", "corner": {"above": "A", "below": "B"}, "columns": ["B1"], "column_label": "title", "period": {"precision": "day", "format": "{start} au {end}"},
			"bands": [{"code": "f", "title": "F", "cadres": ["f"]}, {"code": "s", "title": "S", "cadres": ["s"]}], "paper": "A4", "orientation": "portrait"},
		"epreuves": [{"bloc": "B1", "from": 2022, "to": 2024, "code": "E4", "title": "E"}, {"bloc": "B1", "from": 2025, "code": "E5", "title": "E"}],
		"nodes": [{"code": "B1", "title": "Bloc", "children": [{"code": "B1.1", "title": "C", "children": [{"code": "B1.1.1", "title": "I"}]}]}]}`
	if _, err := referentiel.ParseTree([]byte(good)); err != nil {
		t.Fatalf("good data refused: %v", err)
	}
	for name, bad := range map[string]string{
		"wrong count":          strings.Replace(good, `"i": 1}`, `"i": 2}`, 1),
		"form text missing":    strings.Replace(good, `"hint": "H"`, `"hint": ""`, 1),
		"grid with totals":     strings.Replace(good, `"paper": "A4"`, `"totals": true, "paper": "A4"`, 1),
		"letters in a code":    strings.Replace(good, `"B1.1.1"`, `"B1.1.x"`, 1),
		"code off its tree":    strings.Replace(good, `"B1.1.1"`, `"B2.1.1"`, 1),
		"unknown parcours":     strings.Replace(good, `"code": "B1.1", "title": "C"`, `"code": "B1.1", "title": "C", "parcours": "Z"`, 1),
		"duplicate":            strings.Replace(good, `{"code": "B1.1.1", "title": "I"}`, `{"code": "B1.1.1", "title": "I"}, {"code": "B1.1.1", "title": "J"}`, 1),
		"too deep":             strings.Replace(good, `{"code": "B1.1.1", "title": "I"}`, `{"code": "B1.1.1", "title": "I", "children": [{"code": "B1.1.1.1", "title": "Z"}]}`, 1),
		"no ticked level":      strings.Replace(good, `"tick": true`, `"tick": false`, 1),
		"empty title":          strings.Replace(good, `"title": "I"`, `"title": " "`, 1),
		"unknown field":        strings.Replace(good, `"code": "x"`, `"code": "x", "colour": "red"`, 1),
		"unknown count name":   strings.Replace(good, `"c": 1,`, `"z": 1,`, 1),
		"unknown column":       strings.Replace(good, `"columns": ["B1"]`, `"columns": ["B9"]`, 1),
		"cadre in no band":     strings.Replace(good, `"cadres": ["s"]`, `"cadres": ["f"]`, 1),
		"overlapping épreuves": strings.Replace(good, `"from": 2025`, `"from": 2024`, 1),
		"bad precision":        strings.Replace(good, `"precision": "day"`, `"precision": "week"`, 1),
		"no corner nor labels": strings.Replace(good, `"corner": {"above": "A", "below": "B"}, `, ``, 1),
		"types without types":  strings.Replace(good, `"paper": "A4"`, `"types": true, "types_label": "S", "paper": "A4"`, 1),
		"two bands, same year": strings.Replace(good, `"cadres": ["s"]}`, `"cadres": ["s"]}, {"code": "t", "title": "T", "cadres": ["s"]}`, 1),
		"one year of two":      strings.Replace(good, `"cadres": ["s"]}`, `"cadres": ["s"], "year": 1}, {"code": "t", "title": "T", "cadres": ["s"], "year": 1}`, 1),
		"slot without value":   strings.Replace(good, `"cadres": ["s"]}`, `"cadres": ["s"], "slot": "organisation", "slot_format": " à "}`, 1),
		"unknown slot":         strings.Replace(good, `"cadres": ["s"]}`, `"cadres": ["s"], "slot": "tuteur", "slot_format": " {value}"}`, 1),
		"attestation rows":     strings.Replace(good, `"paper": "A4"`, `"attestation_rows": 2, "paper": "A4"`, 1),
		"bad column format":    strings.Replace(good, `"column_label": "title"`, `"column_label": "code_title", "column_format": "{code}"`, 1),
		"unknown column title": strings.Replace(good, `"column_label": "title"`, `"column_label": "title", "column_titles": {"B9": "X"}`, 1),
	} {
		if _, err := referentiel.ParseTree([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSio2019TableauEpreuvesFiche(t *testing.T) {
	tree := load2019(t)
	for _, p := range []string{"SISR", "SLAM"} {
		var titles []string
		for _, n := range tree.Columns(p) {
			titles = append(titles, n.Title)
		}
		if got := strings.Join(titles, " | "); got != "Gérer le patrimoine informatique | Répondre aux incidents et aux demandes d’assistance et d’évolution | "+
			"Développer la présence en ligne de l’organisation | Travailler en mode projet | Mettre à disposition des utilisateurs un service informatique | "+
			"Organiser son développement professionnel" {
			t.Errorf("%s columns: %s", p, got)
		}
	}
	for _, c := range []struct {
		bloc, parcours string
		session        int
		code, title    string
	}{
		{"B1", "SISR", 2024, "E4", "Support et mise à disposition de services informatiques"},
		{"B1", "SLAM", 2025, "E5", "Support et mise à disposition de services informatiques"},
		{"B2", "SISR", 2023, "E5", "Administration des systèmes et des réseaux"},
		{"B2", "SLAM", 2027, "E6", "Conception et développement d’applications"},
		{"B3", "SLAM", 2026, "E7", "Cybersécurité des services informatiques"},
	} {
		e, ok := tree.EpreuveFor(c.bloc, c.parcours, c.session)
		if !ok || e.Code != c.code || e.Title != c.title {
			t.Errorf("%s %s %d: %+v", c.bloc, c.parcours, c.session, e)
		}
	}
	if _, ok := tree.EpreuveFor("B1", "SISR", 2021); ok {
		t.Error("an épreuve before the first session of the référentiel")
	}
	if tree.Fiche == nil || tree.Fiche.AnnexeFor(2025) != "9-1" || tree.Fiche.AnnexeFor(2024) != "" {
		t.Errorf("fiche annexes %+v", tree.Fiche)
	}
	if b := tree.Tableau.Bands; len(b) != 3 || b[0].Title != "Réalisation en cours de formation" ||
		b[2].Title != "Réalisations en milieu professionnel en cours de seconde année" {
		t.Errorf("bands %+v", b)
	}
}

// TestSio2019TextsAreTheModels: every fixed text of the tableau and of the
// fiche is written in testdata/model/sio-2019-TABLEAU.md (a copy of the
// official models read cell by cell), exactly (between backquotes there).
func TestSio2019TextsAreTheModels(t *testing.T) {
	tree := load2019(t)
	model, err := os.ReadFile(filepath.FromSlash("testdata/model/sio-2019-TABLEAU.md"))
	if err != nil {
		t.Fatalf("the model is needed: %v", err)
	}
	tb := tree.Tableau
	texts := []string{tb.Title, tb.Subtitle, tb.Corner.Above, tb.Period.Label, strings.Replace(tb.Session, "{session}", "2026", 1)}
	texts = append(texts, strings.Split(tb.Corner.Below, "\n")...)
	for _, f := range tb.Fields {
		texts = append(texts, f.Label)
	}
	for _, b := range tb.Bands {
		texts = append(texts, b.Title)
	}
	texts = append(texts, tree.Fiche.Header, tree.Fiche.Heading, strings.Replace(tree.Fiche.Session, "{session}", "20xx", 1))
	for _, l := range tree.Fiche.Labels {
		// The model's text, without the footnote calls the Word model
		// adds to it (LAYOUT.md §2).
		texts = append(texts, strings.NewReplacer("¹", "", "²", "", "³", "", "⁴", "").Replace(l))
	}
	for _, s := range texts {
		if !strings.Contains(string(model), "`"+s+"`") {
			t.Errorf("%q is not a text of the model", s)
		}
	}
	if !strings.Contains(string(model), "`"+tb.OptionBox.Unchecked+" SISR`") {
		t.Errorf("option box %q", tb.OptionBox.Unchecked)
	}
}

// TestSio2019FicheFootnotes: the fiche's four footnotes are those of the
// Word model in each option's wording (testdata/model/sio-2019-LAYOUT.md
// §2), each called in a label.
func TestSio2019FicheFootnotes(t *testing.T) {
	tree := load2019(t)
	layout, err := os.ReadFile(filepath.FromSlash("testdata/model/sio-2019-LAYOUT.md"))
	if err != nil {
		t.Fatalf("the model is needed: %v", err)
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	model := flat(string(layout))
	for _, parcours := range []string{"SISR", "SLAM"} {
		notes := tree.Fiche.FootnotesFor(parcours)
		var calls []string
		for _, n := range notes {
			calls = append(calls, n.Call)
		}
		if strings.Join(calls, "") != "¹²³⁴" {
			t.Fatalf("%s: footnotes %q", parcours, calls)
		}
		for i, n := range notes {
			text := n.Text
			if parcours == "SLAM" && i == 0 {
				// LAYOUT.md gives the SLAM wording of ¹ as the SISR one
				// with the bloc's name changed.
				text = strings.Replace(text, "« Conception et développement d’applications »", "« Administration des systèmes et des réseaux »", 1)
			}
			if !strings.Contains(model, "« "+flat(text)+" »") {
				t.Errorf("%s %s: %q is not the model's", parcours, n.Call, n.Text)
			}
		}
	}
	if tree.Fiche.MaxNumber(2025) != 2 || tree.Fiche.MaxNumber(2031) != 2 || tree.Fiche.MaxNumber(0) != 2 || tree.Fiche.MaxNumber(2024) != 0 {
		t.Error("two fiches from session 2025")
	}
}

// TestCoverageOfAClassWithoutParcours: a 2019 class without a parcours
// (SISR and SLAM students together) has every competence column, B2 and
// B3.5 included, titled for both parcours where they differ.
func TestCoverageOfAClassWithoutParcours(t *testing.T) {
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	cols, groups := all["sio-2019"].CoverageColumns("")
	var codes []string
	for _, c := range cols {
		codes = append(codes, c.Code)
	}
	if got := strings.Join(codes, " "); got != "B1.1 B1.2 B1.3 B1.4 B1.5 B1.6 B2.1 B2.2 B2.3 B3.1 B3.2 B3.3 B3.4 B3.5" {
		t.Fatalf("columns %s", got)
	}
	if cols[0].Title != "Gérer le patrimoine informatique" ||
		cols[6].Title != "SISR : Concevoir une solution d’infrastructure réseau ; SLAM : Concevoir et développer une solution applicative" {
		t.Errorf("titles %q / %q", cols[0].Title, cols[6].Title)
	}
	if len(groups) != 3 || groups[1].Span != 3 || groups[1].Title != "SISR : Administration des systèmes et des réseaux ; SLAM : Conception et développement d’applications" {
		t.Errorf("groups %+v", groups)
	}
}
