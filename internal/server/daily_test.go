package server

import (
	"net/http"
	"strings"
	"testing"
)

// Issue 13: daily use of the réalisation form.

// TestHowIsAMultiLineBox: « comment je l'ai exercée » takes 1,000
// characters: it is a box of several lines, and its line breaks are kept.
func TestHowIsAMultiLineBox(t *testing.T) {
	c := newClassroom(t)
	lea := c.app.login("lea@example.org")
	res := lea.get("/realisations/new")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, `<textarea id="how-A1.1.1" name="how.A1.1.1" rows="2" maxlength="1000"`)
	in := sampleInput("Deux lignes")
	in.How = map[string]string{"A1.1.1": "Première étape.\nSeconde étape."}
	res = lea.post("/realisations", formOf(in))
	wantStatus(t, res, http.StatusSeeOther)
	res = lea.get(res.header.Get("Location"))
	wantContains(t, res.body, `<p class="how">Première étape.`+"\n"+`Seconde étape.</p>`)
}

// TestPickerOffersWhatTheServerTakes: the file picker shows the student's
// .docx, .odt and .sql files, which the server accepts.
func TestPickerOffersWhatTheServerTakes(t *testing.T) {
	c := newClassroom(t)
	lea := c.app.login("lea@example.org")
	res := lea.post("/realisations", formOf(sampleInput("Avec preuves")))
	res = lea.get(res.header.Get("Location"))
	i := strings.Index(res.body, `id="evidence-files"`)
	if i < 0 {
		t.Fatal("no file field")
	}
	field := res.body[i : i+strings.Index(res.body[i:], ">")]
	wantContains(t, field, ".pdf", ".docx", ".odt", ".sql", ".png", ".zip")
}
