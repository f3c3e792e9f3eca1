package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// BenchmarkTableauPage measures GET /tableau through the real router and
// session middleware, on a real SQLite file, for a SLAM student with 30
// validated réalisations. It reports the median and p90 of the request
// times: "cached" serves the grid from the page cache, "uncached" renders
// it every time (the first view after a change).
// "uncached-identity" is "uncached" for a client that does not accept
// gzip: the page's making without its compression.
func BenchmarkTableauPage(b *testing.B) {
	for _, mode := range []string{"cached", "uncached", "uncached-identity"} {
		b.Run(mode, func(b *testing.B) {
			benchTableauPage(b, mode == "cached", mode != "uncached-identity")
		})
	}
}

func benchTableauPage(b *testing.B, cached, gzip bool) {
	app := newTestAppConfig(b, "sqlite", func(c *Config) {
		if !cached {
			c.CacheBytes = -1
		}
	})
	u := app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	prof := app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	acts := app.ref.ColumnActivities("SLAM")
	for i := 0; i < 30; i++ {
		in := sampleInput(fmt.Sprintf("Réalisation professionnelle numéro %d, avec un intitulé réaliste", i))
		in.Cadre = []string{"formation", "stage1", "stage2"}[i%3]
		in.Start = fmt.Sprintf("20%02d-%02d", 25+i/12, 1+i%12)
		in.End = in.Start
		in.Activities = nil
		in.Competences = nil
		for j := 0; j < 5; j++ {
			a := acts[(i*7+j*3)%len(acts)]
			in.Activities = append(in.Activities, a.Code)
			in.Competences = append(in.Competences, a.Competences[0].Code)
		}
		in.Productions = []portfolio.Production{{Title: "Dépôt", URL: "https://git.example.org/x"}}
		app.validate(u.ID, app.addRealisation(u.ID, in), prof.ID)
	}
	c := app.login("lea@example.org")
	// Drive the handler directly (no loopback socket) so the figure is the
	// application's own time.
	h := app.server.Config.Handler
	req, _ := http.NewRequest(http.MethodGet, "/tableau", nil)
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip, deflate, br") // as a browser does
	}
	for _, ck := range c.http.Jar.Cookies(mustURL(app.server.URL)) {
		req.AddCookie(ck)
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != http.StatusOK || (i == 0 && strings.Count(bodyText(b, rec), `<th scope="row" class="intitule">`) != 30) {
			b.Fatalf("status %d, or not 30 rows", rec.Code)
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms")
}

// bodyText is a recorded response's body, decompressed if need be.
func bodyText(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if rec.Header().Get("Content-Encoding") != "gzip" {
		return rec.Body.String()
	}
	b, err := gunzipBytes(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
