package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/web"
)

// maxFormBytes bounds every form body: the largest legitimate form (a
// réalisation with a 10,000-character description and 57 activities) is
// far below it.
const maxFormBytes = 1 << 20

// parseForm reads a bounded urlencoded form; it answers the request itself
// and returns false when the body is unusable.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.errorPage(w, r, http.StatusRequestEntityTooLarge, "Formulaire trop volumineux",
				"Le formulaire envoyé dépasse 1 Mo ; raccourcissez les textes.")
			return false
		}
		s.badRequest(w, r, "Le formulaire envoyé est illisible.")
		return false
	}
	return true
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, web.LoginPage(s.page(r, "Connexion", ""), "", ""))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	if len(email) > 254 { // no address is longer; keeps the log and the page small
		email = strings.ToValidUTF8(email[:254], "")
	}
	password := r.PostForm.Get("password")
	fail := func(status int, msg string) {
		s.render(w, r, status, web.LoginPage(s.page(r, "Connexion", ""), email, msg))
	}
	if email == "" || password == "" {
		fail(http.StatusUnprocessableEntity, "Saisissez votre adresse e-mail et votre mot de passe.")
		return
	}
	keys := []string{"account:" + email, "ip:" + clientIP(r)}
	wait, locked := s.limiter.attempt(keys...)
	if !locked.IsZero() {
		// Not audited: the failures that locked the account were, and a
		// flood of refusals must not fill the log.
		mins := int(math.Ceil(locked.Sub(s.now()).Minutes()))
		fail(http.StatusTooManyRequests, "Trop de tentatives de connexion : réessayez dans "+strconv.Itoa(mins)+" minute(s).")
		return
	}
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
			return
		}
	}
	u, err := s.store.UserByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, portfolio.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	// Check a hash even for unknown accounts: same time either way.
	if !auth.Check(u.PasswordHash, password) || u.ID == 0 {
		s.audit(r, "login_failed", email, "")
		fail(http.StatusUnprocessableEntity, "Adresse e-mail ou mot de passe incorrect.")
		return
	}
	if u.Disabled {
		s.audit(r, "login_refused", email, "compte désactivé")
		fail(http.StatusForbidden, "Ce compte est désactivé : adressez-vous à l'administrateur de l'établissement.")
		return
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.limiter.succeeded(keys[0], keys[1])
	s.sessions.Put(r.Context(), "user_id", u.ID)
	s.sessions.Put(r.Context(), "epoch", u.SessionEpoch)
	ctx := context.WithValue(r.Context(), userKey, &u)
	s.audit(r.WithContext(ctx), "login", email, "")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// healthz answers 200 when the database answers a query.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.Error("health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
