package server

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

// TestUpgradeKeeps2011Tableaux: a database written by the version before
// the 2019 référentiel (testdata/upgrade-v11, schema 11, full of 2011
// data: classes, réalisations in every status, comments, reviews) is
// upgraded by opening it. Nothing is lost, every class and student stays on
// sio-2011, and each student's tableau — its CSV and its PDF's text — is
// the one the old program printed, the generation date aside.
func TestUpgradeKeeps2011Tableaux(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fixture := filepath.Join("testdata", "upgrade-v11")
	db0, err := os.ReadFile(filepath.Join(fixture, "portfolio.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, store.DBFile), db0, 0o600); err != nil {
		t.Fatal(err)
	}
	tables := []string{"users", "classes", "class_students", "class_teachers", "realisations", "realisation_types",
		"realisation_activities", "realisation_competences", "productions", "comments", "realisation_events",
		"student_coverage", "settings", "audit_log"}
	counts := func(db *sql.DB) map[string]int {
		out := map[string]int{}
		for _, table := range tables {
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			out[table] = n
		}
		return out
	}
	old, err := sql.Open("sqlite", store.DSN(filepath.Join(dir, store.DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	var version int
	if err := old.QueryRow(`SELECT max(version_id) FROM goose_db_version`).Scan(&version); err != nil || version != 11 {
		t.Fatalf("fixture at schema %d (%v), want 11", version, err)
	}
	before := counts(old)
	old.Close()
	if before["realisations"] < 10 || before["comments"] == 0 || before["realisation_events"] == 0 {
		t.Fatalf("the fixture holds too little to prove anything: %v", before)
	}

	st, err := store.Open(ctx, dir) // migrates
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if after := counts(st.DB); !reflect.DeepEqual(after, before) {
		t.Errorf("rows before the upgrade %v, after %v", before, after)
	}
	var notes int
	if err := st.DB.QueryRow(`SELECT count(*) FROM realisations WHERE start_day <> 0 OR end_day <> 0 OR fiche <> 0`).Scan(&notes); err != nil || notes != 0 {
		t.Errorf("%d old réalisations got days or a fiche (%v)", notes, err)
	}
	// Migration 00013 fills in the cadres of every student's réalisations.
	var stale int
	if err := st.DB.QueryRow(`SELECT count(*) FROM student_coverage sc WHERE sc.cadres <> coalesce((SELECT group_concat(c, ',')
		FROM (SELECT DISTINCT cadre AS c FROM realisations WHERE student_id = sc.student_id ORDER BY cadre)), '')`).Scan(&stale); err != nil || stale != 0 {
		t.Errorf("%d students without their cadres after the upgrade (%v)", stale, err)
	}
	classes, err := st.Classes(ctx, 0)
	if err != nil || len(classes) != 2 {
		t.Fatalf("classes %v %v", classes, err)
	}
	for _, c := range classes {
		if c.Referentiel != "sio-2011" {
			t.Errorf("class %s moved to %s", c.Name, c.Referentiel)
		}
	}
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	// The generation date aside; and blank lines, which pdftotext adds or
	// not as the name's width moves the header's lines.
	withoutDate := func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, "énéré le") && strings.TrimSpace(l) != "" {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	for _, name := range []string{"slam", "sisr"} {
		u, err := st.UserByEmail(ctx, name+"@demo.local")
		if err != nil {
			t.Fatal(err)
		}
		if u.Referentiel != "sio-2011" {
			t.Errorf("%s on %s", u.Email, u.Referentiel)
		}
		reals, err := st.ListRealisations(ctx, u.ID, store.RealisationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		tab := portfolio.BuildTableau(s2011(t, refs), u, reals, time.Date(2026, 12, 2, 18, 6, 0, 0, time.UTC))
		var csv, pdf bytes.Buffer
		if err := export.CSV(&csv, tab); err != nil {
			t.Fatal(err)
		}
		if err := export.PDF(&pdf, tab, export.A3); err != nil {
			t.Fatal(err)
		}
		wantCSV, err := os.ReadFile(filepath.Join(fixture, name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		// One change on purpose since that version (#13.15): official
		// sheets write the name NOM Prénom.
		named := strings.NewReplacer(u.FullName(), u.OfficialName())
		wantCSV = []byte(named.Replace(string(wantCSV)))
		if got, want := withoutDate(csv.String()), withoutDate(string(wantCSV)); got != want {
			t.Errorf("%s: the CSV is not the old program's:\n%s\nwant:\n%s", name, got, want)
		}
		wantText, err := os.ReadFile(filepath.Join(fixture, name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		wantText = []byte(named.Replace(string(wantText)))
		if got, want := withoutDate(pdfText(t, pdf.Bytes())), withoutDate(string(wantText)); got != want {
			t.Errorf("%s: the PDF's text is not the old program's:\n%s\nwant:\n%s", name, got, want)
		}
	}
}

func s2011(t *testing.T, refs map[string]*referentiel.Referentiel) *referentiel.Referentiel {
	t.Helper()
	r, ok := refs["sio-2011"]
	if !ok {
		t.Fatal("sio-2011 missing")
	}
	return r
}
