// Package docjob runs the work on documents users upload — checking an
// attestation, merging a dossier — in a child process of the server,
// with a time and a memory budget (issue #24). A PDF library or an image
// decoder cannot be stopped from inside once it started on a hostile file:
// the child can, and whatever it used is given back to the system when it
// ends. The server keeps the data; the child only computes.
//
// The child is the server's own binary started with EnvVar=1: its main
// calls Main before anything else (tests do it in their TestMain).
package docjob

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/export"
)

// EnvVar set to "1" makes the binary a document job (Main).
const EnvVar = "PORTFOLIO_DOCUMENT_JOB"

// The budgets of one job. A real attestation is checked in well under a
// second and a dossier merged in one or two; a job past its time is
// killed.
const (
	CheckTime = 10 * time.Second
	MergeTime = 60 * time.Second
	// MaxMemory bounds the child's resident memory: it is killed past it.
	// The largest image the checks let through takes 200 MB decoded and
	// about 300 MB in all; pdfcpu reads a 20 MB scanned PDF in well under
	// that.
	MaxMemory = 512 << 20
)

// ErrBudget is a job stopped for taking too long or too much memory.
var ErrBudget = errors.New("document job: over its time or memory budget")

type request struct {
	Op    string // "check" or "merge"
	Parts []export.MergePart
}

type response struct {
	Part     export.MergePart
	PDF      []byte
	Problems []export.PartProblem
	Refusal  string // check: why the part is refused
	Err      string
}

// Main is the child: it reads one request on stdin, answers on stdout,
// and returns the exit code.
func Main(stdin io.Reader, stdout io.Writer) int {
	debug.SetMemoryLimit(MaxMemory / 2) // collect hard before the parent kills
	var req request
	if err := gob.NewDecoder(bufio.NewReader(stdin)).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "document job: request:", err)
		return 2
	}
	resp := serve(req)
	if err := gob.NewEncoder(stdout).Encode(resp); err != nil {
		fmt.Fprintln(os.Stderr, "document job: response:", err)
		return 2
	}
	return 0
}

func serve(req request) (resp response) {
	defer func() {
		if p := recover(); p != nil {
			resp = response{Err: fmt.Sprint("panic: ", p)}
		}
	}()
	switch req.Op {
	case "check":
		if len(req.Parts) != 1 {
			return response{Err: "check: one part"}
		}
		part, err := export.CheckPart(req.Parts[0])
		var r *export.Refusal
		if errors.As(err, &r) {
			return response{Refusal: r.Reason}
		}
		if err != nil {
			return response{Err: err.Error()}
		}
		return response{Part: part}
	case "merge":
		var buf bytes.Buffer
		problems, err := export.MergeDossier(&buf, req.Parts)
		if err != nil {
			return response{Problems: problems, Err: err.Error()}
		}
		return response{PDF: buf.Bytes(), Problems: problems}
	}
	return response{Err: "unknown operation " + strconv.Quote(req.Op)}
}

// Runner starts document jobs.
type Runner struct {
	// Command is the program and its arguments; the server's own binary
	// when empty.
	Command []string
	// CheckTime and MergeTime override the budgets (tests).
	CheckTime, MergeTime time.Duration
}

// Check checks an uploaded document in a child process (export.CheckPart)
// and returns what to keep, or a refusal in French ("" when accepted).
func (r Runner) Check(ctx context.Context, part export.MergePart) (kept export.MergePart, refusal string, err error) {
	resp, err := r.run(ctx, cmp.Or(r.CheckTime, CheckTime), request{Op: "check", Parts: []export.MergePart{part}})
	if errors.Is(err, ErrBudget) {
		return part, "le document demande trop de temps ou de mémoire à lire (il dépasse ce qu'une attestation demande) : numérisez-le de nouveau, en PDF ou en image", nil
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		// The child died on this document (a crash of a library on a
		// hostile file): the document's fault, not the server's.
		return part, "le document n'a pas pu être lu (structure endommagée) : numérisez-le de nouveau, en PDF ou en image", nil
	}
	if err != nil {
		return part, "", err
	}
	if resp.Refusal != "" {
		return part, resp.Refusal, nil
	}
	return resp.Part, "", nil
}

