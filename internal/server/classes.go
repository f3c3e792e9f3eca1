package server

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// Admins manage classes: create, rename, set a deadline, archive, enrol
// students and assign teachers.

var schoolYearRE = regexp.MustCompile(`^(\d{4})-(\d{4})$`)

// refChoices are the référentiels a class may follow, newest first (their
// codes end with their year), so that a new class gets the current one.
func (s *Server) refChoices() []web.RefChoice {
	out := make([]web.RefChoice, 0, len(s.refs))
	for code, ref := range s.refs {
		out = append(out, web.RefChoice{Code: code, Title: ref.Title})
	}
	slices.SortFunc(out, func(a, b web.RefChoice) int { return strings.Compare(b.Code, a.Code) })
	return out
}

// decodeClass reads and checks the class form.
func (s *Server) decodeClass(r *http.Request) (store.Class, web.ClassForm) {
	f := web.ClassForm{
		Referentiel: r.PostForm.Get("referentiel"),
		Choices:     s.refChoices(),
		Name:        strings.TrimSpace(r.PostForm.Get("name")),
		SchoolYear:  strings.TrimSpace(r.PostForm.Get("school_year")),
		Parcours:    r.PostForm.Get("parcours"),
		Deadline:    strings.TrimSpace(r.PostForm.Get("deadline")),
		Archived:    r.PostForm.Get("archived") == "1",
		ExamForm:    r.PostForm.Get("exam_form"),
		Errors:      portfolio.Errors{},
	}
	c := store.Class{Name: f.Name, SchoolYear: f.SchoolYear, Referentiel: f.Referentiel, Parcours: f.Parcours, Archived: f.Archived,
		ExamForm: portfolio.ExamForm(f.ExamForm)}
	if !c.ExamForm.Valid() {
		f.Errors["exam_form"] = "Forme des épreuves inconnue : choisissez-la dans la liste."
	}
	// A form without the field (a script of before the choice existed)
	// keeps the class's référentiel, or the schema's default for a new one.
	if _, ok := s.refs[f.Referentiel]; !ok && f.Referentiel != "" {
		f.Errors["referentiel"] = "Référentiel inconnu : choisissez-en un dans la liste."
	}
	if msg := classNameProblem(f.Name); msg != "" {
		f.Errors["name"] = msg
	}
	if msg := schoolYearProblem(f.SchoolYear); msg != "" {
		f.Errors["school_year"] = msg
	}
	if f.Parcours != "" && f.Parcours != "SISR" && f.Parcours != "SLAM" {
		f.Errors["parcours"] = "Parcours inconnu."
	}
	if f.Deadline != "" {
		t, err := time.Parse(time.DateOnly, f.Deadline)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			f.Errors["deadline"] = "Date invalide : utilisez le sélecteur de date ou le format AAAA-MM-JJ."
		} else {
			c.Deadline = portfolio.Deadline{Time: t}
		}
	}
	return c, f
}

// classNameProblem is what is wrong with a class name, "" if nothing.
func classNameProblem(name string) string {
	switch {
	case name == "":
		return "Le nom de la classe est obligatoire."
	case !portfolio.CleanText(name) || strings.ContainsAny(name, "\n\r\t"):
		return "Le nom contient des caractères invalides."
	case utf8.RuneCountInString(name) > 100:
		return "Le nom ne doit pas dépasser 100 caractères."
	}
	return ""
}

// schoolYearProblem is what is wrong with a school year ("2026-2027"),
// "" if nothing.
func schoolYearProblem(year string) string {
	m := schoolYearRE.FindStringSubmatch(year)
	if m == nil {
		return "Indiquez l'année scolaire sous la forme 2026-2027."
	}
	a, _ := strconv.Atoi(m[1])
	if m[2] != strconv.Itoa(a+1) {
		return "La seconde année doit suivre la première (ex. 2026-2027)."
	}
	if a < 2000 || a > 2100 {
		return "Année scolaire invalide."
	}
	return ""
}

func (s *Server) adminClasses(w http.ResponseWriter, r *http.Request) {
	f := web.ClassForm{SchoolYear: schoolYear(s.now()), Choices: s.refChoices()}
	if len(f.Choices) > 0 {
		f.Referentiel = f.Choices[0].Code
	}
	s.renderAdminClasses(w, r, http.StatusOK, f)
}

// schoolYear is the school year running at now ("2026-2027" from
// September 2026 to August 2027).
func schoolYear(now time.Time) string {
	y := now.Year()
	if now.Month() < time.September {
		y--
	}
	return strconv.Itoa(y) + "-" + strconv.Itoa(y+1)
}

