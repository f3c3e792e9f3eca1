package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// The review workflow: students submit and withdraw, teachers validate,
// ask for changes and reopen; both comment. The same detail page serves
// the student (/realisations/{id}) and the staff
// (/students/{studentID}/realisations/{id}).

const studentKey ctxKey = 100

// routeStudent is the student of a /students/{studentID} route, checked by
// loadStudent.
func routeStudent(ctx context.Context) *portfolio.User {
	u, _ := ctx.Value(studentKey).(*portfolio.User)
	return u
}

// loadStudent resolves {studentID} for a teacher or an admin: an admin
// sees every student, a teacher only the students of the classes they
// teach; anyone else gets a 404, as for a student who does not exist.
func (s *Server) loadStudent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := parseID(chi.URLParam(r, "studentID"))
		if !ok {
			s.notFound(w, r)
			return
		}
		student, err := s.store.UserByID(r.Context(), id)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		if student.Role != portfolio.RoleStudent {
			s.notFound(w, r)
			return
		}
		viewer := currentUser(r.Context())
		if viewer.Role != portfolio.RoleAdmin {
			ok, err := s.store.TeachesStudent(r.Context(), viewer.ID, student.ID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			if !ok {
				s.notFound(w, r)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), studentKey, &student)))
	})
}

// studentsRealisationURL is a réalisation's page for the staff.
func studentsRealisationURL(studentID, id int64) string {
	return "/students/" + strconv.FormatInt(studentID, 10) + "/realisations/" + strconv.FormatInt(id, 10)
}

// detailURL is the réalisation's page for the current viewer.
func detailURL(student *portfolio.User, id int64) string {
	if student == nil {
		return realisationURL(id)
	}
	return studentsRealisationURL(student.ID, id)
}

