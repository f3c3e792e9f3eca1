package server

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
)

type failingCommit struct{ *memstore.MemStore }

func (failingCommit) Commit(string, []byte, time.Time) error { return errors.New("database is locked") }

// TestGzipHeadersOnSessionCommitFailure: a page sent while the session
// must be saved (a flash popped) whose save fails: scs calls ErrorFunc
// (serverError) from inside WriteHeader, after writeHTML set
// Content-Encoding: gzip and Content-Length. The error page must go out
// readable: plain, whole. (Found by review: it went out labelled gzip.)
func TestGzipHeadersOnSessionCommitFailure(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	sm := scs.New()
	sm.Store = failingCommit{memstore.New()}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { s.serverError(w, r, err) }
	page := []byte("<!doctype html><p>" + strings.Repeat("réalisation ", 400) + "</p>")
	h := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "flash", "x")
		s.writeMade(w, r, http.StatusOK, page)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, rerr := io.ReadAll(resp.Body)
	if rerr != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, Content-Length %q, read %d bytes (err %v)", resp.StatusCode, resp.Header.Get("Content-Length"), len(body), rerr)
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		if _, err := gzip.NewReader(bytes.NewReader(body)); err != nil {
			t.Fatalf("body labelled gzip is not gzip: %v; starts %q", err, body[:min(40, len(body))])
		}
	}
	if !strings.Contains(string(body), "Erreur du serveur") {
		t.Errorf("the error page is not the one sent: %.200q", body)
	}
}
