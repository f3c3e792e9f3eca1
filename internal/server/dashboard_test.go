package server

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/portfolio-sio/portfolio/internal/store"
)

// bulkClass fills the database: `students` SLAM students with `per`
// réalisations each, the first `classSize` of them in a class taught by
// prof1@example.org. It returns the class id and the teacher's e-mail.
func bulkClass(t testing.TB, app *testApp, students, classSize, per int) (int64, string) {
	t.Helper()
	hash, err := app.hasher.Hash(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, a := range app.ref.ColumnActivities("SLAM") {
		acts = append(acts, a.Code+" "+a.Competences[0].Code)
	}
	ids, err := app.store.BulkLoad(context.Background(), store.BulkSpec{Students: students, PerStudent: per,
		Classes: 1, ClassSize: classSize, PasswordHash: hash, Activities: acts})
	if err != nil {
		t.Fatal(err)
	}
	return ids[0], "prof1@example.org"
}

// TestDashboardQueriesDoNotGrowWithClassSize counts the SQL statements of
// a class dashboard's first view (page cache off, nothing in memory yet)
// for a class of 5 and one of 35.
func TestDashboardQueriesDoNotGrowWithClassSize(t *testing.T) {
	counts := map[int]int64{}
	for _, size := range []int{5, 35} {
		app := newTestAppConfig(t, "sqlite-counting", func(c *Config) { c.CacheBytes = -1 })
		classID, prof := bulkClass(t, app, 60, size, 4)
		c := app.login(prof)
		path := fmt.Sprintf("/classes/%d", classID)
		// The first view: the class and its students are not in memory yet.
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
// reports the median and the SQL statements per request: "cached" serves
// the rendered body from the page cache (the class did not change),
// "uncached" builds it every time (the cost of the first view after a
// change).
// "after-write" is the real first view after a change: the cache is on,
// and before each request (outside the timing) one student of the class
// writes, which changes the class's page and that student's line.
func BenchmarkClassDashboard(b *testing.B) {
	for _, mode := range []string{"cached", "uncached", "after-write"} {
		b.Run(mode, func(b *testing.B) {
			benchClassDashboard(b, mode)
		})
	}
}

func benchClassDashboard(b *testing.B, mode string) {
	app := newTestAppConfig(b, "sqlite-counting", func(c *Config) {
		if mode == "uncached" {
			c.CacheBytes = -1
		}
	})
	classID, prof := bulkClass(b, app, 2000, 35, 30)
	c := app.login(prof)
	h := app.server.Config.Handler
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("/classes/%d", classID), nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br") // as a browser does
	for _, ck := range c.http.Jar.Cookies(mustURL(app.server.URL)) {
		req.AddCookie(ck)
	}
	times := make([]time.Duration, 0, b.N)
	before := queryCount.Load()
	b.ResetTimer()
	var students []int64
	rows, err := app.store.DB.Query(`SELECT student_id FROM class_students WHERE class_id = ?`, classID)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		students = append(students, id)
	}
	rows.Close()
	queries := int64(0)
	for i := 0; i < b.N; i++ {
		if mode == "after-write" {
			b.StopTimer()
			// A write to the student's réalisations rewrites their coverage
			// row, whose trigger moves the class's stamp.
			if _, err := app.store.DB.Exec(`UPDATE student_coverage SET queue = queue WHERE student_id = ?`, students[i%len(students)]); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		q0 := queryCount.Load()
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		queries += queryCount.Load() - q0
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.StopTimer()
	_ = before
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(queries)/float64(b.N), "queries/op")
}

// TestHeatMapTotalsOrderFilterAndExport: the class heat map counts, per
// activity, the students who cover it (validated, in progress only); it
// lists the students with the fewest activities covered first, or only
// those without second-year workplace work, or only those with work to
// review; the CSV and XLSX exports hold the same matrix in the same order
// and filter, and only the class's teachers and the admins get them.
func TestHeatMapTotalsOrderFilterAndExport(t *testing.T) {
	c := newClassroom(t)
	lea, prof := c.app.login("lea@example.org"), c.app.login("prof@example.org")
	// Léa: a submitted réalisation in formation (A1.1.1, A4.1.3) and a
	// validated one in the second-year stage (A1.1.1, A1.2.1).
	first := c.app.addRealisation(c.lea.ID, sampleInput("Portail"))
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d/submit", first), url.Values{"version": {"1"}}), http.StatusSeeOther)
	in := sampleInput("Stage")
	in.Cadre, in.Activities, in.Competences = "stage2", []string{"A1.1.1", "A1.2.1"}, []string{"C1.1.1.1", "C1.2.1.1"}
	second := c.app.addRealisation(c.lea.ID, in)
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d/submit", second), url.Values{"version": {"1"}}), http.StatusSeeOther)
	staff := fmt.Sprintf("/students/%d/realisations/%d", c.lea.ID, second)
	wantStatus(t, prof.post(staff+"/review", review(staff, 2, "validate", "")), http.StatusSeeOther)

	class := fmt.Sprintf("/classes/%d", c.classID)
	rows := func(body string) []string {
		var names []string
		for _, part := range strings.Split(body, `<th scope="row" class="intitule">`)[1:] {
			names = append(names, part[strings.Index(part, ">")+1:strings.Index(part, "</a>")])
		}
		return names
	}
	res := prof.get(class)
	wantStatus(t, res, http.StatusOK)
	if got := rows(res.body); strings.Join(got, ",") != "lea Prénom,max Prénom" {
		t.Fatalf("default order: %v", got)
	}
	wantContains(t, res.body, "<th scope=\"row\">Étudiants : couverte et validée</th>", "<th scope=\"row\">Étudiants : en cours seulement</th>")
	for _, tc := range []struct{ query, want string }{
		{"?tri=couverture", "max Prénom,lea Prénom"},
		{"?filtre=sans-annee2", "max Prénom"},
		{"?filtre=a-relire", "lea Prénom"},
		{"?tri=nimporte&filtre=quoi", "lea Prénom,max Prénom"},
	} {
		res := prof.get(class + tc.query)
		wantStatus(t, res, http.StatusOK)
		if got := strings.Join(rows(res.body), ","); got != tc.want {
			t.Errorf("%s: rows %s, want %s", tc.query, got, tc.want)
		}
	}
	// The chosen options are kept in the form and in the export links.
	wantContains(t, prof.get(class+"?tri=couverture&filtre=a-relire").body, `<option value="couverture" selected>`,
		`<option value="a-relire" selected>`, `couverture.csv?filtre=a-relire&amp;tri=couverture`)

	res = prof.get(class + "/couverture.csv")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.header.Get("Content-Disposition"), `filename="SIO2-SLAM_2026-2027_couverture.csv"`)
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff")))
	r.Comma, r.FieldsPerRecord = ';', -1
	table, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	at := func(row []string, code string) string {
		for i, h := range table[1] {
			if h == code && i < len(row) {
				return row[i]
			}
		}
		t.Fatalf("no column %s in %v", code, table[1])
		return ""
	}
	if len(table) != 6 || table[2][0] != "lea" || table[3][0] != "max" {
		t.Fatalf("CSV: %q", table)
	}
	for _, cell := range []struct {
		row        int
		code, want string
	}{
		{2, "A1.1.1", "validée"}, {2, "A4.1.3", "en cours"}, {2, "A1.2.1", "validée"}, {3, "A1.1.1", ""},
		{4, "A1.1.1", "1"}, {5, "A1.1.1", "0"}, {4, "A4.1.3", "0"}, {5, "A4.1.3", "1"}, {4, "A5.1.1", "0"},
		{2, "Réalisations : Soumise", "1"}, {2, "Réalisations : Validée", "1"},
	} {
		if got := at(table[cell.row], cell.code); got != cell.want {
			t.Errorf("CSV row %d (%s), %s: %q, want %q", cell.row, table[cell.row][0], cell.code, got, cell.want)
		}
	}
	if table[4][0] != "Étudiants : couverte et validée" || table[5][0] != "Étudiants : en cours seulement" {
		t.Errorf("CSV totals rows: %q %q", table[4][0], table[5][0])
	}
	filtered := prof.get(class + "/couverture.csv?filtre=sans-annee2")
	if !strings.Contains(filtered.body, "\nmax;") || strings.Contains(filtered.body, "\nlea;") {
		t.Errorf("filtered CSV: %s", filtered.body)
	}

	res = prof.get(class + "/couverture.xlsx")
	wantStatus(t, res, http.StatusOK)
	x, err := excelize.OpenReader(strings.NewReader(res.body))
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := x.GetRows("Couverture")
	if err != nil {
		t.Fatal(err)
	}
	if len(sheet) != 6 || sheet[2][0] != "lea" || !strings.Contains(sheet[0][0], "SIO2 SLAM") {
		t.Fatalf("XLSX rows: %q", sheet)
	}
	for i := range table[1:] {
		if strings.Join(sheet[i+1], ";") != strings.TrimRight(strings.Join(table[i+1], ";"), ";") {
			t.Errorf("XLSX row %d %q, CSV %q", i+1, sheet[i+1], table[i+1])
		}
	}

	// Another class's teacher and a student get nothing.
	wantStatus(t, c.app.login("outsider@example.org").get(class+"/couverture.csv"), http.StatusNotFound)
	if st := lea.get(class + "/couverture.xlsx").status; st != http.StatusForbidden && st != http.StatusNotFound {
		t.Errorf("student: %d", st)
	}
	wantStatus(t, c.app.login("admin@example.org").get(class+"/couverture.xlsx"), http.StatusOK)
}

// heatCellOf reads, in a class page, the heat-map cell of the student (a
// part of their name) under the column headed code (an activity, a
// competence or a type), as "CODE : level" with the legend's words.
func heatCellOf(t *testing.T, body, student, code string) string {
	t.Helper()
	start := strings.Index(body, `id="heatmap"`)
	if start < 0 {
		t.Fatal("no heat map in the page")
	}
	table := body[start:]
	table = table[:strings.Index(table, "</table>")]
	thead, tbody, _ := strings.Cut(table, "</thead>")
	rows := strings.Split(thead, "<tr>")
	var codes []string
	for _, m := range regexp.MustCompile(`<th scope="col" class="rot"[^>]*><span>([^<]*)</span></th>`).FindAllStringSubmatch(rows[len(rows)-1], -1) {
		codes = append(codes, html.UnescapeString(m[1]))
	}
	col := slices.Index(codes, code)
	if col < 0 {
		t.Fatalf("no column %q in the heat map (%v)", code, codes)
	}
	for _, row := range strings.Split(tbody, "<tr>") {
		name, _, _ := strings.Cut(row, "</th>")
		if !strings.Contains(name, `scope="row"`) || !strings.Contains(html.UnescapeString(name), student) {
			continue
		}
		cells := regexp.MustCompile(`<td class="([ven])">`).FindAllStringSubmatch(row, -1)
		if col >= len(cells) {
			t.Fatalf("row of %s has %d cells, column %q is number %d", student, len(cells), code, col)
		}
		return code + " : " + map[string]string{"v": "validée", "e": "en cours (non validée)", "n": "non couverte"}[cells[col][1]]
	}
	t.Fatalf("no row for %q in the heat map", student)
	return ""
}

// TestCachedPagesReadNoDatabase: once a class dashboard and a tableau are
// in the page cache, viewing them again runs no SQL statement at all —
// session, user, class and stamps come from memory — and a write shows on
// the next view (the queries come back for that one view).
func TestCachedPagesReadNoDatabase(t *testing.T) {
	app := newTestAppDriver(t, "sqlite-counting")
	classID, profEmail := bulkClass(t, app, 40, 35, 3)
	prof := app.login(profEmail)
	student := app.login("bulk1@example.org")
	dash := fmt.Sprintf("/classes/%d", classID)
	for _, x := range []struct {
		c    *client
		path string
	}{{prof, dash}, {student, "/tableau"}} {
		wantStatus(t, x.c.get(x.path), http.StatusOK) // made and kept
		before := queryCount.Load()
		res := x.c.get(x.path)
		wantStatus(t, res, http.StatusOK)
		if n := queryCount.Load() - before; n != 0 {
			t.Errorf("%s from the cache: %d SQL statements, want 0", x.path, n)
		}
	}
	// A student renames a réalisation: the dashboard's next view reads
	// again and shows it.
	ctx := context.Background()
	var id int64
	if err := app.store.DB.QueryRowContext(ctx, `SELECT r.id FROM realisations r JOIN class_students cs ON cs.student_id = r.student_id
		WHERE cs.class_id = ? AND r.status = 'soumise' LIMIT 1`, classID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := app.store.DB.ExecContext(ctx, `UPDATE realisations SET title = 'Titre changé à l''instant' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if err := app.store.RefreshAllCoverage(ctx); err != nil {
		t.Fatal(err)
	}
	before := queryCount.Load()
	res := prof.get(dash)
	if n := queryCount.Load() - before; n == 0 {
		t.Error("the view after a write ran no query")
	}
	wantContains(t, res.body, "Titre changé à l&#39;instant")
}
