package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/web"
)

// Signing in with the school's account (issue #16): OpenID Connect, as a
// relying party, with github.com/coreos/go-oidc/v3 and golang.org/x/oauth2
// (chosen over zitadel/oidc's relying party: two small, widely used
// libraries that do exactly discovery, the code flow with PKCE and the ID
// token's verification, and nothing else to configure). The provider
// (Microsoft Entra ID, Google Workspace, an ENT) proves who the user is;
// the account is the one the admin created or imported with the same
// e-mail: no account is created here.

// OIDCConfig configures the « Se connecter avec … » button.
type OIDCConfig struct {
	Issuer       string // the provider's issuer URL
	ClientID     string
	ClientSecret string
	// EmailClaim is the ID token's claim that holds the e-mail address
	// (« email » by default; « preferred_username » or « upn » with
	// Microsoft Entra ID). With « email », email_verified must be true.
	EmailClaim string
	// Label names the provider on the login page (« Se connecter avec … »).
	Label string
}

// oidcClient is the relying party, made on first use (the provider may be
// down when the server starts).
type oidcClient struct {
	cfg      OIDCConfig
	mu       sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

func (c *oidcClient) get(ctx context.Context) (*oidc.Provider, *oidc.IDTokenVerifier, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, c.verifier, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, c.cfg.Issuer)
	if err != nil {
		return nil, nil, err
	}
	// The browser is sent to the sign-in address the provider's discovery
	// document gives: only a web address, never javascript: or data:.
	for _, u := range []string{p.Endpoint().AuthURL, p.Endpoint().TokenURL} {
		if !webAddress(u) {
			return nil, nil, fmt.Errorf("discovery document: endpoint %q is neither https nor http on loopback", u)
		}
	}
	c.provider, c.verifier = p, p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID})
	return c.provider, c.verifier, nil
}

// oauthConfig is the relying party's configuration. Its redirect address
// is built on --base-url (sign-in by the provider is off without it),
// never on the request's Host header.
func (s *Server) oauthConfig(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: s.oidc.cfg.ClientID, ClientSecret: s.oidc.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: s.baseURL + "/connexion/oidc/retour", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// webAddress reports whether u is an https address, or an http one on a
// loopback host (a provider on the same machine, as in tests).
func webAddress(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || p.User != nil {
		return false
	}
	switch p.Scheme {
	case "https":
		return true
	case "http":
		h := p.Hostname()
		if h == "localhost" {
			return true
		}
		ip, err := netip.ParseAddr(h)
		return err == nil && ip.IsLoopback()
	}
	return false
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oidcStart sends the browser to the provider, with a state, a nonce and a
// PKCE verifier kept in the session.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.notFound(w, r)
		return
	}
	p, _, err := s.oidc.get(r.Context())
	if err != nil {
		s.log.Error("oidc discovery", "issuer", s.oidc.cfg.Issuer, "err", err)
		s.oidcRefuse(w, r, http.StatusBadGateway, "Le service de connexion de l'établissement ne répond pas : réessayez plus tard, ou connectez-vous avec votre mot de passe.")
		return
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	s.sessions.Put(r.Context(), "oidc_state", state)
	s.sessions.Put(r.Context(), "oidc_nonce", nonce)
	s.sessions.Put(r.Context(), "oidc_verifier", verifier)
	http.Redirect(w, r, s.oauthConfig(p).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// errOIDC is a refusal to show the user, in French.
type errOIDC struct {
	status int
	msg    string
}

func (e errOIDC) Error() string { return e.msg }

// oidcCallback checks the provider's answer (state, code with the PKCE
// verifier, ID token's issuer, audience, signature, expiry and nonce) and
// logs in the account with that e-mail.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.notFound(w, r)
		return
	}
	u, err := s.oidcUser(r)
	var refusal errOIDC
	if errors.As(err, &refusal) {
		s.audit(r, "login_failed", "", "OpenID Connect : "+refusal.msg)
		s.oidcRefuse(w, r, refusal.status, refusal.msg)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "user_id", u.ID)
	s.sessions.Put(r.Context(), "epoch", u.SessionEpoch)
	s.sessions.Put(r.Context(), "sso", true) // kept when the role must use the provider
	ctx := context.WithValue(r.Context(), userKey, &u)
	s.audit(r.WithContext(ctx), "login", u.Email, "OpenID Connect")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) oidcUser(r *http.Request) (portfolio.User, error) {
	ctx := r.Context()
	// The state, nonce and verifier are used once: a replayed answer
	// finds none.
	state := s.sessions.PopString(ctx, "oidc_state")
	nonce := s.sessions.PopString(ctx, "oidc_nonce")
	verifier := s.sessions.PopString(ctx, "oidc_verifier")
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		if e == "access_denied" {
			return portfolio.User{}, errOIDC{http.StatusForbidden, "La connexion a été annulée auprès du service de l'établissement."}
		}
		return portfolio.User{}, errOIDC{http.StatusBadGateway, "Le service de connexion de l'établissement a refusé la demande (" + clip(e, 60) + ")."}
	}
	if state == "" || q.Get("state") != state {
		return portfolio.User{}, errOIDC{http.StatusBadRequest, "Cette réponse de connexion n'est pas (ou plus) valable : recommencez la connexion depuis la page de connexion."}
	}
	p, verify, err := s.oidc.get(ctx)
	if err != nil {
		return portfolio.User{}, errOIDC{http.StatusBadGateway, "Le service de connexion de l'établissement ne répond pas : réessayez plus tard."}
	}
	tok, err := s.oauthConfig(p).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		s.log.Warn("oidc code exchange", "err", err)
		return portfolio.User{}, errOIDC{http.StatusBadGateway, "La connexion n'a pas pu être confirmée auprès du service de l'établissement : recommencez."}
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := verify.Verify(ctx, raw)
	if err != nil {
		s.log.Warn("oidc id token", "err", err)
		return portfolio.User{}, errOIDC{http.StatusBadGateway, "L'identité renvoyée par le service de connexion n'est pas valable (émetteur, signature ou date) : la connexion est refusée."}
	}
	if idt.Nonce != nonce {
		return portfolio.User{}, errOIDC{http.StatusBadRequest, "Cette réponse de connexion ne correspond pas à votre demande : recommencez la connexion."}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return portfolio.User{}, err
	}
	claim := s.oidc.cfg.EmailClaim
	if _, ok := claims[claim]; !ok {
		// Many providers put the e-mail in the userinfo answer only.
		info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			s.log.Warn("oidc userinfo", "err", err)
			return portfolio.User{}, errOIDC{http.StatusBadGateway, "Le service de connexion n'a pas transmis votre identité complète : recommencez."}
		}
		if info.Subject != idt.Subject {
			return portfolio.User{}, errOIDC{http.StatusBadGateway, "L'identité renvoyée par le service de connexion n'est pas cohérente : la connexion est refusée."}
		}
		var more map[string]any
		if err := info.Claims(&more); err != nil {
			return portfolio.User{}, err
		}
		for k, v := range more {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	email, _ := claims[claim].(string)
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return portfolio.User{}, errOIDC{http.StatusForbidden, "Le service de connexion n'a pas transmis d'adresse e-mail : la connexion est refusée."}
	}
	if claim == "email" {
		// A boolean, or the string "true" some providers send.
		if v := claims["email_verified"]; v != true && v != "true" {
			return portfolio.User{}, errOIDC{http.StatusForbidden, "L'adresse " + email + " n'est pas vérifiée par le service de connexion de l'établissement : la connexion est refusée."}
		}
	}
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, portfolio.ErrNotFound) || (err == nil && u.Disabled) {
		return portfolio.User{}, errOIDC{http.StatusForbidden, "Aucun compte Portfolio SIO actif n'est associé à l'adresse " + email + " : demandez à l'administrateur de votre établissement de créer ou d'importer votre compte avec cette adresse."}
	}
	return u, err
}

