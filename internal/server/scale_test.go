package server

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// TestPagesCostTheSameWhateverTheSchoolSize: each page of each role runs
// as many SQL statements, hands as many rows to the program, and reads no
// table from end to end, in a school of 200 students as in one of 20,000
// (issue #14: a page costs what it shows, not what the académie holds).
// The page cache is off: every page is made. The full-scan check reads
// each statement's query plan; it is what SQLite offers in place of a
// count of the rows it reads.
func TestPagesCostTheSameWhateverTheSchoolSize(t *testing.T) {
	if raceEnabled {
		// SQLite is Go translated from C: under the race detector, making
		// 20,000 students takes six minutes. The test is single-threaded:
		// "make test" runs it once more without -race (test-scale).
		t.Skip("run without -race: make test-scale")
	}
	type cost struct{ queries, rows, bound int64 }
	costs := map[int]map[string]cost{}
	scans := map[string]bool{}
	var order []string
	for _, students := range []int{200, 20000} {
		app := newTestAppConfig(t, "sqlite-counting", func(c *Config) { c.CacheBytes = -1 })
		ctx := context.Background()
		hash, err := app.hasher.Hash(testPassword)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, a := range app.ref.ColumnActivities("SLAM") {
			acts = append(acts, a.Code+" "+a.Competences[0].Code)
		}
		// Classes of 35, as many as the school needs.
		classes, err := app.store.BulkLoad(ctx, store.BulkSpec{Students: students, PerStudent: 10, Classes: students / 35, ClassSize: 35,
			PasswordHash: hash, Activities: acts})
		if err != nil {
			t.Fatal(err)
		}
		classID, profEmail := classes[0], "prof1@example.org"
		var studentID, realID int64
		if err := app.store.DB.QueryRowContext(ctx, `SELECT u.id, (SELECT min(id) FROM realisations WHERE student_id = u.id)
			FROM users u WHERE email = 'bulk1@example.org'`).Scan(&studentID, &realID); err != nil {
			t.Fatal(err)
		}
		link, err := app.store.CreateJuryLink(ctx, studentID, "Jury", "")
		if err != nil {
			t.Fatal(err)
		}
		stageID, _, err := app.store.SaveStage(ctx, portfolio.Stage{StudentID: studentID, Kind: portfolio.KindStage, Year: 1, Organisation: "Mairie",
			TutorName: "Tuteur", Start: time.Date(2026, 5, 25, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 26, 0, 0, 0, 0, time.UTC)}, "", false)
		if err == nil {
			err = app.store.SaveStageWeek(ctx, studentID, portfolio.LogEntry{StageID: stageID, Week: time.Date(2026, 5, 25, 0, 0, 0, 0, time.UTC),
				Done: "Câblage", Hours: 35, Realisations: []int64{realID}})
		}
		if err != nil {
			t.Fatal(err)
		}
		app.addUser("admin@example.org", "admin", "")
		student, prof, admin := app.login("bulk1@example.org"), app.login(profEmail), app.login("admin@example.org")
		anonymous := app.client()
		// bound, for a paginated list, is the most rows its page reads: the
		// page fills up in the larger school, and stops there.
		pages := []struct {
			who         *client
			label, path string
			bound       int64
		}{
			{student, "étudiant : réalisations", "/realisations", 0},
			{student, "étudiant : une réalisation", fmt.Sprintf("/realisations/%d", realID), 0},
			{student, "étudiant : tableau", "/tableau", 0},
			{student, "étudiant : PDF du tableau", "/tableau.pdf", 0},
			{student, "étudiant : compte", "/compte", 0},
			{prof, "enseignant : ses classes", "/", 0},
			{prof, "enseignant : tableau de bord", fmt.Sprintf("/classes/%d", classID), 0},
			{prof, "enseignant : un étudiant", fmt.Sprintf("/students/%d", studentID), 0},
			{prof, "enseignant : une réalisation", fmt.Sprintf("/students/%d/realisations/%d", studentID, realID), 0},
			{prof, "enseignant : tableau d'un étudiant", fmt.Sprintf("/students/%d/tableau", studentID), 0},
			{student, "étudiant : stages", "/stages", 0},
			{student, "étudiant : un stage", fmt.Sprintf("/stages/%d", stageID), 0},
			{prof, "enseignant : stages d'un étudiant", fmt.Sprintf("/students/%d/stages", studentID), 0},
			{prof, "enseignant : stages de la classe", fmt.Sprintf("/classes/%d/stages", classID), 0},
			{admin, "admin : classes", "/admin/classes", listPage + 1 + 2},
			{admin, "admin : classes, page 3", "/admin/classes?page=3", listPage + 1},
			{admin, "admin : une classe", fmt.Sprintf("/admin/classes/%d", classID), 2*staffListMax + 2 + 35 + 2 + 30},
			{admin, "admin : comptes", "/admin/users", listPage + 1},
			{admin, "admin : étudiants, page 2", "/admin/users?role=student&page=2", listPage + 1},
			{admin, "admin : journal", "/admin/audit", 0},
			{anonymous, "jury : portfolio", "/jury/" + link.Token, 0},
		}
		costs[students] = map[string]cost{}
		for _, p := range pages {
			log := make(chan string, 1000)
			queryLog.Store(&log)
			q0, r0 := queryCount.Load(), rowCount.Load()
			res := p.who.get(p.path)
			c := cost{queryCount.Load() - q0, rowCount.Load() - r0, p.bound}
			queryLog.Store(nil)
			close(log)
			wantStatus(t, res, http.StatusOK)
			costs[students][p.label] = c
			if students == 200 {
				order = append(order, p.label)
			}
			for q := range log {
				for _, line := range fullScans(t, app, q) {
					scans[p.label+": "+line+" in "+strings.Join(strings.Fields(q), " ")] = true
				}
			}
		}
	}
	for _, path := range order {
		small, large := costs[200][path], costs[20000][path]
		t.Logf("%-36s %2d statements, %4d rows (200 students); %2d statements, %4d rows (20,000)", path, small.queries, small.rows, large.queries, large.rows)
		grows := large.rows > small.rows
		if large.bound > 0 {
			grows = large.rows > large.bound
		}
		if large.queries > small.queries || grows {
			t.Errorf("%s grows with the school: %+v at 200 students, %+v at 20,000", path, small, large)
		}
	}
	var list []string
	for s := range scans {
		list = append(list, s)
	}
	sort.Strings(list)
	for _, s := range list {
		t.Errorf("full scan: %.400s", s)
	}
}

