package docjob

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/export"
)

// hog keeps what the hogging job takes.
var hog [][]byte

// TestMain makes this test binary a document job when the runner starts
// it; with DOCJOB_TEST_HOG=1 the job takes memory without end instead.
func TestMain(m *testing.M) {
	if os.Getenv(EnvVar) == "1" {
		if os.Getenv("DOCJOB_TEST_HOG") == "1" {
			for {
				b := make([]byte, 64<<20)
				for i := range b {
					b[i] = 1
				}
				hog = append(hog, b)
			}
		}
		os.Exit(Main(os.Stdin, os.Stdout))
	}
	noRaceExitSleep()
	os.Exit(m.Run())
}

// TestJobOverItsTimeIsKilled: a job that does not answer within its time
// is killed, and the document refused with a French reason.
func TestJobOverItsTimeIsKilled(t *testing.T) {
	start := time.Now()
	r := Runner{Command: []string{"sleep", "30"}, CheckTime: 300 * time.Millisecond}
	_, refusal, err := r.Check(context.Background(), export.MergePart{Name: "a.pdf", Mime: "application/pdf", Data: []byte("%PDF-")})
	if err != nil || refusal == "" {
		t.Fatalf("refusal %q, err %v", refusal, err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("killed after %v", took)
	}
}

// TestJobOverItsMemoryIsKilled: a job whose resident memory passes
// MaxMemory is killed, and the document refused.
func TestJobOverItsMemoryIsKilled(t *testing.T) {
	t.Setenv("DOCJOB_TEST_HOG", "1")
	r := Runner{Command: []string{os.Args[0]}}
	_, refusal, err := r.Check(context.Background(), export.MergePart{Name: "a.pdf", Mime: "application/pdf", Data: []byte("%PDF-")})
	if err != nil || refusal == "" {
		t.Fatalf("refusal %q, err %v", refusal, err)
	}
}

// TestMergeThatNeverAnswersFails: a merge whose job is killed every time
// (here, even without the uploaded document) is an error, never a PDF.
func TestMergeThatNeverAnswersFails(t *testing.T) {
	t.Setenv("DOCJOB_TEST_HOG", "1")
	r := Runner{Command: []string{os.Args[0]}}
	_, _, err := r.Merge(context.Background(), []export.MergePart{{Name: "a.pdf", Mime: "application/pdf", Data: []byte("%PDF-")},
		{Name: "b.pdf", Mime: "application/pdf", Data: []byte("%PDF-"), Uploaded: true}})
	if err == nil {
		t.Fatal("a job that never answers merged")
	}
}

// noRaceExitSleep spares the document jobs this test binary starts the
// race detector's one-second sleep at exit (GORACE atexit_sleep_ms), unless
// GORACE is set already.
func noRaceExitSleep() {
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
}

// TestChildEnvHasNoSecrets: the child that reads hostile files does not
// inherit the server's secrets.
func TestChildEnvHasNoSecrets(t *testing.T) {
	t.Setenv("PORTFOLIO_SMTP_PASSWORD", "secret")
	for _, kv := range childEnv() {
		if strings.HasPrefix(kv, "PORTFOLIO_SMTP_PASSWORD=") {
			t.Errorf("the child gets %s", kv)
		}
	}
}
