package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// TestSecurityHeadersOnEveryRoute requests every route of the router, as
// anonymous and as each role, and checks the security headers on every
// answer, whatever its status.
func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("En-têtes"))
	params := strings.NewReplacer("{id}", itoa(id), "{studentID}", itoa(c.lea.ID), "{classID}", itoa(c.classID),
		"{userID}", itoa(c.max.ID), "{token}", "inconnu", "{jobID}", "inconnu", "{evidenceID}", "1", "{linkID}", "1", "*", "app.css")
	var routes [][2]string
	router := c.app.srv.router()
	chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, [2]string{method, params.Replace(route)})
		return nil
	})
	if len(routes) < 50 {
		t.Fatalf("only %d routes walked", len(routes))
	}
	clients := []*client{c.app.client(), c.app.login("lea@example.org"), c.app.login("prof@example.org"), c.app.login("admin@example.org")}
	for _, cl := range clients {
		for _, rt := range routes {
			var res response
			if rt[0] == http.MethodGet {
				res = cl.get(rt[1])
			} else {
				res = cl.post(rt[1], url.Values{})
			}
			if res.status >= 500 {
				t.Errorf("%s %s: %d", rt[0], rt[1], res.status)
			}
			h := res.header
			csp := h.Get("Content-Security-Policy")
			if csp == "" || !strings.Contains(csp, "default-src") && !strings.Contains(csp, "sandbox") ||
				h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Errorf("%s %s: missing security headers %v", rt[0], rt[1], h)
			}
			if strings.HasPrefix(h.Get("Content-Type"), "text/html") && !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s %s: HTML without frame-ancestors", rt[0], rt[1])
			}
		}
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func TestSessionCookieFlags(t *testing.T) {
	app := newTestAppConfig(t, "sqlite", func(c *Config) { c.BaseURL = "https://portfolio.example.org" })
	app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	res := app.client().post("/login", url.Values{"email": {"lea@example.org"}, "password": {testPassword}})
	cookies := res.header.Values("Set-Cookie")
	for _, name := range []string{"portfolio_session=", "portfolio_device_"} {
		var cookie string
		for _, c := range cookies {
			if strings.HasPrefix(c, name) {
				cookie = c
			}
		}
		for _, want := range []string{name, "HttpOnly", "SameSite=Lax", "Secure"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("cookie %q lacks %s", cookie, want)
			}
		}
	}
}

func TestTrustedProxy(t *testing.T) {
	nets, err := ParseTrustedProxies("127.0.0.1, 10.0.0.0/8")
	if err != nil || len(nets) != 2 {
		t.Fatal(err)
	}
	var seen string
	var https bool
	h := trustProxy(nets)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, https = clientIP(r), fromTrusted(r)
	}))
	for _, tc := range []struct {
		remote, fwd, want string
		https             bool
	}{
		{"127.0.0.1:5000", "198.51.100.7", "198.51.100.7", true},
		{"127.0.0.1:5000", "1.2.3.4, 198.51.100.7", "198.51.100.7", true},
		{"203.0.113.9:5000", "198.51.100.7", "203.0.113.9", false}, // not the proxy: ignored
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = tc.remote
		req.Header.Set("X-Forwarded-For", tc.fwd)
		req.Header.Set("X-Forwarded-Proto", "https")
		h.ServeHTTP(httptest.NewRecorder(), req)
		if seen != tc.want || https != tc.https {
			t.Errorf("%s via %s: %s https=%v", tc.fwd, tc.remote, seen, https)
		}
	}
	if _, err := ParseTrustedProxies("pas une adresse"); err == nil {
		t.Error("bad address accepted")
	}
}
