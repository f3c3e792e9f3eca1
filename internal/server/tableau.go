package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// tableauSource is what a student's tableau is made from; it names the
// tableau in the page cache.
type tableauSource struct {
	student portfolio.User // with the jury link's address, without the password hash
	stamp   int64          // store.TableauVersion
	at      time.Time      // now, to the minute: the tableau prints it
}

// tableauSource reads the version of a student's tableau: one small
// query, whether or not the tableau is then made.
func (s *Server) tableauSource(r *http.Request, student *portfolio.User) (tableauSource, error) {
	stamp, token, err := s.store.TableauVersion(r.Context(), student.ID, s.today())
	if err != nil {
		return tableauSource{}, err
	}
	st := *student
	st.PasswordHash = ""
	if token != "" {
		st.PortfolioURL = juryURL(s.siteURL(r), token) // the jury's address goes on the tableau
	}
	return tableauSource{student: st, stamp: stamp, at: s.now().Truncate(time.Minute)}, nil
}

// key names an output of the tableau (kind: its form and options).
func (src tableauSource) key(kind string) string {
	return fmt.Sprintf("%s|%d|%d|%#v", kind, src.stamp, src.at.Unix(), src.student)
}

// tableau builds the tableau, reading the réalisations from the cache
// while they have not changed.
func (s *Server) tableau(r *http.Request, src tableauSource) (portfolio.Tableau, error) {
	id := src.student.ID
	reals, ok := s.cache.get(id, src.stamp)
	if !ok {
		var err error
		reals, err = s.store.ListRealisations(r.Context(), id, store.RealisationFilter{})
		if err != nil {
			return portfolio.Tableau{}, err
		}
		s.cache.put(id, src.stamp, reals)
	}
	return portfolio.BuildTableau(s.ref(&src.student), src.student, reals, src.at), nil
}

// studentTableau builds the tableau of a student from the database.
func (s *Server) studentTableau(r *http.Request, student *portfolio.User) (portfolio.Tableau, error) {
	src, err := s.tableauSource(r, student)
	if err != nil {
		return portfolio.Tableau{}, err
	}
	return s.tableau(r, src)
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
	src, err := s.tableauSource(r, student)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// The grid is most of the page's work: it is kept rendered.
	s.renderFramed(w, r, s.page(r, "Tableau de synthèse", active), src.key("grid|"+base), func() ([]byte, error) {
		t, err := s.tableau(r, src)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		err = web.TableauGrid(web.TableauView{T: t, EditURL: rowURL}).Render(r.Context(), &buf)
		return buf.Bytes(), err
	}, func(p web.Page, grid templ.Component) templ.Component {
		return web.TableauPage(p, portfolio.TableauTitle, base, grid)
	})
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
