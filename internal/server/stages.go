package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// Stages (issue #15): a student records each stage or period of
// alternance, its weekly carnet de bord, and uploads its signed
// attestation; their teachers see them, correct them, and accept or
// reject the attestations. The same pages serve the student (under
// /stages) and the staff (under /students/{id}/stages): stageCtx says
// who looks and where the links go.

// stageCtx is whose stages a request is about, and who asks.
type stageCtx struct {
	student *portfolio.User
	staff   bool   // a teacher or an admin looks
	base    string // "/stages" or "/students/{id}/stages"
}

// stagesOf is the stage context of the request: the current student's,
// or the route's student for the staff.
func stagesOf(r *http.Request) stageCtx {
	if st := routeStudent(r.Context()); st != nil {
		return stageCtx{student: st, staff: true, base: "/students/" + strconv.FormatInt(st.ID, 10) + "/stages"}
	}
	return stageCtx{student: currentUser(r.Context()), base: "/stages"}
}

func (c stageCtx) stageURL(id int64) string { return c.base + "/" + strconv.FormatInt(id, 10) }

// mayChange reports whether the viewer may change the student's stages:
// the student unless their classes are all archived; a teacher who still
// teaches them in a class that is not archived; an admin. It answers 403
// itself otherwise.
func (s *Server) mayChangeStages(w http.ResponseWriter, r *http.Request, c stageCtx) bool {
	ok, err := s.canChangeStages(r.Context(), c)
	if err != nil {
		s.serverError(w, r, err)
		return false
	}
	if !ok {
		s.errorPage(w, r, http.StatusForbidden, "Lecture seule", "Cette classe est archivée : elle est en lecture seule.")
	}
	return ok
}

func (s *Server) canChangeStages(ctx context.Context, c stageCtx) (bool, error) {
	if c.staff {
		return s.staffMayChange(ctx, currentUser(ctx), c.student.ID)
	}
	ro, err := s.studentReadOnly(ctx, c.student.ID)
	return !ro, err
}

// stageParam loads the {stageID} stage of the context's student; it
// answers 404 itself when there is none.
func (s *Server) stageParam(w http.ResponseWriter, r *http.Request, c stageCtx) (portfolio.Stage, bool) {
	id, ok := parseID(chi.URLParam(r, "stageID"))
	if !ok {
		s.notFound(w, r)
		return portfolio.Stage{}, false
	}
	st, err := s.store.Stage(r.Context(), c.student.ID, id)
	if err != nil {
		s.storeError(w, r, err)
		return st, false
	}
	return st, true
}

// stageCards are the student's stages with their attestations and
// réalisations.
func (s *Server) stageCards(ctx context.Context, student *portfolio.User) ([]web.StageCard, []portfolio.Stage, error) {
	stages, err := s.store.Stages(ctx, student.ID)
	if err != nil {
		return nil, nil, err
	}
	atts, err := s.store.Attestations(ctx, student.ID)
	if err != nil {
		return nil, nil, err
	}
	cards := make([]web.StageCard, len(stages))
	for i, st := range stages {
		reals, err := s.store.StageRealisations(ctx, st.ID)
		if err != nil {
			return nil, nil, err
		}
		cards[i] = web.StageCard{Stage: st, Attestations: atts[st.ID], Realisations: reals,
			State: web.AttestationState(atts[st.ID])}
	}
	return cards, stages, nil
}

// listStages is the page of a student's stages, with the check of the
// référentiel's durations.
func (s *Server) listStages(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	cards, stages, err := s.stageCards(r.Context(), c.student)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	can, err := s.canChangeStages(r.Context(), c)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sc := s.ref(c.student).Scheme(c.student.Parcours)
	v := web.StagesView{Student: *c.student, Staff: c.staff, Base: c.base, CanChange: can, Cards: cards,
		Check: portfolio.CheckStages(sc.Stages, stages), Dossier: dossierBase(c)}
	title, active := "Mes stages", "stages"
	if c.staff {
		title, active = "Stages — "+c.student.FullName(), "home"
	}
	s.render(w, r, http.StatusOK, web.StagesPage(s.page(r, title, active), v))
}

