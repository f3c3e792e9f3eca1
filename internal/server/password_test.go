package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestChangeOwnPassword (issue 13, point 12): anyone changes their own
// password knowing the current one; refusals are next to their field; the
// other sessions end, this one goes on.
func TestChangeOwnPassword(t *testing.T) {
	c := newClassroom(t)
	lea, other := c.app.login("lea@example.org"), c.app.login("lea@example.org")
	res := lea.get("/compte")
	wantContains(t, res.body, `action="/compte/mot-de-passe"`, `autocomplete="current-password"`)
	for _, bad := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"current": {"pas le bon"}, "new": {"un nouveau mot de passe"}, "new2": {"un nouveau mot de passe"}}, "current"},
		{url.Values{"current": {testPassword}, "new": {"court"}, "new2": {"court"}}, "new"},
		{url.Values{"current": {testPassword}, "new": {"un nouveau mot de passe"}, "new2": {"un autre"}}, "new2"},
	} {
		res := lea.post("/compte/mot-de-passe", bad.form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res.body, `id="err-`+bad.field+`"`)
	}
	res = lea.post("/compte/mot-de-passe", url.Values{"current": {testPassword}, "new": {"un nouveau mot de passe"}, "new2": {"un nouveau mot de passe"}})
	wantStatus(t, res, http.StatusSeeOther)
	res = lea.get("/compte")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Mot de passe changé. Vos autres sessions ouvertes sont fermées.")
	if res := other.get("/compte"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
		t.Errorf("the other session goes on: %d %s", res.status, res.header.Get("Location"))
	}
	anon := c.app.client()
	wantStatus(t, anon.post("/login", url.Values{"email": {"lea@example.org"}, "password": {testPassword}}), http.StatusUnprocessableEntity)
	wantStatus(t, anon.post("/login", url.Values{"email": {"lea@example.org"}, "password": {"un nouveau mot de passe"}}), http.StatusSeeOther)
}

var resetLink = regexp.MustCompile(`https?://[^\s]+/activation/[A-Za-z0-9_-]+`)

// TestForgotPassword: with SMTP, « mot de passe oublié » mails a link
// valid one hour and once, at most one every five minutes, and answers
// the same whether or not the address has an account; without SMTP, the
// page says whom to ask.
func TestForgotPassword(t *testing.T) {
	mail := &sentMail{}
	c := newClassroomConfig(t, func(cfg *Config) { cfg.Mailer = mail; cfg.BaseURL = "https://portfolio.lycee.example" })
	anon := c.app.client()
	wantContains(t, anon.get("/login").body, `href="/mot-de-passe-oublie"`)
	sent := func() []string {
		mail.mu.Lock()
		defer mail.mu.Unlock()
		return append([]string(nil), mail.msg...)
	}
	res := anon.post("/mot-de-passe-oublie", url.Values{"email": {"pas une adresse"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, `id="err-email"`)
	res = anon.post("/mot-de-passe-oublie", url.Values{"email": {"personne@example.org"}})
	wantStatus(t, res, http.StatusOK)
	unknown := res.body
	res = anon.post("/mot-de-passe-oublie", url.Values{"email": {"lea@example.org"}})
	wantStatus(t, res, http.StatusOK)
	if strings.ReplaceAll(unknown, "personne@example.org", "X") != strings.ReplaceAll(res.body, "lea@example.org", "X") {
		t.Error("the answer tells whether the address has an account")
	}
	msgs := sent()
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], "lea@example.org\n") {
		t.Fatalf("mails %q", msgs)
	}
	link := resetLink.FindString(msgs[0])
	anon.post("/mot-de-passe-oublie", url.Values{"email": {"lea@example.org"}})
	if len(sent()) != 1 {
		t.Error("a second request within five minutes mailed again")
	}
	path := link[strings.Index(link, "/activation/"):]
	wantStatus(t, anon.get(path), http.StatusOK)
	res = anon.post(path, url.Values{"password": {"mon nouveau secret"}, "password2": {"mon nouveau secret"}})
	wantStatus(t, res, http.StatusSeeOther)
	wantStatus(t, anon.get(path), http.StatusNotFound) // once
	wantStatus(t, anon.post("/login", url.Values{"email": {"lea@example.org"}, "password": {"mon nouveau secret"}}), http.StatusSeeOther)

	// An hour later, a link no longer works.
	c.app.clock.advance(6 * time.Minute)
	anon2 := c.app.client()
	anon2.post("/mot-de-passe-oublie", url.Values{"email": {"max@example.org"}})
	msgs = sent()
	if len(msgs) != 2 {
		t.Fatalf("%d mails", len(msgs))
	}
	late := resetLink.FindString(msgs[1])
	c.app.clock.advance(61 * time.Minute)
	wantStatus(t, anon2.get(late[strings.Index(late, "/activation/"):]), http.StatusNotFound)

	// Without SMTP.
	c2 := newClassroom(t)
	res = c2.app.client().get("/mot-de-passe-oublie")
	wantContains(t, res.body, `id="no-mail"`, "demandez à votre enseignant")
}
