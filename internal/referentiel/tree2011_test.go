package referentiel_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
)

// TestTree2011IsTheFirstForm: the 2011 référentiel in the Tree form
// (referentiel/sio-2011.json) is the one the product was first built on
// (testdata/sio-2011-first-form.json, its data file before the Tree form):
// same processes, domains, activities with their ressources and résultats,
// competences, parcours columns, types and bands, element by element; and
// the réalisation form it gives each parcours (sections, headings, units,
// guidance, texts, cadres, types) is the one the first form gave.
func TestTree2011IsTheFirstForm(t *testing.T) {
	data, err := os.ReadFile("testdata/sio-2011-first-form.json")
	if err != nil {
		t.Fatal(err)
	}
	first, err := referentiel.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	tree := load(t)
	if tree.Tree == nil || tree.Grid() == nil || !tree.Working() {
		t.Fatal("sio-2011 is not a Tree with the processus working view")
	}
	if tree.Code != first.Code || tree.Title != first.Title {
		t.Errorf("code/title %q %q", tree.Code, tree.Title)
	}
	if !reflect.DeepEqual(tree.Processes, first.Processes) {
		t.Error("processes, domains, activities or competences differ")
		for i := range first.Processes {
			if !reflect.DeepEqual(tree.Processes[i], first.Processes[i]) {
				t.Logf("first difference in %s", first.Processes[i].Code)
				break
			}
		}
	}
	for name, pair := range map[string][2]any{
		"types": {tree.Types, first.Types}, "bands": {tree.Bands, first.Bands},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s differ: %v / %v", name, pair[0], pair[1])
		}
	}
	if len(tree.Parcours) != len(first.Parcours) {
		t.Fatalf("parcours %d / %d", len(tree.Parcours), len(first.Parcours))
	}
	for i, p := range first.Parcours {
		q := tree.Parcours[i]
		if q.Code != p.Code || q.Title != p.Title || !reflect.DeepEqual(q.Columns, p.Columns) || !reflect.DeepEqual(q.ActivityCodes, p.ActivityCodes) {
			t.Errorf("parcours %s differs", p.Code)
		}
	}
	for _, parcours := range []string{"", "SISR", "SLAM"} {
		a, b := tree.Scheme(parcours), first.Scheme(parcours)
		if !reflect.DeepEqual(a.Sections, b.Sections) {
			t.Errorf("%q: the form's sections differ", parcours)
		}
		if !reflect.DeepEqual(a.Cadres, b.Cadres) || !reflect.DeepEqual(a.Types, b.Types) || a.Names != b.Names || a.DayPrecision || a.Fiche {
			t.Errorf("%q: cadres, types, names or période differ", parcours)
		}
		fa, fb := a.Form, b.Form
		fa.Sections, fa.OwnSection, fa.OtherSection, fa.AllSection, fa.NoParcours, fa.NoneTicked = "", "", "", "", "", ""
		fb.NoParcours, fb.NoneTicked = "", ""
		if fa != fb {
			t.Errorf("%q: form texts differ:\n%+v\n%+v", parcours, fa, fb)
		}
		ca, ga := tree.CoverageColumns(parcours)
		cb, gb := first.CoverageColumns(parcours)
		if !reflect.DeepEqual(ca, cb) || !reflect.DeepEqual(ga, gb) {
			t.Errorf("%q: coverage columns differ", parcours)
		}
	}
}
