package server

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// The exam dossier (issue #15): what the épreuves ask, for one student, in
// a ZIP named as a jury expects and in one merged PDF:
//
//	NOM_Prenom_1_tableau_de_synthese.pdf (and .xlsx when the model is a spreadsheet)
//	NOM_Prenom_2_fiche_1.pdf, NOM_Prenom_2_fiche_2.pdf (référentiels with fiches)
//	NOM_Prenom_3_attestation_stage_1re_annee_Organisation.pdf (accepted ones, as uploaded)
//	NOM_Prenom_4_synthese_portfolio.pdf
//
// The numbers keep the jury's reading order in any file browser. A class's
// dossiers are built in the background, like the class ZIP of tableaux.

// dossierFile is one file of a dossier.
type dossierFile struct {
	name     string
	mime     string
	data     []byte
	uploaded bool // a user's file (an attestation), not drawn by the server
}

// studentPrefix is NOM_Prenom, ASCII-safe.
func studentPrefix(u portfolio.User) string {
	return strings.TrimSuffix(export.FileName(u, "x"), "_tableau.x")
}

// buildDossier makes a student's dossier, in the jury's order. An
// uploaded attestation is checked again as the merge will read it (files
// stored before the checks at upload existed go through them here): one
// that fails is left out and named in problems, the rest still comes out.
func (s *Server) buildDossier(ctx context.Context, student portfolio.User) ([]dossierFile, []export.PartProblem, error) {
	student.PasswordHash = ""
	now := s.now()
	prefix := studentPrefix(student)
	ref := s.ref(&student)
	reals, err := s.store.ListRealisations(ctx, student.ID, store.RealisationFilter{})
	if err != nil {
		return nil, nil, err
	}
	var files []dossierFile
	var problems []export.PartProblem
	var buf bytes.Buffer
	pdfFile := func(name string, draw func(io.Writer) error) error {
		buf.Reset()
		if err := s.withPDFSlot(ctx, func() error { return draw(&buf) }); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		files = append(files, dossierFile{name: name, mime: "application/pdf", data: bytes.Clone(buf.Bytes())})
		return nil
	}
	// 1. The tableau de synthèse.
	if tree := ref.Grid(); tree != nil {
		g, err := s.buildGrid(ctx, tree, student, reals, now)
		if err != nil {
			return nil, nil, err
		}
		paper, _ := export.ParsePaper(tree.Tableau.Paper)
		if err := pdfFile(prefix+"_1_tableau_de_synthese.pdf", func(w io.Writer) error { return export.GridPDF(w, g, paper) }); err != nil {
			return nil, nil, err
		}
		buf.Reset()
		if err := export.XLSX(&buf, g); err != nil {
			return nil, nil, err
		}
		files = append(files, dossierFile{name: prefix + "_1_tableau_de_synthese.xlsx",
			mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data: bytes.Clone(buf.Bytes())})
	} else {
		t := portfolio.BuildTableau(ref, student, reals, now)
		if err := pdfFile(prefix+"_1_tableau_de_synthese.pdf", func(w io.Writer) error { return export.PDF(w, t, export.A3) }); err != nil {
			return nil, nil, err
		}
	}
	// 2. The fiches descriptives, by number; one numbered beyond what the
	// student's épreuve asks is left out, and said.
	if tree := ref.Tree; tree != nil && tree.Fiche != nil {
		fiches := map[int]*portfolio.Realisation{}
		for i := range reals {
			if n := reals[i].Fiche; n > 0 {
				fiches[n] = &reals[i]
			}
		}
		limit := portfolio.MaxFicheNumber(tree, student)
		var numbers []int
		var printed []*portfolio.Realisation
		for n := 1; n <= portfolio.MaxFiche; n++ {
			re := fiches[n]
			switch {
			case re == nil:
			case n > limit:
				problems = append(problems, export.PartProblem{Name: prefix + "_2_fiche_" + strconv.Itoa(n) + ".pdf",
					Reason: "« " + re.Title + " » est la fiche n° " + strconv.Itoa(n) + " : l’épreuve en compte " + strconv.Itoa(limit) + ", à renuméroter"})
			default:
				numbers, printed = append(numbers, n), append(printed, re)
			}
		}
		built, err := s.buildFiches(ctx, tree, student, printed...)
		if err != nil {
			return nil, nil, err
		}
		for i, f := range built {
			if err := pdfFile(prefix+"_2_fiche_"+strconv.Itoa(numbers[i])+".pdf", func(w io.Writer) error { return export.FichePDF(w, f) }); err != nil {
				return nil, nil, err
			}
		}
	}
	// 3. The accepted attestations, as uploaded.
	stages, err := s.store.Stages(ctx, student.ID)
	if err != nil {
		return nil, nil, err
	}
	atts, err := s.store.Attestations(ctx, student.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, st := range stages {
		for _, a := range atts[st.ID] {
			if a.Status != portfolio.AttestationAccepted {
				continue
			}
			data, err := s.readStored(a.AsEvidence())
			if err != nil {
				return nil, nil, err
			}
			kind := "attestation_stage"
			if st.Kind == portfolio.KindAlternance {
				kind = "certificat_de_travail"
			}
			ext := strings.ToLower(filepath.Ext(a.Filename))
			switch a.Mime {
			case "application/pdf":
				ext = ".pdf"
			case "image/jpeg":
				ext = ".jpg"
			case "image/png":
				ext = ".png"
			}
			name := fmt.Sprintf("%s_3_%s_%dA_%s%s", prefix, kind, st.Year, export.ASCIIName(st.Organisation, 40), ext)
			kept, refusal, err := s.checkDocument(ctx, export.MergePart{Name: name, Mime: a.Mime, Data: data, Uploaded: true})
			if err != nil {
				return nil, nil, err
			}
			if refusal != "" {
				problems = append(problems, export.PartProblem{Name: name, Reason: refusal})
				break
			}
			files = append(files, dossierFile{name: name, mime: a.Mime, data: kept.Data, uploaded: true})
			break // one accepted attestation per stage
		}
	}
	// 4. The portfolio summary.
	doc := s.summaryDoc(student, reals, stages, now)
	if err := pdfFile(prefix+"_4_synthese_portfolio.pdf", func(w io.Writer) error { return export.SummaryPDF(w, doc) }); err != nil {
		return nil, nil, err
	}
	return uniqueNames(files), problems, nil
}

// uniqueNames adds _2, _3… to repeated names.
func uniqueNames(files []dossierFile) []dossierFile {
	seen := map[string]int{}
	for i := range files {
		key := strings.ToLower(files[i].name)
		seen[key]++
		if n := seen[key]; n > 1 {
			ext := filepath.Ext(files[i].name)
			files[i].name = strings.TrimSuffix(files[i].name, ext) + "_" + strconv.Itoa(n) + ext
		}
	}
	return files
}

// readStored reads the bytes of a stored file.
func (s *Server) readStored(e store.Evidence) ([]byte, error) {
	f, err := s.store.OpenEvidence(e)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// summaryDoc is the portfolio summary: every réalisation the tableau
// shows (validated, or shown by the student), with its competences.
func (s *Server) summaryDoc(student portfolio.User, reals []portfolio.Realisation, stages []portfolio.Stage, now time.Time) export.SummaryDoc {
	ref := s.ref(&student)
	sc := ref.Scheme(student.Parcours)
	doc := export.SummaryDoc{Student: student, Referentiel: ref.Title, GeneratedAt: now}
	orgs := map[int64]string{}
	for _, st := range stages {
		orgs[st.ID] = st.Organisation
	}
	for i := len(reals) - 1; i >= 0; i-- { // oldest first
		re := reals[i]
		if !re.OnTableau() {
			continue
		}
		it := export.SummaryItem{Title: re.Title, Period: re.PeriodText(), Cadre: sc.CadreLabel(string(re.Cadre)),
			Status: re.Status.Label(), Organisation: re.Organisation, Description: re.Description, Productions: re.Productions}
		if o := orgs[re.StageID]; o != "" {
			it.Organisation = o
		}
		for _, a := range re.Activities {
			c := export.SummaryCompetence{Code: a.Code, How: a.How}
			if u, ok := sc.Unit(a.Code); ok {
				c.Title = u.Title
				for _, d := range a.Competences {
					title := d
					for _, du := range u.Details {
						if du.Code == d {
							title = d + " — " + du.Title
						}
					}
					c.Details = append(c.Details, title)
				}
			} else {
				c.Details = append(c.Details, a.Competences...)
			}
			it.Competences = append(it.Competences, c)
		}
		doc.Items = append(doc.Items, it)
	}
	return doc
}

// writeDossierZIP writes a student's dossier into zw, under dir/.
func writeDossierZIP(zw *zip.Writer, dir string, files []dossierFile, at time.Time) error {
	for _, f := range files {
		method := zip.Deflate
		if f.mime == "image/jpeg" || f.mime == "image/png" {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: dir + "/" + f.name, Method: method, Modified: at.Local()})
		if err != nil {
			return err
		}
		if _, err := w.Write(f.data); err != nil {
			return err
		}
	}
	return nil
}

// mergedDossier is the dossier as one PDF (the XLSX, a spreadsheet, is
// left out: the PDF of the same tableau is in), merged in a child process
// with a time and memory budget. The documents left out (problems, and
// those the merge could not read) are named on a first page.
func (s *Server) mergedDossier(ctx context.Context, student portfolio.User, files []dossierFile, problems []export.PartProblem) ([]byte, error) {
	var parts []export.MergePart
	for _, f := range files {
		if f.mime == "application/pdf" || f.mime == "image/jpeg" || f.mime == "image/png" {
			// An uploaded file here is what buildDossier's check kept.
			parts = append(parts, export.MergePart{Name: f.name, Mime: f.mime, Data: f.data, Uploaded: f.uploaded, Checked: f.uploaded})
		}
	}
	var pdf []byte
	err := s.withPDFSlot(ctx, func() error {
		merged, more, err := s.docs.Merge(ctx, parts)
		if err != nil {
			return err
		}
		problems = append(problems, more...)
		if len(problems) == 0 {
			pdf = merged
			return nil
		}
		var notice bytes.Buffer
		if err := export.NoticePDF(&notice, student, problems, s.now()); err != nil {
			return err
		}
		pdf, _, err = s.docs.Merge(ctx, []export.MergePart{{Name: "notice", Mime: "application/pdf", Data: notice.Bytes()},
			{Name: "dossier", Mime: "application/pdf", Data: merged}})
		return err
	})
	return pdf, err
}

// readMe is the LISEZMOI.txt of a dossier ZIP that lacks documents.
func readMe(problems []export.PartProblem) dossierFile {
	var b strings.Builder
	b.WriteString("Documents non inclus dans ce dossier :\r\n")
	for _, p := range problems {
		b.WriteString("- " + p.Name + " : " + p.Reason + ".\r\n")
	}
	b.WriteString("Le candidat doit déposer de nouveau chaque document concerné, numérisé en PDF ou en image (JPEG, PNG).\r\n")
	return dossierFile{name: "LISEZMOI.txt", mime: "text/plain", data: []byte(b.String())}
}

func (s *Server) dossierZIP(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	files, problems, err := s.buildDossier(r.Context(), *c.student)
	if err != nil {
		s.dossierError(w, r, err)
		return
	}
	if len(problems) > 0 {
		files = append(files, readMe(problems))
	}
	prefix := studentPrefix(*c.student)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if err := writeDossierZIP(zw, prefix+"_dossier", files, s.now()); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := zw.Close(); err != nil {
		s.serverError(w, r, err)
		return
	}
	attachment(w.Header(), "application/zip", prefix+"_dossier.zip")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = buf.WriteTo(s.slowDownload(w))
}

func (s *Server) dossierPDF(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	files, problems, err := s.buildDossier(r.Context(), *c.student)
	if err != nil {
		s.dossierError(w, r, err)
		return
	}
	pdf, err := s.mergedDossier(r.Context(), *c.student, files, problems)
	if err != nil {
		s.dossierError(w, r, err)
		return
	}
	prefix := studentPrefix(*c.student)
	attachment(w.Header(), "application/pdf", prefix+"_dossier.pdf")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	_, _ = s.slowDownload(w).Write(pdf)
}

// dossierError answers a dossier that could not be made: nothing when the
// client left, else a server error.
func (s *Server) dossierError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client left
	}
	s.serverError(w, r, err)
}

