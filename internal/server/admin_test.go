package server

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/text/encoding/charmap"

	"github.com/portfolio-sio/portfolio/internal/mailer"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// upload posts a file as multipart form data.
func (c *client) upload(path, field, name string, data []byte) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.app.server.URL+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// classCSV is a list of n students, `bad` of them with a problem.
func classCSV(n int) string {
	var b strings.Builder
	b.WriteString("Nom;Prénom;E-mail;Parcours;Numéro de candidat\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "Élève%02d;Prénom%02d;eleve%02d@example.org;SLAM;%011d\n", i, i, i, i)
	}
	b.WriteString("Sans;Adresse;pas-une-adresse;SLAM;\n")
	b.WriteString("Mauvais;Parcours;mauvais@example.org;SIO;\n")
	b.WriteString("Double;Élève;eleve01@example.org;SLAM;\n")
	return b.String()
}

func hiddenData(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="data" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no data field on the preview")
	}
	return strings.ReplaceAll(m[1], "&#43;", "+")
}

func TestImportPreviewConfirmAndReimport(t *testing.T) {
	c := newClassroom(t)
	adm := c.app.login("admin@example.org")
	path := fmt.Sprintf("/admin/classes/%d/import", c.classID)
	wantStatus(t, adm.get(path), http.StatusOK)

	res := adm.upload(path, "file", "classe.csv", []byte(classCSV(27)))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "27 à créer, 0 à mettre à jour, 0 sans changement, <strong>3 en erreur</strong>",
		"E-mail invalide : « pas-une-adresse »", "Parcours inconnu : « SIO »", "E-mail déjà présent ligne 2 du fichier")
	// The lines in error come first, in file order.
	if e, ok := strings.Index(res.body, "pas-une-adresse"), strings.Index(res.body, "eleve01@example.org"); e < 0 || e > ok {
		t.Error("the lines in error are not listed first")
	}
	users, _ := c.app.store.SearchUsers(context.Background(), store.UserFilter{Role: portfolio.RoleStudent})
	if len(users) != 3 {
		t.Fatalf("the preview wrote: %d students", len(users))
	}

	data := hiddenData(t, res.body)
	res = adm.post(path+"/confirm", url.Values{"data": {data}})
	wantStatus(t, res, http.StatusSeeOther)
	wantContains(t, adm.get(res.header.Get("Location")).body, "Import terminé : 27 étudiants créés, 0 mis à jour")
	students, _, _ := c.app.store.ClassMembers(context.Background(), c.classID)
	if len(students) != 2+27 {
		t.Fatalf("%d students in the class", len(students))
	}
	u, err := c.app.store.UserByEmail(context.Background(), "eleve07@example.org")
	if err != nil || u.LastName != "Élève07" || u.Parcours != "SLAM" || u.CandidateNumber != "00000000007" || u.HasPassword() || u.SessionYear != 2027 {
		t.Fatalf("imported %+v, %v", u, err)
	}

	// The same file again changes nothing.
	snapshot := func() string {
		var b strings.Builder
		rows, _ := c.app.store.DB.Query(`SELECT u.email, u.first_name, u.last_name, u.parcours, u.candidate_number,
			(SELECT group_concat(class_id) FROM class_students WHERE student_id = u.id) FROM users u ORDER BY u.id`)
		defer rows.Close()
		for rows.Next() {
			var a, b1, c1, d, e string
			var f *string
			rows.Scan(&a, &b1, &c1, &d, &e, &f)
			fmt.Fprintln(&b, a, b1, c1, d, e, f != nil && *f != "")
		}
		return b.String()
	}
	before := snapshot()
	res = adm.upload(path, "file", "classe.csv", []byte(classCSV(27)))
	wantContains(t, res.body, "0 à créer, 0 à mettre à jour, 27 sans changement")
	res = adm.post(path+"/confirm", url.Values{"data": {hiddenData(t, res.body)}})
	wantStatus(t, res, http.StatusSeeOther)
	wantContains(t, adm.get(res.header.Get("Location")).body, "Import terminé : 0 étudiant créé, 0 mis à jour")
	if after := snapshot(); after != before {
		t.Fatal("re-importing the same file changed the database")
	}

	// An unusable file is a 422 with the reason next to the field.
	res = adm.upload(path, "file", "x.csv", []byte("nom;prénom\nA;B\n"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, `id="err-file"`, "Colonne(s) manquante(s)")
	wantStatus(t, adm.post(path+"/confirm", url.Values{"data": {"%%%"}}), http.StatusBadRequest)
}

func TestImportWindows1252(t *testing.T) {
	c := newClassroom(t)
	adm := c.app.login("admin@example.org")
	text := "nom,prénom,email,parcours\nCœur-Lefèvre,Élodie,elodie@example.org,sisr\nD'Aubigné,Jérôme,jerome@example.org,\n"
	data, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/admin/classes/%d/import", c.classID)
	res := adm.upload(path, "file", "export-excel.csv", data)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Cœur-Lefèvre Élodie", "D&#39;Aubigné Jérôme", "2 à créer")
	wantStatus(t, adm.post(path+"/confirm", url.Values{"data": {hiddenData(t, res.body)}}), http.StatusSeeOther)
	u, err := c.app.store.UserByEmail(context.Background(), "elodie@example.org")
	if err != nil || u.LastName != "Cœur-Lefèvre" || u.FirstName != "Élodie" || u.Parcours != "SISR" {
		t.Fatalf("imported %+v, %v", u, err)
	}
}

