package server

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
	texts   portfolio.SessionTexts
}

// tableauSource reads the version of a student's tableau: one small
// query, whether or not the tableau is then made.
func (s *Server) tableauSource(r *http.Request, student *portfolio.User) (tableauSource, error) {
	stamp, token, err := s.store.TableauVersion(r.Context(), student.ID, s.today())
	if err != nil {
		return tableauSource{}, err
	}
	st := *student
	st.PasswordHash = "" // the builders never need it
	if token != "" {
		st.PortfolioURL = juryURL(s.siteURL(r), token) // the jury's address goes on the tableau
	}
	texts, err := s.textsFor(r.Context(), &st)
	if err != nil {
		return tableauSource{}, err
	}
	return tableauSource{student: st, stamp: stamp, at: s.now().Truncate(time.Minute), texts: texts}, nil
}

// key names an output of the tableau (kind: its form and options) in the
// page cache: a typed value of everything the tableaux print, named
// field by field (TestTableauKeyNamesWhatTheTableauShows changes each
// field of portfolio.User and fails when the tableau changes but not its
// key).
func (src tableauSource) key(kind string) string {
	u, t := src.student, src.texts
	return newKey(256).str(kind).num(src.stamp).num(src.at.Unix()).num(u.ID).str(u.Referentiel).str(u.Parcours).
		str(u.FirstName).str(u.LastName).str(u.CandidateNumber).num(int64(u.SessionYear)).str(u.Centre).str(u.PortfolioURL).
		str(t.TableauTitle).str(t.TableauSubtitle).str(t.TableauSheet).str(t.FicheAnnexe).str(t.FicheEpreuve).String()
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

// reals are the student's réalisations, from the cache while they have
// not changed.
func (s *Server) reals(r *http.Request, src tableauSource) ([]portfolio.Realisation, error) {
	id := src.student.ID
	reals, ok := s.cache.get(id, src.stamp)
	if !ok {
		var err error
		reals, err = s.store.ListRealisations(r.Context(), id, store.RealisationFilter{})
		if err != nil {
			return nil, err
		}
		s.cache.put(id, src.stamp, reals)
	}
	return reals, nil
}

// grid builds the official tableau of a student whose référentiel's
// tableau is the Grid (ref.Grid()), with the réalisations it was built from.
func (s *Server) grid(r *http.Request, src tableauSource) (portfolio.Grid, []portfolio.Realisation, error) {
	reals, err := s.reals(r, src)
	if err != nil {
		return portfolio.Grid{}, nil, err
	}
	tree := s.ref(&src.student).Grid()
	g := portfolio.BuildGrid(tree, src.student, portfolio.GridEntries(src.student, reals), src.at)
	g.Apply(src.texts)
	return g, reals, nil
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
	if !s.ref(student).Working() {
		s.renderGridPage(w, r, src, base, rowURL, active)
		return
	}
	// The grid is most of the page's work: it is kept rendered.
	s.renderFramed(w, r, s.page(r, "Tableau de synthèse", active), src.key("grid|"+base), func(buf *bytes.Buffer) error {
		t, err := s.tableau(r, src)
		if err != nil {
			return err
		}
		return web.TableauGrid(web.TableauView{T: t, EditURL: rowURL}).Render(r.Context(), buf)
	}, func(p web.Page, grid templ.Component) templ.Component {
		return web.TableauPage(p, web.TableauPageView{Title: portfolio.TableauTitle, Base: base, Official: s.ref(student).Grid() != nil}, grid)
	})
}

// renderGridPage is the tableau page of a Tree référentiel: the official
// grid (kept rendered), its downloads, and the student's fiches.
func (s *Server) renderGridPage(w http.ResponseWriter, r *http.Request, src tableauSource, base string, rowURL func(int64) string, active string) {
	tree := s.ref(&src.student).Grid()
	reals, err := s.reals(r, src)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var fiches []web.FicheLink
	limit := portfolio.MaxFicheNumber(s.ref(&src.student).Tree, src.student)
	for _, re := range reals {
		if re.Fiche > 0 {
			fiches = append(fiches, web.FicheLink{Number: re.Fiche, Title: re.Title, URL: rowURL(re.ID) + "/fiche.pdf",
				Renumber: re.Fiche > limit})
		}
	}
	slices.SortFunc(fiches, func(a, b web.FicheLink) int { return a.Number - b.Number })
	s.renderFramed(w, r, s.page(r, "Tableau de synthèse", active), src.key("grid2|"+base), func(buf *bytes.Buffer) error {
		g, _, err := s.grid(r, src)
		if err != nil {
			return err
		}
		return web.GridTable(web.GridView{G: g, EditURL: rowURL}).Render(r.Context(), buf)
	}, func(p web.Page, grid templ.Component) templ.Component {
		return web.GridPage(p, web.GridPageView{Base: base, Paper: tree.Tableau.Paper, Fiches: fiches, HasFiche: tree.Fiche != nil}, grid)
	})
}

func (s *Server) writeTableauCSV(w http.ResponseWriter, r *http.Request, student *portfolio.User) {
	if !s.ref(student).Working() {
		s.writeGridFile(w, r, student, "csv", "text/csv; charset=utf-8", export.GridCSV)
		return
	}
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
	sendAttachment(w, "text/csv; charset=utf-8", export.FileName(*student, "csv"), buf.Bytes())
}

func (s *Server) tableauXLSX(w http.ResponseWriter, r *http.Request) {
	s.writeTableauXLSX(w, r, currentUser(r.Context()))
}

func (s *Server) studentTableauXLSX(w http.ResponseWriter, r *http.Request) {
	s.writeTableauXLSX(w, r, routeStudent(r.Context()))
}

// writeTableauXLSX is the tableau filled in like the circulaire's
// spreadsheet model, printed on the model's paper unless ?paper= asks.
func (s *Server) writeTableauXLSX(w http.ResponseWriter, r *http.Request, student *portfolio.User) {
	tree := s.ref(student).Grid()
	if tree == nil {
		s.notFound(w, r)
		return
	}
	paper := gridPaper(r, tree)
	s.writeGridFile(w, r, student, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", func(w io.Writer, g portfolio.Grid) error {
		g.Paper = string(paper)
		return export.XLSX(w, g)
	})
}

