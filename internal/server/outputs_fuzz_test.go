package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/portfolio-sio/portfolio/internal/mailer"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// FuzzOutputs is the property test of every output: the same arbitrary
// text is typed into every field a user can fill (réalisation, production,
// "comment" sentence, comments, names, class name, CSV import, file name,
// jury label, search boxes), then every page and file that shows it is
// fetched: the HTML pages, the PDFs (student, staff, jury, class ZIP), the
// CSV, the personal-data ZIP and the activation e-mail. Any 500, panic,
// malformed file or server that stops answering fails it.
//
// Each input is the fuzzer's string followed by a text generated from the
// seed, drawn from every plane (astral, combining marks, RTL, bidi and
// other controls, NUL, unassigned and private code points, up to 10,000
// characters), so that the fuzzer reaches them all. A field that refuses
// the text must say so with a 422; the text is then typed again as the
// field accepts it (controls removed, cut to the field's length), so that
// the outputs see the rest.
func FuzzOutputs(f *testing.F) {
	for _, s := range []string{"Déploiement 🚀", "שלום \u202eעולם", "e\u0301\u0301\u0301", "\x00\x1b\x7f\u0085\xff",
		"=1+2;\"x\"\n@cmd", strings.Repeat("🚀", 300), "\U0010FFFF\uFFFE\uE000\u200D\uFE0F", ""} {
		f.Add(s, int64(0))
	}
	for seed := int64(1); seed <= 6; seed++ {
		f.Add("", seed)
	}
	fx := newOutputsFixture(f)
	f.Fuzz(func(t *testing.T, typed string, seed int64) {
		fx.check(t, typed+randomText(seed))
	})
}

// randomText is a text drawn from every plane and class of characters; the
// seed 0 gives "".
func randomText(seed int64) string {
	if seed == 0 {
		return ""
	}
	rnd := rand.New(rand.NewPCG(uint64(seed), 0x5e0))
	n := []int{1, 8, 60, 250, 1200, 10000}[rnd.IntN(6)]
	ranges := [][2]rune{
		{0x20, 0x7e}, {0xa0, 0x17f}, {0x0, 0x1f}, {0x7f, 0x9f}, {0x300, 0x36f}, {0x5d0, 0x5ea}, {0x600, 0x6ff},
		{0x200b, 0x200f}, {0x202a, 0x202e}, {0x2066, 0x2069}, {0xfe00, 0xfe0f}, {0x1f300, 0x1faff}, {0xe000, 0xf8ff},
		{0xfff0, 0xffff}, {0x10000, 0x10ffff}, {0x4e00, 0x9fff}, {0x1f1e6, 0x1f1ff}, {0xe0000, 0xe007f},
	}
	var b strings.Builder
	for range n {
		r := ranges[rnd.IntN(len(ranges))]
		c := r[0] + rune(rnd.IntN(int(r[1]-r[0]+1)))
		if c >= 0xd800 && c <= 0xdfff {
			c = 0xfffd
		}
		b.WriteRune(c)
	}
	return b.String()
}

// accepted is the text as a one-line field of max characters accepts it:
// valid UTF-8, without control or bidirectional characters, spaces folded,
// cut to max, never empty.
func accepted(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	s = "T " + strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		s = strings.TrimSpace(string([]rune(s)[:max]))
	}
	return s
}

type outputsFixture struct {
	c               *classroom
	lea, prof, adm  *client
	ines            *client // a student of a class on the 2019 référentiel
	inesID          int64
	inesClass       int64
	anonymous       *client
	mail            *sentMail
	mu              sync.Mutex
	inputs          int
	evidenceContent []byte
}