// activationToken reads the token off an activation link page.
func activationToken(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`/activation/([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no activation link in:\n%.1500s", body)
	}
	return m[1]
}

func TestActivationLink(t *testing.T) {
	c := newClassroom(t)
	adm := c.app.login("admin@example.org")
	res := adm.post("/admin/users", url.Values{"first_name": {"Inès"}, "last_name": {"Nouvelle"}, "email": {"ines@example.org"},
		"role": {"student"}, "parcours": {"SLAM"}, "class_id": {fmt.Sprint(c.classID)}})
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Lien d'activation — Inès Nouvelle", "/activation/")
	token := activationToken(t, res.body)

	anon := c.app.client()
	wantStatus(t, anon.get("/activation/"+token), http.StatusOK)
	res = anon.post("/activation/"+token, url.Values{"password": {"motdepasse123"}, "password2": {"motdepasse123"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "plus courants")
	res = anon.post("/activation/"+token, url.Values{"password": {"trois chats sur le toit"}, "password2": {"trois chats sur le TOIT"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "pas identiques")
	res = anon.post("/activation/"+token, url.Values{"password": {"trois chats sur le toit"}, "password2": {"trois chats sur le toit"}})
	wantStatus(t, res, http.StatusSeeOther)

	// Choosing a password ends the sessions opened with the old one.
	u0, _ := c.app.store.UserByEmail(context.Background(), "lea@example.org")
	old := c.app.login("lea@example.org")
	tok, _ := c.app.store.CreateActivation(context.Background(), u0.ID, 0, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	wantStatus(t, c.app.client().post("/activation/"+tok.Token, url.Values{"password": {"une autre phrase longue"}, "password2": {"une autre phrase longue"}}), http.StatusSeeOther)
	wantStatus(t, old.get("/realisations"), http.StatusSeeOther)
	wantStatus(t, c.app.client().post("/login", url.Values{"email": {"lea@example.org"}, "password": {"une autre phrase longue"}}), http.StatusSeeOther)

	// The link worked once; now it is refused.
	wantStatus(t, anon.get("/activation/"+token), http.StatusNotFound)
	wantStatus(t, anon.post("/activation/"+token, url.Values{"password": {"autre phrase secrète"}, "password2": {"autre phrase secrète"}}), http.StatusNotFound)
	res = anon.post("/login", url.Values{"email": {"ines@example.org"}, "password": {"trois chats sur le toit"}})
	wantStatus(t, res, http.StatusSeeOther)

	// An expired link is refused.
	u := u0
	expired, err := c.app.store.CreateActivation(context.Background(), u.ID, 0, time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, anon.get("/activation/"+expired.Token), http.StatusNotFound)
	wantStatus(t, anon.get("/activation/not-a-token"), http.StatusNotFound)
	// A new link replaces the earlier unused one.
	first, _ := c.app.store.CreateActivation(context.Background(), u.ID, 0, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	second, _ := c.app.store.CreateActivation(context.Background(), u.ID, 0, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	wantStatus(t, anon.get("/activation/"+first.Token), http.StatusNotFound)
	wantStatus(t, anon.get("/activation/"+second.Token), http.StatusOK)
}

func TestActivationSheet(t *testing.T) {
	c := newClassroom(t)
	if err := c.app.store.SetPassword(context.Background(), c.max.ID, ""); err != nil {
		t.Fatal(err)
	}
	prof := c.app.login("prof@example.org")
	res := prof.post(fmt.Sprintf("/classes/%d/activation-sheet", c.classID), nil)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "premiers accès — SIO2 SLAM", "max@example.org", "compte déjà activé")
	if n := len(regexp.MustCompile(`/activation/[A-Za-z0-9_-]+`).FindAllString(res.body, -1)); n != 1 {
		t.Fatalf("%d links on the sheet, want 1 (max)", n)
	}
	wantStatus(t, c.app.login("outsider@example.org").post(fmt.Sprintf("/classes/%d/activation-sheet", c.classID), nil), http.StatusNotFound)

	// Max's line has a QR code that reads back as his link, and a short
	// code without look-alike characters.
	link := regexp.MustCompile(`<code>(https?://[^<]+/activation/[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(res.body)
	img := regexp.MustCompile(`<img class="qr" src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="QR code du lien de max Prénom"`).FindStringSubmatch(res.body)
	code := regexp.MustCompile(`<code class="short-code">([A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4})</code>`).FindStringSubmatch(res.body)
	if link == nil || img == nil || code == nil {
		t.Fatalf("sheet without link, QR code or short code:\n%s", res.body)
	}
	if got := decodeQR(t, img[1]); got != link[1] {
		t.Fatalf("the QR code reads %q, the link is %q", got, link[1])
	}
	if !strings.Contains(res.body, "/activation</code> et tape son adresse e-mail et son code") {
		t.Error("the sheet does not say where to type the code")
	}
}

// decodeQR reads a QR code in a base64 PNG, as a phone would.
func decodeQR(t *testing.T, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	result, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR code does not read: %v", err)
	}
	return result.GetText()
}

