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
// reports the median and the SQL statements per request: "cached" serves
// the rendered body from the page cache (the class did not change),
// "uncached" builds it every time (the cost of the first view after a
// change).
func BenchmarkClassDashboard(b *testing.B) {
	for _, cached := range []bool{true, false} {
		b.Run(map[bool]string{true: "cached", false: "uncached"}[cached], func(b *testing.B) {
			benchClassDashboard(b, cached)
		})
	}
}

func benchClassDashboard(b *testing.B, cached bool) {
	app := newTestAppConfig(b, "sqlite-counting", func(c *Config) {
		if !cached {
			c.CacheBytes = -1
		}
	})
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
