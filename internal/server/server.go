// Package server is the HTTP side of Portfolio SIO: routes, middleware and
// handlers, which parse requests, call the store and the domain, and render
// the web views.
package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"
	"github.com/alexedwards/scs/v2"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/docjob"
	"github.com/portfolio-sio/portfolio/internal/mailer"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// Config is what the server needs from its caller.
type Config struct {
	Store        *store.Store
	Referentiels map[string]*referentiel.Referentiel
	Logger       *slog.Logger
	Hasher       auth.Hasher
	// SessionCleanup is how often expired sessions are purged; 0 disables
	// the purge goroutine (tests).
	SessionCleanup time.Duration
	// SecureCookies marks the session cookie Secure (served over HTTPS).
	SecureCookies bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// LoginDelay is the unit of the slow-down after failed logins (1 s
	// when zero).
	LoginDelay time.Duration
	// BaseURL is the public address of the site. Every link the server
	// mails and the OpenID Connect redirect address are built on it, never
	// on a request's Host header: without it, e-mails and OIDC are off.
	// Addresses shown on a logged-in user's page (activation sheet, jury
	// link) prefer it, else follow the request.
	BaseURL string
	// Mailer sends activation and reset links and the notifications by
	// e-mail, when BaseURL is set too.
	Mailer Mailer
	// OIDC, when set with BaseURL, offers « Se connecter avec … » (oidc.go).
	OIDC *OIDCConfig
	// MailEvery is how often the mail loop groups and sends notification
	// e-mails (30 s when zero; negative: no loop, the tests run its rounds).
	MailEvery time.Duration
	// TrustedProxies are the addresses of the reverse proxy whose
	// X-Forwarded-For and X-Forwarded-Proto headers are believed.
	TrustedProxies []*net.IPNet
	// DocumentJobs runs the checks and merges of uploaded documents in a
	// child process (internal/docjob); the zero value starts the server's
	// own binary.
	DocumentJobs docjob.Runner
	// MaxFileBytes and QuotaBytes bound evidence uploads: per file and per
	// student (20 MB and 500 MB when zero).
	MaxFileBytes, QuotaBytes int64
	// CacheBytes bounds the rendered pages and PDFs kept in memory (32 MB
	// when zero; negative disables the cache).
	CacheBytes int
	// RequestTimeout is the time a request has to be read and answered
	// (DefaultRequestTimeout when zero); uploads and downloads may take
	// longer as long as they keep moving (transfer.go).
	RequestTimeout time.Duration
}

// Mailer sends a plain-text e-mail (mailer.SMTP).
type Mailer interface {
	Send(ctx context.Context, m mailer.Mail) error
}

// Server holds the dependencies of the handlers.
type Server struct {
	store    *store.Store
	refs     map[string]*referentiel.Referentiel
	log      *slog.Logger
	hasher   auth.Hasher
	sessions *scs.SessionManager
	now      func() time.Time
	stop     func()
	exports  exportJobs
	limiter  *loginLimiter
	// codeLimiter counts the activation codes' tries apart from logins.
	codeLimiter *loginLimiter
	baseURL     string
	mailer      Mailer
	oidc        *oidcClient
	ssoRoles    atomic.Pointer[string] // the ssoSetting, once read (ssoRequired)
	// texts are the session texts admins entered, once read
	// (sessionTexts); nil until then, and after a change.
	textsMu  sync.Mutex
	texts    map[store.SessionTextKey]string
	maxFile  int64
	quota    int64
	proxies  []*net.IPNet
	pdfSlots chan struct{}
	// userSlots holds each user's one PDF slot (withPDFSlot).
	userSlots sync.Map
	// docs runs the work on uploaded documents in a child process.
	docs  docjob.Runner
	cache *realisationCache
	pages *pageCache
	// dataExports holds the ids of students downloading their data.
	dataExports    sync.Map
	requestTimeout time.Duration
	// deviceKeyVal signs the known-device cookies (device.go).
	deviceKeyMu  sync.Mutex
	deviceKeyVal []byte
}

