package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

func samplePNG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		img.Set(x, x%30, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var samplePDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// uploadFiles posts files (name → bytes) with a title to the upload form.
func (c *client) uploadFiles(path, title string, files ...[2]any) response {
	c.t.Helper()
	return c.postMultipart(path, url.Values{"title": {title}}, files...)
}

func storedFiles(t *testing.T, app *testApp) int {
	t.Helper()
	n := 0
	filepath.WalkDir(app.store.FilesDir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestEvidenceUploadAndServe(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Avec preuves"))
	lea := c.app.login("lea@example.org")
	path := fmt.Sprintf("/realisations/%d/evidence", id)

	res := lea.uploadFiles(path, "", [2]any{"rapport.pdf", samplePDF}, [2]any{"capture écran.png", samplePNG(t)}, [2]any{"notes.md", []byte("# Notes\n\nInstallation faite.\n")})
	wantStatus(t, res, http.StatusSeeOther)
	res = lea.get(fmt.Sprintf("/realisations/%d", id))
	wantContains(t, res.body, "Fichiers de preuve (3)", `class="thumb"`, "capture écran", "rapport.pdf")
	ev, _ := c.app.store.EvidenceOf(context.Background(), id)
	if len(ev) != 3 || ev[0].Mime != "application/pdf" || ev[1].Mime != "image/png" || !strings.HasPrefix(ev[2].Mime, "text/markdown") {
		t.Fatalf("stored %+v", ev)
	}
	for _, e := range ev {
		res := lea.get(fmt.Sprintf("/evidence/%d", e.ID))
		wantStatus(t, res, http.StatusOK)
		if res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("Content-Type") != e.Mime ||
			res.header.Get("Cache-Control") != "private, no-cache" {
			t.Errorf("%s: headers %v", e.Filename, res.header)
		}
		disp := res.header.Get("Content-Disposition")
		if inline := strings.HasPrefix(disp, "inline"); inline != (e.Mime == "application/pdf" || e.Mime == "image/png") {
			t.Errorf("%s: disposition %q", e.Filename, disp)
		}
	}
	// The teacher of the class may download; another student or teacher
	// guessing the URL gets a 404.
	wantStatus(t, c.app.login("prof@example.org").get(fmt.Sprintf("/evidence/%d", ev[0].ID)), http.StatusOK)
	for _, email := range []string{"max@example.org", "outsider@example.org"} {
		wantStatus(t, c.app.login(email).get(fmt.Sprintf("/evidence/%d", ev[0].ID)), http.StatusNotFound)
	}
	wantStatus(t, c.app.client().get(fmt.Sprintf("/evidence/%d", ev[0].ID)), http.StatusSeeOther)
}

func TestEvidenceRefused(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Refus"))
	lea := c.app.login("lea@example.org")
	path := fmt.Sprintf("/realisations/%d/evidence", id)
	for name, tc := range map[string]struct {
		file []byte
		name string
		msg  string
	}{
		"executable named .pdf": {append([]byte("MZ\x90\x00\x03"), make([]byte, 2000)...), "rapport.pdf", "n&#39;est pas d&#39;un type accepté"},
		"html named .pdf":       {[]byte("<!DOCTYPE html><script>alert(document.cookie)</script>"), "rapport.pdf", "n&#39;est pas d&#39;un type accepté"},
		"21 MB":                 {append(append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 21<<20)...), '\n'), "gros.pdf", "est trop volumineux : 20\u00a0Mo au plus"},
	} {
		t.Run(name, func(t *testing.T) {
			// A good file in the same upload is not kept either.
			res := lea.uploadFiles(path, "", [2]any{"bon.pdf", samplePDF}, [2]any{tc.name, tc.file})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res.body, `id="err-upload"`, tc.msg, "Rien n&#39;a été enregistré.")
			if ev, _ := c.app.store.EvidenceOf(context.Background(), id); len(ev) != 0 {
				t.Fatalf("%d files recorded", len(ev))
			}
			if n := storedFiles(t, c.app); n != 0 {
				t.Fatalf("%d files left on disk", n)
			}
		})
	}
	wantStatus(t, c.app.login("max@example.org").uploadFiles(path, "", [2]any{"a.pdf", samplePDF}), http.StatusNotFound)
}

func TestEvidenceQuota(t *testing.T) {
	app := newTestAppConfig(t, "sqlite", func(c *Config) { c.MaxFileBytes = 1000; c.QuotaBytes = 1500 })
	u := app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	id := app.addRealisation(u.ID, sampleInput("Quota"))
	lea := app.login("lea@example.org")
	path := fmt.Sprintf("/realisations/%d/evidence", id)
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("a"), 900)...)
	wantStatus(t, lea.uploadFiles(path, "Un", [2]any{"un.pdf", pdf}), http.StatusSeeOther)
	res := lea.uploadFiles(path, "Deux", [2]any{"deux.pdf", append(pdf, 'b')})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Espace de stockage insuffisant")
}

