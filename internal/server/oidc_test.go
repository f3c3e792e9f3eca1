package server

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/testoidc"
)

// oidcApp is an app whose login offers the school's account, with a real
// OpenID provider (zitadel/oidc's example OP) on loopback.
func oidcApp(t *testing.T, issuerSuffix string, users ...testoidc.User) (*testApp, *testoidc.Provider) {
	t.Helper()
	op := testoidc.Reserve(t)
	app := newTestAppConfig(t, "sqlite", func(c *Config) {
		c.OIDC = &OIDCConfig{Issuer: op.Issuer + issuerSuffix, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
			EmailClaim: "email", Label: "l'ENT du lycée"}
		c.BaseURL = testSelfURL
	})
	op.Serve(app.server.URL+"/connexion/oidc/retour", users...)
	return app, op
}

var authRequestID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// browserless follows the whole OpenID Connect login as a browser would
// (cookies per site, redirects), stopping before the app's callback when
// stop is set; it returns the last response's URL, status and body.
func oidcLogin(t *testing.T, app *testApp, username, password string, stop bool) (last *url.URL, status int, body string, jar http.CookieJar) {
	t.Helper()
	jar, _ = cookiejar.New(nil)
	var callback *url.URL
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if stop && req.URL.Path == "/connexion/oidc/retour" {
			callback = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	res, err := c.Get(app.server.URL + "/connexion/oidc")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := authRequestID.FindSubmatch(page)
	if m == nil {
		return res.Request.URL, res.StatusCode, string(page), jar
	}
	login := *res.Request.URL
	login.Path, login.RawQuery = "/login/username", ""
	res, err = c.PostForm(login.String(), url.Values{"id": {string(m[1])}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if stop && callback != nil {
		return callback, res.StatusCode, string(page), jar
	}
	return res.Request.URL, res.StatusCode, string(page), jar
}

// TestOIDCLogin: the login page offers the school's account; an account
// the admin created signs in through the real provider and lands on its
// home page with a new session; an unknown e-mail, an unverified e-mail, a
// replayed answer and a wrong issuer are refused in French; an admin can
// require it for a role.
func TestOIDCLogin(t *testing.T) {
	app, _ := oidcApp(t, "",
		testoidc.User{Username: "lea", Password: "mdp-ent-lea", Email: "lea@example.org", EmailVerified: true},
		testoidc.User{Username: "inconnu", Password: "mdp-ent", Email: "inconnu@example.org", EmailVerified: true},
		testoidc.User{Username: "nonverifie", Password: "mdp-ent", Email: "max@example.org", EmailVerified: false},
	)
	app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	app.addUser("max@example.org", portfolio.RoleStudent, "SLAM")
	res := app.client().get("/login")
	wantContains(t, res.body, `href="/connexion/oidc"`, "Se connecter avec l&#39;ENT du lycée")

	last, status, body, _ := oidcLogin(t, app, "lea", "mdp-ent-lea", false)
	if status != http.StatusOK || last.Path != "/realisations" && last.Path != "/" {
		t.Fatalf("after the provider: %s %d\n%.500s", last, status, body)
	}
	wantContains(t, body, "Prénom lea", "Mes réalisations")

	for _, c := range []struct{ user, want string }{
		{"inconnu", "Aucun compte Portfolio SIO actif n&#39;est associé à l&#39;adresse inconnu@example.org"},
		{"nonverifie", "L&#39;adresse max@example.org n&#39;est pas vérifiée"},
	} {
		_, status, body, _ := oidcLogin(t, app, c.user, "mdp-ent", false)
		if status != http.StatusForbidden || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d\n%.800s", c.user, status, body)
		}
	}

	// A replayed answer: the callback URL used twice.
	callback, _, _, jar := oidcLogin(t, app, "lea", "mdp-ent-lea", true)
	c := &http.Client{Jar: jar}
	for i, want := range []int{http.StatusOK, http.StatusBadRequest} {
		res, err := c.Get(callback.String())
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("callback use %d: %d\n%.500s", i+1, res.StatusCode, page)
		}
		if i == 1 && !strings.Contains(string(page), "pas (ou plus) valable") {
			t.Errorf("replay refused without its message:\n%.500s", page)
		}
	}
}

// TestOIDCWrongIssuer: a provider that does not answer as the configured
// issuer is refused, in French, with the password login still there.
func TestOIDCWrongIssuer(t *testing.T) {
	app, _ := oidcApp(t, "autre/", testoidc.User{Username: "lea", Password: "x", Email: "lea@example.org", EmailVerified: true})
	res := app.client().get("/connexion/oidc")
	wantStatus(t, res, http.StatusBadGateway)
	wantContains(t, res.body, "Le service de connexion de l&#39;établissement ne répond pas", `id="password"`)
}

// TestSSORequiredForARole: the admin requires the school's account for
// students: a student's password is refused (in French, naming the
// button), a teacher's and the admin's still work; without OpenID Connect
// the admin page does not exist.
func TestSSORequiredForARole(t *testing.T) {
	app, _ := oidcApp(t, "", testoidc.User{Username: "lea", Password: "x", Email: "lea@example.org", EmailVerified: true})
	app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	app.addUser("admin@example.org", portfolio.RoleAdmin, "")
	admin := app.login("admin@example.org")
	wantContains(t, admin.get("/admin/users").body, `href="/admin/connexion"`)
	wantContains(t, admin.get("/admin/connexion").body, "Rendre cette connexion obligatoire pour")
	// Sessions opened before: the student's by password, by the
	// provider, the teacher's by password.
	byPassword, teacher := app.login("lea@example.org"), app.login("prof@example.org")
	_, status, _, jar := oidcLogin(t, app, "lea", "x", false)
	if status != http.StatusOK {
		t.Fatalf("student through the provider: %d", status)
	}
	byProvider := app.client()
	byProvider.http.Jar = jar
	for _, c := range []*client{byPassword, byProvider, teacher} {
		wantStatus(t, c.get("/compte"), http.StatusOK)
	}
	wantStatus(t, admin.post("/admin/connexion", url.Values{"student": {"1"}}), http.StatusSeeOther)
	// The student's password session ends at its next request; the others go on.
	res := byPassword.get("/compte")
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
		t.Errorf("the password session of a student goes on: %d %s", res.status, res.header.Get("Location"))
	}
	wantStatus(t, byProvider.get("/compte"), http.StatusOK)
	wantStatus(t, teacher.get("/compte"), http.StatusOK)
	res = app.client().post("/login", url.Values{"email": {"lea@example.org"}, "password": {testPassword}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Adresse e-mail ou mot de passe incorrect.", "Les étudiants se connectent uniquement avec l&#39;ENT du lycée.")
	// The same answer with a wrong password: it does not tell that the first was right.
	wrong := app.client().post("/login", url.Values{"email": {"lea@example.org"}, "password": {"pas-le-bon"}})
	wantStatus(t, wrong, http.StatusUnprocessableEntity)
	if strings.ReplaceAll(wrong.body, `value="lea@example.org"`, "") != strings.ReplaceAll(res.body, `value="lea@example.org"`, "") {
		t.Error("the refusal of a right password differs from a wrong one's")
	}
	wantStatus(t, app.client().post("/login", url.Values{"email": {"prof@example.org"}, "password": {testPassword}}), http.StatusSeeOther)
	// The student still signs in through the provider.
	if last, status, _, _ := oidcLogin(t, app, "lea", "x", false); status != http.StatusOK || last.Path == "/login" {
		t.Fatalf("student through the provider: %s %d", last, status)
	}
	// Only admins set it; without OpenID Connect there is no such page.
	wantStatus(t, app.login("prof@example.org").get("/admin/connexion"), http.StatusForbidden)
	plain := newTestApp(t)
	plain.addUser("admin@example.org", portfolio.RoleAdmin, "")
	plainAdmin := plain.login("admin@example.org")
	wantStatus(t, plainAdmin.get("/admin/connexion"), http.StatusNotFound)
	wantNotContains(t, plainAdmin.get("/admin/users").body, `href="/admin/connexion"`)
	wantNotContains(t, plain.client().get("/login").body, "sso-login")
}