// renderDetail draws a réalisation with its status, comments and history,
// and the actions the viewer may take. student is nil when the viewer is
// the réalisation's own student.
func (s *Server) renderDetail(w http.ResponseWriter, r *http.Request, status int, student *portfolio.User, real portfolio.Realisation, mutate func(*web.DetailView)) {
	viewer := currentUser(r.Context())
	owner := student
	if owner == nil {
		owner = viewer
	}
	events, err := s.store.Events(r.Context(), real.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	comments, err := s.store.Comments(r.Context(), real.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	evidence, err := s.store.EvidenceOf(r.Context(), real.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.DetailView{
		R: real, Scheme: s.ref(owner).Scheme(owner.Parcours), Base: detailURL(student, real.ID), FicheInput: portfolio.InputFrom(&real),
		FicheMax: portfolio.MaxFicheNumber(s.ref(owner).Tree, *owner),
		Events:   events, Comments: comments, Staff: student != nil, Evidence: evidence,
		MaxFile: web.HumanSize(s.maxFile),
	}
	d, err := s.store.StudentDeadline(r.Context(), owner.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.DeadlinePassed = d.Passed(s.now())
	if student != nil {
		may, err := s.staffMayChange(r.Context(), viewer, student.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.ReadOnly = !may
	} else if v.ReadOnly, err = s.studentReadOnly(r.Context(), owner.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if student != nil {
		v.Student = student
		classes, err := s.store.StudentClasses(r.Context(), student.ID)
		if err == nil {
			classes, err = s.openableClasses(r.Context(), viewer, classes)
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Classes = classSummaries(classes)
	} else if v.DeadlinePassed && !real.DeadlineExempt {
		v.Locked = "La date limite de saisie (" + d.Format("02/01/2006") + ") est passée : cette réalisation ne peut plus être modifiée ni soumise."
	}
	if mutate != nil {
		mutate(&v)
	}
	if status == http.StatusOK {
		if err := s.store.MarkSeen(r.Context(), viewer.ID, real.ID); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	active := "realisations"
	if student != nil {
		active = "home"
	}
	s.render(w, r, status, web.RealisationDetail(s.page(r, real.Title, active), v))
}

// conflict answers 409 with the réalisation's current state and a message.
func (s *Server) conflict(w http.ResponseWriter, r *http.Request, student *portfolio.User, id int64, msg string) {
	owner := student
	if owner == nil {
		owner = currentUser(r.Context())
	}
	real, err := s.store.GetRealisation(r.Context(), owner.ID, id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.renderDetail(w, r, http.StatusConflict, student, real, func(v *web.DetailView) { v.Notice = msg })
}

// studentTransition handles the student's submit and withdraw buttons.
func (s *Server) studentTransition(act portfolio.Action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		real, ok := s.ownRealisation(w, r)
		if !ok || !s.guardStudentChange(w, r, &real, false) || !s.parseForm(w, r) {
			return
		}
		if act == portfolio.ActSubmit && real.Status != portfolio.StatusSubmitted {
			if err := portfolio.ReadyToSubmit(&real); err != nil {
				s.renderDetail(w, r, http.StatusConflict, nil, real, func(v *web.DetailView) { v.Notice = err.Error() })
				return
			}
		}
		s.transition(w, r, nil, real, act)
	}
}

// staffTransition handles the teacher's validate, rework and reopen.
func (s *Server) staffTransition(w http.ResponseWriter, r *http.Request) {
	student := routeStudent(r.Context())
	real, ok := s.studentRealisation(w, r, student)
	if !ok || !s.guardStaffChange(w, r, student) || !s.parseForm(w, r) {
		return
	}
	act := portfolio.Action(r.PostForm.Get("action"))
	switch act {
	case portfolio.ActValidate, portfolio.ActRework, portfolio.ActReopen:
	default:
		s.badRequest(w, r, "Action inconnue.")
		return
	}
	if act == portfolio.ActReopen && real.Status != portfolio.StatusValidated {
		// Reopening a draft or a réalisation to rework only makes sense to
		// let the student change it after the class deadline.
		d, err := s.store.StudentDeadline(r.Context(), student.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if !d.Passed(s.now()) || real.DeadlineExempt {
			s.renderDetail(w, r, http.StatusConflict, student, real, func(v *web.DetailView) {
				v.Notice = "Cette réalisation est déjà modifiable par l'étudiant : il n'y a rien à rouvrir."
			})
			return
		}
	}
	s.transition(w, r, student, real, act)
}

// transition applies an action if the réalisation is still in the state
// the actor saw (the form's version); otherwise the actor is told and sees
// the current state.
func (s *Server) transition(w http.ResponseWriter, r *http.Request, student *portfolio.User, real portfolio.Realisation, act portfolio.Action) {
	viewer := currentUser(r.Context())
	if formVersion(r) != real.Version {
		s.renderDetail(w, r, http.StatusConflict, student, real, func(v *web.DetailView) {
			v.Notice = "Action non appliquée : la réalisation a changé depuis que vous l'avez ouverte (voici son état actuel)."
		})
		return
	}
	to, reason, err := portfolio.Transition(real.Status, act, viewer.Role, r.PostForm.Get("reason"))
	var te *portfolio.TransitionError
	if errors.As(err, &te) {
		if te.Field == "reason" {
			s.renderDetail(w, r, http.StatusUnprocessableEntity, student, real, func(v *web.DetailView) {
				v.ReasonError, v.Reason, v.ReasonAction = te.Message, r.PostForm.Get("reason"), string(act)
			})
			return
		}
		s.renderDetail(w, r, http.StatusConflict, student, real, func(v *web.DetailView) { v.Notice = te.Message })
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	err = s.store.ApplyTransition(r.Context(), real.StudentID, real.ID, real.Version, act, real.Status, to, viewer.ID, reason)
	if errors.Is(err, portfolio.ErrConflict) {
		s.conflict(w, r, student, real.ID, "Action non appliquée : quelqu'un a agi sur cette réalisation au même moment (voici son état actuel).")
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.afterTransition(r.Context(), viewer, real, act)
	// Staff who validated or sent back go on to the next one to review.
	if student != nil && (act == portfolio.ActValidate || act == portfolio.ActRework) {
		next, ok, err := s.store.NextToReview(r.Context(), viewer.ID, real.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if ok {
			s.flash(r.Context(), transitionDone[act]+" Suivante à relire : «\u00a0"+next.Title+"\u00a0» de "+next.StudentName+".")
			http.Redirect(w, r, studentsRealisationURL(next.StudentID, next.RealisationID), http.StatusSeeOther)
			return
		}
		s.flash(r.Context(), transitionDone[act]+" Plus rien à relire dans vos classes.")
	} else {
		s.flash(r.Context(), transitionDone[act])
	}
	http.Redirect(w, r, detailURL(student, real.ID), http.StatusSeeOther)
}

var transitionDone = map[portfolio.Action]string{
	portfolio.ActSubmit:   "Réalisation soumise à vos enseignants.",
	portfolio.ActWithdraw: "Soumission retirée : la réalisation est de nouveau un brouillon.",
	portfolio.ActValidate: "Réalisation validée.",
	portfolio.ActRework:   "Réalisation renvoyée à l'étudiant, à reprendre.",
	portfolio.ActReopen:   "Réalisation rouverte : l'étudiant peut de nouveau la modifier.",
}

// studentRealisation loads the {id} réalisation of the route's student.
func (s *Server) studentRealisation(w http.ResponseWriter, r *http.Request, student *portfolio.User) (portfolio.Realisation, bool) {
	id, ok := idParam(r)
	if !ok {
		s.notFound(w, r)
		return portfolio.Realisation{}, false
	}
	real, err := s.store.GetRealisation(r.Context(), student.ID, id)
	if err != nil {
		s.storeError(w, r, err)
		return real, false
	}
	return real, true
}

func (s *Server) showStudentRealisation(w http.ResponseWriter, r *http.Request) {
	student := routeStudent(r.Context())
	real, ok := s.studentRealisation(w, r, student)
	if !ok {
		return
	}
	s.renderDetail(w, r, http.StatusOK, student, real, nil)
}

// addComment posts a comment, by the student (student nil) or the staff,
// unless the class is archived (read-only; comments are allowed after
// the deadline).
func (s *Server) addComment(w http.ResponseWriter, r *http.Request, student *portfolio.User, real portfolio.Realisation) {
	if student == nil {
		if !s.guardStudentActive(w, r) {
			return
		}
	} else if !s.guardStaffChange(w, r, student) {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	body, problem := portfolio.CheckComment(r.PostForm.Get("body"))
	activity := r.PostForm.Get("activity")
	if problem == "" && activity != "" && !real.HasActivity(activity) {
		problem = "Choisissez une activité cochée dans la réalisation, ou aucune."
	}
	if problem != "" {
		s.renderDetail(w, r, http.StatusUnprocessableEntity, student, real, func(v *web.DetailView) {
			v.CommentError, v.CommentBody, v.CommentActivity = problem, r.PostForm.Get("body"), activity
		})
		return
	}
	if err := s.store.AddComment(r.Context(), real.ID, currentUser(r.Context()).ID, activity, body); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.afterComment(r.Context(), currentUser(r.Context()), student, real)
	s.flash(r.Context(), "Commentaire publié.")
	http.Redirect(w, r, detailURL(student, real.ID)+"#commentaires", http.StatusSeeOther)
}

func (s *Server) studentComment(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok {
		return
	}
	s.addComment(w, r, nil, real)
}

func (s *Server) staffComment(w http.ResponseWriter, r *http.Request) {
	student := routeStudent(r.Context())
	real, ok := s.studentRealisation(w, r, student)
	if !ok {
		return
	}
	s.addComment(w, r, student, real)
}

// setTableauVisibility records whether a réalisation shows on the tableau.
// setFiche records the fiche descriptive's number and fields of one of
// the student's réalisations, whatever its status (before the deadline).
func (s *Server) setFiche(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok || !s.parseForm(w, r) || !s.guardStudentChange(w, r, &real, false) {
		return
	}
	u := currentUser(r.Context())
	if !s.ref(u).Scheme(u.Parcours).Fiche {
		s.notFound(w, r)
		return
	}
	in := decodeRealisation(r.PostForm)
	f, errs := in.ValidateFiche()
	errs = s.ficheBeyond(u, real.Fiche, in.Fiche, errs)
	if errs == nil {
		err := s.store.SetFiche(r.Context(), u.ID, real.ID, f)
		if errors.Is(err, store.ErrFicheTaken) {
			errs = ficheTaken(f.Fiche)
		} else if err != nil {
			s.storeError(w, r, err)
			return
		}
	}
	if errs != nil {
		s.renderDetail(w, r, http.StatusUnprocessableEntity, nil, real, func(dv *web.DetailView) {
			dv.FicheInput, dv.FicheErrors = in, errs
			dv.Notice = "La fiche n'a pas été enregistrée : corrigez ce qui est signalé dans « Fiche descriptive »."
		})
		return
	}
	s.flash(r.Context(), "Fiche descriptive enregistrée.")
	http.Redirect(w, r, realisationURL(real.ID), http.StatusSeeOther)
}

func (s *Server) setTableauVisibility(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok || !s.parseForm(w, r) || !s.guardStudentChange(w, r, &real, false) {
		return
	}
	v := portfolio.TableauVisibility(r.PostForm.Get("on_tableau"))
	switch v {
	case portfolio.TableauAuto, portfolio.TableauHide, portfolio.TableauShow:
	default:
		s.renderDetail(w, r, http.StatusUnprocessableEntity, nil, real, func(dv *web.DetailView) {
			dv.Notice = "Choix d'affichage inconnu."
		})
		return
	}
	if err := s.store.SetTableauVisibility(r.Context(), currentUser(r.Context()).ID, real.ID, v); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r.Context(), "Affichage sur le tableau de synthèse enregistré.")
	http.Redirect(w, r, realisationURL(real.ID), http.StatusSeeOther)
}
