package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// FuzzHandlers posts arbitrary forms (and queries) at every route of the
// real router, as each role, and fails on any server error: nothing a
// user types may cause a 500.
func FuzzHandlers(f *testing.F) {
	f.Add(uint8(0), uint8(1), "title=x&cadre=formation&types=T1&start=2026-01&end=2026-02&modalite=seul&activity=A1.1.1")
	f.Add(uint8(3), uint8(2), "action=validate&version=1&reason=%00")
	f.Add(uint8(7), uint8(3), "name=%E2%80%AE&school_year=2026-2027&deadline=2026-02-30")
	f.Add(uint8(9), uint8(0), "email=a%40b.c&password=x")
	f.Add(uint8(12), uint8(1), "body=&activity=A9.9.9&version=-1&on_tableau=show")
	// One classroom for every input (built here: t.TempDir inside fuzz
	// inputs is not meant for state shared between them).
	fx := fuzzFixture(f)
	f.Fuzz(func(t *testing.T, route, role uint8, body string) {
		rt := fx.routes[int(route)%len(fx.routes)]
		cl := *fx.clients[int(role)%len(fx.clients)] // same session, this input's t
		cl.t = t
		var req *http.Request
		var err error
		if rt[0] == http.MethodGet {
			req, err = http.NewRequest(http.MethodGet, cl.app.server.URL+rt[1]+"?"+body, nil)
		} else {
			req, err = http.NewRequest(http.MethodPost, cl.app.server.URL+rt[1], strings.NewReader(body))
		}
		if err != nil {
			return // not a request a browser could send
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res := cl.do(req)
		if res.status >= 500 {
			t.Fatalf("%s %s as %d with %q: %d\n%.500s", rt[0], rt[1], role, body, res.status, res.body)
		}
	})
}

type fixture struct {
	routes  [][2]string
	clients []*client
}

// fuzzFixture builds a classroom and the list of every route with real ids.
func fuzzFixture(t testing.TB) *fixture {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Cible"))
	c.app.validate(c.max.ID, c.app.addRealisation(c.max.ID, sampleInput("Autre")), c.prof.ID)
	params := strings.NewReplacer("{id}", itoa(id), "{studentID}", itoa(c.lea.ID), "{classID}", itoa(c.classID),
		"{userID}", itoa(c.max.ID), "{token}", "x", "{jobID}", "x", "{evidenceID}", "1", "{linkID}", "1", "*", "app.css")
	fx := &fixture{}
	chi.Walk(c.app.srv.router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if route != "/logout" { // keep the sessions
			fx.routes = append(fx.routes, [2]string{method, params.Replace(route)})
		}
		return nil
	})
	fx.clients = []*client{c.app.client(), c.app.login("lea@example.org"), c.app.login("prof@example.org"), c.app.login("admin@example.org")}
	return fx
}
