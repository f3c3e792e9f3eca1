package server

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// tableauRealisations are the student's réalisations for a tableau, from
// the cache while they have not changed.
func (s *Server) tableauRealisations(r *http.Request, studentID int64) ([]portfolio.Realisation, error) {
	stamp, err := s.store.RealisationsStamp(r.Context(), studentID)
	if err != nil {
		return nil, err
	}
	if list, ok := s.cache.get(studentID, stamp); ok {
		return list, nil
	}
	list, err := s.store.ListRealisations(r.Context(), studentID, store.RealisationFilter{})
	if err != nil {
		return nil, err
	}
	s.cache.put(studentID, stamp, list)
	return list, nil
}

// studentTableau builds the tableau of a student from the database.
func (s *Server) studentTableau(r *http.Request, student *portfolio.User) (portfolio.Tableau, error) {
	reals, err := s.tableauRealisations(r, student.ID)
	if err != nil {
		return portfolio.Tableau{}, err
	}
	st := *student
	if l, ok, err := s.store.ActiveJuryLink(r.Context(), student.ID, s.today()); err != nil {
		return portfolio.Tableau{}, err
	} else if ok {
		st.PortfolioURL = juryURL(s.siteURL(r), l.Token) // the jury's address goes on the tableau
	}
	return portfolio.BuildTableau(s.ref(student), st, reals, s.now()), nil
}

// showTableau is the logged-in student's own tableau.
func (s *Server) showTableau(w http.ResponseWriter, r *http.Request) {
	s.renderTableau(w, r, currentUser(r.Context()), "/tableau", realisationURL, "tableau")
}

func (s *Server) tableauCSV(w http.ResponseWriter, r *http.Request) {
	s.writeTableauCSV(w, r, currentUser(r.Context()))
}

// showStudentTableau is a student's tableau seen by a teacher or an admin.
func (s *Server) showStudentTableau(w http.ResponseWriter, r *http.Request) {
	student := routeStudent(r.Context())
	base := "/students/" + strconv.FormatInt(student.ID, 10)
	s.renderTableau(w, r, student, base+"/tableau", func(id int64) string {
		return studentsRealisationURL(student.ID, id)
	}, "home")
}

func (s *Server) studentTableauCSV(w http.ResponseWriter, r *http.Request) {
	s.writeTableauCSV(w, r, routeStudent(r.Context()))
}

// renderTableau draws a student's tableau page; base is the page's URL,
// base+".pdf" and base+".csv" its downloads.
func (s *Server) renderTableau(w http.ResponseWriter, r *http.Request, student *portfolio.User, base string, rowURL func(int64) string, active string) {
	t, err := s.studentTableau(r, student)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.TableauPage(s.page(r, "Tableau de synthèse", active), web.TableauView{
		T: t, Base: base, EditURL: rowURL,
	}))
}

func (s *Server) writeTableauCSV(w http.ResponseWriter, r *http.Request, student *portfolio.User) {
	t, err := s.studentTableau(r, student)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := export.CSV(&buf, t); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+export.FileName(*student, "csv")+`"`)
	_, _ = buf.WriteTo(w)
}
