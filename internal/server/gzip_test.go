package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// rawGet fetches path with the client's cookies and the Accept-Encoding
// given, and returns the response with its body as it came on the wire.
func rawGet(t *testing.T, c *client, path, acceptEncoding string) (*http.Response, []byte) {
	t.Helper()
	hc := &http.Client{Jar: c.http.Jar, Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequest(http.MethodGet, c.app.server.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// TestPagesGoOutCompressed: a browser that accepts gzip gets the pages
// compressed — kept in the page cache (class dashboard, tableau) or made
// for the request (réalisations) — the same text as a client that does
// not, and the downloads that are compressed already (PDF) as they are.
func TestPagesGoOutCompressed(t *testing.T) {
	c := newClassroom(t)
	c.app.validate(c.lea.ID, c.app.addRealisation(c.lea.ID, sampleInput("Serveur « Ω » de fichiers")), c.prof.ID)
	prof, lea := c.app.login("prof@example.org"), c.app.login("lea@example.org")
	for _, x := range []struct {
		who  *client
		path string
		want string
	}{
		{prof, fmt.Sprintf("/classes/%d", c.classID), "SIO2 SLAM"},
		{lea, "/tableau", "Serveur « Ω » de fichiers"},
		{lea, "/realisations", "Serveur « Ω » de fichiers"},
	} {
		plainRes, plain := rawGet(t, x.who, x.path, "identity")
		if plainRes.StatusCode != http.StatusOK || plainRes.Header.Get("Content-Encoding") != "" || !strings.Contains(string(plain), x.want) {
			t.Fatalf("%s without gzip: %d %q, %d bytes", x.path, plainRes.StatusCode, plainRes.Header.Get("Content-Encoding"), len(plain))
		}
		for round := 1; round <= 2; round++ { // made, then from the cache
			res, body := rawGet(t, x.who, x.path, "gzip, deflate, br")
			if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Accept-Encoding") {
				t.Fatalf("%s (%d): Content-Encoding %q, Vary %q", x.path, round, res.Header.Get("Content-Encoding"), res.Header.Values("Vary"))
			}
			if res.ContentLength != int64(len(body)) || len(body) >= len(plain)/2 {
				t.Errorf("%s (%d): %d bytes compressed (Content-Length %d) for %d", x.path, round, len(body), res.ContentLength, len(plain))
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			text, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(text, plain) {
				t.Errorf("%s (%d): the compressed page differs from the plain one", x.path, round)
			}
		}
		if res, _ := rawGet(t, x.who, x.path, "gzip;q=0, identity"); res.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: gzip;q=0 still got %q", x.path, res.Header.Get("Content-Encoding"))
		}
	}
	res, body := rawGet(t, lea, "/tableau.pdf", "gzip")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" || !bytes.HasPrefix(body, []byte("%PDF")) {
		t.Errorf("tableau.pdf: %d, Content-Encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
}