// carnetPDF is a stage's carnet de bord, for its tutor.
func (s *Server) carnetPDF(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok {
		return
	}
	entries, err := s.store.StageWeeks(r.Context(), st.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	reals, err := s.store.StageRealisations(r.Context(), st.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	doc := export.CarnetDoc{Student: *c.student, Stage: st, GeneratedAt: s.now()}
	for _, row := range web.CarnetWeeks(st, entries, reals) {
		wk := export.CarnetWeek{Week: row.Monday, Realisations: row.Titles}
		if row.Entry != nil {
			wk.Done, wk.Hours = row.Entry.Done, row.Entry.Hours
		}
		doc.Weeks = append(doc.Weeks, wk)
	}
	s.sendPDF(w, r, studentPrefix(*c.student)+"_carnet_de_bord_"+strconv.Itoa(st.Year)+"A.pdf", func(w io.Writer) error { return export.CarnetPDF(w, doc) })
}

// attestationModelPDF is the school's pre-filled attestation for the
// tutor to sign: dates, duration and content of the stage.
func (s *Server) attestationModelPDF(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok {
		return
	}
	reals, err := s.store.StageRealisations(r.Context(), st.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	doc := export.AttestationDoc{Student: *c.student, Stage: st, GeneratedAt: s.now()}
	for _, line := range strings.Split(st.Missions, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			doc.Contents = append(doc.Contents, line)
		}
	}
	for _, re := range reals {
		doc.Contents = append(doc.Contents, "Réalisation professionnelle : "+re.Title)
	}
	s.sendPDF(w, r, studentPrefix(*c.student)+"_attestation_a_signer_"+strconv.Itoa(st.Year)+"A.pdf", func(w io.Writer) error { return export.AttestationPDF(w, doc) })
}

// sendPDF draws a PDF within the PDF slots and sends it as a download.
func (s *Server) sendPDF(w http.ResponseWriter, r *http.Request, name string, draw func(io.Writer) error) {
	var buf bytes.Buffer
	if err := s.withPDFSlot(r.Context(), func() error { return draw(&buf) }); err != nil {
		s.serverError(w, r, err)
		return
	}
	sendAttachment(w, "application/pdf", name, buf.Bytes())
}

// startClassDossiers builds every student's dossier of the class into one
// ZIP, in the background, with the progress page of class exports.
func (s *Server) startClassDossiers(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
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
		total: len(students), created: time.Now(), name: export.ClassFileName(c.Name, c.SchoolYear, "dossiers.zip"),
		kind: "Dossiers d'examen"}
	if !s.exports.add(job) {
		s.errorPage(w, r, http.StatusTooManyRequests, "Trop d'exports en cours",
			"Vous avez déjà trois exports de classe de moins d'une heure : téléchargez-les ou attendez qu'ils expirent.")
		return
	}
	s.background("class dossiers", func() { s.runClassDossiers(job, students) }, job.fail)
	http.Redirect(w, r, "/exports/"+job.id, http.StatusSeeOther)
}

func (s *Server) runClassDossiers(job *exportJob, students []portfolio.User) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	// On disk, not in memory: a class's scans can weigh hundreds of MB.
	dir := filepath.Join(s.store.FilesDir(), "tmp")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		job.fail(err)
		return
	}
	out, err := os.CreateTemp(dir, "export-*.zip")
	if err != nil {
		job.fail(err)
		return
	}
	done := false
	defer func() {
		out.Close()
		if !done {
			os.Remove(out.Name())
		}
	}()
	zw := zip.NewWriter(out)
	used := map[string]int{}
	ctx = withSlotOwner(ctx, job.owner)
	for i, st := range students {
		files, problems, err := s.buildDossier(ctx, st)
		if err != nil {
			s.log.Error("class dossiers failed", "class", job.class, "student", st.ID, "err", err)
			job.fail(err)
			return
		}
		dir := studentPrefix(st) + "_dossier"
		used[strings.ToLower(dir)]++
		if n := used[strings.ToLower(dir)]; n > 1 {
			dir += "_" + strconv.Itoa(n)
		}
		// The same dossier as one PDF beside its files; the documents left
		// out are named in it and in a LISEZMOI.txt.
		merged, err := s.mergedDossier(ctx, st, files, problems)
		if err != nil {
			s.log.Error("class dossiers: merge", "class", job.class, "student", st.ID, "err", err)
			problems = append(problems, export.PartProblem{Name: studentPrefix(st) + "_dossier_complet.pdf", Reason: "le PDF unique n'a pas pu être assemblé ; les documents sont dans ce dossier, un par fichier"})
		} else {
			files = append(files, dossierFile{name: studentPrefix(st) + "_dossier_complet.pdf", mime: "application/pdf", data: merged})
		}
		if len(problems) > 0 {
			files = append(files, readMe(problems))
		}
		if err := writeDossierZIP(zw, dir, files, s.now()); err != nil {
			job.fail(err)
			return
		}
		job.done.Store(int64(i + 1))
	}
	if err := zw.Close(); err != nil {
		job.fail(err)
		return
	}
	if err := out.Close(); err != nil {
		job.fail(err)
		return
	}
	done = true
	job.mu.Lock()
	job.file = out.Name()
	job.mu.Unlock()
}