// TestFirstAccessWithCode: a student types their e-mail and the short
// code of the sheet, in any case, with a space or no dash; a wrong code,
// another student's code or an unknown e-mail get the same 422 next to
// the code; a weak password is refused with the code kept; the code works
// once; guessing is slowed like passwords.
func TestFirstAccessWithCode(t *testing.T) {
	c := newClassroom(t)
	ctx := context.Background()
	for _, id := range []int64{c.max.ID, c.lea.ID} {
		if err := c.app.store.SetPassword(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	maxLink, err := c.app.store.CreateActivation(ctx, c.max.ID, c.prof.ID, c.app.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	leaLink, err := c.app.store.CreateActivation(ctx, c.lea.ID, c.prof.ID, c.app.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	anon := c.app.client()
	wantContains(t, anon.get("/login").body, `href="/activation"`)
	wantStatus(t, anon.get("/activation"), http.StatusOK)
	typed := strings.ToLower(maxLink.Code[:4] + " " + maxLink.Code[4:])
	for _, bad := range []url.Values{
		{"email": {"max@example.org"}, "code": {"ABCD-EFGH"}},
		{"email": {"max@example.org"}, "code": {leaLink.Code}},
		{"email": {"personne@example.org"}, "code": {maxLink.Code}},
		{"email": {""}, "code": {maxLink.Code}},
		{"email": {"max@example.org"}, "code": {strings.Repeat("é", 5000)}},
	} {
		res := anon.post("/activation", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res.body, `id="err-code"`, `aria-describedby="err-code"`)
	}
	res := anon.post("/activation", url.Values{"email": {"max@example.org"}, "code": {typed}})
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Bienvenue Prénom", `name="step" value="password"`, `id="password"`)
	res = anon.post("/activation", url.Values{"email": {"max@example.org"}, "code": {typed}, "step": {"password"},
		"password": {"court"}, "password2": {"court"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, `id="err-password"`, `value="`+typed+`"`)
	res = anon.post("/activation", url.Values{"email": {"max@example.org"}, "code": {maxLink.Code[:4] + "-" + maxLink.Code[4:]},
		"step": {"password"}, "password": {"une longue phrase de passe"}, "password2": {"une longue phrase de passe"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.header.Get("Location"); loc != "/login?email=max%40example.org" {
		t.Errorf("after the code: %s", loc)
	}
	wantStatus(t, c.app.client().post("/login", url.Values{"email": {"max@example.org"}, "password": {"une longue phrase de passe"}}), http.StatusSeeOther)
	// The code worked once, and so did its link.
	wantStatus(t, anon.post("/activation", url.Values{"email": {"max@example.org"}, "code": {typed}}), http.StatusUnprocessableEntity)
	wantStatus(t, anon.get("/activation/"+maxLink.Token), http.StatusNotFound)

	// Guessing Léa's code is slowed as passwords are (a try too early is
	// answered 429 at once), but never locked: a student on first access has
	// no known browser to escape a lock with.
	guesser := c.app.client()
	for i := range 12 {
		wantStatus(t, guesser.post("/activation", url.Values{"email": {"lea@example.org"}, "code": {fmt.Sprintf("ZZZZ-ZZ%02d", i)}}), http.StatusUnprocessableEntity)
		if i >= slowAfter {
			early := guesser.post("/activation", url.Values{"email": {"lea@example.org"}, "code": {"ZZZZ-ZZZZ"}})
			wantStatus(t, early, http.StatusTooManyRequests)
			if early.header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
		}
		c.app.clock.advance(10 * time.Second)
	}
	// The right code, once the slow-down has passed.
	wantStatus(t, guesser.post("/activation", url.Values{"email": {"lea@example.org"}, "code": {leaLink.Code}}), http.StatusOK)
}

func TestDisabledUserSessionEnds(t *testing.T) {
	c := newClassroom(t)
	lea := c.app.login("lea@example.org")
	wantStatus(t, lea.get("/realisations"), http.StatusOK)
	adm := c.app.login("admin@example.org")
	wantStatus(t, adm.post(fmt.Sprintf("/admin/users/%d/disable", c.lea.ID), nil), http.StatusSeeOther)
	// The open session stops working at the next request.
	res := lea.get("/realisations")
	wantStatus(t, res, http.StatusSeeOther)
	if res.header.Get("Location") != "/login" {
		t.Fatalf("redirected to %q", res.header.Get("Location"))
	}
	// The right password on a disabled account gets the answer of a wrong
	// one: nothing tells whoever typed it that it was right.
	res = c.app.client().post("/login", url.Values{"email": {"lea@example.org"}, "password": {testPassword}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Adresse e-mail ou mot de passe incorrect.")
	wrong := c.app.client().post("/login", url.Values{"email": {"lea@example.org"}, "password": {"mauvais"}})
	if strip := func(s string) string { return regexp.MustCompile(`value="[^"]*"`).ReplaceAllString(s, "") }; strip(res.body) != strip(wrong.body) {
		t.Error("a disabled account's page differs from a wrong password's")
	}
	if entries, err := c.app.store.AuditLog(context.Background(), "login_refused", 10, 0); err != nil || len(entries) != 1 {
		t.Fatalf("audit: %v, %v", entries, err)
	}
	wantStatus(t, adm.post(fmt.Sprintf("/admin/users/%d/enable", c.lea.ID), nil), http.StatusSeeOther)
	c.app.login("lea@example.org")
	// An admin cannot disable themself.
	wantStatus(t, adm.post(fmt.Sprintf("/admin/users/%d/disable", c.adm.ID), nil), http.StatusConflict)
}

func TestLoginBruteForce(t *testing.T) {
	c := newClassroom(t)
	cl := c.app.client()
	for i := 0; i < lockAfter; i++ {
		res := cl.post("/login", url.Values{"email": {"lea@example.org"}, "password": {"mauvais"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		c.app.clock.advance(time.Second) // the slow-down's unit is 1 ms here
	}
	// Locked now, even with the right password, with a clear message.
	res := cl.post("/login", url.Values{"email": {"lea@example.org"}, "password": {testPassword}})
	wantStatus(t, res, http.StatusTooManyRequests)
	wantContains(t, res.body, "Trop de tentatives de connexion : réessayez dans 15 minute(s).")
	// The address is not locked: a school shares one; others still log in.
	wantStatus(t, cl.post("/login", url.Values{"email": {"max@example.org"}, "password": {testPassword}}), http.StatusSeeOther)
	// A flood of long e-mails writes nothing big anywhere.
	long := strings.Repeat("a", 900000)
	for i := 0; i < 12; i++ {
		c.app.client().post("/login", url.Values{"email": {long}, "password": {"x"}})
	}
	var biggest int
	c.app.store.DB.QueryRow(`SELECT max(length(target)) FROM audit_log`).Scan(&biggest)
	if biggest > 254 {
		t.Errorf("audit target of %d bytes", biggest)
	}
	entries, err := c.app.store.AuditLog(context.Background(), "login_failed", 100, 0)
	var lea int
	for _, e := range entries {
		if e.Target == "lea@example.org" && e.IP != "" {
			lea++
		}
	}
	if err != nil || lea != lockAfter {
		t.Fatalf("audit: %d failures of lea, %v", lea, err)
	}
}

// TestLoginParallelBurst: parallel wrong passwords cannot all be tried.
func TestLoginParallelBurst(t *testing.T) {
	c := newClassroom(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := c.app.client().post("/login", url.Values{"email": {"lea@example.org"}, "password": {"mauvais"}})
			mu.Lock()
			codes[res.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[http.StatusUnprocessableEntity] > lockAfter || codes[http.StatusTooManyRequests] < 30-lockAfter {
		t.Fatalf("burst of 30: %v", codes)
	}
}

func TestLimiterSlowsThenLocks(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	l := newLoginLimiter(func() time.Time { return now }, time.Second)
	for i := 1; i <= lockAfter; i++ {
		wait, locked := l.check("a")
		switch {
		case i <= slowAfter && wait != 0:
			t.Errorf("attempt %d waits %v", i, wait)
		case i > slowAfter && wait == 0:
			t.Errorf("attempt %d not slowed", i)
		case wait > 5*time.Second:
			t.Errorf("wait %v", wait)
		case !locked.IsZero():
			t.Errorf("locked before %d failures", lockAfter)
		}
		l.fail("a")
	}
	if _, locked := l.check("a"); !locked.Equal(now.Add(lockFor)) {
		t.Fatalf("locked until %v", locked)
	}
	now = now.Add(lockFor + forgetAfter + time.Minute)
	if wait, locked := l.check("a"); wait != 0 || !locked.IsZero() {
		t.Fatal("not forgiven after the lock")
	}
	l.fail("b")
	l.succeed("b")
	if wait, _ := l.check("b"); wait != 0 {
		t.Fatal("success did not clear")
	}
}

func TestAuditLogPage(t *testing.T) {
	c := newClassroom(t)
	c.app.client().post("/login", url.Values{"email": {"lea@example.org"}, "password": {"faux"}})
	adm := c.app.login("admin@example.org")
	adm.post("/admin/classes", url.Values{"name": {"SIO1"}, "school_year": {"2026-2027"}})
	res := adm.get("/admin/audit")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "échec de connexion", "lea@example.org", "classe créée", "SIO1", ">connexion<")
	wantStatus(t, c.app.login("prof@example.org").get("/admin/audit"), http.StatusForbidden)
}

func TestPersonalDataAndDeletion(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Ma réalisation à moi"))
	c.app.validate(c.lea.ID, id, c.prof.ID)
	if err := c.app.store.AddComment(context.Background(), id, c.prof.ID, "", "Très bien."); err != nil {
		t.Fatal(err)
	}
	lea := c.app.login("lea@example.org")
	draft := c.app.addRealisation(c.lea.ID, sampleInput("Brouillon avec fichier"))
	wantStatus(t, lea.uploadFiles(fmt.Sprintf("/realisations/%d/evidence", draft), "Preuve", [2]any{"preuve.pdf", samplePDF}), http.StatusSeeOther)
	wantContains(t, lea.get("/compte").body, "Télécharger mes données")
	res := lea.get("/compte/donnees.zip")
	wantStatus(t, res, http.StatusOK)
	zr, err := zip.NewReader(strings.NewReader(res.body), int64(len(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	var d struct {
		Account      struct{ Email string } `json:"account"`
		Realisations []struct {
			Title    string
			Comments []struct{ Body string }
			History  []struct{ To string }
		} `json:"realisations"`
	}
	if err := json.Unmarshal(files["donnees.json"], &d); err != nil {
		t.Fatal(err)
	}
	if d.Account.Email != "lea@example.org" || len(d.Realisations) != 2 || d.Realisations[1].Title != "Ma réalisation à moi" ||
		d.Realisations[1].Comments[0].Body != "Très bien." || len(d.Realisations[1].History) != 2 {
		t.Fatalf("personal data %+v", d)
	}
	found := false
	for name, b := range files {
		if strings.HasPrefix(name, "fichiers/") && strings.HasSuffix(name, "preuve.pdf") && bytes.Equal(b, samplePDF) {
			found = true
		}
	}
	if !found {
		t.Error("the evidence file is not in the export")
	}
	if !bytes.HasPrefix(files["LEA_Prenom_tableau.pdf"], []byte("%PDF-")) {
		t.Fatal("no tableau PDF in the export")
	}
	if strings.Contains(string(files["donnees.json"]), "password") {
		t.Fatal("the export holds a password hash")
	}
	wantStatus(t, c.app.login("prof@example.org").get("/compte/donnees.zip"), http.StatusForbidden)

	adm := c.app.login("admin@example.org")
	del := fmt.Sprintf("/admin/users/%d/delete", c.lea.ID)
	res = adm.get(del)
	wantContains(t, res.body, "2 réalisation(s)", "1 commentaire(s)", "2 changement(s) de statut", "1 classe(s)", "1 fichier(s) de preuve")
	wantStatus(t, adm.post(del, url.Values{"confirm": {"autre@example.org"}}), http.StatusUnprocessableEntity)
	if _, err := c.app.store.UserByID(context.Background(), c.lea.ID); err != nil {
		t.Fatal("deleted without the right confirmation")
	}
	wantStatus(t, adm.post(del, url.Values{"confirm": {"LEA@example.org"}}), http.StatusSeeOther)
	if _, err := c.app.store.UserByID(context.Background(), c.lea.ID); err == nil {
		t.Fatal("student still there")
	}
	var left int
	c.app.store.DB.QueryRow(`SELECT (SELECT count(*) FROM realisations) + (SELECT count(*) FROM comments) +
		(SELECT count(*) FROM realisation_events) + (SELECT count(*) FROM class_students WHERE student_id = ?)`, c.lea.ID).Scan(&left)
	if left != 0 {
		t.Fatalf("%d rows of the deleted student left", left)
	}
	if n := storedFiles(t, c.app); n != 0 {
		t.Fatalf("%d evidence files of the deleted student left", n)
	}
	// Her open session is over.
	wantStatus(t, lea.get("/realisations"), http.StatusSeeOther)
	// Teachers and admins are disabled, not deleted here.
	wantStatus(t, adm.get(fmt.Sprintf("/admin/users/%d/delete", c.prof.ID)), http.StatusConflict)
}

func TestAdminUsersForm(t *testing.T) {
	c := newClassroom(t)
	adm := c.app.login("admin@example.org")
	res := adm.get("/admin/users?q=lea")
	wantContains(t, res.body, "lea@example.org", `<a href="/admin/users" aria-current="page">Comptes</a>`, "· compte administrateur")
	wantNotContains(t, res.body, `<a href="/admin/classes" aria-current="page">`)
	wantNotContains(t, res.body, "max@example.org")
	res = adm.post("/admin/users", url.Values{"first_name": {""}, "last_name": {"X"}, "email": {"pas un email"}, "role": {"roi"}, "session": {"20x7"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Le prénom est obligatoire.", "Adresse e-mail invalide.", "Rôle inconnu.", "Indiquez une année", `value="X"`)
	res = adm.post("/admin/users", url.Values{"first_name": {"A"}, "last_name": {"B"}, "email": {"LEA@example.org"}, "role": {"teacher"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Un compte utilise déjà cette adresse.")
	path := fmt.Sprintf("/admin/users/%d", c.lea.ID)
	res = adm.post(path, url.Values{"first_name": {"Léa"}, "last_name": {"Moreau"}, "email": {"lea.moreau@example.org"}, "role": {"student"}, "parcours": {"SISR"}, "session": {"2027"}})
	wantStatus(t, res, http.StatusSeeOther)
	u, _ := c.app.store.UserByID(context.Background(), c.lea.ID)
	if u.Email != "lea.moreau@example.org" || u.Parcours != "SISR" || u.LastName != "Moreau" {
		t.Fatalf("updated %+v", u)
	}
	// The audit log says what changed, and only that.
	res = adm.get("/admin/audit")
	wantContains(t, res.body, "e-mail : lea@example.org → lea.moreau@example.org ; prénom : Prénom → Léa ; nom : lea → Moreau ; parcours : SLAM → SISR")
	wantNotContains(t, res.body, "session : ", "rôle : ")
	res = adm.post(path+"/activation", nil)
	wantStatus(t, res, http.StatusOK)
	activationToken(t, res.body)
	for _, email := range []string{"prof@example.org", "max@example.org"} {
		cl := c.app.login(email)
		for _, p := range []string{"/admin/users", "/admin/users/new", path} {
			wantStatus(t, cl.get(p), http.StatusForbidden)
		}
		wantStatus(t, cl.post(path+"/disable", nil), http.StatusForbidden)
	}
}

// sentMail records the messages a Mailer was asked to send.
type sentMail struct {
	mu  sync.Mutex
	msg []string
}

func (m *sentMail) Send(_ context.Context, mail mailer.Mail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msg = append(m.msg, mail.To+"\n"+mail.Subject+"\n"+mail.Body)
	return nil
}

func TestActivationLinkIsMailedWhenSMTPIsSet(t *testing.T) {
	mail := &sentMail{}
	app := newTestAppConfig(t, "sqlite", func(c *Config) { c.Mailer = mail; c.BaseURL = "https://portfolio.lycee.example/" })
	app.addUser("admin@example.org", portfolio.RoleAdmin, "")
	adm := app.login("admin@example.org")
	res := adm.post("/admin/users", url.Values{"first_name": {"Inès"}, "last_name": {"Nouvelle"}, "email": {"ines@example.org"}, "role": {"student"}})
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "https://portfolio.lycee.example/activation/", "Le lien a aussi été envoyé par e-mail.")
	token := activationToken(t, res.body)
	if len(mail.msg) != 1 || !strings.HasPrefix(mail.msg[0], "ines@example.org\n") || !strings.Contains(mail.msg[0], "https://portfolio.lycee.example/activation/"+token) {
		t.Fatalf("mails %q", mail.msg)
	}
}

// A deleted account's open session must not open the next account that
// SQLite gives the same id (session epochs never repeat).
func TestDeletedAccountSessionDoesNotOpenItsIDsNextAccount(t *testing.T) {
	c := newClassroom(t)
	zoe := c.app.addUser("zoe@example.org", portfolio.RoleStudent, "SLAM")
	old := c.app.login("zoe@example.org")
	wantStatus(t, old.get("/realisations"), http.StatusOK)
	adm := c.app.login("admin@example.org")
	wantStatus(t, adm.post(fmt.Sprintf("/admin/users/%d/delete", zoe.ID), url.Values{"confirm": {"zoe@example.org"}}), http.StatusSeeOther)
	karim := c.app.addUser("karim@example.org", portfolio.RoleStudent, "SLAM")
	if karim.ID != zoe.ID {
		t.Fatalf("the id was not reused (%d, then %d): the test proves nothing", zoe.ID, karim.ID)
	}
	c.app.addRealisation(karim.ID, sampleInput("Travail de Karim"))
	res := old.get("/realisations")
	if res.status != http.StatusSeeOther || strings.Contains(res.body, "Travail de Karim") {
		t.Fatalf("the deleted account's session opened the new one: %d", res.status)
	}
}

// TestLockoutSparesKnownBrowser: wrong passwords typed elsewhere lock a
// teacher's account for other browsers only; the teacher's own browser
// still logs in, a forged cookie does not count, and once the lock expires
// one wrong attempt no longer locks the account again.
func TestLockoutSparesKnownBrowser(t *testing.T) {
	c := newClassroom(t)
	own := c.app.login("prof@example.org")
	wantStatus(t, own.post("/logout", nil), http.StatusSeeOther)
	attacker := c.app.client()
	wrong := url.Values{"email": {"prof@example.org"}, "password": {"mauvais"}}
	right := url.Values{"email": {"prof@example.org"}, "password": {testPassword}}
	for i := 0; i < lockAfter; i++ {
		wantStatus(t, attacker.post("/login", wrong), http.StatusUnprocessableEntity)
		c.app.clock.advance(6 * time.Second)
	}
	res := attacker.post("/login", right)
	wantStatus(t, res, http.StatusTooManyRequests)
	if res.header.Get("Retry-After") != "894" { // locked at the 10th failure, 6 s ago
		t.Errorf("Retry-After %q", res.header.Get("Retry-After"))
	}
	wantStatus(t, c.app.client().post("/login", right), http.StatusTooManyRequests)
	// A cookie of the right name but not signed by the server is nothing.
	forged := c.app.client()
	for _, ck := range own.http.Jar.Cookies(mustURL(c.app.server.URL + "/login")) {
		if strings.HasPrefix(ck.Name, "portfolio_device_") {
			forged.http.Jar.SetCookies(mustURL(c.app.server.URL+"/login"), []*http.Cookie{{Name: ck.Name, Value: "x.y", Path: "/login"}})
		}
	}
	wantStatus(t, forged.post("/login", right), http.StatusTooManyRequests)
	// The teacher's own browser logs in all the same.
	wantStatus(t, own.post("/login", right), http.StatusSeeOther)

	// The lock expires; one wrong attempt then does not lock it again.
	c.app.clock.advance(lockFor)
	wantStatus(t, attacker.post("/login", wrong), http.StatusUnprocessableEntity)
	// Guessing stays slow: an attempt right after is told to wait.
	res = c.app.client().post("/login", right)
	wantStatus(t, res, http.StatusTooManyRequests)
	wantContains(t, res.body, "patientez")
	c.app.clock.advance(10 * time.Second)
	wantStatus(t, c.app.client().post("/login", right), http.StatusSeeOther)
}

// TestLoginRefusedAtOnceNotSlept: an attempt that must wait is answered
// at once with 429, a French message and Retry-After, instead of holding
// the connection; and an address has at most maxLoginsInFlight attempts
// under way, the next one answered 429 at once.
func TestLoginRefusedAtOnceNotSlept(t *testing.T) {
	c := newClassroomConfig(t, func(cfg *Config) { cfg.LoginDelay = 10 * time.Minute })
	cl := c.app.client()
	wrong := url.Values{"email": {"lea@example.org"}, "password": {"mauvais"}}
	for i := 0; i < slowAfter; i++ {
		wantStatus(t, cl.post("/login", wrong), http.StatusUnprocessableEntity)
	}
	res := cl.post("/login", wrong) // would sleep 10 minutes before
	wantStatus(t, res, http.StatusTooManyRequests)
	wantContains(t, res.body, "Trop de tentatives de connexion : patientez 600 seconde(s) avant de réessayer.")
	if res.header.Get("Retry-After") != "600" {
		t.Errorf("Retry-After %q", res.header.Get("Retry-After"))
	}

	// At most maxAttemptsPerAccount attempts at once on one account from
	// one address: the next on that account is answered 429 at once, one
	// on another account from the same address goes through.
	var leaves []func()
	for range maxAttemptsPerAccount {
		leave, ok := c.app.srv.limiter.enter("ip:127.0.0.1", "account:max@example.org")
		if !ok {
			t.Fatal("refused below the cap")
		}
		leaves = append(leaves, leave)
	}
	res = c.app.client().post("/login", url.Values{"email": {"max@example.org"}, "password": {testPassword}})
	wantStatus(t, res, http.StatusTooManyRequests)
	wantContains(t, res.body, "Trop de connexions en cours depuis votre réseau")
	if res.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	wantStatus(t, c.app.client().post("/login", url.Values{"email": {"other@example.org"}, "password": {testPassword}}), http.StatusSeeOther)
	leaves[0]()
	leaves[0]() // ending an attempt twice frees one place only
	wantStatus(t, c.app.client().post("/login", url.Values{"email": {"max@example.org"}, "password": {testPassword}}), http.StatusSeeOther)
	for _, leave := range leaves[1:] {
		leave()
	}
	// And at most maxLoginsInFlight from one address on accounts that
	// already failed; an account without a failure still goes through.
	wantStatus(t, c.app.client().post("/login", url.Values{"email": {"inconnu@example.org"}, "password": {"faux"}}), http.StatusUnprocessableEntity)
	leaves = nil
	for i := range maxLoginsInFlight {
		key := fmt.Sprintf("account:%d@example.org", i)
		c.app.srv.limiter.fail(key)
		leave, ok := c.app.srv.limiter.enter("ip:127.0.0.1", key)
		if !ok {
			t.Fatal("refused below the address's cap")
		}
		leaves = append(leaves, leave)
	}
	res = c.app.client().post("/login", url.Values{"email": {"inconnu@example.org"}, "password": {"faux"}})
	wantStatus(t, res, http.StatusTooManyRequests)
	wantContains(t, res.body, "Trop de connexions en cours depuis votre réseau")
	wantStatus(t, c.app.client().post("/login", url.Values{"email": {"max@example.org"}, "password": {testPassword}}), http.StatusSeeOther)
	for _, leave := range leaves {
		leave()
	}
}

// TestAdminListsArePaginated: the accounts and the classes are listed 100
// per page, in name order, with links to the next and previous pages that
// keep the filter; a page number out of range or invalid is the first.
func TestAdminListsArePaginated(t *testing.T) {
	c := newClassroom(t)
	ctx := context.Background()
	for i := 0; i < 130; i++ {
		if _, err := c.app.store.CreateUser(ctx, portfolio.User{Email: fmt.Sprintf("eleve%03d@example.org", i), FirstName: "Élève",
			LastName: fmt.Sprintf("Zoé%03d", i), Role: portfolio.RoleStudent, Parcours: "SLAM"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 105; i++ {
		if _, err := c.app.store.CreateClass(ctx, store.Class{Name: fmt.Sprintf("Classe %03d", i), SchoolYear: "2026-2027"}); err != nil {
			t.Fatal(err)
		}
	}
	adm := c.app.login("admin@example.org")
	rows := regexp.MustCompile(`<tr><td><a href="/admin/users/\d+">([^<]*)</a>`)
	page1 := adm.get("/admin/users?role=student")
	wantStatus(t, page1, http.StatusOK)
	names := rows.FindAllStringSubmatch(page1.body, -1)
	if len(names) != 100 || names[0][1] != "lea Prénom" {
		t.Fatalf("page 1: %d accounts, first %v", len(names), names[:min(1, len(names))])
	}
	wantContains(t, page1.body, `href="/admin/users?page=2&amp;role=student" rel="next">Page suivante`)
	wantNotContains(t, page1.body, `rel="prev"`)
	page2 := adm.get("/admin/users?role=student&page=2")
	names2 := rows.FindAllStringSubmatch(page2.body, -1)
	// 3 students of the classroom + 130, minus the first 100.
	if len(names2) != 33 || names2[len(names2)-1][1] != "Zoé129 Élève" {
		t.Fatalf("page 2: %d accounts, last %v", len(names2), names2[len(names2)-1:])
	}
	wantContains(t, page2.body, `href="/admin/users?role=student" rel="prev">`)
	wantNotContains(t, page2.body, `rel="next"`)
	if got := rows.FindAllStringSubmatch(adm.get("/admin/users?role=student&page=abc").body, -1); len(got) != 100 || got[0][1] != "lea Prénom" {
		t.Errorf("invalid page number: %d accounts", len(got))
	}
	beyond := adm.get("/admin/users?page=99")
	if got := rows.FindAllStringSubmatch(beyond.body, -1); len(got) != 0 {
		t.Errorf("page 99: %d accounts", len(got))
	}
	// A page past the end still leads back.
	wantContains(t, beyond.body, "Aucun compte ne correspond.", `href="/admin/users?page=98" rel="prev"`)

	classes := regexp.MustCompile(`<td><a href="/admin/classes/\d+">([^<]*)</a></td>`)
	first := adm.get("/admin/classes")
	if got := classes.FindAllStringSubmatch(first.body, -1); len(got) != 100 {
		t.Fatalf("classes page 1: %d", len(got))
	}
	wantContains(t, first.body, `href="/admin/classes?page=2" rel="next"`)
	all, err := c.app.store.Classes(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := classes.FindAllStringSubmatch(adm.get("/admin/classes?page=2").body, -1); len(got) != len(all)-100 {
		t.Errorf("classes page 2: %d of %d classes", len(got), len(all))
	}
}

// TestLimiterCountsAnIPv6NetworkAsOneAddress: behind the proxy, wrong
// passwords from many addresses of one IPv6 /64 (one subscriber's) count
// as one address's: the next one from that network waits; another
// network, or an IPv4 address, does not.
func TestLimiterCountsAnIPv6NetworkAsOneAddress(t *testing.T) {
	proxies, err := ParseTrustedProxies("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	const unit = 300 * time.Millisecond
	app := newTestAppConfig(t, "sqlite", func(cfg *Config) { cfg.TrustedProxies = proxies; cfg.LoginDelay = unit })
	app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	c := app.client()
	login := func(from string, i int, password string) (int, time.Duration) {
		t.Helper()
		email := fmt.Sprintf("personne%d@example.org", i)
		if i < 0 {
			email = "lea@example.org"
		}
		form := url.Values{"email": {email}, "password": {password}}
		req, err := http.NewRequest(http.MethodPost, app.server.URL+"/login", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		start := time.Now()
		return c.do(req).status, time.Since(start)
	}
	for i := range addrSlowAfter {
		if got, _ := login(fmt.Sprintf("2001:db8:1:2::%x", i+1), i, "pas-le-bon"); got != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d", i+1, got)
		}
	}
	// The network's next failure is held; a correct password from it is
	// not refused.
	if got, took := login("2001:db8:1:2:ffff::1", 100, "pas-le-bon"); got != http.StatusUnprocessableEntity || took < unit {
		t.Errorf("another address of the same /64: %d after %v, want 422 held at least %v", got, took, unit)
	}
	if got, _ := login("2001:db8:1:2:ffff::2", -1, testPassword); got != http.StatusSeeOther {
		t.Errorf("a correct password from the same /64: %d, want 303", got)
	}
	if n := app.srv.limiter.keys["ip:2001:db8:1:3::/64"]; n != nil {
		t.Errorf("another /64 has failures: %+v", n)
	}
	if got, _ := login("2001:db8:1:3::1", 101, "pas-le-bon"); got != http.StatusUnprocessableEntity {
		t.Errorf("another /64: %d, want 422", got)
	}
	if got, _ := login("198.51.100.7", 102, "pas-le-bon"); got != http.StatusUnprocessableEntity {
		t.Errorf("an IPv4 address: %d, want 422", got)
	}
	for _, k := range []string{"ip:2001:db8:1:3::/64", "ip:198.51.100.7"} {
		if hold := app.srv.limiter.failedFrom(k); hold != 0 {
			t.Errorf("%s: its 2nd failure held %v", k, hold)
		}
	}
	for ip, want := range map[string]string{"2001:db8:1:2::5": "ip:2001:db8:1:2::/64", "::ffff:198.51.100.7": "ip:::ffff:198.51.100.7",
		"198.51.100.7": "ip:198.51.100.7", "n'importe quoi": "ip:n'importe quoi"} {
		if got := addressKey(ip); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", ip, got, want)
		}
	}
}