func (s *Server) renderAdminClasses(w http.ResponseWriter, r *http.Request, status int, f web.ClassForm) {
	page := pageOf(r)
	classes, err := s.store.ClassesPage(r.Context(), listPage+1, (page-1)*listPage)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	more := len(classes) > listPage
	if more {
		classes = classes[:listPage]
	}
	s.render(w, r, status, web.AdminClasses(s.page(r, "Classes", "admin"), classSummaries(classes), pagerFor(r, page, more), f))
}

func (s *Server) createClass(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	c, f := s.decodeClass(r)
	if len(f.Errors) > 0 {
		s.renderAdminClasses(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	id, err := s.store.CreateClass(r.Context(), c)
	if errors.Is(err, store.ErrClassExists) {
		f.Errors["name"] = "Une classe porte déjà ce nom pour cette année scolaire."
		s.renderAdminClasses(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.audit(r, "class_create", c.Name, c.SchoolYear)
	s.flash(r.Context(), "Classe créée : inscrivez-y les étudiants et affectez-lui ses enseignants.")
	http.Redirect(w, r, adminClassURL(id), http.StatusSeeOther)
}

func adminClassURL(id int64) string { return "/admin/classes/" + strconv.FormatInt(id, 10) }

func (s *Server) adminClass(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
	s.renderAdminClass(w, r, http.StatusOK, c.ID, s.classForm(c))
}

// classForm is the form of a stored class.
func (s *Server) classForm(c *store.Class) web.ClassForm {
	f := web.ClassForm{Name: c.Name, SchoolYear: c.SchoolYear, Parcours: c.Parcours, Archived: c.Archived,
		ExamForm: string(c.ExamForm), Referentiel: c.Referentiel, Choices: s.refChoices()}
	if !c.Deadline.IsZero() {
		f.Deadline = c.Deadline.Format(time.DateOnly)
	}
	return f
}

func (s *Server) renderAdminClass(w http.ResponseWriter, r *http.Request, status int, id int64, f web.ClassForm) {
	s.renderAdminClassWith(w, r, status, id, f, "")
}

// staffListMax is how many teachers (and admins) the assignment list of a
// class page offers before a search is needed.
const staffListMax = 200

// renderAdminClassWith draws the class page with a refused enrolment.
func (s *Server) renderAdminClassWith(w http.ResponseWriter, r *http.Request, status int, id int64, f web.ClassForm, enrolError string) {
	s.renderAdminClassPage(w, r, status, id, f, enrolError, nil)
}

// renderAdminClassPage draws the class page; move is the « Passer à
// l'année suivante » form as typed, nil for its defaults.
func (s *Server) renderAdminClassPage(w http.ResponseWriter, r *http.Request, status int, id int64, f web.ClassForm, enrolError string, move *web.MoveForm) {
	students, teachers, err := s.store.ClassMembers(r.Context(), id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if move == nil {
		name, year := f.Name, f.SchoolYear
		if c := routeClass(r.Context()); c != nil {
			name, year = c.Name, c.SchoolYear // the stored class, not a refused form
		}
		m := defaultMove(name, year, students)
		move = &m
	}
	// Students to enrol: those matching the admin's search, or, without
	// one, those in no class yet (newly created accounts). A school has
	// thousands of students: never a list of them all.
	search := searchQuery(r.URL.Query().Get("q"))
	filter := store.UserFilter{Role: portfolio.RoleStudent, NotInClass: id, Limit: enrolListMax + 1}
	if search != "" {
		filter.Query = search
	} else {
		filter.WithoutClass = true
	}
	available, err := s.store.SearchUsers(r.Context(), filter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	more := len(available) > enrolListMax
	if more {
		available = available[:enrolListMax]
	}
	// The staff to assign: by name, at most staffListMax of each role (an
	// académie has thousands of teachers); a search narrows them.
	staffSearch := searchQuery(r.URL.Query().Get("qe"))
	var staff []portfolio.User
	moreStaff := false
	for _, role := range []portfolio.Role{portfolio.RoleTeacher, portfolio.RoleAdmin} {
		list, err := s.store.SearchUsers(r.Context(), store.UserFilter{Role: role, Query: staffSearch, Limit: staffListMax + 1})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if len(list) > staffListMax {
			list, moreStaff = list[:staffListMax], true
		}
		staff = append(staff, list...)
	}
	v := web.AdminClassView{ID: id, Form: f, Students: students, Teachers: teachers,
		Available: available, Search: search, MoreAvailable: more, Staff: notIn(staff, teachers),
		StaffSearch: staffSearch, MoreStaff: moreStaff, EnrolError: enrolError, Move: *move}
	s.render(w, r, status, web.AdminClass(s.page(r, f.Name, "admin"), v))
}

// enrolListMax is how many students to enrol the admin class page lists.
const enrolListMax = 20

// notIn is all less members.
func notIn(all, members []portfolio.User) []portfolio.User {
	in := map[int64]bool{}
	for _, m := range members {
		in[m.ID] = true
	}
	var out []portfolio.User
	for _, u := range all {
		if !in[u.ID] {
			out = append(out, u)
		}
	}
	return out
}

func (s *Server) updateClass(w http.ResponseWriter, r *http.Request) {
	cur := routeClass(r.Context())
	if !s.parseForm(w, r) {
		return
	}
	c, f := s.decodeClass(r)
	if f.Referentiel == "" {
		f.Referentiel = cur.Referentiel
	}
	if !r.PostForm.Has("exam_form") {
		c.ExamForm, f.ExamForm = cur.ExamForm, string(cur.ExamForm) // a form of before the choice existed keeps it
	}
	if len(f.Errors) > 0 {
		s.renderAdminClass(w, r, http.StatusUnprocessableEntity, cur.ID, f)
		return
	}
	c.ID = cur.ID
	err := s.store.UpdateClass(r.Context(), c)
	if errors.Is(err, store.ErrClassExists) {
		f.Errors["name"] = "Une classe porte déjà ce nom pour cette année scolaire."
		s.renderAdminClass(w, r, http.StatusUnprocessableEntity, cur.ID, f)
		return
	}
	if errors.Is(err, store.ErrReferentielOtherClass) {
		f.Errors["referentiel"] = "Des étudiants de cette classe sont aussi dans une classe d'un autre référentiel : son référentiel ne peut pas changer (il reste " + cur.Referentiel + ")."
		s.renderAdminClass(w, r, http.StatusUnprocessableEntity, cur.ID, f)
		return
	}
	if errors.Is(err, store.ErrReferentielInUse) {
		f.Errors["referentiel"] = "Des étudiants de cette classe ont déjà des réalisations : son référentiel ne peut plus changer (il reste " + cur.Referentiel + ")."
		s.renderAdminClass(w, r, http.StatusUnprocessableEntity, cur.ID, f)
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	detail := c.SchoolYear
	if cur.ExamForm != c.ExamForm {
		detail += " ; forme des épreuves : " + c.ExamForm.Label()
	}
	s.audit(r, "class_update", c.Name, detail)
	s.flash(r.Context(), "Classe enregistrée.")
	http.Redirect(w, r, adminClassURL(cur.ID), http.StatusSeeOther)
}

// memberAction enrols or removes a student, assigns or removes a teacher.
func (s *Server) memberAction(add bool, role portfolio.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := routeClass(r.Context())
		if !s.parseForm(w, r) {
			return
		}
		raw := chi.URLParam(r, "userID")
		if add {
			if role == portfolio.RoleStudent {
				raw = r.PostForm.Get("student_id")
			} else {
				raw = r.PostForm.Get("teacher_id")
			}
		}
		uid, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || uid <= 0 {
			s.badRequest(w, r, "Personne inconnue.")
			return
		}
		u, err := s.store.UserByID(r.Context(), uid)
		if errors.Is(err, portfolio.ErrNotFound) || (err == nil && (role == portfolio.RoleStudent) != (u.Role == portfolio.RoleStudent)) {
			s.badRequest(w, r, "Personne inconnue.")
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		var msg string
		switch {
		case add && role == portfolio.RoleStudent:
			err, msg = s.store.Enrol(r.Context(), c.ID, uid), "Inscription de "+u.FullName()+" dans la classe enregistrée."
			if c.Parcours != "" && u.Parcours != "" && u.Parcours != c.Parcours {
				msg += " Attention : son parcours (" + u.Parcours + ") n'est pas celui de la classe (" + c.Parcours + ")."
			}
		case add:
			err, msg = s.store.AssignTeacher(r.Context(), c.ID, uid), u.FullName()+" enseigne désormais dans la classe."
		case role == portfolio.RoleStudent:
			err, msg = s.store.Unenrol(r.Context(), c.ID, uid), u.FullName()+" ne fait plus partie de la classe."
		default:
			err, msg = s.store.UnassignTeacher(r.Context(), c.ID, uid), u.FullName()+" n'enseigne plus dans la classe."
		}
		if errors.Is(err, store.ErrReferentielOtherClass) {
			s.renderAdminClassWith(w, r, http.StatusUnprocessableEntity, c.ID, s.classForm(c),
				"Inscription de "+u.FullName()+" refusée : ce compte est dans une classe d'un autre référentiel. Retirez-l'en d'abord, ou archivez cette classe.")
			return
		}
		if errors.Is(err, store.ErrReferentielMismatch) {
			s.renderAdminClassWith(w, r, http.StatusUnprocessableEntity, c.ID, s.classForm(c),
				"Inscription de "+u.FullName()+" refusée : ses réalisations suivent le référentiel "+u.Referentiel+", la classe suit "+c.Referentiel+". Choisissez une classe de son référentiel.")
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		s.audit(r, "class_members", c.Name, msg)
		s.flash(r.Context(), msg)
		http.Redirect(w, r, adminClassURL(c.ID), http.StatusSeeOther)
	}
}
