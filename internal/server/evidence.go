package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/internal/upload"
	"github.com/portfolio-sio/portfolio/web"
)

// maxFilesPerUpload bounds one upload request.
const maxFilesPerUpload = 10

// received is an uploaded file, hashed into a temporary file.
type received struct {
	tmp      string
	name     string
	mime     string
	hash     string
	size     int64
	tooLarge bool
}

// uploadEvidence receives one or several files for a réalisation of the
// student: every file is checked (size, real type) and the quota before
// anything is stored; any problem refuses the whole upload with a 422.
func (s *Server) uploadEvidence(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok || !s.guardStudentChange(w, r, &real, true) {
		return
	}
	u := currentUser(r.Context())
	var files []received
	drop := func() {
		for _, f := range files {
			os.Remove(f.tmp) // moved away when stored
		}
		files = nil
	}
	defer drop()
	fail := func(msg string) {
		drop() // before the answer: nothing of a refused upload stays on disk
		s.renderDetail(w, r, http.StatusUnprocessableEntity, nil, real, func(v *web.DetailView) { v.UploadError = msg })
	}
	// A body that ends before its end (the student closed the page, the
	// connection dropped) is the client's doing: a 400 and an info line.
	interrupted := func(err error) {
		s.log.Info("upload interrupted", "user", u.ID, "realisation", real.ID, "err", err)
		if r.Context().Err() != nil { // the client is gone: no page to build for it
			http.Error(w, "L'envoi a été interrompu ; recommencez.", http.StatusBadRequest)
			return
		}
		s.renderDetail(w, r, http.StatusBadRequest, nil, real, func(v *web.DetailView) { v.UploadError = "L'envoi a été interrompu ; recommencez." })
	}
	s.slowUpload(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFilesPerUpload*s.maxFile+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		fail("Choisissez un ou plusieurs fichiers.")
		return
	}
	tmpDir := filepath.Join(s.store.FilesDir(), "tmp")
	if err := os.MkdirAll(tmpDir, 0o750); err != nil {
		s.serverError(w, r, err)
		return
	}
	title := ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				fail(fmt.Sprintf("Envoi trop volumineux : %s au plus par fichier, %d fichiers au plus à la fois.", web.HumanSize(s.maxFile), maxFilesPerUpload))
				return
			}
			if strings.Contains(err.Error(), "malformed MIME header") {
				// Go refuses control characters in a part's header, which
				// a file name sent as is by the browser can hold.
				fail("Le nom d'un des fichiers contient des caractères de contrôle que le serveur ne peut pas lire : renommez le fichier, puis envoyez-le de nouveau. Rien n'a été enregistré.")
				return
			}
			interrupted(err)
			return
		}
		switch part.FormName() {
		case "title":
			b, _ := io.ReadAll(io.LimitReader(part, 1000))
			title = string(b)
		case "files":
			if part.FileName() == "" {
				continue
			}
			if len(files) == maxFilesPerUpload {
				fail(fmt.Sprintf("%d fichiers au plus à la fois.", maxFilesPerUpload))
				return
			}
			f, err := s.receive(part, part.FileName(), tmpDir)
			if f.tmp != "" {
				files = append(files, f)
			}
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					fail(fmt.Sprintf("Envoi trop volumineux : %s au plus par fichier.", web.HumanSize(s.maxFile)))
					return
				}
				var body bodyError
				if errors.As(err, &body) {
					interrupted(body.err)
					return
				}
				s.serverError(w, r, err)
				return
			}
		}
		part.Close()
	}
	if len(files) == 0 {
		fail("Choisissez un ou plusieurs fichiers.")
		return
	}
	if msg := s.checkFiles(files, title); msg != "" {
		fail(msg)
		return
	}
	if msg, err := s.storeFiles(r.Context(), u.ID, real.ID, files, title); err != nil {
		s.serverError(w, r, err)
		return
	} else if msg != "" {
		fail(msg)
		return
	}
	s.flash(r.Context(), web.Plural(len(files), "fichier ajouté", "fichiers ajoutés")+" à la réalisation.")
	http.Redirect(w, r, realisationURL(real.ID)+"#preuves", http.StatusSeeOther)
}