func newOutputsFixture(t testing.TB) *outputsFixture {
	mail := &sentMail{}
	c := newClassroomConfig(t, func(cfg *Config) { cfg.Mailer = mail; cfg.BaseURL = "https://portfolio.lycee.example/" })
	ctx := context.Background()
	ines := c.app.addUser("ines@example.org", portfolio.RoleStudent, "SISR")
	cid, err := c.app.store.CreateClass(ctx, store.Class{Name: "SIO2 SISR 2019", SchoolYear: "2026-2027", Referentiel: "sio-2019", Parcours: "SISR"})
	if err == nil {
		err = c.app.store.Enrol(ctx, cid, ines.ID)
	}
	if err == nil {
		err = c.app.store.AssignTeacher(ctx, cid, c.prof.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &outputsFixture{c: c, lea: c.app.login("lea@example.org"), prof: c.app.login("prof@example.org"),
		adm: c.app.login("admin@example.org"), anonymous: c.app.client(), mail: mail, evidenceContent: samplePNG(t),
		ines: c.app.login("ines@example.org"), inesID: ines.ID, inesClass: cid}
}

// withT is the client with this input's t (same cookies).
func withT(t *testing.T, c *client) *client { cl := *c; cl.t = t; return &cl }

var locationID = regexp.MustCompile(`/(\d+)$`)

// latinWord is a word of the title a PDF must show (the font draws Latin;
// other scripts may print « � »). It is looked for in the title's NFC
// form, which is what PDFs print: "EEEEEE" followed by U+0301 prints
// "EEEEEÉ".
var latinWord = regexp.MustCompile(`[A-Za-z]{4,}`)

// send posts a form and accepts a redirect or a 422; with a 422 it posts
// again with retry(form) and wants the redirect. It returns the Location.
func send(t *testing.T, cl *client, path string, form url.Values, retry func(url.Values)) string {
	t.Helper()
	res := cl.post(path, form)
	if res.status == http.StatusUnprocessableEntity && retry != nil {
		retry(form)
		res = cl.post(path, form)
	}
	if res.status != http.StatusSeeOther {
		t.Fatalf("POST %s: status %d, want 303 (or 422, then 303 with the accepted text)\nform %q\n%.1500s", path, res.status, form, res.body)
	}
	return res.header.Get("Location")
}

func (fx *outputsFixture) check(t *testing.T, text string) {
	fx.mu.Lock() // one input at a time: they share the classroom
	defer fx.mu.Unlock()
	fx.inputs++
	c := fx.c
	// Each input starts from the same classroom: what the previous one
	// added goes (else each input would cost more than the last).
	for _, q := range []string{`DELETE FROM realisations WHERE student_id IN (?, ?)`, `DELETE FROM jury_links WHERE student_id = ? AND ? > 0`,
		`DELETE FROM notifications WHERE ? > 0 AND ? > 0`, `DELETE FROM mail_queue WHERE ? > 0 AND ? > 0`, `DELETE FROM mail_sent WHERE ? > 0 AND ? > 0`,
		`DELETE FROM users WHERE email LIKE 'fuzz%@example.org' AND ? > 0 AND ? > 0`} {
		if _, err := c.app.store.DB.Exec(q, c.lea.ID, fx.inesID); err != nil {
			t.Fatal(err)
		}
	}
	lea, prof, adm, anon := withT(t, fx.lea), withT(t, fx.prof), withT(t, fx.adm), withT(t, fx.anonymous)
	line := func(max int) func(url.Values) {
		return func(f url.Values) {
			for k := range f {
				if k != "version" && k != "activity" && k != "competence" && k != "types" && k != "cadre" && k != "start" &&
					k != "end" && k != "modalite" && k != "production_url" && k != "email" && k != "role" && k != "parcours" &&
					k != "session" && k != "school_year" && k != "candidate" && k != "stage" {
					f.Set(k, accepted(f.Get(k), max))
				}
			}
		}
	}

	// Her stage, whose organisation the official 2011 sheet prints after
	// its band's title (#17); the réalisation is done in it.
	if _, err := c.app.store.DB.Exec(`DELETE FROM stages WHERE student_id = ?`, c.lea.ID); err != nil {
		t.Fatal(err)
	}
	stageLoc := send(t, lea, "/stages", stageForm("1", text, "2025-10-01", "2025-12-19"), func(f url.Values) {
		f.Set("organisation", accepted(text, portfolio.MaxStageLine))
	})
	stageID := locationID.FindStringSubmatch(stageLoc)
	if stageID == nil {
		t.Fatalf("stage created at %q", stageLoc)
	}

	// The student's réalisation, with every free text.
	in := sampleInput(text)
	in.Description, in.Contexte, in.Modalite, in.Team = text, text, "equipe", text
	form := formOf(in)
	form.Set("stage", stageID[1])
	form.Set("how.A1.1.1", text)
	form.Add("production_title", text)
	form.Add("production_url", "https://example.org/p")
	loc := send(t, lea, "/realisations", form, line(200))
	m := locationID.FindStringSubmatch(strings.SplitN(loc, "?", 2)[0])
	if m == nil {
		t.Fatalf("created réalisation at %q", loc)
	}
	id := m[1]
	real := "/realisations/" + id
	send(t, lea, real+"/comments", url.Values{"body": {text}}, line(5000))
	// A browser sends a file name with CR, LF and " percent-encoded (HTML
	// standard, multipart/form-data encoding).
	fileName := strings.NewReplacer("\r", "%0D", "\n", "%0A", `"`, "%22").Replace(text) + ".png"
	res := lea.uploadFiles(real+"/evidence", text, [2]any{fileName, fx.evidenceContent})
	if res.status == http.StatusUnprocessableEntity {
		// Refused: the user renames the file as the message says.
		res = lea.uploadFiles(real+"/evidence", accepted(text, 200), [2]any{accepted(fileName, 100), fx.evidenceContent})
	}
	if res.status != http.StatusSeeOther {
		t.Fatalf("upload: status %d: %s", res.status, regexp.MustCompile(`(?s)id="err-upload"[^>]*>[^<]*`).FindString(res.body))
	}
	send(t, lea, "/partage", url.Values{"label": {text}}, line(100))
	token := juryToken(t, lea.get("/partage").body)

	// Through review, so that it is on the tableau and in the class ZIP.
	r := c.realisation(t, mustAtoi(t, id))
	send(t, lea, real+"/submit", url.Values{"version": {itoa(int64(r.Version))}}, nil)
	staffReal := fmt.Sprintf("/students/%d/realisations/%s", c.lea.ID, id)
	send(t, prof, staffReal+"/comments", url.Values{"body": {text}}, line(5000))
	send(t, prof, staffReal+"/review", url.Values{"action": {"validate"}, "version": {itoa(int64(r.Version + 1))}}, nil)

	// The administrator types it as names, a class name and a CSV line.
	user := fmt.Sprintf("/admin/users/%d", c.lea.ID)
	send(t, adm, user, url.Values{"first_name": {text}, "last_name": {text}, "email": {"lea@example.org"}, "role": {"student"},
		"parcours": {"SLAM"}, "candidate": {"0123"}, "session": {"2027"}, "centre": {text}}, line(100))
	class := fmt.Sprintf("/admin/classes/%d", c.classID)
	send(t, adm, class, url.Values{"name": {text}, "school_year": {"2026-2027"}, "parcours": {"SLAM"}}, line(100))
	csvFile := fmt.Sprintf("Nom;Prénom;E-mail;Parcours;Numéro de candidat\n%s;%s;fuzz%d@example.org;SLAM;\n", text, text, fx.inputs)
	res = adm.upload(class+"/import", "file", text+".csv", []byte(csvFile))
	if res.status != http.StatusOK && res.status != http.StatusUnprocessableEntity {
		t.Fatalf("CSV import preview: status %d\n%.1500s", res.status, res.body)
	}
	if m := regexp.MustCompile(`name="data" value="([^"]+)"`).FindStringSubmatch(res.body); m != nil && strings.Contains(res.body, "1 à créer") {
		wantStatus(t, adm.post(class+"/import/confirm", url.Values{"data": {strings.ReplaceAll(m[1], "&#43;", "+")}}), http.StatusSeeOther)
	}
	fx.mail.mu.Lock()
	fx.mail.msg = nil
	fx.mail.mu.Unlock()
	wantStatus(t, adm.post(user+"/activation", url.Values{}), http.StatusOK)

	// Every output that shows it.
	student := fmt.Sprintf("/students/%d", c.lea.ID)
	q := url.QueryEscape(text)
	for _, get := range []struct {
		cl   *client
		path string
	}{
		{lea, "/realisations"}, {lea, real}, {lea, "/tableau"}, {lea, "/tableau.pdf"}, {lea, "/tableau.pdf?paper=A4"},
		{lea, "/tableau.csv"}, {lea, "/tableau.xlsx"}, {lea, "/tableau.xlsx?paper=A4"}, {lea, "/tableau-travail.pdf"}, {lea, "/partage"}, {lea, "/compte"}, {lea, "/compte/donnees.zip"},
		{prof, "/"}, {prof, fmt.Sprintf("/classes/%d", c.classID)}, {prof, fmt.Sprintf("/classes/%d/couverture.csv", c.classID)},
		{prof, fmt.Sprintf("/classes/%d/couverture.xlsx", c.classID)}, {prof, student + "/"}, {prof, student + "/tableau"},
		{prof, student + "/tableau.pdf"}, {prof, student + "/tableau.csv"}, {prof, student + "/tableau.xlsx"}, {prof, student + "/tableau-travail.pdf"}, {prof, staffReal},
		{adm, "/admin/users"}, {adm, "/admin/users?q=" + q}, {adm, user}, {adm, "/admin/classes"}, {adm, class},
		{adm, class + "?q=" + q}, {adm, "/admin/audit"},
		{anon, "/jury/" + token}, {anon, "/jury/" + token + "/tableau.pdf"},
	} {
		res := get.cl.get(get.path)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s: status %d\n%.1500s", get.path, res.status, res.body)
		}
		wellFormed(t, get.path, res)
	}
	// The official 2011 sheet: the title, and the stage's organisation
	// after its band's title (#17).
	saved := c.realisation(t, mustAtoi(t, id))
	if saved.StageOrganisation == "" || saved.Cadre != "stage1" {
		t.Fatalf("the réalisation is not in the stage: %q %q", saved.Cadre, saved.StageOrganisation)
	}
	for _, path := range []string{"/tableau.pdf", "/tableau.pdf?paper=A4", "/tableau.xlsx"} {
		survives(t, path, lea.get(path), saved.Title, saved.StageOrganisation)
	}
	res = prof.post(fmt.Sprintf("/classes/%d/activation-sheet", c.classID), url.Values{})
	wantStatus(t, res, http.StatusOK)
	c.app.srv.exports.mu.Lock() // the limit of three exports an hour is not what is tested here
	clear(c.app.srv.exports.jobs)
	c.app.srv.exports.mu.Unlock()
	for name, b := range zipEntries(t, classExport(t, prof, c.classID)) {
		wellFormed(t, "class ZIP: "+name, response{status: 200, header: http.Header{"Content-Type": {"application/pdf"}}, body: string(b)})
	}
	fx.mail.mu.Lock()
	sent := fx.mail.msg
	fx.mail.mu.Unlock()
	if len(sent) != 1 {
		t.Fatalf("%d activation e-mails", len(sent))
	}
	parts := strings.SplitN(sent[0], "\n", 3)
	raw, err := mailer.Message("portfolio@lycee.example", mailer.Mail{To: parts[0], Subject: parts[1], Body: parts[2]}, time.Now())
	if err != nil {
		t.Fatalf("activation e-mail: %v", err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("activation e-mail: %v", err)
	}
	if subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || subject != parts[1] {
		t.Fatalf("activation e-mail subject %q, %v", subject, err)
	}
	if body, _ := io.ReadAll(msg.Body); !utf8.Valid(body) || bytes.Contains(bytes.ReplaceAll(body, []byte("\r\n"), nil), []byte("\r")) {
		t.Fatalf("activation e-mail body %q", body)
	}
	fx.check2019(t, text, line)
	fx.checkStages(t, text)
	fx.checkNotifications(t)
	wantStatus(t, anon.get("/healthz"), http.StatusOK)
}

// check2019 types the text into every field of a réalisation on the 2019
// référentiel, fiche fields included, takes it through review, and reads
// every output of that référentiel: its tableau page, PDF, CSV and XLSX,
// and the fiche descriptive, for the student and the teacher. The XLSX
// must hold the title as stored.
func (fx *outputsFixture) check2019(t *testing.T, text string, line func(int) func(url.Values)) {
	ines, prof := withT(t, fx.ines), withT(t, fx.prof)
	form := url.Values{"title": {text}, "description": {text}, "contexte": {text}, "cadre": {"stage1"},
		"start": {"2026-05-18"}, "end": {"2026-06-26"}, "modalite": {"equipe"}, "team": {text},
		"activity": {"B1.1", "B2.1"}, "competence": {"B1.1.1"}, "how.B1.1": {text}, "how.B2.1": {text},
		"production_title": {text}, "production_url": {"https://example.org/p"}, "fiche": {"1"},
		"organisation": {text}, "lieu": {text}, "conditions": {text}, "ressources": {text}, "acces": {text}}
	loc := send(t, ines, "/realisations", form, func(f url.Values) {
		line(200)(f)
		f.Set("fiche", "1") // line() leaves no field it does not know untouched
	})
	m := locationID.FindStringSubmatch(strings.SplitN(loc, "?", 2)[0])
	if m == nil {
		t.Fatalf("created réalisation at %q", loc)
	}
	id := mustAtoi(t, m[1])
	r, err := fx.c.app.store.GetRealisation(context.Background(), fx.inesID, id)
	if err != nil {
		t.Fatal(err)
	}
	// The admin types it as the texts of her session (2027); what the
	// page refuses is typed again as its messages say.
	texts := url.Values{"referentiel": {"sio-2019"}, "session": {"2027"}, "fiche_annexe": {text}, "fiche_epreuve:SISR": {text},
		"fiche_epreuve:SLAM": {text}, "tableau_title": {text}, "tableau_subtitle": {text}, "tableau_sheet": {text}}
	send(t, withT(t, fx.adm), "/admin/textes-session", texts, func(f url.Values) {
		for _, k := range []string{"fiche_epreuve:SISR", "fiche_epreuve:SLAM", "tableau_title", "tableau_subtitle"} {
			f.Set(k, accepted(text, 200))
		}
		f.Set("fiche_annexe", "8-2")
		f.Set("tableau_sheet", excelSheet(accepted(text, 15))) // 31 UTF-16 units at most
	})
	stored, err := fx.c.app.store.SessionTexts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	epreuve := stored[store.SessionTextKey{Referentiel: "sio-2019", Session: 2027, Name: "fiche_epreuve:SISR"}]
	subtitle := stored[store.SessionTextKey{Referentiel: "sio-2019", Session: 2027, Name: "tableau_subtitle"}]
	if _, err := fx.c.app.store.DB.Exec(`DELETE FROM jury_links WHERE student_id = ?`, fx.inesID); err != nil {
		t.Fatal(err)
	}
	send(t, ines, "/partage", url.Values{"label": {text}}, line(100))
	token := juryToken(t, ines.get("/partage").body)
	real := "/realisations/" + m[1]
	if res := ines.get(real + "/edit"); res.status != http.StatusOK || !utf8.ValidString(res.body) {
		t.Fatalf("GET %s/edit: status %d", real, res.status)
	}
	send(t, ines, real+"/submit", url.Values{"version": {itoa(int64(r.Version))}}, nil)
	staff := fmt.Sprintf("/students/%d", fx.inesID)
	send(t, prof, staff+"/realisations/"+m[1]+"/review", url.Values{"action": {"validate"}, "version": {itoa(int64(r.Version + 1))}}, nil)
	// Validated, its fiche is filled in again from its page.
	send(t, ines, real+"/fiche", url.Values{"fiche": {"2"}, "organisation": {text}, "lieu": {text}, "conditions": {text},
		"ressources": {text}, "acces": {text}}, func(f url.Values) {
		line(200)(f)
		f.Set("fiche", "2")
	})
	for _, get := range []struct {
		cl   *client
		path string
	}{
		{ines, "/realisations"}, {ines, real}, {ines, "/tableau"}, {ines, "/tableau.pdf"},
		{ines, "/tableau.pdf?paper=A3"}, {ines, "/tableau.csv"}, {ines, "/tableau.xlsx"}, {ines, real + "/fiche.pdf"},
		{ines, "/compte/donnees.zip"}, {withT(t, fx.anonymous), "/jury/" + token}, {withT(t, fx.anonymous), "/jury/" + token + "/tableau.pdf"},
		{prof, staff + "/"}, {prof, staff + "/tableau"}, {prof, staff + "/tableau.xlsx"}, {prof, staff + "/realisations/" + m[1] + "/fiche.pdf"},
	} {
		res := get.cl.get(get.path)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s: status %d\n%.1500s", get.path, res.status, res.body)
		}
		wellFormed(t, get.path, res)
		if get.path != "/realisations" {
			survives(t, get.path, res, r.Title)
		}
		switch {
		case strings.HasSuffix(get.path, "/fiche.pdf"):
			survives(t, get.path, res, epreuve)
		case strings.HasSuffix(get.path, ".xlsx"):
			survives(t, get.path, res, subtitle)
		}
	}
	res := withT(t, fx.adm).get("/admin/textes-session?referentiel=sio-2019&session=2027")
	wantStatus(t, res, http.StatusOK)
	wellFormed(t, "/admin/textes-session", res)
	survives(t, "/admin/textes-session", res, epreuve, subtitle)
}

// checkStages types the text into every free field of a stage and of its
// carnet, has its attestation accepted, and reads every output that shows
// them: the stage pages (student, teacher, class), the carnet and the
// pre-filled attestation PDFs, the dossier ZIP and its merged PDF.
func (fx *outputsFixture) checkStages(t *testing.T, text string) {
	ines, prof := withT(t, fx.ines), withT(t, fx.prof)
	if _, err := fx.c.app.store.DB.Exec(`DELETE FROM stages WHERE student_id = ?`, fx.inesID); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"kind": {"stage"}, "year": {"1"}, "organisation": {text}, "address": {text}, "siret": {"73282932000074"},
		"service": {text}, "tutor_name": {text}, "tutor_function": {text}, "tutor_email": {"t@example.fr"}, "tutor_phone": {"0102030405"},
		"start": {"2026-05-18"}, "end": {"2026-06-26"}, "missions": {text}}
	loc := send(t, ines, "/stages", form, func(f url.Values) {
		for k, max := range map[string]int{"organisation": portfolio.MaxStageLine, "service": portfolio.MaxStageLine, "tutor_name": portfolio.MaxStageLine,
			"tutor_function": portfolio.MaxStageLine, "address": portfolio.MaxStageAddress, "missions": portfolio.MaxStageMissions} {
			f.Set(k, accepted(text, max))
		}
	})
	sid := locationID.FindStringSubmatch(loc)
	if sid == nil {
		t.Fatalf("stage created at %q", loc)
	}
	stages, err := fx.c.app.store.Stages(context.Background(), fx.inesID)
	if err != nil || len(stages) != 1 {
		t.Fatalf("stages: %v %v", stages, err)
	}
	org := stages[0].Organisation
	stage := "/stages/" + sid[1]
	send(t, ines, stage+"/semaines/2026-05-18", url.Values{"done": {text}, "hours": {"35"}}, func(f url.Values) { f.Set("done", accepted(text, portfolio.MaxLogDone)) })
	wantStatus(t, ines.upload(stage+"/attestations", "files", "scan.png", fx.evidenceContent), http.StatusSeeOther)
	atts, err := fx.c.app.store.Attestations(context.Background(), fx.inesID)
	if err != nil || len(atts[stages[0].ID]) != 1 {
		t.Fatalf("attestations %v %v", atts, err)
	}
	staff := fmt.Sprintf("/students/%d/stages/%s", fx.inesID, sid[1])
	hash := atts[stages[0].ID][0].Hash
	send(t, prof, staff+"/attestations/"+itoa(atts[stages[0].ID][0].ID)+"/decision", url.Values{"decision": {"reject"}, "reason": {text}, "file": {hash}},
		func(f url.Values) { f.Set("reason", accepted(text, portfolio.MaxReason)) })
	send(t, prof, staff+"/attestations/"+itoa(atts[stages[0].ID][0].ID)+"/decision", url.Values{"decision": {"accept"}, "file": {hash}}, nil)
	for _, get := range []struct {
		cl   *client
		path string
	}{
		{ines, "/stages"}, {ines, stage}, {ines, stage + "/carnet.pdf"}, {ines, stage + "/attestation-modele.pdf"},
		{ines, "/dossier.zip"}, {ines, "/dossier.pdf"}, {prof, staff}, {prof, fmt.Sprintf("/classes/%d/stages", fx.inesClass)},
		{prof, fmt.Sprintf("/students/%d/dossier.zip", fx.inesID)}, {ines, "/compte/donnees.zip"},
	} {
		res := get.cl.get(get.path)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s: status %d\n%.1500s", get.path, res.status, res.body)
		}
		wellFormed(t, get.path, res)
		switch {
		case strings.HasPrefix(res.header.Get("Content-Type"), "text/html"):
			if !strings.Contains(res.body, html.EscapeString(org)) {
				t.Fatalf("%s: the page lacks the organisation, escaped: %q", get.path, html.EscapeString(org))
			}
		case strings.HasPrefix(res.header.Get("Content-Type"), "application/pdf") && !strings.HasSuffix(get.path, "dossier.pdf"):
			if w := latinWord.FindString(norm.NFC.String(org)); w != "" && !strings.Contains(strings.Join(strings.Fields(pdfText(t, []byte(res.body))), ""), w) {
				t.Fatalf("%s: the PDF lacks %q of the organisation", get.path, w)
			}
		}
	}
}

