package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// maxSearch bounds a search box: no name or e-mail is longer, and SQLite
// refuses a LIKE pattern over 50,000 bytes.
const maxSearch = 200

// searchQuery is a search box's text as it is searched and shown again:
// valid UTF-8, without control characters, spaces folded, cut to
// maxSearch characters.
func searchQuery(q string) string {
	if len(q) > 4*maxSearch {
		q = q[:4*maxSearch]
	}
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(q, ""))
	q = strings.Join(strings.Fields(q), " ")
	if utf8.RuneCountInString(q) > maxSearch {
		q = string([]rune(q)[:maxSearch])
	}
	return q
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	// After choosing a password, the login page has the address filled in.
	s.render(w, r, http.StatusOK, web.LoginPage(s.page(r, "Connexion", ""), s.loginView(r.Context(), searchQuery(r.URL.Query().Get("email")), "")))
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
		s.render(w, r, status, web.LoginPage(s.page(r, "Connexion", ""), s.loginView(r.Context(), email, msg)))
	}
	if email == "" || password == "" {
		fail(http.StatusUnprocessableEntity, "Saisissez votre adresse e-mail et votre mot de passe.")
		return
	}
	address := addressKey(clientIP(r))
	// A browser that logged in to this account before has a count of its
	// own, which a lock of the account does not reach (limiter.go).
	account := s.knownDevice(r, email)
	if account == "" {
		account = "account:" + email
	}
	leave, ok := s.limiter.enter(address, account)
	if !ok {
		s.tooManyLogins(w, r, email, time.Second,
			"Trop de connexions en cours depuis votre réseau : réessayez dans quelques secondes.")
		return
	}
	defer leave()
	wait, locked := s.limiter.attempt(account)
	if !locked.IsZero() {
		// Not audited: the failures that locked the account were, and a
		// flood of refusals must not fill the log.
		left := locked.Sub(s.now())
		mins := int(math.Ceil(left.Minutes()))
		s.tooManyLogins(w, r, email, left, "Trop de tentatives de connexion : réessayez dans "+strconv.Itoa(mins)+" minute(s).")
		return
	}
	if wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		s.tooManyLogins(w, r, email, wait, "Trop de tentatives de connexion : patientez "+strconv.Itoa(secs)+" seconde(s) avant de réessayer.")
		return
	}
	// A refusal counts against the address too, and from its 21st
	// failure the answer is held (limiter.go), outside the attempts in
	// flight.
	refuse := func(action, detail string) {
		s.audit(r, action, email, detail)
		hold := s.limiter.failedFrom(address)
		leave()
		if !sleepCtx(r.Context(), hold) {
			return // the client left
		}
		fail(http.StatusUnprocessableEntity, "Adresse e-mail ou mot de passe incorrect.")
	}
	u, err := s.store.UserByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, portfolio.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	// Check a hash even for unknown accounts: same time either way.
	if !auth.Check(u.PasswordHash, password) || u.ID == 0 {
		refuse("login_failed", "")
		return
	}
	if u.Disabled {
		// The same answer as a wrong password: saying the account is
		// disabled would tell whoever typed it that the password is right.
		// The audit log tells the administrator.
		refuse("login_refused", "compte désactivé")
		return
	}
	if s.oidc != nil {
		required, err := s.ssoRequired(r.Context(), u.Role)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if required {
			// The same answer as a wrong password (it must not tell that
			// this one was right); the page says who signs in with the
			// school's account, for everyone.
			refuse("login_refused", "connexion par l'établissement obligatoire")
			return
		}
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.limiter.succeed(account)
	s.rememberDevice(w, r, email)
	s.sessions.Put(r.Context(), "user_id", u.ID)
	s.sessions.Put(r.Context(), "epoch", u.SessionEpoch)
	ctx := context.WithValue(r.Context(), userKey, &u)
	s.audit(r.WithContext(ctx), "login", email, "")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// sleepCtx waits d, or less if ctx ends first; it reports whether the
// whole wait passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// tooManyLogins refuses a login attempt at once with 429 and the time to
// wait, rather than holding the connection.
func (s *Server) tooManyLogins(w http.ResponseWriter, r *http.Request, email string, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	s.render(w, r, http.StatusTooManyRequests, web.LoginPage(s.page(r, "Connexion", ""), s.loginView(r.Context(), email, msg)))
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
