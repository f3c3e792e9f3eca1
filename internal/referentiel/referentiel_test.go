package referentiel_test

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

func load(t *testing.T) *referentiel.Referentiel {
	t.Helper()
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := all["sio-2011"]
	if !ok {
		t.Fatal("sio-2011 missing")
	}
	return r
}

func TestCounts(t *testing.T) {
	r := load(t)
	domains, comps := 0, 0
	perProcess := map[string][2]int{}
	for _, p := range r.Processes {
		domains += len(p.Domains)
		for _, d := range p.Domains {
			for _, a := range d.Activities {
				c := perProcess[p.Code]
				c[0]++
				c[1] += len(a.Competences)
				perProcess[p.Code] = c
				comps += len(a.Competences)
			}
		}
	}
	if len(r.Processes) != 5 || domains != 14 || len(r.Activities()) != 57 || comps != 159 {
		t.Fatalf("counts %d/%d/%d/%d, want 5/14/57/159", len(r.Processes), domains, len(r.Activities()), comps)
	}
	want := map[string][2]int{"P1": {15, 40}, "P2": {7, 28}, "P3": {11, 30}, "P4": {14, 36}, "P5": {10, 25}}
	for p, w := range want {
		if perProcess[p] != w {
			t.Errorf("%s: activities/competences %v, want %v", p, perProcess[p], w)
		}
	}
	if len(r.Types) != 4 || len(r.Bands) != 3 || len(r.Parcours) != 2 {
		t.Errorf("types/bands/parcours %d/%d/%d", len(r.Types), len(r.Bands), len(r.Parcours))
	}
}

func TestCodesUniqueAndParents(t *testing.T) {
	r := load(t)
	seen := map[string]bool{}
	for _, a := range r.Activities() {
		for _, code := range append([]string{a.Code}, codes(a.Competences)...) {
			if seen[code] {
				t.Errorf("duplicate code %s", code)
			}
			seen[code] = true
		}
		if !strings.HasPrefix(a.Code, "A"+strings.TrimPrefix(a.Domain, "D")+".") {
			t.Errorf("%s under domain %s", a.Code, a.Domain)
		}
		if !strings.HasPrefix(a.Domain, "D"+strings.TrimPrefix(a.Process, "P")+".") {
			t.Errorf("domain %s under process %s", a.Domain, a.Process)
		}
		for i, c := range a.Competences {
			if want := "C" + strings.TrimPrefix(a.Code, "A") + "." + strconv.Itoa(i+1); c.Code != want {
				t.Errorf("competence %d of %s is %s, want %s", i+1, a.Code, c.Code, want)
			}
			if got, ok := r.Competence(c.Code); !ok || got.Activity != a.Code {
				t.Errorf("competence %s not indexed under %s", c.Code, a.Code)
			}
		}
		if len(a.Ressources) == 0 || len(a.Resultats) == 0 {
			t.Errorf("%s lacks ressources or résultats attendus", a.Code)
		}
	}
	// The official text prints these two with A2.1.2's codes.
	for _, code := range []string{"C2.2.1.3", "C2.2.1.4"} {
		if c, ok := r.Competence(code); !ok || c.Activity != "A2.2.1" {
			t.Errorf("%s should belong to A2.2.1", code)
		}
	}
	if c, ok := r.Competence("C2.1.2.3"); !ok || c.Activity != "A2.1.2" {
		t.Errorf("C2.1.2.3 should belong to A2.1.2")
	}
}

func codes(cs []referentiel.Competence) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return out
}

func TestExactTitles(t *testing.T) {
	r := load(t)
	titles := map[string]string{
		"P1":        "Production de services",
		"P3":        "Conception et maintenance de solutions d'infrastructure",
		"P5":        "Gestion du patrimoine informatique",
		"D2.2":      "Gestion des incidents et des demandes d'assistance",
		"D4.1":      "Conception et réalisation d'une solution applicative",
		"A1.1.1":    "Analyse du cahier des charges d'un service à produire",
		"A1.3.4":    "Déploiement d'un service",
		"A2.2.1":    "Suivi et résolution d'incidents",
		"A3.2.2":    "Remplacement ou mise à jour d'éléments défectueux ou obsolètes",
		"A4.1.10":   "Rédaction d'une documentation d'utilisation",
		"A4.2.1":    "Analyse et correction d'un dysfonctionnement, d'un problème de qualité de service ou de sécurité",
		"A5.1.6":    "Évaluation d'un investissement informatique",
		"A5.2.4":    "Étude d'une technologie, d'un composant, d'un outil ou d'une méthode",
		"C1.1.1.4":  "Rédiger un compte-rendu d'entretien, de réunion",
		"C1.4.1.2":  "Rendre compte de son activité",
		"C2.2.1.2":  "Prendre le contrôle d'un système à distance",
		"C4.1.10.1": "Rédiger la documentation d'utilisation, une aide en ligne, une FAQ",
		"C4.2.1.1":  "Élaborer un jeu d'essai permettant de reproduire le dysfonctionnement",
		"C5.2.4.1":  "Se documenter à propos d'une technologie, d'un composant, d'un outil ou d'une méthode",
		"T3":        "Élaboration de documents relatifs à la production et à la fourniture de services",
	}
	for code, want := range titles {
		var got string
		if a, ok := r.Activity(code); ok {
			got = a.Title
		} else if c, ok := r.Competence(code); ok {
			got = c.Title
		} else if p, ok := r.Process(code); ok {
			got = p.Title
		} else if d, ok := r.Domain(code); ok {
			got = d.Title
		} else if ty, ok := r.Type(code); ok {
			got = ty.Title
		}
		if got != want {
			t.Errorf("%s: %q, want %q", code, got, want)
		}
	}
}