// checkNotifications reads the notifications the input caused (the
// réalisation's submission, review, comments, the attestation's decision):
// the pages that list them, and every e-mail they make, as it would go on
// the wire.
func (fx *outputsFixture) checkNotifications(t *testing.T) {
	for _, cl := range []*client{withT(t, fx.lea), withT(t, fx.prof), withT(t, fx.ines)} {
		res := cl.get("/notifications")
		if res.status != http.StatusOK {
			t.Fatalf("notifications: %d", res.status)
		}
		wellFormed(t, "/notifications", res)
	}
	fx.mail.mu.Lock()
	fx.mail.msg = nil
	fx.mail.mu.Unlock()
	if err := fx.c.app.srv.mailTick(context.Background()); err != nil {
		t.Fatalf("mail round: %v", err)
	}
	fx.mail.mu.Lock()
	sent := fx.mail.msg
	fx.mail.mu.Unlock()
	if len(sent) == 0 {
		t.Fatal("no notification e-mail")
	}
	for _, m := range sent {
		parts := strings.SplitN(m, "\n", 3)
		raw, err := mailer.Message("portfolio@lycee.example", mailer.Mail{To: parts[0], Subject: parts[1], Body: parts[2]}, time.Now())
		if err != nil {
			t.Fatalf("notification e-mail %q: %v", parts[1], err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("notification e-mail: %v", err)
		}
		if subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || subject != parts[1] {
			t.Fatalf("notification e-mail subject %q, %v (want %q)", subject, err, parts[1])
		}
	}
}

// wellFormed checks that a file is what its type says: a PDF with its
// end marker, a ZIP whose entries read, a CSV that parses, a page in UTF-8.
func wellFormed(t *testing.T, what string, res response) {
	t.Helper()
	ct := res.header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/pdf"):
		if !strings.HasPrefix(res.body, "%PDF-") || !strings.Contains(res.body[max(0, len(res.body)-64):], "%%EOF") {
			t.Fatalf("%s: not a whole PDF (%d bytes)", what, len(res.body))
		}
	case strings.HasPrefix(ct, "application/zip"):
		for name, b := range zipEntries(t, res.body) {
			if strings.HasSuffix(name, ".pdf") {
				wellFormed(t, what+": "+name, response{header: http.Header{"Content-Type": {"application/pdf"}}, body: string(b)})
			}
		}
	case strings.HasPrefix(ct, "text/csv"):
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix([]byte(res.body), []byte("\ufeff"))))
		r.Comma, r.FieldsPerRecord = ';', -1
		if _, err := r.ReadAll(); err != nil {
			t.Fatalf("%s: the CSV does not parse: %v", what, err)
		}
	case strings.HasPrefix(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
		if _, err := excelize.OpenReader(strings.NewReader(res.body)); err != nil {
			t.Fatalf("%s: the XLSX does not open: %v", what, err)
		}
	case strings.HasPrefix(ct, "text/html"):
		if !utf8.ValidString(res.body) {
			t.Fatalf("%s: the page is not valid UTF-8", what)
		}
	default:
		t.Fatalf("%s: unexpected Content-Type %q", what, ct)
	}
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	id, ok := parseID(s)
	if !ok {
		t.Fatalf("id %q", s)
	}
	return id
}

