package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

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
// sio-2011, and each student's official sheet shows every réalisation the
// old program printed, ticks unchanged (see below).
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
	// Issue #17 changed the 2011 tableau on purpose (the official model's
	// wording and SISR columns): the fixture's CSV, the old program's, is
	// now the reference for the content. Every row it printed is on the new
	// official sheet (read back from its XLSX) in the same band, with the
	// same types, période and X in every column it had; a column the old
	// grid lacked (SISR's five of P4) is marked when the réalisation ticks it.
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
		ref := s2011(t, refs)
		g := portfolio.BuildGrid(ref.Grid(), u, portfolio.GridEntries(u, reals), time.Date(2026, 12, 2, 18, 6, 0, 0, time.UTC))
		var xlsx bytes.Buffer
		if err := export.XLSX(&xlsx, g); err != nil {
			t.Fatal(err)
		}
		sheet := readSheet(t, xlsx.Bytes())
		oldCSV, err := os.ReadFile(filepath.Join(fixture, name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		old := oldRows(t, string(oldCSV))
		if len(old.rows) < 2 {
			t.Fatalf("%s: the old CSV has %d rows", name, len(old.rows))
		}
		ticked := map[string]map[string]bool{} // title → activity codes
		for _, r := range reals {
			ticked[r.Title] = map[string]bool{}
			for _, a := range r.Activities {
				ticked[r.Title][a.Code] = true
			}
		}
		newBand := map[string]string{ // the old band titles and the new
			"Situations vécues en formation":               "SITUATIONS VÉCUES EN FORMATION",
			"Situations vécues en stage de première année": "SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE PREMIERE ANNEE",
			"Situations vécues en stage de deuxième année": "SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE DEUXIEME ANNEE",
		}
		rowsOnSheet := 0
		for _, row := range sheet.rows {
			if row.title != "" {
				rowsOnSheet++
			}
		}
		if rowsOnSheet != len(old.rows) {
			t.Errorf("%s: %d réalisations on the new sheet, %d on the old", name, rowsOnSheet, len(old.rows))
		}
		for _, o := range old.rows {
			n, ok := sheet.find(o.title)
			if !ok {
				t.Errorf("%s: %q is not on the new sheet", name, o.title)
				continue
			}
			if want := newBand[o.band]; want == "" || !strings.HasPrefix(n.band, want) {
				t.Errorf("%s: %q in band %q, was %q", name, o.title, n.band, o.band)
			}
			if !reflect.DeepEqual(n.types, o.types) || n.period != o.period {
				t.Errorf("%s: %q types %v période %q, was %v %q", name, o.title, n.types, n.period, o.types, o.period)
			}
			for code, x := range o.marks {
				if n.marks[code] != x {
					t.Errorf("%s: %q column %s: %v, was %v", name, o.title, code, n.marks[code], x)
				}
			}
			for code, x := range n.marks {
				if _, before := o.marks[code]; !before && x != ticked[o.title][code] {
					t.Errorf("%s: %q new column %s: %v, ticked %v", name, o.title, code, x, ticked[o.title][code])
				}
			}
		}
		if name == "sisr" && len(sheet.codes) != 48 {
			t.Errorf("SISR sheet has %d columns, want 48", len(sheet.codes))
		}
	}
}

// oldTableau is a tableau as the old program's CSV printed it.
type oldTableau struct{ rows []sheetRow }

// sheetRow is a réalisation's row: its band, title, types (X or not, in
// order), période and X by activity code.
type sheetRow struct {
	band, title, period string
	types               []bool
	marks               map[string]bool
}

func oldRows(t *testing.T, text string) oldTableau {
	t.Helper()
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff")))
	r.Comma, r.FieldsPerRecord = ';', -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out oldTableau
	var head []string
	for _, rec := range recs {
		if len(rec) > 8 && rec[0] == "Situations" {
			head = rec
			continue
		}
		if head == nil || len(rec) != len(head) || rec[0] == "" {
			continue
		}
		row := sheetRow{band: rec[0], title: rec[1], marks: map[string]bool{}}
		for i := 3; i < len(head); i++ {
			switch {
			case strings.HasPrefix(head[i], "Période"):
				row.period = rec[i]
			case strings.HasPrefix(head[i], "A"):
				row.marks[head[i]] = rec[i] == "X"
			default:
				row.types = append(row.types, rec[i] == "X")
			}
		}
		out.rows = append(out.rows, row)
	}
	return out
}

// officialSheet is the official 2011 sheet read back from its XLSX.
type officialSheet struct {
	codes []string
	rows  []sheetRow
}

func (s officialSheet) find(title string) (sheetRow, bool) {
	for _, r := range s.rows {
		if r.title == title {
			return r, true
		}
	}
	return sheetRow{}, false
}

// readSheet reads the 2011 model's XLSX: row 4 heads the types (B–E), the
// période (F) and the activities (« code , title »); a row whose only
// cell is A is a band; a row with a title in A is a réalisation (its
// first line).
func readSheet(t *testing.T, data []byte) officialSheet {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	head := rows[3]
	var out officialSheet
	period := -1
	for i, h := range head {
		if strings.HasPrefix(h, "Période") {
			period = i
		}
		if code, _, ok := strings.Cut(h, " , "); ok {
			out.codes = append(out.codes, code)
		}
	}
	if period != 5 {
		t.Fatalf("période in column %d, want F: %q", period, head)
	}
	band := ""
	for _, rec := range rows[4:] {
		if len(rec) == 0 || rec[0] == "" {
			continue
		}
		if strings.HasPrefix(rec[0], "SITUATIONS") {
			band = rec[0]
			continue
		}
		if band == "" || strings.HasPrefix(rec[0], "Je soussigné") {
			continue
		}
		cell := func(i int) string {
			if i < len(rec) {
				return rec[i]
			}
			return ""
		}
		title, _, _ := strings.Cut(rec[0], "\n")
		row := sheetRow{band: band, title: title, period: cell(period), marks: map[string]bool{}}
		for i := 1; i < period; i++ {
			row.types = append(row.types, cell(i) == "X")
		}
		for i, code := range out.codes {
			row.marks[code] = cell(period+1+i) == "X"
		}
		out.rows = append(out.rows, row)
	}
	return out
}

func s2011(t *testing.T, refs map[string]*referentiel.Referentiel) *referentiel.Referentiel {
	t.Helper()
	r, ok := refs["sio-2011"]
	if !ok {
		t.Fatal("sio-2011 missing")
	}
	return r
}
