package server

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/testoidc"
)

// TestBrowserOIDCLogin: in chromium, a teacher clicks « Se connecter avec
// … », logs in on the real provider's page, comes back through the
// callback and lands on their home page; a second try with an e-mail that
// has no account comes back to the login page with the French refusal.
func TestBrowserOIDCLogin(t *testing.T) {
	pc := newPageChecks(t)
	app, _ := oidcApp(t, "",
		testoidc.User{Username: "claire", Password: "mdp-ent-claire", Email: "prof@example.org", EmailVerified: true},
		testoidc.User{Username: "inconnu", Password: "mdp-ent", Email: "personne@example.org", EmailVerified: true})
	app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	base := app.server.URL

	tab := newTab(t)
	do(t, tab, "login page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(byID("sso-login")))
	screenshot(t, tab, "50-login-sso")
	pc.check(tab, "50-login-sso")
	do(t, tab, "the provider's login page",
		chromedp.Click(byID("sso-login")),
		chromedp.WaitVisible(byID("username")),
		chromedp.SendKeys(byID("username"), "claire"),
		chromedp.SendKeys(byID("password"), "mdp-ent-claire"),
	)
	if loc := location(t, tab); !strings.HasPrefix(loc, testoidcIssuerOf(app)) {
		t.Fatalf("the provider's page is at %s", loc)
	}
	if st := submit(t, tab, "form button[type=submit]"); st != 200 {
		t.Fatalf("provider login: %d", st)
	}
	if loc := location(t, tab); !strings.HasPrefix(loc, base+"/") || strings.Contains(loc, "/login") {
		t.Fatalf("after the provider: %s", loc)
	}
	if got := text(t, tab, "header.site"); !strings.Contains(got, "Prénom prof") {
		t.Fatalf("not logged in after the provider: %q", got)
	}

	other := newTab(t)
	do(t, other, "unknown account",
		chromedp.Navigate(base+"/connexion/oidc"),
		chromedp.WaitVisible(byID("username")),
		chromedp.SendKeys(byID("username"), "inconnu"),
		chromedp.SendKeys(byID("password"), "mdp-ent"),
	)
	submit(t, other, "form button[type=submit]")
	if got := text(t, other, "#login-error"); !strings.Contains(got, "Aucun compte Portfolio SIO actif n'est associé à l'adresse personne@example.org") {
		t.Fatalf("refusal: %q", got)
	}
	screenshot(t, other, "51-login-sso-refused")
	pc.check(other, "51-login-sso-refused")
}

// testoidcIssuerOf is the provider's address as the app was configured.
func testoidcIssuerOf(app *testApp) string { return app.srv.oidc.cfg.Issuer }