func TestEvidenceDeletedWithRealisation(t *testing.T) {
	c := newClassroom(t)
	a := c.app.addRealisation(c.lea.ID, sampleInput("A"))
	b := c.app.addRealisation(c.lea.ID, sampleInput("B"))
	d := c.app.addRealisation(c.lea.ID, sampleInput("D"))
	lea := c.app.login("lea@example.org")
	shared := samplePNG(t)
	wantStatus(t, lea.uploadFiles(fmt.Sprintf("/realisations/%d/evidence", a), "", [2]any{"x.png", shared}), http.StatusSeeOther)
	wantStatus(t, lea.uploadFiles(fmt.Sprintf("/realisations/%d/evidence", b), "", [2]any{"y.png", shared}), http.StatusSeeOther)
	wantStatus(t, lea.uploadFiles(fmt.Sprintf("/realisations/%d/evidence", d), "", [2]any{"z.pdf", samplePDF}), http.StatusSeeOther)
	if n := storedFiles(t, c.app); n != 2 {
		t.Fatalf("%d files stored, want 2 (identical uploads share bytes)", n)
	}
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d/delete", a), url.Values{"version": {"1"}}), http.StatusSeeOther)
	if n := storedFiles(t, c.app); n != 2 {
		t.Fatalf("bytes still used by B were deleted (%d files)", n)
	}
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d/delete", d), url.Values{"version": {"1"}}), http.StatusSeeOther)
	if n := storedFiles(t, c.app); n != 1 {
		t.Fatalf("%d files after deleting D, want 1", n)
	}
	ev, _ := c.app.store.EvidenceOf(context.Background(), b)
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d/evidence/%d/delete", b, ev[0].ID), nil), http.StatusSeeOther)
	if n := storedFiles(t, c.app); n != 0 {
		t.Fatalf("%d files left", n)
	}
}

