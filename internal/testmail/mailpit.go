// Package testmail runs a real SMTP server for the tests: Mailpit
// (github.com/axllent/mailpit, a tool of go.mod, built by the go command
// and cached), on loopback ports, read through its HTTP API.
package testmail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds Mailpit once per test process (`go tool -n` builds it into
// the go command's cache and prints its path).
func binary() (string, error) {
	binOnce.Do(func() {
		out, err := exec.Command("go", "tool", "-n", "mailpit").Output()
		if err != nil {
			binErr = fmt.Errorf("build mailpit (go tool -n mailpit): %w", err)
			return
		}
		binPath = strings.TrimSpace(string(out))
	})
	return binPath, binErr
}

// Mailpit is a running Mailpit.
type Mailpit struct {
	t        testing.TB
	bin      string
	args     []string
	SMTPPort int
	HTTPPort int
	mu       sync.Mutex
	cmd      *exec.Cmd
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start runs a Mailpit for the test, stopped at its end; args are more
// of its options (such as --smtp-allowed-recipients).
func Start(t testing.TB, args ...string) *Mailpit {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	m := &Mailpit{t: t, bin: bin, args: args, SMTPPort: freePort(t), HTTPPort: freePort(t)}
	m.Restart()
	t.Cleanup(m.Stop)
	return m
}

// Restart starts Mailpit again on the same ports (after Stop), and waits
// until it answers.
func (m *Mailpit) Restart() {
	m.t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	args := append([]string{"--smtp", "127.0.0.1:" + strconv.Itoa(m.SMTPPort), "--listen", "127.0.0.1:" + strconv.Itoa(m.HTTPPort),
		"--disable-version-check", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--quiet"}, m.args...)
	cmd := exec.Command(m.bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("start mailpit: %v", err)
	}
	m.cmd = cmd
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(m.api("/api/v1/info"))
		if err == nil {
			res.Body.Close()
			if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(m.SMTPPort)); err == nil {
				c.Close()
				return
			}
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("mailpit does not answer on %d/%d", m.SMTPPort, m.HTTPPort)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops Mailpit (its messages go with it).
func (m *Mailpit) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
	m.cmd = nil
}

func (m *Mailpit) api(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(m.HTTPPort) + path
}

func (m *Mailpit) getJSON(path string, v any) {
	m.t.Helper()
	res, err := http.Get(m.api(path))
	if err != nil {
		m.t.Fatalf("mailpit %s: %v", path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		m.t.Fatalf("mailpit %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		m.t.Fatalf("mailpit %s: %v", path, err)
	}
}

// Address is a mailbox of a message.
type Address struct {
	Name    string
	Address string
}

// Message is a received message as Mailpit's API gives it.
type Message struct {
	ID      string
	Subject string
	To      []Address
	Text    string              // the plain-text body (Messages leaves it empty; Get fills it)
	Headers map[string][]string // filled by Get
}

// Messages lists the received messages, newest first (without bodies).
func (m *Mailpit) Messages() []Message {
	m.t.Helper()
	var list struct{ Messages []Message }
	m.getJSON("/api/v1/messages?limit=500", &list)
	return list.Messages
}

// Get reads one message with its body and headers.
func (m *Mailpit) Get(id string) Message {
	m.t.Helper()
	var msg Message
	m.getJSON("/api/v1/message/"+id, &msg)
	m.getJSON("/api/v1/message/"+id+"/headers", &msg.Headers)
	return msg
}

// Wait waits until at least n messages arrived (10 s at most), and
// returns them, newest first.
func (m *Mailpit) Wait(n int) []Message {
	m.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list := m.Messages()
		if len(list) >= n || time.Now().After(deadline) {
			return list
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Clear deletes every message.
func (m *Mailpit) Clear() {
	m.t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, m.api("/api/v1/messages"), bytes.NewReader(nil))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	res.Body.Close()
}
