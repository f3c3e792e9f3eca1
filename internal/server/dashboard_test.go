package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// bulkClass fills the database in SQL: `students` SLAM students with
// `per` réalisations each (5 activities, 5 competences, 1–2 types, mixed
// statuses), the first `classSize` of them in a class taught by a
// teacher. It returns the class id and the teacher's e-mail.
func bulkClass(t testing.TB, app *testApp, students, classSize, per int) (int64, string) {
	t.Helper()
	ctx := context.Background()
	prof := app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	classID, err := app.store.CreateClass(ctx, store.Class{Name: "SIO2 SLAM", SchoolYear: "2026-2027", Parcours: "SLAM"})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.store.AssignTeacher(ctx, classID, prof.ID); err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, a := range app.ref.ColumnActivities("SLAM") {
		acts = append(acts, fmt.Sprintf("('%s', '%s')", a.Code, a.Competences[0].Code))
	}
	db := app.store.DB
	stmts := []string{
		`CREATE TEMP TABLE acts (n INTEGER PRIMARY KEY, code TEXT, comp TEXT)`,
		`INSERT INTO acts (code, comp) VALUES ` + strings.Join(acts, ","),
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO users (email, first_name, last_name, role, parcours, session_year)
			SELECT 'bulk' || i || '@example.org', 'Prénom' || i, 'Nom' || printf('%%05d', i), 'student', 'SLAM', 2027 FROM n`, students),
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO realisations (student_id, title, cadre, start_month, end_month, modalite, status, status_changed_at)
			SELECT u.id, 'Réalisation ' || n.i || ' de ' || u.last_name,
				CASE n.i %% 3 WHEN 0 THEN 'formation' WHEN 1 THEN 'stage1' ELSE 'stage2' END,
				printf('2025-%%02d', 1 + n.i %% 12), printf('2025-%%02d', 1 + n.i %% 12), 'seul',
				CASE (u.id + n.i) %% 4 WHEN 0 THEN 'brouillon' WHEN 1 THEN 'soumise' WHEN 2 THEN 'validee' ELSE 'a_reprendre' END,
				printf('2026-11-%%02dT10:00:00Z', 1 + n.i %% 28)
			FROM users u, n WHERE u.email LIKE 'bulk%%'`, per),
		`WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 4)
			INSERT INTO realisation_activities (realisation_id, activity_code, position)
			SELECT r.id, a.code, k.j FROM realisations r, k
			JOIN acts a ON a.n = 1 + (r.id * 7 + k.j * 3) % (SELECT count(*) FROM acts)`,
		`INSERT INTO realisation_competences (realisation_id, activity_code, competence_code)
			SELECT ra.realisation_id, ra.activity_code, a.comp FROM realisation_activities ra JOIN acts a ON a.code = ra.activity_code`,
		`INSERT INTO realisation_types (realisation_id, type_code) SELECT id, 'T' || (1 + id % 4) FROM realisations`,
		`INSERT OR IGNORE INTO realisation_types (realisation_id, type_code) SELECT id, 'T' || (1 + (id + 1) % 4) FROM realisations WHERE id % 2 = 0`,
		fmt.Sprintf(`INSERT INTO class_students (class_id, student_id)
			SELECT %d, id FROM users WHERE email LIKE 'bulk%%' ORDER BY id LIMIT %d`, classID, classSize),
		`DROP TABLE acts`,
		`ANALYZE`,
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	if err := app.store.RefreshAllCoverage(ctx); err != nil {
		t.Fatal(err)
	}
	return classID, prof.Email
}

// TestDashboardQueriesDoNotGrowWithClassSize counts the SQL statements of
// a class dashboard request for a class of 5 and one of 35.
func TestDashboardQueriesDoNotGrowWithClassSize(t *testing.T) {
	counts := map[int]int64{}
	for _, size := range []int{5, 35} {
		app := newTestAppDriver(t, "sqlite-counting")
		classID, prof := bulkClass(t, app, 60, size, 4)
		c := app.login(prof)
		path := fmt.Sprintf("/classes/%d", classID)
		wantStatus(t, c.get(path), http.StatusOK) // warm up
		before := queryCount.Load()
		res := c.get(path)
		counts[size] = queryCount.Load() - before
		wantStatus(t, res, http.StatusOK)
		if n := strings.Count(res.body, `<th scope="row" class="intitule">`); n != size {
			t.Fatalf("class of %d: %d rows in the heat map", size, n)
		}
	}
	if counts[5] != counts[35] || counts[5] == 0 {
		t.Fatalf("queries per request: %d for 5 students, %d for 35", counts[5], counts[35])
	}
	t.Logf("queries per dashboard request: %d (5 students), %d (35 students)", counts[5], counts[35])
}

// BenchmarkClassDashboard measures GET /classes/{id} for a class of 35
// students with 30 réalisations each, in a database of 2,000 students, and
// reports the median and the SQL statements per request.
func BenchmarkClassDashboard(b *testing.B) {
	app := newTestAppDriver(b, "sqlite-counting")
	classID, prof := bulkClass(b, app, 2000, 35, 30)
	c := app.login(prof)
	h := app.server.Config.Handler
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("/classes/%d", classID), nil)
	for _, ck := range c.http.Jar.Cookies(mustURL(app.server.URL)) {
		req.AddCookie(ck)
	}
	times := make([]time.Duration, 0, b.N)
	before := queryCount.Load()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(queryCount.Load()-before)/float64(b.N), "queries/op")
}