// parseWithFiles reads a multipart form: its fields into r.PostForm (at
// most maxFormBytes of them), its "files" into temporary files, checked
// later by checkFiles. It answers itself and returns false when the body
// is too large or unreadable.
func (s *Server) parseWithFiles(w http.ResponseWriter, r *http.Request) ([]received, bool) {
	s.slowUpload(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFilesPerUpload*s.maxFile+maxFormBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		s.badRequest(w, r, "Le formulaire envoyé est illisible.")
		return nil, false
	}
	tmpDir := filepath.Join(s.store.FilesDir(), "tmp")
	if err := os.MkdirAll(tmpDir, 0o750); err != nil {
		s.serverError(w, r, err)
		return nil, false
	}
	r.PostForm, r.Form = url.Values{}, url.Values{}
	var files []received
	drop := func() {
		for _, f := range files {
			os.Remove(f.tmp)
		}
	}
	tooBig := func() {
		drop()
		s.errorPage(w, r, http.StatusRequestEntityTooLarge, "Envoi trop volumineux",
			fmt.Sprintf("Le formulaire et ses fichiers dépassent ce qui est accepté : %s au plus par fichier, %d fichiers au plus. Rien n'a été enregistré.", web.HumanSize(s.maxFile), maxFilesPerUpload))
	}
	var text int64
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				tooBig()
				return nil, false
			}
			drop()
			s.badRequest(w, r, "Le formulaire envoyé est illisible ou a été interrompu ; recommencez (le nom d'un fichier contient peut-être des caractères de contrôle : renommez-le).")
			return nil, false
		}
		if part.FormName() == "files" {
			if part.FileName() == "" {
				part.Close()
				continue
			}
			if len(files) == maxFilesPerUpload {
				tooBig()
				return nil, false
			}
			f, err := s.receive(part, part.FileName(), tmpDir)
			if f.tmp != "" {
				files = append(files, f)
			}
			if err != nil {
				var mb *http.MaxBytesError
				if errors.As(err, &mb) {
					tooBig()
					return nil, false
				}
				drop()
				var body bodyError
				if errors.As(err, &body) {
					s.badRequest(w, r, "L'envoi a été interrompu ; recommencez.")
					return nil, false
				}
				s.serverError(w, r, err)
				return nil, false
			}
			part.Close()
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFormBytes-text+1))
		text += int64(len(b))
		if err != nil || text > maxFormBytes {
			drop()
			if text > maxFormBytes {
				s.errorPage(w, r, http.StatusRequestEntityTooLarge, "Formulaire trop volumineux", "Le formulaire envoyé dépasse 1 Mo ; raccourcissez les textes.")
			} else {
				s.badRequest(w, r, "L'envoi a été interrompu ; recommencez.")
			}
			return nil, false
		}
		r.PostForm.Add(part.FormName(), string(b))
		r.Form.Add(part.FormName(), string(b))
		part.Close()
	}
	return files, true
}

// checkFiles is the message refusing received files (size, emptiness,
// type) and their title, "" when they are all acceptable.
func (s *Server) checkFiles(files []received, title string) string {
	title = strings.Join(strings.Fields(title), " ")
	if !portfolio.CleanText(title) || utf8.RuneCountInString(title) > portfolio.MaxTitle {
		return fmt.Sprintf("Le titre doit faire %d caractères au plus, sans caractères spéciaux.", portfolio.MaxTitle)
	}
	for _, f := range files {
		switch {
		case f.tooLarge:
			return fmt.Sprintf("«\u00a0%s\u00a0» est trop volumineux : %s au plus par fichier. Rien n'a été enregistré.", f.name, web.HumanSize(s.maxFile))
		case f.size == 0:
			return fmt.Sprintf("«\u00a0%s\u00a0» est vide. Rien n'a été enregistré.", f.name)
		case f.mime == "":
			return fmt.Sprintf("«\u00a0%s\u00a0» n'est pas d'un type accepté (%s) : son contenu ne correspond pas. Rien n'a été enregistré.", f.name, upload.Allowed)
		}
	}
	return ""
}

// storeFiles stores checked files on a réalisation of the student, in one
// transaction; msg refuses them when the quota would be exceeded.
func (s *Server) storeFiles(ctx context.Context, studentID, realID int64, files []received, title string) (msg string, err error) {
	title = strings.Join(strings.Fields(title), " ")
	var total int64
	for _, f := range files {
		total += f.size
	}
	batch := make([]store.NewEvidence, len(files))
	for i, f := range files {
		t := title
		if t == "" || len(files) > 1 {
			base := strings.TrimSuffix(f.name, filepath.Ext(f.name))
			if t == "" {
				t = base
			} else {
				t = fmt.Sprintf("%s (%d)", t, i+1)
			}
		}
		batch[i] = store.NewEvidence{TmpPath: f.tmp, Evidence: store.Evidence{RealisationID: realID, StudentID: studentID, Title: t,
			Filename: f.name, Hash: f.hash, Size: f.size, Mime: f.mime}}
	}
	if _, err := s.store.AddEvidenceBatch(ctx, batch, s.quota); err != nil {
		if !errors.Is(err, store.ErrQuota) {
			return "", err
		}
		used, uerr := s.store.UsedBytes(ctx, studentID)
		if uerr != nil {
			return "", uerr
		}
		return fmt.Sprintf("Espace de stockage insuffisant : vous utilisez %s sur %s, et cet envoi fait %s. Rien n'a été enregistré.",
			web.HumanSize(used), web.HumanSize(s.quota), web.HumanSize(total)), nil
	}
	return "", nil
}

// bodyError is a failure to read the request body, as opposed to one of
// the server (the disk).
type bodyError struct{ err error }