func juryToken(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`/jury/([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no jury link")
	}
	return m[1]
}

func TestJuryLink(t *testing.T) {
	c := newClassroom(t)
	shown := c.app.addRealisation(c.lea.ID, sampleInput("Réalisation montrée au jury"))
	c.app.validate(c.lea.ID, shown, c.prof.ID)
	hidden := c.app.addRealisation(c.lea.ID, sampleInput("Brouillon caché"))
	other := c.app.addRealisation(c.max.ID, sampleInput("Travail de Max"))
	c.app.validate(c.max.ID, other, c.prof.ID)
	lea := c.app.login("lea@example.org")
	wantStatus(t, lea.uploadFiles(fmt.Sprintf("/realisations/%d/evidence", hidden), "", [2]any{"secret.pdf", samplePDF}), http.StatusSeeOther)
	// Validated: the student cannot upload any more; add the file directly.
	png := samplePNG(t)
	tmp := filepath.Join(t.TempDir(), "p")
	os.WriteFile(tmp, png, 0o644)
	eid, err := c.app.store.AddEvidence(context.Background(), store.Evidence{RealisationID: shown, StudentID: c.lea.ID, Title: "Schéma réseau",
		Filename: "schema.png", Hash: "abcdef0123456789", Size: int64(len(png)), Mime: "image/png"}, tmp, 1<<30)
	if err != nil {
		t.Fatal(err)
	}

	wantStatus(t, lea.post("/partage", url.Values{"label": {"Jury E6"}, "expires": {"2026-11-01"}}), http.StatusUnprocessableEntity)
	wantStatus(t, lea.post("/partage", url.Values{"label": {"Jury E6"}}), http.StatusSeeOther)
	res := lea.get("/partage")
	token := juryToken(t, res.body)
	wantContains(t, lea.get("/tableau").body, "/jury/"+token)

	jury := c.app.client()
	res = jury.get("/jury/" + token)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Portfolio de Prénom lea", "Réalisation montrée au jury", "Schéma réseau", fmt.Sprintf("/jury/%s/evidence/%d", token, eid), "table class=\"grid marks\"")
	wantNotContains(t, res.body, "<form", "Brouillon caché", "secret.pdf", "Travail de Max", "max@example.org", "Se déconnecter")
	wantStatus(t, jury.get(fmt.Sprintf("/jury/%s/evidence/%d", token, eid)), http.StatusOK)
	hiddenEv, _ := c.app.store.EvidenceOf(context.Background(), hidden)
	wantStatus(t, jury.get(fmt.Sprintf("/jury/%s/evidence/%d", token, hiddenEv[0].ID)), http.StatusNotFound)
	pdf := jury.get("/jury/" + token + "/tableau.pdf")
	wantStatus(t, pdf, http.StatusOK)
	if !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatal("jury PDF")
	}
	jury.get("/jury/" + token)
	if !regexp.MustCompile(`(?s)<td[^>]*>2\s*<span class="meta">\s*\(dernière le 24/11/2026 :\s*2\)`).MatchString(lea.get("/partage").body) {
		t.Error("views not counted (2 today)")
	}

	// Revoked or expired: 404.
	links, _ := c.app.store.JuryLinks(context.Background(), c.lea.ID)
	wantStatus(t, lea.post(fmt.Sprintf("/partage/%d/revoke", links[0].ID), nil), http.StatusSeeOther)
	wantStatus(t, jury.get("/jury/"+token), http.StatusNotFound)
	wantStatus(t, jury.get("/jury/"+token+"/tableau.pdf"), http.StatusNotFound)
	l, _ := c.app.store.CreateJuryLink(context.Background(), c.lea.ID, "Ancien", "2026-11-23")
	wantStatus(t, jury.get("/jury/"+l.Token), http.StatusNotFound)
	l, _ = c.app.store.CreateJuryLink(context.Background(), c.lea.ID, "Aujourd'hui", "2026-11-24")
	wantStatus(t, jury.get("/jury/"+l.Token), http.StatusOK)
	wantContains(t, lea.get("/partage").body, "jusqu'au 24/11/2026")
	wantStatus(t, jury.get("/jury/pas-un-jeton"), http.StatusNotFound)
	// Another student cannot revoke it.
	wantStatus(t, c.app.login("max@example.org").post(fmt.Sprintf("/partage/%d/revoke", l.ID), nil), http.StatusNotFound)
}

// TestRefusedBatchKeepsNothingUnderRace: two uploads of six files race near
// the quota; each is stored whole or not at all, never a part of it.
func TestRefusedBatchKeepsNothingUnderRace(t *testing.T) {
	for trial := range 8 {
		app := newTestAppConfig(t, "sqlite", func(c *Config) { c.MaxFileBytes = 200; c.QuotaBytes = 1000 })
		u := app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
		id := app.addRealisation(u.ID, sampleInput("Quota"))
		lea := app.login("lea@example.org")
		path := fmt.Sprintf("/realisations/%d/evidence", id)
		var wg sync.WaitGroup
		for up := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var files [][2]any
				for i := range 6 {
					files = append(files, [2]any{fmt.Sprintf("f%d-%d.txt", up, i), []byte(fmt.Sprintf("fichier %d de l'envoi %d, essai %d, %s", i, up, trial, strings.Repeat("x", 70)))})
				}
				lea.uploadFiles(path, "", files...)
			}()
		}
		wg.Wait()
		var n, size int64
		app.store.DB.QueryRow(`SELECT count(*), coalesce(sum(size), 0) FROM evidence WHERE student_id = ?`, u.ID).Scan(&n, &size)
		if n != 6 || size > 1000 {
			t.Fatalf("trial %d: %d files (%d bytes) stored: want exactly one whole upload of 6", trial, n, size)
		}
	}
}

// TestAbortedUploadIsAClientError: a body that stops before its end (the
// student closed the page) is a 400 and an info line, never a 500 and an
// ERROR in the log.
func TestAbortedUploadIsAClientError(t *testing.T) {
	var logs logBuffer
	c := newClassroomConfig(t, func(cfg *Config) { cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	id := c.app.addRealisation(c.lea.ID, sampleInput("Envoi coupé"))
	lea := c.app.login("lea@example.org")
	for _, cut := range []string{"in the file", "in a part header"} {
		var part bytes.Buffer
		part.WriteString("--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n")
		part.WriteString(strings.Repeat("du texte ", 3000))
		if cut == "in a part header" {
			part.WriteString("\r\n--B\r\nContent-Disposition: form-da")
		}
		conn, err := net.Dial("tcp", strings.TrimPrefix(c.app.server.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		var cookies []string
		for _, ck := range lea.http.Jar.Cookies(mustURL(c.app.server.URL)) {
			cookies = append(cookies, ck.Name+"="+ck.Value)
		}
		fmt.Fprintf(conn, "POST /realisations/%d/evidence HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: %d\r\n\r\n",
			id, strings.TrimPrefix(c.app.server.URL, "http://"), strings.Join(cookies, "; "), part.Len()+100000)
		conn.Write(part.Bytes())
		conn.(*net.TCPConn).CloseWrite() // the rest never comes
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		conn.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("cut %s: status %d, want 400", cut, res.StatusCode)
		}
	}
	wantContains(t, logs.String(), "level=INFO msg=\"upload interrupted\"")
	wantNotContains(t, logs.String(), "level=ERROR")
	if n := storedFiles(t, c.app); n != 0 {
		t.Fatalf("%d files kept from cut uploads", n)
	}
}
