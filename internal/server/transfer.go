package server

import (
	"io"
	"net/http"
	"time"
)

// The HTTP server gives each request RequestTimeout to be read and
// answered (see NewHTTPServer): enough for a page, not for a student on a
// slow school connection sending 20 MB of evidence or downloading their
// data. The upload and download handlers call slowUpload or slowDownload,
// which lets the transfer run as long as it keeps moving: each chunk moves
// the deadline RequestTimeout ahead, up to maxTransfer in all. Other
// routes keep the short deadlines.

// DefaultRequestTimeout is RequestTimeout when the configuration has none.
const DefaultRequestTimeout = 60 * time.Second

// maxTransfer bounds one upload or download, however slow.
const maxTransfer = 2 * time.Hour

// NewHTTPServer is the HTTP server of the application, with the deadlines
// the handlers expect.
func (s *Server) NewHTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: min(10*time.Second, s.requestTimeout),
		ReadTimeout:       s.requestTimeout,
		WriteTimeout:      s.requestTimeout,
		IdleTimeout:       2 * s.requestTimeout,
	}
}

// slowUpload lets the request body arrive slowly; call it before reading
// the body.
func (s *Server) slowUpload(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	end := time.Now().Add(maxTransfer)
	// The answer is written after the body is read: it gets its deadline
	// from the last chunk too.
	r.Body = &movingReader{r: r.Body, move: func() {
		d := earliest(time.Now().Add(s.requestTimeout), end)
		_ = rc.SetReadDeadline(d)
		_ = rc.SetWriteDeadline(d.Add(s.requestTimeout))
	}}
}

// slowDownload returns w as a writer whose deadline moves with each chunk;
// write the response body through it.
func (s *Server) slowDownload(w http.ResponseWriter) http.ResponseWriter {
	rc := http.NewResponseController(w)
	end := time.Now().Add(maxTransfer)
	return &movingWriter{ResponseWriter: w, move: func() {
		_ = rc.SetWriteDeadline(earliest(time.Now().Add(s.requestTimeout), end))
	}}
}

type movingReader struct {
	r    io.ReadCloser
	move func()
}

func (m *movingReader) Read(p []byte) (int, error) {
	m.move()
	return m.r.Read(p)
}

func (m *movingReader) Close() error { return m.r.Close() }

type movingWriter struct {
	http.ResponseWriter
	move func()
}

// Write writes in chunks, each with the deadline moved: one large Write
// (a class ZIP) is as slow as the client allows, not one deadline.
func (m *movingWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), 64<<10)]
		m.move()
		k, err := m.ResponseWriter.Write(chunk)
		n += k
		if err != nil {
			return n, err
		}
		p = p[len(chunk):]
	}
	return n, nil
}

// Unwrap lets http.ResponseController reach the connection.
func (m *movingWriter) Unwrap() http.ResponseWriter { return m.ResponseWriter }

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
