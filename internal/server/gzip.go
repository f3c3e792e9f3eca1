package server

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
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

// gzipWriters are reused gzip writers (a new one allocates about 800 KB).
// A channel rather than a sync.Pool: the pool is emptied at every garbage
// collection, which under load came every few pages.
var gzipWriters = make(chan *gzip.Writer, 16)

func getGzipWriter() *gzip.Writer {
	select {
	case zw := <-gzipWriters:
		return zw
	default:
		zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		return zw
	}
}

func putGzipWriter(zw *gzip.Writer) {
	select {
	case gzipWriters <- zw:
	default:
	}
}

// gzipBytes is b compressed, in a slice of its own.
func gzipBytes(b []byte) []byte {
	out := getBuffer()
	defer putBuffer(out)
	gzipTo(out, b)
	return bytes.Clone(out.Bytes())
}

// gzipTo writes b compressed to out.
func gzipTo(out *bytes.Buffer, b []byte) {
	zw := getGzipWriter()
	defer putGzipWriter(zw)
	zw.Reset(out)
	_, _ = zw.Write(b) // a bytes.Buffer does not fail
	_ = zw.Close()
}

// getBuffer and putBuffer lend the buffers pages are made in.
func getBuffer() *bytes.Buffer { return renderBuffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 { // a rare huge page is not kept
		b.Reset()
		renderBuffers.Put(b)
	}
}

// gunzipBytes is the text of a page the cache kept compressed.
func gunzipBytes(gz []byte) ([]byte, error) {
	var out bytes.Buffer
	err := gunzipTo(&out, gz)
	return out.Bytes(), err
}

// gunzipTo writes the text of a compressed page to out.
func gunzipTo(out *bytes.Buffer, gz []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return err
	}
	_, err = out.ReadFrom(zr)
	return err
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