// survives checks that texts a user typed are in an output: escaped in a
// page, each text's first Latin word in a PDF's text (its font draws no
// other script), whole in a cell of a spreadsheet.
func survives(t *testing.T, path string, res response, texts ...string) {
	t.Helper()
	for _, text := range texts {
		switch {
		case strings.HasPrefix(res.header.Get("Content-Type"), "text/html"):
			if !strings.Contains(res.body, html.EscapeString(text)) {
				t.Fatalf("%s: the page lacks %q, escaped", path, html.EscapeString(text))
			}
		case strings.HasPrefix(res.header.Get("Content-Type"), "application/pdf"):
			if w := latinWord.FindString(norm.NFC.String(text)); w != "" && !strings.Contains(strings.Join(strings.Fields(pdfText(t, []byte(res.body))), ""), w) {
				t.Fatalf("%s: the PDF lacks %q of %q", path, w, text)
			}
		}
		if strings.HasSuffix(path, ".xlsx") || strings.Contains(path, ".xlsx?") {
			x, err := excelize.OpenReader(strings.NewReader(res.body))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			rows, err := x.GetRows(x.GetSheetName(0))
			x.Close()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			want := strings.NewReplacer("\uFFFE", "", "\uFFFF", "").Replace(text)
			found := false
			for _, row := range rows {
				for _, cell := range row {
					found = found || strings.Contains(cell, want)
				}
			}
			if !found {
				t.Fatalf("%s: %q is in no cell", path, want)
			}
		}
	}
}

// excelSheet is a text as the page takes it for a sheet name: without the
// characters Excel refuses there.
func excelSheet(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]'`, r) {
			return -1
		}
		return r
	}, s))
}
