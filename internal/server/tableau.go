package server

import (
	"bytes"
	"net/http"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// studentTableau builds the tableau of a student from the database.
func (s *Server) studentTableau(r *http.Request, student *portfolio.User) (portfolio.Tableau, error) {
	reals, err := s.store.ListRealisations(r.Context(), student.ID, store.RealisationFilter{})
	if err != nil {
		return portfolio.Tableau{}, err
	}
	return portfolio.BuildTableau(s.ref(student), *student, reals, nil, s.now()), nil
}

func (s *Server) showTableau(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	t, err := s.studentTableau(r, u)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.TableauPage(s.page(r, "Tableau de synthèse", "tableau"), web.TableauView{
		T: t, CSVURL: "/tableau.csv", EditURL: realisationURL,
	}))
}

func (s *Server) tableauCSV(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	t, err := s.studentTableau(r, u)
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
	w.Header().Set("Content-Disposition", `attachment; filename="`+export.FileName(*u, "csv")+`"`)
	_, _ = buf.WriteTo(w)
}
