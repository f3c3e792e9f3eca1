package server

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// TestEmojiReachesEveryPDF: an emoji in a title (beyond U+FFFF, which made
// the PDF library panic) prints as a visible mark in every PDF, the class
// ZIP is made, the server goes on, and the stored text is kept as typed.
func TestEmojiReachesEveryPDF(t *testing.T) {
	c := newClassroom(t)
	in := sampleInput("Déploiement 🚀 du serveur")
	in.Productions = []portfolio.Production{{Title: "Capture 📸 עברית", URL: "https://example.org/capture"}}
	id := c.app.addRealisation(c.lea.ID, in)
	c.app.validate(c.lea.ID, id, c.prof.ID)
	lea := c.app.login("lea@example.org")
	wantContains(t, lea.get(fmt.Sprintf("/realisations/%d", id)).body, "Déploiement 🚀 du serveur", "Capture 📸 עברית")
	res := lea.post("/partage", url.Values{"label": {"Jury 🎓"}})
	wantStatus(t, res, http.StatusSeeOther)
	token := juryToken(t, lea.get("/partage").body)

	prof := c.app.login("prof@example.org")
	for _, dl := range []struct {
		who  *client
		path string
	}{
		{lea, "/tableau.pdf"}, {lea, "/tableau.pdf?paper=A4"},
		{prof, fmt.Sprintf("/students/%d/tableau.pdf", c.lea.ID)},
		{c.app.client(), "/jury/" + token + "/tableau.pdf"},
	} {
		res := dl.who.get(dl.path)
		wantStatus(t, res, http.StatusOK)
		text := strings.Join(strings.Fields(pdfText(t, []byte(res.body))), " ")
		wantContains(t, text, "Déploiement � du serveur", "Capture � � : https://example.org/capture")
	}
	res = lea.get("/compte/donnees.zip")
	wantStatus(t, res, http.StatusOK)
	pdf := zipEntries(t, res.body)["LEA_Prenom_tableau.pdf"]
	wantContains(t, pdfText(t, pdf), "Déploiement � du serveur")

	zipped := classExport(t, prof, c.classID)
	wantContains(t, pdfText(t, zipEntries(t, zipped)["LEA_Prenom_tableau_A4.pdf"]), "Déploiement � du serveur")
	wantStatus(t, c.app.client().get("/healthz"), http.StatusOK)
	if r := c.realisation(t, id); r.Title != "Déploiement 🚀 du serveur" || r.Productions[0].Title != "Capture 📸 עברית" {
		t.Fatalf("stored text changed: %q, %q", r.Title, r.Productions[0].Title)
	}
}

// classExport starts the class's ZIP as the client, waits for it and
// returns it; a failed export fails the test.
func classExport(t testing.TB, cl *client, classID int64) string {
	t.Helper()
	class := fmt.Sprintf("/classes/%d", classID)
	res := cl.post(class+"/export", url.Values{"paper": {"A4"}})
	wantStatus(t, res, http.StatusSeeOther)
	job := res.header.Get("Location")
	deadline := time.Now().Add(60 * time.Second)
	for {
		res = cl.get(job)
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.body, "sont prêts") {
			break
		}
		if !strings.Contains(res.body, "Préparation en cours") {
			t.Fatalf("class export failed:\n%.3000s", res.body)
		}
		if time.Now().After(deadline) {
			t.Fatal("class export did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
	res = cl.get(job + "/download")
	wantStatus(t, res, http.StatusOK)
	return res.body
}

// logBuffer is a logger's output, safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestBackgroundJobPanicFailsTheJobOnly: a panic in a goroutine the server
// starts is logged and fails its job; the server goes on, and the export
// page says the export failed.
func TestBackgroundJobPanicFailsTheJobOnly(t *testing.T) {
	var logs logBuffer
	c := newClassroomConfig(t, func(cfg *Config) { cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	failed := make(chan error, 1)
	c.app.srv.background("test job", func() { panic("boom") }, func(err error) { failed <- err })
	select {
	case err := <-failed:
		if err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("failed with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the panic was not reported")
	}
	wantContains(t, logs.String(), "background job panicked", "job=\"test job\"", "panic=boom", "stack=")

	// A class export whose job fails shows it on its page.
	prof := c.app.login("prof@example.org")
	res := prof.post(fmt.Sprintf("/classes/%d/export", c.classID), url.Values{"paper": {"A4"}})
	wantStatus(t, res, http.StatusSeeOther)
	job := c.app.srv.exports.get(strings.TrimPrefix(res.header.Get("Location"), "/exports/"), c.prof.ID)
	job.fail(errors.New("test"))
	wantContains(t, prof.get(res.header.Get("Location")).body, "échoué")
	wantStatus(t, c.app.client().get("/healthz"), http.StatusOK)
}

// TestJuryPDFIsCached: the jury's PDF is made once per change of the
// tableau, like the student's, whatever the number of downloads; it
// carries the link's own address.
func TestJuryPDFIsCached(t *testing.T) {
	c := newClassroom(t)
	c.app.validate(c.lea.ID, c.app.addRealisation(c.lea.ID, sampleInput("Vue du jury")), c.prof.ID)
	lea := c.app.login("lea@example.org")
	wantStatus(t, lea.post("/partage", url.Values{"label": {"Jury"}}), http.StatusSeeOther)
	token := juryToken(t, lea.get("/partage").body)
	jury := c.app.client()
	first := jury.get("/jury/" + token + "/tableau.pdf")
	wantStatus(t, first, http.StatusOK)
	entries, _ := c.app.srv.pages.stats()
	for range 5 {
		res := jury.get("/jury/" + token + "/tableau.pdf")
		wantStatus(t, res, http.StatusOK)
		if res.body != first.body {
			t.Fatal("the same tableau gave another PDF")
		}
	}
	if n, _ := c.app.srv.pages.stats(); n != entries || n == 0 {
		t.Fatalf("page cache entries: %d after the first PDF, %d after five more", entries, n)
	}
	// The official 2011 sheet (its model has no URL field).
	wantContains(t, pdfText(t, []byte(first.body)), "Vue du jury", "TABLEAU DE SYNTHESE")
	wantContains(t, first.header.Get("Referrer-Policy"), "no-referrer")
}

// TestLongSearchQueries: a search of 50,000 characters (SQLite refuses a
// LIKE pattern that long) or of invalid bytes answers a page, which shows
// the query as it was searched: cut, in valid UTF-8.
func TestLongSearchQueries(t *testing.T) {
	c := newClassroom(t)
	adm := c.app.login("admin@example.org")
	long := strings.Repeat("é", 50000)
	for _, path := range []string{"/admin/users?q=", fmt.Sprintf("/admin/classes/%d?q=", c.classID)} {
		for _, q := range []string{long, "lea\xff\x00"} {
			res := adm.get(path + url.QueryEscape(q))
			wantStatus(t, res, http.StatusOK)
			if !utf8.ValidString(res.body) {
				t.Errorf("%s: the page is not valid UTF-8", path)
			}
		}
	}
	wantContains(t, adm.get("/admin/users?q="+url.QueryEscape("lea\x00")).body, "lea@example.org")
}