func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}

// oidcRefuse shows the login page with the refusal.
func (s *Server) oidcRefuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, web.LoginPage(s.page(r, "Connexion", ""), s.loginView(r.Context(), "", msg)))
}

// loginView is the login page's view: the e-mail typed, a message, and
// the school's provider when configured.
func (s *Server) loginView(ctx context.Context, email, msg string) web.LoginView {
	v := web.LoginView{Email: email, Error: msg}
	if s.oidc != nil {
		v.SSO = s.oidc.cfg.Label
		if roles, err := s.store.Setting(ctx, ssoSetting); err == nil && roles != "" {
			var who []string
			for _, r := range strings.Split(roles, ",") {
				who = append(who, rolePlural(portfolio.Role(r)))
			}
			v.SSOOnly = "Les " + strings.Join(who, " et les ") + " se connectent uniquement avec " + v.SSO + "."
		}
	}
	return v
}

// ssoSetting holds the roles that must sign in with the school's account
// (« student,teacher »).
const ssoSetting = "sso_required_roles"

// ssoRequired reports whether the role must sign in with the provider.
// The setting is read once, then kept in memory (setSSO updates both):
// every request of a logged-in user asks it (loadUser).
func (s *Server) ssoRequired(ctx context.Context, role portfolio.Role) (bool, error) {
	if s.oidc == nil {
		return false, nil
	}
	v := s.ssoRoles.Load()
	if v == nil {
		setting, err := s.store.Setting(ctx, ssoSetting)
		if err != nil {
			return false, err
		}
		s.ssoRoles.CompareAndSwap(nil, &setting)
		v = s.ssoRoles.Load()
	}
	for _, r := range strings.Split(*v, ",") {
		if r == string(role) {
			return true, nil
		}
	}
	return false, nil
}

func rolePlural(r portfolio.Role) string {
	switch r {
	case portfolio.RoleStudent:
		return "étudiants"
	case portfolio.RoleTeacher:
		return "enseignants"
	}
	return "administrateurs"
}

// showSSO is the admin's page: which roles must use the school's account.
func (s *Server) showSSO(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.notFound(w, r)
		return
	}
	v, err := s.store.Setting(r.Context(), ssoSetting)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	view := web.SSOView{Label: s.oidc.cfg.Label, Issuer: s.oidc.cfg.Issuer, Required: map[string]bool{}}
	for _, role := range strings.Split(v, ",") {
		view.Required[role] = true
	}
	s.render(w, r, http.StatusOK, web.SSOPage(s.page(r, "Connexion par l'établissement", "accounts"), view))
}

func (s *Server) setSSO(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	var roles []string
	for _, role := range []portfolio.Role{portfolio.RoleStudent, portfolio.RoleTeacher} {
		if r.PostForm.Get(string(role)) == "1" {
			roles = append(roles, string(role))
		}
	}
	setting := strings.Join(roles, ",")
	if err := s.store.SetSetting(r.Context(), ssoSetting, setting); err != nil {
		s.serverError(w, r, err)
		return
	}
	// From the next request, the password sessions of these roles end
	// (loadUser).
	s.ssoRoles.Store(&setting)
	s.audit(r, "sso_required", strings.Join(roles, ","), "")
	s.flash(r.Context(), "Réglage enregistré.")
	http.Redirect(w, r, "/admin/connexion", http.StatusSeeOther)
}
