package server

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTableauPDFDownloads(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Réalisation œuvre d’été"))
	c.app.validate(c.lea.ID, id, c.prof.ID)
	lea := c.app.login("lea@example.org")
	// The download names its paper (the model's, A3, unless asked).
	for path, name := range map[string]string{"/tableau.pdf": "LEA_Prenom_tableau_A3.pdf", "/tableau.pdf?paper=A4": "LEA_Prenom_tableau_A4.pdf",
		"/tableau.pdf?paper=n%27importe": "LEA_Prenom_tableau_A3.pdf"} {
		res := lea.get(path)
		wantStatus(t, res, http.StatusOK)
		if res.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.body, "%PDF-") {
			t.Fatalf("%s: %s, %.10q", path, res.header.Get("Content-Type"), res.body)
		}
		wantContains(t, res.header.Get("Content-Disposition"), `attachment; filename="`+name+`"`)
	}
	wantContains(t, lea.get("/tableau").body, `href="/tableau.pdf"`, `href="/tableau.pdf?paper=A4"`, `href="/tableau.csv"`)

	staff := fmt.Sprintf("/students/%d/tableau", c.lea.ID)
	prof := c.app.login("prof@example.org")
	res := prof.get(staff + ".pdf")
	wantStatus(t, res, http.StatusOK)
	if !strings.HasPrefix(res.body, "%PDF-") {
		t.Fatal("teacher download is not a PDF")
	}
	wantContains(t, prof.get(staff).body, `href="`+staff+`.pdf"`)
	wantStatus(t, c.app.login("outsider@example.org").get(staff+".pdf"), http.StatusNotFound)
	wantStatus(t, c.app.login("max@example.org").get(staff+".pdf"), http.StatusForbidden)
}

func TestClassExport(t *testing.T) {
	c := newClassroom(t)
	c.app.validate(c.lea.ID, c.app.addRealisation(c.lea.ID, sampleInput("Une")), c.prof.ID)
	prof := c.app.login("prof@example.org")
	class := fmt.Sprintf("/classes/%d", c.classID)
	wantContains(t, prof.get(class).body, `action="`+class+`/export"`)
	wantStatus(t, prof.post(class+"/export", url.Values{"paper": {"A5"}}), http.StatusBadRequest)
	res := prof.post(class+"/export", url.Values{"paper": {"A4"}})
	wantStatus(t, res, http.StatusSeeOther)
	job := res.header.Get("Location")
	if !regexp.MustCompile(`^/exports/[0-9a-f]{32}$`).MatchString(job) {
		t.Fatalf("job URL %q", job)
	}
	// The progress page refreshes itself until the ZIP is ready.
	deadline := time.Now().Add(30 * time.Second)
	for {
		res = prof.get(job)
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.body, "sont prêts") {
			wantNotContains(t, res.body, `http-equiv="refresh"`)
			wantContains(t, res.body, `<a href="`+class+`">Retour à la classe SIO2 SLAM</a>`)
			break
		}
		wantContains(t, res.body, `http-equiv="refresh"`, "Préparation en cours")
		if time.Now().After(deadline) {
			t.Fatal("export did not finish")
		}
		time.Sleep(50 * time.Millisecond)
	}
	res = prof.get(job + "/download")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.header.Get("Content-Disposition"), `filename="SIO2-SLAM_2026-2027_tableaux.zip"`)
	zr, err := zip.NewReader(bytes.NewReader([]byte(res.body)), int64(len(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "LEA_Prenom_tableau_A4.pdf,MAX_Prenom_tableau_A4.pdf" {
		t.Fatalf("ZIP holds %v", names)
	}
	// Nobody else can see or download the job.
	for _, email := range []string{"outsider@example.org", "admin@example.org"} {
		cl := c.app.login(email)
		wantStatus(t, cl.get(job), http.StatusNotFound)
		wantStatus(t, cl.get(job+"/download"), http.StatusNotFound)
	}
	wantStatus(t, c.app.login("lea@example.org").get(job), http.StatusForbidden)
	wantStatus(t, c.app.login("outsider@example.org").post(class+"/export", url.Values{"paper": {"A3"}}), http.StatusNotFound)
	// A teacher removed from the class loses the export too.
	if err := c.app.store.UnassignTeacher(context.Background(), c.classID, c.prof.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, prof.get(job+"/download"), http.StatusNotFound)
}

// TestDownloadsHaveOneForm: every download names its file in both forms
// of RFC 6266 (an ASCII filename and the UTF-8 filename*), says its type,
// and is neither sniffed nor stored by a cache.
func TestDownloadsHaveOneForm(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Déploiement du serveur"))
	c.app.validate(c.lea.ID, id, c.prof.ID)
	lea, prof := c.app.login("lea@example.org"), c.app.login("prof@example.org")
	student := fmt.Sprintf("/students/%d", c.lea.ID)
	for _, d := range []struct {
		cl   *client
		path string
		mime string
	}{
		{lea, "/tableau.pdf", "application/pdf"}, {lea, "/tableau.csv", "text/csv; charset=utf-8"},
		{lea, "/tableau.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{lea, "/tableau-travail.pdf", "application/pdf"}, {lea, "/compte/donnees.zip", "application/zip"},
		{lea, "/dossier.zip", "application/zip"}, {lea, "/dossier.pdf", "application/pdf"},
		{prof, student + "/tableau.pdf", "application/pdf"}, {prof, student + "/dossier.zip", "application/zip"},
		{prof, fmt.Sprintf("/classes/%d/couverture.csv", c.classID), "text/csv; charset=utf-8"},
	} {
		res := d.cl.get(d.path)
		wantStatus(t, res, http.StatusOK)
		disp := res.header.Get("Content-Disposition")
		if !strings.HasPrefix(disp, `attachment; filename="`) || !strings.Contains(disp, `; filename*=UTF-8''`) {
			t.Errorf("%s: Content-Disposition %q", d.path, disp)
		}
		if got := res.header.Get("Content-Type"); got != d.mime {
			t.Errorf("%s: Content-Type %q, want %q", d.path, got, d.mime)
		}
		if res.header.Get("Cache-Control") != "private, no-store" || res.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: Cache-Control %q, X-Content-Type-Options %q", d.path, res.header.Get("Cache-Control"), res.header.Get("X-Content-Type-Options"))
		}
	}
}
