package server

import (
	"context"
	"net"
	"net/http"
	"strings"
)

// contentSecurityPolicy allows nothing but this site's own files: no inline
// script or style, no framing, forms posted here only. Images may also be
// data: URLs (the activation sheet's QR codes, made in the page since only
// a hash of each link is kept); an image runs no script.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries; handlers that
// serve files may tighten the policy further.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" && fromTrusted(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

type proxyKey struct{}

// fromTrusted reports whether the request came through the trusted proxy
// (set by trustProxy).
func fromTrusted(r *http.Request) bool {
	ok, _ := r.Context().Value(proxyKey{}).(bool)
	return ok
}

// trustProxy takes the client address and scheme from X-Forwarded-For and
// X-Forwarded-Proto, only for connections from the trusted proxy addresses
// (a TLS reverse proxy on the same host, typically 127.0.0.1). From anyone
// else the headers are ignored, so a client cannot forge its address.
func trustProxy(trusted []*net.IPNet) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if len(trusted) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			ip := net.ParseIP(host)
			if err != nil || ip == nil || !contains(trusted, ip) {
				next.ServeHTTP(w, r)
				return
			}
			if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
				// The last address is the one the proxy saw.
				parts := strings.Split(fwd, ",")
				if client := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); client != nil {
					r.RemoteAddr = net.JoinHostPort(client.String(), "0")
				}
			}
			ctx := r.Context()
			if r.Header.Get("X-Forwarded-Proto") == "https" {
				ctx = contextWithProxy(ctx)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func contextWithProxy(ctx context.Context) context.Context {
	return context.WithValue(ctx, proxyKey{}, true)
}

func contains(nets []*net.IPNet, ip net.IP) bool {
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads a comma-separated list of addresses or CIDR
// ranges.
func ParseTrustedProxies(s string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			if strings.Contains(part, ":") {
				part += "/128"
			} else {
				part += "/32"
			}
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