// Merge merges a dossier in a child process (export.MergeDossier). When
// the job fails as a whole (a document over the budget, a crash), the
// documents the server drew are merged again without the uploaded ones,
// which are named in problems: a bad file never stops the others.
func (r Runner) Merge(ctx context.Context, parts []export.MergePart) (pdf []byte, problems []export.PartProblem, err error) {
	resp, err := r.run(ctx, cmp.Or(r.MergeTime, MergeTime), request{Op: "merge", Parts: parts})
	if err == nil && resp.Err == "" {
		return resp.PDF, resp.Problems, nil
	}
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	var drawn []export.MergePart
	problems = nil
	for _, p := range parts {
		if p.Uploaded {
			problems = append(problems, export.PartProblem{Name: p.Name, Reason: "le document n'a pas pu être assemblé dans le temps et la mémoire permis"})
		} else {
			drawn = append(drawn, p)
		}
	}
	if len(drawn) == len(parts) || len(drawn) == 0 {
		if err == nil {
			err = errors.New(resp.Err)
		}
		return nil, nil, fmt.Errorf("merge: %w", err)
	}
	resp, err = r.run(ctx, cmp.Or(r.MergeTime, MergeTime), request{Op: "merge", Parts: drawn})
	if err == nil && resp.Err != "" {
		err = errors.New(resp.Err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("merge without the uploaded documents: %w", err)
	}
	return resp.PDF, problems, nil
}

// run starts the child, feeds it the request and reads its answer,
// killing it past the time budget or the memory budget.
func (r Runner) run(ctx context.Context, budget time.Duration, req request) (response, error) {
	command := r.Command
	if len(command) == 0 {
		self, err := os.Executable()
		if err != nil {
			return response{}, err
		}
		command = []string{self}
	}
	var in bytes.Buffer
	if err := gob.NewEncoder(&in).Encode(req); err != nil {
		return response{}, err
	}
	jobCtx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	cmd := exec.CommandContext(jobCtx, command[0], command[1:]...)
	cmd.Env = append(childEnv(), EnvVar+"=1", "GOMAXPROCS=1")
	cmd.Stdin = &in
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Start(); err != nil {
		return response{}, err
	}
	overMemory := make(chan struct{})
	done := make(chan struct{})
	go watchMemory(cmd.Process.Pid, cmd.Process.Kill, overMemory, done)
	err := cmd.Wait()
	close(done)
	select {
	case <-overMemory:
		return response{}, ErrBudget
	default:
	}
	if jobCtx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		return response{}, ErrBudget
	}
	if ctx.Err() != nil {
		return response{}, ctx.Err()
	}
	if err != nil {
		return response{}, fmt.Errorf("document job: %w: %s", err, strings.TrimSpace(lastLine(stderr.String())))
	}
	var resp response
	if err := gob.NewDecoder(&out).Decode(&resp); err != nil {
		return response{}, fmt.Errorf("document job: answer: %w", err)
	}
	return resp, nil
}

// childEnv is the server's environment without its secrets
// (PORTFOLIO_SMTP_PASSWORD, PORTFOLIO_OIDC_CLIENT_SECRET…): the child reads
// hostile files and needs none of them.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PORTFOLIO_") {
			env = append(env, kv)
		}
	}
	return env
}

// watchMemory kills the child when its resident memory passes MaxMemory
// (read from /proc every 20 ms; elsewhere, only the time budget holds).
func watchMemory(pid int, kill func() error, over, done chan struct{}) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		if rss, ok := ResidentBytes(path); ok && rss > MaxMemory {
			close(over)
			_ = kill()
			return
		}
	}
}

// ResidentBytes reads a process's resident memory (VmRSS) from its
// /proc/PID/status file.
func ResidentBytes(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