// smallTables may be read whole: they hold a handful of rows whatever the
// school size.
// session_texts holds a few texts for each exam session an admin filled
// in (read once, then kept by the server).
var smallTables = map[string]bool{"settings": true, "stamp_counter": true, "goose_db_version": true, "session_texts": true}

var scanLine = regexp.MustCompile(`^SCAN (\w+)`)

// fullScans is the lines of a statement's query plan that read a table
// from end to end. A scan in the order of the statement's ORDER BY (no
// temporary b-tree) under a LIMIT stops at the limit: it is not one.
func fullScans(t *testing.T, app *testApp, q string) []string {
	t.Helper()
	upper := strings.ToUpper(strings.TrimSpace(q))
	if !strings.HasPrefix(upper, "SELECT") && !strings.HasPrefix(upper, "WITH") {
		return nil
	}
	args := make([]any, strings.Count(q, "?"))
	for i := range args {
		args[i] = 1
	}
	rows, err := app.store.DB.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil // numbered parameters and the like: the counts still hold
	}
	defer rows.Close()
	// The tables behind the aliases of the statement.
	alias := map[string]string{}
	for _, m := range fromAlias.FindAllStringSubmatch(q, -1) {
		alias[m[2]] = m[1]
	}
	var lines, found []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	bounded := strings.Contains(upper, "LIMIT") && !strings.Contains(strings.Join(lines, "\n"), "TEMP B-TREE")
	for _, detail := range lines {
		m := scanLine.FindStringSubmatch(detail)
		if m == nil || bounded {
			continue
		}
		table := m[1]
		if real, ok := alias[table]; ok {
			table = real
		}
		if smallTables[table] || strings.Contains(detail, "CONSTANT ROW") || !tableExists(app, table) {
			continue // a subquery's, a CTE's or json_each's own rows
		}
		found = append(found, detail+" ("+table+")")
	}
	return found
}

var fromAlias = regexp.MustCompile(`(?i)(?:FROM|JOIN)\s+(\w+)\s+(?:AS\s+)?(\w+)`)

func tableExists(app *testApp, name string) bool {
	var n int
	_ = app.store.DB.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n)
	return n > 0
}
