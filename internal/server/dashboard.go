package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// home sends students to their réalisations and shows the staff their
// classes.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	if u.Role == portfolio.RoleStudent {
		http.Redirect(w, r, "/realisations", http.StatusSeeOther)
		return
	}
	teacher := u.ID
	if u.Role == portfolio.RoleAdmin {
		teacher = 0
	}
	classes, err := s.store.Classes(r.Context(), teacher)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.StaffHome(s.page(r, "Mes classes", "home"), classSummaries(classes), u.Role == portfolio.RoleAdmin))
}

func classSummary(c store.Class) web.ClassSummary {
	cs := web.ClassSummary{ID: c.ID, Name: c.Name, SchoolYear: c.SchoolYear, Referentiel: c.Referentiel, Parcours: c.Parcours,
		Archived: c.Archived, Students: c.Students, Submitted: c.Submitted}
	if !c.Deadline.IsZero() {
		cs.Deadline = c.Deadline.Format("02/01/2006")
	}
	return cs
}

// openableClasses keeps the classes whose page the viewer may open (all of
// them for an admin, those they teach for a teacher), for breadcrumbs.
func (s *Server) openableClasses(ctx context.Context, viewer *portfolio.User, cs []store.Class) ([]store.Class, error) {
	if viewer.Role == portfolio.RoleAdmin {
		return cs, nil
	}
	var out []store.Class
	for _, c := range cs {
		ok, err := s.store.TeachesClass(ctx, viewer.ID, c.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

func classSummaries(cs []store.Class) []web.ClassSummary {
	out := make([]web.ClassSummary, len(cs))
	for i, c := range cs {
		out[i] = classSummary(c)
	}
	return out
}

const classKey ctxKey = 101

// loadClass resolves {classID}: an admin sees every class, a teacher only
// the classes they teach (others are a 404).
func (s *Server) loadClass(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := parseID(chi.URLParam(r, "classID"))
		if !ok {
			s.notFound(w, r)
			return
		}
		var c store.Class
		var err error
		if u := currentUser(r.Context()); u.Role == portfolio.RoleAdmin {
			c, err = s.store.ClassByID(r.Context(), id)
		} else {
			c, err = s.store.TaughtClass(r.Context(), id, u.ID) // not found unless taught
		}
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), classKey, &c)))
	})
}

func routeClass(ctx context.Context) *store.Class {
	c, _ := ctx.Value(classKey).(*store.Class)
	return c
}

// reviewStatuses are the columns of per-student counts on a dashboard.
var reviewStatuses = []portfolio.Status{portfolio.StatusDraft, portfolio.StatusSubmitted, portfolio.StatusRework, portfolio.StatusValidated}

// showClass is a class dashboard: the review queue, oldest first, and the
// students × activities heat map of the class's parcours.
func (s *Server) showClass(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
	// The body is the same for every viewer and changes only with the
	// class's stamp (or its own columns): it is kept rendered.
	s.renderFramed(w, r, s.page(r, c.Name, "home"), fmt.Sprintf("class|%#v", *c), func() ([]byte, error) {
		v, err := s.classView(r.Context(), c)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		err = web.ClassDashboardBody(v).Render(r.Context(), &buf)
		return buf.Bytes(), err
	}, web.ClassDashboard)
}

// classView reads a class's dashboard.
func (s *Server) classView(ctx context.Context, c *store.Class) (web.ClassView, error) {
	d, err := s.store.ClassDashboard(ctx, c.ID)
	if err != nil {
		return web.ClassView{}, err
	}
	ref := s.refs[c.Referentiel]
	if ref == nil {
		ref = s.ref(nil)
	}
	cols, groups := portfolio.Columns(ref, c.Parcours)
	sc := ref.Scheme(c.Parcours)
	papers := [][2]string{{"A3", "A3 paysage"}, {"A4", "A4 paysage"}}
	if tree := ref.Grid(); tree != nil {
		orientation := map[string]string{"portrait": "portrait", "landscape": "paysage"}[tree.Tableau.Orientation]
		other := map[string]string{"A3": "A4", "A4": "A3"}[tree.Tableau.Paper]
		papers = [][2]string{{tree.Tableau.Paper, tree.Tableau.Paper + " " + orientation + " (comme le modèle)"}, {other, other + " " + orientation}}
	}
	v := web.ClassView{Papers: papers, Class: classSummary(*c), Columns: cols, Groups: groups, Types: sc.Types, Names: sc.Names, Statuses: reviewStatuses, Waiting: d.Waiting}
	for _, st := range d.Students {
		row := web.HeatRow{ID: st.User.ID, Name: st.User.LastName + " " + st.User.FirstName, Parcours: st.User.Parcours, Total: st.Total()}
		for _, status := range reviewStatuses {
			row.ByStatus = append(row.ByStatus, st.ByStatus[status])
		}
		for _, col := range cols {
			cov := st.Coverage[col.Code]
			row.Cells = append(row.Cells, cov)
			switch cov {
			case portfolio.CoveredValidated:
				row.Validated++
			case portfolio.CoveredPending:
				row.Pending++
			}
		}
		for _, t := range sc.Types {
			row.Types = append(row.Types, st.Types[t.Code])
		}
		v.Rows = append(v.Rows, row)
	}
	for _, q := range d.Queue {
		v.Queue = append(v.Queue, web.QueueRow{URL: studentsRealisationURL(q.StudentID, q.RealisationID),
			Student: q.StudentName, Title: q.Title, SubmittedAt: q.SubmittedAt})
	}
	v.Prepare()
	return v, nil
}

// showStudent is a student's page for the staff: coverage and réalisations.
func (s *Server) showStudent(w http.ResponseWriter, r *http.Request) {
	student := routeStudent(r.Context())
	viewer := currentUser(r.Context())
	list, err := s.store.ListRealisations(r.Context(), student.ID, store.RealisationFilter{})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	summary, err := s.coverageSummary(r.Context(), student)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	unread, err := s.store.Unread(r.Context(), viewer.ID, student.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	classes, err := s.store.StudentClasses(r.Context(), student.ID)
	if err == nil {
		classes, err = s.openableClasses(r.Context(), viewer, classes)
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.StudentOverview(s.page(r, student.FullName(), "home"), web.StudentView{
		Student: *student, Scheme: s.ref(student).Scheme(student.Parcours), Classes: classSummaries(classes), Realisations: list, Summary: summary, Unread: unread,
	}))
}

func (s *Server) coverageSummary(ctx context.Context, student *portfolio.User) (portfolio.CoverageSummary, error) {
	acts, types, err := s.store.StudentCoverage(ctx, student.ID)
	if err != nil {
		return portfolio.CoverageSummary{}, err
	}
	return portfolio.Summarize(s.ref(student), student.Parcours, acts, types), nil
}