func (e bodyError) Error() string { return "request body: " + e.err.Error() }
func (e bodyError) Unwrap() error { return e.err }

// receive copies a file part into a temporary file, hashing it and
// detecting its type, and stops reading at the size limit.
func (s *Server) receive(part io.Reader, filename, tmpDir string) (received, error) {
	f := received{name: cleanFilename(filename)}
	tmp, err := os.CreateTemp(tmpDir, "upload-*")
	if err != nil {
		return f, err
	}
	f.tmp = tmp.Name()
	defer tmp.Close()
	h := sha256.New()
	head := make([]byte, 0, 512)
	buf := make([]byte, 32<<10)
	for {
		n, rerr := part.Read(buf)
		if n > 0 {
			if len(head) < 512 {
				head = append(head, buf[:min(n, 512-len(head))]...)
			}
			f.size += int64(n)
			if f.size > s.maxFile {
				f.tooLarge = true
				_, _ = io.Copy(io.Discard, part) // drain, within the request limit
				return f, nil
			}
			h.Write(buf[:n])
			if _, err := tmp.Write(buf[:n]); err != nil {
				return f, err
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return f, bodyError{rerr}
		}
	}
	f.hash = hex.EncodeToString(h.Sum(nil))
	f.mime, _ = upload.Detect(head, f.name)
	return f, tmp.Sync()
}

// cleanFilename keeps the base name of an upload, without control or path
// characters, for display and downloads.
func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`"/\:*?<>|`, r) {
			return '_'
		}
		return r
	}, name)
	if !utf8.ValidString(name) || name == "." || name == "" {
		name = "fichier"
	}
	name = strings.Map(func(r rune) rune { // no invisible reordering (x‮gpj.exe)
		if (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F {
			return -1
		}
		return r
	}, name)
	if utf8.RuneCountInString(name) > 150 {
		name = string([]rune(name)[:150])
	}
	return name
}

// confirmDeleteEvidence asks before deleting a file of the student's
// réalisation.
func (s *Server) confirmDeleteEvidence(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok || !s.guardStudentChange(w, r, &real, true) {
		return
	}
	eid, ok := parseID(chi.URLParam(r, "evidenceID"))
	if !ok {
		s.notFound(w, r)
		return
	}
	e, err := s.store.EvidenceByID(r.Context(), eid)
	if err == nil && (e.RealisationID != real.ID || e.StudentID != real.StudentID) {
		err = portfolio.ErrNotFound
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.EvidenceDeleteConfirm(s.page(r, "Supprimer un fichier", "realisations"), realisationURL(real.ID), e))
}

func (s *Server) deleteEvidence(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok || !s.guardStudentChange(w, r, &real, true) {
		return
	}
	eid, ok := parseID(chi.URLParam(r, "evidenceID"))
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.store.DeleteEvidence(r.Context(), currentUser(r.Context()).ID, real.ID, eid); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r.Context(), "Fichier supprimé.")
	http.Redirect(w, r, realisationURL(real.ID)+"#preuves", http.StatusSeeOther)
}

// serveEvidence sends an evidence file to its student or to the staff who
// may see the student; anyone else gets a 404.
func (s *Server) serveEvidence(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(chi.URLParam(r, "evidenceID"))
	if !ok {
		s.notFound(w, r)
		return
	}
	e, err := s.store.EvidenceByID(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	u := currentUser(r.Context())
	allowed := u.ID == e.StudentID || u.Role == portfolio.RoleAdmin
	if !allowed && u.Role == portfolio.RoleTeacher {
		if allowed, err = s.store.TeachesStudent(r.Context(), u.ID, e.StudentID); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if !allowed {
		s.notFound(w, r)
		return
	}
	s.sendEvidence(w, r, e)
}

// sendEvidence writes a file with headers that keep the browser from
// running it: the detected type, nosniff, and a download for anything but
// images and PDF.
func (s *Server) sendEvidence(w http.ResponseWriter, r *http.Request, e store.Evidence) {
	f, err := s.store.OpenEvidence(e)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	defer f.Close()
	disposition := "attachment"
	if upload.Inline(e.Mime) {
		disposition = "inline"
	}
	name := strings.TrimSuffix(e.Filename, filepath.Ext(e.Filename)) + upload.Extension(e.Mime, e.Filename)
	w.Header().Set("Content-Type", e.Mime)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	setDisposition(w.Header(), disposition, name)
	// Kept by the browser but asked again each time (a 304 when unchanged):
	// a revoked jury link or a removed access takes effect at once.
	w.Header().Set("Cache-Control", "private, no-cache")
	if e.Mime == "application/pdf" {
		// Shown inside the review page (its first pages, in the
		// browser's PDF viewer, which runs a PDF's scripts apart from the
		// site): framed by this site only. Browsers refuse to show a PDF
		// in a sandboxed document, so PDFs are not sandboxed.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'")
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	} else {
		w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
	}
	http.ServeContent(s.slowDownload(w), r, "", e.CreatedAt, f)
}
