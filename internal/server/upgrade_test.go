package server

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/demo"
	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/migrations"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

// lastSchemaBefore2019 is the schema version of the databases written
// before a class could choose the 2019 référentiel (migration 00012).
const lastSchemaBefore2019 = 11

// TestUpgradeKeeps2011Tableaux: a database of the schema before the 2019
// référentiel, full of data (the 2011 demo: classes, réalisations in every
// status, comments, reviews), is upgraded by opening it; nothing is lost,
// every class and student stays on sio-2011, and every tableau, its CSV and
// its PDF text are those the same data gave before (the 2011 tableau's own
// output is pinned by its golden tests).
func TestUpgradeKeeps2011Tableaux(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	if _, err := demo.Seed(ctx, st, refs["sio-2011"], auth.Hasher{Cost: 4}, now); err != nil {
		t.Fatal(err)
	}
	type outputs struct {
		tableau portfolio.Tableau
		csv     []byte
		pdf     string
	}
	render := func(st *store.Store) map[string]outputs {
		out := map[string]outputs{}
		for _, email := range []string{"slam@demo.local", "sisr@demo.local"} {
			u, err := st.UserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			if u.Referentiel != "sio-2011" {
				t.Fatalf("%s on %s", email, u.Referentiel)
			}
			reals, err := st.ListRealisations(ctx, u.ID, store.RealisationFilter{})
			if err != nil {
				t.Fatal(err)
			}
			tab := portfolio.BuildTableau(refs["sio-2011"], u, reals, now)
			var csv, pdf bytes.Buffer
			if err := export.CSV(&csv, tab); err != nil {
				t.Fatal(err)
			}
			if err := export.PDF(&pdf, tab, export.A3); err != nil {
				t.Fatal(err)
			}
			out[email] = outputs{tab, csv.Bytes(), pdfText(t, pdf.Bytes())}
		}
		return out
	}
	want := render(st)
	st.Close()

	// Take the database back to the schema before 00012, as the previous
	// version left it.
	db, err := sql.Open("sqlite", store.DSN(filepath.Join(dir, store.DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, lastSchemaBefore2019); err != nil {
		t.Fatal(err)
	}
	var cols int
	if err := db.QueryRow(`SELECT count(*) FROM pragma_table_info('realisations') WHERE name IN ('start_day', 'fiche')`).Scan(&cols); err != nil || cols != 0 {
		t.Fatalf("not the old schema: %d new columns, %v", cols, err)
	}
	counts := func(db *sql.DB) map[string]int {
		out := map[string]int{}
		for _, table := range []string{"users", "classes", "class_students", "class_teachers", "realisations", "realisation_types",
			"realisation_activities", "realisation_competences", "productions", "comments", "realisation_events", "student_coverage"} {
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			out[table] = n
		}
		return out
	}
	before := counts(db)
	db.Close()

	st, err = store.Open(ctx, dir) // migrates
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if after := counts(st.DB); !reflect.DeepEqual(after, before) {
		t.Errorf("rows before the upgrade %v, after %v", before, after)
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
	got := render(st)
	for email, w := range want {
		g := got[email]
		if !reflect.DeepEqual(g.tableau, w.tableau) {
			t.Errorf("%s: the tableau changed with the upgrade", email)
		}
		if !bytes.Equal(g.csv, w.csv) {
			t.Errorf("%s: the CSV changed with the upgrade", email)
		}
		if g.pdf != w.pdf {
			t.Errorf("%s: the PDF text changed with the upgrade", email)
		}
		if len(w.tableau.Bands) == 0 || len(w.csv) < 500 {
			t.Fatalf("%s: an empty tableau proves nothing", email)
		}
	}
}
