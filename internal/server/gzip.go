package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Pages go out gzip-compressed to the clients that accept it (every
// browser): a class dashboard of 70 KB is 6 KB on the wire. The page cache
// keeps them compressed (getHTML), so a cached page is compressed once per
// change, not once per view; pages made for one request are compressed as
// they are written, at gzip's fastest level.

// minGzip is the size under which a page goes out as it is: one TCP
// segment either way.
const minGzip = 1400

// acceptsGzip tells whether the request's Accept-Encoding allows gzip
// (absent, or with a q-value other than 0).
func acceptsGzip(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(h, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
			if !ok {
				return true
			}
			f, err := strconv.ParseFloat(q, 64)
			return err == nil && f > 0
		}
	}
	return false
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// gzipBytes is b compressed.
func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b)/6 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&out)
	_, _ = zw.Write(b) // a bytes.Buffer does not fail
	_ = zw.Close()
	return out.Bytes()
}

// gunzipBytes is the text of a page the cache kept compressed.
func gunzipBytes(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// htmlPage is a rendered HTML page: its text, its gzip form, or both.
type htmlPage struct {
	raw, gz []byte
}

// text is the page's HTML.
func (p htmlPage) text() ([]byte, error) {
	if p.raw != nil || p.gz == nil {
		return p.raw, nil
	}
	return gunzipBytes(p.gz)
}

// writeHTML sends a page with the status, compressed when the client
// accepts it.
func (s *Server) writeHTML(w http.ResponseWriter, r *http.Request, status int, p htmlPage) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	body := p.raw
	if acceptsGzip(r) && (p.gz != nil || len(p.raw) >= minGzip) {
		if body = p.gz; body == nil {
			body = gzipBytes(p.raw)
		}
		h.Set("Content-Encoding", "gzip")
	} else if body == nil {
		var err error
		if body, err = p.text(); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