func dossierBase(c stageCtx) string {
	if c.staff {
		return "/students/" + strconv.FormatInt(c.student.ID, 10) + "/dossier"
	}
	return "/dossier"
}

func (s *Server) newStage(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	if !s.mayChangeStages(w, r, c) {
		return
	}
	s.renderStageForm(w, r, c, http.StatusOK, 0, portfolio.StageInput{Kind: string(portfolio.KindStage), Year: "1"}, nil)
}

func (s *Server) editStage(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok || !s.mayChangeStages(w, r, c) {
		return
	}
	s.renderStageForm(w, r, c, http.StatusOK, st.ID, portfolio.StageInputFrom(st), nil)
}

func (s *Server) renderStageForm(w http.ResponseWriter, r *http.Request, c stageCtx, status int, id int64, in portfolio.StageInput, errs portfolio.Errors) {
	v := web.StageFormView{Input: in, Errors: errs, Action: c.base, Cancel: c.base, Heading: "Nouveau stage"}
	if id > 0 {
		v.Action, v.Cancel, v.Heading = c.stageURL(id), c.stageURL(id), "Modifier le stage"
	}
	if c.staff {
		v.Heading += " — " + c.student.FullName()
	}
	active := "stages"
	if c.staff {
		active = "home"
	}
	s.render(w, r, status, web.StageForm(s.page(r, v.Heading, active), v))
}

func decodeStage(f url.Values) portfolio.StageInput {
	return portfolio.StageInput{Kind: f.Get("kind"), Year: f.Get("year"), Organisation: f.Get("organisation"),
		Address: f.Get("address"), SIRET: f.Get("siret"), Service: f.Get("service"), TutorName: f.Get("tutor_name"),
		TutorFunction: f.Get("tutor_function"), TutorEmail: f.Get("tutor_email"), TutorPhone: f.Get("tutor_phone"),
		Start: f.Get("start"), End: f.Get("end"), Missions: f.Get("missions")}
}

