// Package testoidc runs a real OpenID provider for the tests: the example
// OP server of github.com/zitadel/oidc (a certified implementation's
// example: discovery, authorize with PKCE, login page, token, JWKS), on a
// loopback port, with the users the test gives.
package testoidc

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// User is an account of the provider.
type User struct {
	Username      string
	Password      string
	Email         string
	EmailVerified bool
}

// Provider is an OP: reserved (its address, hence its issuer, and the
// app's client id and secret are known), then served.
type Provider struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	ln           net.Listener
	t            testing.TB
}

// Reserve takes a loopback port for the provider: the app can be
// configured with its issuer before the provider knows the app's address.
func Reserve(t testing.TB) *Provider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &Provider{Issuer: "http://127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "/",
		ClientID: "portfolio-sio", ClientSecret: "secret-du-client", ln: ln, t: t}
}

// Serve starts the provider with these users and the app's client, whose
// callback is redirectURI.
func (p *Provider) Serve(redirectURI string, users ...User) {
	t := p.t
	t.Helper()
	list := map[string]*storage.User{}
	for i, u := range users {
		id := "id" + strconv.Itoa(i+1)
		list[id] = &storage.User{ID: id, Username: u.Username, Password: u.Password, FirstName: "Prénom", LastName: "Nom",
			Email: u.Email, EmailVerified: u.EmailVerified}
	}
	path := filepath.Join(t.TempDir(), "users.json")
	data, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := storage.StoreFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]*storage.Client{p.ClientID: storage.WebClient(p.ClientID, p.ClientSecret, redirectURI)}
	router := exampleop.SetupServer(p.Issuer, storage.NewStorageWithClients(store, clients), nil, false)
	srv := &http.Server{Handler: router}
	go srv.Serve(p.ln)
	t.Cleanup(func() { srv.Close() })
}