func TestParcoursColumns(t *testing.T) {
	r := load(t)
	slam := r.ColumnActivities("SLAM")
	sisr := r.ColumnActivities("SISR")
	if len(slam) != 48 || len(sisr) != 48 || len(r.ColumnActivities("")) != 57 {
		t.Fatalf("columns SLAM %d, SISR %d, none %d; want 48, 48, 57", len(slam), len(sisr), len(r.ColumnActivities("")))
	}
	// The official model's SISR sheet (internal/export/testdata/model/sio-2011-TABLEAU.md):
	// P1, P2, P3, five activities of P4, P5.
	var sisrCodes []string
	for _, a := range sisr {
		sisrCodes = append(sisrCodes, a.Code)
	}
	want := "A1.1.1,A1.1.2,A1.1.3,A1.2.1,A1.2.2,A1.2.3,A1.2.4,A1.2.5,A1.3.1,A1.3.2,A1.3.3,A1.3.4,A1.4.1,A1.4.2,A1.4.3," +
		"A2.1.1,A2.1.2,A2.2.1,A2.2.2,A2.2.3,A2.3.1,A2.3.2," +
		"A3.1.1,A3.1.2,A3.1.3,A3.2.1,A3.2.2,A3.2.3,A3.3.1,A3.3.2,A3.3.3,A3.3.4,A3.3.5," +
		"A4.1.2,A4.1.3,A4.1.7,A4.1.8,A4.1.9," +
		"A5.1.1,A5.1.2,A5.1.3,A5.1.4,A5.1.5,A5.1.6,A5.2.1,A5.2.2,A5.2.3,A5.2.4"
	if got := strings.Join(sisrCodes, ","); got != want {
		t.Errorf("SISR columns\n%s\nwant\n%s", got, want)
	}
	var slamP3 []string
	for _, a := range slam {
		if a.Process == "P3" {
			slamP3 = append(slamP3, a.Code)
		}
	}
	if strings.Join(slamP3, ",") != "A3.2.1,A3.2.2" {
		t.Errorf("SLAM P3 columns %v", slamP3)
	}
	if slam[len(slam)-1].Code != "A5.2.4" || slam[0].Code != "A1.1.1" {
		t.Errorf("SLAM columns not in référentiel order")
	}
}

func TestValidationRejectsBrokenData(t *testing.T) {
	good, err := refdata.FS.ReadFile("sio-2011.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(string) string{
		"duplicate code": func(s string) string {
			return strings.Replace(s, `"code": "C1.1.1.2"`, `"code": "C1.1.1.1"`, 1)
		},
		"wrong parent": func(s string) string { return strings.Replace(s, `"code": "A1.1.2"`, `"code": "A2.1.9"`, 1) },
		"missing title": func(s string) string {
			return strings.Replace(s, `"title": "Production de services"`, `"title": ""`, 1)
		},
		"unknown field": func(s string) string {
			return strings.Replace(s, `"code": "sio-2011",`, `"code": "sio-2011", "extra": 1,`, 1)
		},
		"unknown column":  func(s string) string { return strings.Replace(s, `"A3.2.1"`, `"A3.2.9"`, 1) },
		"not json":        func(s string) string { return s[:len(s)/2] },
		"count mismatch":  func(s string) string { return strings.Replace(s, `"code": "C1.1.1.4"`, `"code": "C1.1.1.4x"`, 1) },
		"trailing object": func(s string) string { return s + "{}" },
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := referentiel.LoadAll(fstest.MapFS{"x.json": {Data: []byte(mutate(string(good)))}}); err == nil {
				t.Fatal("broken référentiel accepted")
			}
		})
	}
}

// FuzzParse: any bytes either load as a valid référentiel or are refused
// with an error; never a panic.
func FuzzParse(f *testing.F) {
	good, err := refdata.FS.ReadFile("sio-2011.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"code":"x","title":"t","processes":[{"code":"P1","title":"p","domains":[]}],"types":[],"bands":[]}`))
	f.Add([]byte(`{"code":"x","title":"t","processes":[{"code":"P1","title":"p","domains":[{"code":"D1.1","title":"d","activities":[{"code":"A1.1.1","title":"a","competences":[{"code":"C1.1.1.1","title":"c"}]}]}]}],"parcours":[{"code":"S","title":"s","columns":["P1"]}],"types":[{"code":"T1","title":"t","short":"s"}],"bands":[{"code":"b","title":"b"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := referentiel.Parse(data)
		if err != nil {
			return
		}
		for _, a := range r.Activities() {
			if got, ok := r.Activity(a.Code); !ok || got != a || len(a.Competences) == 0 {
				t.Fatalf("inconsistent index for %s", a.Code)
			}
		}
		for _, p := range r.Parcours {
			if len(r.ColumnActivities(p.Code)) != len(p.ActivityCodes) {
				t.Fatalf("parcours %s columns", p.Code)
			}
		}
	})
}
