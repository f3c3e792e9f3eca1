package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// realisationURL is the page of one réalisation.
func realisationURL(id int64) string { return "/realisations/" + strconv.FormatInt(id, 10) }

// idParam reads the {id} of the route; a malformed id is treated as absent.
func idParam(r *http.Request) (int64, bool) {
	return parseID(chi.URLParam(r, "id"))
}

// parseID accepts only canonical positive ids ("12", not "+12" or "012").
func parseID(s string) (int64, bool) {
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

func (s *Server) listRealisations(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	q := r.URL.Query()
	var f store.RealisationFilter
	sc := s.ref(u).Scheme(u.Parcours)
	if sc.HasCadre(q.Get("cadre")) {
		f.Cadre = portfolio.Cadre(q.Get("cadre"))
	}
	for _, st := range portfolio.Statuses {
		if q.Get("status") == string(st) {
			f.Status = st
		}
	}
	list, err := s.store.ListRealisations(r.Context(), u.ID, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	total := len(list)
	if f != (store.RealisationFilter{}) {
		if total, err = s.store.CountRealisations(r.Context(), u.ID); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	summary, err := s.coverageSummary(r.Context(), u)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	unread, err := s.store.Unread(r.Context(), u.ID, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d, err := s.store.StudentDeadline(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	readOnly, err := s.studentReadOnly(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.ListView{
		Realisations: list, Cadre: string(f.Cadre), Status: string(f.Status), Total: total,
		Summary: summary, Unread: unread, Locked: d.Passed(s.now()), ReadOnly: readOnly, Cadres: sc.Cadres, Scheme: sc,
	}
	if !d.IsZero() {
		v.Deadline = d.Format("02/01/2006")
	}
	s.render(w, r, http.StatusOK, web.RealisationList(s.page(r, "Mes réalisations", "realisations"), v))
}

func (s *Server) newRealisation(w http.ResponseWriter, r *http.Request) {
	if !s.guardStudentChange(w, r, nil, false) {
		return
	}
	s.renderForm(w, r, http.StatusOK, "", "/realisations", "Nouvelle réalisation professionnelle",
		portfolio.RealisationInput{How: map[string]string{}}, 0, nil)
}

func (s *Server) createRealisation(w http.ResponseWriter, r *http.Request) {
	if !s.guardStudentChange(w, r, nil, false) {
		return
	}
	// The new form sends its files with it (multipart); the réalisation
	// and its files are saved together, or nothing is.
	var files []received
	drop := func() {
		for _, f := range files {
			os.Remove(f.tmp) // moved away when stored
		}
	}
	defer drop()
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		var ok bool
		if files, ok = s.parseWithFiles(w, r); !ok {
			return
		}
	} else if !s.parseForm(w, r) {
		return
	}
	u := currentUser(r.Context())
	in := decodeRealisation(r.PostForm)
	heading := "Nouvelle réalisation professionnelle"
	form := func(status int, errs portfolio.Errors) {
		drop() // before the answer: nothing of a refused save stays on disk
		if len(files) > 0 && errs != nil && !errs.Has("files") {
			errs["files"] = "Vos fichiers n'ont pas été enregistrés avec le reste : choisissez-les de nouveau (un navigateur ne les garde pas)."
		}
		s.renderForm(w, r, status, "", "/realisations", heading, in, 0, errs)
	}
	if productionRows(&in, r.PostForm) {
		form(http.StatusOK, nil)
		return
	}
	evidenceTitle := r.PostForm.Get("evidence_title")
	real, errs, err := s.validateRealisation(r.Context(), u, &in)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	errs = s.ficheBeyond(u, 0, in.Fiche, errs)
	if msg := s.checkFiles(files, evidenceTitle); len(files) > 0 && msg != "" {
		if errs == nil {
			errs = portfolio.Errors{}
		}
		errs["files"] = msg
	}
	if errs != nil {
		form(http.StatusUnprocessableEntity, errs)
		return
	}
	id, err := s.store.CreateRealisation(r.Context(), u.ID, real)
	if errors.Is(err, store.ErrFicheTaken) {
		form(http.StatusUnprocessableEntity, ficheTaken(real.Fiche))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(files) > 0 {
		msg, err := s.storeFiles(r.Context(), u.ID, id, files, evidenceTitle)
		if err != nil || msg != "" {
			// Nothing half-written: without its files, the réalisation goes.
			if derr := s.store.DeleteRealisation(r.Context(), u.ID, id, 1); derr != nil {
				s.log.Error("remove a réalisation whose files were refused", "id", id, "err", derr)
			}
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			form(http.StatusUnprocessableEntity, portfolio.Errors{"files": msg})
			return
		}
		s.flash(r.Context(), "Réalisation enregistrée (brouillon), avec "+web.Plural(len(files), "fichier", "fichiers")+". Soumettez-la quand elle est prête.")
	} else {
		s.flash(r.Context(), "Réalisation enregistrée (brouillon). Soumettez-la quand elle est prête.")
	}
	http.Redirect(w, r, realisationURL(id), http.StatusSeeOther)
}

// ownRealisation loads the {id} réalisation of the current student; it
// answers 404 itself when there is none.
func (s *Server) ownRealisation(w http.ResponseWriter, r *http.Request) (portfolio.Realisation, bool) {
	id, ok := idParam(r)
	if !ok {
		s.notFound(w, r)
		return portfolio.Realisation{}, false
	}
	real, err := s.store.GetRealisation(r.Context(), currentUser(r.Context()).ID, id)
	if err != nil {
		s.storeError(w, r, err)
		return real, false
	}
	return real, true
}

// guardStudentChange checks that the current student may change real (or
// create one, when real is nil) now: their classes are not all archived,
// the class deadline is not past (or a teacher reopened this réalisation)
// and, when editable is set, its status lets the student edit it.
// Otherwise it answers itself and returns false.
func (s *Server) guardStudentChange(w http.ResponseWriter, r *http.Request, real *portfolio.Realisation, editable bool) bool {
	if !s.guardStudentActive(w, r) {
		return false
	}
	u := currentUser(r.Context())
	d, err := s.store.StudentDeadline(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return false
	}
	if d.Passed(s.now()) && (real == nil || !real.DeadlineExempt) {
		s.errorPage(w, r, http.StatusForbidden, "Date limite dépassée",
			"La date limite de saisie de votre classe ("+d.Format("02/01/2006")+") est passée : vous ne pouvez plus créer, modifier ni soumettre de réalisation. Un enseignant peut rouvrir une réalisation pour vous.")
		return false
	}
	if editable && real != nil && !portfolio.StudentCanEdit(real.Status) {
		msg := "Cette réalisation est soumise à votre enseignant : retirez la soumission pour la modifier."
		if real.Status == portfolio.StatusValidated {
			msg = "Cette réalisation est validée : elle n'est plus modifiable. Un enseignant peut la rouvrir."
		}
		s.renderDetail(w, r, http.StatusConflict, nil, *real, func(v *web.DetailView) { v.Notice = msg })
		return false
	}
	return true
}

func (s *Server) showRealisation(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok {
		return
	}
	s.renderDetail(w, r, http.StatusOK, nil, real, nil)
}

func (s *Server) editRealisation(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok || !s.guardStudentChange(w, r, &real, true) {
		return
	}
	s.renderForm(w, r, http.StatusOK, reworkReason(real), realisationURL(real.ID), "Modifier la réalisation", portfolio.InputFrom(&real), real.Version, nil)
}

func (s *Server) updateRealisation(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok || !s.guardStudentChange(w, r, &real, true) || !s.parseForm(w, r) {
		return
	}
	u := currentUser(r.Context())
	in := decodeRealisation(r.PostForm)
	version := formVersion(r)
	if productionRows(&in, r.PostForm) {
		s.renderForm(w, r, http.StatusOK, reworkReason(real), realisationURL(real.ID), "Modifier la réalisation", in, version, nil)
		return
	}
	updated, errs, err := s.validateRealisation(r.Context(), u, &in)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	errs = s.ficheBeyond(u, real.Fiche, in.Fiche, errs)
	if errs != nil {
		s.renderForm(w, r, http.StatusUnprocessableEntity, reworkReason(real), realisationURL(real.ID), "Modifier la réalisation", in, version, errs)
		return
	}
	updated.ID, updated.Version = real.ID, version
	err = s.store.UpdateRealisation(r.Context(), u.ID, updated)
	if errors.Is(err, store.ErrFicheTaken) {
		s.renderForm(w, r, http.StatusUnprocessableEntity, reworkReason(real), realisationURL(real.ID), "Modifier la réalisation", in, version, ficheTaken(updated.Fiche))
		return
	}
	if errors.Is(err, portfolio.ErrConflict) {
		s.conflict(w, r, nil, real.ID, "Vos modifications n'ont pas été enregistrées : la réalisation a changé entre-temps (voici son état actuel).")
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r.Context(), "Modifications enregistrées.")
	http.Redirect(w, r, realisationURL(real.ID), http.StatusSeeOther)
}

// validateRealisation checks the form against the student's référentiel
// and, when it names a stage, against the stage: the réalisation takes the
// stage's cadre (its year and kind), and its période must lie within it.
func (s *Server) validateRealisation(ctx context.Context, u *portfolio.User, in *portfolio.RealisationInput) (portfolio.Realisation, portfolio.Errors, error) {
	sc := s.ref(u).Scheme(u.Parcours)
	var st portfolio.Stage
	stageErr := ""
	if in.Stage != "" {
		id, ok := parseID(in.Stage)
		var err error
		if ok {
			st, err = s.store.Stage(ctx, u.ID, id)
		}
		switch {
		case !ok || errors.Is(err, portfolio.ErrNotFound):
			stageErr = "Ce stage n'existe pas ou n'est pas le vôtre."
		case err != nil:
			return portfolio.Realisation{}, nil, err
		default:
			if c := st.Cadre(sc.HasCadre); c != "" {
				in.Cadre = string(c)
			}
		}
	}
	real, errs := in.ValidateIn(sc)
	if stageErr == "" && st.ID > 0 && !errs.Has("start") && !errs.Has("end") {
		probe := real
		if errs != nil { // ValidateIn returns no réalisation with errors: read the dates again
			probe = periodOnly(sc.DayPrecision, in.Start, in.End)
		}
		if !stageHolds(st, &probe) {
			stageErr = "La période de la réalisation doit être comprise dans celle du stage (" + st.PeriodText() + ")."
		}
	}
	if stageErr != "" {
		if errs == nil {
			errs = portfolio.Errors{}
		}
		errs["stage"] = stageErr
		return portfolio.Realisation{}, errs, nil
	}
	real.StageID = st.ID
	return real, errs, nil
}

// periodOnly is a réalisation with only its période, read from valid
// form dates (checked already).
func periodOnly(days bool, start, end string) portfolio.Realisation {
	var r portfolio.Realisation
	if days {
		r.Start, r.StartDay, _ = portfolio.ParseDay(start)
		r.End, r.EndDay, _ = portfolio.ParseDay(end)
	} else {
		r.Start, _ = portfolio.ParseMonth(start)
		r.End, _ = portfolio.ParseMonth(end)
	}
	return r
}

// productionRows applies the form's « Ajouter un lien » and « Retirer »
// buttons, which send the form without JavaScript (the script does it in
// the page): it reports whether one was pressed, and the form is then
// drawn again as typed, one row more or less, nothing saved.
func productionRows(in *portfolio.RealisationInput, f url.Values) bool {
	if f.Get("add_production") != "" {
		if len(in.Productions) < portfolio.MaxProductions {
			in.Productions = append(in.Productions, portfolio.Production{})
		}
		return true
	}
	if v := f.Get("remove_production"); v != "" {
		if i, err := strconv.Atoi(v); err == nil && i >= 0 && i < len(in.Productions) {
			in.Productions = slices.Delete(in.Productions, i, i+1)
		}
		return true
	}
	return false
}

// ficheTaken is the error of a fiche number another réalisation has.
func ficheTaken(n int) portfolio.Errors {
	return portfolio.Errors{"fiche": "Une autre de vos réalisations est déjà la fiche n° " + strconv.Itoa(n) + " : choisissez un autre numéro, ou retirez-le d’abord de l’autre réalisation."}
}

// formVersion is the version of the réalisation the form was drawn from.
func formVersion(r *http.Request) int {
	v, _ := strconv.Atoi(r.PostForm.Get("version"))
	return v
}

func (s *Server) duplicateRealisation(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok || !s.guardStudentChange(w, r, nil, false) {
		return
	}
	cp := real
	cp.Title = copyTitle(real.Title)
	cp.Fiche = 0 // a copy is not the fiche its original is
	id, err := s.store.CreateRealisation(r.Context(), currentUser(r.Context()).ID, cp)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r.Context(), "Copie créée, en brouillon : adaptez-la à la nouvelle situation.")
	http.Redirect(w, r, realisationURL(id)+"/edit", http.StatusSeeOther)
}

// copyTitle prefixes "Copie de", keeping within the title limit.
func copyTitle(title string) string {
	t := []rune("Copie de " + title)
	if len(t) > portfolio.MaxTitle {
		t = t[:portfolio.MaxTitle]
	}
	return string(t)
}

func (s *Server) confirmDeleteRealisation(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok || !s.guardStudentChange(w, r, &real, true) {
		return
	}
	s.render(w, r, http.StatusOK, web.DeleteConfirm(s.page(r, "Supprimer une réalisation", "realisations"), real, s.ref(currentUser(r.Context())).Scheme(currentUser(r.Context()).Parcours).Names))
}

func (s *Server) deleteRealisation(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok || !s.guardStudentChange(w, r, &real, true) || !s.parseForm(w, r) {
		return
	}
	err := s.store.DeleteRealisation(r.Context(), currentUser(r.Context()).ID, real.ID, formVersion(r))
	if errors.Is(err, portfolio.ErrConflict) {
		s.conflict(w, r, nil, real.ID, "La réalisation n'a pas été supprimée : elle a changé entre-temps (voici son état actuel).")
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r.Context(), "Réalisation supprimée.")
	http.Redirect(w, r, "/realisations", http.StatusSeeOther)
}

// decodeRealisation reads the réalisation form.
func decodeRealisation(f url.Values) portfolio.RealisationInput {
	in := portfolio.RealisationInput{
		Title:       f.Get("title"),
		Description: f.Get("description"),
		Contexte:    f.Get("contexte"),
		Cadre:       f.Get("cadre"),
		Types:       f["types"],
		Start:       f.Get("start"),
		End:         f.Get("end"),
		Modalite:    f.Get("modalite"),
		Team:        f.Get("team"),

		Organisation: f.Get("organisation"),
		Place:        f.Get("lieu"),
		Conditions:   f.Get("conditions"),
		Resources:    f.Get("ressources"),
		Access:       f.Get("acces"),
		Fiche:        f.Get("fiche"),
		Stage:        f.Get("stage"),

		Activities:  f["activity"],
		Competences: f["competence"],
		How:         map[string]string{},

		TickedBefore: f["ticked_before"],
	}
	titles, urls := f["production_title"], f["production_url"]
	for i := 0; i < max(len(titles), len(urls)) && i <= portfolio.MaxProductions; i++ {
		var p portfolio.Production
		if i < len(titles) {
			p.Title = titles[i]
		}
		if i < len(urls) {
			p.URL = urls[i]
		}
		in.Productions = append(in.Productions, p)
	}
	for key, vals := range f {
		if code, ok := strings.CutPrefix(key, "how."); ok && len(vals) > 0 {
			in.How[code] = vals[0]
		}
	}
	return in
}

// reworkReason is the teacher's reason when they sent the réalisation
// back, "" otherwise: the edit form repeats it on top.
func reworkReason(real portfolio.Realisation) string {
	if real.Status == portfolio.StatusRework {
		return real.StatusReason
	}
	return ""
}

// renderForm draws the réalisation form, with the activities of the
// student's parcours first; reason is the teacher's request for changes.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, status int, reason, action, heading string, in portfolio.RealisationInput, version int, errs portfolio.Errors) {
	u := currentUser(r.Context())
	sc := s.ref(u).Scheme(u.Parcours)
	cancel := "/realisations"
	if action != "/realisations" {
		cancel = action
	}
	// The rows as typed, at least three, and an empty one to fill in.
	blanks := append([]portfolio.Production(nil), in.Productions...)
	hasEmpty := slices.Contains(blanks, portfolio.Production{})
	for (len(blanks) < 3 || !hasEmpty) && len(blanks) < portfolio.MaxProductions {
		blanks = append(blanks, portfolio.Production{})
		hasEmpty = true
	}
	stages, err := s.store.Stages(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.RealisationForm(s.page(r, heading, "realisations"), web.FormView{
		Stages:   stages,
		Action:   action,
		Version:  version,
		Cancel:   cancel,
		Heading:  heading,
		Reason:   reason,
		Input:    in,
		Errors:   errs,
		Scheme:   sc,
		FicheMax: portfolio.MaxFicheNumber(s.ref(u).Tree, *u),
		Sections: formSections(sc, in, errs),
		NewFiles: action == "/realisations",
		MaxFile:  web.HumanSize(s.maxFile),

		EvidenceTitle: r.PostForm.Get("evidence_title"),
		Blanks:        blanks,
	}))
}

// formSections are the sections of units to tick: those of the student's
// parcours open, the others open only when one of their units is ticked or
// has an error.
func formSections(sc *referentiel.Scheme, in portfolio.RealisationInput, errs portfolio.Errors) []web.FormSection {
	out := make([]web.FormSection, 0, len(sc.Sections))
	for _, sec := range sc.Sections {
		open := sec.Own
		for _, e := range sec.Entries {
			if e.Unit != nil && (in.Ticked(e.Unit.Code) || web.BlockHasError(errs, e.Unit)) {
				open = true
			}
		}
		out = append(out, web.FormSection{Section: sec, Open: open})
	}
	return out
}

// ficheBeyond adds the error of a fiche number beyond what the student's
// épreuve takes (from session 2025, two fiches). A number kept as it was
// is let be: the student sees it « à renuméroter » where they choose it,
// and may save the rest of the form first.
// The number is read as typed, so that it is said along with the other
// fields' errors, and instead of the general « de 1 à 9 ».
func (s *Server) ficheBeyond(u *portfolio.User, before int, typed string, errs portfolio.Errors) portfolio.Errors {
	limit := portfolio.MaxFicheNumber(s.ref(u).Tree, *u)
	after, err := strconv.Atoi(strings.TrimSpace(typed))
	if err != nil || after <= limit || after == before {
		return errs
	}
	if errs == nil {
		errs = portfolio.Errors{}
	}
	errs["fiche"] = "L’épreuve E6 compte " + strconv.Itoa(limit) + " fiches descriptives : choisissez un numéro de 1 à " + strconv.Itoa(limit) + "."
	return errs
}