// New builds a server; call Close when done.
func New(cfg Config) *Server {
	s := &Server{
		store:  cfg.Store,
		refs:   cfg.Referentiels,
		log:    cfg.Logger,
		hasher: cfg.Hasher,
		now:    cfg.Now,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.LoginDelay == 0 {
		cfg.LoginDelay = time.Second
	}
	s.limiter = newLoginLimiter(s.now, cfg.LoginDelay)
	s.codeLimiter = newCodeLimiter(s.now, cfg.LoginDelay)
	s.requestTimeout = cfg.RequestTimeout
	if s.requestTimeout <= 0 {
		s.requestTimeout = DefaultRequestTimeout
	}
	s.baseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	s.mailer = cfg.Mailer
	// What needs the site's configured address is off without it, and
	// the log says so at start: a mailed link or the provider's redirect
	// address is never built on a request's Host header.
	switch {
	case s.mailer == nil:
		s.log.Info("e-mails désactivés : aucun relais SMTP (--smtp-host) ; « mot de passe oublié » renvoie vers un administrateur, les liens d'activation sont à remettre en main propre, les notifications restent dans l'application")
	case s.baseURL == "":
		s.log.Warn("e-mails désactivés : --base-url n'est pas donné, et les liens envoyés par e-mail ne sont construits que sur lui ; « mot de passe oublié », l'envoi des liens d'activation et les notifications par e-mail sont coupés")
	}
	if cfg.OIDC != nil && cfg.OIDC.Issuer != "" && s.baseURL == "" {
		s.log.Warn("connexion par l'établissement (OpenID Connect) désactivée : --base-url n'est pas donné, et l'adresse de retour donnée au fournisseur n'est construite que sur lui")
	} else if cfg.OIDC != nil && cfg.OIDC.Issuer != "" {
		o := *cfg.OIDC
		if o.EmailClaim == "" {
			o.EmailClaim = "email"
		}
		if o.Label == "" {
			o.Label = "le compte de l'établissement"
		}
		s.oidc = &oidcClient{cfg: o}
	}
	s.maxFile, s.quota = cfg.MaxFileBytes, cfg.QuotaBytes
	s.proxies = cfg.TrustedProxies
	s.pdfSlots = make(chan struct{}, max(2, runtime.NumCPU())) // two at least: one user holds one at most
	s.docs = cfg.DocumentJobs
	s.cache = newRealisationCache(2000)
	switch {
	case cfg.CacheBytes == 0:
		s.pages = newPageCache(32 << 20)
	case cfg.CacheBytes < 0:
		s.pages = newPageCache(0)
	default:
		s.pages = newPageCache(cfg.CacheBytes)
	}
	if s.maxFile <= 0 {
		s.maxFile = 20 << 20
	}
	if s.quota <= 0 {
		s.quota = 500 << 20
	}
	s.stop = func() {}
	if cfg.SessionCleanup > 0 {
		done := make(chan struct{})
		go func() {
			tick := time.NewTicker(cfg.SessionCleanup)
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
					s.guard("purge expired sessions", func() {
						if err := cfg.Store.DeleteExpiredSessions(context.Background()); err != nil {
							s.log.Error("purge expired sessions", "err", err)
						}
					}, nil)
				case <-done:
					return
				}
			}
		}()
		s.stop = sync.OnceFunc(func() { close(done) })
	}
	sm := scs.New()
	sm.Store = cfg.Store.Sessions()
	sm.Codec = sessionCodec{}
	sm.Lifetime = 12 * time.Hour
	// No IdleTimeout: it would rewrite the session row on every request.
	sm.Cookie.Name = "portfolio_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.SecureCookies || strings.HasPrefix(cfg.BaseURL, "https://")
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.serverError(w, r, err)
	}
	s.sessions = sm
	if cfg.MailEvery >= 0 {
		s.startMail(cfg.MailEvery)
	}
	return s
}

// background runs fn in a goroutine of its own, guarded: every goroutine
// the server starts goes through here (or guard), so that a panic in one
// job is logged and fails that job, never the process.
func (s *Server) background(what string, fn func(), failed func(error)) {
	go s.guard(what, fn, failed)
}

