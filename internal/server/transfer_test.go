package server

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slowReader gives its bytes a chunk at a time, with a pause before each.
type slowReader struct {
	r     io.Reader
	chunk int
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.pause)
	return s.r.Read(p[:min(len(p), s.chunk)])
}

// TestSlowUploadAndDownload: on the real HTTP server with its deadlines
// (scaled down to 1 s), an upload and a download that take about three
// times the deadline go through whole as long as they keep moving, while a
// page still gets the short deadline. (At 300 ms, a CI run under -race with
// every package testing at once cut the download's last bytes, which the
// server flushes after the handler under the last deadline set.)
func TestSlowUploadAndDownload(t *testing.T) {
	const timeout = time.Second
	c := newClassroomConfig(t, func(cfg *Config) { cfg.RequestTimeout = timeout })
	hs := c.app.srv.NewHTTPServer("127.0.0.1:0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	base := "http://" + ln.Addr().String()
	lea := c.app.login("lea@example.org")
	jar := lea.http.Jar
	for _, ck := range jar.Cookies(mustURL(c.app.server.URL)) {
		jar.SetCookies(mustURL(base), []*http.Cookie{ck})
	}
	// A small receive buffer, so that the server's writes wait for the
	// client as on a slow line.
	dialer := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10)
		})
	}}
	cl := &http.Client{Jar: jar, Transport: &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// Upload: 3 MB of text, 64 KB every 60 ms (about 3 s, 3 deadlines).
	id := c.app.addRealisation(c.lea.ID, sampleInput("Avec un gros fichier"))
	content := bytes.Repeat([]byte("Une ligne de compte rendu de TP.\n"), 3<<20/33)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("title", "Compte rendu")
	fw, _ := mw.CreateFormFile("files", "compte-rendu.txt")
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/realisations/%d/evidence", base, id),
		&slowReader{r: &body, chunk: 64 << 10, pause: 60 * time.Millisecond})
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := cl.Do(req)
	if err != nil {
		t.Fatalf("slow upload: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("slow upload: status %d", res.StatusCode)
	}

	// Download: the personal-data ZIP holds the file and a 12 MB one (more
	// than the kernel buffers hold); read slowly, it still arrives whole.
	big := bytes.Repeat([]byte("Journal de supervision, ligne après ligne.\n"), 12<<20/45)
	wantStatus(t, lea.uploadFiles(fmt.Sprintf("/realisations/%d/evidence", id), "Journal", [2]any{"journal.txt", big}), http.StatusSeeOther)
	res, err = cl.Get(base + "/compte/donnees.zip")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(&slowReader{r: res.Body, chunk: 64 << 10, pause: 12 * time.Millisecond}) // about 3 s
	res.Body.Close()
	if err != nil {
		t.Fatalf("slow download cut after %d bytes: %v", len(got), err)
	}
	found := 0
	for name, b := range zipEntries(t, string(got)) {
		if strings.HasSuffix(name, "compte-rendu.txt") && bytes.Equal(b, content) ||
			strings.HasSuffix(name, "journal.txt") && bytes.Equal(b, big) {
			found++
		}
	}
	if found != 2 {
		t.Fatal("the files are not whole in the slow download")
	}

	// A page keeps the short deadline: a client that sends its form too
	// slowly is cut off.
	req, _ = http.NewRequest(http.MethodPost, base+"/login",
		&slowReader{r: strings.NewReader("email=lea%40example.org&password=x"), chunk: 1, pause: 50 * time.Millisecond})
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := cl.Do(req); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusSeeOther || res.StatusCode == http.StatusUnprocessableEntity {
			t.Fatalf("a slow login form was read whole: %d", res.StatusCode)
		}
	}
}
