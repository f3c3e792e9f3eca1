package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// paperParam reads ?paper=A3|A4 (A3 by default; anything else is A3 too,
// a link cannot be "wrong").
func paperParam(r *http.Request) export.Paper {
	p, err := export.ParsePaper(r.URL.Query().Get("paper"))
	if err != nil {
		return export.A3
	}
	return p
}

func (s *Server) tableauPDF(w http.ResponseWriter, r *http.Request) {
	s.writeTableauPDF(w, r, currentUser(r.Context()))
}

func (s *Server) studentTableauPDF(w http.ResponseWriter, r *http.Request) {
	s.writeTableauPDF(w, r, routeStudent(r.Context()))
}

func (s *Server) writeTableauPDF(w http.ResponseWriter, r *http.Request, student *portfolio.User) {
	src, err := s.tableauSource(r, student)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sendTableauPDF(w, r, src, student)
}

// sendTableauPDF answers with the PDF of a tableau, from the page cache
// while its source has not changed (made within the PDF slots otherwise).
func (s *Server) sendTableauPDF(w http.ResponseWriter, r *http.Request, src tableauSource, student *portfolio.User) {
	paper := paperParam(r)
	if t := s.ref(&src.student).Tree; t != nil {
		paper = gridPaper(r, t) // the paper of its model unless asked
	}
	tree := s.ref(&src.student).Grid()
	pdf, err := s.pages.get(src.key("pdf|"+string(paper)), func() ([]byte, error) {
		if tree != nil {
			g, _, err := s.grid(r, src)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			err = s.withPDFSlot(r.Context(), func() error { return export.GridPDF(&buf, g, paper) })
			return buf.Bytes(), err
		}
		return s.workingTableauPDF(r, src, paper) // a référentiel in the first form has no other
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sendAttachment(w, "application/pdf", export.PaperFileName(*student, paper), pdf)
}

// workingTableauPDF draws the working view of a tableau (BuildTableau) as a
// PDF.
func (s *Server) workingTableauPDF(r *http.Request, src tableauSource, paper export.Paper) ([]byte, error) {
	t, err := s.tableau(r, src)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = s.renderPDF(r.Context(), &buf, t, paper)
	return buf.Bytes(), err
}

// sendAttachment answers with a file to download.

// renderPDF draws a PDF, at most as many at once as there are CPUs: a PDF
// is CPU work with large temporary buffers, so more in parallel only adds
// memory, not speed.
func (s *Server) renderPDF(ctx context.Context, w io.Writer, t portfolio.Tableau, paper export.Paper) error {
	return s.withPDFSlot(ctx, func() error { return export.PDF(w, t, paper) })
}

// withPDFSlot runs fn in one of the PDF slots (as many as CPUs). One
// user holds at most one at a time: their other PDFs wait for it, so a
// user who repeats a slow download never takes every slot from the
// others. The user is the one logged in, or the one a background job
// works for (withSlotOwner).
func (s *Server) withPDFSlot(ctx context.Context, fn func() error) error {
	if id := slotOwner(ctx); id != 0 {
		mine, _ := s.userSlots.LoadOrStore(id, make(chan struct{}, 1))
		own := mine.(chan struct{})
		select {
		case own <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-own }()
	}
	select {
	case s.pdfSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.pdfSlots }()
	return fn()
}

type slotOwnerKey struct{}

// withSlotOwner marks ctx as working for a user, for withPDFSlot.
func withSlotOwner(ctx context.Context, userID int64) context.Context {
	return context.WithValue(ctx, slotOwnerKey{}, userID)
}

// slotOwner is the user a PDF is made for: the one logged in, else the
// one withSlotOwner named (0: nobody's).
func slotOwner(ctx context.Context) int64 {
	if u := currentUser(ctx); u != nil {
		return u.ID
	}
	id, _ := ctx.Value(slotOwnerKey{}).(int64)
	return id
}

// gridPaper is the paper of a référentiel's tableau: ?paper=A3|A4, else
// the one its model prints on (its data file's tableau.paper).
func gridPaper(r *http.Request, tree *referentiel.Tree) export.Paper {
	if p, err := export.ParsePaper(r.URL.Query().Get("paper")); err == nil && r.URL.Query().Get("paper") != "" {
		return p
	}
	p, _ := export.ParsePaper(tree.Tableau.Paper)
	return p
}

// A class export builds one PDF per student into a ZIP, in the background:
// the teacher is sent to a page that refreshes itself (no script needed)
// with the progress, then offers the download. Jobs live in memory for an
// hour; a restart forgets them (the teacher just starts again).

const exportTTL = time.Hour

type exportJob struct {
	id      string
	owner   int64
	classID int64
	class   string
	total   int
	done    atomic.Int64
	created time.Time

	kind string // what it builds, for its page (default: the tableaux)

	mu   sync.Mutex
	zip  []byte
	file string // the ZIP on disk instead of zip (class dossiers, which hold scans)
	err  error
	name string
}

// fail marks the job failed: its page says so and offers to start again.
func (job *exportJob) fail(err error) {
	job.mu.Lock()
	job.err = err
	job.mu.Unlock()
}

type exportJobs struct {
	mu   sync.Mutex
	jobs map[string]*exportJob
}

// maxExportsPerUser bounds the jobs (and ZIPs in memory) one user holds.
const maxExportsPerUser = 3

// add registers a job, or returns false when the user already holds too
// many.
func (j *exportJobs) add(job *exportJob) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.jobs == nil {
		j.jobs = map[string]*exportJob{}
	}
	mine := 0
	for id, old := range j.jobs {
		if time.Since(old.created) > exportTTL {
			delete(j.jobs, id)
			old.mu.Lock()
			if old.file != "" {
				os.Remove(old.file)
			}
			old.mu.Unlock()
		} else if old.owner == job.owner {
			mine++
		}
	}
	if mine >= maxExportsPerUser {
		return false
	}
	j.jobs[job.id] = job
	return true
}

// get returns the job if it exists and belongs to the user (whose access
// to the class is checked again by the caller).
func (j *exportJobs) get(id string, owner int64) *exportJob {
	j.mu.Lock()
	defer j.mu.Unlock()
	job := j.jobs[id]
	if job == nil || job.owner != owner || time.Since(job.created) > exportTTL {
		return nil
	}
	return job
}

// startClassExport builds the class's tableaux in the background.
func (s *Server) startClassExport(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
	if !s.parseForm(w, r) {
		return
	}
	paper, err := export.ParsePaper(r.PostForm.Get("paper"))
	if err != nil {
		s.badRequest(w, r, "Format de papier inconnu (A3 ou A4).")
		return
	}
	students, _, err := s.store.ClassMembers(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(students) == 0 {
		s.flash(r.Context(), "Cette classe n'a pas encore d'étudiant : rien à exporter.")
		http.Redirect(w, r, classURLFor(c.ID), http.StatusSeeOther)
		return
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	job := &exportJob{id: hex.EncodeToString(id), owner: currentUser(r.Context()).ID, classID: c.ID, class: c.Name,
		total: len(students), created: time.Now(), name: export.ClassFileName(c.Name, c.SchoolYear, "tableaux.zip")}
	if !s.exports.add(job) {
		s.errorPage(w, r, http.StatusTooManyRequests, "Trop d'exports en cours",
			"Vous avez déjà trois exports de classe de moins d'une heure : téléchargez-les ou attendez qu'ils expirent.")
		return
	}
	s.background("class export", func() { s.runClassExport(job, students, paper) }, job.fail)
	http.Redirect(w, r, "/exports/"+job.id, http.StatusSeeOther)
}

func classURLFor(id int64) string { return "/classes/" + strconv.FormatInt(id, 10) }

func (s *Server) runClassExport(job *exportJob, students []portfolio.User, paper export.Paper) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	items := make([]export.StudentTableau, 0, len(students))
	fail := func(err error) {
		s.log.Error("class export failed", "class", job.class, "err", err)
		job.fail(err)
	}
	now := s.now()
	for _, st := range students {
		reals, err := s.store.ListRealisations(ctx, st.ID, store.RealisationFilter{})
		if err != nil {
			fail(err)
			return
		}
		if tree := s.ref(&st).Grid(); tree != nil {
			g, err := s.buildGrid(ctx, tree, st, reals, now)
			if err != nil {
				fail(err)
				return
			}
			items = append(items, export.StudentTableau{Student: st, Grid: &g})
			continue
		}
		items = append(items, export.StudentTableau{Student: st, Tableau: portfolio.BuildTableau(s.ref(&st), st, reals, now)})
	}
	var buf bytes.Buffer
	if err := export.ClassZIP(&buf, items, paper, func(done int) { job.done.Store(int64(done)) }); err != nil {
		fail(err)
		return
	}
	job.mu.Lock()
	job.zip = buf.Bytes()
	job.mu.Unlock()
}

// ownExport is the {jobID} job of the current user, if they may still see
// its class; it answers 404 itself otherwise.
func (s *Server) ownExport(w http.ResponseWriter, r *http.Request) *exportJob {
	u := currentUser(r.Context())
	job := s.exports.get(chi.URLParam(r, "jobID"), u.ID)
	if job == nil {
		s.notFound(w, r)
		return nil
	}
	if u.Role != portfolio.RoleAdmin {
		ok, err := s.store.TeachesClass(r.Context(), u.ID, job.classID)
		if err != nil {
			s.serverError(w, r, err)
			return nil
		}
		if !ok {
			s.notFound(w, r)
			return nil
		}
	}
	return job
}

func (s *Server) showExport(w http.ResponseWriter, r *http.Request) {
	job := s.ownExport(w, r)
	if job == nil {
		return
	}
	job.mu.Lock()
	v := web.ExportView{ID: job.id, Class: job.class, ClassID: job.classID, Total: job.total, Done: int(job.done.Load()),
		Ready: job.zip != nil || job.file != "", Failed: job.err != nil, Name: job.name, Dossiers: job.kind != ""}
	job.mu.Unlock()
	kind := job.kind
	if kind == "" {
		kind = "Export des tableaux"
	}
	p := s.page(r, kind+" — "+job.class, "home")
	if !v.Ready && !v.Failed {
		p.Refresh = 1
	}
	s.render(w, r, http.StatusOK, web.ExportPage(p, v))
}

func (s *Server) downloadExport(w http.ResponseWriter, r *http.Request) {
	job := s.ownExport(w, r)
	if job == nil {
		return
	}
	job.mu.Lock()
	data, name, file := job.zip, job.name, job.file
	job.mu.Unlock()
	if file != "" {
		f, err := os.Open(file)
		if err != nil { // expired meanwhile
			s.notFound(w, r)
			return
		}
		defer f.Close()
		attachment(w.Header(), "application/zip", name)
		http.ServeContent(s.slowDownload(w), r, "", job.created, f)
		return
	}
	if data == nil {
		http.Redirect(w, r, "/exports/"+job.id, http.StatusSeeOther)
		return
	}
	attachment(w.Header(), "application/zip", name)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = s.slowDownload(w).Write(data)
}
