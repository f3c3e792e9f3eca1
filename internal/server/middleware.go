package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

type ctxKey int

const userKey ctxKey = iota

// currentUser is the logged-in user of the request, or nil.
func currentUser(ctx context.Context) *portfolio.User {
	u, _ := ctx.Value(userKey).(*portfolio.User)
	return u
}

// recoverer turns a panic into a logged 500.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.serverError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// loadUser puts the session's user, if any, in the request context. A
// session whose user no longer exists, was disabled, or changed password
// since the session opened is ended; so is a password session of a role
// that must sign in with the school's account.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.sessions.GetInt64(r.Context(), "user_id")
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		u, err := s.store.UserByID(r.Context(), id)
		stale := err == nil && (u.Disabled || s.sessions.GetInt64(r.Context(), "epoch") != u.SessionEpoch)
		if err == nil && !stale && !s.sessions.GetBool(r.Context(), "sso") {
			// A password session of a role that must now sign in with
			// the school's account ends.
			required, rerr := s.ssoRequired(r.Context(), u.Role)
			if rerr != nil {
				s.serverError(w, r, rerr)
				return
			}
			stale = required
		}
		if errors.Is(err, portfolio.ErrNotFound) || stale {
			if err := s.sessions.Destroy(r.Context()); err != nil {
				s.serverError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, &u)))
	})
}

// requireLogin sends anonymous visitors to the login page.
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if currentUser(r.Context()) == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireRole lets through only users with one of the roles.
func requireRole(s *Server, roles ...portfolio.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u := currentUser(r.Context())
			for _, role := range roles {
				if u.Role == role {
					next.ServeHTTP(w, r)
					return
				}
			}
			s.forbidden(w, r)
		})
	}
}

// staticHandler serves the embedded assets; versioned URLs are cached for
// a year.
func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}
