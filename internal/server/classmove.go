package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// At the end of the first year an admin moves a class (or part of it) on
// to the second: a new class for the next school year, same students, same
// référentiel, their work kept (it is the students', not the class's).

// nextClassName is the default name of a class's next year: its first
// digit, when it is a lone "1", becomes "2" (« SIO1 A » → « SIO2 A »),
// « 1re année » becomes « 2e année »; a name that already says a second
// year (a lone "2", « 2e année ») stays as it is; otherwise « (2e année) »
// is added.
func nextClassName(name string) string {
	if strings.Contains(name, "1re année") {
		return strings.Replace(name, "1re année", "2e année", 1)
	}
	if strings.Contains(name, "2e année") || lonelyDigit(name, '2') {
		return name // already a second year (redoublants, a new school year): same name, next year
	}
	rs := []rune(name)
	for i, c := range rs {
		if !unicode.IsDigit(c) {
			continue
		}
		if c == '1' && (i+1 == len(rs) || !unicode.IsDigit(rs[i+1])) {
			rs[i] = '2'
			return string(rs)
		}
		break
	}
	return strings.TrimSpace(name) + " (2e année)"
}

// lonelyDigit reports whether the first digit of name is d, alone.
func lonelyDigit(name string, d rune) bool {
	rs := []rune(name)
	for i, c := range rs {
		if unicode.IsDigit(c) {
			return c == d && (i+1 == len(rs) || !unicode.IsDigit(rs[i+1]))
		}
	}
	return false
}

// nextSchoolYear is the school year after year (« 2026-2027 » →
// « 2027-2028 »), "" when year is not one.
func nextSchoolYear(year string) string {
	m := schoolYearRE.FindStringSubmatch(year)
	if m == nil {
		return ""
	}
	a, _ := strconv.Atoi(m[1])
	return strconv.Itoa(a+1) + "-" + strconv.Itoa(a+2)
}

// defaultMove is the move form of a class as first shown: every student
// ticked, teachers kept, the class archived.
func defaultMove(name, year string, students []portfolio.User) web.MoveForm {
	f := web.MoveForm{Name: nextClassName(name), SchoolYear: nextSchoolYear(year),
		Ticked: make(map[int64]bool, len(students)), KeepTeachers: true, Archive: true}
	for _, u := range students {
		f.Ticked[u.ID] = true
	}
	return f
}

// moveClass creates the next year's class of the route's class, in one
// transaction, and goes to its page.
func (s *Server) moveClass(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
	if !s.parseForm(w, r) {
		return
	}
	f := web.MoveForm{
		Name:         strings.TrimSpace(r.PostForm.Get("name")),
		SchoolYear:   strings.TrimSpace(r.PostForm.Get("school_year")),
		Ticked:       map[int64]bool{},
		KeepTeachers: r.PostForm.Get("keep_teachers") == "1",
		Archive:      r.PostForm.Get("archive") == "1",
		Errors:       portfolio.Errors{},
	}
	refuse := func() {
		s.renderAdminClassPage(w, r, http.StatusUnprocessableEntity, c.ID, s.classForm(c), "", &f)
	}
	if msg := classNameProblem(f.Name); msg != "" {
		f.Errors["move-name"] = msg
	}
	if msg := schoolYearProblem(f.SchoolYear); msg != "" {
		f.Errors["move-year"] = msg
	}
	students, teachers, err := s.store.ClassMembers(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	inClass := make(map[int64]bool, len(students))
	for _, u := range students {
		inClass[u.ID] = true
	}
	var ids []int64
	for _, raw := range r.PostForm["students"] {
		id, ok := parseID(raw)
		if !ok || !inClass[id] {
			f.Errors["move-students"] = "Un des étudiants cochés n'est pas dans cette classe : rechargez la page et recommencez."
			continue
		}
		if !f.Ticked[id] {
			f.Ticked[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 && !f.Errors.Has("move-students") {
		f.Errors["move-students"] = "Cochez au moins un étudiant qui passe dans la nouvelle classe."
	}
	if len(f.Errors) > 0 {
		refuse()
		return
	}
	id, err := s.store.MoveClassOn(r.Context(), store.ClassMove{From: c.ID, Name: f.Name, SchoolYear: f.SchoolYear,
		Students: ids, KeepTeachers: f.KeepTeachers, Archive: f.Archive})
	switch {
	case errors.Is(err, store.ErrClassExists):
		f.Errors["move-name"] = "Une classe porte déjà ce nom pour l'année " + f.SchoolYear + " : choisissez-en un autre."
		refuse()
		return
	case errors.Is(err, store.ErrNotInClass):
		// Removed from the class since the page was drawn.
		f.Errors["move-students"] = "Un des étudiants cochés n'est plus dans cette classe : rechargez la page et recommencez."
		refuse()
		return
	case errors.Is(err, store.ErrReferentielOtherClass), errors.Is(err, store.ErrReferentielMismatch):
		f.Errors["move-students"] = "Un des étudiants cochés suit un autre référentiel (dans une autre classe ou par ses réalisations) : décochez-le ou réglez d'abord sa situation."
		refuse()
		return
	case err != nil:
		s.storeError(w, r, err)
		return
	}
	msg := "Classe " + f.Name + " créée pour " + f.SchoolYear + " : " + web.Plural(len(ids), "étudiant", "étudiants")
	if f.KeepTeachers && len(teachers) > 0 {
		msg += ", " + web.Plural(len(teachers), "enseignant", "enseignants")
	}
	msg += "."
	if f.Archive {
		msg += " La classe " + c.Name + " (" + c.SchoolYear + ") est archivée : elle reste consultable, en lecture seule."
		if left := len(students) - len(ids); left > 0 {
			msg += " " + web.Plural(left, "étudiant non coché y reste", "étudiants non cochés y restent") +
				" : sans autre classe en cours, son portfolio est désormais en lecture seule (inscrivez-le dans une autre classe pour qu'il continue)."
		}
	}
	detail := f.Name + " (" + f.SchoolYear + ") : " + web.Plural(len(ids), "étudiant", "étudiants") + " sur " + strconv.Itoa(len(students))
	if f.KeepTeachers {
		detail += ", enseignants repris"
	}
	if f.Archive {
		detail += ", ancienne classe archivée"
	}
	s.audit(r, "class_move", c.Name+" ("+c.SchoolYear+")", detail)
	s.flash(r.Context(), msg)
	http.Redirect(w, r, adminClassURL(id), http.StatusSeeOther)
}