func (s *Server) workingPDF(w http.ResponseWriter, r *http.Request) {
	s.writeWorkingPDF(w, r, currentUser(r.Context()))
}

func (s *Server) studentWorkingPDF(w http.ResponseWriter, r *http.Request) {
	s.writeWorkingPDF(w, r, routeStudent(r.Context()))
}

// writeWorkingPDF is the « document de travail »: the working view of the
// tableau (processes, totals, activities to cover) as a PDF, for the
// référentiels that have one; not the official sheet.
func (s *Server) writeWorkingPDF(w http.ResponseWriter, r *http.Request, student *portfolio.User) {
	ref := s.ref(student)
	if !ref.Working() || ref.Grid() == nil {
		s.notFound(w, r)
		return
	}
	src, err := s.tableauSource(r, student)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	paper := paperParam(r)
	pdf, err := s.pages.get(src.key("working|"+string(paper)), func() ([]byte, error) {
		return s.workingTableauPDF(r, src, paper)
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sendAttachment(w, "application/pdf", strings.TrimSuffix(export.FileName(*student, "pdf"), ".pdf")+"_document_de_travail.pdf", pdf)
}

// writeGridFile answers with a file drawn from the student's grid.
func (s *Server) writeGridFile(w http.ResponseWriter, r *http.Request, student *portfolio.User, ext, mime string, draw func(io.Writer, portfolio.Grid) error) {
	src, err := s.tableauSource(r, student)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	g, _, err := s.grid(r, src)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := draw(&buf, g); err != nil {
		s.serverError(w, r, err)
		return
	}
	sendAttachment(w, mime, export.FileName(*student, ext), buf.Bytes())
}

// ficheOf answers with the fiche descriptive PDF of a réalisation of the
// student, when their référentiel has one and the réalisation is one of
// the fiches the student presents (it has a number the épreuve takes).
func (s *Server) ficheOf(w http.ResponseWriter, r *http.Request, student *portfolio.User, real portfolio.Realisation) {
	tree := s.ref(student).Tree
	if tree == nil || tree.Fiche == nil {
		s.notFound(w, r)
		return
	}
	if real.Fiche == 0 {
		s.errorPage(w, r, http.StatusNotFound, "Pas de fiche descriptive",
			"« "+real.Title+" » n’est pas numérotée comme fiche descriptive : choisissez son numéro de fiche (« Fiche descriptive », sur la page de la réalisation) pour l’imprimer.")
		return
	}
	if limit := portfolio.MaxFicheNumber(tree, *student); real.Fiche > limit {
		s.errorPage(w, r, http.StatusNotFound, "Fiche à renuméroter",
			"« "+real.Title+" » est la fiche n° "+strconv.Itoa(real.Fiche)+", mais l’épreuve E6 compte "+strconv.Itoa(limit)+
				" fiches : donnez-lui un numéro de 1 à "+strconv.Itoa(limit)+" (« Fiche descriptive », sur la page de la réalisation).")
		return
	}
	fiches, err := s.buildFiches(r.Context(), tree, *student, &real)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := fiches[0]
	var buf bytes.Buffer
	if err := s.withPDFSlot(r.Context(), func() error { return export.FichePDF(&buf, f) }); err != nil {
		s.serverError(w, r, err)
		return
	}
	name := strings.TrimSuffix(export.FileName(*student, "pdf"), "_tableau.pdf") + "_fiche_" + strconv.Itoa(real.Fiche) + ".pdf"
	sendAttachment(w, "application/pdf", name, buf.Bytes())
}

// realisationFiche is the student's own fiche.
func (s *Server) realisationFiche(w http.ResponseWriter, r *http.Request) {
	real, ok := s.ownRealisation(w, r)
	if !ok {
		return
	}
	s.ficheOf(w, r, currentUser(r.Context()), real)
}

// studentRealisationFiche is a student's fiche seen by a teacher or an admin.
func (s *Server) studentRealisationFiche(w http.ResponseWriter, r *http.Request) {
	student := routeStudent(r.Context())
	real, ok := s.studentRealisation(w, r, student)
	if !ok {
		return
	}
	s.ficheOf(w, r, student, real)
}