// guard runs fn and recovers from a panic in it: the panic is logged with
// its stack and, if failed is not nil, handed to it as an error.
func (s *Server) guard(what string, fn func(), failed func(error)) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("background job panicked", "job", what, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if failed != nil {
				failed(fmt.Errorf("%s: panic: %v", what, p))
			}
		}
	}()
	fn()
}

// Close stops the session cleanup goroutine.
func (s *Server) Close() { s.stop() }

// ref is the référentiel of a user (the 2011 one by default).
func (s *Server) ref(u *portfolio.User) *referentiel.Referentiel {
	if u != nil {
		if r, ok := s.refs[u.Referentiel]; ok {
			return r
		}
	}
	return s.refs["sio-2011"]
}

// page is the frame of a page for the current request.
func (s *Server) page(r *http.Request, title, active string) web.Page {
	return web.Page{
		Title:  title,
		User:   currentUser(r.Context()),
		Flash:  s.sessions.PopString(r.Context(), "flash"),
		Active: active,
		SSO:    s.oidc != nil,
	}
}

// flash stores a message shown once on the next page.
func (s *Server) flash(ctx context.Context, msg string) {
	s.sessions.Put(ctx, "flash", msg)
}

// render writes a component with the status, through a buffer so a
// rendering error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := getBuffer()
	defer putBuffer(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.writeMade(w, r, status, buf.Bytes())
}

// writeMade sends a page made for this request, compressed on the way when
// the client accepts it.
func (s *Server) writeMade(w http.ResponseWriter, r *http.Request, status int, page []byte) {
	if !acceptsGzip(r) || len(page) < minGzip {
		s.writeHTML(w, r, status, htmlPage{raw: page})
		return
	}
	out := getBuffer()
	defer putBuffer(out)
	gzipTo(out, page)
	s.writeHTML(w, r, status, htmlPage{gz: out.Bytes()})
}

// renderBuffers are the pages' buffers, reused: a page is up to a few
// hundred kilobytes, and growing a fresh buffer each time was a tenth of
// a cached page's cost.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// rawHTML writes already rendered (and escaped) HTML, such as a fragment
// from the page cache, without copying it.
func rawHTML(b []byte) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	// A page may have failed while being sent (its session not saved, say):
	// the error page is plain HTML of its own length.
	h := w.Header()
	h.Del("Content-Encoding")
	h.Del("Content-Length")
	p := web.Page{Title: title, User: currentUser(r.Context())}
	var buf bytes.Buffer
	if err := web.ErrorPage(p, msg).Render(r.Context(), &buf); err != nil {
		http.Error(w, msg, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Page introuvable", "Cette page n'existe pas, ou vous n'y avez pas accès.")
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusForbidden, "Accès refusé", "Votre compte ne donne pas accès à cette page.")
}

func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	s.errorPage(w, r, http.StatusBadRequest, "Requête invalide", msg)
}

// serverError logs the cause and shows a plain message; internal details
// never reach the user.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.errorPage(w, r, http.StatusInternalServerError, "Erreur du serveur",
		"Une erreur inattendue est survenue. Réessayez ; si elle persiste, prévenez l'administrateur.")
}

// storeError maps a store error: not found is a 404, the rest a 500.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, portfolio.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	s.serverError(w, r, err)
}

// audit records an action in the audit log; a failure to record is
// logged, not shown (the action itself succeeded).
func (s *Server) audit(r *http.Request, action, target, detail string) {
	e := store.AuditEntry{Action: action, Target: target, Detail: detail, IP: clientIP(r)}
	if u := currentUser(r.Context()); u != nil {
		e.ActorID, e.ActorEmail = u.ID, u.Email
	}
	if err := s.store.Audit(r.Context(), e); err != nil {
		s.log.Error("audit log", "action", action, "err", err)
	}
}

// clientIP is the address of the client (the connection's, until a
// trusted proxy is configured).
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// siteURL is the public address of the site, without a trailing slash.
func (s *Server) siteURL(r *http.Request) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	scheme := "http"
	if r.TLS != nil || fromTrusted(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