// saveStage creates a stage (POST base) or updates one (POST base/{id});
// on update, its réalisations follow its year and kind, and a période
// left outside the new dates is refused.
func (s *Server) saveStage(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	var old portfolio.Stage
	if chi.URLParam(r, "stageID") != "" {
		var ok bool
		if old, ok = s.stageParam(w, r, c); !ok {
			return
		}
	}
	if !s.mayChangeStages(w, r, c) || !s.parseForm(w, r) {
		return
	}
	in := decodeStage(r.PostForm)
	st, errs := in.Validate()
	ctx := r.Context()
	sc := s.ref(c.student).Scheme(c.student.Parcours)
	if len(errs) == 0 && old.ID == 0 {
		stages, err := s.store.Stages(ctx, c.student.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if len(stages) >= maxStages {
			errs["organisation"] = "Vous avez déjà " + strconv.Itoa(maxStages) + " stages ou périodes enregistrés : supprimez ceux qui sont en trop avant d'en ajouter."
		}
	}
	if len(errs) == 0 && old.ID > 0 {
		if msg, err := s.stageChangeProblem(ctx, c, old, st, sc.HasCadre); err != nil {
			s.serverError(w, r, err)
			return
		} else if msg[0] != "" {
			errs[msg[0]] = msg[1]
		}
	}
	if len(errs) > 0 {
		s.renderStageForm(w, r, c, http.StatusUnprocessableEntity, old.ID, in, errs)
		return
	}
	st.ID, st.StudentID = old.ID, c.student.ID
	// The student's own change to what an attestation attests (where,
	// when, which year) sends an accepted one back to its teacher.
	recheck := !c.staff && old.ID > 0 && (old.Organisation != st.Organisation || !old.Start.Equal(st.Start) ||
		!old.End.Equal(st.End) || old.Year != st.Year || old.Kind != st.Kind)
	id, reopened, err := s.store.SaveStage(ctx, st, st.Cadre(sc.HasCadre), recheck)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	switch {
	case old.ID == 0:
		s.flash(ctx, "Stage enregistré. Tenez son carnet de bord semaine par semaine et déposez "+st.Kind.TheAttestation()+" signé"+st.Kind.Agreement()+".")
	case reopened > 0:
		s.flash(ctx, "Stage modifié. "+web.UpperFirst(st.Kind.TheAttestation())+", accepté"+st.Kind.Agreement()+" pour l'ancienne version, repasse en vérification chez votre enseignant.")
	default:
		s.flash(ctx, "Stage modifié.")
	}
	s.audit(r, "stage.save", c.student.Email, st.Organisation)
	http.Redirect(w, r, c.stageURL(id), http.StatusSeeOther)
}

// maxStages bounds the stages and periods one student records.
const maxStages = 20

// stageChangeProblem is the field and message refusing a change of a
// stage, or two empty strings: its réalisations must still lie within its dates and its
// carnet's weeks too; and a student may not move the stage's réalisations
// to another band of the tableau when one of them is no longer theirs to
// change (submitted, validated, or past the class deadline) — their
// teacher may.
func (s *Server) stageChangeProblem(ctx context.Context, c stageCtx, old, st portfolio.Stage, hasCadre func(string) bool) ([2]string, error) {
	reals, err := s.store.ListRealisations(ctx, c.student.ID, store.RealisationFilter{})
	if err != nil {
		return [2]string{}, err
	}
	deadline, err := s.store.StudentDeadline(ctx, c.student.ID)
	if err != nil {
		return [2]string{}, err
	}
	moves := old.Cadre(hasCadre) != st.Cadre(hasCadre)
	for _, re := range reals {
		if re.StageID != old.ID {
			continue
		}
		if !stageHolds(st, &re) {
			return [2]string{"start", "La réalisation « " + re.Title + " » de ce stage (" + re.PeriodText() + ") sortirait de ses dates : modifiez-la d'abord, ou retirez-la du stage."}, nil
		}
		locked := !portfolio.StudentCanEdit(re.Status) || (deadline.Passed(s.now()) && !re.DeadlineExempt)
		if moves && !c.staff && locked {
			return [2]string{"year", "La réalisation « " + re.Title + " » de ce stage est " + strings.ToLower(re.Status.Label()) +
				" ou la date limite est passée : changer l'année ou la nature du stage la ferait changer de bande sur le tableau. Demandez à votre enseignant de corriger le stage."}, nil
		}
	}
	entries, err := s.store.StageWeeks(ctx, old.ID)
	if err != nil {
		return [2]string{}, err
	}
	weeks := portfolio.StageWeeksOf(st)
	for _, e := range entries {
		if !slices.ContainsFunc(weeks, e.Week.Equal) {
			return [2]string{"start", "Le carnet de bord a une entrée pour la semaine du " + e.Week.Format("02/01/2006") + ", qui sortirait des nouvelles dates : gardez des dates qui la contiennent."}, nil
		}
	}
	return [2]string{}, nil
}

// stageHolds reports whether the réalisation's période lies within the
// stage (to the day when it is known, else to the month).
func stageHolds(st portfolio.Stage, re *portfolio.Realisation) bool {
	if re.Start.IsZero() {
		return true
	}
	if re.StartDay == 0 || re.EndDay == 0 {
		first := time.Date(st.Start.Year(), st.Start.Month(), 1, 0, 0, 0, 0, time.UTC)
		return !re.StartDate().Before(first) && !re.EndDate().After(time.Date(st.End.Year(), st.End.Month()+1, 0, 0, 0, 0, 0, time.UTC))
	}
	return st.Contains(re.StartDate()) && st.Contains(re.EndDate())
}

func (s *Server) showStage(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok {
		return
	}
	s.renderStage(w, r, c, st, http.StatusOK, nil)
}

// renderStage draws a stage's page; edit, when not nil, adjusts its view
// (an upload's error, a decision's error).
func (s *Server) renderStage(w http.ResponseWriter, r *http.Request, c stageCtx, st portfolio.Stage, status int, edit func(*web.StagePageView)) {
	ctx := r.Context()
	atts, err := s.store.Attestations(ctx, c.student.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	reals, err := s.store.StageRealisations(ctx, st.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	entries, err := s.store.StageWeeks(ctx, st.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	can, err := s.canChangeStages(ctx, c)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.StagePageView{Base: c.base, URL: c.stageURL(st.ID), Staff: c.staff, CanChange: can, Student: *c.student,
		Card:  web.StageCard{Stage: st, Attestations: atts[st.ID], Realisations: reals, State: web.AttestationState(atts[st.ID])},
		Weeks: web.CarnetWeeks(st, entries, reals), MaxFile: web.HumanSize(s.maxFile)}
	if edit != nil {
		edit(&v)
	}
	title := st.Kind.Label() + " — " + st.Organisation
	active := "stages"
	if c.staff {
		active = "home"
	}
	s.render(w, r, status, web.StagePage(s.page(r, title, active), v))
}

func (s *Server) confirmDeleteStage(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok || !s.mayChangeStages(w, r, c) {
		return
	}
	s.render(w, r, http.StatusOK, web.StageDeleteConfirm(s.page(r, "Supprimer un stage", "stages"), c.stageURL(st.ID), st))
}

func (s *Server) deleteStage(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok || !s.mayChangeStages(w, r, c) {
		return
	}
	if accepted, err := s.store.HasAcceptedAttestation(r.Context(), st.ID); err != nil {
		s.serverError(w, r, err)
		return
	} else if accepted && !c.staff {
		s.errorPage(w, r, http.StatusConflict, "Attestation acceptée",
			web.UpperFirst(st.Kind.TheAttestation())+" de ce stage a été accepté"+st.Kind.Agreement()+" par votre enseignant : le stage ne peut plus être supprimé. Corrigez-le plutôt, ou demandez à votre enseignant.")
		return
	}
	if err := s.store.DeleteStage(r.Context(), c.student.ID, st.ID); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.audit(r, "stage.delete", c.student.Email, st.Organisation)
	s.flash(r.Context(), "Stage supprimé. Ses réalisations sont gardées, sans lien avec lui.")
	http.Redirect(w, r, c.base, http.StatusSeeOther)
}

// weekParam is the {week} of the route: a day of the stage's weeks.
func weekParam(r *http.Request, st portfolio.Stage) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, chi.URLParam(r, "week"))
	if err != nil {
		return time.Time{}, false
	}
	monday := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	for _, w := range portfolio.StageWeeksOf(st) {
		if w.Equal(monday) {
			return monday, true
		}
	}
	return time.Time{}, false
}

func (s *Server) editWeek(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok {
		return
	}
	week, ok := weekParam(r, st)
	if !ok {
		s.notFound(w, r)
		return
	}
	if c.staff || !s.mayChangeStages(w, r, c) {
		if c.staff { // the carnet is the student's own account of their weeks
			s.notFound(w, r)
		}
		return
	}
	entries, err := s.store.StageWeeks(r.Context(), st.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	in := portfolio.LogInput{Week: week.Format(time.DateOnly), Hours: ""}
	for _, e := range entries {
		if e.Week.Equal(week) {
			in.Done, in.Hours = e.Done, strconv.FormatFloat(e.Hours, 'f', -1, 64)
			for _, id := range e.Realisations {
				in.Realisations = append(in.Realisations, strconv.FormatInt(id, 10))
			}
		}
	}
	s.renderWeekForm(w, r, c, st, week, in, http.StatusOK, nil)
}

func (s *Server) renderWeekForm(w http.ResponseWriter, r *http.Request, c stageCtx, st portfolio.Stage, week time.Time, in portfolio.LogInput, status int, errs portfolio.Errors) {
	reals, err := s.store.StageRealisations(r.Context(), st.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.WeekFormView{StageURL: c.stageURL(st.ID), Stage: st, Week: week, Input: in, Errors: errs, Realisations: reals}
	s.render(w, r, status, web.WeekForm(s.page(r, "Carnet de bord — semaine du "+week.Format("02/01/2006"), "stages"), v))
}

func (s *Server) saveWeek(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok {
		return
	}
	week, ok := weekParam(r, st)
	if !ok || c.staff {
		s.notFound(w, r)
		return
	}
	if !s.mayChangeStages(w, r, c) || !s.parseForm(w, r) {
		return
	}
	in := portfolio.LogInput{Week: week.Format(time.DateOnly), Done: r.PostForm.Get("done"), Hours: r.PostForm.Get("hours"),
		Realisations: r.PostForm["realisation"]}
	e, errs := in.Validate(st)
	if len(errs) == 0 {
		reals, err := s.store.StageRealisations(r.Context(), st.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, id := range e.Realisations {
			if !containsID(reals, id) {
				errs["realisations"] = "Seules les réalisations rattachées à ce stage peuvent être liées à une semaine."
			}
		}
	}
	if len(errs) > 0 {
		s.renderWeekForm(w, r, c, st, week, in, http.StatusUnprocessableEntity, errs)
		return
	}
	if err := s.store.SaveStageWeek(r.Context(), c.student.ID, e); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r.Context(), "Semaine du "+week.Format("02/01/2006")+" enregistrée dans le carnet de bord.")
	http.Redirect(w, r, c.stageURL(st.ID)+"#carnet", http.StatusSeeOther)
}

func containsID(reals []portfolio.Realisation, id int64) bool {
	for _, r := range reals {
		if r.ID == id {
			return true
		}
	}
	return false
}

// uploadAttestation receives the signed attestation of a stage: one file,
// checked like evidence (size, real type, quota), a PDF or an image.
func (s *Server) uploadAttestation(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok || c.staff || !s.mayChangeStages(w, r, c) {
		if ok && c.staff {
			s.notFound(w, r)
		}
		return
	}
	files, ok := s.parseWithFiles(w, r)
	if !ok {
		return
	}
	defer func() {
		for _, f := range files {
			os.Remove(f.tmp) // moved away when stored
		}
	}()
	fail := func(msg string) {
		s.renderStage(w, r, c, st, http.StatusUnprocessableEntity, func(v *web.StagePageView) { v.UploadError = msg })
	}
	if accepted, err := s.store.HasAcceptedAttestation(r.Context(), st.ID); err != nil {
		s.serverError(w, r, err)
		return
	} else if accepted {
		fail(web.UpperFirst(st.Kind.TheAttestation()) + " de ce stage est déjà accepté" + st.Kind.Agreement() + " : il n'y a rien d'autre à déposer.")
		return
	}
	switch {
	case len(files) == 0:
		fail("Choisissez le fichier de l'attestation signée (PDF ou image).")
		return
	case len(files) > 1:
		fail("Une attestation à la fois : choisissez un seul fichier.")
		return
	}
	f := files[0]
	if !f.tooLarge && f.size > 0 && f.mime != "application/pdf" && f.mime != "image/jpeg" && f.mime != "image/png" {
		fail("«\u00a0" + f.name + "\u00a0» n'est ni un PDF ni une image JPEG ou PNG (son contenu, pas son nom, est vérifié) : numérisez le document signé dans l'un de ces formats. Rien n'a été enregistré.")
		return
	}
	if msg := s.checkFiles(files, ""); msg != "" {
		fail(msg)
		return
	}
	// What the dossier's merge will need, checked now, in a child process
	// with a time and memory budget: a PDF it can read, within the limits
	// of a real attestation; an image brought to A4 at 300 dpi.
	refusal, err := s.checkAttestation(r.Context(), &f)
	if err != nil {
		if r.Context().Err() != nil {
			return
		}
		s.serverError(w, r, err)
		return
	}
	if refusal != "" {
		fail("«\u00a0" + f.name + "\u00a0» ne peut pas être déposé : " + refusal + ". Rien n'a été enregistré.")
		return
	}
	_, err = s.store.AddAttestation(r.Context(), store.Attestation{StageID: st.ID, StudentID: c.student.ID,
		Filename: f.name, Hash: f.hash, Size: f.size, Mime: f.mime}, f.tmp, s.quota)
	if errors.Is(err, store.ErrQuota) {
		used, uerr := s.store.UsedBytes(r.Context(), c.student.ID)
		if uerr != nil {
			s.serverError(w, r, uerr)
			return
		}
		fail("Espace de stockage insuffisant : vous utilisez " + web.HumanSize(used) + " sur " + web.HumanSize(s.quota) + ". Rien n'a été enregistré.")
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r.Context(), "Attestation déposée : votre enseignant va la vérifier.")
	http.Redirect(w, r, c.stageURL(st.ID)+"#attestations", http.StatusSeeOther)
}

// checkAttestation checks a received attestation as the dossier's merge
// will read it (docjob), and replaces its file with what is kept (an
// image brought down to A4 at 300 dpi, a PDF decrypted); a refusal is
// said in French.
func (s *Server) checkAttestation(ctx context.Context, f *received) (refusal string, err error) {
	data, err := os.ReadFile(f.tmp)
	if err != nil {
		return "", err
	}
	kept, refusal, err := s.checkDocument(ctx, export.MergePart{Name: f.name, Mime: f.mime, Data: data, Uploaded: true})
	if err != nil || refusal != "" || bytes.Equal(kept.Data, data) {
		return refusal, err
	}
	if err := os.WriteFile(f.tmp, kept.Data, 0o600); err != nil {
		return "", err
	}
	sum := sha256.Sum256(kept.Data)
	f.hash, f.size = hex.EncodeToString(sum[:]), int64(len(kept.Data))
	return "", nil
}

// checkDocument checks an uploaded document in a child process
// (docjob), within the user's PDF slot: what to keep, or a refusal in
// French.
func (s *Server) checkDocument(ctx context.Context, part export.MergePart) (kept export.MergePart, refusal string, err error) {
	err = s.withPDFSlot(ctx, func() error {
		var err error
		kept, refusal, err = s.docs.Check(ctx, part)
		return err
	})
	return kept, refusal, err
}

// attestationParam loads the {attID} attestation of the route's stage.
func (s *Server) attestationParam(w http.ResponseWriter, r *http.Request, c stageCtx, st portfolio.Stage) (store.Attestation, bool) {
	id, ok := parseID(chi.URLParam(r, "attID"))
	if !ok {
		s.notFound(w, r)
		return store.Attestation{}, false
	}
	a, err := s.store.AttestationByID(r.Context(), c.student.ID, id)
	if err == nil && a.StageID != st.ID {
		err = portfolio.ErrNotFound
	}
	if err != nil {
		s.storeError(w, r, err)
		return a, false
	}
	return a, true
}

func (s *Server) serveAttestation(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok {
		return
	}
	a, ok := s.attestationParam(w, r, c, st)
	if !ok {
		return
	}
	s.sendEvidence(w, r, a.AsEvidence())
}

func (s *Server) deleteAttestation(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok {
		return
	}
	a, ok := s.attestationParam(w, r, c, st)
	if !ok || c.staff || !s.mayChangeStages(w, r, c) {
		if ok && c.staff {
			s.notFound(w, r)
		}
		return
	}
	if a.Status == portfolio.AttestationAccepted {
		s.errorPage(w, r, http.StatusConflict, "Attestation acceptée", "Cette attestation a été acceptée par votre enseignant : elle ne peut plus être retirée.")
		return
	}
	if err := s.store.DeleteAttestation(r.Context(), c.student.ID, a.ID); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r.Context(), "Attestation retirée.")
	http.Redirect(w, r, c.stageURL(st.ID)+"#attestations", http.StatusSeeOther)
}

// decideAttestation accepts or rejects (with a reason) an attestation.
func (s *Server) decideAttestation(w http.ResponseWriter, r *http.Request) {
	c := stagesOf(r)
	st, ok := s.stageParam(w, r, c)
	if !ok {
		return
	}
	if !c.staff { // the student's own teachers decide
		s.notFound(w, r)
		return
	}
	a, ok := s.attestationParam(w, r, c, st)
	if !ok || !s.mayChangeStages(w, r, c) || !s.parseForm(w, r) {
		return
	}
	var status portfolio.AttestationStatus
	reason := ""
	switch r.PostForm.Get("decision") {
	case "accept":
		status = portfolio.AttestationAccepted
	case "reject":
		status = portfolio.AttestationRejected
		errs := portfolio.Errors{}
		reason = portfolio.CleanReason(errs, "reason", r.PostForm.Get("reason"))
		if msg, bad := errs["reason"]; bad || reason == "" {
			if !bad {
				msg = "Indiquez la raison du refus : l'étudiant la lira pour déposer une attestation correcte."
			}
			s.renderStage(w, r, c, st, http.StatusUnprocessableEntity, func(v *web.StagePageView) {
				v.DecideError, v.DecideID, v.Reason = msg, a.ID, r.PostForm.Get("reason")
			})
			return
		}
	default:
		s.badRequest(w, r, "Décision inconnue.")
		return
	}
	// The form names the file the teacher saw: if the id now names another
	// one (deleted, then reused by a new upload), nothing is decided.
	hash := r.PostForm.Get("file")
	if hash == "" {
		hash = "-" // a form without it decides nothing
	}
	err := s.store.DecideAttestation(r.Context(), c.student.ID, a.ID, currentUser(r.Context()).ID, hash, status, reason)
	if errors.Is(err, portfolio.ErrNotFound) {
		s.errorPage(w, r, http.StatusConflict, "Attestation changée",
			"Le fichier de cette attestation a changé depuis l'affichage de la page : rechargez-la et vérifiez le nouveau fichier.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.audit(r, "attestation."+string(status), c.student.Email, a.Filename)
	s.afterDecision(r.Context(), c.student, st, status)
	if status == portfolio.AttestationAccepted {
		s.flash(r.Context(), "Attestation acceptée.")
	} else {
		s.flash(r.Context(), "Attestation refusée : l'étudiant voit la raison et peut en déposer une autre.")
	}
	http.Redirect(w, r, c.stageURL(st.ID)+"#attestations", http.StatusSeeOther)
}

// classStages is the class's stage overview: for each student, their
// stages of each year, their weeks and attestations, and what is missing,
// with a filter.
func (s *Server) classStages(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
	list, err := s.store.ClassStages(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	filter := r.URL.Query().Get("filtre")
	if !web.ValidStageFilter(filter) {
		filter = ""
	}
	v := web.ClassStagesView{ClassID: c.ID, Class: c.Name, SchoolYear: c.SchoolYear, Filter: filter, Total: len(list)}
	for _, ss := range list {
		st := ss.Student
		row := web.ClassStageRow{Student: st, URL: "/students/" + strconv.FormatInt(st.ID, 10) + "/stages",
			Check: portfolio.CheckStages(s.ref(&st).Scheme(st.Parcours).Stages, ss.Stages)}
		for _, stage := range ss.Stages {
			state := web.AttestationState(ss.Attestations[stage.ID])
			cell := &row.Year1
			if stage.Year == 2 {
				cell = &row.Year2
			}
			cell.Stages = append(cell.Stages, web.StageCell{Stage: stage, State: state,
				URL: row.URL + "/" + strconv.FormatInt(stage.ID, 10)})
			cell.Weeks += stage.Weeks()
		}
		if row.Matches(filter) {
			v.Rows = append(v.Rows, row)
		}
	}
	s.render(w, r, http.StatusOK, web.ClassStagesPage(s.page(r, "Stages — "+c.Name, "home"), v))
}

// stageRoutes are the routes of a student's stages, the same for the
// student (under /stages) and the staff (under /students/{id}/stages);
// the handlers refuse what the viewer may not do.
func (s *Server) stageRoutes(r chi.Router) {
	r.Get("/", s.listStages)
	r.Get("/new", s.newStage)
	r.Post("/", s.saveStage)
	r.Route("/{stageID}", func(r chi.Router) {
		r.Get("/", s.showStage)
		r.Post("/", s.saveStage)
		r.Get("/edit", s.editStage)
		r.Get("/delete", s.confirmDeleteStage)
		r.Post("/delete", s.deleteStage)
		r.Get("/semaines/{week}", s.editWeek)
		r.Post("/semaines/{week}", s.saveWeek)
		r.Get("/carnet.pdf", s.carnetPDF)
		r.Get("/attestation-modele.pdf", s.attestationModelPDF)
		r.Post("/attestations", s.uploadAttestation)
		r.Get("/attestations/{attID}", s.serveAttestation)
		r.Post("/attestations/{attID}/delete", s.deleteAttestation)
		r.Post("/attestations/{attID}/decision", s.decideAttestation)
	})
}
